"""Training in a second process, so that the window can draw while the engine runs.

The fast path is plain Python: in the window's thread it competes with painting for one
core and one GIL (a worker *thread* gains nothing, measured: PySide6 holds the GIL while
Qt paints). A worker *process* runs the very same Trainer code on the other core.

Protocol (one job at a time; the GUI side never blocks):
- GUI → worker over a pipe: ("job", id, network, data, config, position), ("ack", id,
  rows read), ("stop", id), ("quit",).
- The worker writes the new states into a ring of rows in shared memory and announces
  them with ("rows", id, rows written in total); it ends a job with ("diverged", id,
  message) or when stopped. It waits for an "ack" before overwriting unread rows.
- The pipe's system calls order the shared-memory writes before the reads.

Rows come from `Trainer.run`, so they equal, bit for bit, what the GUI's own Trainer would
have computed from the same state (tests/test_background.py checks).
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

from model.history import Array, History
from model.network import Network
from model.optimizers import OptimizerState
from model.state import Trainer
from model.training import Dataset, DivergenceError, TrainingConfig

RING_BYTES = 32 * 1024 * 1024  # ~1M rows of a 2-2-1 network: over a second of work
CHUNK_SECONDS = 0.003  # the worker looks at its messages this often
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

    def extend(self, rows: Array) -> None:
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
    """What `BackgroundTrainer.collect` found: new states, and why the job ended if it did."""

    rows: Array
    divergence: str | None = None
    optimizer_state: OptimizerState | None = None  # after the last of `rows`, where known


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
        self._read = 0
        self._n_cols = 0
        self._state: tuple[int, OptimizerState | None] = (0, None)  # (rows, state then)

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
        self.cancel(self._job)
        self._job += 1
        self._read = 0
        self._n_cols = trainer.history.width
        network = trainer.network.copy()
        network.set_flat(trainer.history.row(trainer.position))
        last = trainer.history.full_row(trainer.position)
        state = trainer.next_optimizer_state()
        self._state = (0, None)
        self._active = self._send(
            (
                "job",
                self._job,
                network,
                trainer.data.copy(),
                trainer.config,
                trainer.position,
                state if trainer.config.optimizer.stateful else None,
                last,
                trainer.history.extra_columns,
            )
        )
        return self._job

    def cancel(self, job: int | None) -> None:
        """End `job` if it is still running; rows it made from now on are never read."""
        if self.owns(job):
            self._active = False
            self._send(("stop", job))

    def collect(self, job: int | None) -> Collected:
        """The states `job` made since the last call (a copy), without waiting; none if
        it is not the worker's job any more."""
        rows = np.empty((0, self._n_cols))
        if not self.owns(job):
            return Collected(rows)
        written, divergence = self._drain()
        if written > self._read:
            rows = self._rows(self._read, written)
            self._read = written
            self._send(("ack", self._job, written))
        if divergence is not None:
            self._active = False
        at, state = self._state
        return Collected(rows, divergence, state if at == self._read and len(rows) else None)

    def _send(self, message: tuple[object, ...]) -> bool:
        try:
            self._conn.send(message)
        except OSError:  # the worker died: its jobs end, Run steps here
            self._die()
            return False
        return True

    def _die(self) -> None:
        self._active = self._ready = False

    def _drain(self) -> tuple[int, str | None]:
        written, divergence = self._read, None
        try:
            while self._conn.poll():
                message = self._conn.recv()
                if message[0] == "ready":
                    self._ready = True
                elif message[1] != self._job or not self._active:
                    continue  # from a job that was ended
                elif message[0] == "rows":
                    written = message[2]
                    self._state = (written, message[3] if len(message) > 3 else None)
                elif message[0] == "diverged":
                    divergence = message[2]
        except (OSError, EOFError):
            self._die()
        return written, divergence

    def _rows(self, start: int, stop: int) -> Array:
        table = ring_table(self._ring, self._n_cols)
        capacity = len(table)
        first, last = start % capacity, stop % capacity
        if stop - start <= capacity - first:
            return table[first : first + stop - start].copy()
        return np.concatenate([table[first:], table[:last]])


def ring_table(buffer: Any, n_cols: int) -> Array:
    ring = np.frombuffer(buffer, dtype=np.float64)
    capacity = ring.size // n_cols
    return ring[: capacity * n_cols].reshape(capacity, n_cols)


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
            pending = Job(conn, buffer, *message[1:]).run()


class Job:
    """One run in the worker: trains until stopped or diverged, rows into the ring."""

    def __init__(
        self,
        conn: Connection,
        buffer: Any,
        job: int,
        network: Network,
        data: Dataset,
        config: TrainingConfig,
        position: int,
        optimizer_state: OptimizerState | None,
        last: Array,
        extra_columns: list[str],
    ) -> None:
        self.conn = conn
        self.job = job
        self.table = ring_table(buffer, len(last))
        self.written = 0
        self.acked = 0
        self.interrupt: tuple[Any, ...] | None = None
        # The window's last row as it is: the worker's rows continue from exactly it.
        history = TailHistory(
            network.parameter_names(), position + 1, last, self.write, extra_columns
        )
        self.trainer = Trainer(network, data, config, history, optimizer_state=optimizer_state)
        self.stateful = config.optimizer.stateful

    def run(self) -> tuple[Any, ...] | None:
        """Returns the message that interrupted the job, if it was not a plain stop."""
        chunk = 64
        try:
            while True:
                self.handle_messages(block=False)
                start = time.perf_counter()
                self.trainer.run(chunk)
                # The optimizer's state after these rows, so that the window can go on
                # from them exactly (Back, a setting changed, Run again).
                state = self.trainer.optimizer_state() if self.stateful else None
                self.conn.send(("rows", self.job, self.written, state))
                if time.perf_counter() - start < CHUNK_SECONDS:
                    chunk = min(chunk * 2, 1 << 16)
        except DivergenceError as error:
            self.conn.send(("rows", self.job, self.written))
            self.conn.send(("diverged", self.job, str(error)))
        except _InterruptedError:
            pass
        return self.interrupt

    def write(self, rows: Array) -> None:
        capacity = len(self.table)
        done = 0
        while done < len(rows):
            if self.written - self.acked >= capacity:
                # Full: say what is there, so that the GUI reads it and acks.
                self.conn.send(("rows", self.job, self.written))
            while self.written - self.acked >= capacity:
                self.handle_messages(block=True)
            slot = self.written % capacity
            n = min(len(rows) - done, capacity - (self.written - self.acked), capacity - slot)
            self.table[slot : slot + n] = rows[done : done + n]
            done += n
            self.written += n

    def handle_messages(self, block: bool) -> None:
        while block or self.conn.poll():
            block = False
            message = self.conn.recv()
            if message[0] == "ack" and message[1] == self.job:
                self.acked = max(self.acked, message[2])
            elif message[0] == "stop":
                raise _InterruptedError
            elif message[0] != "ack":
                self.interrupt = message
                raise _InterruptedError
