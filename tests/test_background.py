"""The background training process: its states equal, bit for bit, those the Trainer makes
in this process from the same state, whatever the ring size, the job or the network."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from model.background import BackgroundTrainer, TailHistory
from model.network import Network, initial_weights
from model.session import lecture_session, load_example
from model.state import Trainer
from model.training import Dataset, DivergenceError, TrainingConfig

XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
RING_ROWS = 300  # of the lecture net (4 columns) in the module's worker


def wait_until(
    condition: Callable[[], bool], message: str, timeout: float = 30.0, interval: float = 0.01
) -> None:
    """Poll `condition` until it is true; fail with `message` after `timeout` seconds (a
    generous bound: a loaded machine may take seconds to start a process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} (waited {timeout:g} s)")
        time.sleep(interval)


def started(ring_bytes: int) -> BackgroundTrainer:
    background = BackgroundTrainer(ring_bytes=ring_bytes)
    background.start()
    wait_until(lambda: background.ready, "the worker process did not start")
    return background


@pytest.fixture(scope="module")
def worker() -> Iterator[BackgroundTrainer]:
    # A small ring (300 rows of the lecture net), so that the tests wrap it and fill it.
    background = started(ring_bytes=RING_ROWS * 4 * 8)
    yield background
    background.close()


def collect_until(
    worker: BackgroundTrainer, job: int, trainer: Trainer, n_rows: int, timeout: float = 30.0
) -> str | None:
    """Adopt the worker's states into `trainer` until it has n_rows new ones, or the job
    ended with a divergence (whose message is returned)."""
    goal = trainer.position + n_rows
    deadline = time.monotonic() + timeout
    while trainer.position < goal:
        assert time.monotonic() < deadline, "the worker stopped delivering states"
        collected = worker.collect(job)
        trainer.adopt(collected.rows)
        if collected.divergence is not None:
            return collected.divergence
        time.sleep(0.001)
    return None


def reference(trainer_factory, steps: int) -> Trainer:
    trainer = trainer_factory()
    trainer.run(steps)
    return trainer


def deep_xor_trainer() -> Trainer:
    # 2-8-8-1 has 105 parameters: too many for the fast path, so numpy's path runs.
    layers = [2, 8, 8, 1]
    weights, biases = initial_weights(layers, seed=3)
    network = Network(layers, ["tanh", "tanh", "sigmoid"], weights, biases)
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch")
    return Trainer(network, XOR.copy(), config)


def test_online_rows_continue_the_sample_order_from_any_step(worker) -> None:
    def make() -> Trainer:
        return load_example("and").to_trainer()

    trainer = make()
    trainer.run(3)  # online, 4 samples: the worker must start at sample 3, not 0
    job = worker.begin(trainer)
    assert collect_until(worker, job, trainer, 5000) is None
    worker.cancel(job)
    expected = reference(make, trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())
    np.testing.assert_array_equal(trainer.network.get_flat(), expected.network.get_flat())


def test_numpy_path_in_batch_mode_matches(worker) -> None:
    trainer = deep_xor_trainer()
    job = worker.begin(trainer)
    assert collect_until(worker, job, trainer, 200) is None
    worker.cancel(job)
    expected = reference(deep_xor_trainer, trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_divergence_ends_the_job_with_the_finite_states(worker) -> None:
    def make() -> Trainer:
        session = lecture_session()
        trainer = session.to_trainer()
        trainer.network.activations[:] = ["linear"]
        trainer.set_config(rule="backprop", learning_rate=1000.0)
        return trainer

    trainer = make()
    job = worker.begin(trainer)
    message = collect_until(worker, job, trainer, 10**9)
    assert message is not None and "non-finite" in message
    assert not worker.owns(job)
    expected = make()
    with pytest.raises(DivergenceError) as raised:
        expected.run(10**9)
    assert str(raised.value) == message
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())
    assert np.isfinite(trainer.history.errors).all()


def test_cancel_drops_the_rows_of_the_job_and_a_new_job_starts_clean(worker) -> None:
    trainer = lecture_session().to_trainer()
    job = worker.begin(trainer)
    assert collect_until(worker, job, trainer, 1000) is None
    worker.cancel(job)
    assert len(worker.collect(job).rows) == 0
    trainer.set_config(learning_rate=0.5)
    old_job, job = job, worker.begin(trainer)  # from step ≥ 1000, with the new rate
    start = trainer.position
    # The worker takes its messages in order: once the new job's rows arrive, the old job
    # has ended, and whatever it made after the cancel was in the pipe before them.
    assert collect_until(worker, job, trainer, 2000) is None
    assert len(worker.collect(old_job).rows) == 0
    worker.cancel(job)
    expected = reference(lambda: lecture_session().to_trainer(), start)
    expected.set_config(learning_rate=0.5)
    expected.run(trainer.position - start)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_the_worker_waits_for_the_reader_rather_than_overwrite_unread_rows(worker) -> None:
    trainer = lecture_session().to_trainer()
    job = worker.begin(trainer)

    def read_a_full_ring() -> bool:
        rows = worker.collect(job).rows
        assert len(rows) <= RING_ROWS, "the worker overwrote rows that were not read yet"
        trainer.adopt(rows)
        return len(rows) == RING_ROWS

    # A slow reader: 0.2 s between reads, time for far more than the ring's 300 rows.
    # The pause is part of what is tested (the worker must wait for the reader through
    # it); it is repeated until a read finds the ring full, which a loaded machine may
    # take several pauses to reach.
    wait_until(read_a_full_ring, "the worker never filled the ring", interval=0.2)
    assert collect_until(worker, job, trainer, 1000) is None
    worker.cancel(job)
    expected = reference(lambda: lecture_session().to_trainer(), trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_tail_history_keeps_only_the_last_state() -> None:
    received: list[np.ndarray] = []
    history = TailHistory(["W1", "b"], 10, np.array([1.0, 2.0, 0.5]), received.append)
    assert len(history) == 10
    np.testing.assert_array_equal(history.row(9), [1.0, 2.0])
    history.append(np.array([3.0, 4.0]), 0.25)
    history.extend(np.array([[5.0, 6.0, 0.125], [7.0, 8.0, 0.0625]]))
    assert len(history) == 13 and history.error_at(12) == 0.0625
    assert [len(rows) for rows in received] == [1, 2]
    with pytest.raises(IndexError):
        history.row(11)
    with pytest.raises(ValueError, match="cannot forget"):
        history.truncate(5)


def test_adopting_no_rows_changes_nothing() -> None:
    trainer = lecture_session().to_trainer()
    trainer.adopt(np.empty((0, 4)))
    assert trainer.position == 0 and len(trainer.history) == 1


def test_a_job_that_was_replaced_reads_nothing(worker) -> None:
    def make() -> Trainer:
        return load_example("and").to_trainer()

    first = worker.begin(lecture_session().to_trainer())
    trainer = make()
    second = worker.begin(trainer)
    assert not worker.owns(first) and len(worker.collect(first).rows) == 0
    # Once the second job's rows arrive, the worker has ended the first: any rows it made
    # came before them, and were not taken for the second job's.
    assert collect_until(worker, second, trainer, 500) is None
    assert not worker.owns(first) and len(worker.collect(first).rows) == 0
    assert worker.owns(second)
    worker.cancel(first)  # a stale cancel leaves the new job running
    assert worker.owns(second)
    worker.cancel(second)
    expected = reference(make, trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_a_dead_worker_ends_its_jobs_without_raising() -> None:
    background = started(ring_bytes=4096 * 8)
    job = background.begin(lecture_session().to_trainer())
    assert background.pid is not None
    os.kill(background.pid, signal.SIGKILL)  # a crash of the worker, from outside
    wait_until(lambda: not background.ready, "the killed worker still looks ready")
    assert not background.ready and not background.owns(job) and not background.busy()
    assert len(background.collect(job).rows) == 0
    background.cancel(job)
    assert background.begin(lecture_session().to_trainer()) > job  # no exception either
    background.close()
