"""The undoable changes of the training state: every change the window makes is one of
these on the Lab's QUndoStack, so Ctrl+Z and Ctrl+Shift+Z take back and redo any of them.

A command is an operation of the model's `Trainer` (model/state.py) between two
snapshots: the one taken before it, and the one after its first run. Undo restores the
first, redo the second; the rows a restore removes from the end of the history travel
with the command until the other restore needs them back. No command changes the
training state in any other way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import numpy as np
from PySide6 import QtGui

from model.optimizers import Optimizer, OptimizerState
from model.state import Trainer
from model.training import DivergenceError, TrainingConfig
from model.undo import Change, Operation

Announce = Callable[[], None]


def push(stack: QtGui.QUndoStack, command: StateCommand) -> None:
    """`stack.push(command)`, with the merge of consecutive commands (`MERGE_ID`) made
    here. QUndoStack deletes a command that it merges, or that is obsolete, inside
    `push`, and PySide6 then never frees the command's Python side: with a training
    command's snapshots that was 10 MB/s during a Run of 10-100-100-10, without bound.
    As in Qt, a command never merges into the one where the document was saved
    (cleanIndex). Unlike Qt, it does not merge either after an Undo that left entries
    to redo (Qt drops them, then merges): it becomes an entry of its own, which the next
    ones merge into. An obsolete command (it changed nothing) gets no entry, and the
    entries to redo stay."""
    if not command.change.applied:
        command.run_first()
    if command.isObsolete():
        return  # it changed nothing: no entry
    last = _merge_target(stack, command)
    if last is not None and last.mergeWith(command):
        if command.announces_first:
            command.announce()
        stack.indexChanged.emit(stack.index())  # as Qt's merge: the window and autosave
        stack.undoTextChanged.emit(stack.undoText())
        return
    stack.push(command)


def _merge_target(stack: QtGui.QUndoStack, command: StateCommand) -> StateCommand | None:
    index = stack.index()
    if command.MERGE_ID < 0 or index == 0 or index != stack.count():
        return None
    if index == stack.cleanIndex():
        return None
    last = stack.command(index - 1)
    if isinstance(last, StateCommand) and last.MERGE_ID == command.MERGE_ID:
        return last
    return None


class StateCommand(QtGui.QUndoCommand):
    """A `Change` of the trainer on the undo stack (model/undo.py has the rules).

    trainer_of : where the current Trainer is (the Lab may load another one later)
    operation : makes the change; returns the rows it removed from the history's end
    announce : tells the views what changed (after undo and redo; after the first run
        too unless `announce_first` is False, when the caller tells them itself)
    """

    MERGE_ID = -1  # commands of one positive id merge into one entry (see `push`)

    def __init__(
        self,
        trainer_of: Callable[[], Trainer],
        text: str,
        operation: Operation,
        announce: Announce,
        announce_first: bool = True,
    ) -> None:
        super().__init__(text)
        self.change = Change(trainer_of, operation)
        self._announce = announce
        self.announces_first = announce_first
        self._fresh = True  # not on the stack yet

    def run_first(self) -> None:
        """The operation's first run, before the command goes on the stack (whose push
        then only announces it): an error it raises reaches the caller, not Qt."""
        self.change.apply()

    def redo(self) -> None:
        if self._fresh:  # QUndoStack.push: the first run
            self._fresh = False
            if not self.change.applied:
                self.change.apply()
            if self.announces_first:
                self._announce()
            return
        self.change.redo()
        self._announce()

    def undo(self) -> None:
        self.change.undo()
        self._announce()

    def announce(self) -> None:
        """Tell the views what the first run changed (`push` after a merge)."""
        self._announce()


class TrainCommand(StateCommand):
    """Training steps (made here, or adopted from the Run worker); consecutive ones merge
    into one "Train N steps" entry."""

    MERGE_ID = 1

    def __init__(
        self,
        trainer_of: Callable[[], Trainer],
        n: int,
        target_error: float,
        announce: Announce,
        computed: np.ndarray | None = None,
        divergence: str | None = None,
    ) -> None:
        super().__init__(trainer_of, "Train", self._train, announce, announce_first=False)
        self._n = n
        self._target = target_error
        self._computed = computed  # states made elsewhere (Lab.adopt_states)
        self._divergence = divergence
        self.done = 0
        self.error: str | None = None
        self.halt: str | None = None  # why training cannot go on (out of memory)
        self.optimizer_state: OptimizerState | None = None  # after `computed`, where known

    def _train(self, trainer: Trainer) -> None:
        if self._computed is not None:
            try:
                self.done = trainer.adopt(self._computed, self._target, self.optimizer_state)
                self.error = self._divergence
            except MemoryError:  # nothing was adopted: the history is as it was
                self.done = 0
                self.halt = (
                    f"Out of memory: training paused at step {trainer.position}, with every "
                    "state so far kept. Lower the memory budget (Edit → Memory budget…), "
                    "save the session, or Reset, to free memory."
                )
            self._computed = None
        else:
            start = trainer.position
            try:
                trainer.run(self._n, target_error=self._target)
            except DivergenceError as error:
                self.error = str(error)
            except MemoryError:
                # The states made so far are kept (a failed growth of the history
                # changes nothing), and this command still records them: undo stays whole.
                self.halt = (
                    f"Out of memory: training paused at step {trainer.position}, with every "
                    "state so far kept. Save the session, or Reset, to free memory."
                )
            self.done = trainer.position - start
        self._name(self.done)
        if self.done == 0:
            self.setObsolete(True)  # nothing happened: no entry in Edit → Undo

    def mergeWith(self, other: QtGui.QUndoCommand) -> bool:
        if not isinstance(other, TrainCommand) or not self.change.continues(other.change):
            return False
        self.change.absorb(other.change)
        self.done += other.done
        self._name(self.done)
        return True

    def _name(self, steps: int) -> None:
        self.setText(f"Train {steps} step(s)")


class SetConfigCommand(StateCommand):
    """A change of training settings. Consecutive changes of the same setting (the arrows
    of the η spin box, say) merge into one entry."""

    MERGE_ID = 2

    def __init__(
        self, trainer_of: Callable[[], Trainer], new: TrainingConfig, announce: Announce
    ) -> None:
        old = trainer_of().config
        self.fields = tuple(
            f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)
        )
        described = ", ".join(
            f"{name.replace('_', ' ')} {_setting_text(getattr(new, name))}" for name in self.fields
        )
        changes = {name: getattr(new, name) for name in self.fields}
        super().__init__(
            trainer_of, f"Set {described}", lambda t: t.set_config(**changes), announce
        )

    def mergeWith(self, other: QtGui.QUndoCommand) -> bool:
        if not isinstance(other, SetConfigCommand) or other.fields != self.fields:
            return False
        if not self.change.continues(other.change):
            return False
        self.change.absorb(other.change)
        self.setText(other.text())
        return True


def _setting_text(value: object) -> str:
    """How the Edit menu names a setting's new value ("adam", not the dataclass)."""
    return value.name if isinstance(value, Optimizer) else str(value)
