"""The Run loop: trains in a background process (or in time-boxed chunks in the GUI
thread), and redraws once per frame.

At full speed, a worker process (model/background.py) trains from the shown state; each
tick adopts the states it made since the last one as one undoable command, exactly as if
they had been computed here, and redraws. With runs compared (gui/compare/runs.py) the
worker trains them too, in lockstep with run 1: each tick adopts their states first (never
past run 1's new position), then run 1's, so that following run 1 finds nothing left to
train; a compared run that diverges stops with a message and the others go on. Anything
that changes the state meanwhile (an edit, a setting, Back, a click on the timeline, a
comparison begun or ended) starts the worker afresh from the new state. Until the worker
is up (about 0.2 s after the first Run), and at a limited speed, the GUI thread steps
itself (and the compared runs follow run 1 there, gui/compare/runs.py):

Each timer tick steps until the next frame is due (the chunk size adapts to the measured
speed, so the clock is read every ~2 ms, not every step), then asks the views to redraw and
returns to the event loop, which paints and answers clicks and keys. A frame therefore
lasts 1/FRAME_RATE s whatever the drawing costs: what drawing leaves over is stepping.
"""

from __future__ import annotations

import atexit
import logging
import time

import numpy as np
from PySide6 import QtCore

from gui.lab import Lab
from model.background import RING_BYTES, BackgroundTrainer, Collected
from model.budget import MemoryBudget
from model.optimizers import OptimizerState
from model.state import Trainer

FRAME_RATE = 33.0  # redraws per second while running (the target is >= 30)
MIN_STEP_BUDGET_S = 0.004  # stepping per tick even when drawing took the whole frame
FASTEST = 0.0  # speed value meaning "as fast as possible"
WORKER_START_DELAY_MS = 300


def ring_bytes(budget: MemoryBudget | None) -> int:
    """The worker's ring of new rows, sized to the memory budget: RING_BYTES, or a
    sixteenth of a smaller budget's (the rows read from it are copied once more)."""
    return RING_BYTES if budget is None else max(1 << 20, min(RING_BYTES, budget.total // 16))


_shared: list[BackgroundTrainer | None] = []  # the one worker, once tried


def shared_worker(ring: int = RING_BYTES) -> BackgroundTrainer | None:
    """The application's one training process, started on first use (with a ring of
    `ring` bytes; later calls get the same one); None if the system refuses one (no
    shared memory, no processes, no memory): runs then step in the GUI thread."""
    if _shared:
        return _shared[0]
    worker: BackgroundTrainer | None = None
    try:
        started = BackgroundTrainer(ring_bytes=ring)
        started.start()
    except (OSError, MemoryError) as error:
        logging.getLogger(__name__).warning("training in the GUI thread: %s", error)
    else:
        atexit.register(started.close)
        worker = started
    _shared.append(worker)
    return worker


def state_key(trainer: Trainer) -> tuple[int]:
    """Changes whenever the state a run continues from changes in any way: every
    operation of any Trainer gives it a new revision."""
    return (trainer.revision,)


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
        self.speed: float = FASTEST  # steps per second; FASTEST = no limit
        self.target_error = 0.0  # stop when E ≤ this (0 = never)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._chunk = 64
        self._last_frame = 0.0
        self._last_tick = 0.0
        self._owed = 0.0  # fractional steps owed at a limited speed
        self.use_worker = True  # train in the background process when at full speed
        # Started just after the window's first paint (its 32 MB of shared memory would
        # delay that), so that it is up (~0.2 s) by the time Run is pressed; a Run before
        # that steps in the GUI thread until it is.
        self._worker: BackgroundTrainer | None = None
        QtCore.QTimer.singleShot(WORKER_START_DELAY_MS, self._start_worker)
        self._job: int | None = None  # this loop's job in the worker
        self._worker_key: tuple[object, ...] | None = None
        self._job_runs: list[int] = []  # the compared runs the job trains (0 = run 2)
        # A compared run's rows beyond run 1's position, until run 1 gets there.
        self._spare: dict[int, Collected] = {}
        self._unshared = 0  # the comparison whose rows are too wide for the worker's ring
        lab.diverged.connect(self.stop)
        lab.halted.connect(self.stop)

    def _start_worker(self) -> None:
        if self._worker is None and self.use_worker:
            # One per application: sized to the budget when it starts (just after the
            # first paint, so to the command line's or the saved budget).
            self._worker = shared_worker(ring_bytes(self.lab.trainer.budget))

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = steps_per_second
        if self.speed != FASTEST:
            self._end_worker_job()
        if self.running:
            self._timer.setInterval(self._interval_ms())

    def _interval_ms(self) -> int:
        if self.speed == FASTEST:
            # Twice per frame: a tick that comes late still finds the frame due on time.
            return int(500.0 / FRAME_RATE) if self._worker_ready() else 0
        return int(max(1000.0 / FRAME_RATE, min(1000.0, 1000.0 / self.speed)))

    def start(self) -> None:
        if self.running:
            return
        if self._target_reached():
            self.lab.message.emit(
                "The error is already at or below the target: lower the target to train further."
            )
            self.runningChanged.emit(False)
            return
        self._last_tick = self._last_frame = time.perf_counter()
        self._owed = 1.0
        if self.speed == FASTEST:
            self._start_worker()
        self._timer.start(self._interval_ms())
        self.lab.running = True
        self.runningChanged.emit(True)

    def stop(self) -> None:
        """Pause immediately: no step runs after this returns."""
        was_running = self.running
        self._timer.stop()
        self.lab.running = False
        try:
            self._end_worker_job()
        finally:
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
        if self.speed == FASTEST and self._worker_ready():
            try:
                self._adopt_worker_states()
            except MemoryError:  # reading the worker's rows: nothing was adopted
                self.stop()
                self.lab.message.emit(
                    f"Out of memory: training paused at step {self.lab.trainer.position}, "
                    "with every state so far kept. Lower the memory budget (Edit → Memory "
                    "budget…), save the session, or Reset, to free memory."
                )
                return
            if self._timer.interval() == 0:
                self._timer.setInterval(self._interval_ms())
        elif self.speed == FASTEST:
            if self._job is not None:  # the worker died, or took another window's run
                self._end_worker_job()  # … and following run 1 trains the runs here again
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
        # A tick up to half an interval early draws: with the worker, ticks come twice a
        # frame, and one a millisecond early must not put the frame off to the next.
        # Frames keep to a grid of 1/FRAME_RATE s, so that a late one (the last frame's
        # drawing delayed this tick) is made up by the next, rather than shifting them all.
        period = 1.0 / FRAME_RATE
        slack = max(0.001, self._timer.interval() / 2000.0)
        if now - self._last_frame >= period - slack:
            self._last_frame = max(self._last_frame + period, now - period / 2)
            self.lab.emit_all()
            self.frame.emit()

    @property
    def in_background(self) -> bool:
        """True while the worker process is training for this run."""
        return self.running and self._worker is not None and self._worker.owns(self._job)

    def _worker_ready(self) -> bool:
        """The worker can train for this loop: up, and not busy with another window's
        run (then this one steps in the GUI thread meanwhile)."""
        worker = self._worker
        return (
            worker is not None
            and self.use_worker
            and worker.ready
            and (worker.owns(self._job) or not worker.busy())
        )

    @property
    def worker_ready(self) -> bool:
        """True when Run at full speed will train in the worker process."""
        return self._worker_ready()

    def _adopt_worker_states(self) -> None:
        worker = self._worker
        assert worker is not None
        if (
            not worker.owns(self._job)
            or self._job_key() != self._worker_key
            or (not self._job_runs and self._compared_to_train())
        ):
            self._begin(worker)  # rows made from any earlier state are dropped
            return
        if self._job_runs:
            self._adopt_runs(worker.collect_many(self._job))
        else:
            collected = worker.collect(self._job)
            if len(collected.rows) or collected.divergence is not None:
                self.lab.adopt_states(
                    collected.rows,
                    collected.divergence,
                    self.target_error,
                    collected.optimizer_state,
                )
        self._worker_key = self._job_key()

    def _begin(self, worker: BackgroundTrainer) -> None:
        """A job from the current states: run 1's, and the compared runs' that train."""
        main, compared = self.lab.trainer, self.lab.compared
        runs, comparison = self._compared_to_train(), compared.comparison
        job = None
        if runs and comparison is not None:
            trainers = [main, *(comparison.runs[i].trainer for i in runs)]
            try:
                job = worker.begin_many(trainers, [0, *(comparison.origin for _ in runs)])
            except ValueError:  # rows too wide for one of each in the ring: they follow here
                runs, self._unshared = [], comparison.serial
        self._job = worker.begin(main) if job is None else job
        self._job_runs = runs
        self._spare = {}
        compared.hold(bool(runs))
        self._worker_key = self._job_key()

    def _compared_to_train(self) -> list[int]:
        """The compared runs a job trains with run 1: all that have not stopped at their
        state (a divergence), once run 1 is past the comparison's origin."""
        comparison, main = self.lab.compared.comparison, self.lab.trainer
        if (
            comparison is None
            or comparison.serial == self._unshared
            or main.position < comparison.origin
            or not comparison.fits(main)
            or comparison.forked_elsewhere(main)
        ):
            return []
        return [
            i
            for i, run in enumerate(comparison.runs)
            if run.stopped_at is None or run.trainer.position < run.stopped_at
        ]

    def _job_key(self) -> tuple[object, ...]:
        """Changes whenever a state the job continues from changes: run 1's (any
        operation), the comparison (begun, ended, made afresh) or a state of its runs
        that the job trains (moved or trained here)."""
        comparison = self.lab.compared.comparison
        if comparison is None:
            return state_key(self.lab.trainer)
        runs = [comparison.runs[i].trainer for i in self._job_runs]
        return (
            *state_key(self.lab.trainer),
            comparison.serial,
            tuple((id(t), t.position, t.last_step) for t in runs),
        )

    def _adopt_runs(self, collected: list[Collected]) -> None:
        """The compared runs' new states first, up to run 1's new position (the rest
        waits), then run 1's; following run 1 waits until both are in."""
        compared, main = self.lab.compared, collected[0]
        comparison = compared.comparison
        assert comparison is not None  # else the key changed and the job began afresh
        goal = self.lab.trainer.position + len(main.rows) - comparison.origin
        with compared.deferred():
            for index, new in zip(self._job_runs, collected[1:], strict=True):
                room = max(0, goal - comparison.runs[index].trainer.position)
                rows, divergence, state = self._take(index, new, room)
                if len(rows) or divergence is not None:
                    compared.adopt(index, rows, divergence, state)
            if len(main.rows) or main.divergence is not None:
                self.lab.adopt_states(
                    main.rows, main.divergence, self.target_error, main.optimizer_state
                )

    def _take(
        self, index: int, new: Collected, room: int
    ) -> tuple[np.ndarray, str | None, OptimizerState | None]:
        """Run `index`'s rows to adopt now (`room` at most), its divergence once all its
        rows are in, and the optimizer's state after them where known."""
        spare = self._spare.pop(index, None)
        if spare is not None:
            rows = np.concatenate([spare.rows, new.rows])
            divergence = new.divergence or spare.divergence
            state = new.optimizer_state if len(new.rows) else spare.optimizer_state
            new = Collected(rows, divergence, state)
        if len(new.rows) <= room:
            return new.rows, new.divergence, new.optimizer_state
        self._spare[index] = Collected(new.rows[room:], new.divergence, new.optimizer_state)
        return new.rows[:room], None, None

    def _end_worker_job(self) -> None:
        if self._worker is not None:
            self._worker.cancel(self._job)
        self._job = None
        self._worker_key = None
        self._job_runs = []
        self._spare = {}
        self.lab.compared.hold(False)

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
        return self.lab.trainer.reached(self.target_error)


def clock() -> float:
    """Seconds, for the throttles (a test puts its own clock here)."""
    return time.perf_counter()


COST_RATIO = 10.0  # in a run, a view that took t s to redraw waits at least this × t


class Throttle:
    """Says whether a view may redraw now: always when idle, every `interval` s in a run,
    and no more than 1/COST_RATIO of the time for a view that says what its redraws cost
    (`spent`): the explanation of a step of 10-100-100-10 took 1.8 s, every frame."""

    def __init__(self, lab: Lab, interval: float) -> None:
        self.lab = lab
        self.interval = interval
        self._last = 0.0
        self._cost = 0.0

    def ready(self) -> bool:
        now = clock()
        wait = max(self.interval, COST_RATIO * self._cost)
        if self.lab.running and now - self._last < wait:
            return False
        self._last = now
        return True

    def spent(self, seconds: float) -> None:
        """The redraw just made took `seconds`."""
        self._cost = seconds
