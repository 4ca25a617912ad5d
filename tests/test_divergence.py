"""model.divergence: the state to go back to after a divergence, on made-up histories
(without Qt); the window's banner is tested in test_gui_divergence.py."""

from __future__ import annotations

import numpy as np
import pytest

import model.divergence
from model.divergence import last_sane_state, parameter_limit


def calm(n: int) -> np.ndarray:
    return np.zeros((n, 2))


def test_back_to_where_the_climb_began() -> None:
    errors = np.array([5, 4, 3, 2, 1, 1.5, 2, 3, 20, 200, 2e5, 1e9])
    sane = last_sane_state(errors, calm(len(errors)))
    assert sane.step == 4 and sane.error == 1.0 and sane.lowest_error == 1.0


def test_a_dip_on_the_way_is_not_the_start_of_the_explosion() -> None:
    errors = np.array([5, 1, 0.5, 0.4, 0.3, 0.35, 0.3, 0.2, 0.25, 0.3, 0.5, 1.9, 4, 1e3])
    assert last_sane_state(errors, calm(len(errors))).step == 7


def test_a_parameter_beyond_the_limit_is_not_sane() -> None:
    errors = np.array([1.0, 0.9, 0.8, 0.7, 0.75])  # the error never explodes ...
    params = np.array([[0.5, -2.0], [1, 1], [10, 10], [3000, 1], [1e9, 1]])
    assert parameter_limit(params[0]) == 2000.0  # 1000 × the largest at step 0
    assert last_sane_state(errors, params).step == 2  # ... but the parameters do


def test_the_last_state_can_be_the_answer_and_step_0_always_is_one() -> None:
    errors = np.array([1.0, 0.5, 0.25])
    assert last_sane_state(errors, calm(3)).step == 2
    assert last_sane_state(np.array([1.0, 1e6, 1e12]), calm(3)).step == 0
    with pytest.raises(ValueError, match="one error and one row"):
        last_sane_state(np.array([]), calm(0))


def test_long_histories_are_read_a_block_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(model.divergence, "CHUNK", 7)
    errors = np.concatenate([np.linspace(10, 1, 50), 1.0 * 1.5 ** np.arange(1, 60)])
    assert last_sane_state(errors, calm(len(errors))).step == 49
    monkeypatch.setattr(model.divergence, "CHUNK", 4096)
    assert last_sane_state(errors, calm(len(errors))).step == 49
