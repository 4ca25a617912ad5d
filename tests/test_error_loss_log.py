"""Which loss each history row's error is of, as the error plot reads it from the Trainer:
row k ≥ 1 under `config_for_step(k)`, row 0 under the first logged settings
(gui/plots.py `loss_spans`). Model only, no Qt.

The Trainer keeps them in step: a loss changed at step 0 (or by Reset) makes row 0's
error that loss's; an edit keeps the loss of the step that made the row.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.session import lecture_session
from model.state import Trainer, error_of


def loss_of_row(trainer: Trainer, k: int) -> str:
    log = trainer.config_log
    return log[0][1].loss if k == 0 else trainer.config_for_step(k).loss


def recomputed(trainer: Trainer, k: int) -> float:
    network = trainer.network.copy()
    network.set_flat(trainer.history.row(k))
    return error_of(network, trainer.data, loss_of_row(trainer, k))


def test_a_loss_changed_mid_history_keeps_each_rows_loss() -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    trainer.set_config(loss="cross_entropy")
    trainer.run(3)
    assert [loss_of_row(trainer, k) for k in range(7)] == ["squared_error"] * 4 + [
        "cross_entropy"
    ] * 3
    for k in range(7):
        assert trainer.history.error_at(k) == pytest.approx(recomputed(trainer, k), rel=1e-12)


def test_a_loss_changed_at_step_0_then_a_step() -> None:
    trainer = lecture_session().to_trainer()
    trainer.set_config(loss="cross_entropy")
    trainer.run(2)
    assert trainer.history.error_at(0) == pytest.approx(recomputed(trainer, 0), rel=1e-12)


def test_an_edit_after_a_change_of_loss() -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    trainer.set_config(loss="cross_entropy")
    trainer.set_parameters(trainer.network.get_flat() + 0.01)
    assert trainer.history.error_at(3) == pytest.approx(recomputed(trainer, 3), rel=1e-12)


def test_a_reset_after_a_change_of_loss() -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    trainer.set_config(loss="cross_entropy")
    trainer.reset()
    assert np.isclose(trainer.history.error_at(0), recomputed(trainer, 0), rtol=1e-12)
