"""Test setup: headless Qt for every test, and the lecture example as fixtures."""

from __future__ import annotations

import os

# Before anything imports Qt: tests never need (or may use) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import tempfile
from collections.abc import Iterator

import pytest

# The window's QSettings (recent files, geometry) must not touch the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="backprop-lab-settings-")
# ... nor its autosaves.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="backprop-lab-data-")


class Dialogs:
    """Stands in for modal message boxes, which would block a headless test: records
    every warning and answers every question with `answer`."""

    def __init__(self) -> None:
        from PySide6 import QtWidgets

        self.warnings: list[str] = []
        self.questions: list[str] = []
        self.answer = QtWidgets.QMessageBox.StandardButton.Discard

    def warning(self, _parent: object, title: str, text: str, *_args: object) -> object:
        from PySide6 import QtWidgets

        self.warnings.append(f"{title}: {text}")
        return QtWidgets.QMessageBox.StandardButton.Ok

    def question(self, _parent: object, title: str, text: str, *_args: object) -> object:
        self.questions.append(f"{title}: {text}")
        return self.answer


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    from PySide6 import QtWidgets

    recorder = Dialogs()
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", recorder.warning)
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", recorder.question)
    return recorder


@pytest.fixture
def window(qtbot, dialogs: Dialogs) -> Iterator[object]:
    """The main window on the lecture example, shown (offscreen) at 1280×800."""
    from gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.stop()
