"""What a run trains on and how: the settings (`TrainingConfig`) and the samples
(`Dataset`), both validated when made; and the error a diverged step raises.

The rules and modes are described in docs/file-formats.md ("The mathematics").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from model.losses import LOSS_NAMES
from model.network import Network, check_differentiable
from model.optimizers import Optimizer

Array = NDArray[np.float64]

RULES: tuple[str, ...] = ("delta", "backprop")
MODES: tuple[str, ...] = ("online", "batch", "minibatch")


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
    batch_size: int | None = None  # samples a step uses in "minibatch" mode
    optimizer: Optimizer = field(default_factory=Optimizer)
    l1: float = 0.0  # penalties on the weights (never the biases)
    l2: float = 0.0

    @property
    def plain(self) -> bool:
        """True for the lecture's plain gradient descent: sgd, no penalty."""
        return self.optimizer.name == "sgd" and self.l1 == 0.0 and self.l2 == 0.0

    def samples_per_step(self, n_samples: int) -> int:
        if self.mode == "batch":
            return n_samples
        if self.mode == "minibatch":
            return self.batch_size or 1
        return 1

    def validate(self, network: Network, n_samples: int | None = None) -> None:
        """ValueError with a message a student can act on, if this cannot train `network`
        (on `n_samples` samples, where known)."""
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
        check_loss_fits_output(self.loss, network.activations[-1])
        self._validate_extensions(n_samples)

    def _validate_extensions(self, n_samples: int | None) -> None:
        """Mini-batches, the optimizer and the penalties (named as in a session file)."""
        for key in ("l1", "l2"):
            value = getattr(self, key)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (np.isfinite(value) and value >= 0)
            ):
                raise ValueError(f"training.{key}: must be a finite number ≥ 0, got {value!r}")
        if self.mode == "minibatch":
            k = self.batch_size
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise ValueError(
                    f"training.batch_size: mode minibatch needs a whole number ≥ 1, got {k!r}"
                )
            if n_samples is not None and k > n_samples:
                raise ValueError(f"training.batch_size: {k} is more than the {n_samples} samples")
        self.optimizer.validate("training.optimizer")


@dataclass
class Dataset:
    """inputs : shape (P, n_in); targets : shape (P, n_out); one row per sample.

    test_inputs, test_targets : an optional test set of the same widths, never trained
    on; its error is recorded beside the training error (the history's `test_error`).
    """

    inputs: Array
    targets: Array
    test_inputs: Array | None = None
    test_targets: Array | None = None

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
        if (self.test_inputs is None) != (self.test_targets is None):
            raise ValueError("a test set needs both test_inputs and test_targets")
        if self.test_inputs is not None and self.test_targets is not None:
            self.test_inputs = np.array(self.test_inputs, dtype=np.float64, ndmin=2)
            self.test_targets = np.array(self.test_targets, dtype=np.float64, ndmin=2)
            self._check_test_set(self.test_inputs, self.test_targets)

    def _check_test_set(self, X: Array, D: Array) -> None:
        if X.shape[0] != D.shape[0] or X.shape[0] == 0:
            raise ValueError(
                f"data.test_inputs: {X.shape[0]} test input rows but {D.shape[0]} test "
                "target rows (a test set needs at least one sample)"
            )
        if X.shape[1] != self.inputs.shape[1]:
            raise ValueError(
                f"data.test_inputs: {X.shape[1]} values per sample, but the inputs have "
                f"{self.inputs.shape[1]}"
            )
        if D.shape[1] != self.targets.shape[1]:
            raise ValueError(
                f"data.test_targets: {D.shape[1]} values per sample, but the targets have "
                f"{self.targets.shape[1]}"
            )
        if not (np.isfinite(X).all() and np.isfinite(D).all()):
            raise ValueError("data.test_inputs and test_targets must be finite numbers")

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def has_test_set(self) -> bool:
        return self.test_inputs is not None

    def copy(self) -> Dataset:
        if self.test_inputs is None or self.test_targets is None:
            return Dataset(self.inputs.copy(), self.targets.copy())
        return Dataset(
            self.inputs.copy(),
            self.targets.copy(),
            self.test_inputs.copy(),
            self.test_targets.copy(),
        )

    def without_test_set(self) -> Dataset:
        return Dataset(self.inputs, self.targets)

    def split(self, fraction: float, seed: int) -> Dataset:
        """A test set of round(fraction × P) samples drawn from `seed`; the others train."""
        P = self.n_samples
        n_test = round(fraction * P)
        if not 0 < n_test < P:
            raise ValueError(
                f"a test fraction of {fraction:g} of {P} samples leaves no test or no "
                "training sample"
            )
        order = np.random.default_rng(seed).permutation(P)
        test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
        return Dataset(
            self.inputs[train], self.targets[train], self.inputs[test], self.targets[test]
        )


def divergence_error(step: int, config: TrainingConfig) -> DivergenceError:
    """The error for a step that produced NaN or infinity (the states before it are kept)."""
    return DivergenceError(
        f"step {step} produced a non-finite value (NaN or infinity): the learning rate "
        f"η = {config.learning_rate:g} is probably too large, or the activations "
        f"exploded. Training stopped at step {step - 1}, the last finite state.",
        step,
    )


def check_loss_fits_output(loss: str, output_activation: str) -> None:
    """Cross-entropy takes ln y and ln(1 − y): only a sigmoid output stays strictly
    between 0 and 1. Any other output gives NaN or infinity (not a learning rate problem)."""
    if loss == "cross_entropy" and output_activation != "sigmoid":
        raise ValueError(
            "cross-entropy needs outputs strictly between 0 and 1 (it takes ln y and "
            f"ln(1 − y)), but a {output_activation} output can leave that range: use a "
            "sigmoid output layer, or the squared error"
        )


def sample_indices(
    step: int, mode: str, n_samples: int, batch_size: int | None = None
) -> slice | NDArray[np.intp]:
    """The samples that the update from state `step` to `step + 1` uses: online, sample
    step mod P; batch, all P; minibatch of k, samples (step·k + i) mod P for i < k (in
    table order, wrapping round)."""
    if mode == "batch":
        return slice(0, n_samples)
    k = (batch_size or 1) if mode == "minibatch" else 1
    first = (step * k) % n_samples
    if first + k <= n_samples:
        return slice(first, first + k)
    return (first + np.arange(k)) % n_samples


def check_fits(network: Network, data: Dataset) -> None:
    """ValueError if the data's widths are not the network's input and output sizes."""
    if data.inputs.shape[1] != network.layers[0] or data.targets.shape[1] != network.layers[-1]:
        raise ValueError(
            f"data has {data.inputs.shape[1]} inputs and "
            f"{data.targets.shape[1]} targets per sample; the network "
            f"expects {network.layers[0]} and {network.layers[-1]}"
        )
