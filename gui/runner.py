"""The Run loop: steps in time-boxed chunks in the GUI thread, redraws once per frame.

Each timer tick steps until the next frame is due (the chunk size adapts to the measured
speed, so the clock is read every ~2 ms, not every step), then asks the views to redraw and
returns to the event loop, which paints and answers clicks and keys. A frame therefore
lasts 1/FRAME_RATE s whatever the drawing costs: what drawing leaves over is stepping.
"""

from __future__ import annotations

import time

from PySide6 import QtCore

from gui.lab import Lab

FRAME_RATE = 33.0           # redraws per second while running (the target is >= 30)
MIN_STEP_BUDGET_S = 0.004   # stepping per tick even when drawing took the whole frame
FASTEST = 0                 # speed value meaning "as fast as possible"


class RunLoop(QtCore.QObject):
    """Drives Lab.run_steps from a QTimer.

    Signals
    -------
    runningChanged(bool)
    frame() : time to redraw (at most FRAME_RATE a second while running)
    """

    runningChanged = QtCore.Signal(bool)
    frame = QtCore.Signal()

    def __init__(self, lab: Lab, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.speed = FASTEST          # steps per second; FASTEST = no limit
        self.target_error = 0.0       # stop when E ≤ this (0 = never)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._chunk = 64
        self._last_frame = 0.0
        self._last_tick = 0.0
        self._owed = 0.0              # fractional steps owed at a limited speed
        lab.diverged.connect(self.stop)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = steps_per_second
        if self.running:
            self._timer.setInterval(self._interval_ms())

    def _interval_ms(self) -> int:
        if self.speed == FASTEST:
            return 0
        return int(max(1000.0 / FRAME_RATE, min(1000.0, 1000.0 / self.speed)))

    def start(self) -> None:
        if self.running:
            return
        if self._target_reached():
            self.lab.message.emit("The error is already at or below the target: "
                                  "lower the target to train further.")
            self.runningChanged.emit(False)
            return
        self._last_tick = self._last_frame = time.perf_counter()
        self._owed = 1.0
        self._timer.start(self._interval_ms())
        self.lab.running = True
        self.runningChanged.emit(True)

    def stop(self) -> None:
        """Pause immediately: no step runs after this returns."""
        was_running = self.running
        self._timer.stop()
        self.lab.running = False
        if was_running:
            self.lab.emit_all()
            self.runningChanged.emit(False)

    def toggle(self, on: bool) -> None:
        if on:
            self.start()
        else:
            self.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.speed == FASTEST:
            # Step until the frame is due: the time since the last frame went to drawing.
            due = self._last_frame + 1.0 / FRAME_RATE - now
            self._step_for(max(due, MIN_STEP_BUDGET_S))
            now = time.perf_counter()
        else:
            self._owed += (now - self._last_tick) * self.speed
            self._last_tick = now
            n = int(self._owed)
            self._owed -= n
            if n:
                self._step_exactly(n)
        if not self.running:
            return
        if self._target_reached():
            self.stop()
            self.lab.message.emit("Reached the target error: run paused.")
            return
        if now - self._last_frame >= 1.0 / FRAME_RATE - 0.001:
            self._last_frame = now
            self.lab.emit_all()
            self.frame.emit()

    def _step_for(self, budget: float) -> None:
        start = time.perf_counter()
        while self.running:
            t0 = time.perf_counter()
            if not self._step_exactly(self._chunk):
                return
            elapsed = time.perf_counter() - t0
            # Chunks of 2-5 ms: the budget is kept without a clock call per step, and the
            # fixed cost of a chunk (an undo command, the fast path's set-up) stays small.
            if elapsed < 0.002:
                self._chunk = min(self._chunk * 2, 1 << 20)
            elif elapsed > 0.005 and self._chunk > 1:
                self._chunk //= 2
            if time.perf_counter() - start >= budget:
                return

    def _step_exactly(self, n: int) -> bool:
        """n steps; False if the run must stop (a divergence, or the target error met)."""
        done = self.lab.run_steps(n, emit=False, target_error=self.target_error)
        return done == n and not self._target_reached()

    def _target_reached(self) -> bool:
        trainer = self.lab.trainer
        return self.target_error > 0 and \
            trainer.history.error_at(trainer.position) <= self.target_error


class Throttle:
    """Says whether a view may redraw now: always when idle, every `interval` s in a run."""

    def __init__(self, lab: Lab, interval: float) -> None:
        self.lab = lab
        self.interval = interval
        self._last = 0.0

    def ready(self) -> bool:
        now = time.perf_counter()
        if self.lab.running and now - self._last < self.interval:
            return False
        self._last = now
        return True
