"""Opening a session within the memory budget (model/budget.py).

A session file that stores every state (a dense history) gives rows that replay was
never asked to make: the Trainer pins them all. When those rows alone need more than the
budget's history share, `trainer_within` thins them like a run's own history (every
`stride`-th state kept, the others recomputed by replaying the training) — after checking
that replay does make them: a few of the rows it drops, each the farthest from the kept
row before it, are replayed from that row and compared bit for bit. When replay cannot
make them (a row that does not replay: an edit, another program's rows; an optimizer
with a state, which the file keeps only at its last step, so that every replay would
start again from step 0), the session is refused with a `SessionError` naming the
reason and the budget that opens it whole. Nothing is half loaded: the Session is never
changed, and the Trainer is returned only once it fits.
"""

from __future__ import annotations

import numpy as np

from model.budget import CACHE_SHARE, HISTORY_SHARE, MemoryBudget, format_size
from model.history import History
from model.optimizers import zero_state
from model.session.errors import SessionError
from model.session.state import Session
from model.state import Trainer

REPLAYS_CHECKED = 4  # dropped rows replayed from the kept row before them when thinned


def trainer_within(session: Session, budget: MemoryBudget | None) -> Trainer:
    """The session's Trainer within `budget` (None: no bound): a dense history larger
    than its share thinned once replay is seen to make the rows it drops; SessionError
    ("history: …") when it cannot be."""
    trainer = session.to_trainer()
    history = trainer.history
    if budget is None:
        return trainer
    n = trainer.network.n_parameters
    slots = len(zero_state(trainer.config.optimizer, n).slots)
    fits = max(budget.history_rows(n, history.width, slots), 4)
    if not history.dense or history.pinned_below <= 1 or history.stored_count <= fits:
        trainer.set_budget(budget)
        return trainer
    _check_replayable(trainer, budget, slots)
    picked = _dropped_candidates(history, fits, trainer)
    reference = _reference(history, picked)
    history.pinned_below = 0  # (the settings log's first steps stay pinned)
    trainer.set_budget(budget)
    checked = [s for s in picked if not history.stored(s)]
    try:
        wrong = trainer.replay_mismatch(checked, reference)
    except (RuntimeError, FloatingPointError) as error:
        raise _refusal(
            history, budget, slots, n, f"its states cannot be replayed ({error})"
        ) from None
    if wrong is not None:
        raise _refusal(
            history,
            budget,
            slots,
            n,
            f"step {wrong} is not what training gives from the row before it (an edit, or "
            "rows written by another program), so the states the budget has no room for "
            "cannot be recomputed",
        )
    return trainer


def _check_replayable(trainer: Trainer, budget: MemoryBudget, slots: int) -> None:
    """SessionError when an optimizer with a state made any of the steps: the file keeps
    its state at the last step only, so each replay would start from step 0."""
    stateful = [c.optimizer.name for _, c in trainer.config_log if c.optimizer.stateful]
    if stateful:
        raise _refusal(
            trainer.history,
            budget,
            slots,
            trainer.network.n_parameters,
            f"its steps were made with the {stateful[0]} optimizer, whose state the file "
            "keeps at the last step only: recomputing the states the budget has no room "
            "for would replay the whole run from step 0 every time",
        )


def _dropped_candidates(history: History, fits: int, trainer: Trainer) -> list[int]:
    """A few steps thinning will drop, each just before a multiple of the stride it will
    likely reach (the longest replay from a kept row); odd, so dropped at any stride."""
    n = len(history)
    stride = 2
    while n / stride > fits * 3 // 4:
        stride *= 2
    keep = set(history.pinned) | {first for first, _ in trainer.config_log}
    ends = np.linspace(1, max(1, (n - 2) // stride), REPLAYS_CHECKED).round().astype(int)
    picked = {int(e) * stride - 1 for e in ends}
    return sorted(s for s in picked if 0 < s < n - 1 and s not in keep)


def _reference(history: History, steps: list[int]) -> History:
    """The rows of `steps` (and the first and last) as the file gives them, kept apart."""
    kept = [0, *steps, len(history) - 1]
    rows = np.vstack([history.full_row(s) for s in kept])
    return History.from_stored(
        history.parameter_names,
        history.extra_columns,
        np.asarray(kept, dtype=np.int64),
        rows,
        len(history),
    )


def _refusal(history: History, budget: MemoryBudget, slots: int, n: int, why: str) -> SessionError:
    per_state = budget.state_bytes(n, history.width, slots)
    need = int(history.stored_count * per_state / (HISTORY_SHARE * (1 - CACHE_SHARE))) + 1
    need = -(-need // (1 << 20)) * (1 << 20)  # whole megabytes
    return SessionError(
        "history",
        f"its {len(history):,} stored states need more than the memory budget "
        f"({format_size(budget.total)}) and cannot be thinned to it: {why}. A memory "
        f"budget of at least {format_size(need)} opens it whole (Edit → Memory budget… "
        "in the window, --memory-budget on the command line)",
    )
