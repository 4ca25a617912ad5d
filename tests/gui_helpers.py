"""Helpers that drive the real widgets the way a student does (clicks, keys, cell edits)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

Qt = QtCore.Qt


def table(window: QtWidgets.QWidget, name: str) -> QtWidgets.QTableView:
    view = window.findChild(QtWidgets.QTableView, name)
    assert view is not None, name
    return view


def cell_text(window: QtWidgets.QWidget, name: str, row: int, col: int) -> str:
    model = table(window, name).model()
    return str(model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole))


def edit_cell(
    qtbot: QtBot, window: QtWidgets.QWidget, name: str, row: int, col: int, text: str
) -> None:
    """Double-click the cell, type `text` into the delegate's editor and press Enter."""
    view = table(window, name)
    index = view.model().index(row, col)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    qtbot.mouseDClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    editor = view.viewport().findChild(QtWidgets.QLineEdit)
    assert editor is not None, "the delegate did not open an editor"
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            view.viewport().findChild(QtWidgets.QLineEdit) is None
            or not view.viewport().findChild(QtWidgets.QLineEdit).isVisible()
        )
    )


def button(window: QtWidgets.QWidget, name: str) -> QtWidgets.QPushButton:
    widget = window.findChild(QtWidgets.QPushButton, name)
    assert widget is not None, name
    return widget


def click(qtbot: QtBot, window: QtWidgets.QWidget, name: str) -> None:
    qtbot.mouseClick(button(window, name), Qt.MouseButton.LeftButton)


def explanation(window: QtWidgets.QWidget) -> str:
    view = window.findChild(QtWidgets.QTextBrowser, "explainView")
    assert view is not None
    return view.toPlainText()


def choose(qtbot: QtBot, combo: QtWidgets.QComboBox, data: object) -> None:
    """Pick the item whose data is `data`, as picking it from the pop-up list does
    (one index change, no stops at the items in between)."""
    target = combo.findData(data)
    assert target >= 0, data
    assert combo.isEnabled()
    combo.setCurrentIndex(target)
    qtbot.wait(1)
