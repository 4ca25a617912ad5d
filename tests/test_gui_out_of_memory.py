"""Running out of memory during a Run pauses it with a message, keeps every state made
so far, and leaves the undo stack whole."""

from __future__ import annotations

import numpy as np
from gui_helpers import click

from model.history import History


def test_out_of_memory_pauses_the_run_and_keeps_the_states(qtbot, window, monkeypatch) -> None:
    window.runner.use_worker = False  # the GUI thread's own history grows here
    extend = History.extend

    def scarce(self: History, rows: np.ndarray) -> None:
        if len(self) + len(rows) > 500:
            raise MemoryError
        extend(self, rows)

    monkeypatch.setattr(History, "extend", scarce)
    messages: list[str] = []
    window.lab.message.connect(messages.append)
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: not window.runner.running, timeout=20000)
    trainer = window.lab.trainer
    assert 0 < trainer.position <= 499
    assert any(m.startswith("Out of memory: training paused") for m in messages)
    kept = trainer.history.table().copy()
    stack = window.lab.undo_stack
    while stack.canUndo():
        stack.undo()
    assert trainer.position == 0
    while stack.canRedo():
        stack.redo()
    np.testing.assert_array_equal(trainer.history.table(), kept)


def test_out_of_memory_reading_the_workers_rows_pauses_the_run(qtbot, window, monkeypatch) -> None:
    from model.background import BackgroundTrainer

    qtbot.waitUntil(lambda: window.runner.worker_ready, timeout=20000)
    collect_many = BackgroundTrainer.collect_many
    calls = [0]

    def scarce(self: BackgroundTrainer, job: int | None) -> list:  # type: ignore[type-arg]
        calls[0] += 1
        if calls[0] > 3:
            raise MemoryError
        return collect_many(self, job)

    monkeypatch.setattr(BackgroundTrainer, "collect_many", scarce)
    messages: list[str] = []
    window.lab.message.connect(messages.append)
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: not window.runner.running, timeout=20000)
    assert any(m.startswith("Out of memory: training paused") for m in messages)
    assert not window.runner.in_background
