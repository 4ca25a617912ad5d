"""The memory budget in the window, through the real widgets: Edit → Memory budget… sets
it, the status bar shows it and says when the state shown is recomputed; within a small
budget, Back to any step, the explanation and the export give the numbers a run with no
budget gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from gui import file_dialogs
from gui.memory import SETTINGS_KEY
from gui.settings import app_settings
from model.explain import explain_step, to_html
from model.session import lecture_session

STEPS = 300_000  # the lecture's rows: about 240,000 fit in 16 MB


def set_budget(qtbot, window, text: str) -> QtWidgets.QDialog:
    window.findChild(QtGui.QAction, "memoryBudgetAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "memoryBudgetDialog")
    qtbot.waitUntil(dialog.isVisible)
    edit = dialog.findChild(QtWidgets.QLineEdit, "memoryBudgetEdit")
    edit.setText(text)
    dialog.accept()
    return dialog


def indicator(window) -> str:
    label = window.findChild(QtWidgets.QLabel, "memoryIndicator")
    label.refresh()
    return str(label.text())


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Dialogs run modally in the tests: exec returns at once, the test drives them."""
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: (self.show(), 0)[1])


def test_the_budget_is_shown_set_saved_and_a_bad_one_refused(qtbot, window, opened) -> None:
    assert " of " in indicator(window) and indicator(window).startswith("history ")
    dialog = set_budget(qtbot, window, "lots")
    assert dialog.isVisible()  # stays open, says why
    assert "512M" in dialog.findChild(QtWidgets.QLabel, "memoryBudgetError").text()
    dialog.findChild(QtWidgets.QLineEdit, "memoryBudgetEdit").setText("64M")
    dialog.accept()
    assert window.lab.trainer.budget.total == 64 << 20
    assert indicator(window).endswith("of 64 MB")
    assert str(app_settings().value(SETTINGS_KEY)) == str(64 << 20)


def test_within_a_small_budget_every_step_is_reached_exactly(
    qtbot, window, opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_budget(qtbot, window, "16M")
    lab = window.lab
    lab.run_steps(STEPS)
    history = lab.trainer.history
    assert len(history) == STEPS + 1
    assert history.stored_count <= STEPS // 2 + 1
    assert lab.trainer.held_bytes <= lab.trainer.budget.history_bytes
    plain = lecture_session().to_trainer()
    plain.run(STEPS)
    # Back to any step, on the timeline: the same numbers, and the window says so.
    for step in (STEPS - 1, 123_457, 123_456, 77, 0):
        lab.seek(step)
        assert lab.trainer.network.get_flat().tobytes() == plain.history.row(step).tobytes()
        text = indicator(window)
        assert ("recomputed" in text) == (not history.stored(step)), text
        plain.seek(step)
        assert to_html(explain_step(lab.trainer)) == to_html(explain_step(plain))
    assert "step 123,457 recomputed" in (lab.seek(123_457) or indicator(window))
    # The export writes every step, as the run with no budget.
    target = tmp_path / "history.csv"
    monkeypatch.setattr(file_dialogs, "history_to_export", lambda *_args: str(target))
    window.findChild(QtGui.QAction, "exportHistoryAction").trigger()
    qtbot.waitUntil(target.exists, timeout=60_000)
    plain.history.export(tmp_path / "plain.csv")
    assert target.read_bytes() == (tmp_path / "plain.csv").read_bytes()
    # Back (one step at a time) after the export, and the plots draw the stored steps.
    lab.seek(STEPS)
    for _ in range(3):
        lab.step_back()
    assert lab.position == STEPS - 3
    np.testing.assert_array_equal(lab.trainer.history.row(STEPS - 3), plain.history.row(STEPS - 3))
    window.plots_panel.error_plot.update_curves()


def test_a_network_too_large_for_the_budget_is_refused_with_a_message(
    qtbot, window, opened
) -> None:
    set_budget(qtbot, window, "16M")
    lab = window.lab
    trainer = lab.trainer
    big = [trainer.network.layers[0], 900, 900, trainer.network.layers[-1]]
    assert not lab.set_architecture(big, ["sigmoid"] * 3)
    assert lab.trainer.network.layers != big
    assert "needs a memory budget of at least" in window.statusBar().currentMessage()
