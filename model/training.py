"""Training: the update rules, online/batch modes, the Trainer and divergence detection.

Rules (shared/DESIGN.md):
  delta    — the lecture's W(n+1) = W(n) + η [d − Y] X, bias input +1; no hidden layers.
  backprop — W ← W − η ∂E/∂W with gradients from the chain rule, all taken at the
             pre-step parameters.
Modes: online — step n uses sample n mod P (table order), the gradient of that sample's
E_p; batch — one update with the gradient of the mean E over all samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from model import fastpath
from model.history import History
from model.losses import LOSS_NAMES
from model.network import Network, check_differentiable

Array = NDArray[np.float64]
RESERVE_BYTES = 32 << 20  # history a run reserves at most, before growing as usual

RULES: tuple[str, ...] = ("delta", "backprop")
MODES: tuple[str, ...] = ("online", "batch")


class DivergenceError(ArithmeticError):
    """A step produced NaN or infinity; the trainer kept the last finite state."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.step = step


@dataclass(frozen=True)
class TrainingConfig:
    rule: str = "delta"
    loss: str = "squared_error"
    learning_rate: float = 0.01
    mode: str = "online"
    update_biases: bool = True

    def validate(self, network: Network) -> None:
        """ValueError with a message a student can act on, if this cannot train `network`."""
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r} (known: {', '.join(RULES)})")
        if self.loss not in LOSS_NAMES:
            raise ValueError(f"unknown loss {self.loss!r} (known: {', '.join(LOSS_NAMES)})")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r} (known: {', '.join(MODES)})")
        lr = self.learning_rate
        if (
            isinstance(lr, bool)
            or not isinstance(lr, int | float)
            or not np.isfinite(lr)
            or lr <= 0
        ):
            raise ValueError(f"learning rate must be a finite number > 0, got {lr!r}")
        if self.rule == "delta" and network.depth != 1:
            raise ValueError(
                "the lecture's delta rule W(n+1) = W(n) + η[d − Y]X needs the "
                "error d − Y at every neuron, which only a network without "
                "hidden layers has: use backprop for hidden layers"
            )
        if self.rule == "backprop":
            check_differentiable(network.activations)


@dataclass
class Dataset:
    """inputs : shape (P, n_in); targets : shape (P, n_out); one row per sample."""

    inputs: Array
    targets: Array

    def __post_init__(self) -> None:
        self.inputs = np.array(self.inputs, dtype=np.float64, ndmin=2)
        self.targets = np.array(self.targets, dtype=np.float64, ndmin=2)
        if self.inputs.shape[0] != self.targets.shape[0]:
            raise ValueError(
                f"{self.inputs.shape[0]} input rows but {self.targets.shape[0]} target rows"
            )
        if self.inputs.shape[0] == 0:
            raise ValueError("the data needs at least one sample")
        if not (np.isfinite(self.inputs).all() and np.isfinite(self.targets).all()):
            raise ValueError("inputs and targets must be finite numbers")

    @property
    def n_samples(self) -> int:
        return self.inputs.shape[0]

    def copy(self) -> Dataset:
        return Dataset(self.inputs.copy(), self.targets.copy())


def sample_indices(step: int, mode: str, n_samples: int) -> slice:
    """The samples that the update from state `step` to `step + 1` uses."""
    if mode == "batch":
        return slice(0, n_samples)
    p = step % n_samples
    return slice(p, p + 1)


def parameter_update(
    network: Network, data: Dataset, config: TrainingConfig, step: int
) -> tuple[list[Array], list[Array]]:
    """ΔW and Δb (to be added) for the update from state `step`, at the current parameters."""
    rows = sample_indices(step, config.mode, data.n_samples)
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


ProgressCallback = Callable[[int], bool | None]


class Trainer:
    """Trains a network on a dataset and keeps the history of every state.

    `position` is the state the network is at; it is the last history row except after
    `seek` moved back in time, in which case the next `step` discards the later states.
    """

    def __init__(
        self,
        network: Network,
        data: Dataset,
        config: TrainingConfig,
        history: History | None = None,
    ) -> None:
        config.validate(network)
        if data.inputs.shape[1] != network.layers[0] or data.targets.shape[1] != network.layers[-1]:
            raise ValueError(
                f"data has {data.inputs.shape[1]} inputs and "
                f"{data.targets.shape[1]} targets per sample; the network "
                f"expects {network.layers[0]} and {network.layers[-1]}"
            )
        self.network = network
        self.data = data
        self._config = config
        if history is None or len(history) == 0:
            history = History(network.parameter_names())
            history.append(network.get_flat(), self.current_error())
        self.history = history
        self.position = len(history) - 1
        self.network.set_flat(history.row(self.position))
        # (first step that used it, config): how every recorded step was made
        self._config_log: list[tuple[int, TrainingConfig]] = [(0, config)]

    # -- settings ---------------------------------------------------------------------------
    @property
    def config(self) -> TrainingConfig:
        return self._config

    def set_config(self, **changes: object) -> None:
        """Change settings (validated first); later steps use them, earlier ones keep theirs."""
        new = replace(self._config, **changes)  # type: ignore[arg-type]
        new.validate(self.network)
        self._config = new

    @property
    def config_log(self) -> list[tuple[int, TrainingConfig]]:
        """(first step that used it, settings) for every change of settings; a copy."""
        return list(self._config_log)

    @config_log.setter
    def config_log(self, log: list[tuple[int, TrainingConfig]]) -> None:
        if not log:
            raise ValueError("the settings log needs at least one entry")
        self._config_log = list(log)

    def config_for_step(self, step: int) -> TrainingConfig:
        """The settings the update from state `step - 1` to `step` was made with."""
        used = self._config_log[0][1]
        for first, config in self._config_log:
            if first <= step - 1:
                used = config
        return used

    def _log_config(self, step: int) -> None:
        # Entries from `step` on described updates that are about to be made again.
        self._config_log = [(s, c) for s, c in self._config_log if s < step]
        if not self._config_log or self._config_log[-1][1] != self._config:
            self._config_log.append((step, self._config))

    # -- state ----------------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        """Number of updates made to reach the current state."""
        return self.position

    def current_error(self) -> float:
        """E at the current parameters (may be inf or NaN for a state that diverged)."""
        with np.errstate(all="ignore"):
            return self.network.error(self.data.inputs, self.data.targets, self._config.loss)

    def seek(self, step: int) -> None:
        """Show the state after `step` updates, keeping the later states for now."""
        self.network.set_flat(self.history.row(step))
        self.position = step

    def step_back(self) -> bool:
        """Discard the current state and return to the previous one; False at step 0."""
        if self.position == 0:
            return False
        self.seek(self.position - 1)
        self.history.truncate(self.position + 1)
        return True

    def reset(self) -> None:
        """Back to the initial state (history row 0); the history is cleared."""
        self.seek(0)
        self.history.truncate(1)
        self._config_log = [(0, self._config)]

    def replace_history(self, history: History, position: int) -> None:
        """Adopt another history of this network (undo of a Reset or of an edit)."""
        if history.parameter_names != self.network.parameter_names():
            raise ValueError("that history belongs to a different network")
        self.history = history
        self.seek(position)

    def restart_history(self) -> None:
        """Make the current parameters the new step 0 (after an edit of data or layers)."""
        theta = self.network.get_flat()
        self.history = History(self.network.parameter_names())
        self.history.append(theta, self.current_error())
        self.position = 0
        self._config_log = [(0, self._config)]

    # -- training -------------------------------------------------------------------------------
    def step(self) -> float:
        """One update; returns the new error. DivergenceError if it is not finite."""
        self.run(1)
        return self.history.error_at(self.position)

    def run(self, n: int, callback: ProgressCallback | None = None, report_every: int = 1) -> int:
        """Make up to n updates; returns how many were made.

        `callback(done)` is called after every `report_every` updates; returning False
        stops the run. DivergenceError stops it too, after recording the finite states.
        """
        if report_every < 1:
            raise ValueError(f"report_every must be at least 1, got {report_every}")
        if self.position < len(self.history) - 1:
            self.history.truncate(self.position + 1)
        # Up to a bound: run(10**9) until a divergence must not claim memory for 10**9,
        # nor a run that stops early keep more than RESERVE_BYTES it did not use.
        width = len(self.history.parameter_names) + 1
        self.history.reserve(len(self.history) + min(n, RESERVE_BYTES // (8 * width)))
        done = 0
        while done < n:
            self._log_config(self.position)  # the callback may have changed the settings
            # Without a callback there is nobody to report to: one chunk, one setup.
            chunk = n - done if callback is None else min(report_every, n - done)
            done += self._advance(chunk)
            if callback is not None and callback(done) is False:
                break
        return done

    def adopt(self, rows: Array) -> None:
        """Append states that were computed elsewhere from the current state with the
        current settings (by a Trainer in another process), and move to the last one."""
        if not len(rows):
            return
        if self.position < len(self.history) - 1:
            self.history.truncate(self.position + 1)
        self._log_config(self.position)
        self.history.extend(rows)
        self.position = len(self.history) - 1
        self.network.set_flat(rows[-1, :-1].copy())

    def _advance(self, n: int) -> int:
        if fastpath.suitable(self.network, self.data.n_samples):
            return fastpath.advance(self, n)
        return self._advance_numpy(n)

    def _advance_numpy(self, n: int) -> int:
        # Overflow is expected on the way to a divergence, which the isfinite check reports.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(n):
                self._advance_one_numpy()
        return n

    def _advance_one_numpy(self) -> None:
        theta = self.network.get_flat()
        dW, db = parameter_update(self.network, self.data, self._config, self.position)
        for W, b, dWl, dbl in zip(self.network.weights, self.network.biases, dW, db, strict=True):
            W[...] += dWl
            b[...] += dbl
        error = self.current_error()
        new_theta = self.network.get_flat()
        if not (np.isfinite(error) and np.isfinite(new_theta).all()):
            self.network.set_flat(theta)
            raise self.divergence(self.position + 1)
        self.history.append(new_theta, error)
        self.position += 1

    def divergence(self, step: int) -> DivergenceError:
        return DivergenceError(
            f"step {step} produced a non-finite value (NaN or infinity): the learning rate "
            f"η = {self._config.learning_rate:g} is probably too large, or the activations "
            f"exploded. Training stopped at step {step - 1}, the last finite state.",
            step,
        )
