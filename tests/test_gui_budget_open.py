"""Opening a session whose dense history is larger than the memory budget, in the
window (model/session/fitting.py): thinned to it when replay makes the rows it drops,
refused with a message naming the file when it cannot, the session shown kept."""

from __future__ import annotations

from pathlib import Path

from gui.memory import apply_budget
from model.optimizers import Optimizer
from model.session import save_session
from tests.test_budget_open import dense_run, small_budget


def test_a_dense_session_larger_than_the_budget_opens_thinned_or_is_refused(
    window, dialogs, tmp_path: Path
) -> None:
    plain = dense_run(Optimizer("sgd"))
    adam = dense_run(Optimizer("adam"))
    save_session(plain, tmp_path / "sgd.bplab")
    save_session(adam, tmp_path / "adam.json")
    budget = small_budget(plain, 24, 2)
    window.memory.budget = budget
    apply_budget(window.lab, budget)
    document = window.document

    assert document.open_path(str(tmp_path / "sgd.bplab"))
    history = window.lab.trainer.history
    assert not history.dense and history.max_rows is not None
    assert history.stored_count <= history.max_rows
    assert history.rows(0, 901).tobytes() == plain.history.rows_view(901).tobytes()
    assert not dialogs.warnings

    shown = window.lab.trainer
    assert not document.open_path(str(tmp_path / "adam.json"))
    assert dialogs.warnings[-1].startswith("Cannot open session: adam.json: history: ")
    assert "adam optimizer" in dialogs.warnings[-1]
    assert "Memory budget…" in dialogs.warnings[-1]
    assert window.lab.trainer is shown and document.path == str(tmp_path / "sgd.bplab")


def test_the_plots_redraw_when_a_new_budget_thins_the_history_and_only_then(window, qtbot) -> None:
    # (at start-up the saved budget is applied to a one-state session: no redraw, ~2 ms)
    window.lab.trainer.run(300)
    roomy = small_budget(window.lab.trainer, 4000)
    with qtbot.assertNotEmitted(window.lab.historyChanged):
        apply_budget(window.lab, roomy)
    assert window.lab.trainer.history.dense
    with qtbot.waitSignal(window.lab.historyChanged, timeout=1000):
        apply_budget(window.lab, small_budget(window.lab.trainer, 24))
    assert not window.lab.trainer.history.dense
