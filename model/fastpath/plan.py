"""What the plain-float loops share: the types, the fixed part of a run (`Plan`), the
parameters as lists of neuron rows, and the rows they yield."""

# The zips of the step phases pair lists whose lengths the network's shape fixes; a
# strict= argument would cost about a fifth of a lecture step.

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from operator import sub
from typing import TYPE_CHECKING

import numpy as np

from model.activations import LEAKY_SLOPE, get_activation
from model.losses import get_loss

if TYPE_CHECKING:
    from model.config import Dataset, TrainingConfig
    from model.network import Network

Vector = list[float]
Layer = list[Vector]  # one row [w_1, ..., w_n, b] per neuron
Activations = list[Vector]  # a[0] = x, a[1], ..., a[L] = y of one sample
FloatFunction = Callable[[float], float]
FloatPairFunction = Callable[[float, float], float]

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
    flush_rows: int  # rows a loop collects before it yields them as one block

    @property
    def inputs(self) -> list[Vector]:
        return [x for x, _ in self.samples]

    @property
    def targets(self) -> list[Vector]:
        return [d for _, d in self.samples]


def plan_for(network: Network, data: Dataset, config: TrainingConfig, flush_rows: int) -> Plan:
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
        flush_rows=flush_rows,
    )


# -- parameters: Network <-> lists of rows ------------------------------------------------
def layers_of(network: Network) -> list[Layer]:
    return [
        np.column_stack([W, b]).tolist()
        for W, b in zip(network.weights, network.biases, strict=True)
    ]


def flat_order(network: Network) -> list[int]:
    """For each `get_flat` entry, its index among the neuron rows [w_1, …, w_n, b] laid
    end to end, layer by layer."""
    layers = network.layers
    row_starts = [0]  # where each layer's rows start, end to end
    for n_in, n_out in pairwise(layers):
        row_starts.append(row_starts[-1] + n_out * (n_in + 1))
    return [
        row_starts[p.layer - 1]
        + p.row * (layers[p.layer - 1] + 1)
        + (layers[p.layer - 1] if p.is_bias else p.col)
        for p in network.layout.parameters
    ]


def all_finite(values: Vector, error: float) -> bool:
    return math.isfinite(error) and all(map(math.isfinite, values))


def table_of(rows: Vector, order: list[int]) -> np.ndarray:
    """States laid out as the rows of each layer end to end, then E, as history rows
    (`get_flat` order, error last)."""
    return np.array(rows).reshape(-1, len(order))[:, order]
