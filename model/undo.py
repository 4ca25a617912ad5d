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

from collections.abc import Callable

from model.history import Rows
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
