"""Test setup: headless Qt for every test, and the lecture example as fixtures."""

from __future__ import annotations

import os

# Before anything imports Qt: tests never need (or may use) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


# -- the user's own folders are never touched ---------------------------------------------
def _point_qsettings_at(config: Path) -> None:
    """QSettings reads $XDG_CONFIG_HOME once per process and keeps the path, so once Qt
    is loaded the path is set explicitly. (Before that, the first QSettings reads the
    environment.)"""
    if "PySide6.QtCore" in sys.modules:
        from PySide6 import QtCore

        for format_ in (QtCore.QSettings.Format.NativeFormat, QtCore.QSettings.Format.IniFormat):
            QtCore.QSettings.setPath(format_, QtCore.QSettings.Scope.UserScope, str(config))


def _user_folders_in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The window's QSettings (recent files, geometry) and its autosaves (QStandardPaths
    reads $XDG_DATA_HOME at every call) go under `folder`; returns the settings folder."""
    config, data = folder / "config", folder / "data"
    config.mkdir()
    data.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    _point_qsettings_at(config)
    return config


@pytest.fixture(scope="session", autouse=True)
def _session_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """For module- and session-scoped fixtures, which are set up before a test's own."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _user_folders_in(tmp_path_factory.mktemp("user-folders"), monkeypatch)


@pytest.fixture(autouse=True)
def _user_folders(
    _session_user_folders: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Each test its own settings and autosave folders, under pytest's temporary folder
    (not in tmp_path itself, whose listing some tests check): no test sees another's
    recent files, geometry or autosaves."""
    _user_folders_in(tmp_path_factory.mktemp("user-folders"), monkeypatch)
    yield
    _point_qsettings_at(_session_user_folders)  # the environment is undone by monkeypatch


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
