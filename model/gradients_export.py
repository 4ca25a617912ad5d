"""∂E/∂θ at every recorded state: the `grad.{name}` columns of a history export.

E is the dataset error (the mean over all training samples, the data loss only: no
penalty) under the loss that made the state's error (`config_for_step`), at that
state's parameters. Computed by the chain rule of `model/network.py`, a block of states
at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from model.network import check_differentiable
from model.state import Trainer

Array = NDArray[np.float64]
BLOCK_ROWS = 4096


def gradient_names(trainer: Trainer) -> list[str]:
    return [f"grad.{name}" for name in trainer.network.parameter_names()]


def gradient_blocks(trainer: Trainer, n_rows: int | None = None) -> Iterator[Array]:
    """The gradient at states 0 … n_rows − 1 (default: every recorded one), as blocks of
    rows, shape (k, n_parameters). ValueError where an activation has no derivative."""
    check_differentiable(trainer.network.activations)
    n_rows = len(trainer.history) if n_rows is None else n_rows
    network = trainer.network.copy()
    data = trainer.data
    for start in range(0, n_rows, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n_rows)
        block = np.empty((stop - start, network.n_parameters))
        with np.errstate(all="ignore"):
            for i, step in enumerate(range(start, stop)):
                loss = trainer.config_for_step(max(step, 1)).loss
                network.set_flat(trainer.history.row(step))
                grads = network.gradients(data.inputs, data.targets, loss)
                block[i] = np.concatenate(
                    [
                        part
                        for W, b in zip(grads.dW, grads.db, strict=True)
                        for part in (W.ravel(), b)
                    ]
                )
        yield block


def gradient_table(trainer: Trainer) -> Array:
    """Every recorded state's gradient, shape (n_rows, n_parameters)."""
    blocks = list(gradient_blocks(trainer))
    return np.vstack(blocks) if blocks else np.empty((0, trainer.network.n_parameters))
