"""∂E/∂θ at every recorded state: the `grad.{name}` columns of a history export.

E is the dataset error (the mean over all training samples, the data loss only: no
penalty) under the loss that made the state's error (`config_for_step`), at that
state's parameters. Computed by the chain rule of `model/network.py`, a block of states
at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from model.files import Progress
from model.history import (
    History,
    block_rows,
    blocks_csv_chunks,
    blocks_json_chunks,
    write_atomically,
)
from model.network import Network, check_differentiable
from model.state import Trainer

Array = NDArray[np.float64]


def gradient_names(trainer: Trainer) -> list[str]:
    return [f"grad.{name}" for name in trainer.network.parameter_names()]


def gradients_at(trainer: Trainer, first: int, thetas: Array) -> Array:
    """The gradient at states first, first + 1, … whose parameters are the rows of
    `thetas`, shape (k, n_parameters)."""
    network = trainer.network.copy()
    data = trainer.data
    block = np.empty((len(thetas), network.n_parameters))
    with np.errstate(all="ignore"):
        for i, theta in enumerate(thetas):
            network.set_flat(theta)
            loss = trainer.config_for_step(max(first + i, 1)).loss
            block[i] = _flat_gradient(network, data.inputs, data.targets, loss)
    return block


def _flat_gradient(network: Network, inputs: Array, targets: Array, loss: str) -> Array:
    grads = network.gradients(inputs, targets, loss)
    return np.concatenate(
        [part for W, b in zip(grads.dW, grads.db, strict=True) for part in (W.ravel(), b)]
    )


def rows_with_gradients(trainer: Trainer, history: History) -> Iterator[tuple[int, Array]]:
    """(first step, rows) of `history` (the trainer's, or a detached copy of it) with the
    gradient columns after each row, a few megabytes at a time: neither the states
    (replayed where a budget thinned them) nor their gradients are ever held whole."""
    check_differentiable(trainer.network.activations)
    n = trainer.network.n_parameters
    size = block_rows(history.width + n)
    for first, rows in history.blocks(size):
        yield first, np.column_stack([rows, gradients_at(trainer, first, rows[:, :n])])


def export_with_gradients(
    trainer: Trainer,
    path: str | os.PathLike[str],
    progress: Progress | None = None,
    keep: Iterable[str | os.PathLike[str] | None] = (),
    streams: bool = False,
) -> None:
    """The history export with a grad.{name} column per parameter (docs/file-formats.md),
    CSV or JSON by the path's ending, written atomically block by block (the window
    gives a detached Trainer: its own may change meanwhile). ValueError where an
    activation has no derivative (nothing written)."""
    check_differentiable(trainer.network.activations)  # before anything is written
    history = trainer.history
    columns = [*history.columns, *gradient_names(trainer)]
    blocks = rows_with_gradients(trainer, history)
    if progress is not None:
        progress.start(len(history))
    make = blocks_json_chunks if str(path).lower().endswith(".json") else blocks_csv_chunks
    write_atomically(path, make(columns, blocks, progress), keep=keep, streams=streams)


def gradient_blocks(trainer: Trainer, n_rows: int | None = None) -> Iterator[Array]:
    """The gradient at states 0 … n_rows − 1 (default: every recorded one), as blocks of
    rows, shape (k, n_parameters). ValueError where an activation has no derivative."""
    check_differentiable(trainer.network.activations)
    history = trainer.history
    n_rows = len(history) if n_rows is None else n_rows
    n = trainer.network.n_parameters
    size = block_rows(history.width + n)
    for start in range(0, n_rows, size):
        stop = min(start + size, n_rows)
        yield gradients_at(trainer, start, history.rows(start, stop)[:, :n])


def gradient_table(trainer: Trainer) -> Array:
    """Every recorded state's gradient, shape (n_rows, n_parameters)."""
    blocks = list(gradient_blocks(trainer))
    return np.vstack(blocks) if blocks else np.empty((0, trainer.network.n_parameters))
