"""The loop for networks with one hidden layer (2-2-1 XOR and the like)."""

# The zips of the step phases pair lists whose lengths the network's shape fixes; a
# strict= argument would cost about a fifth of a lecture step.
# ruff: noqa: B905

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from operator import mul
from typing import TYPE_CHECKING

import numpy as np

from model.fastpath.plan import (
    ARITHMETIC_TROUBLE,
    ONE,
    Plan,
    Vector,
    all_finite,
    flat_order,
    layers_of,
    table_of,
)

if TYPE_CHECKING:
    from model.network import Network


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
    flush_at = plan.flush_rows * len(order)
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
