"""The divergence banner, driven as a student meets it: it offers the state before the
error exploded (not the absurd last finite one) with half the learning rate, or a step of
one's choice, and goes away when the history or the settings it talks about are gone."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import button, choose, click
from PySide6 import QtGui, QtWidgets

from model.divergence import last_sane_state


def banner(window) -> QtWidgets.QFrame:
    frame = window.findChild(QtWidgets.QFrame, "divergenceBanner")
    assert frame is not None
    return frame


def learning_rate(window) -> QtWidgets.QDoubleSpinBox:
    return window.findChild(QtWidgets.QDoubleSpinBox, "learningRateSpin")


def diverge(qtbot, window, good_steps: int = 0) -> None:
    """A linear neuron (backprop) trained `good_steps` with a sound η, then Run with
    η = 1000, until the banner says it diverged."""
    choose(qtbot, window.findChild(QtWidgets.QComboBox, "ruleCombo"), "backprop")
    choose(qtbot, window.findChild(QtWidgets.QComboBox, "activationCombo"), "linear")
    learning_rate(window).setValue(0.1)
    for _ in range(good_steps):
        click(qtbot, window, "stepButton")
    learning_rate(window).setValue(1000)
    click(qtbot, window, "runButton")
    qtbot.waitUntil(banner(window).isVisible, timeout=10000)
    assert not window.runner.running


def test_the_offer_is_the_state_before_the_explosion(qtbot, window) -> None:
    diverge(qtbot, window, good_steps=5)
    lab = window.lab
    history = lab.trainer.history
    last = lab.last_step
    errors = history.errors.copy()
    assert lab.position == last
    assert np.max(np.abs(history.row(last))) > 1e100  # the last finite state is absurd
    spin = window.findChild(QtWidgets.QSpinBox, "divergenceStepSpin")
    assert spin.value() == 5  # where the error stopped falling and began to explode
    assert errors[5] < errors[4] and all(np.diff(errors[5:]) > 0)
    text = window.findChild(QtWidgets.QLabel, "divergenceText").text()
    assert "started to explode after step 5" in text
    go = button(window, "halveLearningRateButton")
    assert "step" not in go.text() and "500" in go.text()
    click(qtbot, window, "halveLearningRateButton")
    assert lab.position == 5
    assert lab.trainer.config.learning_rate == 500
    assert np.max(np.abs(lab.trainer.network.get_flat())) < 10
    assert not banner(window).isVisible()
    assert window.findChild(QtWidgets.QSlider, "stepSlider").value() == 5  # seen
    window.undo_action.trigger()  # the new η is one undo step
    assert lab.trainer.config.learning_rate == 1000


def test_a_step_of_ones_choice(qtbot, window) -> None:
    diverge(qtbot, window, good_steps=5)
    spin = window.findChild(QtWidgets.QSpinBox, "divergenceStepSpin")
    assert spin.maximum() == window.lab.last_step
    spin.setValue(3)
    click(qtbot, window, "halveLearningRateButton")
    assert window.lab.position == 3
    assert window.lab.trainer.config.learning_rate == 500


def test_a_divergence_at_the_first_step_offers_step_0(qtbot, window) -> None:
    diverge(qtbot, window)
    assert window.findChild(QtWidgets.QSpinBox, "divergenceStepSpin").value() == 0
    click(qtbot, window, "halveLearningRateButton")
    assert window.lab.position == 0
    assert window.lab.trainer.config.learning_rate == 500


@pytest.mark.parametrize("how", ["reset", "new from example", "new learning rate", "back"])
def test_the_banner_goes_when_what_it_talks_about_is_gone(qtbot, window, how) -> None:
    diverge(qtbot, window, good_steps=2)
    if how == "reset":
        click(qtbot, window, "resetButton")
    elif how == "new from example":
        window.findChild(QtGui.QAction, "example_xor").trigger()
    elif how == "new learning rate":
        learning_rate(window).setValue(0.05)
    else:
        click(qtbot, window, "stepBackButton")
    assert not banner(window).isVisible()


def test_the_banner_stays_while_looking_back_on_the_timeline(qtbot, window) -> None:
    diverge(qtbot, window, good_steps=2)
    window.findChild(QtWidgets.QSlider, "stepSlider").setValue(1)
    assert window.lab.position == 1
    assert banner(window).isVisible()  # the history it describes is still there


def test_last_sane_state_on_the_history_of_a_divergence(qtbot, window) -> None:
    diverge(qtbot, window, good_steps=5)
    history = window.lab.trainer.history
    sane = last_sane_state(history.errors, history.rows_view(len(history))[:, :-1])
    assert sane.step == 5 and sane.error == history.error_at(5)
