"""Opening a session within the memory budget (model/budget.py).

A session file that stores every state (a dense history) gives rows that replay was
never asked to make: the Trainer pins them all. When those rows alone need more than the
budget's history share, `trainer_within` thins them like a run's own history (every
`stride`-th state kept, the others recomputed by replaying the training) — after
replaying the whole run once from the file's rows, a block at a time: a row that
training does not give from the row before it (an edit, another program's rows) stays
pinned, and the replay goes on from it, so every row dropped is one that replay makes,
bit for bit. When replay cannot make enough of them (too many such rows; an optimizer
with a state, which the file keeps only at its last step, so that every replay would
start again from step 0), the session is refused with a `SessionError` naming the
reason and the budget that opens it whole. Nothing is half loaded: the Session is never
changed, and the Trainer is returned only once it fits.
"""

from __future__ import annotations

from model.budget import CACHE_SHARE, HISTORY_SHARE, MemoryBudget, format_size
from model.history import History, block_rows
from model.optimizers import zero_state
from model.session.errors import SessionError
from model.session.state import Session
from model.state import Trainer


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
    history.pinned_below = 0  # (the settings log's first steps stay pinned)
    try:
        edits = _pin_rows_replay_does_not_make(trainer, fits // 2)
    except (RuntimeError, FloatingPointError) as error:
        raise _refusal(
            history, budget, slots, n, f"its states cannot be replayed ({error})"
        ) from None
    if len(edits) > fits // 2:
        raise _refusal(
            history,
            budget,
            slots,
            n,
            f"step {edits[0]} is not what training gives from the row before it, and "
            f"neither are at least {len(edits) - 1:,} more (edits, or rows written by "
            "another program): too few of the states the budget has no room for can be "
            "recomputed",
        )
    trainer.set_budget(budget)
    return trainer


def _pin_rows_replay_does_not_make(trainer: Trainer, limit: int) -> list[int]:
    """Replay the run once from the file's rows, a block at a time, and pin each row
    that is not what training gives from the row before it (stopping once more than
    `limit` are found); returns them."""
    history = trainer.history
    n = len(history)
    most = block_rows(history.width)  # a few megabytes of rows at a time
    size = most
    edits: list[int] = []
    start = 0
    while start < n - 1 and len(edits) <= limit:
        stop = min(n - 1, start + size)
        wrong = trainer.first_not_replayed(start, stop)
        if wrong is None:
            start = stop
            size = min(most, 2 * size)
            continue
        history.pin(wrong)  # replay starts again from the file's row there
        edits.append(wrong)
        start = wrong
        # Where one row is not replayed the next often is not either (another
        # program's rows): one row at a time until rows agree again, not a block each.
        size = 1
    return edits


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
