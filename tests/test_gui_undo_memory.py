"""Training commands that merge into one undo entry are freed (gui/commands.py `push`):
PySide6 never frees the Python side of a command QUndoStack deletes when it merges it."""

from __future__ import annotations

import gc

from PySide6 import QtGui, QtWidgets

from gui.commands import SetConfigCommand, TrainCommand
from tests.gui_helpers import click


def alive(kind: type, lab: object) -> int:
    """Commands of `kind` still in memory that work on `lab` (other tests' windows may
    not be collected yet)."""
    gc.collect()
    return sum(
        isinstance(o, kind) and getattr(o.change._trainer_of, "__self__", None) is lab
        for o in gc.get_objects()
    )


def test_steps_merge_into_one_entry_and_leave_no_command_behind(qtbot, window) -> None:
    for _ in range(60):
        click(qtbot, window, "stepButton")
    stack = window.lab.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == "Train 60 step(s)"
    undo = window.findChild(QtGui.QAction, "undoAction")
    assert undo.text() == "&Undo Train 60 step(s)"
    assert alive(TrainCommand, window.lab) == 1  # (was 60: each merged command's snapshots too)
    undo.trigger()
    assert window.lab.trainer.position == 0
    assert alive(TrainCommand, window.lab) == 1


def test_a_run_leaves_one_command_per_entry(qtbot, window) -> None:
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: window.lab.trainer.position > 2_000, timeout=20_000)
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: not window.runner.running, timeout=5_000)
    assert alive(TrainCommand, window.lab) <= window.lab.undo_stack.count() <= 2


def test_setting_changes_merge_and_leave_no_command_behind(qtbot, window) -> None:
    spin = window.findChild(QtWidgets.QDoubleSpinBox, "learningRateSpin")
    for _ in range(5):
        spin.stepUp()
    assert window.lab.undo_stack.count() == 1
    assert alive(SetConfigCommand, window.lab) == 1
