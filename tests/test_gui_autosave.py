"""Autosave in the window, and the offer to restore after a crash, through the real widgets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import cell_text, click
from PySide6 import QtWidgets

from gui.autosave import offer_recovery
from model.recovery import AutosaveFile, read_autosave
from model.session import lecture_session

Yes = QtWidgets.QMessageBox.StandardButton.Yes
No = QtWidgets.QMessageBox.StandardButton.No


@pytest.fixture
def fast_autosave(window) -> object:
    window.autosave.interval_ms = 50
    return window.autosave


def test_a_change_is_autosaved_within_moments(qtbot, window, fast_autosave) -> None:
    click(qtbot, window, "stepButton")
    click(qtbot, window, "stepButton")
    qtbot.waitUntil(lambda: fast_autosave.saves >= 1, timeout=5000)
    fast_autosave.wait()
    recovered = read_autosave(fast_autosave.file.json_path)
    assert recovered is not None and recovered.session.history is not None
    np.testing.assert_array_equal(
        recovered.session.history.table(), window.lab.trainer.history.table()
    )


def test_a_run_is_autosaved_while_it_goes_on(qtbot, window, fast_autosave) -> None:
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: fast_autosave.saves >= 3, timeout=10000)
    click(qtbot, window, "runButton")

    def caught_up() -> bool:  # a fast run is saved in bounded steps
        fast_autosave.wait()
        recovered = read_autosave(fast_autosave.file.json_path)
        return (
            recovered is not None
            and recovered.session.history is not None
            and len(recovered.session.history) == window.lab.position + 1
        )

    qtbot.waitUntil(caught_up, timeout=20000)


def test_closing_properly_leaves_nothing_to_restore(qtbot, window, fast_autosave, dialogs) -> None:
    click(qtbot, window, "stepButton")
    qtbot.waitUntil(lambda: fast_autosave.saves >= 1, timeout=5000)
    assert fast_autosave.file.json_path.exists()
    assert window.close()  # the dialogs fixture answers "Discard"
    assert not fast_autosave.file.json_path.exists()
    assert not fast_autosave.file.rows_path.exists()


def left_by_a_crash(folder: Path, steps: int) -> AutosaveFile:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    file = AutosaveFile(folder, f"{child.pid}-1")
    trainer = lecture_session().to_trainer()
    trainer.run(steps)
    file.prepare(trainer, "Lecture", "/homework/lecture.json", True).run()
    return file


def test_after_a_crash_the_session_is_offered_and_restored(
    qtbot, window, dialogs, tmp_path
) -> None:
    crashed = left_by_a_crash(tmp_path, 1)
    dialogs.answer = Yes
    assert offer_recovery(window.document, tmp_path)
    assert "did not close properly" in dialogs.questions[-1]
    assert cell_text(window, "weightsTable", 0, 0) == "0.499155648"
    assert window.lab.position == 1 and window.has_unsaved_changes
    assert window.windowTitle().startswith("lecture.json *")
    assert not crashed.json_path.exists()  # restored: now the window autosaves it


def test_declining_the_restore_deletes_the_autosave(qtbot, window, dialogs, tmp_path) -> None:
    crashed = left_by_a_crash(tmp_path, 5)
    dialogs.answer = No
    assert not offer_recovery(window.document, tmp_path)
    assert window.lab.position == 0 and cell_text(window, "biasTable", 0, 0) == "1.83"
    assert not crashed.json_path.exists() and not crashed.rows_path.exists()


def test_a_damaged_autosave_is_reported_not_offered(qtbot, window, dialogs, tmp_path) -> None:
    crashed = left_by_a_crash(tmp_path, 5)
    crashed.rows_path.write_bytes(b"\x00" * 8)
    assert not offer_recovery(window.document, tmp_path)
    assert dialogs.questions == []
    assert "could not be restored" in window.statusBar().currentMessage()


def test_an_unwritable_autosave_folder_is_reported(qtbot, window, fast_autosave, tmp_path) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("", encoding="utf-8")  # even root cannot make a folder in it
    fast_autosave.folder = blocker / "autosave"
    fast_autosave.file = AutosaveFile(fast_autosave.folder)
    click(qtbot, window, "stepButton")
    qtbot.waitUntil(lambda: "Autosave failed" in window.statusBar().currentMessage(), timeout=5000)
    assert window.lab.position == 1 and window.transport.step_button.isEnabled()


def test_a_failing_disk_is_reported_and_the_window_goes_on(
    qtbot, window, fast_autosave, monkeypatch
) -> None:
    # (monkeypatch.context: undoing everything would also undo the dialogs fixture)
    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr("model.recovery.write_atomically", disk_full)
        click(qtbot, window, "stepButton")
        qtbot.waitUntil(
            lambda: "No space left" in window.statusBar().currentMessage(), timeout=5000
        )
    click(qtbot, window, "stepButton")  # the next save works again, whole
    saves = fast_autosave.saves
    qtbot.waitUntil(lambda: fast_autosave.saves > saves, timeout=5000)
    fast_autosave.wait()
    recovered = read_autosave(fast_autosave.file.json_path)
    assert recovered is not None and len(recovered.session.history or ()) == 3


def test_damaged_autosaves_are_set_aside_once_and_valid_ones_still_offered(
    qtbot, window, dialogs, tmp_path
) -> None:
    """rows = 10^15, saved_at = 1e300, JSON nested 200 000 deep, a dangling link, a FIFO:
    the start-up neither crashes nor waits, reports the damaged ones once, sets them
    aside, and still offers the valid autosaves."""
    valid = left_by_a_crash(tmp_path, 2)
    strange_time = left_by_a_crash(tmp_path, 3)
    obj = json.loads(strange_time.json_path.read_text(encoding="utf-8"))
    obj["autosave"]["saved_at"] = 1e300
    strange_time.json_path.write_text(json.dumps(obj), encoding="utf-8")
    huge = left_by_a_crash(tmp_path, 4)
    obj = json.loads(huge.json_path.read_text(encoding="utf-8"))
    obj["autosave"]["rows"] = 10**15
    huge.json_path.write_text(json.dumps(obj), encoding="utf-8")
    deep = left_by_a_crash(tmp_path, 1)
    deep.json_path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    (tmp_path / "autosave-999999999-1.json").symlink_to(tmp_path / "gone.json")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "autosave-999999998-1.json")
    dialogs.answer = No
    assert not offer_recovery(window.document, tmp_path)
    assert len(dialogs.questions) == 2  # the two valid ones, each asked once
    assert any("at an unknown time (3 steps)" in q for q in dialogs.questions)
    assert any("(2 steps)" in q for q in dialogs.questions)
    message = window.statusBar().currentMessage()
    assert message.startswith("An autosave could not be restored") and "more)" in message
    assert str(tmp_path / "damaged") in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged"]  # No deletes the valid
    assert valid.json_path.name not in os.listdir(tmp_path / "damaged")
    window.statusBar().clearMessage()
    assert not offer_recovery(window.document, tmp_path)  # reported once: not again
    assert len(dialogs.questions) == 2 and window.statusBar().currentMessage() == ""


def test_a_damaged_autosave_beside_a_valid_one_does_not_hide_it(
    qtbot, window, dialogs, tmp_path
) -> None:
    valid = left_by_a_crash(tmp_path, 2)
    (tmp_path / "autosave-999999999-1.json").symlink_to(tmp_path / "gone.json")
    os.utime(valid.json_path, (1, 1))  # the damaged one is the newest: it comes first
    dialogs.answer = Yes
    assert offer_recovery(window.document, tmp_path)
    assert window.lab.position == 2 and window.has_unsaved_changes


def test_a_long_run_at_a_small_budget_is_autosaved_within_its_share(
    qtbot, window, fast_autosave
) -> None:
    from gui.memory import apply_budget
    from model.budget import MemoryBudget
    from model.session import lecture_session

    budget = MemoryBudget(64 << 10)  # the history keeps ~1,100 of the lecture's rows
    apply_budget(window.lab, budget)
    window.lab.trainer.run(20_000)
    fast_autosave.wait()
    while True:  # (as the window's saves, marked unsaved: the run bypassed the commands)
        fast_autosave.file.prepare(window.lab.trainer, "t", None, unsaved=True).run()
        if not fast_autosave.file.behind(window.lab.trainer):
            break
    assert not window.lab.trainer.history.dense
    assert fast_autosave.file.rows_path.stat().st_size <= budget.autosave_bytes
    recovered = read_autosave(fast_autosave.file.json_path)
    assert recovered is not None
    plain = lecture_session().to_trainer()
    plain.run(20_000)
    restored = recovered.session.to_trainer()
    assert restored.history.rows(0, 20_001).tobytes() == plain.history.table()[:, 1:].tobytes()
