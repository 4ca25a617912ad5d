"""The example sessions shipped in resources/examples, and the lecture's worked example
(the default state of the app and of the command line)."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

from model.session.errors import SessionError
from model.session.json_guard import decode_json
from model.session.limits import FORMAT, VERSION
from model.session.messages import quote
from model.session.reading import parse_session
from model.session.state import Session

EXAMPLE_NAMES: tuple[str, ...] = (
    "lecture",
    "and",
    "or",
    "xor",
    "mazur_2_2_2",
    "deep_xor",
    "valley",
    "overfitting",
    "learning_rates",
    "online_vs_batch",
)

# model/session/examples.py → the repository's root → resources/examples
_SOURCE_TREE_EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _read_example_bytes(name: str) -> bytes:
    try:
        resource = importlib.resources.files("resources") / "examples" / f"{name}.json"
        return resource.read_bytes()
    except (ImportError, OSError, TypeError):
        # Not importable as a package (or another "resources" shadows it): the source tree.
        return (_SOURCE_TREE_EXAMPLES_DIR / f"{name}.json").read_bytes()


def _read_example_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for name in EXAMPLE_NAMES:
        try:
            title = json.loads(_read_example_bytes(name)).get("title", name)
        except (OSError, ValueError, AttributeError):
            title = name
        titles[name] = title if isinstance(title, str) else name
    return titles


EXAMPLES: dict[str, str] = _read_example_titles()
"""Example sessions shipped in resources/examples: name → title."""


def load_example(name: str) -> Session:
    """One of the EXAMPLES by name, e.g. "lecture" or "xor"."""
    if name not in EXAMPLE_NAMES:
        raise SessionError(
            "example", f"unknown example {quote(name)} (known: {', '.join(EXAMPLE_NAMES)})"
        )
    try:
        raw = _read_example_bytes(name)
    except OSError as error:
        raise SessionError("example", f"cannot read the {name} example: {error}") from None
    return parse_session(decode_json(raw))


_BUILT_IN_LECTURE: dict[str, object] = {
    "format": FORMAT,
    "version": VERSION,
    "title": "Lecture: one neuron, two inputs (CSIS 3290 worked example)",
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


def lecture_session() -> Session:
    """The lecture's worked example: the default state of the app and the command line."""
    try:
        return load_example("lecture")
    except SessionError:
        return parse_session(_BUILT_IN_LECTURE)  # the resources folder is missing: built-in copy
