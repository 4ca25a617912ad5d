"""The Lab's undoable commands: every change of the document is one of these on its
QUndoStack, so Ctrl+Z and Ctrl+Shift+Z can take back and redo any of them exactly.

Each remembers what it needs to go both ways (the rows it removed, the objects it
replaced); `LabCommand` also restores the trainer's settings log, which says what
settings made each step.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtGui

from model.history import History
from model.network import Network
from model.training import Dataset, DivergenceError, TrainingConfig

if TYPE_CHECKING:
    from gui.lab import Lab


class LabCommand(QtGui.QUndoCommand):
    """An undoable change of the Lab. Every change of the history goes through the undo
    stack, so the states each command remembers are there when it is undone or redone.

    Subclasses implement `do` (the first time), `redo_again` (after an undo) and `revert`;
    this class also restores the trainer's settings log, which says what settings made
    each step, and then tells the views (`announce`)."""

    def __init__(self, lab: Lab, text: str) -> None:
        super().__init__(text)
        self._lab = lab
        self._log_before = lab.trainer.config_log
        self._log_after: list[tuple[int, TrainingConfig]] | None = None

    def do(self) -> None:
        raise NotImplementedError

    def redo_again(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def announce(self) -> None:
        self._lab.emit_all()

    def redo(self) -> None:
        if self._log_after is None:
            self.do()
            self._log_after = self._lab.trainer.config_log
        else:
            self.redo_again()
            self._lab.trainer.config_log = self._log_after
        self.announce()

    def undo(self) -> None:
        self.revert()
        self._lab.trainer.config_log = self._log_before
        self.announce()


class TrainCommand(LabCommand):
    """Training steps; consecutive ones merge into one "Train N steps" entry."""

    MERGE_ID = 1

    def __init__(
        self,
        lab: Lab,
        n: int,
        target_error: float,
        computed: np.ndarray | None = None,
        divergence: str | None = None,
    ) -> None:
        super().__init__(lab, "Train")
        self._n = n
        self._target = target_error
        self._computed = computed  # states made elsewhere (Lab.adopt_states)
        self._divergence = divergence
        self._start = lab.trainer.position
        self._end = self._start
        self._rows: np.ndarray | None = None  # the states, while undone
        self.done = 0
        self.error: str | None = None

    def id(self) -> int:
        return self.MERGE_ID

    def announce(self) -> None:
        pass  # Lab.run_steps emits (or the run loop, once per frame)

    def do(self) -> None:
        trainer = self._lab.trainer
        if self._computed is not None:
            trainer.adopt(self._computed)
            self._computed = None
            self.error = self._divergence
        else:
            try:
                trainer.run(self._n)
            except DivergenceError as error:
                self.error = str(error)
        if self._target > 0:
            errors = trainer.history.errors[self._start + 1 :]
            hits = np.flatnonzero(errors <= self._target)
            if hits.size:
                trainer.history.truncate(self._start + 2 + int(hits[0]))
                trainer.seek(len(trainer.history) - 1)
        self._end = trainer.position
        self.done = self._end - self._start
        self._name()
        if self.done == 0:
            self.setObsolete(True)  # nothing happened: no entry in Edit → Undo

    def redo_again(self) -> None:
        trainer = self._lab.trainer
        assert self._rows is not None
        trainer.history.extend(self._rows)
        self._rows = None
        trainer.seek(self._end)

    def revert(self) -> None:
        trainer = self._lab.trainer
        self._rows = trainer.history.rows_after(self._start)
        trainer.history.truncate(self._start + 1)
        trainer.seek(self._start)

    def redo(self) -> None:
        again = self._log_after is not None
        super().redo()
        if again:
            self._lab.emit_all()

    def undo(self) -> None:
        super().undo()
        self._lab.emit_all()

    def mergeWith(self, other: QtGui.QUndoCommand) -> bool:
        if not isinstance(other, TrainCommand) or other._start != self._end:
            return False
        self._end = other._end
        self._log_after = other._log_after
        self.done = self._end - self._start
        self._name()
        return True

    def _name(self) -> None:
        self.setText(f"Train {self._end - self._start} step(s)")


class SetConfigCommand(LabCommand):
    """A change of training settings. Consecutive changes of the same setting (the arrows
    of the η spin box, say) merge into one entry."""

    MERGE_ID = 2

    def __init__(self, lab: Lab, new: TrainingConfig) -> None:
        old = lab.trainer.config
        self._fields = tuple(
            f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)
        )
        described = ", ".join(
            f"{name.replace('_', ' ')} {getattr(new, name)}" for name in self._fields
        )
        super().__init__(lab, f"Set {described}")
        self._configs = (old, new)

    def id(self) -> int:
        return self.MERGE_ID

    def _apply(self, config: TrainingConfig) -> None:
        self._lab.trainer.set_config(**{f.name: getattr(config, f.name) for f in fields(config)})

    def do(self) -> None:
        self._apply(self._configs[1])

    redo_again = do

    def revert(self) -> None:
        self._apply(self._configs[0])

    def announce(self) -> None:
        self._lab.configChanged.emit()

    def mergeWith(self, other: QtGui.QUndoCommand) -> bool:
        if not isinstance(other, SetConfigCommand) or other._fields != self._fields:
            return False
        self._configs = (self._configs[0], other._configs[1])
        self._log_after = other._log_after
        self.setText(other.text())
        return True


class StepBackCommand(LabCommand):
    """Back: discard the current state and every later one; undo brings them back."""

    def __init__(self, lab: Lab) -> None:
        super().__init__(lab, f"Step back from step {lab.trainer.position}")
        self._position = lab.trainer.position
        self._rows: np.ndarray | None = None

    def do(self) -> None:
        trainer = self._lab.trainer
        self._rows = trainer.history.rows_after(self._position - 1)
        trainer.history.truncate(self._position)
        trainer.seek(self._position - 1)

    redo_again = do

    def revert(self) -> None:
        trainer = self._lab.trainer
        assert self._rows is not None
        trainer.history.extend(self._rows)
        trainer.seek(self._position)


class ReplaceHistoryCommand(LabCommand):
    """Swap in another History (Reset, Continue from an earlier step); undo swaps back.

    Only references are kept, so undoing a Reset of a 10-million-step run copies nothing.
    """

    def __init__(self, lab: Lab, history: History, position: int, text: str) -> None:
        super().__init__(lab, text)
        self._new = (history, position)
        self._old = (lab.trainer.history, lab.trainer.position)

    def do(self) -> None:
        self._lab.trainer.replace_history(*self._new)

    redo_again = do

    def revert(self) -> None:
        self._lab.trainer.replace_history(*self._old)


class EditParameterCommand(LabCommand):
    """A parameter edit replaces the current state; the states after it are discarded and
    come back on undo (shared/DESIGN.md, Contract 1, Editing)."""

    def __init__(self, lab: Lab, theta: np.ndarray, text: str | None = None) -> None:
        history = lab.trainer.history
        self._position = lab.trainer.position
        self._old_row = history.row(self._position)
        changed = np.flatnonzero(self._old_row != theta)
        if text is None:
            names = lab.trainer.network.parameter_names()
            text = (
                f"Edit {names[changed[0]]}"
                if len(changed) == 1
                else f"Edit {len(changed)} parameters"
            )
        super().__init__(lab, text)
        self._new_row = theta.copy()
        self._old_error = history.error_at(self._position)
        self._discarded = history.rows_after(self._position)

    def do(self) -> None:
        trainer = self._lab.trainer
        trainer.seek(self._position)
        trainer.history.truncate(self._position + 1)
        trainer.network.set_flat(self._new_row.copy())
        trainer.history.set_row(self._position, self._new_row, trainer.current_error())

    redo_again = do

    def revert(self) -> None:
        trainer = self._lab.trainer
        trainer.history.truncate(self._position + 1)
        trainer.history.set_row(self._position, self._old_row, self._old_error)
        trainer.history.extend(self._discarded)
        trainer.seek(self._position)


class _RestartCommand(LabCommand):
    """An edit that starts a new history from the current parameters (data or
    architecture). The first redo makes that History; a later redo reuses the same object,
    which the commands after this one were recorded against."""

    def __init__(self, lab: Lab, text: str) -> None:
        super().__init__(lab, text)
        self._old_history = (lab.trainer.history, lab.trainer.position)
        self._new_history: History | None = None

    def apply_edit(self, undo: bool) -> None:
        raise NotImplementedError

    def do(self) -> None:
        trainer = self._lab.trainer
        trainer.seek(self._old_history[1])
        self.apply_edit(undo=False)
        trainer.restart_history()
        self._new_history = trainer.history

    def redo_again(self) -> None:
        assert self._new_history is not None
        self.apply_edit(undo=False)
        self._lab.trainer.replace_history(self._new_history, 0)

    def revert(self) -> None:
        self.apply_edit(undo=True)
        self._lab.trainer.replace_history(*self._old_history)


class ReplaceDataCommand(_RestartCommand):
    """A data edit (a cell, a new or removed sample); undo restores the old data and the
    old history object (no copy)."""

    def __init__(self, lab: Lab, data: Dataset, text: str) -> None:
        super().__init__(lab, text)
        self._datasets = (lab.trainer.data, data)

    def apply_edit(self, undo: bool) -> None:
        self._lab.trainer.data = self._datasets[0 if undo else 1]

    def announce(self) -> None:
        # A reset of the table models would close an open cell editor mid-commit, so only
        # a change of shape (a sample added or removed) counts as a structure change.
        if self._datasets[0].n_samples != self._datasets[1].n_samples:
            self._lab.structureChanged.emit()
        self._lab.emit_all()


class ActivationCommand(_RestartCommand):
    """A layer's activation changes the architecture; undo restores it and the old history."""

    def __init__(self, lab: Lab, layer: int, name: str) -> None:
        super().__init__(lab, f"Layer {layer} activation: {name}")
        self._layer = layer
        self._names = (lab.trainer.network.activations[layer - 1], name)

    def apply_edit(self, undo: bool) -> None:
        self._lab.trainer.network.activations[self._layer - 1] = self._names[0 if undo else 1]

    def announce(self) -> None:
        self._lab.configChanged.emit()
        self._lab.emit_all()


class ReplaceSetupCommand(_RestartCommand):
    """A new network, data and settings at once (architecture editor, datasets); undo puts
    the old ones and their history back."""

    def __init__(
        self, lab: Lab, network: Network, data: Dataset, config: TrainingConfig, text: str
    ) -> None:
        super().__init__(lab, text)
        trainer = lab.trainer
        self._setups = ((trainer.network, trainer.data, trainer.config), (network, data, config))

    def apply_edit(self, undo: bool) -> None:
        network, data, config = self._setups[0 if undo else 1]
        trainer = self._lab.trainer
        trainer.network, trainer.data = network, data
        trainer.set_config(**{f.name: getattr(config, f.name) for f in fields(config)})

    def announce(self) -> None:
        self._lab.structureChanged.emit()
        self._lab.configChanged.emit()
        self._lab.emit_all()
