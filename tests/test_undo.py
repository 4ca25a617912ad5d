"""The undo rules of the training state, without Qt: random edits, steps, Back, Reset,
seeks and setting changes as `Change`s on a plain list, then undo all and redo all —
both ends must come back exactly. (The window's QUndoStack holds the same Changes.)"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

import numpy as np
import pytest
from state_helpers import training_state as state

from model.network import Network
from model.state import Trainer
from model.training import Dataset, TrainingConfig
from model.undo import Change, Operation


class Stack:
    """The least an undo stack does: push (clearing redo), undo, redo, and merge a Change
    into the previous one when it continues it (as consecutive Train steps do)."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.done: list[tuple[str, Change]] = []
        self.undone: list[tuple[str, Change]] = []
        self.last_state: tuple[object, ...] = state(trainer)  # after the last push

    def push(self, kind: str, operation: Operation, merge: bool = False) -> Change:
        change = Change(lambda: self.trainer, operation)
        change.apply()
        self.undone.clear()
        if merge and self.done and self.done[-1][0] == kind and self.done[-1][1].continues(change):
            self.done[-1][1].absorb(change)
        else:
            self.done.append((kind, change))
        self.last_state = state(self.trainer)
        return change

    def undo(self) -> None:
        kind, change = self.done.pop()
        change.undo()
        self.undone.append((kind, change))

    def redo(self) -> None:
        kind, change = self.undone.pop()
        change.redo()
        self.done.append((kind, change))


def lecture() -> Trainer:
    network = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    return Trainer(network, Dataset([[0.1, 0.3]], [[0.03]]), TrainingConfig())


def train(stack: Stack, n: int) -> None:
    trainer = stack.trainer
    if trainer.position < trainer.last_step:
        position = trainer.position
        stack.push("truncate", lambda t: t.truncate(position))
    stack.push("train", lambda t: (t.run(n), None)[1], merge=True)


def edit_parameter(stack: Stack, rng: random.Random) -> None:
    theta = stack.trainer.network.get_flat()
    theta[rng.randrange(theta.size)] = rng.uniform(-1, 1)
    stack.push("edit", lambda t: t.set_parameters(theta))


def edit_data(stack: Stack, rng: random.Random) -> None:
    data = stack.trainer.data
    if rng.random() < 0.5:
        new = Dataset(
            np.vstack([data.inputs, data.inputs[-1:]]), np.vstack([data.targets, data.targets[-1:]])
        )
    else:
        new = data.copy()
        new.inputs[0, rng.randrange(2)] = rng.uniform(0, 1)
    stack.push("data", lambda t: t.replace_data(new))


def random_action(stack: Stack, rng: random.Random) -> None:
    trainer = stack.trainer
    actions: list[Callable[[], object]] = [
        lambda: train(stack, rng.randint(1, 4)),
        lambda: train(stack, rng.randint(1, 4)),
        lambda: trainer.position and stack.push("back", lambda t: t.truncate(t.position - 1)),
        lambda: trainer.last_step and stack.push("reset", lambda t: t.reset()),
        lambda: trainer.seek(rng.randint(0, trainer.last_step)),
        lambda: edit_parameter(stack, rng),
        lambda: edit_data(stack, rng),
        lambda: stack.push(
            "config",
            lambda t: t.set_config(
                learning_rate=rng.choice([0.01, 0.1, 0.5]), rule=rng.choice(["delta", "backprop"])
            ),
        ),
        lambda: stack.push(
            "activation", lambda t: t.set_activation(1, rng.choice(["sigmoid", "tanh"]))
        ),
        lambda: stack.push(
            "loss",
            lambda t: (
                t.set_config(loss=rng.choice(["squared_error", "cross_entropy"]))
                if t.network.activations[-1] == "sigmoid"
                else None
            ),
        ),
    ]
    # A refusal (tanh with cross-entropy, say) changes nothing and pushes nothing.
    with contextlib.suppress(ValueError):
        rng.choice(actions)()


@pytest.mark.parametrize("seed", range(80))
def test_undo_all_and_redo_all_return_exactly(seed: int) -> None:
    rng = random.Random(seed)
    stack = Stack(lecture())
    start = state(stack.trainer)
    for _ in range(30):
        random_action(stack, rng)
    end = stack.last_state  # a seek after the last change is not undone or redone
    while stack.done:
        stack.undo()
    assert state(stack.trainer) == start
    while stack.undone:
        stack.redo()
    assert state(stack.trainer) == end


def test_undoing_a_reset_brings_the_same_history_back_without_a_copy() -> None:
    stack = Stack(lecture())
    train(stack, 5)
    history = stack.trainer.history
    stack.push("reset", lambda t: t.reset())
    assert stack.trainer.history is not history
    assert len(stack.trainer.history) == 1
    stack.undo()
    assert stack.trainer.history is history
    assert stack.trainer.position == 5


def test_consecutive_steps_merge_and_undo_as_one() -> None:
    stack = Stack(lecture())
    for _ in range(3):
        train(stack, 2)
    assert [kind for kind, _ in stack.done] == ["train"]
    stack.undo()
    assert stack.trainer.position == 0
    assert len(stack.trainer.history) == 1
    stack.redo()
    assert stack.trainer.position == 6


def test_an_edit_after_going_back_discards_the_later_states_and_undo_returns_them() -> None:
    stack = Stack(lecture())
    train(stack, 4)
    before = stack.trainer.history.table().copy()
    stack.trainer.seek(1)
    theta = stack.trainer.network.get_flat()
    theta[0] = 0.9
    stack.push("edit", lambda t: t.set_parameters(theta))
    assert stack.trainer.last_step == 1
    assert stack.trainer.history.row(1)[0] == 0.9
    stack.undo()
    np.testing.assert_array_equal(stack.trainer.history.table(), before)
    assert stack.trainer.position == 1


def test_a_refused_operation_changes_nothing() -> None:
    stack = Stack(lecture())
    train(stack, 2)
    before = state(stack.trainer)
    with pytest.raises(ValueError, match="learning rate"):
        stack.push("config", lambda t: t.set_config(learning_rate=-1.0))
    with pytest.raises(ValueError, match="finite"):
        stack.push("edit", lambda t: t.set_parameters(np.array([np.nan, 0.2, 0.3])))
    with pytest.raises(ValueError, match="infinite"):
        stack.push("data", lambda t: t.replace_data(Dataset([[0.1, 0.3]], [[1e308]])))
    assert state(stack.trainer) == before
    assert len(stack.done) == 1


def test_every_operation_gives_a_new_revision() -> None:
    trainer = lecture()
    seen = {trainer.revision}
    operations: list[Callable[[], object]] = [
        lambda: trainer.run(2),
        lambda: trainer.seek(1),
        lambda: trainer.truncate(1),
        lambda: trainer.set_config(learning_rate=0.5),
        lambda: trainer.set_parameters(np.array([0.1, 0.2, 0.3])),
        lambda: trainer.replace_data(Dataset([[0.5, 0.5]], [[0.5]])),
        trainer.reset,
    ]
    for operation in operations:
        operation()
        assert trainer.revision not in seen
        seen.add(trainer.revision)
    assert lecture().revision not in seen  # unique across trainers, too
