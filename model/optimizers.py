"""Optimizers: how a step moves the parameters along its direction g.

Per parameter, with t the number of updates since the optimizer's state was last zeroed
(this one included: t = 1 on the first) and every state starting at 0 — PyTorch's
`torch.optim` formulas (dampening 0, no weight decay inside them):

    sgd        θ ← θ − η g
    momentum   v ← μ v + g;            θ ← θ − η v   (Nesterov: θ ← θ − η (g + μ v))
    rmsprop    s ← α s + (1 − α) g²;   θ ← θ − η g / (√s + ε)
    adam       m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;
               θ ← θ − η (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)

Regularization belongs to the direction, not to the optimizer (weights only, never
biases): g_w += l2·w + l1·sign(w). A frozen parameter has g = 0, so every optimizer
leaves it and its state at exactly 0 change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

OPTIMIZER_NAMES: tuple[str, ...] = ("sgd", "momentum", "rmsprop", "adam")
# Which settings each optimizer reads (the others keep their defaults and are ignored).
SETTINGS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("momentum", "nesterov"),
    "rmsprop": ("alpha", "epsilon"),
    "adam": ("beta1", "beta2", "epsilon"),
}
# The state each keeps per parameter.
SLOTS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("v",),
    "rmsprop": ("s",),
    "adam": ("m", "v"),
}


@dataclass(frozen=True)
class Optimizer:
    """An optimizer and its settings; equal objects share a state, and any change of
    them zeroes it (from the step where it changes)."""

    name: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = False
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    def validate(self, path: str = "optimizer") -> None:
        """ValueError naming the field (`optimizer.beta1`, …) if a setting is impossible."""
        if self.name not in OPTIMIZER_NAMES:
            raise ValueError(
                f"{path}.name: unknown optimizer {self.name!r} "
                f"(known: {', '.join(OPTIMIZER_NAMES)})"
            )
        for key in ("momentum", "alpha", "beta1", "beta2"):
            value = getattr(self, key)
            if not _is_real(value) or not 0.0 <= value < 1.0:
                raise ValueError(f"{path}.{key}: must be a number in [0, 1), got {value!r}")
        if not _is_real(self.epsilon) or not self.epsilon > 0.0:
            raise ValueError(f"{path}.epsilon: must be a finite number > 0, got {self.epsilon!r}")
        if not isinstance(self.nesterov, bool):
            raise ValueError(f"{path}.nesterov: must be true or false, got {self.nesterov!r}")
        if self.nesterov and self.name == "momentum" and self.momentum == 0.0:
            raise ValueError(f"{path}.nesterov: Nesterov momentum needs a momentum > 0")

    @property
    def stateful(self) -> bool:
        return bool(SLOTS[self.name])

    def settings(self) -> dict[str, object]:
        """The settings this optimizer reads, by name (for files and the window)."""
        return {key: getattr(self, key) for key in SETTINGS[self.name]}


def _is_real(value: object) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(float(value))
    )


@dataclass
class OptimizerState:
    """What an optimizer carries from step to step: t and its per-parameter slots (flat,
    in `Network.get_flat` order)."""

    t: int = 0
    slots: dict[str, Array] = field(default_factory=dict)

    def copy(self) -> OptimizerState:
        return OptimizerState(self.t, {name: a.copy() for name, a in self.slots.items()})

    def equals(self, other: OptimizerState) -> bool:
        return (
            self.t == other.t
            and self.slots.keys() == other.slots.keys()
            and all(np.array_equal(a, other.slots[k]) for k, a in self.slots.items())
        )


def zero_state(optimizer: Optimizer, n_parameters: int) -> OptimizerState:
    return OptimizerState(0, {name: np.zeros(n_parameters) for name in SLOTS[optimizer.name]})


def apply(optimizer: Optimizer, state: OptimizerState, theta: Array, g: Array, eta: float) -> None:
    """One update of `theta` (in place) along direction `g`; advances `state`."""
    state.t += 1
    name = optimizer.name
    if name == "sgd":
        theta -= eta * g
    elif name == "momentum":
        v = state.slots["v"]
        v *= optimizer.momentum
        v += g
        theta -= eta * (g + optimizer.momentum * v if optimizer.nesterov else v)
    elif name == "rmsprop":
        s = state.slots["s"]
        alpha = optimizer.alpha
        s *= alpha
        s += (1.0 - alpha) * (g * g)
        theta -= eta * g / (np.sqrt(s) + optimizer.epsilon)
    else:  # adam
        m, v = state.slots["m"], state.slots["v"]
        beta1, beta2, t = optimizer.beta1, optimizer.beta2, state.t
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        theta -= eta * m_hat / (np.sqrt(v_hat) + optimizer.epsilon)


def regularize(g: Array, theta: Array, weights: Array, l1: float, l2: float) -> None:
    """g_w += l2·w + l1·sign(w) on the weights (a boolean mask), in place."""
    if l2:
        g[weights] += l2 * theta[weights]
    if l1:
        g[weights] += l1 * np.sign(theta[weights])
