"""The session as a file (gui/document.py), driven through the real window: its File menu
actions and shortcuts, the tables, the window title with its unsaved mark, Open recent.

The file dialogs are the standard static ones; each test stands in for them, as for the
message boxes (the `dialogs` fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import cell_text, click, edit_cell
from PySide6 import QtCore, QtGui, QtWidgets

from model.session import load_session

Qt = QtCore.Qt
Button = QtWidgets.QMessageBox.StandardButton
TITLE_END = " — Backprop Lab"


class FileDialogs:
    """Stands in for QFileDialog's static functions: answers with the paths queued, and
    records where each dialog started."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[tuple[str, str]] = []
        self.asked: list[tuple[str, str]] = []  # (caption, starting folder or file)
        monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", self._answer)
        monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", self._answer)

    def will_answer(self, path: Path | str, chosen_filter: str = "") -> None:
        self.answers.append((str(path), chosen_filter))

    def _answer(self, _parent: object, caption: str, start: str, *_: object) -> tuple[str, str]:
        self.asked.append((caption, start))
        return self.answers.pop(0) if self.answers else ("", "")


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> FileDialogs:
    return FileDialogs(monkeypatch)


def trigger(window: QtWidgets.QMainWindow, name: str) -> None:
    action = window.findChild(QtGui.QAction, name)
    assert action is not None, name
    action.trigger()


def press(qtbot, window: QtWidgets.QMainWindow, key: Qt.Key, shift: bool = False) -> None:
    """A Ctrl (+Shift) shortcut, typed into the window."""
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    window.activateWindow()
    qtbot.keyClick(window, key, modifiers)


def recent_paths(window: QtWidgets.QMainWindow) -> list[str]:
    menu = window.findChild(QtWidgets.QMenu, "recentMenu")
    assert menu is not None
    return [action.text() for action in menu.actions()]


def status(window: QtWidgets.QMainWindow) -> str:
    return window.statusBar().currentMessage()


# -- the title and its unsaved mark ----------------------------------------------------------
def test_a_new_window_is_titled_after_its_example_and_has_nothing_unsaved(window) -> None:
    assert window.windowTitle() == f"{window.lab.title}{TITLE_END}"
    assert window.lab.title.startswith("Lecture") and not window.has_unsaved_changes


def test_an_edit_sets_the_unsaved_mark_and_saving_clears_it(qtbot, window, files, tmp_path):
    edit_cell(qtbot, window, "weightsTable", 0, 0, "0.75")
    assert window.windowTitle().endswith(f" *{TITLE_END}") and window.has_unsaved_changes
    path = tmp_path / "edited.json"
    files.will_answer(path)
    with qtbot.waitSignal(window.document.titleChanged) as changed:
        press(qtbot, window, Qt.Key.Key_S)  # Ctrl+S: no file yet, so it asks where
    assert changed.args == [f"edited.json{TITLE_END}"]
    assert window.windowTitle() == f"edited.json{TITLE_END}"
    assert not window.has_unsaved_changes
    assert load_session(str(path)).to_trainer().network.get_flat()[0] == 0.75
    assert status(window) == f"Saved {path}"


def test_undo_back_to_the_saved_state_clears_the_mark_and_redo_sets_it(
    qtbot, window, files, tmp_path
) -> None:
    click(qtbot, window, "stepButton")
    files.will_answer(tmp_path / "one.json")
    trigger(window, "saveSessionAction")
    assert window.windowTitle() == f"one.json{TITLE_END}"
    click(qtbot, window, "stepButton")
    assert window.windowTitle() == f"one.json *{TITLE_END}"
    trigger(window, "undoAction")
    assert window.windowTitle() == f"one.json{TITLE_END}"
    trigger(window, "redoAction")
    assert window.windowTitle() == f"one.json *{TITLE_END}"


# -- save and save as ---------------------------------------------------------------------------
def test_save_writes_to_the_same_file_without_asking_again(qtbot, window, files, tmp_path):
    path = tmp_path / "mine.json"
    files.will_answer(path)
    trigger(window, "saveSessionAction")
    assert files.asked == [("Save session", str(Path.home() / "session.json"))]
    for _ in range(3):
        click(qtbot, window, "stepButton")
    trigger(window, "saveSessionAction")
    assert len(files.asked) == 1  # the second save did not ask
    saved = load_session(str(path))
    assert saved.history is not None and len(saved.history) == 4
    assert "*" not in window.windowTitle()


def test_save_as_moves_the_session_to_the_new_file(qtbot, window, files, tmp_path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    files.will_answer(first)
    trigger(window, "saveSessionAction")
    click(qtbot, window, "stepButton")
    files.will_answer(second)
    with qtbot.waitSignal(window.document.pathChanged) as moved:
        press(qtbot, window, Qt.Key.Key_S, shift=True)  # Ctrl+Shift+S
    assert moved.args == [str(second)]
    assert files.asked[-1] == ("Save session", str(first))  # it starts at the current file
    assert window.windowTitle() == f"second.json{TITLE_END}"
    assert len(load_session(str(first)).history or ()) == 1
    assert len(load_session(str(second)).history or ()) == 2
    assert window.document.path == str(second)


def test_a_cancelled_save_as_changes_nothing(qtbot, window, files, tmp_path) -> None:
    click(qtbot, window, "stepButton")
    trigger(window, "saveSessionAsAction")  # the dialog answers "" (cancelled)
    assert files.asked and window.windowTitle().endswith(f" *{TITLE_END}")
    assert window.document.path is None and list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_folder_says_why_and_keeps_the_mark(
    qtbot, window, files, tmp_path, dialogs
) -> None:
    click(qtbot, window, "stepButton")
    target = tmp_path / "missing" / "mine.json"
    files.will_answer(target)
    trigger(window, "saveSessionAction")
    assert dialogs.warnings and dialogs.warnings[0].startswith("Cannot save session")
    assert str(target) in status(window)
    assert window.windowTitle().endswith(f" *{TITLE_END}") and window.document.path is None
    assert not target.parent.exists()


# -- open ---------------------------------------------------------------------------------------
def test_open_shows_the_saved_session_with_its_history(qtbot, window, files, tmp_path) -> None:
    for _ in range(3):
        click(qtbot, window, "stepButton")
    path = tmp_path / "three.json"
    files.will_answer(path)
    trigger(window, "saveSessionAction")
    saved = window.lab.trainer.network.get_flat().copy()
    trigger(window, "example_xor")
    assert window.lab.trainer.network.layers == [2, 2, 1]
    files.will_answer(path)
    press(qtbot, window, Qt.Key.Key_O)  # Ctrl+O
    assert files.asked[-1] == ("Open session", str(Path.home()))  # an example has no file
    np.testing.assert_array_equal(window.lab.trainer.network.get_flat(), saved)
    assert window.lab.position == 3 and len(window.lab.trainer.history) == 4
    assert window.windowTitle() == f"three.json{TITLE_END}"
    assert not window.lab.undo_stack.canUndo()  # a new document: nothing to undo


def test_discarding_the_changes_and_opening_again_starts_in_its_folder(
    qtbot, window, files, dialogs, tmp_path
) -> None:
    path = tmp_path / "zero.json"
    files.will_answer(path)
    trigger(window, "saveSessionAction")
    click(qtbot, window, "stepButton")
    files.will_answer(path)
    trigger(window, "openSessionAction")  # the dialogs fixture answers Discard
    assert dialogs.questions and files.asked[-1] == ("Open session", str(tmp_path))
    assert window.lab.position == 0 and not window.has_unsaved_changes


def test_open_with_unsaved_changes_asks_and_cancel_keeps_them(
    qtbot, window, files, dialogs
) -> None:
    click(qtbot, window, "stepButton")
    dialogs.answer = Button.Cancel
    trigger(window, "openSessionAction")
    assert dialogs.questions and dialogs.questions[0].startswith("Unsaved changes")
    assert files.asked == []  # no file dialog after Cancel
    assert window.lab.position == 1 and window.has_unsaved_changes


def test_answering_save_saves_first_then_opens(qtbot, window, files, dialogs, tmp_path) -> None:
    other = tmp_path / "other.json"
    trigger(window, "example_xor")
    files.will_answer(other)
    trigger(window, "saveSessionAction")
    trigger(window, "example_lecture")  # all saved: no question
    assert dialogs.questions == []
    click(qtbot, window, "stepButton")
    dialogs.answer = Button.Save
    kept = tmp_path / "kept.json"
    files.will_answer(kept)  # where to save the unsaved step
    files.will_answer(other)  # then which file to open
    trigger(window, "openSessionAction")
    assert len(load_session(str(kept)).history or ()) == 2
    assert window.windowTitle() == f"other.json{TITLE_END}"
    assert window.lab.trainer.network.layers == [2, 2, 1]


def test_a_bad_file_is_refused_and_the_session_kept(qtbot, window, files, dialogs, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    files.will_answer(bad)
    trigger(window, "openSessionAction")
    assert dialogs.warnings and dialogs.warnings[0].startswith("Cannot open session: bad.json")
    assert cell_text(window, "weightsTable", 0, 0) == "0.5"
    assert str(bad) not in recent_paths(window)


# -- recent files -----------------------------------------------------------------------------
def test_saved_files_are_recent_newest_first_and_open_from_the_menu(
    qtbot, window, files, tmp_path
) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    files.will_answer(a)
    trigger(window, "saveSessionAction")
    click(qtbot, window, "stepButton")
    files.will_answer(b)
    trigger(window, "saveSessionAsAction")
    assert recent_paths(window)[:2] == [str(b), str(a)]
    assert window.findChild(QtWidgets.QMenu, "recentMenu").isEnabled()
    menu = window.findChild(QtWidgets.QMenu, "recentMenu")
    next(action for action in menu.actions() if action.text() == str(a)).trigger()
    assert window.windowTitle() == f"a.json{TITLE_END}" and window.lab.position == 0
    assert recent_paths(window)[:2] == [str(a), str(b)]  # opened: newest again


def test_the_recent_files_keep_the_last_eight(qtbot, window, files, tmp_path) -> None:
    paths = [tmp_path / f"s{i}.json" for i in range(10)]
    for path in paths:
        files.will_answer(path)
        trigger(window, "saveSessionAsAction")
    assert recent_paths(window) == [str(p) for p in reversed(paths)][:8]


# -- export and close ---------------------------------------------------------------------------
def test_history_export_without_a_suffix_takes_the_chosen_filters(
    qtbot, window, files, tmp_path
) -> None:
    click(qtbot, window, "stepButton")
    files.will_answer(tmp_path / "rows", "JSON (*.json)")
    press(qtbot, window, Qt.Key.Key_E)  # Ctrl+E
    assert (tmp_path / "rows.json").exists()
    assert status(window) == f"Exported 2 rows to {tmp_path / 'rows.json'}"


def test_closing_with_unsaved_changes_and_answering_save_saves(
    qtbot, window, files, dialogs, tmp_path
) -> None:
    click(qtbot, window, "stepButton")
    dialogs.answer = Button.Save
    path = tmp_path / "on-close.json"
    files.will_answer(path)
    assert window.close()
    assert len(load_session(str(path)).history or ()) == 2


def test_closing_is_cancelled_when_the_save_is(qtbot, window, files, dialogs) -> None:
    click(qtbot, window, "stepButton")
    dialogs.answer = Button.Save  # and then the save dialog is cancelled
    assert not window.close()
    assert window.isVisible() and window.has_unsaved_changes
