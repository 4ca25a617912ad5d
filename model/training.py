"""The update rules and the readable numpy engine; `advance` picks the engine.

Rules (docs/file-formats.md, "The mathematics"):
  delta    — the lecture's W(n+1) = W(n) + η [d − Y] X, bias input +1; no hidden layers.
  backprop — W ← W − η ∂E/∂W with gradients from the chain rule, all taken at the
             pre-step parameters.
Modes: online — step n uses sample n mod P (table order), the gradient of that sample's
E_p; batch — one update with the gradient of the mean E over all samples.

An engine is a pure function: from a network (left unchanged), the data, the settings
and the number of the state it starts from, it yields the new states as blocks of rows
(parameters in `Network.get_flat` order, then the error) and stops before the first
state that is not finite. The `Trainer` (model/state.py) records what they yield.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from model import fastpath
from model.config import (
    MODES,
    RULES,
    Dataset,
    DivergenceError,
    TrainingConfig,
    divergence_error,
    sample_indices,
)
from model.network import Network
from model.numpy_engine import numpy_rows
from model.optimizers import OptimizerState

Array = NDArray[np.float64]

ENGINES: tuple[str, ...] = ("auto", "numpy", "floats")

__all__ = [
    "ENGINES",
    "MODES",
    "RULES",
    "Dataset",
    "DivergenceError",
    "TrainingConfig",
    "advance",
    "divergence_error",
    "engine_for",
    "numpy_rows",
    "parameter_update",
    "sample_indices",
]


def parameter_update(
    network: Network, data: Dataset, config: TrainingConfig, step: int
) -> tuple[list[Array], list[Array]]:
    """ΔW and Δb (to be added) for the update from state `step`, at the current parameters."""
    rows = sample_indices(step, config.mode, data.n_samples, config.batch_size)
    X, D = data.inputs[rows], data.targets[rows]
    if config.rule == "delta":
        Y = network.predict(X)
        error = D - Y  # [d − Y], shape (P, n_out)
        dW = [config.learning_rate * (error.T @ X) / X.shape[0]]
        db = [config.learning_rate * error.mean(axis=0)]
    else:
        grads = network.gradients(X, D, config.loss)
        dW = [-config.learning_rate * g for g in grads.dW]
        db = [-config.learning_rate * g for g in grads.db]
    if not config.update_biases:
        db = [np.zeros_like(b) for b in db]
    return dW, db


def engine_for(
    network: Network, n_samples: int, engine: str = "auto", config: TrainingConfig | None = None
) -> str:
    """ "floats" or "numpy": the engine `advance` runs ("auto": the faster one here).
    The plain floats know only plain gradient descent, online or on the whole batch."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if config is not None and not floats_can_train(config):
        return "numpy"
    if engine != "auto":
        return engine
    return "floats" if fastpath.suitable(network, n_samples) else "numpy"


def floats_can_train(config: TrainingConfig) -> bool:
    return config.plain and config.mode in ("online", "batch")


def advance(
    network: Network,
    data: Dataset,
    config: TrainingConfig,
    first_step: int,
    n: int,
    engine: str = "auto",
    state: OptimizerState | None = None,
) -> Iterator[Array]:
    """Up to n updates from state `first_step` by the chosen engine: blocks of new rows,
    ending early before the first state that is not finite. `network` is not changed;
    `state` is the optimizer's at `first_step`, advanced in place (see `numpy_rows`)."""
    if n <= 0:
        return iter(())
    if engine_for(network, data.n_samples, engine, config) == "floats":
        return fastpath.rows(network, data, config, first_step, n)
    return numpy_rows(network, data, config, first_step, n, state)
