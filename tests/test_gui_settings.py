"""Settings the window cannot use are ignored (gui/settings.py): a value of an unexpected
type, or one that cannot even be decoded, never stops the window from opening."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtWidgets

from gui.main_window import MainWindow
from gui.settings import app_settings

# What PySide writes for a Python object (a pickle), cut short: reading it raises EOFError.
BROKEN = r"@Variant(\0\0\0\x7f\0\0\0\x18PySide::PyObjectWrapper\0\0\0\0\x12\x80\x4\x95\a\0)"


def write_settings(lines: list[str]) -> None:
    path = Path(app_settings().fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[General]\n" + "\n".join(lines) + "\n", encoding="utf-8")


def open_window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def recent(window: MainWindow) -> list[str]:
    menu = window.findChild(QtWidgets.QMenu, "recentMenu")
    return [action.text() for action in menu.actions() if action.isEnabled()]


def test_damaged_values_are_ignored(qtbot, dialogs) -> None:
    write_settings(
        [f"logScale={BROKEN}", f"splitter={BROKEN}", f"recentFiles={BROKEN}", f"geometry={BROKEN}"]
    )
    window = open_window(qtbot)
    assert not window.findChild(QtWidgets.QCheckBox, "logScaleCheck").isChecked()
    assert window.document.recent_files() == []
    window.runner.stop()


# (Qt says what it could not decode; that is all it may do)
@pytest.mark.qt_log_ignore("QVariant::load", "Trying to construct an instance of an invalid type")
def test_values_of_unexpected_types_are_ignored(qtbot, dialogs) -> None:
    write_settings(
        [
            "logScale=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18garbage)",
            "splitter=12",
            "geometry=@Variant(garbage)",
            "windowState=true",
            "recentFiles=@Variant(\\0\\0\\0\\x2\\0\\0\\0\\x5)",
        ]
    )
    window = open_window(qtbot)
    assert not window.findChild(QtWidgets.QCheckBox, "logScaleCheck").isChecked()
    assert window.document.recent_files() == []
    window.runner.stop()


def test_good_values_still_work(qtbot, dialogs) -> None:
    write_settings(["logScale=true", "recentFiles=/a/one.json, /b/two.bplab"])
    window = open_window(qtbot)
    assert window.findChild(QtWidgets.QCheckBox, "logScaleCheck").isChecked()
    assert window.document.recent_files() == ["/a/one.json", "/b/two.bplab"]
    window.runner.stop()
