"""Whether a history's `error` column is the error of its parameters (docs/file-formats.md,
"History in a session").

Every number of a history may be a finite float and the file still impossible: a negative
squared error, or an error that a hand edit left behind when it changed a weight. The
error of the first row, the last row and rows spread evenly in between is computed again
on the session's data and compared, allowing for rounding; the whole error column is
checked for negative values where the loss cannot be negative. A disagreement is a
SessionError naming the row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from model.history import History
from model.losses import LOSS_NAMES
from model.network import Network
from model.session.errors import SessionError
from model.training import Dataset, TrainingConfig

# Rows checked: at most this many, and at most this many sample evaluations in all (a
# session of a million samples has its first and last rows checked, the lecture's 64).
MAX_ROWS_CHECKED = 64
MAX_SAMPLE_EVALUATIONS = 2_000_000
RELATIVE_TOLERANCE = 1e-6  # two engines' float64 sums of the same error differ far less
ABSOLUTE_TOLERANCE = 1e-9


def rows_to_check(n_rows: int, n_samples: int) -> list[int]:
    """The rows whose error is computed again: first, last, and evenly spread between."""
    budget = max(2, min(MAX_ROWS_CHECKED, MAX_SAMPLE_EVALUATIONS // max(n_samples, 1)))
    if n_rows <= budget:
        return list(range(n_rows))
    return sorted({int(i) for i in np.linspace(0, n_rows - 1, budget).round()})


def check_history_errors(
    history: History,
    network: Network,
    data: Dataset,
    configs: Iterable[TrainingConfig],
    field: str = "history.rows",
) -> None:
    """SessionError at `field`[row] when a row's error cannot be its parameters' error on
    `data` with any loss in `configs` (a loss changed between steps leaves rows of both)
    or, failing that, with any loss the program knows (an edit after a change of loss)."""
    used = list(dict.fromkeys(config.loss for config in configs))
    losses = used + [loss for loss in LOSS_NAMES if loss not in used]
    errors = history.errors
    error_column = len(history.parameter_names) + 1
    if _never_negative(data, used):
        negative = np.flatnonzero(errors < 0)
        if negative.size:
            row = int(negative[0])
            raise SessionError(
                f"{field}[{row}][{error_column}]",
                f"the error is {float(errors[row])!r}, but an error is never negative: "
                "the file was edited or damaged",
            )
    probe = network.copy()
    stored = history.stored_rows  # (a thinned history: the rows it stores, as the file)
    n = len(history.parameter_names)
    for row in rows_to_check(history.stored_count, len(data.inputs)):
        probe.set_flat(stored[row, :n])
        saved = float(errors[row])
        computed = [_error(probe, data, loss) for loss in losses[:1]]
        if _agrees(saved, computed[0]):
            continue
        computed += [_error(probe, data, loss) for loss in losses[1:]]
        if any(_agrees(saved, value) for value in computed[1:]):
            continue
        raise SessionError(
            f"{field}[{row}][{error_column}]",
            f"the error {saved!r} is not the error of this row's parameters on the data "
            f"({computed[0]!r} with the {losses[0].replace('_', ' ')}): "
            "the file was edited or damaged",
        )


def _never_negative(data: Dataset, used: list[str]) -> bool:
    """The squared error never is; the cross-entropy is not for targets in [0, 1]."""
    targets = data.targets
    return set(used) <= {"squared_error"} or bool(((targets >= 0) & (targets <= 1)).all())


def _error(network: Network, data: Dataset, loss: str) -> float:
    with np.errstate(all="ignore"):
        return float(network.error(data.inputs, data.targets, loss))


def _agrees(saved: float, computed: float) -> bool:
    return math.isfinite(computed) and math.isclose(
        saved, computed, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE
    )
