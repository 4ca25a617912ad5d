"""The session as a file (gui/document.py), driven through the real window: its File menu
actions and shortcuts, the tables, the window title with its unsaved mark, Open recent.

The file dialogs are the standard static ones; each test stands in for them, as for the
message boxes (the `dialogs` fixture)."""

from __future__ import annotations

import os
import stat
import threading
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


# -- a save keeps everything -----------------------------------------------------------------
def steps(qtbot, window, n: int) -> None:
    for _ in range(n):
        trigger(window, "stepAction")


def test_a_session_too_large_for_json_is_saved_whole_as_bplab(
    qtbot, window, files, dialogs, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("model.session.limits.MAX_FILE_BYTES", 2000)  # 40 lecture steps
    steps(qtbot, window, 40)
    dialogs.answer = Button.Save
    files.will_answer(tmp_path / "long.json")
    trigger(window, "saveSessionAction")
    assert dialogs.questions and "40 steps of history" in dialogs.questions[0]
    assert str(tmp_path / "long.bplab") in dialogs.questions[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.bplab"]
    assert window.document.path == str(tmp_path / "long.bplab")
    assert window.windowTitle() == f"long.bplab{TITLE_END}" and not window.has_unsaved_changes
    saved = window.lab.trainer.history.table().tobytes()
    trigger(window, "example_xor")
    files.will_answer(tmp_path / "long.bplab")
    trigger(window, "openSessionAction")
    assert window.lab.trainer.history.table().tobytes() == saved  # bit for bit
    assert window.lab.position == 40


def test_declining_the_bplab_keeps_the_session_unsaved(
    qtbot, window, files, dialogs, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("model.session.limits.MAX_FILE_BYTES", 2000)
    steps(qtbot, window, 40)
    dialogs.answer = Button.Cancel
    files.will_answer(tmp_path / "long.json")
    trigger(window, "saveSessionAction")
    assert list(tmp_path.iterdir()) == [] and window.has_unsaved_changes
    assert "Not saved" in status(window)


def test_save_as_offers_bplab(qtbot, window, files, tmp_path) -> None:
    steps(qtbot, window, 3)
    files.will_answer(tmp_path / "mine", "Backprop Lab session of any size, one zip file (*.bplab)")
    trigger(window, "saveSessionAsAction")
    assert window.document.path == str(tmp_path / "mine.bplab")
    assert len(load_session(tmp_path / "mine.bplab").history or ()) == 4


# -- exports never replace the session, a pipe or a device -----------------------------------
def test_export_history_never_replaces_the_session_file(
    qtbot, window, files, dialogs, tmp_path
) -> None:
    session = tmp_path / "mine.json"
    files.will_answer(session)
    trigger(window, "saveSessionAction")
    before = session.read_bytes()
    (tmp_path / "link.csv").symlink_to(session)
    for target in (session, tmp_path / "link.csv"):
        files.will_answer(target)
        trigger(window, "exportHistoryAction")
        assert dialogs.warnings[-1].startswith(f"Cannot export history: {target}: is the session")
    assert session.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "mine.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_export_and_save_refuse_a_fifo_and_open_does_not_wait_for_one(
    qtbot, window, files, dialogs, tmp_path
) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    files.will_answer(fifo)
    trigger(window, "exportHistoryAction")
    assert dialogs.warnings[-1] == (
        f"Cannot export history: {fifo}: is a named pipe (FIFO), not a file. Choose a file name."
    )
    files.will_answer(fifo)
    trigger(window, "saveSessionAsAction")
    assert dialogs.warnings[-1].startswith("Cannot save session") and window.document.path is None
    files.will_answer(fifo)
    trigger(window, "openSessionAction")  # nobody writes into it: open() would block
    assert dialogs.warnings[-1] == (
        "Cannot open session: pipe.csv: file: a named pipe (FIFO), not a session file"
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and os.listdir(tmp_path) == ["pipe.csv"]


def test_export_through_a_link_updates_the_file_it_names(qtbot, window, files, tmp_path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(real.name)
    steps(qtbot, window, 2)
    files.will_answer(tmp_path / "link.csv")
    trigger(window, "exportHistoryAction")
    assert (tmp_path / "link.csv").is_symlink()
    assert real.read_text(encoding="utf-8").startswith("step,W1,W2,b,error\n0,")
    assert len(real.read_text(encoding="utf-8").splitlines()) == 4


# -- long writes: progress, Cancel, a window that keeps going --------------------------------
class Gate:
    """Holds a write after its first block until the test has looked (never a sleep)."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def wrap(self, blocks):
        def gated(*args, **kwargs):
            for i, block in enumerate(blocks(*args, **kwargs)):
                yield block
                if i == 0:
                    self.reached.set()
                    assert self.release.wait(60), "the test never released the write"

        return gated


def watch_the_write(qtbot, window, gate: Gate, tmp_path: Path, seen: dict) -> None:
    """While the write waits at the gate: the window goes on (the Run trains, timers
    fire), the dialog shows, the temporary exists; then Cancel is clicked."""

    def look() -> None:
        if not gate.reached.is_set():
            QtCore.QTimer.singleShot(10, look)
            return
        dialog = window.findChild(QtWidgets.QProgressDialog, "fileProgressDialog")
        if dialog is None or not dialog.isVisible():
            QtCore.QTimer.singleShot(10, look)
            return
        seen.setdefault("position", window.lab.position)
        if window.lab.position <= seen["position"] + 5:  # training goes on meanwhile
            QtCore.QTimer.singleShot(10, look)
            return
        seen["temporaries"] = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        cancel = dialog.findChild(QtWidgets.QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        gate.release.set()

    QtCore.QTimer.singleShot(0, look)


def test_a_long_export_shows_progress_and_cancel_leaves_the_old_file(
    qtbot, window, files, tmp_path, monkeypatch
) -> None:
    steps(qtbot, window, 200)
    target = tmp_path / "history.csv"
    target.write_text("old", encoding="utf-8")
    gate = Gate()
    import model.history

    monkeypatch.setattr(model.history, "CSV_BLOCK_ROWS", 10)
    monkeypatch.setattr(model.history, "csv_chunks", gate.wrap(model.history.csv_chunks))
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: window.lab.position > 210, timeout=10000)
    seen: dict = {}
    watch_the_write(qtbot, window, gate, tmp_path, seen)
    files.will_answer(target)
    trigger(window, "exportHistoryAction")  # returns once the write has stopped
    click(qtbot, window, "runButton")
    assert len(seen["temporaries"]) == 1  # the write was under way ...
    assert target.read_text(encoding="utf-8") == "old"  # ... and left nothing behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
    assert status(window) == f"Export cancelled: nothing was written to {target}."


def test_a_long_save_can_be_cancelled_and_stays_unsaved(
    qtbot, window, files, tmp_path, monkeypatch
) -> None:
    steps(qtbot, window, 50)
    target = tmp_path / "mine.bplab"
    files.will_answer(target)
    trigger(window, "saveSessionAction")
    before = target.read_bytes()
    steps(qtbot, window, 50)
    gate = Gate()
    import model.session.archive

    monkeypatch.setattr(model.session.archive, "BLOCK_BYTES", 64)
    monkeypatch.setattr(model.session.archive, "_blocks", gate.wrap(model.session.archive._blocks))
    seen: dict = {"position": -10}  # (a save stops the Run: nothing to watch train)

    def look() -> None:
        dialog = window.findChild(QtWidgets.QProgressDialog, "fileProgressDialog")
        if not gate.reached.is_set() or dialog is None or not dialog.isVisible():
            QtCore.QTimer.singleShot(10, look)
            return
        seen["temporaries"] = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        qtbot.mouseClick(dialog.findChild(QtWidgets.QPushButton), Qt.MouseButton.LeftButton)
        gate.release.set()

    QtCore.QTimer.singleShot(0, look)
    trigger(window, "saveSessionAction")
    assert len(seen["temporaries"]) == 1
    assert target.read_bytes() == before and window.has_unsaved_changes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.bplab"]
    assert status(window) == f"Save cancelled: {target} was left as it was."
