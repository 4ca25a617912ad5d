"""Random sequences of edits, steps, Back, Reset, seeks and setting changes, then undo all
and redo all: nothing may raise, and both ends must come back exactly (history, data,
parameters and the settings that made each step)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from state_helpers import training_state

from gui.lab import Lab
from model.explain import explain_step
from model.session import lecture_session


def snapshot(lab: Lab) -> tuple[object, ...]:
    return training_state(lab.trainer)


def random_action(lab: Lab, rng: random.Random) -> bool:
    """Do something a student could; True if it edited a state reached by a step (whose
    explanation then shows the edited values, not the step's own result)."""
    trainer = lab.trainer
    edited_a_step = False
    choice = rng.randrange(9)
    if choice <= 2:
        lab.run_steps(rng.randint(1, 4))
    elif choice == 3:
        lab.step_back()
    elif choice == 4:
        lab.reset()
    elif choice == 5:
        lab.seek(rng.randint(0, lab.last_step))
    elif choice == 6:
        edited_a_step = trainer.position > 0
        lab.set_parameter(1, rng.choice("Wb"), 0, rng.randrange(2), rng.uniform(-1, 1))
    elif choice == 7:
        if rng.random() < 0.5:
            lab.set_sample_value(0, rng.randrange(3), rng.uniform(0, 1))
        else:
            lab.add_sample()
    else:
        lab.set_config(
            learning_rate=rng.choice([0.01, 0.1, 0.5]), rule=rng.choice(["delta", "backprop"])
        )
    assert len(trainer.history) == lab.last_step + 1
    return edited_a_step


@pytest.mark.parametrize("seed", range(60))
def test_undo_all_and_redo_all_return_exactly(qtbot, seed: int) -> None:
    rng = random.Random(seed)
    lab = Lab(lecture_session())
    start = snapshot(lab)
    edited = False
    for _ in range(25):
        edited |= random_action(lab, rng)
        if lab.trainer.position > 0:
            explain_step(lab.trainer)  # each step's settings still explain its numbers
    lab.seek(lab.last_step)  # seeking is not an edit; every command ends at the last state
    end = snapshot(lab)
    stack = lab.undo_stack
    while stack.canUndo():
        stack.undo()
    assert snapshot(lab)[:7] == start[:7]
    while stack.canRedo():
        stack.redo()
    assert snapshot(lab)[:7] == end[:7]
    if edited:
        return
    # The explanation of every recorded step adds up with its own settings.
    for step in range(1, lab.last_step + 1):
        ex = explain_step(lab.trainer, step)
        np.testing.assert_allclose(
            np.array(ex.old_parameters) + [p.change for p in ex.parameters],
            ex.new_parameters,
            rtol=1e-9,
            atol=1e-12,
        )
