"""The grad.{name} columns: ∂E/∂θ of the dataset error at each recorded state."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import model.history
from model.budget import MemoryBudget
from model.gradients_export import export_with_gradients, gradient_names, gradient_table
from model.history import read_csv
from model.session import lecture_session, load_example
from model.state import Trainer
from tests.test_gui_teaching import step_session


def central_difference(trainer, step: int, h: float = 1e-6) -> np.ndarray:
    network = trainer.network.copy()
    theta = trainer.history.row(step)
    loss = trainer.config_for_step(max(step, 1)).loss
    data = trainer.data
    grad = np.empty_like(theta)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        network.set_flat(up)
        e_up = network.error(data.inputs, data.targets, loss)
        network.set_flat(down)
        e_down = network.error(data.inputs, data.targets, loss)
        grad[i] = (e_up - e_down) / (2 * h)
    return grad


@pytest.mark.parametrize("example", ["lecture", "xor", "mazur_2_2_2"])
def test_each_row_holds_the_gradient_of_that_state(example: str) -> None:
    trainer = load_example(example).to_trainer()
    trainer.run(25)
    table = gradient_table(trainer)
    assert table.shape == (26, trainer.network.n_parameters)
    for step in (0, 1, 13, 25):
        np.testing.assert_allclose(
            table[step], central_difference(trainer, step), rtol=1e-5, atol=1e-9
        )


def test_the_lecture_gradient_at_step_0_and_the_names() -> None:
    trainer = lecture_session().to_trainer()
    trainer.step()
    assert gradient_names(trainer) == ["grad.W1", "grad.W2", "grad.b"]
    g = gradient_table(trainer)[0]
    # backprop's ∂E/∂w_i = (y − d) y (1 − y) x_i at the lecture's numbers
    y, d = 0.874352143, 0.03
    common = (y - d) * y * (1 - y)
    np.testing.assert_allclose(g, [common * 0.1, common * 0.3, common], rtol=1e-8)


def test_a_step_activation_has_no_gradient_column() -> None:
    trainer = load_example("and").to_trainer()
    trainer.set_activation(1, "step")
    with pytest.raises(ValueError, match="step activation"):
        gradient_table(trainer)


def test_a_thinned_history_exports_the_same_gradients_block_by_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = load_example("xor").to_trainer()
    small = Trainer(plain.network.copy(), plain.data, plain.config, budget=MemoryBudget(40 << 10))
    plain.run(700)
    small.run(700)
    assert small.history.stored_count < 200  # most states are replayed as they are written
    monkeypatch.setattr(model.history, "CSV_BLOCK_ROWS", 64)  # many blocks
    for name in ("a.csv", "a.json"):
        export_with_gradients(plain, tmp_path / f"plain-{name}")
        export_with_gradients(small.detached(), tmp_path / f"small-{name}")
        expected = (tmp_path / f"plain-{name}").read_bytes()
        assert (tmp_path / f"small-{name}").read_bytes() == expected
    header, values = read_csv(tmp_path / "small-a.csv")
    assert header[-len(gradient_names(plain)) :] == gradient_names(plain)
    n = plain.network.n_parameters
    np.testing.assert_array_equal(values[:, -n:], gradient_table(plain))
    assert len(values) == 701


def test_a_step_activation_writes_nothing_even_into_a_pipe(tmp_path: Path) -> None:
    trainer = step_session().to_trainer()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(ValueError, match="step"):
            export_with_gradients(trainer, fifo, streams=True)
        assert os.read(reader, 100) == b""  # not even the header
    finally:
        os.close(reader)
