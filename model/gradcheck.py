"""Gradient check: backprop's ∂E/∂θ next to a central finite difference of E.

The student's evidence that the chain rule is right: for every parameter θ_k,
    numeric_k = (E(θ + h e_k) − E(θ − h e_k)) / 2h
should agree with the analytic gradient to many digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from model.network import Network, check_differentiable
from model.training import Dataset

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GradientCheck:
    """One parameter's analytic and numeric ∂E/∂θ and how far apart they are."""

    name: str
    analytic: float
    numeric: float
    relative_difference: float


def gradient_check(
    network: Network, data: Dataset, loss: str, h: float = 1e-6
) -> list[GradientCheck]:
    """One GradientCheck per parameter, in `get_flat` order, of the dataset error E.

    ValueError (from `check_differentiable`) when an activation has no derivative.
    The network is not modified.
    """
    if not h > 0:
        raise ValueError(f"the step h must be > 0, got {h}")
    check_differentiable(network.activations)
    net = network.copy()
    analytic = flat_gradient(net, data, loss)
    numeric = numeric_gradient(net, data, loss, h)
    return [
        GradientCheck(name, float(a), float(n), relative_difference(a, n))
        for name, a, n in zip(net.parameter_names(), analytic, numeric, strict=True)
    ]


def flat_gradient(network: Network, data: Dataset, loss: str) -> Array:
    """∂E/∂θ from backprop, in `get_flat` order (per layer: W row by row, then b)."""
    grads = network.gradients(data.inputs, data.targets, loss)
    parts: list[Array] = []
    for dW, db in zip(grads.dW, grads.db, strict=True):
        parts.extend((dW.ravel(), db))
    return np.concatenate(parts)


def numeric_gradient(network: Network, data: Dataset, loss: str, h: float) -> Array:
    """Central differences of E, one parameter at a time (changes `network`, restores it)."""
    theta = network.get_flat()
    numeric = np.empty_like(theta)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        # Why not 2h: θ + h and θ − h are rounded, so the true distance differs from 2h
        # by up to an ulp of θ; dividing by it removes that error from the quotient.
        numeric[k] = (_error_at(network, data, loss, up) - _error_at(network, data, loss, down)) / (
            up[k] - down[k]
        )
    network.set_flat(theta)
    return numeric


def _error_at(network: Network, data: Dataset, loss: str, theta: Array) -> float:
    network.set_flat(theta)
    return network.error(data.inputs, data.targets, loss)


def relative_difference(a: float, n: float) -> float:
    """|a − n| / max(|a|, |n|); 0 when both are 0 (tiny floor: no division by zero)."""
    if a == n:
        return 0.0
    return float(abs(a - n) / max(abs(a), abs(n), 1e-300))
