"""The loop for networks without hidden layers (the lecture, AND, OR)."""

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
    Plan,
    Vector,
    all_finite,
    layers_of,
)

if TYPE_CHECKING:
    from model.network import Network


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
        wanted = k = min(plan.flush_rows, end - first)
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
