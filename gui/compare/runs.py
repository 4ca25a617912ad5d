"""The window's compared runs (model/comparison.py), kept at run 1's step.

The Lab owns one `ComparedRuns`. It listens to the Lab's own signals: whenever run 1
moves — Step, Run, Back, the timeline, undo, an edit — the other runs follow it. Catching
up is done in slices of a few milliseconds, so a long way to go (a reopened session, a
jump to the end of a long history) never freezes the window; `changed` tells the views.

While Run trains the runs in the worker process (gui/runner.py), it holds them (`hold`):
the runner adopts their rows (`adopt`) with run 1's, and following only moves them and
forgets states — it trains none, so that the worker's rows continue from their states.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore

from model.comparison import Comparison, ComparisonPlan, RunPlan
from model.optimizers import OptimizerState

if TYPE_CHECKING:
    from gui.lab import Lab

SLICE_SECONDS = 0.02  # training done for the other runs per event-loop turn, at most
FIRST_SLICE_STEPS = 256


class ComparedRuns(QtCore.QObject):
    """Signals: changed() — runs began, ended, moved or stopped."""

    changed = QtCore.Signal()

    def __init__(self, lab: Lab) -> None:
        super().__init__(lab)
        self.lab = lab
        self.comparison: Comparison | None = None
        self._slice_steps = FIRST_SLICE_STEPS
        self._held = False  # the Run worker trains the runs: following trains none
        self._deferred = 0  # inside `deferred()`: following waits until its end
        self._followed: tuple[object, ...] | None = None  # the state the runs last reached
        self._missed = False
        self._pending = QtCore.QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self.follow)
        lab.positionChanged.connect(self.follow)
        lab.historyChanged.connect(self.follow)
        lab.structureChanged.connect(self.follow)

    # -- beginning and ending ---------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.comparison is not None

    def start(self, plans: Sequence[RunPlan], origin: int | None = None) -> bool:
        """Fork the runs from run 1's current state (or `origin`); False with a message
        if a plan cannot train this network."""
        try:
            self.comparison = Comparison.fork(self.lab.trainer, plans, origin)
        except ValueError as error:
            self.lab.message.emit(f"Comparison not started: {error}")
            return False
        self.lab.message.emit(
            f"Comparing {len(plans) + 1} runs from step {self.comparison.origin}: "
            "Step, Run, Back and the timeline move them all."
        )
        self.follow()
        return True

    def load(self, plan: ComparisonPlan | None) -> None:
        """The comparison a session carries (None: none)."""
        self.comparison = None
        if plan is not None:
            self.start(plan.plans, plan.origin)
        self.changed.emit()

    def end(self, why: str = "") -> None:
        if self.comparison is None:
            return
        self.comparison = None
        self._pending.stop()
        if why:
            self.lab.message.emit(why)
        self.changed.emit()

    def plan(self) -> ComparisonPlan | None:
        """What a saved session keeps of the comparison."""
        return None if self.comparison is None else self.comparison.plan()

    # -- following run 1 --------------------------------------------------------------------
    @QtCore.Slot()
    def follow(self) -> None:
        comparison, main = self.comparison, self.lab.trainer
        if comparison is None:
            return
        if self._deferred:
            self._missed = True
            return
        if self._state_key() == self._followed:
            return  # the Lab's second signal for the same change: nothing moved since
        if not comparison.fits(main):
            self.end("The comparison ended: run 1's network or data changed.")
            return
        if comparison.forked_elsewhere(main):
            self._refork(comparison)
            return
        stopped = [run.stopped_at for run in comparison.runs]
        started = time.perf_counter()
        done = comparison.follow(main, 0 if self._held else self._slice_steps)
        if not self._held:
            self._tune_slice(time.perf_counter() - started)
            if not done:
                self._pending.start(0)
        self._announce_stops(comparison, stopped)
        self._followed = self._state_key() if done or self._held else None
        self.changed.emit()

    def _state_key(self) -> tuple[object, ...] | None:
        """What following depends on: run 1's and every run's revision."""
        comparison = self.comparison
        if comparison is None:
            return None
        runs = tuple(run.trainer.revision for run in comparison.runs)
        return (self.lab.trainer.revision, comparison.serial, self._held, runs)

    # -- training elsewhere (the Run worker) ------------------------------------------------
    def hold(self, on: bool) -> None:
        """On: the Run worker trains the runs, and following trains none (it still moves
        them with run 1 and forgets states). Off: following catches up what is left."""
        if on != self._held:
            self._held = on
            if not on:
                self.follow()

    @property
    def held(self) -> bool:
        return self._held

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Following waits until the end of the block (the runner adopts the runs' rows
        and run 1's, whose signals would otherwise find the runs half done)."""
        self._deferred += 1
        try:
            yield
        finally:
            self._deferred -= 1
            if not self._deferred and self._missed:
                self._missed = False
                self.follow()

    def adopt(
        self,
        index: int,
        rows: np.ndarray,
        divergence: str | None,
        optimizer_state: OptimizerState | None = None,
    ) -> None:
        """Run `index`'s (0 = run 2) states trained by the worker from its current state
        (its later states are forgotten, as run 1's are); a divergence stops it there,
        with a message, and the other runs go on."""
        comparison = self.comparison
        if comparison is None:
            return
        stopped = [run.stopped_at for run in comparison.runs]
        comparison.resume(index)
        comparison.adopt(index, rows, divergence, optimizer_state)
        self._announce_stops(comparison, stopped)

    def _announce_stops(self, comparison: Comparison, before: list[int | None]) -> None:
        for number, (run, was) in enumerate(zip(comparison.runs, before, strict=True), start=2):
            if run.stopped_at is not None and was is None:
                self.lab.message.emit(
                    f"Run {number} stopped at step {comparison.origin + run.stopped_at}: its "
                    "next step produced NaN or infinity. The other runs go on."
                )

    def _refork(self, comparison: Comparison) -> None:
        """Run 1 reached the origin again by another way (an edit, new steps after Back):
        the runs start afresh from its new state there."""
        self.comparison = None
        self.start(comparison.plans(), comparison.origin)

    def _tune_slice(self, elapsed: float) -> None:
        if elapsed < SLICE_SECONDS / 2:
            self._slice_steps = min(self._slice_steps * 2, 1 << 22)
        elif elapsed > SLICE_SECONDS and self._slice_steps > 1:
            self._slice_steps //= 2

    # -- reading ----------------------------------------------------------------------------
    def behind(self) -> int:
        """Steps the other runs still have to make to reach run 1 (0: all there)."""
        if self.comparison is None:
            return 0
        return self.comparison.behind(self.lab.trainer)

    def parameters(self) -> list[np.ndarray]:
        """Each run's current parameters (run 1 first)."""
        if self.comparison is None:
            return [self.lab.trainer.network.get_flat()]
        return [t.network.get_flat() for t in self.comparison.trainers(self.lab.trainer)]
