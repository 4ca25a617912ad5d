"""Several runs in one worker job (the window's run and the runs compared with it): each
run's states equal, bit for bit, those its own Trainer makes in this process, whatever
its settings, however the ring wraps, and a run that diverges stops alone."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pytest
from test_background import started

from model.background import BackgroundTrainer
from model.comparison import Comparison, RunPlan, with_learning_rate
from model.optimizers import Optimizer
from model.session import lecture_session, load_example
from model.state import Trainer
from model.training import DivergenceError, TrainingConfig

RING_ROWS = 400  # of the lecture net (4 columns): 100 rows a run when four share it


@pytest.fixture(scope="module")
def worker() -> Iterator[BackgroundTrainer]:
    background = started(ring_bytes=RING_ROWS * 4 * 8)
    yield background
    background.close()


Maker = Callable[[], Trainer]


def fork(make: Maker, plans: Callable[[Trainer], list[RunPlan]], first: int) -> tuple:
    """Run 1 after `first` steps and a comparison forked there."""
    main = make()
    main.run(first)
    return main, Comparison.fork(main, plans(main))


def begin(worker: BackgroundTrainer, main: Trainer, comparison: Comparison) -> int:
    trainers = comparison.trainers(main)
    return worker.begin_many(trainers, comparison.first_steps())


def collect_until(
    worker: BackgroundTrainer,
    job: int,
    main: Trainer,
    comparison: Comparison,
    done: Callable[[], bool],
    timeout: float = 30.0,
) -> list[str | None]:
    """Adopt every run's states until `done()`; each run's divergence message, if any."""
    messages: list[str | None] = [None] * (1 + len(comparison.runs))
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the worker stopped delivering states"
        collected = worker.collect_many(job)
        assert len(collected) == len(messages)
        for i, c in enumerate(collected[1:]):
            comparison.adopt(i, c.rows, c.divergence, c.optimizer_state)
        main.adopt(collected[0].rows, 0.0, collected[0].optimizer_state)
        for i, c in enumerate(collected):
            if c.divergence is not None:
                assert messages[i] is None, "a divergence is reported once"
                messages[i] = c.divergence
        time.sleep(0.001)
    return messages


def expected_runs(make: Maker, plans: Callable[[Trainer], list[RunPlan]], first: int, steps):
    """Headless: run 1 and each compared run trained `steps[i]` steps (from the fork) in
    this process, by their own Trainers."""
    main, comparison = fork(make, plans, first)
    out = []
    for trainer, n in zip(comparison.trainers(main), steps, strict=True):
        with contextlib.suppress(DivergenceError):
            trainer.run(n)
        out.append(trainer)
    return out


def assert_same_runs(got: list[Trainer], expected: list[Trainer]) -> None:
    for number, (a, b) in enumerate(zip(got, expected, strict=True), start=1):
        assert a.last_step == b.last_step, f"run {number}"
        np.testing.assert_array_equal(a.history.table(), b.history.table(), err_msg=f"run {number}")


def rates_and_adam(main: Trainer) -> list[RunPlan]:
    adam = replace(main.config, optimizer=Optimizer("adam"), learning_rate=0.05)
    return [
        with_learning_rate(main, 0.1),
        with_learning_rate(main, 1.0),
        RunPlan(adam, ("tanh",), seed=7),
    ]


def and_example() -> Trainer:
    return load_example("and").to_trainer()  # online, 4 samples: the order matters


def test_runs_in_lockstep_equal_their_own_trainers_bit_for_bit(worker) -> None:
    main, comparison = fork(and_example, rates_and_adam, first=3)  # the sample order at 3
    job = begin(worker, main, comparison)
    messages = collect_until(worker, job, main, comparison, lambda: main.position >= 3000)
    worker.cancel(job)
    assert messages == [None] * 4
    comparison.follow(main)  # nothing left to train: every run is at run 1's step
    steps = [main.position] + [t.position for t in comparison.trainers(main)[1:]]
    assert steps[1:] == [main.position - 3] * 3
    got = comparison.trainers(main)
    assert_same_runs(got, expected_runs(and_example, rates_and_adam, 3, [steps[0] - 3, *steps[1:]]))


def test_the_optimizer_state_comes_back_so_a_run_goes_on_exactly(worker) -> None:
    main, comparison = fork(and_example, rates_and_adam, first=0)
    job = begin(worker, main, comparison)
    collect_until(worker, job, main, comparison, lambda: main.position >= 500)
    worker.cancel(job)
    adam = comparison.runs[2].trainer
    adam.seek(adam.last_step)
    adam.run(25)  # in this process, from the worker's last state and Adam's moments
    expected = expected_runs(and_example, rates_and_adam, 0, [0, 0, 0, adam.last_step])
    np.testing.assert_array_equal(adam.history.table(), expected[3].history.table())


def diverging_plans(main: Trainer) -> list[RunPlan]:
    return [with_learning_rate(main, 1000.0), with_learning_rate(main, 0.5)]


def linear_lecture() -> Trainer:
    trainer = lecture_session().to_trainer()
    trainer.network.activations[:] = ["linear"]
    trainer.set_config(rule="backprop", learning_rate=0.1)
    return trainer


def test_a_run_that_diverges_stops_alone_and_the_others_go_on(worker) -> None:
    main, comparison = fork(linear_lecture, diverging_plans, first=0)
    job = begin(worker, main, comparison)
    messages = collect_until(worker, job, main, comparison, lambda: main.position >= 2000)
    assert worker.owns(job), "the job goes on while run 1 trains"
    worker.cancel(job)
    comparison.follow(main)
    wild = comparison.runs[0]
    reference = linear_lecture()
    reference.set_config(learning_rate=1000.0)
    with pytest.raises(DivergenceError) as raised:
        reference.run(10**9)
    assert messages[0] is None and messages[2] is None
    assert messages[1] == str(raised.value)
    assert wild.stopped_at == wild.trainer.last_step == reference.last_step
    assert wild.message == messages[1]
    sound = comparison.runs[1].trainer
    assert sound.position == main.position
    steps = [main.position, reference.last_step, sound.position]
    assert_same_runs(
        comparison.trainers(main), expected_runs(linear_lecture, diverging_plans, 0, steps)
    )


def test_the_job_ends_when_every_run_diverged(worker) -> None:
    def plans(main: Trainer) -> list[RunPlan]:
        return [with_learning_rate(main, 1000.0), with_learning_rate(main, 3000.0)]

    main, comparison = fork(linear_lecture, plans, first=0)
    main.set_config(learning_rate=5000.0)
    job = begin(worker, main, comparison)
    deadline = time.monotonic() + 30
    ended = []
    while worker.owns(job):
        assert time.monotonic() < deadline
        collected = worker.collect_many(job)
        ended += [i for i, c in enumerate(collected) if c.divergence is not None]
        time.sleep(0.001)
    assert sorted(ended) == [0, 1, 2]


def test_a_run_that_is_behind_is_brought_level_with_run_1(worker) -> None:
    main, comparison = fork(and_example, rates_and_adam, first=0)
    main.run(700)  # the others are still at state 0, 700 steps behind

    def level() -> bool:
        return main.position >= 2000 and all(
            t.last_step == main.position for t in comparison.trainers(main)
        )

    job = begin(worker, main, comparison)
    collect_until(worker, job, main, comparison, level)
    worker.cancel(job)
    n = main.position
    assert_same_runs(
        comparison.trainers(main), expected_runs(and_example, rates_and_adam, 0, [n] * 4)
    )


def test_runs_on_the_numpy_path_with_a_test_set(worker) -> None:
    def make() -> Trainer:
        return load_example("overfitting").to_trainer()  # Adam, a test set: 2 extra columns

    def plans(main: Trainer) -> list[RunPlan]:
        sgd = replace(main.config, optimizer=Optimizer("sgd"), learning_rate=0.2)
        return [RunPlan(sgd, tuple(main.network.activations))]

    main, comparison = fork(make, plans, first=10)
    assert "test_error" in main.history.columns
    job = begin(worker, main, comparison)
    collect_until(worker, job, main, comparison, lambda: main.position >= 400)
    worker.cancel(job)
    comparison.follow(main)
    n = main.position - 10
    assert_same_runs(comparison.trainers(main), expected_runs(make, plans, 10, [n, n]))


def test_a_single_run_after_a_job_of_several_starts_clean(worker) -> None:
    main, comparison = fork(and_example, rates_and_adam, first=0)
    several = begin(worker, main, comparison)
    trainer = lecture_session().to_trainer()
    single = worker.begin(trainer)
    assert not worker.owns(several)
    assert len(worker.collect_many(several)[0].rows) == 0
    deadline = time.monotonic() + 30
    while trainer.position < 1000:
        assert time.monotonic() < deadline
        trainer.adopt(worker.collect(single).rows)
    worker.cancel(single)
    expected = lecture_session().to_trainer()
    expected.run(trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_runs_of_other_widths_are_refused(worker) -> None:
    with pytest.raises(ValueError, match="one width"):
        worker.begin_many([lecture_session().to_trainer(), load_example("xor").to_trainer()])


def test_runs_too_wide_for_one_of_each_in_the_ring_are_refused_and_nothing_changes(
    worker,
) -> None:
    from model.network import Network, initial_weights

    layers = [2, 20, 20, 1]  # 501 parameters: the ring holds 3 of its rows, not 4
    weights, biases = initial_weights(layers, seed=1)
    network = Network(layers, ["tanh", "tanh", "sigmoid"], weights, biases)
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch")
    wide = Trainer(network, load_example("xor").to_trainer().data, config)
    running = worker.begin(lecture_session().to_trainer())
    with pytest.raises(ValueError, match="too few"):
        worker.begin_many([wide] * 4)
    assert worker.owns(running)
    worker.cancel(running)
