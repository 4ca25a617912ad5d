"""Activation functions f(s) and their derivatives f'(s), vectorised over numpy arrays.

Each activation also carries a plain-float version used by the small-network fast path
(`model.fastpath`), which must agree with the numpy one to the last bit that matters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """f and f' for one activation; `formula` is how the explanation writes f(s)."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    f_float: Callable[[float], float]
    df_float: Callable[[float], float]
    differentiable: bool
    formula: str


def _sigmoid(s: Array) -> Array:
    # exp of -|s| never overflows, so sigmoid(±1000) is exact and warning-free.
    e = np.exp(-np.abs(s))
    return np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_float(s: float) -> float:
    if s >= 0:
        return 1.0 / (1.0 + math.exp(-s))
    e = math.exp(s)
    return e / (1.0 + e)


def _dsigmoid(s: Array) -> Array:
    y = _sigmoid(s)
    return y * (1.0 - y)


def _dsigmoid_float(s: float) -> float:
    y = _sigmoid_float(s)
    return y * (1.0 - y)


def _dtanh(s: Array) -> Array:
    t = np.tanh(s)
    return 1.0 - t * t


def _dtanh_float(s: float) -> float:
    t = math.tanh(s)
    return 1.0 - t * t


def _step_derivative_refused(s: Array) -> Array:
    raise ValueError(
        "the step activation has no useful derivative (0 everywhere, undefined at 0): "
        "backprop cannot train it; use the lecture's delta rule"
    )


def _step_derivative_refused_float(s: float) -> float:
    return float(_step_derivative_refused(np.array([s]))[0])


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            _sigmoid,
            _dsigmoid,
            _sigmoid_float,
            _dsigmoid_float,
            True,
            "1/(1+e<sup>−s</sup>)",
        ),
        Activation(
            "tanh",
            np.tanh,
            _dtanh,
            math.tanh,
            _dtanh_float,
            True,
            "tanh(s)",
        ),
        Activation(
            "relu",
            lambda s: np.maximum(s, 0.0),
            lambda s: (s > 0).astype(np.float64),
            lambda s: s if not s <= 0 else 0.0,  # NaN stays NaN, as in np.maximum
            lambda s: 1.0 if s > 0 else 0.0,
            True,
            "max(0, s)",
        ),
        Activation(
            "leaky_relu",
            lambda s: np.where(s > 0, s, LEAKY_SLOPE * s),
            lambda s: np.where(s > 0, 1.0, LEAKY_SLOPE),
            lambda s: s if s > 0 else LEAKY_SLOPE * s,
            lambda s: 1.0 if s > 0 else LEAKY_SLOPE,
            True,
            "max(0.01·s, s)",
        ),
        Activation(
            "linear",
            lambda s: s.copy(),
            np.ones_like,
            lambda s: s,
            lambda s: 1.0,
            True,
            "s",
        ),
        Activation(
            "step",
            lambda s: (s >= 0).astype(np.float64),
            _step_derivative_refused,
            lambda s: 1.0 if s >= 0 else 0.0,
            _step_derivative_refused_float,
            False,
            "1 if s ≥ 0 else 0",
        ),
    )
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def get_activation(name: str) -> Activation:
    """The activation called `name`; ValueError naming the known ones otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATION_NAMES)
        raise ValueError(f"unknown activation {name!r} (known: {known})") from None
