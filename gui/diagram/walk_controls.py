"""The "walk through the step" row under the Network view: ◀ Previous, Play / Pause,
Next ▶ and Result, the pace, and whether every Step is walked through by itself.

It keeps which phase of which step is shown (gui/diagram/walkthrough.py) and moves on
at the chosen pace; the diagram draws what it says (`changed`). Idle, it offers the step
that led to the state shown: Play or Next start there.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from gui.diagram.walkthrough import Phase, step_phases
from model.explain import StepExplanation

# Seconds a phase stays when playing: the default leaves time to read a phase's numbers.
PACES: list[tuple[str, int]] = [("3 s", 3000), ("1.5 s", 1500), ("0.7 s", 700), ("0.2 s", 200)]
DEFAULT_PACE = 1
PLAY = "▶ Walk through"


class WalkControls(QtWidgets.QWidget):
    """Which phase of which step the Network view shows, and the buttons that move it.

    Signals
    -------
    changed : a phase was entered, or the walk ended (the state itself is shown again)
    """

    changed = QtCore.Signal()

    def __init__(
        self,
        explain: Callable[[], StepExplanation | None],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._explain = explain  # the step that led to the state shown, or None
        self.ex: StepExplanation | None = None
        self.phases: list[Phase] = []
        self.index = -1  # the phase shown; -1: none (the state itself)
        self._available = False  # a step to walk through (not at step 0)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._build()
        self._sync()

    def _button(self, name: str, text: str, tip: str) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(False)
        return button

    def _build(self) -> None:
        self.previous = self._button("walkPrevious", "◀", "The previous phase of the step")
        self.play = self._button(
            "walkPlay",
            PLAY,
            "Walk through the step that led here, phase by phase, at the chosen pace "
            "(the forward pass with the old weights, the error, the backward pass, the "
            "update) / pause",
        )
        self.play.setCheckable(True)
        self.next = self._button("walkNext", "▶|", "The next phase of the step")
        self.done = self._button("walkDone", "Result", "Leave the walk: show the state after it")
        self.pace = QtWidgets.QComboBox()
        self.pace.setObjectName("walkPace")
        self.pace.setToolTip("How long each phase of the step stays when playing")
        for label, ms in PACES:
            self.pace.addItem(label, ms)
        self.pace.setCurrentIndex(DEFAULT_PACE)
        self.on_step = QtWidgets.QCheckBox("each Step")
        self.on_step.setObjectName("walkOnStep")
        self.on_step.setToolTip("Walk through each Step as it is taken")
        self.on_step.setChecked(True)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play, self.previous, self.next, self.done):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.pace)
        row.addWidget(self.on_step)
        self.previous.clicked.connect(self.go_previous)
        self.next.clicked.connect(self.go_next)
        self.play.toggled.connect(self._on_play_toggled)
        self.done.clicked.connect(self.stop)
        self.pace.currentIndexChanged.connect(lambda _: self._timer.setInterval(self.interval))

    # -- reading ----------------------------------------------------------------------
    @property
    def walking(self) -> bool:
        return self.index >= 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def phase(self) -> Phase | None:
        return self.phases[self.index] if self.walking else None

    @property
    def interval(self) -> int:
        return int(self.pace.currentData())

    # -- moving -----------------------------------------------------------------------
    def start(self, ex: StepExplanation, play: bool, index: int = 0) -> None:
        """Show phase `index` of step `ex`; `play` moves on by itself at the pace."""
        self.ex = ex
        self.phases = step_phases(len(ex.layers) - 1)
        self.index = index % len(self.phases)
        if play:
            self._timer.start(self.interval)
        else:
            self._timer.stop()
        self._sync()
        self.changed.emit()

    def stop(self) -> None:
        """Leave the walk: the diagram shows the state itself again."""
        was_walking = self.walking
        self._timer.stop()
        self.index = -1
        self.ex = None
        self._sync()
        if was_walking:
            self.changed.emit()

    def go_next(self) -> None:
        self._timer.stop()
        if not self.walking:
            self._start_here(play=False, index=0)
        elif self.index + 1 < len(self.phases):
            self._move(self.index + 1)
        else:
            self.stop()
        self._sync()

    def go_previous(self) -> None:
        self._timer.stop()
        if not self.walking:
            self._start_here(play=False, index=-1)
        elif self.index > 0:
            self._move(self.index - 1)
        self._sync()

    def _start_here(self, play: bool, index: int) -> None:
        ex = self._explain()
        if ex is not None:
            self.start(ex, play, index)

    def _move(self, index: int) -> None:
        self.index = index
        self.changed.emit()

    def _on_play_toggled(self, on: bool) -> None:
        if not on:
            self._timer.stop()
        elif self.walking:
            if self.index + 1 >= len(self.phases):
                self._move(0)
            self._timer.start(self.interval)
        else:
            self._start_here(play=True, index=0)
        self._sync()

    def _tick(self) -> None:
        if self.index + 1 < len(self.phases):
            self._move(self.index + 1)
        else:
            self.stop()

    def set_available(self, available: bool) -> None:
        """Whether there is a step to walk through (not at step 0)."""
        self._available = available
        self._sync()

    def _sync(self) -> None:
        available = self._available or self.walking
        self.play.blockSignals(True)
        self.play.setChecked(self.playing)
        self.play.setText("❚❚ Pause" if self.playing else PLAY)
        self.play.blockSignals(False)
        for button in (self.play, self.next, self.previous):
            button.setEnabled(available)
        self.previous.setEnabled(available and self.index != 0)
        self.done.setEnabled(self.walking)
