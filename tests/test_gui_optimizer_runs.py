"""Exact resumption in the window: a Run with an optimizer that carries a state (in the
worker process or the GUI thread), Back, undo, Step — the same rows as one headless run."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import click
from PySide6.QtCore import Qt

from model.session import load_example


@pytest.fixture(params=["background process", "GUI thread"])
def place(request, qtbot, window) -> str:
    if request.param == "background process":
        qtbot.waitUntil(lambda: window.runner.worker_ready, timeout=30000)
    else:
        window.runner.use_worker = False
    return request.param


def test_run_back_undo_and_step_continue_the_momentum_exactly(qtbot, window, place) -> None:
    window.open_example("overfitting")  # Adam, and a test set
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: window.lab.position > 300, timeout=30000)
    click(qtbot, window, "runButton")
    assert window.runner.running is False
    for _ in range(3):
        click(qtbot, window, "stepBackButton")
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one Back undone
    window.lab.seek(window.lab.position - 40)  # the timeline, 40 steps back
    for _ in range(5):
        click(qtbot, window, "stepButton")
    trainer = window.lab.trainer
    expected = load_example("overfitting").to_trainer()
    expected.run(trainer.position)
    np.testing.assert_array_equal(trainer.history.table(), expected.history.table())
    assert trainer.history.columns[-1] == "test_error"
