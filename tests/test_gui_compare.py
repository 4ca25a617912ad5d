"""Compared runs in the window, driven through the real widgets: Run → Compare… sets up
the runs, Step / Back / the timeline move them all, the error plot draws one curve and
one legend entry per run, the runs table and the error surface show them, File → Export
compared runs… writes each run's rows, and the lesson "η too small / right / too large"
opens with its three runs."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import choose, click
from PySide6 import QtCore, QtGui, QtWidgets

from gui.compare.dialog import CompareDialog
from gui.compare.export import ONE_FILE, PER_RUN
from model.history import read_csv
from model.session import lecture_session
from model.state import Trainer

Qt = QtCore.Qt
RATES = (0.01, 0.1, 1.0)  # run 1 is the lecture's η


def headless(rate: float, steps: int) -> Trainer:
    """The lecture net trained `steps` steps with η = `rate`, without any window."""
    session = lecture_session()
    trainer = replace(session, config=replace(session.config, learning_rate=rate)).to_trainer()
    if steps:
        trainer.run(steps)
    return trainer


def action(window, name: str) -> QtGui.QAction:
    found = window.findChild(QtGui.QAction, name)
    assert found is not None, name
    return found


def open_dialog(qtbot, window) -> CompareDialog:
    """Run → Compare… from the menu bar's Run menu."""
    run_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Run"
    )
    assert action(window, "compareAction") in run_menu.actions()
    action(window, "compareAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "compareDialog")
    assert isinstance(dialog, CompareDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def type_into(qtbot, dialog: QtWidgets.QWidget, name: str, text: str) -> None:
    edit = dialog.findChild(QtWidgets.QLineEdit, name)
    assert edit is not None, name
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def press_ok(qtbot, dialog: QtWidgets.QWidget) -> None:
    ok = dialog.findChild(QtWidgets.QPushButton, "compareOkButton")
    assert ok is not None
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def compare_rates(qtbot, window) -> None:
    """Runs 2 and 3 with η 0.1 and 1, typed into the dialog; OK."""
    dialog = open_dialog(qtbot, window)
    for number, rate in ((2, "0.1"), (3, "1")):
        check = dialog.findChild(QtWidgets.QCheckBox, f"compareRun{number}Check")
        check.setChecked(True)
        type_into(qtbot, dialog, f"compareRun{number}Eta", rate)
    dialog.findChild(QtWidgets.QCheckBox, "compareRun4Check").setChecked(False)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.lab.compared.active


def caught_up(window) -> bool:
    return window.lab.compared.behind() == 0


def step(qtbot, window, times: int) -> None:
    for _ in range(times):
        click(qtbot, window, "stepButton")
    qtbot.waitUntil(lambda: caught_up(window))


def trainers(window) -> list[Trainer]:
    return window.lab.compared.comparison.trainers(window.lab.trainer)


def legend_names(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


@pytest.fixture
def compared(qtbot, window):
    """The lecture window comparing η 0.01 (run 1), 0.1 and 1 after 50 Steps."""
    compare_rates(qtbot, window)
    step(qtbot, window, 50)
    return window


# -- the runs, bit for bit --------------------------------------------------------------------
def test_fifty_steps_equal_headless_runs_bit_for_bit(compared) -> None:
    runs = trainers(compared)
    assert len(runs) == 3
    for trainer, rate in zip(runs, RATES, strict=True):
        assert trainer.config.learning_rate == rate
        assert trainer.position == 50
        assert np.array_equal(trainer.network.get_flat(), headless(rate, 50).network.get_flat())


def test_one_step_moves_the_runs_once(qtbot, compared) -> None:
    """The Lab signals a step twice (history, position): the runs follow, and the views
    hear of it, once."""
    with qtbot.waitSignals([compared.lab.compared.changed], timeout=1000):
        click(qtbot, compared, "stepButton")
    seen: list[int] = []
    compared.lab.compared.changed.connect(lambda: seen.append(1))
    click(qtbot, compared, "stepButton")
    assert len(seen) == 1
    assert [t.position for t in trainers(compared)] == [52, 52, 52]


def test_back_and_the_timeline_move_every_run(qtbot, compared) -> None:
    window = compared
    for _ in range(5):
        click(qtbot, window, "stepBackButton")
    qtbot.waitUntil(lambda: caught_up(window))
    assert [t.position for t in trainers(window)] == [45, 45, 45]
    slider = window.findChild(QtWidgets.QSlider, "stepSlider")
    slider.setValue(20)  # as a drag of the timeline does
    qtbot.waitUntil(lambda: caught_up(window))
    summaries = window.lab.compared.comparison.summaries(window.lab.trainer)
    assert [s.step for s in summaries] == [20, 20, 20]
    for trainer, rate in zip(trainers(window), RATES, strict=True):
        assert trainer.position == 20
        assert np.array_equal(trainer.network.get_flat(), headless(rate, 20).network.get_flat())
    # Steps after the timeline: every run goes on from step 20 (the later ones forgotten).
    step(qtbot, window, 3)
    for trainer, rate in zip(trainers(window), RATES, strict=True):
        assert trainer.position == 23 and trainer.last_step == 23
        assert np.array_equal(trainer.network.get_flat(), headless(rate, 23).network.get_flat())


# -- the views --------------------------------------------------------------------------------
def test_the_plot_has_one_curve_and_one_legend_entry_per_run(compared) -> None:
    plot = compared.plots_panel.error_plot
    labels = compared.lab.compared.comparison.labels(compared.lab.trainer)
    assert labels == ["Run 1: η = 0.01", "Run 2: η = 0.1", "Run 3: η = 1"]
    assert legend_names(plot) == labels
    curves = [plot.curve, *(run.error for run in compared.compare.curves.runs)]
    assert len(curves) == 3
    for curve, trainer in zip(curves, trainers(compared), strict=True):
        x, y = curve.getOriginalDataset()
        np.testing.assert_array_equal(x, np.arange(51))
        np.testing.assert_array_equal(y, trainer.history.errors[:51])
    colours = {curve.opts["pen"].color().name() for curve in curves}
    assert len(colours) == 3
    # The legend is under the plot: no curve is hidden behind it.
    view = plot.getPlotItem().vb.sceneBoundingRect()
    assert not plot.legend.sceneBoundingRect().intersects(view)


def test_a_run_forked_later_starts_at_that_step_on_the_plot(qtbot, window) -> None:
    step(qtbot, window, 10)
    compare_rates(qtbot, window)
    step(qtbot, window, 5)
    comparison = window.lab.compared.comparison
    assert comparison.first_steps() == [0, 10, 10]
    x, _y = window.compare.curves.runs[0].error.getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(10, 16))


def test_the_runs_table_shows_every_run(compared) -> None:
    table = compared.findChild(QtWidgets.QTableView, "compareTable")
    dock = compared.findChild(QtWidgets.QDockWidget, "compareDock")
    assert table is not None and dock.isVisible()
    model = table.model()
    assert model.rowCount() == 3
    text = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(3)]
    assert [row[0] for row in text] == ["Run 1: η = 0.01", "Run 2: η = 0.1", "Run 3: η = 1"]
    assert [row[2] for row in text] == ["50", "50", "50"]
    main = compared.lab.trainer
    for row, trainer in zip(text[1:], trainers(compared)[1:], strict=True):
        distance = np.linalg.norm(trainer.network.get_flat() - main.network.get_flat())
        assert float(row[4]) == pytest.approx(distance, rel=1e-8)
    swatch = model.index(1, 0).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(swatch, QtGui.QColor)
    # The dock leaves the plots their room at 1366×768.
    compared.resize(1366, 768)
    assert dock.height() < 170
    assert compared.plots_panel.error_plot.height() > 200


def test_the_error_surface_draws_each_run_path(qtbot, compared) -> None:
    tabs = compared.view_tabs
    tabs.setCurrentWidget(tabs.pages["error_surface"])
    view = compared.error_surface
    qtbot.waitUntil(lambda: len(view.run_paths.runs) == 3)
    i, j = view.selection
    for run, trainer in zip(view.run_paths.runs, trainers(compared), strict=True):
        np.testing.assert_array_equal(run.xs, trainer.history.parameters[i, :51])
        np.testing.assert_array_equal(run.ys, trainer.history.parameters[j, :51])
    colours = [run.line.opts["pen"].color().name() for run in view.run_paths.runs]
    assert len(set(colours)) == 3


def test_end_comparison(qtbot, compared) -> None:
    end = action(compared, "endComparisonAction")
    assert end.isEnabled() and action(compared, "exportRunsAction").isEnabled()
    end.trigger()
    assert not compared.lab.compared.active
    assert not end.isEnabled() and not action(compared, "exportRunsAction").isEnabled()
    assert not compared.findChild(QtWidgets.QDockWidget, "compareDock").isVisible()
    assert legend_names(compared.plots_panel.error_plot) == ["E (squared error)"]


# -- export -----------------------------------------------------------------------------------
def answer_save(monkeypatch, path: Path, chosen: str) -> None:
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), chosen)
    )


def test_export_one_file_with_a_run_column(qtbot, monkeypatch, tmp_path, compared) -> None:
    target = tmp_path / "runs.csv"
    answer_save(monkeypatch, target, ONE_FILE)
    action(compared, "exportRunsAction").trigger()
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["run", *compared.lab.trainer.history.columns]
    for number, trainer in enumerate(trainers(compared), start=1):
        mine = np.array([[float(v) for v in row[2:]] for row in rows[1:] if row[0] == str(number)])
        steps = [int(row[1]) for row in rows[1:] if row[0] == str(number)]
        assert steps == list(range(51))
        np.testing.assert_array_equal(mine, trainer.history.rows_view(51))


def test_export_one_file_per_run(qtbot, monkeypatch, tmp_path, compared) -> None:
    answer_save(monkeypatch, tmp_path / "lesson", PER_RUN)  # the suffix is added
    action(compared, "exportRunsAction").trigger()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lesson-run1.csv",
        "lesson-run2.csv",
        "lesson-run3.csv",
    ]
    for number, trainer in enumerate(trainers(compared), start=1):
        header, values = read_csv(tmp_path / f"lesson-run{number}.csv")
        assert header == trainer.history.columns
        np.testing.assert_array_equal(values[:, 0], np.arange(51))
        np.testing.assert_array_equal(values[:, 1:], trainer.history.rows_view(51))


def test_export_refuses_a_folder(qtbot, monkeypatch, tmp_path, dialogs, compared) -> None:
    folder = tmp_path / "a folder.csv"
    folder.mkdir()
    answer_save(monkeypatch, folder, ONE_FILE)
    action(compared, "exportRunsAction").trigger()
    assert dialogs.warnings and "folder" in dialogs.warnings[0]
    assert list(folder.iterdir()) == []


# -- the lesson and the dialog's checks ---------------------------------------------------------
def test_the_learning_rates_lesson_opens_with_three_runs(qtbot, window) -> None:
    action(window, "example_learning_rates").trigger()
    labels = window.lab.compared.comparison.labels(window.lab.trainer)
    assert labels == ["Run 1: η = 0.01", "Run 2: η = 5", "Run 3: η = 100"]
    assert window.findChild(QtWidgets.QDockWidget, "compareDock").isVisible()
    assert window.findChild(QtWidgets.QTableView, "compareTable").model().rowCount() == 3
    assert legend_names(window.plots_panel.error_plot) == labels
    step(qtbot, window, 10)
    assert [t.position for t in trainers(window)] == [10, 10, 10]
    dialog = open_dialog(qtbot, window)  # shows the lesson's runs
    assert [dialog.findChild(QtWidgets.QLineEdit, f"compareRun{n}Eta").text() for n in (2, 3)] == [
        "5",
        "100",
    ]
    assert not dialog.findChild(QtWidgets.QCheckBox, "compareRun4Check").isChecked()


@pytest.mark.parametrize(
    ("eta", "said"),
    [("abc", "Run 2: η must be a number"), ("0", "Run 2: learning rate must be"), ("-1", "> 0")],
)
def test_a_bad_learning_rate_keeps_the_dialog_open(qtbot, window, eta, said) -> None:
    dialog = open_dialog(qtbot, window)
    type_into(qtbot, dialog, "compareRun2Eta", eta)
    press_ok(qtbot, dialog)
    message = dialog.findChild(QtWidgets.QLabel, "compareMessage")
    assert dialog.isVisible() and message.isVisible()
    assert said in message.text()
    assert not window.lab.compared.active


def test_a_rule_the_network_cannot_use_is_refused(qtbot, window) -> None:
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun3Rule"), "backprop")
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun3Activation1"), "step")
    press_ok(qtbot, dialog)
    text = dialog.findChild(QtWidgets.QLabel, "compareMessage").text()
    assert text.startswith("Run 3:") and "backprop" in text
    assert dialog.isVisible() and not window.lab.compared.active
    # Fixed in the dialog, OK starts the comparison.
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun3Activation1"), "sigmoid")
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.lab.compared.active


def test_the_dialog_sets_every_setting_of_a_run(qtbot, window) -> None:
    """Run 4 alone, with momentum, L2, mini-batches of 1, tanh and fresh weights."""
    dialog = open_dialog(qtbot, window)
    for n in (2, 3):
        dialog.findChild(QtWidgets.QCheckBox, f"compareRun{n}Check").setChecked(False)
    dialog.findChild(QtWidgets.QCheckBox, "compareRun4Check").setChecked(True)
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun4Optimizer"), "momentum")
    type_into(qtbot, dialog, "compareRun4Momentum", "0.5")
    type_into(qtbot, dialog, "compareRun4L2", "0.01")
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun4Mode"), "minibatch")
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun4Activation1"), "tanh")
    choose(qtbot, dialog.findChild(QtWidgets.QComboBox, "compareRun4Weights"), "seed")
    dialog.findChild(QtWidgets.QSpinBox, "compareRun4Seed").setValue(7)
    press_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    (plan,) = window.lab.compared.comparison.plans()
    assert plan.config.optimizer.name == "momentum" and plan.config.optimizer.momentum == 0.5
    assert plan.config.l2 == 0.01 and plan.config.mode == "minibatch"
    assert plan.config.batch_size == 1
    assert plan.activations == ("tanh",) and plan.seed == 7


def test_the_dialog_is_keyboard_accessible_and_named(qtbot, window) -> None:
    dialog = open_dialog(qtbot, window)
    inputs = [
        w
        for w in dialog.findChildren(QtWidgets.QWidget)
        if isinstance(w, QtWidgets.QLineEdit | QtWidgets.QComboBox | QtWidgets.QAbstractButton)
        and not isinstance(w.parentWidget(), QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox)
        and not isinstance(w, QtWidgets.QScrollBar)
    ]
    unnamed = [type(w).__name__ for w in inputs if not w.objectName()]
    assert unnamed == []
    # Tab from run 2's check box walks down its column.
    check = dialog.findChild(QtWidgets.QCheckBox, "compareRun2Check")
    assert check.nextInFocusChain() is dialog.findChild(QtWidgets.QLineEdit, "compareRun2Eta")
    # Escape cancels: nothing starts.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not window.lab.compared.active
    assert not action(window, "endComparisonAction").isEnabled()
