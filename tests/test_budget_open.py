"""A session file whose dense history alone is larger than the memory budget's history
share (model/session/fitting.py): opened thinned when replay makes the rows it drops,
refused (nothing half loaded) when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.optimizers import Optimizer
from model.session import SessionError, load_session, save_session, session_to_dict
from model.session.fitting import trainer_within
from model.state import Trainer
from model.training import TrainingConfig
from tests.test_budget import XOR_TEST, tiny, xor_network
from tests.test_budget_files import assert_every_state


def dense_run(optimizer: Optimizer, steps: int = 900) -> Trainer:
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="online", optimizer=optimizer)
    trainer = Trainer(xor_network([2, 3, 1]), XOR_TEST, config)
    trainer.run(steps // 2)
    trainer.set_config(learning_rate=0.1)  # a change of settings: its row stays pinned
    trainer.run(steps - steps // 2)
    return trainer


def small_budget(trainer: Trainer, rows: int = 24, slots: int = 0):  # type: ignore[no-untyped-def]
    return tiny(rows, trainer.history.width, slots, trainer.network.n_parameters)


@pytest.mark.parametrize("suffix", [".json", ".bplab"])
def test_a_dense_file_larger_than_the_budget_opens_thinned_and_replays_every_state(
    tmp_path: Path, suffix: str
) -> None:
    plain = dense_run(Optimizer("sgd"))
    path = tmp_path / f"dense{suffix}"
    save_session(plain, path)
    session = load_session(path)
    assert session.history is not None and session.history.dense
    budget = small_budget(plain)
    trainer = trainer_within(session, budget)
    history = trainer.history
    assert not history.dense
    assert history.max_rows is not None and history.stored_count <= history.max_rows
    assert history.stored(450)  # the change of settings
    assert_every_state(history, plain.history)
    assert trainer.network.get_flat().tobytes() == plain.network.get_flat().tobytes()
    plain.run(50)
    trainer.run(50)
    assert_every_state(trainer.history, plain.history)
    # The session itself is untouched: a larger budget opens it whole.
    whole = trainer_within(session, None)
    assert whole.history.dense and len(whole.history) == 901


def test_a_dense_file_within_the_budget_opens_as_before(tmp_path: Path) -> None:
    plain = dense_run(Optimizer("sgd"), 20)
    save_session(plain, tmp_path / "small.json")
    trainer = trainer_within(load_session(tmp_path / "small.json"), small_budget(plain, 64))
    assert trainer.history.dense and trainer.history.pinned_below == 21


def test_a_dense_file_whose_rows_do_not_replay_is_refused(tmp_path: Path) -> None:
    plain = dense_run(Optimizer("sgd"))
    document = session_to_dict(plain)
    rows = document["history"]["rows"]  # type: ignore[index]
    for row in rows[1:-1]:  # another program's rows: one ulp off (the errors still agree)
        row[1] = float(np.nextafter(row[1], 1.0))
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document))
    session = load_session(path)  # a dense history: nothing replays when opened whole
    assert len(trainer_within(session, None).history) == 901
    with pytest.raises(SessionError, match=r"^history: .*is not what training gives.*budget"):
        trainer_within(session, small_budget(plain))
    assert session.history is not None and session.history.dense


def test_a_dense_file_of_a_stateful_optimizer_is_refused_naming_the_budget(
    tmp_path: Path,
) -> None:
    plain = dense_run(Optimizer("adam"))
    save_session(plain, tmp_path / "adam.json")
    session = load_session(tmp_path / "adam.json")
    with pytest.raises(SessionError) as refused:
        trainer_within(session, small_budget(plain, 24, 2))
    message = str(refused.value)
    assert "adam optimizer" in message and "step 0" in message
    assert "Memory budget…" in message and "--memory-budget" in message
    assert len(trainer_within(session, None).history) == 901


def test_headless_thins_such_a_file_or_refuses_it_in_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import main as cli

    plain = dense_run(Optimizer("sgd"))
    adam = dense_run(Optimizer("adam"))
    save_session(plain, tmp_path / "sgd.json")
    save_session(adam, tmp_path / "adam.json")
    monkeypatch.setattr(cli, "session_budget", lambda: small_budget(plain, 24, 2))
    export = tmp_path / "sgd.csv"
    assert (
        cli.main(
            ["--headless", "--steps", "0", "--export", str(export), str(tmp_path / "sgd.json")]
        )
        == 0
    )
    assert len(export.read_text().splitlines()) == 902  # every state, replayed
    capsys.readouterr()
    assert cli.main(["--headless", "--steps", "0", str(tmp_path / "adam.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / 'adam.json'}: history: ")
    assert "--memory-budget" in err[0]


def test_an_edit_anywhere_in_a_dense_file_stays_and_every_state_replays(tmp_path: Path) -> None:
    """A dense file does not mark its edits: the whole run is replayed once when it is
    thinned, and each row training does not make is kept (not only a few rows checked)."""
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="online")
    edited = Trainer(xor_network([2, 3, 1]), XOR_TEST, config)
    edited.run(437)
    theta = edited.network.get_flat()
    theta[2] += 0.25  # an edit between any rows a sample would check
    edited.set_parameters(theta)
    edited.run(463)
    save_session(edited, tmp_path / "edited.json")
    session = load_session(tmp_path / "edited.json")
    assert session.history is not None and session.history.dense
    trainer = trainer_within(session, small_budget(edited))
    history = trainer.history
    assert not history.dense and history.stored_count < 100
    assert history.stored(437) and 437 in history.pinned  # the edit's row
    assert history.rows(0, 901).tobytes() == edited.history.rows_view(901).tobytes()
