"""Space, as in every desktop app: on a focused button it presses that button (a focused
check box toggles, a focused combo box opens); anywhere else it is Run / Pause."""

from __future__ import annotations

from gui_helpers import button, click
from PySide6 import QtCore, QtWidgets

Qt = QtCore.Qt


def focus_by_tab(qtbot, start: QtWidgets.QWidget, target: QtWidgets.QWidget) -> None:
    """Move the keyboard focus from `start` to `target` with Tab, as a student does."""
    start.window().activateWindow()
    start.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(start.hasFocus)
    for _ in range(30):
        if target.hasFocus():
            return
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.objectName()}")


def test_space_on_the_focused_step_button_takes_one_step(qtbot, window) -> None:
    step = button(window, "stepButton")
    focus_by_tab(qtbot, button(window, "stepBackButton"), step)
    qtbot.keyClick(step, Qt.Key.Key_Space)
    assert window.lab.position == 1
    assert not window.runner.running
    qtbot.keyClick(step, Qt.Key.Key_Space)
    assert window.lab.position == 2 and not window.runner.running


def test_space_on_the_focused_back_button_steps_back(qtbot, window) -> None:
    click(qtbot, window, "stepButton")
    click(qtbot, window, "stepButton")
    back = button(window, "stepBackButton")
    back.window().activateWindow()
    back.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(back.hasFocus)
    qtbot.keyClick(back, Qt.Key.Key_Space)
    assert window.lab.position == 1 and not window.runner.running


def test_a_click_leaves_space_to_run(qtbot, window) -> None:
    """A mouse click does not take the focus, so Space afterwards is still Run."""
    slider = window.findChild(QtWidgets.QSlider, "stepSlider")  # the focus is elsewhere
    slider.window().activateWindow()
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    click(qtbot, window, "stepButton")
    assert window.lab.position == 1
    assert not button(window, "stepButton").hasFocus()
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Space)
    assert window.runner.running
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Space)
    assert not window.runner.running


def test_space_on_a_focused_check_box_toggles_it(qtbot, window) -> None:
    check = window.findChild(QtWidgets.QCheckBox, "updateBiasesCheck")
    check.window().activateWindow()
    check.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(check.hasFocus)
    assert check.isChecked()
    qtbot.keyClick(check, Qt.Key.Key_Space)
    assert not check.isChecked()
    assert not window.lab.trainer.config.update_biases
    assert not window.runner.running
