"""The memory budget and what a session keeps outside the history, without Qt: a thinned
history saved as its stored rows (sessions, .json and .bplab) and reopened whole; the
undo stack within its share; the autosave within its share on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.budget import MemoryBudget
from model.history import History
from model.optimizers import Optimizer
from model.session import SessionError, load_session, save_session, session_to_dict
from model.state import Trainer
from model.training import TrainingConfig
from model.undo import Change, Operation, fit_undo, undo_bytes
from tests.test_budget import XOR, XOR_TEST, tiny, xor_network


def pair(optimizer: Optimizer, rows: int = 24, data=XOR_TEST) -> tuple[Trainer, Trainer]:  # type: ignore[no-untyped-def]
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="online", optimizer=optimizer)
    network = xor_network([2, 3, 1])
    width = network.n_parameters + 1 + int(data.has_test_set)
    budget = tiny(rows, width, 2 if optimizer.stateful else 0, network.n_parameters)
    plain = Trainer(network.copy(), data, config)
    return plain, Trainer(network.copy(), data, config, budget=budget)


def mixed_run(trainer: Trainer) -> None:
    """A run with a change of settings and an edit in it (rows replay cannot make)."""
    trainer.run(300)
    trainer.set_config(learning_rate=0.1)
    trainer.run(200)
    theta = trainer.network.get_flat()
    theta[0] += 0.25
    trainer.set_parameters(theta)
    trainer.run(400)


def assert_every_state(history: History, plain: History) -> None:
    n = len(plain)
    assert len(history) == n
    assert history.rows(0, n).tobytes() == plain.rows_view(n).tobytes()


@pytest.mark.parametrize("suffix", [".json", ".bplab"])
@pytest.mark.parametrize(
    "optimizer", [Optimizer("sgd"), Optimizer("adam", beta1=0.8, beta2=0.99, epsilon=1e-7)]
)
def test_a_thinned_history_is_saved_as_its_stored_rows_and_reopened_whole(
    tmp_path: Path, suffix: str, optimizer: Optimizer
) -> None:
    plain, small = pair(optimizer)
    mixed_run(plain)
    mixed_run(small)
    assert not small.history.dense
    path = tmp_path / f"thinned{suffix}"
    save_session(small, path)
    document = session_to_dict(small)
    history = document["history"]
    assert isinstance(history, dict)
    assert history["states"] == 901
    assert len(history["rows"]) == small.history.stored_count  # type: ignore[arg-type]
    if optimizer.stateful:
        assert "optimizer_checkpoints" in document
    reopened = load_session(path).to_trainer()
    assert_every_state(reopened.history, plain.history)
    assert reopened.network.get_flat().tobytes() == plain.network.get_flat().tobytes()
    # It trains on as the run it came from, and thins again within a smaller budget
    # (its stored rows are not pinned: only the edit and the change of settings are).
    plain.run(100)
    reopened.run(100)
    assert_every_state(reopened.history, plain.history)
    before = reopened.history.stored_count
    reopened.set_budget(tiny(8, reopened.history.width, 2, reopened.network.n_parameters))
    assert reopened.history.stored_count < before
    assert_every_state(reopened.history, plain.history)


def test_a_dense_history_is_saved_exactly_as_before(tmp_path: Path) -> None:
    trainer = Trainer(
        xor_network([2, 3, 1]),
        XOR,
        TrainingConfig(rule="backprop", learning_rate=0.3, optimizer=Optimizer("adam")),
    )
    trainer.run(50)
    document = session_to_dict(trainer)
    history = document["history"]
    assert isinstance(history, dict) and set(history) == {"columns", "rows"}
    assert "optimizer_checkpoints" not in document
    save_session(trainer, tmp_path / "dense.bplab")
    assert load_session(tmp_path / "dense.bplab").history.dense  # type: ignore[union-attr]


def test_a_thinned_file_whose_rows_replay_cannot_make_is_refused(tmp_path: Path) -> None:
    _plain, small = pair(Optimizer("sgd"))
    small.run(900)
    document = session_to_dict(small)
    rows = document["history"]["rows"]  # type: ignore[index]
    rows[1][1] = float(np.nextafter(rows[1][1], 1.0))  # one ulp: the errors still agree
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SessionError, match="cannot be recomputed"):
        load_session(path)
    rows[1][1] = float(np.nextafter(rows[1][1], -1.0))
    rows[2][0] = rows[1][0]  # steps must increase
    path.write_text(json.dumps(document))
    with pytest.raises(SessionError, match=r"history\.rows\[2\]\[0\]"):
        load_session(path)


# -- the undo stack's share -----------------------------------------------------------------
def test_six_rounds_of_run_and_reset_keep_the_undo_stack_within_its_share() -> None:
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch")
    network = xor_network([2, 3, 1])
    budget = MemoryBudget(256 << 10)  # 256 KB: the undo share holds ~500 rows of 11 values
    plain = Trainer(network.copy(), XOR_TEST, config)
    small = Trainer(network.copy(), XOR_TEST, config, budget=budget)
    stacks: dict[int, list[Change]] = {id(plain): [], id(small): []}

    def push(trainer: Trainer, operation: Operation) -> None:
        change = Change(lambda: trainer, operation)
        change.apply()
        stacks[id(trainer)].append(change)

    for round_ in range(6):
        for trainer in (plain, small):
            push(trainer, lambda t: t.run(2_000) and None)
            if round_ == 2:
                push(trainer, lambda t: t.truncate(700))  # Back: a tail held for redo
                push(trainer, lambda t: t.run(2_000) and None)
            push(trainer, Trainer.reset)
        assert fit_undo(stacks[id(small)], small.history, budget.undo_bytes)
        assert undo_bytes(stacks[id(small)], small.history) <= budget.undo_bytes
    assert undo_bytes(stacks[id(plain)], plain.history) > 4 * budget.undo_bytes
    for mine, theirs in zip(reversed(stacks[id(small)]), reversed(stacks[id(plain)]), strict=True):
        mine.undo()
        theirs.undo()
        assert small.position == plain.position
        assert_every_state(small.history, plain.history)
    for mine, theirs in zip(stacks[id(small)], stacks[id(plain)], strict=True):
        mine.redo()
        theirs.redo()
    assert_every_state(small.history, plain.history)
