"""Plain-float twin of `Trainer._advance_numpy` for small networks.

On the lecture's single neuron numpy spends nearly all its time creating tiny arrays;
Python floats in lists do the same arithmetic about ten times faster (benchmarks/
bench_engine.py). This module repeats the mathematics of `model.network` and
`model.training` on lists, sample by sample:

    forward   s[l] = W[l] a[l-1] + b[l],   a[l] = f_l(s[l]),   a[0] = x
    backward  δ[L] = ∂E_p/∂y ⊙ f_L'(s[L]),  δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ f_l'(s[l])
    gradient  ∂E_p/∂W[l] = δ[l] a[l-1]ᵀ,   ∂E_p/∂b[l] = δ[l]
    update    θ ← θ − η g,  g = ∂E_p/∂θ (online) or the mean over the samples (batch)

The lecture's delta rule W + η[d − y]x is that update with δ = y − d at the output
(W + η(d − y)x = W − η(y − d)x exactly, since negation is exact), so both rules share it.

A layer is a list of rows [w_1, …, w_n, b], one per neuron: the bias is the weight of a
constant +1 input, as in the lecture. Each step's error pass at the new parameters yields
every sample's activations there, and the next step's gradient needs exactly those, so a
state is forwarded once.

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
    from model.network import Network
    from model.training import Trainer

Vector = list[float]
Layer = list[Vector]             # one row [w_1, ..., w_n, b] per neuron
Activations = list[Vector]       # a[0] = x, a[1], ..., a[L] = y of one sample
FloatFunction = Callable[[float], float]
FloatPairFunction = Callable[[float, float], float]

# Where plain floats stop beating numpy (measured: a step costs floats about 1 µs per
# parameter and sample, numpy about 80 µs plus little per sample).
MAX_PARAMETERS = 60
MAX_WORK = 200         # parameters × samples
FLUSH_ROWS = 4096      # history rows collected before they are written as one block
ONE = [1.0]            # the bias input

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


@dataclass(frozen=True)
class Plan:
    """Everything about a run that stays fixed from step to step."""

    fs: list[FloatFunction]                 # f_l, l = 1..L
    dfs: list[FloatFunction | None]         # f_l' from a[l] (backprop only)
    output_delta: FloatPairFunction         # δ[L] from (y, d)
    per_output: FloatPairFunction           # E_p's term for one output
    eta: float
    batch: bool
    update_biases: bool
    samples: list[tuple[Vector, Vector]]    # (x + [1.0], d) per sample


def plan_for(trainer: Trainer) -> Plan:
    network, config = trainer.network, trainer.config
    loss = get_loss(config.loss)
    backprop = config.rule == "backprop"
    output = network.activations[-1]
    output_delta: FloatPairFunction
    if not backprop or (output == "sigmoid" and config.loss == "cross_entropy"):
        output_delta = sub              # y − d: the delta rule, and σ with cross-entropy
    else:
        dE_dy, df = loss.dE_dy_float, DERIVATIVE_FROM_OUTPUT[output]

        def output_delta(y: float, d: float) -> float:
            return dE_dy(y, d) * df(y)
    return Plan(
        fs=[get_activation(name).f_float for name in network.activations],
        dfs=[DERIVATIVE_FROM_OUTPUT.get(name) if backprop else None
             for name in network.activations],
        output_delta=output_delta,
        per_output=loss.per_output_float,
        eta=float(config.learning_rate),
        batch=config.mode == "batch",
        update_biases=config.update_biases,
        samples=[(x + ONE, d) for x, d in zip(trainer.data.inputs.tolist(),
                                                trainer.data.targets.tolist(), strict=True)],
    )


# -- parameters: Network <-> lists of rows ------------------------------------------------
def layers_of(network: Network) -> list[Layer]:
    return [np.column_stack([W, b]).tolist()
            for W, b in zip(network.weights, network.biases, strict=True)]


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


# -- the phases of a step -------------------------------------------------------------------
def forward(net: list[Layer], plan: Plan) -> tuple[list[Activations], float]:
    """Every sample's activations at these parameters, and the error E = mean_p E_p.

    A sample's activations are [x, a[1], ..., a[L-1], y], each but y followed by the bias
    input 1.0, so that a row [w_1, ..., w_n, b] gives Σ_i w_i a_i + b in numpy's order.
    """
    hidden = list(zip(net, plan.fs[:-1]))          # zip stops before the output layer
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
        delta = [sum(map(mul, delta, column)) * df(a)
                 for column, a in zip(zip(*net[l]), acts[l][:-1])]
        deltas.append(delta)
    deltas.reverse()
    return deltas


def descend_online(net: list[Layer], plan: Plan, acts: Activations,
                   deltas: list[Vector]) -> list[Layer]:
    """θ − η ∂E_p/∂θ for one sample: row j of layer l moves by −η δ_j [a_1, …, a_n, 1]."""
    eta = plan.eta
    return [[[w - eta * (dj * a) for w, a in zip(row, a_in)]
             for row, dj in zip(rows, delta)]
            for rows, a_in, delta in zip(net, acts, deltas)]     # a_in: a[l-1] and 1.0


def descend_batch(net: list[Layer], plan: Plan, acts: list[Activations],
                  deltas: list[list[Vector]]) -> list[Layer]:
    """θ − η mean_p ∂E_p/∂θ: row j of layer l moves by −η mean_p δ_pj [a_p1, …, a_pn, 1]."""
    eta = plan.eta
    P = len(acts)
    new_net: list[Layer] = []
    for l, rows in enumerate(net):
        # one tuple over the samples per input (the bias input last) and per neuron
        inputs = list(zip(*[sample[l] for sample in acts]))
        neurons = zip(*[sample_deltas[l] for sample_deltas in deltas])
        new_net.append([[w - eta * (sum(map(mul, dj, ai)) / P)
                         for w, ai in zip(row, inputs)]
                        for row, dj in zip(rows, neurons)])
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


# -- the loop -------------------------------------------------------------------------------
def advance(trainer: Trainer, n: int) -> int:
    """n updates, as `trainer._advance_numpy(n)` makes them; returns n.

    Every new state is checked like numpy's path does: a non-finite parameter or error
    (or a float operation that overflows) raises `trainer.divergence(step)` after the
    finite states before it were recorded, with the network left at the last of them.
    """
    if n <= 0:
        return n
    plan = plan_for(trainer)
    order = [*flat_order(trainer.network), trainer.network.n_parameters]  # error last
    flush_at = FLUSH_ROWS * len(order)
    net = layers_of(trainer.network)
    acts, _ = forward(net, plan)
    rows: Vector = []          # new states end to end: the rows of each layer, then E
    step = trainer.position
    end = step + n
    # A float operation that overflows is where numpy would have produced inf or NaN.
    with contextlib.suppress(OverflowError, ZeroDivisionError):
        while step < end:
            new_net = descend(net, plan, acts, step)
            new_acts, error = forward(new_net, plan)
            row: Vector = []
            for layer in new_net:
                for neuron in layer:
                    row += neuron
            row.append(error)
            # a sum is finite only if every term is; when it is not, overflow of the sum
            # alone is no divergence
            if not (math.isfinite(sum(row)) or all(map(math.isfinite, row))):
                break
            rows += row
            net, acts = new_net, new_acts
            step += 1
            if len(rows) >= flush_at:
                _record(trainer, rows, order, net, step)
                rows = []
    _record(trainer, rows, order, net, step)
    if step < end:
        raise trainer.divergence(step + 1)
    return n


def _record(trainer: Trainer, rows: Vector, order: list[int], net: list[Layer],
            position: int) -> None:
    """Append the collected states to the history (reordered to `get_flat` order, the
    error last) and leave the network at `net`, the state of step `position`."""
    if rows:
        trainer.history.extend(np.array(rows).reshape(-1, len(order))[:, order])
    for W, b, layer in zip(trainer.network.weights, trainer.network.biases, net,
                           strict=True):
        values = np.array(layer)
        W[...] = values[:, :-1]
        b[...] = values[:, -1]
    trainer.position = position
