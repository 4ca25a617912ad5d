"""The loop for deeper networks: the phases of a step as functions over layers."""

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
    Activations,
    Layer,
    Plan,
    Vector,
    all_finite,
    flat_order,
    layers_of,
    table_of,
)

if TYPE_CHECKING:
    from model.network import Network


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
    flush_at = plan.flush_rows * len(order)
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
