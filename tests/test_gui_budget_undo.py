"""The undo stack within the memory budget's share, through the real window: six rounds
of "Run, Reset" at a small budget hold no more than the undo share, and undoing all the
way gives back every state exactly (against the same rounds with no budget)."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

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
