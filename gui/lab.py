"""The window's document: one Trainer, its undo stack, and Qt signals for the views.

The Trainer (model/state.py) owns the training state and is the only thing that changes
it. Widgets call a method here, which validates, pushes an undoable command (an operation
of the Trainer between two snapshots, gui/commands.py) and emits the signals that the
views listen to: data flows one way, widgets → Lab → Trainer → signals → widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6 import QtCore, QtGui

from gui.commands import Announce, SetConfigCommand, StateCommand, TrainCommand, push
from gui.compare.runs import ComparedRuns
from model.network import Network, check_architecture, initial_weights
from model.optimizers import OptimizerState
from model.quiz_settings import QuizSettings
from model.session import Session, check_size
from model.state import Trainer
from model.training import Dataset, TrainingConfig
from model.undo import Operation, fit_undo

UNDO_SHORTENED = (
    "Undo history shortened to stay within the memory budget (Edit → Memory budget…): "
    "what came before cannot be undone."
)


class Lab(QtCore.QObject):
    """The document behind the main window.

    Signals
    -------
    positionChanged : the state shown changed (step, back, seek, reset, edit)
    historyChanged : rows were appended to or removed from the history
    structureChanged : layers, data shape or the whole session changed
    configChanged : a training setting changed
    message(str) : something for the status bar
    diverged(str) : a step produced NaN/inf; the last finite state was kept
    halted(str) : training cannot go on for another reason (out of memory); states kept
    """

    positionChanged = QtCore.Signal()
    historyChanged = QtCore.Signal()
    structureChanged = QtCore.Signal()
    configChanged = QtCore.Signal()
    message = QtCore.Signal(str)
    diverged = QtCore.Signal(str)
    halted = QtCore.Signal(str)

    def __init__(
        self,
        session: Session,
        parent: QtCore.QObject | None = None,
        trainer: Trainer | None = None,
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QtGui.QUndoStack(self)
        self.title = session.title
        # Set by the run loop: views may then redraw less often than every frame.
        self.running = False
        # `trainer`: the session's, made already (within the memory budget, on opening).
        self.trainer: Trainer = session.to_trainer() if trainer is None else trainer
        # The quiz (gui/quiz_panel.py): its settings, saved with the session, and the
        # question it asks before a Step (False: the Step waits for the answers).
        self.quiz = session.quiz or QuizSettings()
        self.step_gate: Callable[[], bool] | None = None
        # Runs compared with this one (gui/compare/runs.py): they follow its every move.
        self.compared = ComparedRuns(self)
        self.compared.load(session.comparison)

    # -- whole sessions -------------------------------------------------------------------
    def load(self, session: Session, trainer: Trainer | None = None) -> None:
        """Replace the document (New from example, Open); the undo stack starts afresh.
        `trainer`: the session's, made already (within the memory budget, on opening)."""
        self.trainer = session.to_trainer() if trainer is None else trainer
        self.title = session.title
        self.quiz = session.quiz or QuizSettings()
        self.undo_stack.clear()
        self.compared.load(session.comparison)
        self.structureChanged.emit()
        self.configChanged.emit()
        self._emit_moved()

    # -- navigation -----------------------------------------------------------------------
    @property
    def position(self) -> int:
        return self.trainer.position

    @property
    def last_step(self) -> int:
        return self.trainer.last_step

    def step(self) -> bool:
        """One update; False (with a message) if it diverged, or if `step_gate` holds it
        (the quiz asks its questions first)."""
        if self.step_gate is not None and not self.step_gate():
            return False
        return self.run_steps(1) == 1

    def run_steps(self, n: int, emit: bool = True, target_error: float = 0.0) -> int:
        """Up to n updates, as one undoable command (consecutive ones merge into one
        "Train" entry). Stops at a divergence, and at the first state whose error is at or
        below `target_error` (> 0). Emits the signals unless emit=False (the run loop
        emits once per frame instead). Returns the number of updates kept."""
        self._discard_later_states()
        return self._train(self._train_command(n, target_error), emit)

    def adopt_states(
        self,
        rows: np.ndarray,
        divergence: str | None = None,
        target_error: float = 0.0,
        optimizer_state: OptimizerState | None = None,
    ) -> int:
        """`run_steps` for updates a background process made from the current state with
        the current settings: the same undoable command, without computing them again.
        `divergence` is the message of the step that ended them, if one did. Emits only
        on a divergence (the run loop emits once per frame)."""
        self._discard_later_states()
        command = self._train_command(len(rows), target_error, rows, divergence)
        command.optimizer_state = optimizer_state
        return self._train(command, emit=False)

    def _train_command(
        self,
        n: int,
        target_error: float,
        rows: np.ndarray | None = None,
        divergence: str | None = None,
    ) -> TrainCommand:
        return TrainCommand(self._current, n, target_error, self.emit_all, rows, divergence)

    def _train(self, command: TrainCommand, emit: bool) -> int:
        """Push a command made after the later states were discarded (its snapshot from
        before must not hold them)."""
        push(self.undo_stack, command)
        self.fit_undo()
        if command.halt is not None:
            self._emit_moved()
            self.message.emit(command.halt)
            self.halted.emit(command.halt)
        elif command.error is not None:
            self._emit_moved()
            self.diverged.emit(command.error)
        elif emit:
            self._emit_moved()
        return command.done

    def step_back(self) -> None:
        """Discard the current state and show the previous one (undoable)."""
        position = self.trainer.position
        if position == 0:
            self.message.emit("Already at step 0: nothing to step back to.")
            return
        self._push(f"Step back from step {position}", lambda t: t.truncate(position - 1))

    def seek(self, step: int) -> None:
        """Show the state after `step` updates; later states stay until the next Step."""
        step = int(np.clip(step, 0, self.last_step))
        if step != self.trainer.position:
            self.trainer.seek(step)
            self.positionChanged.emit()

    def reset(self) -> None:
        """Back to step 0 with the history cleared (undoable: Ctrl+Z brings it back)."""
        if self.last_step == 0:
            return
        self._push(f"Reset (discard {self.last_step} steps)", Trainer.reset)

    def emit_all(self) -> None:
        self._emit_moved()

    def _emit_moved(self) -> None:
        self.historyChanged.emit()
        self.positionChanged.emit()

    def _discard_later_states(self) -> None:
        later = self.last_step - self.trainer.position
        if later > 0:
            position = self.trainer.position
            self._push(
                f"Continue from step {position} (discard {later} later steps)",
                lambda t: t.truncate(position),
            )

    def _current(self) -> Trainer:
        return self.trainer

    def _push(
        self,
        text: str,
        operation: Operation,
        announce: Announce | None = None,
    ) -> bool:
        """Run `operation` as an undoable command; False (with the message, nothing
        changed) if the Trainer refuses it."""
        command = StateCommand(self._current, text, operation, announce or self.emit_all)
        try:
            command.run_first()
        except ValueError as error:
            self.message.emit(str(error))
            return False
        push(self.undo_stack, command)
        self.fit_undo()
        return True

    def fit_undo(self) -> None:
        """Keep what the undo stack holds within the memory budget's undo share: the
        oldest commands' rows are thinned first (their states are replayed when undone,
        exactly); where that cannot be enough (rows replay cannot make), the undo stack
        is cleared, with a message — never left half-way."""
        budget = self.trainer.budget
        stack = self.undo_stack
        if budget is None or stack.count() == 0:
            return
        changes = []
        for i in range(stack.count()):
            command = stack.command(i)
            if isinstance(command, StateCommand):
                changes.append(command.change)
        if not fit_undo(changes, self.trainer.history, budget.undo_bytes):
            stack.clear()
            self.message.emit(UNDO_SHORTENED)

    # -- edits (each an undoable command) -------------------------------------------------
    def set_parameter(self, layer: int, kind: str, row: int, col: int, value: float) -> bool:
        """Set W[layer][row, col] (kind 'W') or b[layer][row] (kind 'b'); layer is 1-based.
        False (with a message) if the value would make the error infinite."""
        return self.set_parameters({self.flat_index(layer, kind, row, col): value})

    def set_parameters(self, values: dict[int, float], text: str | None = None) -> bool:
        """Several parameters (flat indices) at once, as one undoable edit of the current
        state; False (with a message, nothing changed) if the error would be infinite."""
        theta = self.trainer.network.get_flat()
        changed = {i: v for i, v in values.items() if theta[i] != v}
        if not changed:
            return True
        for index, value in changed.items():
            theta[index] = value
        if text is None:
            names = self.trainer.network.parameter_names()
            first = next(iter(changed))
            text = (
                f"Edit {names[first]}" if len(changed) == 1 else f"Edit {len(changed)} parameters"
            )
        if not self._error_is_finite(self.trainer.network, self.trainer.data, theta):
            return False
        return self._push(text, lambda t: t.set_parameters(theta))

    def _error_is_finite(
        self, network: Network, data: Dataset, theta: np.ndarray | None = None
    ) -> bool:
        if theta is not None:
            network = network.copy()
            network.set_flat(theta)
        with np.errstate(all="ignore"):
            error = network.error(data.inputs, data.targets, self.trainer.config.loss)
        if not np.isfinite(error):
            self.message.emit(
                "That value would make the error infinite (the outputs "
                "overflow or the loss is undefined): kept the old value."
            )
            return False
        return True

    def set_sample_value(self, row: int, col: int, value: float) -> bool:
        """Set inputs[row, col] (col < n_in) or targets[row, col - n_in]; False (with a
        message) if the value would make the error infinite."""
        return self.set_sample_values([(row, col, value)], f"Edit sample {row + 1}")

    def set_sample_values(self, changes: list[tuple[int, int, float]], text: str) -> bool:
        """Several cells of the data table at once (a paste), as one undoable edit; False
        (with a message, nothing changed) if the values would make the error infinite."""
        data = self.trainer.data.copy()
        n_in = data.inputs.shape[1]
        for row, col, value in changes:
            array, column = (data.inputs, col) if col < n_in else (data.targets, col - n_in)
            array[row, column] = value
        current = self.trainer.data
        if np.array_equal(data.inputs, current.inputs) and np.array_equal(
            data.targets, current.targets
        ):
            return True
        if not self._error_is_finite(self.trainer.network, data):
            return False
        return self._replace_data(data, text)

    def add_sample(self) -> None:
        """Append a sample (a copy of the last one, to be edited)."""
        data = self.trainer.data
        new = Dataset(
            np.vstack([data.inputs, data.inputs[-1:]]),
            np.vstack([data.targets, data.targets[-1:]]),
        )
        self._replace_data(new, f"Add sample {new.n_samples}")

    def remove_sample(self, row: int) -> None:
        data = self.trainer.data
        if data.n_samples == 1:
            self.message.emit("The data needs at least one sample.")
            return
        new = Dataset(np.delete(data.inputs, row, axis=0), np.delete(data.targets, row, axis=0))
        self._replace_data(new, f"Remove sample {row + 1}")

    def _replace_data(self, data: Dataset, text: str, reshaped: bool = False) -> bool:
        # A reset of the table models would close an open cell editor mid-commit, so only
        # a change of shape (a sample added or removed) counts as a structure change.
        reshaped = reshaped or data.n_samples != self.trainer.data.n_samples
        return self._push(text, lambda t: t.replace_data(data), self._announce_data(reshaped))

    def _announce_data(self, reshaped: bool) -> Announce:
        def announce() -> None:
            if reshaped:
                self.structureChanged.emit()
            self.emit_all()

        return announce

    def set_activation(self, layer: int, name: str) -> bool:
        """Change layer `layer`'s activation (1-based); False with a message if the rule
        cannot train it (e.g. backprop through the step function)."""
        network = self.trainer.network
        if network.activations[layer - 1] == name:
            return True
        candidate = network.copy()
        candidate.activations[layer - 1] = name
        try:
            self.trainer.config.validate(candidate, self.trainer.data.n_samples)
        except ValueError as error:
            self.message.emit(str(error))
            self.configChanged.emit()
            return False
        return self._push(
            f"Layer {layer} activation: {name}",
            lambda t: t.set_activation(layer, name),
            self._announce_config_and_state,
        )

    def _announce_config_and_state(self) -> None:
        self.configChanged.emit()
        self.emit_all()

    def _announce_setup(self) -> None:
        self.structureChanged.emit()
        self._announce_config_and_state()

    def set_architecture(
        self, layers: list[int], activations: list[str], init: str = "uniform", seed: int = 0
    ) -> bool:
        """A new network on the same data, with weights drawn by `init` from `seed`
        (undoable; a new history starts). The input and output sizes must fit the data.
        A hidden layer needs backprop, so the lecture's rule gives way to it."""
        data = self.trainer.data
        try:
            check_size(layers)
            check_architecture(layers, activations)
            if layers[0] != data.inputs.shape[1] or layers[-1] != data.targets.shape[1]:
                raise ValueError(
                    f"the data has {data.inputs.shape[1]} inputs and "
                    f"{data.targets.shape[1]} outputs per sample, so the network "
                    f"must start with {data.inputs.shape[1]} and end with "
                    f"{data.targets.shape[1]} neurons"
                )
            weights, biases = initial_weights(layers, init, seed)
            network = Network(list(layers), list(activations), weights, biases)
            config = self._config_for(network)
        except ValueError as error:
            self.message.emit(f"Architecture not changed: {error}")
            return False
        shape = "-".join(map(str, layers))
        return self._replace_setup(network, data, config, f"Network {shape} ({init}, seed {seed})")

    def set_test_split(self, fraction: float, seed: int) -> bool:
        """Hold out round(fraction × P) samples, drawn from `seed`, as a test set (0: no
        test set; the samples held out before join the training samples again). Undoable;
        a new history starts, with a test_error column."""
        data = self.trainer.data
        if data.test_inputs is not None and data.test_targets is not None:
            data = Dataset(
                np.vstack([data.inputs, data.test_inputs]),
                np.vstack([data.targets, data.test_targets]),
            )
        try:
            new = data if fraction == 0 else data.split(fraction, seed)
        except ValueError as error:
            self.message.emit(f"Test set not changed: {error}")
            self.configChanged.emit()
            return False
        if new.has_test_set:
            assert new.test_inputs is not None
            text = f"Test set: {len(new.test_inputs)} of {data.n_samples} samples (seed {seed})"
        else:
            text = "No test set"
        return self._replace_data(new, text, reshaped=True)

    def set_dataset(self, data: Dataset, text: str) -> bool:
        """New samples (a built-in dataset or an imported file), undoable; a new history
        starts. If their input or output count differs, the network's first or last layer
        is resized and its weights drawn afresh (uniform, seed 0), which the status bar says."""
        network = self.trainer.network
        layers = [data.inputs.shape[1], *network.layers[1:-1], data.targets.shape[1]]
        try:
            check_size(layers)
        except ValueError as error:
            self.message.emit(f"Data not changed: {error}")
            return False
        if layers != network.layers:
            weights, biases = initial_weights(layers, "uniform", 0)
            network = Network(layers, list(network.activations), weights, biases)
            self.message.emit(
                f"The network is now {'-'.join(map(str, layers))} to fit the "
                "data, with new random weights."
            )
        else:
            network = network.copy()
        try:
            config = self._config_for(network)
        except ValueError as error:
            self.message.emit(f"Data not changed: {error}")
            return False
        return self._replace_setup(network, data, config, text)

    def _config_for(self, network: Network) -> TrainingConfig:
        config = self.trainer.config
        if config.rule == "delta" and network.depth > 1:
            config = replace(config, rule="backprop")
        config.validate(network)
        return config

    def _replace_setup(
        self, network: Network, data: Dataset, config: TrainingConfig, text: str
    ) -> bool:
        if not self._error_is_finite(network, data):
            return False
        return self._push(
            text, lambda t: t.replace_setup(network, data, config), self._announce_setup
        )

    def parameter_location(self, name: str) -> tuple[int, str, int, int]:
        """(layer, kind, row, col) of a parameter named as in the history's columns."""
        parameter = self.trainer.network.layout.by_name(name)
        return parameter.layer, parameter.kind, parameter.row, parameter.col

    def flat_index(self, layer: int, kind: str, row: int, col: int) -> int:
        """Position of a parameter in Network.get_flat() (the history's columns)."""
        return self.trainer.network.layout.index(layer, kind, row, col)

    # -- settings -------------------------------------------------------------------------
    def set_config(self, **changes: object) -> bool:
        """Change training settings (undoable; later steps use them, earlier ones keep
        theirs); False (with a message) if they do not fit the network."""
        new = replace(self.trainer.config, **changes)  # type: ignore[arg-type]
        if new == self.trainer.config:
            return True
        try:
            new.validate(self.trainer.network, self.trainer.data.n_samples)
        except ValueError as error:
            self.message.emit(str(error))
            self.configChanged.emit()  # views re-read the old value
            return False
        push(self.undo_stack, SetConfigCommand(self._current, new, self.configChanged.emit))
        return True
