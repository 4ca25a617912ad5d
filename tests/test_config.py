"""Settings that cannot train a network are refused up front, with the real reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import main
from model.network import Network
from model.training import TrainingConfig

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


@pytest.mark.parametrize("output", ["linear", "tanh", "relu", "leaky_relu", "step"])
def test_cross_entropy_needs_a_sigmoid_output(output: str) -> None:
    network = Network([2, 1], [output], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    with pytest.raises(
        ValueError, match=f"cross-entropy needs outputs strictly between 0 and 1.*{output}"
    ):
        TrainingConfig(loss="cross_entropy").validate(network)
    sigmoid = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    TrainingConfig(loss="cross_entropy").validate(sigmoid)  # accepted


def test_the_command_line_refuses_linear_output_with_cross_entropy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = json.loads((EXAMPLES / "lecture.json").read_text(encoding="utf-8"))
    session["network"]["activations"] = ["linear"]
    session["training"]["loss"] = "cross_entropy"
    path = tmp_path / "linear-ce.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    assert main.main(["--headless", str(path), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error:")
    assert "cross-entropy needs outputs strictly between 0 and 1" in err[0]
    assert "learning rate" not in err[0]
