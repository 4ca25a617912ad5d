"""What the window says when it refuses something: the reason for text typed into a cell,
a status bar that shows a long message whole (tooltip) and elided (never clipped), that
quotes only a short prefix of a huge paste, and that drops a refusal once a later edit
succeeded."""

from __future__ import annotations

from gui_helpers import cell_text, edit_cell, table
from PySide6 import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt


def status(window) -> QtWidgets.QStatusBar:
    return window.statusBar()


def test_letters_typed_into_a_cell_are_named_in_the_message(qtbot, window) -> None:
    edit_cell(qtbot, window, "biasTable", 0, 0, "abc")
    message = status(window).currentMessage()
    assert "'abc' is not a number" in message and "kept 1.83" in message
    assert "cannot be empty" not in message
    assert cell_text(window, "biasTable", 0, 0) == "1.83"


def test_the_editor_keeps_every_character_typed(qtbot, window) -> None:
    view = table(window, "weightsTable")
    index = view.model().index(0, 0)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.viewport().findChild(QtWidgets.QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "0.5x")
    assert editor.text() == "0.5x"
    assert editor.styleSheet()  # tinted: not a number yet
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    assert editor.text() == "0.5" and not editor.styleSheet()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)


def test_a_long_message_is_elided_on_screen_and_whole_in_the_tooltip(qtbot, window) -> None:
    window.resize(900, 700)
    words = " ".join(f"word{k}" for k in range(60))
    window.lab.message.emit(f"Refused: {words}. Use the lecture's defaults")
    bar = status(window)
    assert bar.currentMessage().endswith("Use the lecture's defaults")
    assert bar.toolTip().endswith("Use the lecture's defaults")
    shown = QtWidgets.QStatusBar.currentMessage(bar)  # what Qt paints
    assert shown.endswith("…") and len(shown) < len(bar.currentMessage())
    width = QtGui.QFontMetrics(bar.font()).horizontalAdvance(shown)
    assert width <= bar.width()


def test_a_huge_rejected_paste_is_quoted_by_a_short_prefix(qtbot, window) -> None:
    QtGui.QGuiApplication.clipboard().setText("0.1" * 3_333_334)  # 10,000,002 characters
    view = table(window, "biasTable")
    view.setCurrentIndex(view.model().index(0, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    message = status(window).currentMessage()
    assert "Paste refused" in message and "10,000,002 characters" in message
    assert len(message) < 300 and len(status(window).toolTip()) < 300
    assert window.lab.trainer.network.biases[0][0] == 1.83


def test_a_refusal_goes_with_the_next_successful_edit(qtbot, window) -> None:
    edit_cell(qtbot, window, "biasTable", 0, 0, "abc")
    assert "not a number" in status(window).currentMessage()
    edit_cell(qtbot, window, "biasTable", 0, 0, "1.5")
    assert window.lab.trainer.network.biases[0][0] == 1.5
    assert status(window).currentMessage() == ""


def test_a_message_said_with_a_successful_change_stays(qtbot, window) -> None:
    window.lab.message.emit("Learning rate halved")  # said while the change is made
    window.lab.set_config(learning_rate=0.02)
    assert status(window).currentMessage() == "Learning rate halved"
