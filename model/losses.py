"""Per-sample losses E_p(y, d), summed over the outputs, and their derivative ∂E_p/∂y."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Loss:
    """A loss over arrays of shape (..., n_out); `per_sample` sums the last axis."""

    name: str
    label: str
    per_sample: Callable[[Array, Array], Array]
    dE_dy: Callable[[Array, Array], Array]
    per_output_float: Callable[[float, float], float]
    dE_dy_float: Callable[[float, float], float]
    formula: str


def _squared(y: Array, d: Array) -> Array:
    per_sample: Array = 0.5 * np.sum((d - y) ** 2, axis=-1)
    return per_sample


def _cross_entropy(y: Array, d: Array) -> Array:
    # 0·ln 0 is taken as 0 so that a saturated output with the matching target costs
    # nothing instead of producing NaN; a wrong saturated output gives +inf (divergence).
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(d != 0.0, d * np.log(y), 0.0)
        neg = np.where(d != 1.0, (1.0 - d) * np.log1p(-y), 0.0)
    per_sample: Array = -np.sum(pos + neg, axis=-1)
    return per_sample


def _cross_entropy_dy(y: Array, d: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y - d) / (y * (1.0 - y))


def _cross_entropy_float(y: float, d: float) -> float:
    total = 0.0
    if d != 0.0:
        total -= d * math.log(y) if y > 0.0 else -math.inf
    if d != 1.0:
        total -= (1.0 - d) * math.log1p(-y) if y < 1.0 else -math.inf
    return total


def _cross_entropy_dy_float(y: float, d: float) -> float:
    denominator = y * (1.0 - y)
    return (y - d) / denominator if denominator != 0.0 else math.inf


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "squared_error",
            "squared error",
            _squared,
            lambda y, d: y - d,
            lambda y, d: 0.5 * (d - y) * (d - y),
            lambda y, d: y - d,
            "E = ½ Σ (d − y)²",
        ),
        Loss(
            "cross_entropy",
            "binary cross-entropy",
            _cross_entropy,
            _cross_entropy_dy,
            _cross_entropy_float,
            _cross_entropy_dy_float,
            "E = −Σ [d ln y + (1 − d) ln(1 − y)]",
        ),
    )
}

LOSS_NAMES: tuple[str, ...] = tuple(LOSSES)


def get_loss(name: str) -> Loss:
    """The loss called `name`; ValueError naming the known ones otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSS_NAMES)
        raise ValueError(f"unknown loss {name!r} (known: {known})") from None
