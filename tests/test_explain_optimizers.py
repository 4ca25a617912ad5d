"""The explanation of a step made by an optimizer: its numbers are the step's."""

from __future__ import annotations

import numpy as np
import pytest

from model.explain import explain_step, to_html, to_text
from model.optimizers import Optimizer
from model.session import load_example

OPTIMIZERS = [
    Optimizer("sgd"),
    Optimizer("momentum"),
    Optimizer("momentum", nesterov=True),
    Optimizer("rmsprop"),
    Optimizer("adam"),
]


def xor_trainer(optimizer: Optimizer, **changes: object):
    trainer = load_example("xor").to_trainer()
    trainer.set_config(optimizer=optimizer, l2=0.01, l1=0.001, **changes)
    return trainer


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: f"{o.name}{o.nesterov * '-n'}")
def test_each_explained_step_ends_at_the_recorded_state(optimizer: Optimizer) -> None:
    trainer = xor_trainer(optimizer, mode="minibatch", batch_size=3)
    pending = explain_step(trainer)  # what the next Step will do
    trainer.run(6)
    for step in (1, 2, 6):
        ex = explain_step(trainer, step)
        assert ex.optimizer is not None
        if optimizer.stateful:  # (sgd carries no state, so no count)
            assert ex.optimizer.t == step
        np.testing.assert_allclose(ex.new_parameters, trainer.history.row(step), rtol=1e-12)
        for p, o in zip(ex.parameters, ex.optimizer.parameters, strict=True):
            assert o.new == pytest.approx(p.new, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(pending.new_parameters, trainer.history.row(1), rtol=1e-12)
    assert [s.index for s in explain_step(trainer, 2).samples] == [3, 0, 1]  # wrapping round


def test_adam_is_written_out_with_its_bias_correction() -> None:
    trainer = xor_trainer(Optimizer("adam"))
    trainer.step()
    text = to_text(explain_step(trainer))
    assert "Update with Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8), update t = 1" in text
    assert "Bias correction: at update t = 1, m holds only 0.1" in text
    assert "m_c = m/(1 − β1ᵗ)" in text
    assert "l2·" in text and "sign(" in text  # the penalty in the direction
    html = to_html(explain_step(trainer))
    assert "Adam" in html


def test_the_optimizers_state_carries_from_step_to_step_in_the_text() -> None:
    trainer = xor_trainer(Optimizer("momentum", momentum=0.5))
    trainer.run(3)
    second, third = explain_step(trainer, 2), explain_step(trainer, 3)
    assert second.optimizer is not None and third.optimizer is not None
    for before, after in zip(third.optimizer.parameters, second.optimizer.parameters, strict=True):
        assert before.before["v"] == after.after["v"]


def test_the_lecture_example_keeps_the_lecture_s_explanation() -> None:
    trainer = load_example("lecture").to_trainer()
    trainer.step()
    ex = explain_step(trainer)
    assert ex.optimizer is None
    assert "W(n+1) = W(n) + η[d − Y]X" in to_text(ex)
