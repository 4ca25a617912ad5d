"""Run with compared runs, in the window: the worker process trains them with run 1, each
tick adopts their states with run 1's, and they equal headless runs bit for bit; a run
that diverges stops with a message and the others go on; Back, the timeline and a
comparison begun during the Run keep every run exact."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import click
from PySide6 import QtWidgets

from model.comparison import Comparison, RunPlan, with_learning_rate
from model.session import lecture_session
from model.state import Trainer
from model.training import DivergenceError

RATES = (0.1, 1.0)  # run 1 is the lecture's η = 0.01


@pytest.fixture(params=["background process", "GUI thread"])
def place(request, qtbot, window) -> str:
    if request.param == "background process":
        qtbot.waitUntil(lambda: window.runner.worker_ready, timeout=30000)
    else:
        window.runner.use_worker = False
    return request.param


def count_training_here(lab) -> list[int]:
    """The steps the compared runs' Trainers make in this process from now on (none
    while the worker trains them: it makes them in the other)."""
    steps: list[int] = []
    for run in lab.compared.comparison.runs:
        train = run.trainer.run

        def counting(n: int, *args, _train=train, **kwargs) -> int:
            if n:
                steps.append(n)
            return _train(n, *args, **kwargs)

        run.trainer.run = counting
    return steps


def messages(window) -> list[str]:
    seen: list[str] = []
    window.lab.message.connect(seen.append)
    return seen


def run_until(qtbot, window, condition, timeout: int = 30000) -> None:
    click(qtbot, window, "runButton")
    assert window.runner.running
    qtbot.waitUntil(condition, timeout=timeout)
    click(qtbot, window, "runButton")
    assert not window.runner.running


def headless(make, plan_index: int | None, first: int, steps: int) -> Trainer:
    """Run 1 (plan_index None) or a compared run, forked after `first` steps of run 1,
    trained `steps` steps by its own Trainer in this process."""
    main = make()
    main.run(first)
    if plan_index is None:
        main.run(steps)
        return main
    trainer = Comparison.fork(main, plans_for(main)).runs[plan_index].trainer
    trainer.run(steps)
    return trainer


def plans_for(main: Trainer) -> list[RunPlan]:
    return [with_learning_rate(main, rate) for rate in RATES]


def lecture() -> Trainer:
    return lecture_session().to_trainer()


def assert_runs_equal_headless(qtbot, window, make, origin: int) -> None:
    lab = window.lab
    qtbot.waitUntil(lambda: lab.compared.behind() == 0)  # the GUI thread catches up in slices
    comparison = lab.compared.comparison
    assert comparison is not None and comparison.origin == origin
    main = lab.trainer
    expected = headless(make, None, 0, main.position)
    np.testing.assert_array_equal(main.history.table(), expected.history.table())
    for index, run in enumerate(comparison.runs):
        trainer = run.trainer
        assert trainer.position == trainer.last_step == main.position - origin, index
        expected = headless(make, index, origin, trainer.position)
        np.testing.assert_array_equal(trainer.network.get_flat(), expected.network.get_flat())
        np.testing.assert_array_equal(trainer.history.table(), expected.history.table())


def test_three_rates_run_in_the_worker_and_equal_headless_runs(qtbot, window, place) -> None:
    lab = window.lab
    assert lab.compared.start(plans_for(lab.trainer))
    trained_here = count_training_here(lab)
    held = []
    window.runner.frame.connect(lambda: held.append(lab.compared.held))
    run_until(qtbot, window, lambda: lab.position > 3000)
    if place == "background process":
        assert lab.compared.behind() == 0  # each tick brought them with run 1
    assert_runs_equal_headless(qtbot, window, lecture, origin=0)
    if place == "background process":
        assert held and all(held), "the worker trained the compared runs"
        assert trained_here == [], "nothing was left for the GUI thread to train"
    else:
        assert sum(trained_here) == 2 * lab.position
    assert not lab.compared.held


def test_a_run_that_diverges_stops_with_a_message_and_the_others_go_on(
    qtbot, window, place
) -> None:
    lab = window.lab
    window.findChild(QtWidgets.QComboBox, "ruleCombo").setCurrentIndex(
        window.findChild(QtWidgets.QComboBox, "ruleCombo").findData("backprop")
    )
    window.findChild(QtWidgets.QComboBox, "activationCombo").setCurrentIndex(
        window.findChild(QtWidgets.QComboBox, "activationCombo").findData("linear")
    )
    window.findChild(QtWidgets.QDoubleSpinBox, "learningRateSpin").setValue(0.1)
    main = lab.trainer
    plans = [with_learning_rate(main, 1000.0), with_learning_rate(main, 0.5)]
    assert lab.compared.start(plans)
    seen = messages(window)
    run_until(qtbot, window, lambda: lab.position > 2000)
    qtbot.waitUntil(lambda: lab.compared.behind() == 0)  # the GUI thread catches up in slices
    comparison = lab.compared.comparison
    assert comparison is not None
    wild, sound = comparison.runs

    def make() -> Trainer:
        trainer = lecture()
        trainer.set_config(rule="backprop", learning_rate=0.1)
        trainer.set_activation(1, "linear")  # as the window: a new history, row 0's error
        return trainer

    reference = make()
    reference.set_config(learning_rate=1000.0)
    with pytest.raises(DivergenceError):
        reference.run(10**9)
    assert wild.stopped_at == wild.trainer.last_step == reference.last_step
    assert "non-finite" in wild.message
    np.testing.assert_array_equal(wild.trainer.history.table(), reference.history.table())
    stopped = [m for m in seen if m.startswith("Run 2 stopped")]
    assert stopped == [
        f"Run 2 stopped at step {reference.last_step}: its next step produced NaN or "
        "infinity. The other runs go on."
    ]
    assert sound.trainer.position == lab.position > 2000  # went on, and so did run 1
    expected = make()
    expected.set_config(learning_rate=0.5)
    expected.run(lab.position)
    np.testing.assert_array_equal(sound.trainer.history.table(), expected.history.table())
    assert not window.findChild(QtWidgets.QFrame, "divergenceBanner").isVisible()


def test_back_the_timeline_and_run_again_keep_every_run_exact(qtbot, window, place) -> None:
    lab = window.lab
    click(qtbot, window, "stepButton")
    click(qtbot, window, "stepButton")
    assert lab.compared.start(plans_for(lab.trainer))  # forked at step 2
    run_until(qtbot, window, lambda: lab.position > 1500)
    for _ in range(3):
        click(qtbot, window, "stepBackButton")
    lab.seek(lab.position - 400)  # the timeline: the later states are kept for now
    comparison = lab.compared.comparison
    assert comparison is not None
    assert [r.trainer.position for r in comparison.runs] == [lab.position - 2] * 2
    back_to = lab.position
    run_until(qtbot, window, lambda: lab.position > back_to + 1000)  # the later ones go
    assert_runs_equal_headless(qtbot, window, lecture, origin=2)


def test_the_timeline_during_a_run_moves_every_run(qtbot, window, place) -> None:
    lab = window.lab
    assert lab.compared.start(plans_for(lab.trainer))
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: lab.position > 2000, timeout=30000)
    lab.seek(lab.position // 2)  # a click on the timeline: the run goes on from there
    back_to = lab.position
    qtbot.waitUntil(lambda: lab.position > back_to + 2000, timeout=30000)
    click(qtbot, window, "runButton")
    assert_runs_equal_headless(qtbot, window, lecture, origin=0)


def test_a_comparison_begun_during_a_run_joins_it(qtbot, window, place) -> None:
    lab = window.lab
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: lab.position > 1000, timeout=30000)
    assert lab.compared.start(plans_for(lab.trainer))
    trained_here = count_training_here(lab)
    origin = lab.compared.comparison.origin
    qtbot.waitUntil(lambda: lab.position > origin + 2000, timeout=30000)
    click(qtbot, window, "runButton")
    assert_runs_equal_headless(qtbot, window, lecture, origin=origin)
    if place == "background process":
        assert trained_here == []


def test_the_worker_lost_mid_run_the_runs_go_on_in_the_gui_thread(qtbot, window) -> None:
    """The worker gone (dead, or no longer to be used) during a Run: following run 1
    trains the compared runs here again; the worker back, it trains them again."""
    qtbot.waitUntil(lambda: window.runner.worker_ready, timeout=30000)
    lab, runner = window.lab, window.runner
    assert lab.compared.start(plans_for(lab.trainer))
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: lab.compared.held and lab.position > 1000, timeout=30000)
    runner.use_worker = False  # as when the worker dies: Run steps in the GUI thread
    at = lab.position
    qtbot.waitUntil(lambda: lab.position > at + 2000, timeout=30000)
    assert not lab.compared.held and not runner.in_background
    runner.use_worker = True
    qtbot.waitUntil(lambda: lab.compared.held, timeout=30000)  # in the worker again
    at = lab.position
    qtbot.waitUntil(lambda: lab.position > at + 2000, timeout=30000)
    click(qtbot, window, "runButton")
    assert_runs_equal_headless(qtbot, window, lecture, origin=0)


def test_runs_the_worker_cannot_take_follow_run_1_here(qtbot, window, monkeypatch) -> None:
    """Rows too wide for one of each run in the worker's ring: the worker trains run 1
    alone, once, and the compared runs follow it in the GUI thread."""
    from model.background import BackgroundTrainer

    def refuse(*_args, **_kwargs) -> int:
        raise ValueError("the ring holds 3 rows: too few for 3 runs")

    monkeypatch.setattr(BackgroundTrainer, "begin_many", refuse)
    qtbot.waitUntil(lambda: window.runner.worker_ready, timeout=30000)
    begun = []
    begin = BackgroundTrainer.begin

    def counting(self, trainer) -> int:
        begun.append(trainer)
        return begin(self, trainer)

    monkeypatch.setattr(BackgroundTrainer, "begin", counting)
    lab = window.lab
    assert lab.compared.start(plans_for(lab.trainer))
    run_until(qtbot, window, lambda: window.runner.in_background and lab.position > 3000)
    assert len(begun) == 1 and not lab.compared.held
    assert_runs_equal_headless(qtbot, window, lecture, origin=0)
