"""Training in a second process, so that the window can draw while the engine runs.

The fast path is plain Python: in the window's thread it competes with painting for one
core and one GIL (a worker *thread* gains nothing, measured: PySide6 holds the GIL while
Qt paints). A worker *process* runs the very same Trainer code on the other core.

A job trains one run (the window's) or several in lockstep (the window's run and the runs
compared with it, model/comparison.py: the same architecture, so rows of one width, each
with its own settings, activations and weights). Each chunk advances every run that has
not diverged by the same number of steps; a run that started behind the first (its
`offset` plus its position is smaller) is brought level with it a few chunks at a time.

Protocol (one job at a time; the GUI side never blocks):
- GUI → worker over a pipe: ("job", id, [RunSpec, ...]), ("ack", id, (rows read of each
  run, ...)), ("stop", id), ("quit",).
- The ring of rows in shared memory is cut into one region per run of the job. The worker
  writes each run's new states into its region and announces them with ("rows", id,
  (rows written of each run, ...), (optimizer state after them of each run, or None,
  ...) or None). It waits for an "ack" before overwriting unread rows of a region.
- ("diverged", id, run, message): that run's last step was not finite; its finite states
  were announced before. The other runs go on; the job ends when every run has diverged,
  or when stopped.
- The pipe's system calls order the shared-memory writes before the reads.

Rows come from `Trainer.run` with the GUI Trainer's engine and optimizer state, so they
equal, bit for bit, what the GUI's own Trainers would have computed from the same states
(tests/test_background.py and tests/test_background_runs.py check).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from model.history import Array, History, Rows
from model.network import Network
from model.optimizers import OptimizerState
from model.state import Trainer
from model.training import Dataset, DivergenceError, TrainingConfig

RING_BYTES = 32 * 1024 * 1024  # ~1M rows of a 2-2-1 network: over a second of work
CHUNK_SECONDS = 0.003  # the worker looks at its messages this often
CATCH_UP = 4  # a run behind the others makes up to this many chunks per chunk
Sink = Callable[[Array], None]


class TailHistory(History):
    """A History that keeps only its last state and hands every new row to `sink`.

    The worker's Trainer records into it: the step numbers (and so the online sample
    order) stay those of the GUI's history, without holding its rows twice.
    """

    def __init__(
        self,
        parameter_names: Sequence[str],
        n_rows: int,
        last: Array,
        sink: Sink,
        extra_columns: Sequence[str] = (),
    ) -> None:
        super().__init__(parameter_names, capacity=1, extra_columns=extra_columns)
        self._data[0] = last
        self._n = n_rows
        self._sink = sink

    def _check(self, step: int) -> None:
        if step != self._n - 1:
            raise IndexError(f"only the last state ({self._n - 1}) is kept, not {step}")

    def row(self, step: int) -> Array:
        self._check(step)
        return self._data[0, : self._n_params].copy()

    def error_at(self, step: int) -> float:
        self._check(step)
        return float(self._data[0, self._n_params])

    def full_row(self, step: int) -> Array:
        self._check(step)
        last: Array = self._data[0].copy()
        return last

    def append(self, parameters: Array, error: float, extras: Sequence[float] | Array = ()) -> None:
        self.extend(np.concatenate([parameters, [error], extras])[None, :])

    def extend(self, rows: Array | Rows) -> None:
        if isinstance(rows, Rows):
            raise TypeError("a TailHistory takes new rows only")
        if len(rows):
            self._sink(rows)
            self._data[0] = rows[-1]
            self._n += len(rows)

    def truncate(self, n_rows: int) -> None:
        if n_rows != self._n:
            raise ValueError("a TailHistory cannot forget states")

    def reserve(self, n_rows: int) -> None:
        """Nothing to reserve: the rows go to the sink."""


@dataclass
class Collected:
    """What `BackgroundTrainer.collect` found for one run: new states, and the message of
    the divergence that ended its training if one did (reported once)."""

    rows: Array
    divergence: str | None = None
    optimizer_state: OptimizerState | None = None  # after the last of `rows`, where known


@dataclass(frozen=True)
class RunSpec:
    """One run of a job, as the worker needs it to continue from the GUI's state.

    position : the state to continue from, in the run's own numbering (online mode picks
        samples by it)
    last : its full history row (parameters, error, extras), which the rows continue
    offset : its step 0 in the first run's numbering (the lockstep is kept in that one)
    """

    network: Network
    data: Dataset
    config: TrainingConfig
    position: int
    optimizer_state: OptimizerState | None
    last: Array
    extra_columns: tuple[str, ...]
    engine: str
    offset: int = 0


def run_spec(trainer: Trainer, offset: int = 0, data: Dataset | None = None) -> RunSpec:
    """What the worker needs to train on from the trainer's current state (`data`: a copy
    of the trainer's data to send instead, shared by several runs)."""
    network = trainer.network.copy()
    network.set_flat(trainer.history.row(trainer.position))
    stateful = trainer.config.optimizer.stateful
    return RunSpec(
        network,
        trainer.data.copy() if data is None else data,
        trainer.config,
        trainer.position,
        trainer.next_optimizer_state() if stateful else None,
        trainer.history.full_row(trainer.position),
        tuple(trainer.history.extra_columns),
        trainer.engine,
        offset,
    )


class _InterruptedError(Exception):
    """The GUI sent something other than an ack while the worker was busy."""


class BackgroundTrainer:
    """The GUI's handle on one worker process (started by `start`, reused for every run)."""

    def __init__(self, ring_bytes: int = RING_BYTES) -> None:
        context = multiprocessing.get_context("spawn")  # fork is unsafe in a Qt process
        self._ring = context.RawArray("d", ring_bytes // 8)
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=worker_main, args=(child, self._ring), name="backprop-lab-trainer", daemon=True
        )
        self._child = child
        self._started = False
        self._ready = False
        self._job = 0
        self._active = False
        self._n_cols = 0
        self._regions: list[Array] = []
        self._read: list[int] = []  # rows of each run read so far
        self._written: list[int] = []  # rows of each run announced so far
        self._states: list[tuple[int, OptimizerState | None]] = []  # (rows, state then)
        self._divergences: list[str | None] = []  # received, not yet collected
        self._ended: list[bool] = []  # the run diverged (its divergence received)

    # -- process ----------------------------------------------------------------------------
    def start(self) -> None:
        """Launch the process; it reports ready a moment later (see `ready`)."""
        if not self._started:
            self._process.start()
            self._child.close()
            self._started = True

    @property
    def pid(self) -> int | None:
        """The worker's process id (None before `start`)."""
        return self._process.pid

    @property
    def ready(self) -> bool:
        """True once the worker can take jobs (never again, once it died)."""
        if self._started and not self._ready and self._process.is_alive():
            self._drain()
        return self._ready and self._process.is_alive()

    def close(self) -> None:
        if self._started and self._process.is_alive():
            with contextlib.suppress(OSError):
                self._conn.send(("quit",))
            self._process.join(1.0)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(1.0)
        self._conn.close()
        self._started = self._ready = self._active = False

    # -- jobs -------------------------------------------------------------------------------
    def owns(self, job: int | None) -> bool:
        """True while `job` (from `begin`) is the worker's job and the worker is alive."""
        return self._active and job == self._job and self._process.is_alive()

    def busy(self) -> bool:
        """A job is running (possibly another window's: one worker serves them all)."""
        return self._active and self._process.is_alive()

    def begin(self, trainer: Trainer) -> int:
        """Train on from the trainer's current state (ends the previous job); the job's
        number, which `collect` and `cancel` take, so no caller reads another's rows."""
        return self.begin_runs([run_spec(trainer)])

    def begin_many(self, trainers: Sequence[Trainer], offsets: Sequence[int] = ()) -> int:
        """Train several runs in lockstep, each from its trainer's current state; run i's
        step 0 is step offsets[i] of the first (default 0). Their histories must have
        the same columns. `collect_many` gives each run's states."""
        offsets = list(offsets) or [0] * len(trainers)
        first = trainers[0]
        data = first.data.copy()
        specs = [
            run_spec(t, offset, data if t.data is first.data else None)
            for t, offset in zip(trainers, offsets, strict=True)
        ]
        return self.begin_runs(specs)

    def begin_runs(self, specs: Sequence[RunSpec]) -> int:
        """`begin_many` from the runs' specs; ValueError (nothing changed) if their rows
        differ in width or the ring cannot hold a row of each."""
        widths = {len(spec.last) for spec in specs}
        if len(widths) != 1:
            raise ValueError("the runs of a job must have rows of one width")
        n_cols = widths.pop()
        regions = ring_regions(self._ring, n_cols, len(specs))
        # Read what the worker sent (it may wait to send more) before sending a job,
        # which may be large: neither end then waits for the other to read.
        self._drain()
        self.cancel(self._job)
        self._job += 1
        k = len(specs)
        self._n_cols, self._regions = n_cols, regions
        self._read, self._written = [0] * k, [0] * k
        self._states = [(0, None)] * k
        self._divergences, self._ended = [None] * k, [False] * k
        self._active = self._send(("job", self._job, list(specs)))
        return self._job

    def cancel(self, job: int | None) -> None:
        """End `job` if it is still running; rows it made from now on are never read."""
        if self.owns(job):
            self._active = False
            self._send(("stop", job))

    def collect(self, job: int | None) -> Collected:
        """The states `job`'s (first) run made since the last call (a copy), without
        waiting; none if it is not the worker's job any more."""
        return self.collect_many(job)[0]

    def collect_many(self, job: int | None) -> list[Collected]:
        """Each run's states since the last call, as `collect` (one entry per run of
        the job; none if it is not the worker's job any more)."""
        k = max(1, len(self._read))
        if not self.owns(job):
            return [Collected(np.empty((0, self._n_cols))) for _ in range(k)]
        self._drain()
        out = []
        for i in range(len(self._read)):
            start, stop = self._read[i], self._written[i]
            rows = self._rows(i, start, stop)
            self._read[i] = stop
            at, state = self._states[i]
            divergence, self._divergences[i] = self._divergences[i], None
            known = state if at == stop and stop > start else None
            out.append(Collected(rows, divergence, known))
        if any(len(c.rows) for c in out):
            self._send(("ack", self._job, tuple(self._read)))
        if all(self._ended):
            self._active = False
        return out

    def _send(self, message: tuple[object, ...]) -> bool:
        try:
            self._conn.send(message)
        except OSError:  # the worker died: its jobs end, Run steps here
            self._die()
            return False
        return True

    def _die(self) -> None:
        self._active = self._ready = False

    def _drain(self) -> None:
        try:
            while self._conn.poll():
                message = self._conn.recv()
                if message[0] == "ready":
                    self._ready = True
                elif message[1] != self._job or not self._active:
                    continue  # from a job that was ended
                elif message[0] == "rows":
                    self._written = list(message[2])
                    states = message[3] if message[3] is not None else [None] * len(message[2])
                    self._states = [
                        (n, state) if state is not None else old
                        for n, state, old in zip(message[2], states, self._states, strict=True)
                    ]
                elif message[0] == "diverged":
                    self._divergences[message[2]] = message[3]
                    self._ended[message[2]] = True
        except (OSError, EOFError):
            self._die()

    def _rows(self, run: int, start: int, stop: int) -> Array:
        table = self._regions[run]
        capacity = len(table)
        first, last = start % capacity, stop % capacity
        if stop - start <= capacity - first:
            return table[first : first + stop - start].copy()
        return np.concatenate([table[first:], table[:last]])


def ring_table(buffer: Any, n_cols: int) -> Array:
    ring = np.frombuffer(buffer, dtype=np.float64)
    capacity = ring.size // n_cols
    return ring[: capacity * n_cols].reshape(capacity, n_cols)


def ring_regions(buffer: Any, n_cols: int, n_runs: int) -> list[Array]:
    """The ring cut into one region of equal rows per run (the GUI and the worker cut it
    alike)."""
    table = ring_table(buffer, n_cols)
    per = len(table) // n_runs
    if per < 1:
        raise ValueError(f"the ring holds {len(table)} rows: too few for {n_runs} runs")
    return [table[i * per : (i + 1) * per] for i in range(n_runs)]


# -- the worker process ----------------------------------------------------------------------
def worker_main(conn: Connection, buffer: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the window's to handle
    conn.send(("ready",))
    pending: tuple[Any, ...] | None = None
    while True:
        message = pending or conn.recv()
        pending = None
        if message[0] == "quit":
            return
        if message[0] == "job":
            pending = Job(conn, buffer, message[1], message[2]).run()


class _Run:
    """One run of a job in the worker: its Trainer, which writes into its region."""

    def __init__(self, job: Job, index: int, region: Array, spec: RunSpec) -> None:
        self.job = job
        self.index = index
        self.table = region
        self.written = 0
        self.acked = 0
        self.offset = spec.offset
        self.alive = True
        # The window's row as it is: the worker's rows continue from exactly it.
        history = TailHistory(
            spec.network.parameter_names(),
            spec.position + 1,
            spec.last,
            self.write,
            spec.extra_columns,
        )
        self.trainer = Trainer(
            spec.network,
            spec.data,
            spec.config,
            history,
            engine=spec.engine,
            optimizer_state=spec.optimizer_state,
        )
        self.stateful = spec.config.optimizer.stateful

    @property
    def step(self) -> int:
        """Its position in the first run's numbering."""
        return self.offset + self.trainer.position

    def state(self) -> OptimizerState | None:
        """The optimizer's state after its rows, so that the window can go on from them
        exactly (Back, a setting changed, Run again)."""
        return self.trainer.optimizer_state() if self.stateful and self.alive else None

    def write(self, rows: Array) -> None:
        capacity = len(self.table)
        done = 0
        while done < len(rows):
            if self.written - self.acked >= capacity:
                # Full: say what is there, so that the GUI reads it and acks.
                self.job.announce(with_states=False)
            while self.written - self.acked >= capacity:
                self.job.handle_messages(block=True)
            slot = self.written % capacity
            n = min(len(rows) - done, capacity - (self.written - self.acked), capacity - slot)
            self.table[slot : slot + n] = rows[done : done + n]
            done += n
            self.written += n


class Job:
    """One job in the worker: trains its runs in lockstep until stopped or every one
    diverged, rows into the ring."""

    def __init__(self, conn: Connection, buffer: Any, job: int, specs: list[RunSpec]) -> None:
        self.conn = conn
        self.job = job
        regions = ring_regions(buffer, len(specs[0].last), len(specs))
        self.interrupt: tuple[Any, ...] | None = None
        self.runs = [
            _Run(self, i, r, s) for i, (r, s) in enumerate(zip(regions, specs, strict=True))
        ]

    def run(self) -> tuple[Any, ...] | None:
        """Returns the message that interrupted the job, if it was not a plain stop."""
        chunk = 64
        try:
            while live := [run for run in self.runs if run.alive]:
                self.handle_messages(block=False)
                start = time.perf_counter()
                lead = max(run.step for run in live) + chunk
                diverged = []
                for run in live:
                    try:
                        # A run that started behind catches up a few chunks at a time.
                        run.trainer.run(min(lead - run.step, CATCH_UP * chunk))
                    except DivergenceError as error:
                        run.alive = False
                        diverged.append(("diverged", self.job, run.index, str(error)))
                self.announce(with_states=True)
                for message in diverged:
                    self.conn.send(message)
                if time.perf_counter() - start < CHUNK_SECONDS:
                    chunk = min(chunk * 2, 1 << 16)
        except _InterruptedError:
            pass
        return self.interrupt

    def announce(self, with_states: bool) -> None:
        written = tuple(run.written for run in self.runs)
        states = tuple(run.state() for run in self.runs) if with_states else None
        self.conn.send(("rows", self.job, written, states))

    def handle_messages(self, block: bool) -> None:
        while block or self.conn.poll():
            block = False
            message = self.conn.recv()
            if message[0] == "ack" and message[1] == self.job:
                for run, read in zip(self.runs, message[2], strict=True):
                    run.acked = max(run.acked, read)
            elif message[0] == "stop":
                raise _InterruptedError
            elif message[0] != "ack":
                self.interrupt = message
                raise _InterruptedError
