"""Session files with optimizers, penalties, mini-batches and a test set: read, written,
refused with the field named, and continued exactly (--save, reopen, .bplab)."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import numpy as np
import pytest

import main
from model.optimizers import Optimizer
from model.session import load_session, save_session

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


def xor_with(**training: object) -> dict:
    session = json.loads((EXAMPLES / "xor.json").read_text(encoding="utf-8"))
    session["training"].update(training)
    session["data"]["test_inputs"] = [[0.1, 0.9], [0.9, 0.1], [0.2, 0.2]]
    session["data"]["test_targets"] = [[1], [1], [0]]
    return session


ADAM = {"optimizer": {"name": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7}, "l2": 0.001}


def write(tmp_path: Path, name: str, session: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(session), encoding="utf-8")
    return path


def table(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


@pytest.mark.parametrize(
    "training",
    [
        ADAM,
        {"optimizer": {"name": "momentum", "momentum": 0.5, "nesterov": True}, "l1": 0.01},
        {"optimizer": {"name": "rmsprop", "alpha": 0.9}, "mode": "minibatch", "batch_size": 3},
        {"mode": "minibatch", "batch_size": 2, "learning_rate": 0.3},
    ],
)
@pytest.mark.parametrize("suffix", [".json", ".bplab"])
def test_save_then_continue_equals_one_longer_run(
    tmp_path: Path, training: dict, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start = write(tmp_path, "start.json", xor_with(**training))
    saved = tmp_path / f"saved{suffix}"
    assert main.main(["--headless", str(start), "--steps", "23", "--save", str(saved)]) == 0
    part = tmp_path / "part.csv"
    assert main.main(["--headless", str(saved), "--steps", "17", "--export", str(part)]) == 0
    whole = tmp_path / "whole.csv"
    assert main.main(["--headless", str(start), "--steps", "40", "--export", str(whole)]) == 0
    assert table(part) == table(whole)  # bit for bit: repr floats, test_error included
    assert table(whole)[0][-2:] == ["error", "test_error"]


def test_the_keys_read_back_as_written(tmp_path: Path) -> None:
    session = load_session(
        write(tmp_path, "s.json", xor_with(**ADAM, mode="minibatch", batch_size=2))
    )
    config = session.config
    assert config.optimizer == Optimizer("adam", beta1=0.8, beta2=0.99, epsilon=1e-7)
    assert (config.mode, config.batch_size, config.l2, config.l1) == ("minibatch", 2, 0.001, 0.0)
    assert session.data.test_inputs is not None
    trainer = session.to_trainer()
    trainer.run(5)
    save_session(trainer, tmp_path / "again.json")
    again = load_session(tmp_path / "again.json")
    assert again.config == config
    assert again.optimizer_state is not None and again.optimizer_state.t == 5
    np.testing.assert_array_equal(again.data.test_targets, session.data.test_targets)
    text = (tmp_path / "again.json").read_text(encoding="utf-8")
    plain = load_session(EXAMPLES / "xor.json").to_trainer()
    save_session(plain, tmp_path / "plain.json")
    assert "optimizer" not in (tmp_path / "plain.json").read_text(encoding="utf-8")
    assert '"optimizer_state"' in text


HOSTILE = [
    ({"mode": "minibatch", "batch_size": 0}, "training.batch_size"),
    ({"mode": "minibatch", "batch_size": -3}, "training.batch_size"),
    ({"mode": "minibatch", "batch_size": 5}, "training.batch_size"),
    ({"mode": "minibatch"}, "training.batch_size"),
    ({"mode": "minibatch", "batch_size": 1.5}, "training.batch_size"),
    ({"optimizer": {"name": "adam", "beta1": 1.0}}, "training.optimizer.beta1"),
    ({"optimizer": {"name": "adam", "beta2": 2}}, "training.optimizer.beta2"),
    ({"optimizer": {"name": "rmsprop", "epsilon": 0}}, "training.optimizer.epsilon"),
    ({"optimizer": {"name": "adam", "epsilon": -1e-8}}, "training.optimizer.epsilon"),
    ({"optimizer": {"name": "adagrad"}}, "training.optimizer.name"),
    ({"optimizer": "adam"}, "training.optimizer"),
    ({"optimizer": {"name": "momentum", "nesterov": "yes"}}, "training.optimizer.nesterov"),
    ({"l1": -0.1}, "training.l1"),
    ({"l2": "much"}, "training.l2"),
]


@pytest.mark.parametrize(("training", "field"), HOSTILE)
def test_hostile_settings_exit_2_with_one_line_naming_the_field(
    tmp_path: Path, training: dict, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.json", xor_with(**training))
    assert main.main(["--headless", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error:")
    assert f"{field}:" in err[0]


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("test_inputs", [[0.1, 0.9, 0.3]], "data.test_inputs"),
        ("test_targets", [[1, 0], [1, 0], [0, 0]], "data.test_targets"),
    ],
)
def test_test_data_of_the_wrong_width_is_refused(
    tmp_path: Path, key: str, value: list, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session = xor_with()
    session["data"][key] = value
    path = write(tmp_path, "bad.json", session)
    assert main.main(["--headless", str(path)]) == 2
    assert field in capsys.readouterr().err


def test_an_optimizer_state_that_does_not_fit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = write(tmp_path, "start.json", xor_with(**ADAM))
    saved = tmp_path / "saved.json"
    assert main.main(["--headless", str(start), "--steps", "4", "--save", str(saved)]) == 0
    good = json.loads(saved.read_text(encoding="utf-8"))
    for change, field in (
        ({"optimizer": "momentum"}, "optimizer_state.optimizer"),
        ({"t": -1}, "optimizer_state.t"),
        ({"m": [0.0]}, "optimizer_state.m"),
        ({"v": None}, "optimizer_state.v"),
    ):
        bad = copy.deepcopy(good)
        bad["optimizer_state"].update(change)
        path = write(tmp_path, "bad.json", bad)
        capsys.readouterr()
        assert main.main(["--headless", str(path)]) == 2
        assert field in capsys.readouterr().err


def test_gradient_columns_in_the_export(tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    assert main.main(["--headless", "--steps", "2", "--export", str(out), "--gradients"]) == 0
    rows = table(out)
    assert rows[0] == ["step", "W1", "W2", "b", "error", "grad.W1", "grad.W2", "grad.b"]
    assert len(rows) == 4
    y, d = 0.874352143, 0.03
    common = (y - d) * y * (1 - y)
    assert float(rows[1][7]) == pytest.approx(common, rel=1e-8)


def test_gradients_need_an_export(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--headless", "--gradients"]) == 2
    assert "--gradients: only with --export" in capsys.readouterr().err
