"""Training beyond plain gradient descent, in the window: the optimizer and its settings,
L1/L2, mini-batches and the test set, driven through the real widgets (combo boxes, keys
typed into spin boxes, buttons); the test error's curve and the test samples on the
output map; the lessons among the examples."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import choose, click
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui.plots import TEST_LABEL
from gui.teaching.output_map import SAMPLES_LABEL, TEST_SAMPLES_LABEL
from model.datasets import make_dataset
from model.optimizers import Optimizer
from model.session import load_example


def widget(window: QtWidgets.QWidget, cls: type, name: str):
    found = window.findChild(cls, name)
    assert found is not None, name
    return found


def combo(window: QtWidgets.QWidget, name: str) -> QtWidgets.QComboBox:
    return widget(window, QtWidgets.QComboBox, name)


def spin(window: QtWidgets.QWidget, name: str) -> QtWidgets.QAbstractSpinBox:
    return widget(window, QtWidgets.QAbstractSpinBox, name)


def type_into(qtbot: QtBot, box: QtWidgets.QAbstractSpinBox, text: str) -> None:
    """Select what the box shows, type `text` over it and press Enter."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def undo(qtbot: QtBot, window: QtWidgets.QWidget) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def message(window: QtWidgets.QMainWindow) -> str:
    return window.statusBar().currentMessage()


def open_example(window: QtWidgets.QMainWindow, name: str) -> None:
    window.findChild(QtGui.QAction, f"example_{name}").trigger()


# -- the optimizer and its settings ---------------------------------------------------------
def test_choosing_adam_and_typing_its_settings_reaches_the_trainer_and_undoes(
    qtbot, window
) -> None:
    open_example(window, "xor")
    trainer_config = lambda: window.lab.trainer.config  # noqa: E731
    assert trainer_config().optimizer == Optimizer("sgd")
    choose(qtbot, combo(window, "optimizerCombo"), "adam")
    assert trainer_config().optimizer == Optimizer("adam")
    type_into(qtbot, spin(window, "beta1Spin"), "0.8")
    type_into(qtbot, spin(window, "epsilonSpin"), "1e-6")
    assert trainer_config().optimizer == Optimizer("adam", beta1=0.8, epsilon=1e-6)
    assert spin(window, "epsilonSpin").text() == "1e-6"
    type_into(qtbot, spin(window, "l2Spin"), "1e-4")
    assert trainer_config().l2 == 1e-4
    assert spin(window, "l2Spin").text() == "0.0001"
    click(qtbot, window, "stepButton")
    assert window.lab.trainer.config_for_step(0).optimizer.name == "adam"
    undo(qtbot, window)  # the step
    undo(qtbot, window)  # l2
    assert trainer_config().l2 == 0.0
    assert spin(window, "l2Spin").value() == 0.0
    undo(qtbot, window)  # the optimizer's changes (one entry: the same setting)
    assert trainer_config().optimizer == Optimizer("sgd")
    assert combo(window, "optimizerCombo").currentData() == "sgd"


def test_only_the_settings_the_optimizer_reads_are_shown(qtbot, window) -> None:
    open_example(window, "xor")
    names = ["momentumSpin", "nesterovCheck", "alphaSpin", "beta1Spin", "beta2Spin"]
    names.append("epsilonSpin")
    shown = {
        "sgd": set(),
        "momentum": {"momentumSpin", "nesterovCheck"},
        "rmsprop": {"alphaSpin", "epsilonSpin"},
        "adam": {"beta1Spin", "beta2Spin", "epsilonSpin"},
    }
    box = combo(window, "optimizerCombo")
    for name, expected in shown.items():
        choose(qtbot, box, name)
        visible = {n for n in names if widget(window, QtWidgets.QWidget, n).isVisible()}
        assert visible == expected, name
        tip = box.itemData(box.currentIndex(), Qt.ItemDataRole.ToolTipRole)
        assert tip and tip.endswith(".")
    assert "valley" in combo(window, "optimizerCombo").itemData(
        box.findData("momentum"), Qt.ItemDataRole.ToolTipRole
    )


def test_momentum_and_nesterov_from_the_widgets(qtbot, window) -> None:
    open_example(window, "xor")
    choose(qtbot, combo(window, "optimizerCombo"), "momentum")
    type_into(qtbot, spin(window, "momentumSpin"), "0.5")
    widget(window, QtWidgets.QCheckBox, "nesterovCheck").click()
    assert window.lab.trainer.config.optimizer == Optimizer("momentum", 0.5, True)
    # the arrows stay inside [0, 1): up from 0.995 stops at 0.999
    type_into(qtbot, spin(window, "momentumSpin"), "0.995")
    qtbot.keyClick(spin(window, "momentumSpin"), Qt.Key.Key_Up)
    assert window.lab.trainer.config.optimizer.momentum == 0.999


def test_a_refused_value_leaves_the_old_one_and_says_why(qtbot, window) -> None:
    open_example(window, "xor")
    choose(qtbot, combo(window, "optimizerCombo"), "adam")
    depth = window.lab.undo_stack.count()
    type_into(qtbot, spin(window, "beta1Spin"), "1")
    assert window.lab.trainer.config.optimizer.beta1 == 0.9
    assert spin(window, "beta1Spin").text() == "0.9"
    assert "beta1" in message(window) and "[0, 1)" in message(window)
    type_into(qtbot, spin(window, "epsilonSpin"), "0")
    assert window.lab.trainer.config.optimizer.epsilon == 1e-8
    assert spin(window, "epsilonSpin").text() == "1e-8"
    assert "epsilon" in message(window)
    type_into(qtbot, spin(window, "l1Spin"), "-0.5")
    assert window.lab.trainer.config.l1 == 0.0
    assert "l1" in message(window)
    assert window.lab.undo_stack.count() == depth  # nothing to undo


def test_the_penalty_arrows_go_by_powers_of_ten_from_zero(qtbot, window) -> None:
    box = spin(window, "l1Spin")
    assert not box.stepEnabled() & QtWidgets.QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
    box.setFocus()
    for expected in (1e-4, 1e-3):
        qtbot.keyClick(box, Qt.Key.Key_Up)
        assert window.lab.trainer.config.l1 == pytest.approx(expected, rel=1e-12)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert window.lab.trainer.config.l1 == 0.0


# -- mini-batches ---------------------------------------------------------------------------
def test_the_batch_size_is_used_only_in_mini_batch_mode_and_not_above_the_samples(
    qtbot, window
) -> None:
    open_example(window, "xor")  # 4 samples, batch mode
    batch = spin(window, "batchSizeSpin")
    assert not batch.isEnabled()
    choose(qtbot, combo(window, "modeCombo"), "minibatch")
    config = window.lab.trainer.config
    assert (config.mode, config.batch_size) == ("minibatch", 2)
    assert batch.isEnabled()
    type_into(qtbot, batch, "3")
    assert window.lab.trainer.config.batch_size == 3
    qtbot.keyClick(batch, Qt.Key.Key_Up)
    qtbot.keyClick(batch, Qt.Key.Key_Up)  # the arrows stop at the 4 samples
    assert window.lab.trainer.config.batch_size == 4
    type_into(qtbot, batch, "9")
    assert window.lab.trainer.config.batch_size == 4
    assert batch.value() == 4
    assert "batch_size" in message(window) and "4 samples" in message(window)
    choose(qtbot, combo(window, "modeCombo"), "online")
    assert not batch.isEnabled()
    undo(qtbot, window)  # back to mini-batches of 4
    assert window.lab.trainer.config.mode == "minibatch"
    assert batch.isEnabled() and combo(window, "modeCombo").currentData() == "minibatch"


# -- the test set ---------------------------------------------------------------------------
def test_a_test_split_adds_a_test_set_its_column_and_its_curve(qtbot, window) -> None:
    open_example(window, "xor")
    window.lab.set_dataset(make_dataset("circle", 40, 0, 0.1), "Dataset: circle")
    label = widget(window, QtWidgets.QLabel, "testSetLabel")
    plot = window.plots_panel.error_plot
    assert plot.test_curve is None and "No test set" in label.text()
    type_into(qtbot, spin(window, "testFractionSpin"), "25")
    type_into(qtbot, spin(window, "testSeedSpin"), "7")
    click(qtbot, window, "applyTestSplitButton")
    data = window.lab.trainer.data
    assert data.test_inputs is not None and len(data.test_inputs) == 10
    assert data.n_samples == 30
    assert "session's test set: 10 samples" in label.text()
    assert window.lab.trainer.history.columns[-1] == "test_error"
    for _ in range(3):
        click(qtbot, window, "stepButton")
    assert plot.test_curve is not None
    names = [entry.text for _sample, entry in plot.legend.items]
    assert names[-1] == TEST_LABEL
    _x, y = plot.test_curve.getData()
    np.testing.assert_array_equal(y, window.lab.trainer.history.column("test_error"))
    assert plot.test_curve.opts["pen"].color() != plot.curve.opts["pen"].color()
    # 0 % puts the samples back: no test set, no curve
    type_into(qtbot, spin(window, "testFractionSpin"), "0")
    click(qtbot, window, "applyTestSplitButton")
    assert not window.lab.trainer.data.has_test_set and window.lab.trainer.data.n_samples == 40
    assert plot.test_curve is None and "No test set" in label.text()


def test_a_split_that_leaves_no_training_sample_is_refused(qtbot, window) -> None:
    # the lecture example has one sample: no fraction can split it
    type_into(qtbot, spin(window, "testFractionSpin"), "50")
    click(qtbot, window, "applyTestSplitButton")
    assert not window.lab.trainer.data.has_test_set
    assert "Test set not changed" in message(window)


def test_the_output_map_draws_test_samples_as_crosses(qtbot, window) -> None:
    window.lab.set_dataset(make_dataset("blobs", 20, 0, 0.1), "blobs")
    type_into(qtbot, spin(window, "testFractionSpin"), "20")
    click(qtbot, window, "applyTestSplitButton")
    tabs = window.view_tabs
    tabs.setCurrentWidget(tabs.pages["output_map"])  # the tab, as a click on it shows it
    view = window.output_map
    data = window.lab.trainer.data
    x, y = view.samples.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), data.inputs)
    x, y = view.test_samples.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), data.test_inputs)
    train_spots, test_spots = view.samples.points(), view.test_samples.points()
    assert {s.symbol() for s in train_spots} == {"o"}
    assert {s.symbol() for s in test_spots} == {"x"}
    assert test_spots[0].pen().color().name() == "#222222"  # a dark outline, not white
    assert train_spots[0].pen().color().name() == "#ffffff"
    fills = {s.brush().color().name() for s in test_spots}
    assert fills == {s.brush().color().name() for s in train_spots}  # the classes' colours
    names = [entry.text for _sample, entry in view.legend.items]
    assert SAMPLES_LABEL in names and TEST_SAMPLES_LABEL in names
    window.undo_action.trigger()  # no test set: no crosses, no legend entry
    assert len(view.test_samples.getData()[0]) == 0
    assert TEST_SAMPLES_LABEL not in [entry.text for _sample, entry in view.legend.items]


# -- the lessons ----------------------------------------------------------------------------
def test_the_narrow_valley_steps_with_momentum_as_a_headless_run(qtbot, window) -> None:
    open_example(window, "valley")
    assert combo(window, "optimizerCombo").currentData() == "momentum"
    assert spin(window, "momentumSpin").isVisible()
    assert spin(window, "momentumSpin").text() == "0.9"
    for _ in range(20):
        click(qtbot, window, "stepButton")
    expected = load_example("valley").to_trainer()
    expected.run(20)
    np.testing.assert_array_equal(window.lab.trainer.history.table(), expected.history.table())
    assert window.lab.trainer.config_for_step(19).optimizer.name == "momentum"
