"""From a Trainer to a session file (docs/file-formats.md, "Session file"): the JSON
object, and the file itself, written atomically and readably."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from model.history import write_atomically
from model.session import limits
from model.session.limits import FORMAT, VERSION
from model.state import Trainer
from model.training import TrainingConfig


def session_to_dict(
    trainer: Trainer, title: str = "", include_history: bool = True
) -> dict[str, object]:
    """The trainer's current state as a session file's JSON object (plain Python types).

    With `include_history`, the history up to the current state goes along (states after
    it — after Step back without a new step — are not part of the session).
    """
    network, data, config = trainer.network, trainer.data, trainer.config
    session: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "network": {
            "layers": [int(n) for n in network.layers],
            "activations": list(network.activations),
        },
        "parameters": {
            "weights": [W.tolist() for W in network.weights],
            "biases": [b.tolist() for b in network.biases],
        },
        "data": {"inputs": data.inputs.tolist(), "targets": data.targets.tolist()},
        "training": _training_fields(config),
    }
    if include_history:
        history = trainer.history
        if trainer.position < len(history) - 1:
            history = history.copy_prefix(trainer.position + 1)
        session["history"] = history.to_json_dict()
        log = training_log_entries(trainer)
        if len(log) > 1 or (log and log[0] != {"from_step": 0, **_training_fields(config)}):
            session["training_log"] = log
    return session


def training_log_entries(trainer: Trainer) -> list[dict[str, object]]:
    """`training_log` as the file holds it: the settings of each stretch of the history
    up to the current state."""
    return [
        {"from_step": step, **_training_fields(config)}
        for step, config in trainer.config_log
        if step < trainer.position
    ]


def save_session(
    trainer: Trainer, path: str | os.PathLike[str], title: str = "", include_history: bool = True
) -> bool:
    """Write the session atomically; floats as repr, so they read back exactly.

    Returns whether the history went along: a history too long for the file to be read
    back (more than limits.MAX_FILE_BYTES, roughly 200 000 lecture steps) is left out, and
    the file then holds the current state only (it reopens at step 0 = that state).
    OSError if it cannot be written (an existing file is then left untouched);
    ValueError if the state is not finite.
    """
    session = session_to_dict(trainer, title, include_history)
    chunks: list[str] = []
    size = 0
    for chunk in _readable_json_chunks(session):
        size += len(chunk.encode("utf-8"))
        if include_history and size > limits.MAX_FILE_BYTES:
            save_session(trainer, path, title, include_history=False)
            return False
        chunks.append(chunk)
    write_atomically(path, chunks)
    return include_history


def _training_fields(config: TrainingConfig) -> dict[str, object]:
    """The `training` object of the file for these settings."""
    return {
        "rule": config.rule,
        "loss": config.loss,
        "learning_rate": float(config.learning_rate),
        "mode": config.mode,
        "update_biases": bool(config.update_biases),
    }


def _readable_json_chunks(session: dict[str, object]) -> Iterator[str]:
    """Readable JSON: one line per top-level key, one line per history row."""

    def to_json(value: object) -> str:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)

    keys = list(session)
    yield "{\n"
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = session[key]
        if key == "history" and isinstance(value, dict):
            rows = value["rows"]
            yield f'  "history": {{"columns": {to_json(value["columns"])}, "rows": [\n'
            for r, row in enumerate(rows):
                yield "    " + to_json(row) + (",\n" if r < len(rows) - 1 else "\n")
            yield f"  ]}}{comma}\n"
        else:
            yield f"  {to_json(key)}: {to_json(value)}{comma}\n"
    yield "}\n"
