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
from model.recovery import AutosaveFile, AutosaveTooLargeError, read_autosave
from model.session import SessionError, load_session, save_session, session_to_dict
from model.state import Trainer
from model.training import TrainingConfig
from model.undo import Change, Operation, fit_undo, undo_bytes
from tests.test_budget import XOR, XOR_TEST, tiny, xor_network
from tests.test_recovery import dead_pid


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


# -- the autosave's share on disk -----------------------------------------------------------
def autosave_all(file: AutosaveFile, trainer: Trainer) -> None:
    """Autosave until the file has caught up with the trainer (as the window does)."""
    while True:
        file.prepare(trainer, "My homework", None, unsaved=True).run()
        if not file.behind(trainer):
            return


def on_disk(file: AutosaveFile) -> int:
    """Bytes of the autosave's history: its rows file and the optimizer's checkpoints."""
    obj = json.loads(file.json_path.read_text(encoding="utf-8"))
    checkpoints = obj.get("optimizer_checkpoints")
    extra = 0 if checkpoints is None else len(json.dumps(checkpoints))
    return file.rows_path.stat().st_size + extra


@pytest.mark.parametrize(
    "optimizer", [Optimizer("sgd"), Optimizer("adam", beta1=0.8, beta2=0.99, epsilon=1e-7)]
)
def test_a_run_at_a_small_budget_autosaves_within_its_share_and_restores_every_step(
    tmp_path: Path, optimizer: Optimizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("model.recovery.SAVE_BYTES", 40 * 8 * 12)  # a few saves to catch up
    plain, small = pair(optimizer, rows=96)
    assert small.budget is not None
    share = small.budget.autosave_bytes
    file = AutosaveFile(tmp_path, f"{dead_pid()}-1")
    for trainer in (plain, small):  # mixed_run, autosaved along the way
        trainer.run(300)
        if trainer is small:
            autosave_all(file, small)
        trainer.set_config(learning_rate=0.1)
        trainer.run(200)
        if trainer is small:
            autosave_all(file, small)
        theta = trainer.network.get_flat()
        theta[0] += 0.25
        trainer.set_parameters(theta)
        trainer.run(1_500)
    autosave_all(file, small)
    assert not small.history.dense
    assert on_disk(file) <= share < 2001 * 8 * small.history.width
    meta = json.loads(file.json_path.read_text(encoding="utf-8"))["autosave"]
    assert meta["states"] == 2001 and meta["rows"] < small.history.stored_count
    recovered = read_autosave(file.json_path)
    assert recovered is not None
    restored = recovered.session.to_trainer()
    assert_every_state(restored.history, plain.history)
    assert restored.network.get_flat().tobytes() == plain.network.get_flat().tobytes()
    plain.run(50)
    restored.run(50)  # it trains on as the run it came from
    assert_every_state(restored.history, plain.history)
    # On the timeline, at a state the history does not keep: saved up to it, exactly.
    step = next(s for s in range(1_900, 2_000) if not small.history.stored(s))
    small.seek(step)
    autosave_all(file, small)
    recovered = read_autosave(file.json_path)
    assert recovered is not None
    assert_every_state(recovered.session.to_trainer().history, plain.history.copy_prefix(step + 1))


def test_a_dense_autosave_keeps_its_format_and_the_previous_format_restores(
    tmp_path: Path,
) -> None:
    plain, _small = pair(Optimizer("adam"))
    plain.run(120)
    file = AutosaveFile(tmp_path, f"{dead_pid()}-1")
    autosave_all(file, plain)
    obj = json.loads(file.json_path.read_text(encoding="utf-8"))
    assert not {"states", "stride", "pinned", "pinned_below", "last_row"} & set(obj["autosave"])
    assert "optimizer_checkpoints" not in obj
    assert file.rows_path.stat().st_size == 121 * 8 * plain.history.width
    recovered = read_autosave(file.json_path)
    assert recovered is not None
    assert_every_state(recovered.session.to_trainer().history, plain.history)


def test_kept_rows_beyond_the_share_keep_the_last_good_autosave(tmp_path: Path) -> None:
    plain, small = pair(Optimizer("sgd"), rows=96)
    plain.run(100)
    small.run(100)
    file = AutosaveFile(tmp_path, f"{dead_pid()}-1")
    autosave_all(file, small)
    before = file.json_path.read_bytes()
    for _ in range(40):  # edits: rows replay cannot make, beyond the autosave's share
        theta = small.network.get_flat()
        theta[0] += 0.01
        small.set_parameters(theta)
        small.run(2)
    with pytest.raises(AutosaveTooLargeError, match="the last autosave is kept"):
        file.prepare(small, "My homework", None, unsaved=True)
    assert file.json_path.read_bytes() == before
    recovered = read_autosave(file.json_path)
    assert recovered is not None
    assert_every_state(recovered.session.to_trainer().history, plain.history)
