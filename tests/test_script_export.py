"""The run exported as a numpy script reproduces the app's history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.optimizers import Optimizer
from model.script_export import numpy_script, torch_script
from model.session import lecture_session, load_example
from model.state import Trainer


def run_script(trainer: Trainer, tmp_path: Path, *args: str) -> str:
    script = tmp_path / "run.py"
    script.write_text(numpy_script(trainer), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def exact_rows(trainer: Trainer, tmp_path: Path) -> np.ndarray:
    lines = run_script(trainer, tmp_path, "--exact").splitlines()
    return np.array([[float(x) for x in line.split(",")] for line in lines])


def test_the_lecture_step_printed_as_the_lecture_prints_it(tmp_path: Path) -> None:
    trainer = lecture_session().to_trainer()
    trainer.step()
    lines = run_script(trainer, tmp_path).splitlines()
    assert lines[0].startswith("step 0: E = 0.356465271  W1=0.500000000  W2=0.200000000")
    assert lines[1] == ("step 1: E = 0.355601244  W1=0.499155648  W2=0.197466944  b=1.821556479")


@pytest.mark.parametrize("example", ["lecture", "xor", "mazur_2_2_2", "deep_xor"])
def test_the_script_reproduces_the_history(example: str, tmp_path: Path) -> None:
    trainer = load_example(example).to_trainer()
    trainer.run(40)
    np.testing.assert_allclose(
        exact_rows(trainer, tmp_path), trainer.history.table(), rtol=1e-12, atol=1e-13
    )


def test_settings_changed_mid_run_and_every_optimizer(tmp_path: Path) -> None:
    trainer = load_example("xor").to_trainer()
    trainer.set_config(optimizer=Optimizer("adam"), l2=0.01)
    trainer.run(15)
    trainer.set_config(
        optimizer=Optimizer("momentum", nesterov=True), mode="minibatch", batch_size=3
    )
    trainer.run(15)
    trainer.set_config(optimizer=Optimizer("rmsprop"), learning_rate=0.05, l1=0.001)
    trainer.run(10)
    trainer.set_config(learning_rate=0.1)  # the same optimizer: its state goes on
    trainer.run(10)
    np.testing.assert_allclose(
        exact_rows(trainer, tmp_path), trainer.history.table(), rtol=1e-12, atol=1e-13
    )


@pytest.mark.parametrize("example", ["lecture", "xor", "mazur_2_2_2"])
def test_the_pytorch_script_agrees_where_torch_is_installed(example: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    trainer = load_example(example).to_trainer()
    trainer.run(20)
    trainer.set_config(optimizer=Optimizer("adam"), l2=0.01)
    trainer.run(20)
    script = tmp_path / "run_torch.py"
    script.write_text(torch_script(trainer), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), "--exact"], capture_output=True, text=True, check=True
    )
    rows = np.array([[float(x) for x in line.split(",")] for line in done.stdout.splitlines()])
    np.testing.assert_allclose(rows, trainer.history.table(), rtol=1e-9, atol=1e-12)
