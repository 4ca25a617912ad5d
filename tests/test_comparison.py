"""Compared runs (model/comparison.py) without Qt: they follow run 1 exactly, a
session carries them, and the export gives each run's rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from model.comparison import (
    MAX_RUNS,
    Comparison,
    RunPlan,
    run_history,
    runs_csv_chunks,
    with_learning_rate,
)
from model.network import Network, initial_weights
from model.session import SessionError, lecture_session, load_example, load_session
from model.session.writing import save_session
from model.state import Trainer
from model.training import Dataset, TrainingConfig


def lecture() -> Trainer:
    return lecture_session().to_trainer()


def headless(rate: float, steps: int, first: int = 0) -> np.ndarray:
    """The lecture net after `first` steps at η 0.01, then `steps` at `rate`."""
    trainer = lecture()
    trainer.run(first) if first else None
    trainer.set_config(learning_rate=rate)
    trainer.run(steps)
    return trainer.network.get_flat()


def three_rates(main: Trainer, origin: int | None = None) -> Comparison:
    return Comparison.fork(main, [with_learning_rate(main, r) for r in (0.1, 1.0)], origin)


def test_runs_after_50_steps_equal_headless_runs_bit_for_bit() -> None:
    main = lecture()
    comparison = three_rates(main)
    main.run(50)
    comparison.follow(main)
    thetas = [t.network.get_flat() for t in comparison.trainers(main)]
    for theta, rate in zip(thetas, (0.01, 0.1, 1.0), strict=True):
        assert np.array_equal(theta, headless(rate, 50))


def test_step_by_step_equals_one_long_follow() -> None:
    main, other = lecture(), lecture()
    stepped, jumped = three_rates(main), three_rates(other)
    for _ in range(30):
        main.run(1)
        stepped.follow(main)
    other.run(30)
    jumped.follow(other)
    for a, b in zip(stepped.trainers(main), jumped.trainers(other), strict=True):
        assert np.array_equal(a.history.rows_view(31), b.history.rows_view(31))


def test_back_and_timeline_move_every_run() -> None:
    main = lecture()
    comparison = three_rates(main)
    main.run(20)
    comparison.follow(main)
    main.seek(7)
    comparison.follow(main)
    assert [t.position for t in comparison.trainers(main)] == [7, 7, 7]
    assert [t.last_step for t in comparison.trainers(main)] == [20, 20, 20]  # kept, as run 1's
    main.seek(20)
    main.truncate(12)  # Back, several times
    comparison.follow(main)
    assert [t.last_step for t in comparison.trainers(main)] == [12, 12, 12]
    main.run(8)
    comparison.follow(main)
    assert np.array_equal(comparison.runs[1].trainer.network.get_flat(), headless(1.0, 20))


def test_a_run_forked_later_starts_from_run_1s_state_there() -> None:
    main = lecture()
    main.run(10)
    comparison = three_rates(main)
    assert comparison.origin == 10
    main.run(25)
    comparison.follow(main)
    run = comparison.runs[0].trainer
    assert run.position == 25  # its own numbering: run 1's step 35
    assert np.array_equal(run.network.get_flat(), headless(0.1, 25, first=10))
    assert comparison.summaries(main)[1].step == 35
    main.seek(4)  # before the origin: the runs wait at their start
    comparison.follow(main)
    assert run.position == 0


def test_follow_in_slices_reaches_the_same_state() -> None:
    main = lecture()
    comparison = three_rates(main)
    main.run(1000)
    rounds = 0
    while not comparison.follow(main, max_steps=64):
        rounds += 1
    assert rounds == 1000 // 64
    assert comparison.behind(main) == 0
    assert np.array_equal(comparison.runs[1].trainer.network.get_flat(), headless(1.0, 1000))


def test_a_diverging_run_stops_with_a_message_and_the_others_go_on() -> None:
    network = Network([1, 1], ["linear"], [np.array([[1.0]])], [np.array([0.0])])
    data = Dataset(np.array([[10.0]]), np.array([[1.0]]))
    main = Trainer(network, data, TrainingConfig("backprop", learning_rate=0.001, mode="batch"))
    plan = RunPlan(replace(main.config, learning_rate=1.0), ("linear",))
    comparison = Comparison.fork(main, [plan])
    main.run(500)
    comparison.follow(main)
    run = comparison.runs[0]
    assert run.stopped_at is not None and run.trainer.last_step == run.stopped_at < 500
    assert "non-finite value" in run.message
    assert comparison.summaries(main)[1].message == run.message
    assert comparison.behind(main) == 0  # a stopped run is not waited for
    main.truncate(run.stopped_at - 1)  # Back before it diverged: it may go on again
    comparison.follow(main)
    assert run.stopped_at is None


def test_an_edit_at_the_origin_means_forking_again() -> None:
    main = lecture()
    comparison = three_rates(main)
    assert not comparison.forked_elsewhere(main)
    main.set_parameters(main.network.get_flat() + 0.1)
    assert comparison.forked_elsewhere(main)


def test_a_seeded_run_starts_from_fresh_weights() -> None:
    main = load_example("xor").to_trainer()
    plan = RunPlan(main.config, tuple(main.network.activations), seed=7)
    run = Comparison.fork(main, [plan]).runs[0].trainer
    weights, biases = initial_weights(main.network.layers, "uniform", 7)
    expected = Network(main.network.layers, main.network.activations, weights, biases)
    assert np.array_equal(run.network.get_flat(), expected.get_flat())


def test_labels_name_what_differs() -> None:
    main = lecture()
    assert three_rates(main).labels(main) == ["Run 1: η = 0.01", "Run 2: η = 0.1", "Run 3: η = 1"]
    xor = load_example("xor").to_trainer()
    plan = RunPlan(replace(xor.config, mode="online"), ("tanh", "sigmoid"))
    labels = Comparison.fork(xor, [plan]).labels(xor)
    assert labels == [
        "Run 1: mode = batch, activations = sigmoid/sigmoid",
        "Run 2: mode = online, activations = tanh/sigmoid",
    ]


def test_fork_refuses_what_cannot_run() -> None:
    main = lecture()
    with pytest.raises(ValueError, match="at most 4 runs"):
        Comparison.fork(main, [with_learning_rate(main, 0.1)] * MAX_RUNS)
    hidden = RunPlan(main.config, ("sigmoid",))
    xor = load_example("xor").to_trainer()
    with pytest.raises(ValueError, match=r"run 2: .*delta rule"):
        Comparison.fork(xor, [RunPlan(replace(xor.config, rule="delta"), hidden.activations * 2)])


def test_the_csv_with_a_run_column_holds_every_runs_rows() -> None:
    main = lecture()
    main.run(5)
    comparison = three_rates(main)
    main.run(10)
    comparison.follow(main)
    rows = list(csv.reader(io.StringIO("".join(runs_csv_chunks(comparison, main)))))
    assert rows[0] == ["run", "step", "W1", "W2", "b", "error"]
    by_run = {n: [r for r in rows[1:] if r[0] == str(n)] for n in (1, 2, 3)}
    assert [len(by_run[n]) for n in (1, 2, 3)] == [16, 11, 11]
    assert [int(r[1]) for r in by_run[2]] == list(range(5, 16))
    first, history = run_history(comparison, main, 3)
    assert first == 5 and len(history) == 11
    assert float(by_run[3][-1][5]) == history.error_at(10)  # repr: exact


def test_a_saved_session_reopens_with_its_comparison(tmp_path: Path) -> None:
    main = lecture()
    main.run(3)
    plans = [with_learning_rate(main, 0.1), RunPlan(main.config, ("tanh",), seed=2)]
    comparison = Comparison.fork(main, plans)
    main.run(4)
    comparison.follow(main)
    path = tmp_path / "compared.json"
    save_session(main, path, comparison=comparison.plan())
    session = load_session(path)
    assert session.comparison == comparison.plan()
    reopened = session.to_trainer()
    again = Comparison.fork(reopened, session.comparison.plans, session.comparison.origin)
    again.follow(reopened)
    for a, b in zip(again.trainers(reopened), comparison.trainers(main), strict=True):
        assert np.array_equal(a.history.rows_view(5), b.history.rows_view(5))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"origin": 9}, "comparison.origin"),
        ({"runs": []}, "comparison.runs"),
        ({"runs": "fast"}, "comparison.runs"),
        (
            {
                "runs": [
                    {"training": {"rule": "delta", "learning_rate": -1}, "activations": ["sigmoid"]}
                ]
            },
            "comparison.runs[0].training.learning_rate",
        ),
        (
            {
                "runs": [
                    {"training": {"rule": "delta", "learning_rate": 1}, "activations": ["nope"]}
                ]
            },
            "comparison.runs[0].activations[0]",
        ),
        (
            {
                "runs": [
                    {
                        "training": {"rule": "delta", "learning_rate": 1},
                        "activations": ["sigmoid"],
                        "seed": -3,
                    }
                ]
            },
            "comparison.runs[0].seed",
        ),
    ],
)
def test_a_bad_comparison_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    document = json.loads((Path("resources/examples/learning_rates.json")).read_text())
    document["comparison"].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SessionError) as caught:
        load_session(path)
    assert caught.value.field == field


@pytest.mark.parametrize("name", ["learning_rates", "online_vs_batch"])
def test_the_lessons_carry_their_comparison(name: str) -> None:
    session = load_example(name)
    assert session.comparison is not None
    main = session.to_trainer()
    comparison = Comparison.fork(main, session.comparison.plans, session.comparison.origin)
    main.run(40)
    comparison.follow(main)
    errors = [s.error for s in comparison.summaries(main)]
    assert len(set(errors)) == len(errors)  # the runs really differ


def test_a_divergence_message_counts_steps_as_run_1() -> None:
    network = Network([1, 1], ["linear"], [np.array([[1.0]])], [np.array([0.0])])
    data = Dataset(np.array([[10.0]]), np.array([[1.0]]))
    main = Trainer(network, data, TrainingConfig("backprop", learning_rate=0.001, mode="batch"))
    main.run(30)
    comparison = Comparison.fork(
        main, [RunPlan(replace(main.config, learning_rate=1.0), ("linear",))]
    )
    main.run(500)
    comparison.follow(main)
    run = comparison.runs[0]
    first_bad = 30 + run.stopped_at + 1
    assert run.message.startswith(f"step {first_bad} produced a non-finite value")
    assert f"stopped at step {first_bad - 1}," in run.message
