"""The numpy engine: whole arrays per layer, for networks too large for plain floats.

It computes exactly what `model.network` and `training.parameter_update` describe, in
an order that does each piece of work once:

  * batch mode: the forward pass at a state gives that state's error (its history row)
    and every activation the next gradient needs, so each step forwards the data once;
  * online mode: a step needs one sample's forward and backward pass, but its row needs
    the error over all samples at the new state; those errors are computed for a whole
    chunk of states in one stacked pass, instead of one full forward pass per step;
  * f'(s) comes from the stored outputs a = f(s) (the same numbers, without a second
    exp), and the sigmoid writes into a buffer through exp(−|s|), which never
    overflows;
  * plain gradient descent by backprop (`_PlainDescent`) keeps every intermediate in a
    buffer allocated once, leaves the errors of a chunk of states and their finiteness
    check to one vectorised pass, and runs online training on one sample as the batch
    step it is.

`tests/test_fastpath.py` and `tests/test_numpy_engine.py` check it against the plain
floats and against the readable formulas of `model.network`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from model import optimizers
from model.activations import LEAKY_SLOPE, get_activation
from model.config import Dataset, TrainingConfig, sample_indices
from model.losses import get_loss
from model.network import Network
from model.optimizers import OptimizerState, zero_state

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

Array = NDArray[np.float64]
BLOCK_BYTES = 8 << 20  # rows collected before they are yielded
STACK_BYTES = 16 << 20  # activations of one stacked error pass (online mode)
MAX_CHUNK = 256  # states whose errors one stacked pass computes (online mode)
# Below this many multiply-adds in the largest product, one BLAS thread is faster: a
# second thread's hand-over costs more than it saves, and on a busy 2-core machine a
# (200,100)@(100,100) product took 574 µs with two threads against 130 µs with one.
ONE_THREAD_UP_TO = 1 << 25
# Up to this many values in an activation buffer, `_PlainDescent` passes constants as
# arrays and computes σ's numerator with float calls only (see there).
SMALL_ARRAY = 256
# From this many samples, ∂E/∂b (δ's column sums) comes from `np.einsum("ij->j")`. It
# adds the rows in the same order as `np.add.reduce(δ, axis=0)`, one after the other from
# +0 (tests/test_numpy_engine.py checks it bit for bit), in half the time on 400×16
# (3.1 against 7.9 µs); below, its set-up costs more than it saves. A single column is
# summed pairwise by the reduction, in another order, and keeps it.
EINSUM_ROWS = 64
_SMALL_SIGMOID, _SIGMOID, _TANH = "small sigmoid", "sigmoid", "tanh"


def numpy_rows(
    network: Network,
    data: Dataset,
    config: TrainingConfig,
    first_step: int,
    n: int,
    state: OptimizerState | None = None,
) -> Iterator[Array]:
    """Up to n updates from state `first_step`; yields blocks of new rows (parameters in
    `get_flat` order, then the error), stopping before the first state that is not
    finite. `network` is not changed; `state` (the optimizer's, at `first_step`) is
    advanced in place, and matches the last row once every row was taken."""
    if state is None:
        state = zero_state(config.optimizer, network.n_parameters)
    run = _Run(network, data, config, state)
    steps = run.batch_steps if config.mode == "batch" else run.partial_steps
    return steps(first_step, n)


@functools.cache
def _blas() -> ThreadpoolController:
    # Imported when first needed (a product large enough for BLAS threads), not with the
    # window, which never needs it for the lecture example.
    from threadpoolctl import ThreadpoolController  # noqa: PLC0415

    return ThreadpoolController()


@contextlib.contextmanager
def _working(one_thread: bool) -> Iterator[None]:
    """Around each piece of work, never across a yield (the caller keeps its own state):
    overflow is expected on the way to a divergence, which the isfinite checks report;
    and small products run on one BLAS thread."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if one_thread:
            with _blas().limit(limits=1, user_api="blas"):
                yield
        else:
            yield


def _df_from_output(name: str) -> Callable[[Array], Array]:
    """f'(s) from a = f(s), equal bit for bit to `Activation.df(s)`."""
    if name == "sigmoid":
        return lambda a: a * (1.0 - a)
    if name == "tanh":
        return lambda a: 1.0 - a * a
    if name == "relu":
        return lambda a: (a > 0).astype(np.float64)
    if name == "leaky_relu":
        return lambda a: np.where(a > 0, 1.0, LEAKY_SLOPE)
    if name == "linear":
        return np.ones_like
    raise ValueError(f"the {name} activation has no derivative backprop can use")


def sigmoid_into(s: Array, out: Array) -> Array:
    """σ(s) into `out` (same values as `activations.sigmoid`): exp of −|s| never
    overflows, and 1/(1 + e) or e/(1 + e) are picked before the one division."""
    positive = s >= 0  # before `out`, which may be `s` itself, is overwritten
    np.abs(s, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)  # e = exp(−|s|)
    numerator = np.where(positive, 1.0, out)
    out += 1.0
    return np.divide(numerator, out, out=out)


@dataclass
class _Layer:
    W: Array  # (n_out, n_in), a view of the run's parameter vector
    b: Array  # (n_out,), likewise
    activation: str
    df: Callable[[Array], Array] | None  # f' from the output (backprop)


class _Run:
    """One run's parameters, data and settings, and its buffers."""

    def __init__(
        self, network: Network, data: Dataset, config: TrainingConfig, state: OptimizerState
    ) -> None:
        backprop = config.rule == "backprop"
        layout = network.layout
        self.network = network
        self.theta = network.get_flat()  # a copy; the layers' W and b are views of it
        self.slices = [
            (layout.weights_slice(l), layout.biases_slice(l)) for l in range(1, network.depth + 1)
        ]
        self.layers = [
            _Layer(
                self.theta[weights].reshape(W.shape),
                self.theta[biases],
                name,
                _df_from_output(name) if backprop else None,
            )
            for W, name, (weights, biases) in zip(
                network.weights, network.activations, self.slices, strict=True
            )
        ]
        self.weight_mask = np.ones(len(layout), dtype=bool)  # the weights, not the biases
        for layer in range(1, len(layout.layers)):
            self.weight_mask[layout.biases_slice(layer)] = False
        self.X, self.D = data.inputs, data.targets
        self.config = config
        self.state = state
        self.eta = config.learning_rate
        self.loss = get_loss(config.loss)
        self.width = network.n_parameters + 1
        widest = max(network.layers)
        self.one_thread = self.X.shape[0] * widest * widest <= ONE_THREAD_UP_TO
        self.plain_delta = not backprop or (
            network.activations[-1] == "sigmoid" and config.loss == "cross_entropy"
        )

    def samples(self, step: int) -> slice | NDArray[np.intp]:
        """The samples of the update from state `step` (docs/file-formats.md)."""
        config = self.config
        return sample_indices(step, config.mode, self.X.shape[0], config.batch_size)

    # -- the pieces of a step ----------------------------------------------------------------
    def forward(self, X: Array, buffers: list[Array] | None = None) -> list[Array]:
        """a[0] = X, a[1], ..., a[L] at the current parameters (written into `buffers`,
        one (P, n_l) array per layer, where given)."""
        outs = [X]
        a = X
        for l, layer in enumerate(self.layers):
            s = np.matmul(a, layer.W.T, out=buffers[l] if buffers is not None else None)
            s += layer.b
            if layer.activation == "sigmoid":
                a = sigmoid_into(s, s)
            else:
                a = get_activation(layer.activation).f(s)
            outs.append(a)
        return outs

    def error(self, Y: Array) -> float:
        """E = mean_p E_p, as `Network.error` computes it."""
        return float(np.mean(self.loss.per_sample(Y, self.D)))

    def update(self, outs: list[Array], D: Array) -> None:
        """One update from the activations `outs` of the step's samples (targets D) at
        the current parameters."""
        if self.config.plain:
            self.descend(outs, D)
        else:
            g = self.direction(outs, D)
            optimizers.apply(self.config.optimizer, self.state, self.theta, g, self.eta)

    def direction(self, outs: list[Array], D: Array) -> Array:
        """g: the gradient of the mean error over the step's samples (for the delta rule
        −mean [d − y]x̃), with the penalties on the weights; 0 for frozen biases."""
        g = self.data_direction(outs, D)
        optimizers.regularize(g, self.theta, self.weight_mask, self.config.l1, self.config.l2)
        return g

    def data_direction(self, outs: list[Array], D: Array) -> Array:
        """`direction` without the penalties."""
        P = D.shape[0]
        g = np.empty_like(self.theta)
        Y = outs[-1]
        if self.config.rule == "delta":
            error = D - Y
            weights, biases = self.slices[0]
            g[weights] = (-(error.T @ outs[0]) / P).ravel()
            g[biases] = -error.mean(axis=0)
        else:
            delta = Y - D if self.plain_delta else self._output_delta(Y, D)
            for l in range(len(self.layers) - 1, -1, -1):
                weights, biases = self.slices[l]
                g[weights] = (delta.T @ outs[l] / P).ravel()
                g[biases] = delta.sum(axis=0) / P
                if l > 0:
                    below = self.layers[l - 1]
                    assert below.df is not None
                    delta = (delta @ self.layers[l].W) * below.df(outs[l])
        if not self.config.update_biases:
            g[~self.weight_mask] = 0.0
        return g

    def _output_delta(self, Y: Array, D: Array) -> Array:
        last = self.layers[-1]
        assert last.df is not None
        delta: Array = self.loss.dE_dy(Y, D) * last.df(Y)
        return delta

    def descend(self, outs: list[Array], D: Array) -> None:
        """Plain gradient descent, in the lecture's order of operations (the same floats
        as `training.parameter_update`)."""
        P = D.shape[0]
        Y = outs[-1]
        eta = self.eta
        if self.config.rule == "delta":
            error = D - Y  # [d − Y]
            layer = self.layers[0]
            layer.W += eta * (error.T @ outs[0]) / P
            if self.config.update_biases:
                layer.b += eta * error.mean(axis=0)
            return
        last = self.layers[-1]
        if self.plain_delta:
            delta = Y - D
        else:
            assert last.df is not None
            delta = self.loss.dE_dy(Y, D) * last.df(Y)
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            dW = delta.T @ outs[l] / P
            db = delta.sum(axis=0) / P
            if l > 0:  # δ of the layer below, with W before it moves
                below = self.layers[l - 1]
                assert below.df is not None
                delta = (delta @ layer.W) * below.df(outs[l])
            layer.W -= eta * dW
            if self.config.update_biases:
                layer.b -= eta * db

    def write_row(self, row: Array, error: float) -> bool:
        """The current parameters and `error` into `row`; False if any is not finite."""
        row[:-1] = self.theta
        row[-1] = error
        return bool(np.isfinite(row).all())

    # -- the loops ---------------------------------------------------------------------------
    def block(self, n: int) -> Array:
        return np.empty((max(1, min(n, BLOCK_BYTES // (8 * self.width))), self.width))

    def batch_steps(self, first_step: int, n: int) -> Iterator[Array]:
        if self.config.plain and self.config.rule == "backprop":
            yield from _PlainDescent(self, self.X.shape[0]).whole_steps(n)
            return
        P = self.X.shape[0]
        self.buffers = [np.empty((P, layer.W.shape[0])) for layer in self.layers]
        with _working(self.one_thread):
            outs = self.forward(self.X, self.buffers)
        done = 0
        while done < n:
            block = self.block(n - done)
            with _working(self.one_thread):
                filled, outs = self.batch_block(block, outs)
            if filled:
                yield block[:filled]
            if filled < len(block):  # the next state diverged
                return
            done += filled

    def batch_block(self, block: Array, outs: list[Array]) -> tuple[int, list[Array]]:
        """Fill `block` with the next states; returns how many rows are finite."""
        for i in range(len(block)):
            self.update(outs, self.D)
            outs = self.forward(self.X, self.buffers)
            if not self.write_row(block[i], self.error(outs[-1])):
                return i, outs
        return len(block), outs

    def whole_data_each_step(self) -> bool:
        """True when every update uses all samples in table order (batch mode; online
        with one sample; mini-batches of all P): a step is then the batch step."""
        P: int = self.X.shape[0]
        return self.config.samples_per_step(P) == P

    def partial_steps(self, first_step: int, n: int) -> Iterator[Array]:
        if self.config.plain and self.config.rule == "backprop":
            if self.whole_data_each_step():
                yield from _PlainDescent(self, self.X.shape[0]).whole_steps(n)
                return
            if self.config.mode == "online":
                yield from _PlainDescent(self, 1).online_steps(first_step, n)
                return

        """Online and mini-batch steps: each uses a few samples, and the new states'
        dataset errors come from one stacked pass per chunk."""
        P = self.X.shape[0]
        chunk = max(1, min(MAX_CHUNK, STACK_BYTES // (8 * P * max(self.width, 1))))
        done = 0
        while done < n:
            k = min(chunk, n - done)
            rows = np.empty((k, self.width))
            with _working(self.one_thread):
                for i in range(k):
                    used = self.samples(first_step + done + i)
                    self.update(self.forward(self.X[used]), self.D[used])
                    self.write_row(rows[i], 0.0)
                rows[:, -1] = self.stacked_errors(rows)
            finite = np.isfinite(rows).all(axis=1)
            if not finite.all():
                good = int(np.argmin(finite))
                if good:
                    yield rows[:good]
                return
            yield rows
            done += k

    def stacked_errors(self, rows: Array) -> Array:
        """The dataset error at each state of `rows` (parameters in `get_flat` order)."""
        return errors_of_states(self.network, rows[:, :-1], self.X, self.D, self.config.loss)


def _kind(activation: str, small: bool) -> str:
    """How `_PlainDescent.forward` computes an activation: its name, or one of the
    sigmoid's two ways."""
    if activation == "sigmoid":
        return _SMALL_SIGMOID if small else _SIGMOID
    return activation


class _PlainDescent:
    """Plain gradient descent by backprop, with the lecture's arithmetic (`_Run.forward`,
    `_Run.descend`) and every intermediate in a buffer of its own, allocated once, for
    steps on `m` samples (all P, or one sample online).

    When every step uses all samples (`whole_steps`), a state's forward pass gives its
    error and the next step's activations; its error is left for later: y − d is kept per
    state (y for losses other than the squared error), and the errors and the finiteness
    of a chunk of states are computed at once, in the same floats as one state at a time
    (each sum runs along the same contiguous axis). Online (`online_steps`), the errors
    of a chunk of states come from one stacked pass (`errors_of_states`).
    """

    def __init__(self, run: _Run, m: int) -> None:
        self.run = run
        self.m = m
        self.eta = run.eta
        widths = [layer.W.shape[0] for layer in run.layers]
        self.sums = [np.empty((m, n)) for n in widths]  # s, then a = f(s), in place
        self.deltas = [np.empty((m, n)) for n in widths]
        self.slopes = [np.empty((m, n)) for n in widths]  # f'(s) from a; σ's numerator
        self.masks = [np.empty((m, n), dtype=bool) for n in widths]
        # The step's gradient laid out as θ, so that the whole update is two calls on one
        # vector instead of four per layer (the same products and differences, element
        # by element). Frozen biases keep their 0 in it: b − η·0 is b, bit for bit.
        self.g = np.zeros_like(run.theta)
        self.dW = [
            self.g[w].reshape(layer.W.shape)
            for layer, (w, _) in zip(run.layers, run.slices, strict=True)
        ]
        self.db = [self.g[b] for _, b in run.slices]
        self.einsum_sums = [m >= EINSUM_ROWS and n > 1 for n in widths]
        self.squared = run.config.loss == "squared_error"
        self.update_biases = run.config.update_biases
        # On arrays this small a ufunc call costs more for converting a Python float
        # operand than for the arithmetic (0.41 against 0.23 µs on 16 values): the
        # constants come as arrays there. Larger arrays keep the scalars, which cost no
        # memory traffic.
        small = [m * n <= SMALL_ARRAY for n in widths]
        self.ones: list[Array | float] = [
            np.ones((m, n)) if tiny else 1.0 for n, tiny in zip(widths, small, strict=True)
        ]
        self.zero_rows = [np.zeros(n) for n in widths]
        self.delta_rows = [delta[0] for delta in self.deltas]
        # per layer, what `forward` needs, looked up once (Wᵀ is a view of θ, which only
        # changes in place)
        self.layer_plan = [
            (layer.W.T, layer.b, s, mask, num, one, -one, _kind(layer.activation, tiny))
            for layer, s, mask, num, one, tiny in zip(
                run.layers, self.sums, self.masks, self.slopes, self.ones, small, strict=True
            )
        ]

    def forward(self, x: Array) -> Array:
        """The activations of the samples `x` at the current parameters into `sums`;
        returns y."""
        a = x
        for WT, b, s, mask, num, one, minus_one, kind in self.layer_plan:
            np.matmul(a, WT, out=s)
            np.add(s, b, out=s)
            if kind == _SMALL_SIGMOID:
                # σ(s) as `sigmoid_into` computes it: e = exp(−|s|), then 1/(1 + e) where
                # s ≥ 0 and e/(1 + e) elsewhere, the numerator max(e, H(s)) with the step
                # H(s) = 1 for s ≥ 0 (−0 included), 0 below: one float call each.
                np.heaviside(s, one, out=num)
                np.copysign(s, minus_one, out=s)
                np.exp(s, out=s)
                np.maximum(s, num, out=num)
                np.add(s, one, out=s)
                np.divide(num, s, out=s)
            elif kind == _SIGMOID:  # the same in calls cheaper on many values; the
                # numerator max(e, s ≥ 0) with the bool as 1 or 0
                np.greater_equal(s, 0.0, out=mask)
                np.abs(s, out=s)
                np.negative(s, out=s)
                np.exp(s, out=s)
                np.maximum(s, mask, out=num)
                np.add(s, one, out=s)
                np.divide(num, s, out=s)
            elif kind == _TANH:
                np.tanh(s, out=s)
            else:
                s[...] = get_activation(kind).f(s)
            a = s
        return a

    def slope(self, l: int, a: Array) -> Array:
        """f'(s) of layer l from its output a, into a buffer (`_df_from_output`)."""
        layer, out, one = self.run.layers[l], self.slopes[l], self.ones[l]
        if layer.activation == "sigmoid":
            np.subtract(one, a, out=out)
            np.multiply(a, out, out=out)
        elif layer.activation == "tanh":
            np.multiply(a, a, out=out)
            np.subtract(one, out, out=out)
        else:
            assert layer.df is not None
            out[...] = layer.df(a)
        return out

    def keep(self, d: Array, kept: Array) -> None:
        """What the error of the state in `sums` needs, and its ∂E/∂y for the squared
        error: y − d (or y, for the other losses)."""
        if self.squared:
            np.subtract(self.sums[-1], d, out=kept)
        else:
            kept[...] = self.sums[-1]

    def descend(self, x: Array, d: Array, kept: Array) -> None:
        """One step from the activations in `sums` of the samples x (targets d; `kept`
        what `keep` kept of them)."""
        run, layers, m, deltas = self.run, self.run.layers, self.m, self.deltas
        Y = self.sums[-1]
        last = len(layers) - 1
        delta = deltas[last]
        if self.squared:  # ∂E/∂y = y − d
            if run.plain_delta:
                np.copyto(delta, kept)
            else:
                np.multiply(kept, self.slope(last, Y), out=delta)
        elif run.plain_delta:
            np.subtract(Y, d, out=delta)
        else:
            np.multiply(run.loss.dE_dy(Y, d), self.slope(last, Y), out=delta)
        update_biases = self.update_biases
        # All gradients are taken at the parameters before the step (δ of the layer
        # below with W before it moves): θ changes once, after the loop.
        for l in range(last, -1, -1):
            below = self.sums[l - 1] if l else x
            np.matmul(delta.T, below, out=self.dW[l])
            if update_biases:
                if self.einsum_sums[l]:
                    np.einsum("ij->j", delta, out=self.db[l])
                elif m > 1:
                    np.add.reduce(delta, axis=0, out=self.db[l])
                else:  # the sum of one row, which turns −0 into +0 as the reduction does
                    np.add(self.delta_rows[l], self.zero_rows[l], out=self.db[l])
            if l:
                below_delta = np.matmul(delta, layers[l].W, out=deltas[l - 1])
                below_delta *= self.slope(l - 1, below)
                delta = below_delta
        g = self.g
        if m > 1:  # x / 1 is x
            g /= m
        g *= self.eta
        run.theta -= g

    def errors(self, kept: Array) -> Array:
        """E at each kept state, as `Network.error` computes it (one state per row)."""
        if self.squared:
            per_sample = 0.5 * np.sum(np.square(kept), axis=-1)  # (d − y)² = (y − d)²
        else:
            per_sample = self.run.loss.per_sample(kept, self.run.D)
        errors: Array = np.mean(per_sample, axis=-1)
        return errors

    def whole_steps(self, n: int) -> Iterator[Array]:
        """Up to n steps on all samples (m = P), as `_Run.batch_steps`."""
        run, theta, X, D = self.run, self.run.theta, self.run.X, self.run.D
        P, n_out = D.shape
        chunk = max(1, min(MAX_CHUNK, (1 << 20) // (8 * P * n_out)))
        kept = np.empty((chunk, P, n_out))  # per state of a chunk
        current = np.empty((P, n_out))
        with _working(run.one_thread):
            self.forward(X)
            self.keep(D, current)
        done = 0
        while done < n:
            block = run.block(n - done)
            filled = 0
            with _working(run.one_thread):
                while filled < len(block):
                    k = min(chunk, len(block) - filled)
                    rows = block[filled : filled + k]
                    for i in range(k):
                        self.descend(X, D, current)
                        rows[i, :-1] = theta
                        self.forward(X)
                        current = kept[i]
                        self.keep(D, current)
                    rows[:, -1] = self.errors(kept[:k])
                    finite = np.isfinite(rows).all(axis=1)
                    if not finite.all():
                        filled += int(np.argmin(finite))
                        break
                    filled += k
            if filled:
                yield block[:filled]
            if filled < len(block):  # the next state diverged
                return
            done += filled

    def online_steps(self, first_step: int, n: int) -> Iterator[Array]:
        """Up to n steps on one sample each (m = 1), as `_Run.partial_steps`."""
        run, theta, X, D = self.run, self.run.theta, self.run.X, self.run.D
        P = X.shape[0]
        xs = [X[p : p + 1] for p in range(P)]
        ds = [D[p : p + 1] for p in range(P)]
        kept = np.empty((1, D.shape[1]))
        chunk = max(1, min(MAX_CHUNK, STACK_BYTES // (8 * P * max(run.width, 1))))
        done = 0
        while done < n:
            k = min(chunk, n - done)
            rows = np.empty((k, run.width))
            with _working(run.one_thread):
                p = (first_step + done) % P
                for i in range(k):
                    x, d = xs[p], ds[p]
                    self.forward(x)
                    self.keep(d, kept)
                    self.descend(x, d, kept)
                    rows[i, :-1] = theta
                    p = p + 1 if p + 1 < P else 0
                rows[:, -1] = run.stacked_errors(rows)
            finite = np.isfinite(rows).all(axis=1)
            if not finite.all():
                good = int(np.argmin(finite))
                if good:
                    yield rows[:good]
                return
            yield rows
            done += k


def step_direction(
    network: Network, data: Dataset, config: TrainingConfig, step: int
) -> tuple[Array, Array, Array]:
    """(data gradient, penalty, g) of the update from state `step` at `network`'s
    parameters (docs/file-formats.md, "The direction of a step"), g exactly as the
    engine computes it. For the explanation."""
    run = _Run(network, data, config, zero_state(config.optimizer, network.n_parameters))
    used = run.samples(step)
    with _working(run.one_thread):
        outs = run.forward(run.X[used])
        gradient = run.data_direction(outs, run.D[used])
        g = run.direction(outs, run.D[used])
    penalty = np.zeros_like(gradient)
    optimizers.regularize(penalty, run.theta, run.weight_mask, config.l1, config.l2)
    return gradient, penalty, g


def errors_of_states(
    network: Network, thetas: Array, X: Array, D: Array, loss: str, chunk: int = 0
) -> Array:
    """E on (X, D) at each parameter vector of `thetas` (shape (K, n_parameters), in
    `get_flat` order): one pass over a stack of weight matrices per chunk of states."""
    layout = network.layout
    shapes = [W.shape for W in network.weights]
    per_sample = get_loss(loss).per_sample
    step = chunk or max(1, STACK_BYTES // (8 * X.shape[0] * max(network.layers)))
    out = np.empty(len(thetas))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for start in range(0, len(thetas), step):
            block = thetas[start : start + step]
            a: Array = X  # (P, n_0), then (K, P, n_l)
            for l, (shape, name) in enumerate(zip(shapes, network.activations, strict=True)):
                W = block[:, layout.weights_slice(l + 1)].reshape(len(block), *shape)
                s = a @ W.transpose(0, 2, 1)
                s += block[:, layout.biases_slice(l + 1)][:, None, :]
                a = sigmoid_into(s, s) if name == "sigmoid" else get_activation(name).f(s)
            out[start : start + step] = np.mean(per_sample(a, D), axis=-1)
    return out
