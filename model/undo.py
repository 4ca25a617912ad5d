"""Undoable changes of the training state, without Qt.

A `Change` is one operation of the `Trainer` between two snapshots: the one taken just
before it ran, and the one after. Undo restores the first, redo the second. Where both
snapshots share one history object, the rows a restore removes from its end travel with
the change until the other restore needs them back — so undoing a Reset of ten million
steps copies nothing, and undoing a Train copies only the rows it made.

The window's QUndoStack holds these through thin Qt commands (gui/commands.py); the
tests drive them with a plain list (tests/test_undo.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from model.history import History, Rows
from model.state import Snapshot, Trainer

Operation = Callable[[Trainer], Rows | None]  # returns the rows it removed, if any


class Change:
    """One operation on the trainer, undoable by snapshots.

    trainer_of : where the current Trainer is (a window may load another one later)
    operation : makes the change; returns the rows it removed from the history's end
    """

    def __init__(self, trainer_of: Callable[[], Trainer], operation: Operation) -> None:
        self._trainer_of = trainer_of
        self._operation = operation
        self.before: Snapshot | None = None
        self.after: Snapshot | None = None
        self._rows_for_before: Rows | None = None
        self._rows_for_after: Rows | None = None

    @property
    def applied(self) -> bool:
        return self.after is not None

    def apply(self) -> None:
        """The operation's first run. A ValueError it raises leaves nothing changed (the
        Trainer validates before it changes anything)."""
        trainer = self._trainer_of()
        self.before = trainer.snapshot()
        self._rows_for_before = self._operation(trainer)
        self.after = trainer.snapshot()

    def undo(self) -> None:
        assert self.before is not None, "apply() first"
        removed = self._trainer_of().restore(self.before, self._rows_for_before)
        self._rows_for_before = None
        if removed is not None:
            self._rows_for_after = removed

    def redo(self) -> None:
        assert self.after is not None, "apply() first"
        removed = self._trainer_of().restore(self.after, self._rows_for_after)
        self._rows_for_after = None
        if removed is not None:
            self._rows_for_before = removed

    def continues(self, other: Change) -> bool:
        """True when `other` was applied right after this one, from the state this one
        left, and removed nothing: the two may then be undone as one (`absorb`)."""
        mine, theirs = self.after, other.before
        return (
            mine is not None
            and theirs is not None
            and other.after is not None
            and theirs.history is mine.history
            and theirs.length == mine.length
            and theirs.position == mine.position
            and other._rows_for_before is None
        )

    def absorb(self, other: Change) -> None:
        """Make this change end where `other` (which `continues` it) ends."""
        self.after = other.after

    # -- the undo stack's share of the memory budget (model/budget.py) --------------------
    def held(self) -> tuple[list[Rows], list[Snapshot]]:
        """The tails this change holds for its restores, and its snapshots."""
        rows = [r for r in (self._rows_for_before, self._rows_for_after) if r is not None]
        snapshots = [s for s in (self.before, self.after) if s is not None]
        return rows, snapshots

    def thin(self, live: History) -> None:
        """Hold less, exactly: its tails keep only the rows replay needs, and a history
        only its snapshots keep alive (a Reset's, a new setup's) is thinned as a live one
        is. Restoring either later replays the states no longer stored, bit for bit."""
        for attribute, snapshot in (
            ("_rows_for_before", self.before),
            ("_rows_for_after", self.after),
        ):
            rows: Rows | None = getattr(self, attribute)
            if rows is not None and snapshot is not None and len(rows.steps) > 1:
                setattr(self, attribute, rows.thinned(snapshot.optimizer_memory.states))
        for snapshot in (self.before, self.after):
            if snapshot is not None and snapshot.history is not live:
                thin_history(snapshot.history, snapshot.optimizer_memory.states)


MIN_KEPT_ROWS = 4  # a history kept for undo is thinned to no fewer rows than this


def thin_history(history: History, keep: Iterable[int]) -> None:
    """Store a quarter of the rows `history` stores (not fewer than MIN_KEPT_ROWS),
    keeping those replay needs and the optimizer's checkpoints in `keep`, and give back
    the memory of the others."""
    kept = list(keep)
    protected = history.protected
    history.protected = lambda: kept
    try:
        history.max_rows = max(MIN_KEPT_ROWS, history.stored_count // 4)
        history.thin()
        history.limit(max(history.max_rows, history.stored_count))
    finally:
        history.protected = protected


def undo_bytes(changes: Sequence[Change], live: History) -> int:
    """Bytes what `changes` hold beyond the live history: their tails, the histories
    only their snapshots keep alive, and those snapshots' optimizer checkpoints."""
    seen: set[int] = set()
    total = 0
    for change in changes:
        rows, snapshots = change.held()
        total += sum(r.nbytes for r in rows)
        for snapshot in snapshots:
            if snapshot.history is not live and id(snapshot.history) not in seen:
                seen.add(id(snapshot.history))
                total += snapshot.history.nbytes
            for state in snapshot.optimizer_memory.states.values():
                if id(state) not in seen:
                    seen.add(id(state))
                    total += sum(a.nbytes for a in state.slots.values())
    return total


def fit_undo(changes: Sequence[Change], live: History, limit: int) -> bool:
    """Thin what the oldest of `changes` (oldest first) hold until they hold at most
    `limit` bytes; False when they still hold more (only rows replay cannot make are
    left: the caller then drops undo entries)."""
    total = undo_bytes(changes, live)
    while total > limit:
        before = total
        for change in changes:
            change.thin(live)
            total = undo_bytes(changes, live)
            if total <= limit:
                return True
        if total >= before:
            return False
    return True
