"""Plain-float twin of the numpy engine (`training.numpy_rows`) for small networks.

On the lecture's single neuron numpy spends nearly all its time creating tiny arrays;
Python floats do the same arithmetic far faster (benchmarks/bench_engine.py). This
module repeats the mathematics of `model.network` and `model.training`, sample by sample:

    forward   s[l] = W[l] a[l-1] + b[l],   a[l] = f_l(s[l]),   a[0] = x
    backward  δ[L] = ∂E_p/∂y ⊙ f_L'(s[L]),  δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ f_l'(s[l])
    gradient  ∂E_p/∂W[l] = δ[l] a[l-1]ᵀ,   ∂E_p/∂b[l] = δ[l]
    update    θ ← θ − η g,  g = ∂E_p/∂θ (online) or the mean over the samples (batch)

The lecture's delta rule W + η[d − y]x is that update with δ = y − d at the output
(W + η(d − y)x = W − η(y − d)x exactly, since negation is exact), so both rules share it.

A neuron's parameters are one list [w_1, …, w_n, b]: the bias is the weight of a constant
+1 input, as in the lecture. Each step's error pass at the new parameters yields every
sample's activations there, and the next step's gradient needs exactly those, so a state
is forwarded once. Three variants, chosen by `variant`:

  * "single layer" (no hidden layer: the lecture, AND, OR). Each output neuron sees only
    its own error, so the neurons learn independently: one tight loop per neuron.
  * "one hidden layer" (2-2-1 XOR and the like): one loop over lists, gradients summed
    in place.
  * "generic" (deeper networks): the phases of a step as functions over layers.

The results equal numpy's to the last bits: only the order of a few float additions
differs (numpy's BLAS may fuse a multiply and an add), which tests/test_fastpath.py
bounds by 1e-12 over whole runs, divergence included.
"""

# The zips of the step phases pair lists whose lengths the network's shape fixes; a
# strict= argument would cost about a fifth of a lecture step.
# ruff: noqa: B905

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from operator import mul, sub
from typing import TYPE_CHECKING

import numpy as np

from model.activations import LEAKY_SLOPE, get_activation
from model.losses import get_loss

if TYPE_CHECKING:
    from collections.abc import Iterator

    from model.config import Dataset, TrainingConfig
    from model.network import Network

Vector = list[float]
Layer = list[Vector]  # one row [w_1, ..., w_n, b] per neuron
Activations = list[Vector]  # a[0] = x, a[1], ..., a[L] = y of one sample
FloatFunction = Callable[[float], float]
FloatPairFunction = Callable[[float, float], float]

# Where plain floats stop beating numpy (measured: a step costs floats about 1 µs per
# parameter and sample, numpy about 80 µs plus little per sample).
MAX_PARAMETERS = 60
MAX_WORK = 200  # parameters × samples
FLUSH_ROWS = 4096  # history rows collected before they are written as one block
ONE = [1.0]  # the bias input
# A float operation that overflows is where numpy would have produced inf or NaN.
ARITHMETIC_TROUBLE = (OverflowError, ZeroDivisionError)

# f'(s) written in terms of a = f(s), so the backward pass needs no second exp. Each equals
# `Activation.df_float(s)` bit for bit (tests/test_fastpath.py checks). The step
# activation has none: the Trainer refuses backprop through it.
DERIVATIVE_FROM_OUTPUT: dict[str, FloatFunction] = {
    "sigmoid": lambda a: a * (1.0 - a),
    "tanh": lambda a: 1.0 - a * a,
    "relu": lambda a: 1.0 if a > 0.0 else 0.0,
    "leaky_relu": lambda a: 1.0 if a > 0.0 else LEAKY_SLOPE,
    "linear": lambda a: 1.0,
}


def suitable(network: Network, n_samples: int = 1) -> bool:
    """True when plain floats beat numpy for this network and this many samples."""
    n = network.n_parameters
    return n <= MAX_PARAMETERS and n * n_samples <= MAX_WORK


def variant(network: Network) -> str:
    """Which loop `advance` runs for this network (see the module docstring)."""
    return {1: "single layer", 2: "one hidden layer"}.get(network.depth, "generic")


def rows(
    network: Network, data: Dataset, config: TrainingConfig, first_step: int, n: int
) -> Iterator[np.ndarray]:
    """Up to n updates from state `first_step`, as the numpy engine makes them: blocks of
    new rows (parameters in `get_flat` order, then the error). `network` is not changed.

    Every new state is checked like numpy's engine does: the rows stop before the first
    state with a non-finite parameter or error (or a float operation that overflows).
    """
    loop = {
        "single layer": single_layer_rows,
        "one hidden layer": one_hidden_layer_rows,
    }.get(variant(network), generic_rows)
    return loop(network, plan_for(network, data, config), first_step, n)


@dataclass(frozen=True)
class Plan:
    """Everything about a run that stays fixed from step to step."""

    activations: list[str]  # f_l's name, l = 1..L
    fs: list[FloatFunction]  # f_l
    dfs: list[FloatFunction | None]  # f_l' from a[l] (backprop only)
    plain_delta: bool  # δ[L] = y − d
    output_delta: FloatPairFunction  # δ[L] from (y, d)
    squared: bool  # E_p = ½ Σ (d − y)²
    per_output: FloatPairFunction  # E_p's term for one output
    eta: float
    batch: bool
    update_biases: bool
    samples: list[tuple[Vector, Vector]]  # (x + [1.0], d) per sample

    @property
    def inputs(self) -> list[Vector]:
        return [x for x, _ in self.samples]

    @property
    def targets(self) -> list[Vector]:
        return [d for _, d in self.samples]


def plan_for(network: Network, data: Dataset, config: TrainingConfig) -> Plan:
    loss = get_loss(config.loss)
    backprop = config.rule == "backprop"
    output = network.activations[-1]
    # y − d: the delta rule, and σ with cross-entropy (whose factors y(1 − y) cancel)
    plain = not backprop or (output == "sigmoid" and config.loss == "cross_entropy")
    output_delta: FloatPairFunction
    if plain:
        output_delta = sub
    elif output == "sigmoid" and config.loss == "squared_error":

        def output_delta(y: float, d: float) -> float:  # the common case, in one call
            return (y - d) * (y * (1.0 - y))
    else:
        dE_dy, df = loss.dE_dy_float, DERIVATIVE_FROM_OUTPUT[output]

        def output_delta(y: float, d: float) -> float:
            return dE_dy(y, d) * df(y)

    return Plan(
        activations=list(network.activations),
        fs=[get_activation(name).f_float for name in network.activations],
        dfs=[
            DERIVATIVE_FROM_OUTPUT.get(name) if backprop else None for name in network.activations
        ],
        plain_delta=plain,
        output_delta=output_delta,
        squared=config.loss == "squared_error",
        per_output=loss.per_output_float,
        eta=float(config.learning_rate),
        batch=config.mode == "batch",
        update_biases=config.update_biases,
        samples=[
            (x + ONE, d) for x, d in zip(data.inputs.tolist(), data.targets.tolist(), strict=True)
        ],
    )


# -- parameters: Network <-> lists of rows ------------------------------------------------
def layers_of(network: Network) -> list[Layer]:
    return [
        np.column_stack([W, b]).tolist()
        for W, b in zip(network.weights, network.biases, strict=True)
    ]


def flat_order(network: Network) -> list[int]:
    """For each `get_flat` entry, its index among the rows laid end to end."""
    order: list[int] = []
    offset = 0
    for n_in, n_out in zip(network.layers[:-1], network.layers[1:], strict=True):
        k = n_in + 1
        order += [offset + j * k + i for j in range(n_out) for i in range(n_in)]
        order += [offset + j * k + n_in for j in range(n_out)]
        offset += n_out * k
    return order


def all_finite(values: Vector, error: float) -> bool:
    return math.isfinite(error) and all(map(math.isfinite, values))


def table_of(rows: Vector, order: list[int]) -> np.ndarray:
    """States laid out as the rows of each layer end to end, then E, as history rows
    (`get_flat` order, error last)."""
    return np.array(rows).reshape(-1, len(order))[:, order]


# -- no hidden layer --------------------------------------------------------------------------
def single_layer_rows(
    network: Network, plan: Plan, first_step: int, n: int
) -> Iterator[np.ndarray]:
    """n updates of a network without hidden layers, one output neuron at a time.

    Neuron j's update needs only its own outputs y_pj and targets d_pj, so each neuron
    runs the whole chunk of steps on its own; the chunk's error is then
    E = (Σ_j Σ_p E_pj) / P. The first neuron to diverge ends the chunk for all.
    """
    n_in, n_out = network.layers
    P = len(plan.samples)
    neurons = layers_of(network)[0]  # [w_1, ..., w_n, b] per neuron
    xs = plan.inputs
    targets = [list(column) for column in zip(*plan.targets)]  # d_pj per neuron
    f = plan.fs[0]
    outputs = [[f(sum(map(mul, w, x))) for x in xs] for w in neurons]  # y_pj per neuron
    end = first_step + n
    first = first_step
    while first < end:
        wanted = k = min(FLUSH_ROWS, end - first)
        states: list[Vector] = []
        errors: list[Vector] = []
        for w, ds, ys in zip(neurons, targets, outputs):
            w_states, w_errors = neuron_steps(plan, w, xs, ds, ys, first, k)
            k = len(w_errors)  # later neurons need not go past a divergence
            states.append(w_states)
            errors.append(w_errors)
        table = np.empty((k, network.n_parameters + 1))
        for j, (w_states, w_errors) in enumerate(zip(states, errors)):
            block = np.array(w_states).reshape(-1, n_in + 1)[:k]
            table[:, j * n_in : (j + 1) * n_in] = block[:, :n_in]
            table[:, n_out * n_in + j] = block[:, n_in]
            table[:, -1] = w_errors[:k] if j == 0 else table[:, -1] + w_errors[:k]
        table[:, -1] /= P
        finite = np.isfinite(table[:, -1])  # the sum over the neurons may overflow
        if not finite.all():
            table = table[: int(np.argmin(finite))]
        if len(table):
            yield table
        if len(table) < wanted:  # the next state diverged
            return
        first += wanted


def neuron_steps(
    plan: Plan, w: Vector, xs: list[Vector], ds: Vector, ys: Vector, first: int, n: int
) -> tuple[Vector, Vector]:
    """Up to n updates of one output neuron, from state `first`.

    w : [w_1, ..., w_n, b], updated in place; xs : the inputs x_p + [1.0];
    ds : the targets d_p; ys : the outputs y_p at w, updated in place.
    Returns the states w after each update end to end, and each state's Σ_p E_p; both
    stop before the first state with a non-finite value.
    """
    isfinite = math.isfinite
    f, per_output, output_delta = plan.fs[0], plan.per_output, plan.output_delta
    squared, plain = plan.squared, plan.plain_delta
    eta, batch = plan.eta, plan.batch
    P = len(xs)
    moving = range(len(w) if plan.update_biases else len(w) - 1)
    columns = list(zip(*xs))  # x_pi over the samples, one tuple per input i
    samples = range(P)
    states: Vector = []
    errors: Vector = []
    with contextlib.suppress(*ARITHMETIC_TROUBLE):
        for step in range(first, first + n):
            # the update, from the outputs of the previous error pass
            if batch:
                deltas = list(map(output_delta, ys, ds))
                for i in moving:
                    w[i] -= eta * (sum(map(mul, deltas, columns[i])) / P)
            else:
                p = step % P
                delta = ys[p] - ds[p] if plain else output_delta(ys[p], ds[p])
                x = xs[p]
                for i in moving:
                    w[i] -= eta * (delta * x[i])
            # the error pass at the new parameters: Σ_p E_p and every y_p
            e = 0.0
            s = 0.0
            for p in samples:
                s = sum(map(mul, w, xs[p]))
                y = f(s)
                ys[p] = y
                d = ds[p]
                e += 0.5 * (d - y) * (d - y) if squared else per_output(y, d)
            # A non-finite w_i makes every s non-finite (inf·0 is NaN), so a finite e + s
            # means a finite state; otherwise look closer (s alone may have overflowed).
            if not isfinite(e + s) and not all_finite(w, e):
                break
            states += w
            errors.append(e)
    return states, errors


# -- one hidden layer -------------------------------------------------------------------------
# One loop on purpose: a function call per sample would cost about a tenth of a step.
def one_hidden_layer_rows(  # noqa: PLR0912, PLR0915
    network: Network, plan: Plan, first_step: int, n: int
) -> Iterator[np.ndarray]:
    """n updates of an n_in-h-n_out network, in one loop over plain lists.

    Each pass of the loop forwards every sample at the current state (the error, and the
    activations the next gradient needs), records the state, then sums the gradient over
    the samples it uses into lists laid out like the parameters and steps down it.
    """
    hidden, output = layers_of(network)  # [w_1, ..., w_n, b] per neuron
    order = [*flat_order(network), network.n_parameters]
    flush_at = FLUSH_ROWS * len(order)
    isfinite = math.isfinite
    f_hidden, f_output = plan.fs
    df_hidden = plan.dfs[0]
    assert df_hidden is not None  # the Trainer allows only backprop here
    sigmoid_hidden, sigmoid_output = (name == "sigmoid" for name in plan.activations)
    squared, per_output, output_delta = plan.squared, plan.per_output, plan.output_delta
    sigmoid_squared = sigmoid_output and squared  # (after the plain δ = y − d case)
    eta, batch, plain = plan.eta, plan.batch, plan.plain_delta
    xs, ds = plan.inputs, plan.targets
    P = len(xs)
    n_in, n_hidden, n_out = network.layers
    # a[1] + [1.0] and y of every sample at the current state
    hs = [[0.0] * n_hidden + ONE for _ in xs]
    ys = [[0.0] * n_out for _ in xs]
    # ∂E/∂θ summed over the samples of a step, laid out like the rows
    hidden_grads = [[0.0] * (n_in + 1) for _ in hidden]
    output_grads = [[0.0] * (n_hidden + 1) for _ in output]
    zeros_hidden, zeros_output = [0.0] * (n_in + 1), [0.0] * (n_hidden + 1)
    parameters = [*hidden, *output]
    hidden_moving = range(n_in + 1 if plan.update_biases else n_in)
    output_moving = range(n_hidden + 1 if plan.update_biases else n_hidden)
    output_deltas = [0.0] * n_out
    hidden_deltas = [0.0] * n_hidden
    hidden_inputs, output_inputs = range(n_in + 1), range(n_hidden + 1)  # with the +1
    neurons_hidden = range(n_hidden)
    everyone = range(P)
    # Made once: the lists they pair are updated in place, and building an enumerate or
    # a zip object every step costs a few per cent of a 2-2-1 step.
    samples = list(zip(xs, ds, hs, ys))
    hidden_rows, output_rows = list(enumerate(hidden)), list(enumerate(output))
    first = first_step
    end = first + n
    rows: Vector = []  # new states end to end: the rows of each layer, then E
    with contextlib.suppress(*ARITHMETIC_TROUBLE):
        for step in range(first, end + 1):
            # forward every sample at state `step`: a[1], y and E
            E = 0.0
            check = 0.0  # Σ s: a non-finite parameter makes its neuron's s so
            for x, d, h, y in samples:
                for j, w in hidden_rows:
                    s = sum(map(mul, w, x))
                    check += s
                    h[j] = f_hidden(s)
                E_p = 0.0
                for k, w in output_rows:
                    s = sum(map(mul, w, h))
                    check += s
                    y_k = f_output(s)
                    y[k] = y_k
                    d_k = d[k]
                    E_p += 0.5 * (d_k - y_k) * (d_k - y_k) if squared else per_output(y_k, d_k)
                E += E_p
            E /= P
            if step > first:
                if not isfinite(check + E) and not all_finite(
                    [v for w in parameters for v in w], E
                ):
                    break
                for w in parameters:
                    rows += w
                rows.append(E)
                if len(rows) >= flush_at:
                    yield table_of(rows, order)
                    rows = []
            if step == end:
                break
            if not batch or P == 1:
                # One sample: its own gradient is the step, so no sums are kept.
                p = step % P
                h, y, d, x = hs[p], ys[p], ds[p], xs[p]
                for k in range(n_out):
                    y_k, d_k = y[k], d[k]
                    if plain:
                        output_deltas[k] = y_k - d_k
                    elif sigmoid_squared:  # the common case, without a call
                        output_deltas[k] = (y_k - d_k) * (y_k * (1.0 - y_k))
                    else:
                        output_deltas[k] = output_delta(y_k, d_k)
                for j in neurons_hidden:
                    back = 0.0  # (W[2]ᵀ δ[2])_j, before W[2] moves
                    for k, w in output_rows:
                        back += output_deltas[k] * w[j]
                    h_j = h[j]
                    hidden_deltas[j] = back * (
                        h_j * (1.0 - h_j) if sigmoid_hidden else df_hidden(h_j)
                    )
                for k, w in output_rows:
                    delta = output_deltas[k]
                    for i in output_moving:
                        w[i] -= eta * (delta * h[i])
                for j, w in hidden_rows:
                    delta = hidden_deltas[j]
                    for i in hidden_moving:
                        w[i] -= eta * (delta * x[i])
                continue
            # backward: ∂E_p/∂θ summed over this step's samples, at state `step`
            for g in hidden_grads:
                g[:] = zeros_hidden
            for g in output_grads:
                g[:] = zeros_output
            used = everyone if batch else (step % P,)
            for p in used:
                h, y, d = hs[p], ys[p], ds[p]
                for k, g in enumerate(output_grads):
                    delta = y[k] - d[k] if plain else output_delta(y[k], d[k])
                    output_deltas[k] = delta
                    for i in output_inputs:
                        g[i] += delta * h[i]
                x = xs[p]
                for j in neurons_hidden:
                    back = 0.0  # (W[2]ᵀ δ[2])_j
                    for delta, w in zip(output_deltas, output):
                        back += delta * w[j]
                    h_j = h[j]
                    delta = back * (h_j * (1.0 - h_j) if sigmoid_hidden else df_hidden(h_j))
                    g = hidden_grads[j]
                    for i in hidden_inputs:
                        g[i] += delta * x[i]
            # the step: θ ← θ − η mean of the gradient
            m = len(used)
            for w, g in zip(hidden, hidden_grads):
                for i in hidden_moving:
                    w[i] -= eta * (g[i] / m)
            for w, g in zip(output, output_grads):
                for i in output_moving:
                    w[i] -= eta * (g[i] / m)
    if rows:
        yield table_of(rows, order)


# -- the phases of a step (generic loop) ---------------------------------------------------
def forward(net: list[Layer], plan: Plan) -> tuple[list[Activations], float]:
    """Every sample's activations at these parameters, and the error E = mean_p E_p.

    A sample's activations are [x, a[1], ..., a[L-1], y], each but y followed by the bias
    input 1.0, so that a row [w_1, ..., w_n, b] gives Σ_i w_i a_i + b in numpy's order.
    """
    hidden = list(zip(net, plan.fs[:-1]))  # zip stops before the output layer
    output, f_out = net[-1], plan.fs[-1]
    per_output = plan.per_output
    acts: list[Activations] = []
    total = 0.0
    for x, d in plan.samples:
        a = x
        sample = [a]
        for rows, f in hidden:
            a = [f(sum(map(mul, row, a))) for row in rows]
            a.append(1.0)
            sample.append(a)
        y = [f_out(sum(map(mul, row, a))) for row in output]
        sample.append(y)
        total += sum(map(per_output, y, d))
        acts.append(sample)
    return acts, total / len(acts)


def backward(net: list[Layer], plan: Plan, acts: Activations, d: Vector) -> list[Vector]:
    """δ[1], ..., δ[L] of one sample, from its activations."""
    delta = list(map(plan.output_delta, acts[-1], d))
    deltas = [delta]
    for l in range(len(net) - 1, 0, -1):
        df = plan.dfs[l - 1]
        assert df is not None
        # (W[l+1]ᵀ δ)_i pairs column i of the rows with a_i; the bias column has no a_i
        delta = [
            sum(map(mul, delta, column)) * df(a) for column, a in zip(zip(*net[l]), acts[l][:-1])
        ]
        deltas.append(delta)
    deltas.reverse()
    return deltas


def descend_online(
    net: list[Layer], plan: Plan, acts: Activations, deltas: list[Vector]
) -> list[Layer]:
    """θ − η ∂E_p/∂θ for one sample: row j of layer l moves by −η δ_j [a_1, …, a_n, 1]."""
    eta = plan.eta
    return [
        [[w - eta * (dj * a) for w, a in zip(row, a_in)] for row, dj in zip(rows, delta)]
        for rows, a_in, delta in zip(net, acts, deltas)
    ]  # a_in: a[l-1] and 1.0


def descend_batch(
    net: list[Layer], plan: Plan, acts: list[Activations], deltas: list[list[Vector]]
) -> list[Layer]:
    """θ − η mean_p ∂E_p/∂θ: row j of layer l moves by −η mean_p δ_pj [a_p1, …, a_pn, 1]."""
    eta = plan.eta
    P = len(acts)
    new_net: list[Layer] = []
    for l, rows in enumerate(net):
        # one tuple over the samples per input (the bias input last) and per neuron
        inputs = list(zip(*[sample[l] for sample in acts]))
        neurons = zip(*[sample_deltas[l] for sample_deltas in deltas])
        new_net.append(
            [
                [w - eta * (sum(map(mul, dj, ai)) / P) for w, ai in zip(row, inputs)]
                for row, dj in zip(rows, neurons)
            ]
        )
    return new_net


def descend(net: list[Layer], plan: Plan, acts: list[Activations], step: int) -> list[Layer]:
    """The parameters after the update from state `step` (see `training.sample_indices`)."""
    if plan.batch:
        deltas = [backward(net, plan, a, d) for a, (_, d) in zip(acts, plan.samples)]
        new_net = descend_batch(net, plan, acts, deltas)
    else:
        p = step % len(acts)
        deltas_p = backward(net, plan, acts[p], plan.samples[p][1])
        new_net = descend_online(net, plan, acts[p], deltas_p)
    if not plan.update_biases:
        # numpy's Δb is 0: the biases keep their exact values, whatever the gradient
        for new_rows, rows in zip(new_net, net):
            for new_row, row in zip(new_rows, rows):
                new_row[-1] = row[-1]
    return new_net


# -- the generic loop -------------------------------------------------------------------------
def generic_rows(network: Network, plan: Plan, first_step: int, n: int) -> Iterator[np.ndarray]:
    """n updates of a network of any depth, one step phase at a time."""
    order = [*flat_order(network), network.n_parameters]  # error last
    flush_at = FLUSH_ROWS * len(order)
    net = layers_of(network)
    acts, _ = forward(net, plan)
    rows: Vector = []  # new states end to end: the rows of each layer, then E
    step = first_step
    end = step + n
    with contextlib.suppress(*ARITHMETIC_TROUBLE):
        while step < end:
            new_net = descend(net, plan, acts, step)
            new_acts, error = forward(new_net, plan)
            row = [v for layer in new_net for neuron in layer for v in neuron]
            # a sum is finite only if every term is; when it is not, overflow of the sum
            # alone is no divergence
            if not (math.isfinite(sum(row) + error) or all_finite(row, error)):
                break
            rows += row
            rows.append(error)
            net, acts = new_net, new_acts
            step += 1
            if len(rows) >= flush_at:
                yield table_of(rows, order)
                rows = []
    if rows:
        yield table_of(rows, order)
