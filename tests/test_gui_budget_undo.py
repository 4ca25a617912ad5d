"""The undo stack within the memory budget's share, through the real window: six rounds
of "Run, Reset" at a small budget hold no more than the undo share, and undoing all the
way gives back every state exactly (against the same rounds with no budget)."""

from __future__ import annotations

import pytest
from PySide6 import QtGui, QtWidgets

from gui.commands import StateCommand
from model.budget import MemoryBudget
from model.session import lecture_session
from model.undo import undo_bytes

STEPS = 150_000  # a round: 6 MB of the lecture's rows, the undo share of 16 MB is 3.2 MB


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: (self.show(), 0)[1])


def test_six_rounds_of_run_and_reset_stay_within_the_undo_share(qtbot, window) -> None:
    lab = window.lab
    budget = MemoryBudget(16 << 20)
    lab.trainer.set_budget(budget)
    plain = lecture_session().to_trainer()
    expected = []  # (length, position, rows) before each command, as undo gives them back
    for _round in range(6):
        for action in ("run", "reset"):
            expected.append(plain.history.rows_view(len(plain.history)).copy())
            if action == "run":
                lab.run_steps(STEPS)
                plain.run(STEPS)
            else:
                lab.reset()
                plain.reset()
        stack = lab.undo_stack
        changes = [stack.command(i).change for i in range(stack.count())]
        assert all(isinstance(stack.command(i), StateCommand) for i in range(stack.count()))
        assert undo_bytes(changes, lab.trainer.history) <= budget.undo_bytes
    assert lab.undo_stack.count() == 12  # nothing dropped: thinning was enough
    for rows in reversed(expected):
        lab.undo_stack.undo()
        history = lab.trainer.history
        assert len(history) == len(rows)
        assert history.rows(0, len(rows)).tobytes() == rows.tobytes()
        assert lab.trainer.network.get_flat().tobytes() == rows[-1, :3].tobytes()


def test_an_undo_entry_that_cannot_fit_its_share_is_dropped_with_a_message(
    qtbot, window, tmp_path
) -> None:
    """A reopened session's rows cannot be replayed: after Reset, undo would have to hold
    all of them, more than the undo share. The stack is cleared, with a message, and the
    window goes on from the Reset."""
    from gui.lab import UNDO_SHORTENED
    from gui.memory import apply_budget
    from model.optimizers import Optimizer
    from model.session import save_session
    from tests.gui_helpers import click
    from tests.test_budget_open import dense_run, small_budget

    opened = dense_run(Optimizer("sgd"), steps=600)
    save_session(opened, tmp_path / "run.bplab")
    budget = small_budget(opened, 1200)  # the history holds it whole; undo, a third of that
    window.memory.budget = budget
    apply_budget(window.lab, budget)
    assert window.document.open_path(str(tmp_path / "run.bplab"))
    lab = window.lab
    assert lab.trainer.history.dense and len(lab.trainer.history) == 601
    assert lab.trainer.history.nbytes > budget.undo_bytes
    messages: list[str] = []
    lab.message.connect(messages.append)

    click(qtbot, window, "resetButton")

    assert len(lab.trainer.history) == 1
    assert lab.undo_stack.count() == 0
    assert not window.findChild(QtGui.QAction, "undoAction").isEnabled()
    assert UNDO_SHORTENED in messages
    assert UNDO_SHORTENED in window.statusBar().currentMessage()
    click(qtbot, window, "stepButton")  # and training goes on from the Reset
    assert lab.trainer.position == 1 and lab.undo_stack.count() == 1
