"""What the `Trainer` (model/state.py) captures of itself, and small checks it shares.

A snapshot holds everything a step depends on; `Trainer.restore` brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from model.config import Dataset, TrainingConfig
from model.history import History
from model.network import Network
from model.numpy_engine import errors_of_states
from model.optimizer_memory import OptimizerMemory

Array = NDArray[np.float64]
ConfigLog = tuple[tuple[int, TrainingConfig], ...]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything a step depends on, at one moment.

    The history is held by reference with its length then: rows [0, length) of that
    object stay as they were while other snapshots are current, except for the rows a
    later restore removes from its end, which `Trainer.restore` returns so that the
    caller can hand them back (`tail`) when it restores this snapshot again.
    """

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    data: Dataset  # never changed in place: an edit makes a new Dataset
    config: TrainingConfig
    config_log: ConfigLog
    history: History
    length: int
    position: int
    row: Array  # parameters and error at `position` (a copy)
    first_row: Array  # row 0 too: a change of the first settings' loss rewrites its error
    optimizer_memory: OptimizerMemory  # checkpoints of the optimizer's state (a copy)


def error_of(network: Network, data: Dataset, loss: str) -> float:
    """E of `network` on `data` (inf or NaN where it overflows, without a warning)."""
    with np.errstate(all="ignore"):
        return network.error(data.inputs, data.targets, loss)


def network_like(layers: tuple[int, ...], activations: tuple[str, ...]) -> Network:
    """A network of that architecture with zero parameters (`restore` fills them in)."""
    weights = [np.zeros((n, n_prev)) for n_prev, n in pairwise(layers)]
    biases = [np.zeros(n) for n in layers[1:]]
    return Network(list(layers), list(activations), weights, biases)


def test_errors(network: Network, data: Dataset, loss: str, thetas: Array) -> Array:
    """The test error at each parameter vector of `thetas`, shape (K, 1); shape (K, 0)
    without a test set (the history then has no test_error column)."""
    if data.test_inputs is None or data.test_targets is None:
        return np.empty((len(thetas), 0))
    errors = errors_of_states(network, thetas, data.test_inputs, data.test_targets, loss)
    return errors[:, None]


def new_history(network: Network, data: Dataset, config: TrainingConfig) -> History:
    """A history of one state, the network's, with a test_error column where the data
    has a test set."""
    theta = network.get_flat()
    history = History(
        network.parameter_names(), extra_columns=["test_error"] if data.has_test_set else []
    )
    history.append(
        theta,
        error_of(network, data, config.loss),
        test_errors(network, data, config.loss, theta[None])[0],
    )
    return history
