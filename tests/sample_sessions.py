"""Session dictionaries shared by the tests (docs/file-formats.md, "Session file")."""

from __future__ import annotations

from typing import Any

# The lecture's worked example, written out as a test would write it (not read from
# resources/, so that a broken example file cannot make the tests agree with it).
LECTURE: dict[str, Any] = {
    "format": "backprop-lab/session",
    "version": 1,
    "network": {"layers": [2, 1], "activations": ["sigmoid"]},
    "parameters": {"weights": [[[0.5, 0.2]]], "biases": [[1.83]]},
    "data": {"inputs": [[0.1, 0.3]], "targets": [[0.03]]},
    "training": {
        "rule": "delta",
        "loss": "squared_error",
        "learning_rate": 0.01,
        "mode": "online",
        "update_biases": True,
    },
}
