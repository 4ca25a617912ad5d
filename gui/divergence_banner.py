"""The divergence banner: shown when a step produced NaN or infinity, it says where the
error started to explode and offers to go back there (or to a step of one's choice)
with half the learning rate.

The last finite state the trainer keeps is usually absurd already (parameters near
1e151): halving η there, the next step diverges again. So the banner offers the state
before the explosion (`model.divergence.last_sane_state`), through the Lab's public
operations: `seek` (the timeline moves there) and `set_config` (undoable). It goes away
as soon as what it talks about is gone: the history it describes (Reset, Back, a new
example or file, a Step from an earlier state) or the settings (a new η, say).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6 import QtWidgets

from gui.lab import Lab
from model.divergence import SaneState, last_sane_state
from model.history import History
from model.numbers import format_number
from model.state import Trainer
from model.training import TrainingConfig


class DivergenceBanner(QtWidgets.QFrame):
    """Why the run stopped, and a one-click way on from a state worth continuing."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.setObjectName("divergenceBanner")
        self.setStyleSheet(
            "#divergenceBanner { background: #FDECEA; border: 1px solid #E57373;"
            " border-radius: 4px; }"
        )
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("divergenceText")
        self.label.setWordWrap(True)
        self.step_spin = QtWidgets.QSpinBox()
        self.step_spin.setObjectName("divergenceStepSpin")
        self.step_spin.setToolTip("The state to continue from (any step of the history)")
        self.halve = QtWidgets.QPushButton()
        self.halve.setObjectName("halveLearningRateButton")
        self.halve.setToolTip(
            "Show that state (the timeline moves there) and halve the learning rate "
            "(undoable); the next Step continues from it"
        )
        dismiss = QtWidgets.QPushButton("Dismiss")
        dismiss.setObjectName("dismissDivergenceButton")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Go back to step"))
        row.addWidget(self.step_spin)
        row.addWidget(self.halve)
        row.addStretch(1)
        row.addWidget(dismiss)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.step_spin.valueChanged.connect(lambda _: self._label_button())
        self.halve.clicked.connect(self._on_halve_clicked)
        dismiss.clicked.connect(self.hide)
        # What the message is about: the state it goes away with.
        self._trainer: Trainer | None = None
        self._history: History | None = None
        self._length = 0
        self._last_row = np.empty(0)
        self._config: TrainingConfig | None = None
        lab.diverged.connect(self.show_message)
        lab.configChanged.connect(self._check_still_true)
        lab.structureChanged.connect(self._check_still_true)
        lab.historyChanged.connect(self._check_still_true)
        lab.positionChanged.connect(self._check_still_true)
        self.hide()

    def show_message(self, text: str) -> None:
        """`text`: the Lab's message about the step that diverged."""
        trainer = self.lab.trainer
        history = trainer.history
        self._trainer, self._history, self._length = trainer, history, len(history)
        self._last_row = history.row(len(history) - 1)
        self._config = trainer.config
        rows = history.stored_rows  # every state, or those a memory budget keeps
        sane = last_sane_state(history.errors, rows[:, :-1])
        sane = replace(sane, step=int(history.steps[sane.step]))
        self.step_spin.blockSignals(True)
        self.step_spin.setRange(0, len(history) - 1)
        self.step_spin.setValue(sane.step)
        self.step_spin.blockSignals(False)
        text = text[:1].upper() + text[1:]
        self.label.setText(f"<b>Training diverged.</b> {text}<br/>{self.advice(sane)}")
        self._label_button()
        self.show()

    def advice(self, sane: SaneState) -> str:
        """Where to go back to, and why there."""
        last = self._length - 1
        if sane.step == last:
            return (
                f"Step {last} is still sane (E = {format_number(sane.error)}): go on from "
                "it with a smaller learning rate, or from an earlier step."
            )
        assert self._history is not None
        largest = float(np.max(np.abs(self._last_row), initial=0.0))
        return (
            f"The error started to explode after step {sane.step} "
            f"(E = {format_number(sane.error)} there); by step {last} it had reached "
            f"E = {format_number(self._history.error_at(last))}, with parameters as large "
            f"as {format_number(largest)}. From there the next step diverges again: go "
            f"back to step {sane.step} (or choose another) with a smaller η."
        )

    def _label_button(self) -> None:
        rate = self.lab.trainer.config.learning_rate
        self.halve.setText(f"and halve η ({format_number(rate)} → {format_number(rate / 2)})")

    def _check_still_true(self) -> None:
        """Hide once the history or the settings the message is about are gone."""
        if not self.isVisible() and self._trainer is None:
            return
        trainer = self.lab.trainer
        history = trainer.history
        same = (
            trainer is self._trainer
            and history is self._history
            and len(history) == self._length
            and trainer.config == self._config
            and np.array_equal(history.row(self._length - 1), self._last_row)
        )
        if not same:
            self._forget()

    def _forget(self) -> None:
        self._trainer = self._history = self._config = None
        self.hide()

    def _on_halve_clicked(self) -> None:
        step = self.step_spin.value()
        rate = self.lab.trainer.config.learning_rate / 2
        self.lab.seek(step)
        if self.lab.set_config(learning_rate=rate):
            self.lab.message.emit(
                f"Back at step {step}, learning rate halved to η = {format_number(rate)}. "
                "Step or Run continues from here and discards the later states "
                "(Ctrl+Z brings them back)."
            )
        self._forget()
