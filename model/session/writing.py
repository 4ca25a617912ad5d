"""From a Trainer to a session file (docs/file-formats.md, "Session file" and "Large
sessions: .bplab"): a copy of what is saved, taken at once (`SessionCopy`), then the file,
written atomically — plain JSON, or a .bplab archive for any size.

A save never writes what could not be opened again: the limits are checked before the
first byte is written. A history or data too large for a .json file raises
SessionTooLargeError (nothing is written), which names what is large and says to save as
.bplab instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from model.comparison import ComparisonPlan
from model.files import Progress, write_atomically, write_chunks
from model.history import block_rows
from model.optimizers import Optimizer
from model.quiz_settings import QuizSettings
from model.session import limits
from model.session.archive import write_archive
from model.session.limits import FORMAT, VERSION
from model.state import Trainer
from model.training import TrainingConfig

Array = NDArray[np.float64]
PathLike = str | os.PathLike[str]
SAMPLE_ROWS = 1000  # rows formatted to estimate the size of a large .json file
_NOT_JSON_COMPLIANT = "Out of range float values are not JSON compliant"


class SessionTooLargeError(ValueError):
    """The session does not fit in a .json file; a .bplab file holds it."""


def is_archive_path(path: PathLike) -> bool:
    return os.fspath(path).lower().endswith(limits.ARCHIVE_SUFFIX)


@dataclass(frozen=True)
class SessionCopy:
    """Everything a save writes, copied from the Trainer at one moment (in the GUI
    thread), so the file can be written in another thread while training goes on."""

    head: dict[str, object]  # format, version, title, network (small)
    weights: list[Array]
    biases: list[Array]
    inputs: Array
    targets: Array
    training: dict[str, object]
    columns: list[str] | None = None  # the history's, step first
    rows: Array | None = None  # the history up to the current state, without steps
    training_log: list[dict[str, object]] | None = field(default=None)
    test_inputs: Array | None = None
    test_targets: Array | None = None
    # at the current step: {"optimizer": name, "t": t, slot: array, ...}
    optimizer_state: dict[str, object] | None = None
    # A thinned history (docs/file-formats.md, "A thinned history"): the step of each
    # row of `rows` (None: every state, 0, 1, 2, …), the history's keys that say which
    # rows replay cannot make, and the optimizer's checkpoints replays start from.
    steps: NDArray[np.int64] | None = None
    thinned: dict[str, object] | None = None
    checkpoints: dict[str, object] | None = None

    @property
    def n_history_rows(self) -> int:
        return 0 if self.rows is None else int(self.rows.shape[0])


def copy_session(
    trainer: Trainer,
    title: str = "",
    include_history: bool = True,
    quiz: QuizSettings | None = None,
    comparison: ComparisonPlan | None = None,
) -> SessionCopy:
    """What `save_session` would write now. The history rows are copied (the history may
    grow meanwhile); the data is not (a Dataset is never changed in place). A `quiz`
    that is on goes along as "quiz" (opened, Step first asks)."""
    network, data, config = trainer.network, trainer.data, trainer.config
    head: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "network": {
            "layers": [int(n) for n in network.layers],
            "activations": list(network.activations),
        },
    }
    if quiz is not None and quiz.on:
        head["quiz"] = quiz.to_json()
    if comparison is not None:
        head["comparison"] = comparison_entry(comparison)
    columns = rows = log = state = steps = thinned = checkpoints = None
    if include_history:
        columns = trainer.history.columns
        if trainer.history.dense:
            rows = trainer.history.rows_view(trainer.position + 1).copy()
        else:  # the stored rows only: replaying every state here could take hours
            rows, steps, thinned = _stored_rows(trainer)
            if steps is not None:
                checkpoints = checkpoints_entry(trainer, steps)
        entries = training_log_entries(trainer)
        if len(entries) > 1 or (
            entries and entries[0] != {"from_step": 0, **training_fields(config)}
        ):
            log = entries
        state = optimizer_state_entry(trainer, trainer.position)
    return SessionCopy(
        head,
        [W.copy() for W in network.weights],
        [b.copy() for b in network.biases],
        data.inputs,
        data.targets,
        training_fields(config),
        columns,
        rows,
        log,
        data.test_inputs,
        data.test_targets,
        state,
        steps,
        thinned,
        checkpoints,
    )


def _stored_rows(
    trainer: Trainer,
) -> tuple[Array, NDArray[np.int64] | None, dict[str, object] | None]:
    """The rows a thinned history stores up to the current state (that one included),
    their steps and the history's keys of a thinned history; (rows, None, None) when
    that prefix stores every state."""
    n_states = trainer.position + 1
    prefix = trainer.history.copy_prefix(n_states)
    rows = prefix.stored_rows
    if prefix.dense:
        return rows, None, None
    thinned: dict[str, object] = {"states": n_states, "stride": int(prefix.stride)}
    if prefix.pinned:
        thinned["pinned"] = sorted(int(s) for s in prefix.pinned)
    if prefix.pinned_below:
        thinned["pinned_below"] = int(prefix.pinned_below)
    return rows, prefix.steps.copy(), thinned


def checkpoints_entry(trainer: Trainer, steps: NDArray[np.int64]) -> dict[str, object] | None:
    """The file's `optimizer_checkpoints` for a thinned history stored at `steps`: the
    optimizer's kept states before the current one (that one is `optimizer_state`), as
    {"steps": [...], "t": [...], slot: one row per checkpoint whose optimizer has it}."""
    found: list[int] = []
    ts: list[int] = []
    slots: dict[str, list[Array]] = {}
    for step, state in sorted(trainer.optimizer_checkpoints.items()):
        if not 0 < step < trainer.position or not sorted_contains(steps, step):
            continue
        if not trainer.config_for_step(step).optimizer.stateful:
            continue
        found.append(int(step))
        ts.append(int(state.t))
        for name, value in state.slots.items():
            slots.setdefault(name, []).append(value)
    if not found:
        return None
    return {"steps": found, "t": ts, **{k: np.vstack(v) for k, v in slots.items()}}


def sorted_contains(steps: NDArray[np.int64], step: int) -> bool:
    """Whether `step` is one of `steps` (increasing): a search, not a set of millions
    (the autosave asks this in the window's thread while a Run goes on)."""
    at = int(np.searchsorted(steps, step))
    return at < len(steps) and int(steps[at]) == step


def optimizer_state_entry(trainer: Trainer, step: int) -> dict[str, object] | None:
    """The file's `optimizer_state` at state `step` ({"optimizer", "t", one array per
    slot}), where the optimizer that made it carries a state."""
    if step == 0:
        return None
    optimizer = trainer.config_for_step(step).optimizer
    if not optimizer.stateful:
        return None
    state = trainer.optimizer_state(step)
    return {"optimizer": optimizer.name, "t": state.t, **state.slots}


def session_to_dict(
    trainer: Trainer, title: str = "", include_history: bool = True
) -> dict[str, object]:
    """The trainer's current state as a session file's JSON object (plain Python types).

    With `include_history`, the history up to the current state goes along (states after
    it — after Step back without a new step — are not part of the session).
    """
    copy = copy_session(trainer, title, include_history)
    session = _head_of(copy, _parameters_lists(copy), _data_lists(copy))
    if copy.rows is not None and copy.columns is not None:
        steps = range(len(copy.rows)) if copy.steps is None else copy.steps.tolist()
        rows = [[step, *values] for step, values in zip(steps, copy.rows.tolist(), strict=True)]
        history = session["history"]
        assert isinstance(history, dict)  # _head_of wrote it, its rows left to the writer
        history["rows"] = rows
    return session


def state_lists(state: dict[str, object]) -> dict[str, object]:
    """An `optimizer_state_entry` in JSON's types."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in state.items()}


def training_log_entries(trainer: Trainer) -> list[dict[str, object]]:
    """`training_log` as the file holds it: the settings of each stretch of the history
    up to the current state."""
    return [
        {"from_step": step, **training_fields(config)}
        for step, config in trainer.config_log
        if step < trainer.position
    ]


def save_session(
    trainer: Trainer,
    path: PathLike,
    title: str = "",
    include_history: bool = True,
    progress: Progress | None = None,
    quiz: QuizSettings | None = None,
    comparison: ComparisonPlan | None = None,
) -> None:
    """Write the trainer's session to `path` (see `write_session`)."""
    write_session(copy_session(trainer, title, include_history, quiz, comparison), path, progress)


def write_session(
    copy: SessionCopy,
    path: PathLike,
    progress: Progress | None = None,
    keep: Iterable[PathLike | None] = (),
) -> None:
    """Write the session atomically: a .bplab archive when the path ends in .bplab, else
    JSON. Floats as repr (JSON) or raw float64 (.bplab), so they read back exactly.

    SessionTooLargeError if JSON cannot hold it (nothing written); ValueError if a number
    is not finite; OSError if it cannot be written (an existing file is then left
    untouched); WriteCancelledError when `progress` was cancelled (nothing written).
    """
    _check_finite(copy)
    if is_archive_path(path):
        document, arrays = _archive_parts(copy)
        if progress is not None:
            progress.start(sum(array.shape[0] for array, _ in arrays.values()))
        text = "".join(_readable_json_chunks(document, copy)).encode("utf-8")
        if len(text) > limits.MAX_FILE_BYTES:  # (1000 layers' names: not in practice)
            raise SessionTooLargeError(
                f"its description is {len(text) / 2**20:.0f} MB, more than a session's "
                f"{limits.MAX_FILE_BYTES // 2**20} MB"
            )
        total = sum(8 * a.size + 8 * (a.shape[0] if steps else 0) for a, steps in arrays.values())
        if total > limits.MAX_ARCHIVE_BYTES:
            raise SessionTooLargeError(
                f"it holds {total / 2**30:.1f} GB of numbers, more than a session may "
                f"({limits.MAX_ARCHIVE_BYTES // 2**30} GB): the program could not open it"
            )

        def write(handle: BinaryIO) -> None:
            write_archive(handle, text, arrays, progress)

        write_atomically(path, write, keep=keep)
        return
    if progress is not None:
        progress.start(copy.n_history_rows + len(copy.inputs))
    chunks = _json_within_limit(copy, progress)
    write_atomically(path, write_chunks(chunks), keep=keep)


# -- JSON -------------------------------------------------------------------------------------
def _json_within_limit(copy: SessionCopy, progress: Progress | None) -> list[bytes]:
    """The .json file's bytes, or SessionTooLargeError as soon as they pass the limit."""
    limit = limits.MAX_FILE_BYTES
    if _estimated_json_bytes(copy) > 2 * limit:  # clearly too large: do not format it all
        raise _too_large(copy)
    document = _head_of(copy, _parameters_lists(copy), _data_lists(copy))
    chunks: list[bytes] = []
    size = 0
    for chunk in _readable_json_chunks(document, copy, progress):
        encoded = chunk.encode("utf-8")
        size += len(encoded)
        if size > limit:
            raise _too_large(copy)
        chunks.append(encoded)
    return chunks


def _estimated_json_bytes(copy: SessionCopy) -> int:
    """Roughly how large the .json file would be, from the first rows formatted."""
    return (
        _estimated_bytes(copy.rows, with_steps=True)
        + _estimated_bytes(copy.inputs)
        + _estimated_bytes(copy.targets)
        + sum(_estimated_bytes(W) for W in copy.weights)
    )


def _estimated_bytes(array: Array | None, with_steps: bool = False) -> int:
    if array is None or not array.size:
        return 0
    sample = array.reshape(array.shape[0], -1)[:SAMPLE_ROWS]
    text = json.dumps(sample.tolist())
    per_row = len(text) / len(sample) + (8 if with_steps else 0) + 6  # step, indent, comma
    return int(per_row * array.shape[0])


def _too_large(copy: SessionCopy) -> SessionTooLargeError:
    """Names what makes the file large: the history, the samples or the parameters."""
    parts = [
        (
            _estimated_bytes(copy.rows, with_steps=True),
            f"{copy.n_history_rows - 1:,} steps of history",
        ),
        (
            _estimated_bytes(copy.inputs) + _estimated_bytes(copy.targets),
            f"{len(copy.inputs):,} samples",
        ),
        (sum(_estimated_bytes(W) for W in copy.weights), "the parameters"),
    ]
    total = sum(size for size, _ in parts)
    large = [what for size, what in sorted(parts, reverse=True) if size > total / 4]
    return SessionTooLargeError(
        f"its {' and '.join(large)} would make a .json file of about {total / 2**20:,.0f} MB, "
        f"more than a .json session may be ({limits.MAX_FILE_BYTES // 2**20} MB); "
        "a .bplab session holds any history and data"
    )


def _readable_json_chunks(
    session: dict[str, object], copy: SessionCopy, progress: Progress | None = None
) -> Iterator[str]:
    """Readable JSON: one line per top-level key, one line per history row. A "history"
    whose rows are a member name (in a .bplab) is one line too."""

    def to_json(value: object) -> str:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)

    keys = list(session)
    yield "{\n"
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = session[key]
        if key == "history" and isinstance(value, dict) and not isinstance(value["rows"], str):
            assert copy.rows is not None
            extra = "".join(
                f"{to_json(k)}: {to_json(v)}, " for k, v in (copy.thinned or {}).items()
            )
            yield f'  "history": {{"columns": {to_json(value["columns"])}, {extra}"rows": [\n'
            yield from _row_lines(copy.rows, progress, copy.steps)
            yield f"  ]}}{comma}\n"
        else:
            yield f"  {to_json(key)}: {to_json(value)}{comma}\n"
            if key == "data" and progress is not None:
                progress.advance(len(copy.inputs))
    yield "}\n"


def _row_lines(
    rows: Array, progress: Progress | None, steps: NDArray[np.int64] | None = None
) -> Iterator[str]:
    """`    [step, values…],` per row, exactly as json.dumps writes each row (the steps
    0, 1, 2, … unless `steps` names them)."""
    row_format = "    [%d" + ", %r" * rows.shape[1] + "],\n"
    per = block_rows(rows.shape[1])  # (each block holds the GIL: the window waits that long)
    for start in range(0, len(rows), per):
        stop = min(start + per, len(rows))
        numbers = range(start, stop) if steps is None else steps[start:stop].tolist()
        block = zip(numbers, *rows[start:stop].T.tolist(), strict=True)
        text = "".join(map(row_format.__mod__, block))
        yield text[:-2] + "\n" if stop == len(rows) else text
        if progress is not None:
            progress.advance(stop - start)


# -- the parts of a file ----------------------------------------------------------------------
def _head_of(
    copy: SessionCopy, parameters: dict[str, object], data: dict[str, object]
) -> dict[str, object]:
    session = dict(copy.head)
    session["parameters"] = parameters
    session["data"] = data
    session["training"] = copy.training
    if copy.columns is not None:
        # (rows: see the writer)
        session["history"] = {"columns": copy.columns, **(copy.thinned or {}), "rows": []}
        if copy.training_log is not None:
            session["training_log"] = copy.training_log
        if copy.optimizer_state is not None:
            session["optimizer_state"] = state_lists(copy.optimizer_state)
        if copy.checkpoints is not None:
            session["optimizer_checkpoints"] = state_lists(copy.checkpoints)
    return session


def _parameters_lists(copy: SessionCopy) -> dict[str, object]:
    return {
        "weights": [W.tolist() for W in copy.weights],
        "biases": [b.tolist() for b in copy.biases],
    }


def _data_lists(copy: SessionCopy) -> dict[str, object]:
    data: dict[str, object] = {"inputs": copy.inputs.tolist(), "targets": copy.targets.tolist()}
    if copy.test_inputs is not None and copy.test_targets is not None:
        data["test_inputs"] = copy.test_inputs.tolist()
        data["test_targets"] = copy.test_targets.tolist()
    return data


def _archive_parts(
    copy: SessionCopy,
) -> tuple[dict[str, object], dict[str, tuple[Array, bool]]]:
    """session.json's object (arrays named) and the arrays: name → (array, with steps)."""
    arrays: dict[str, tuple[Array, bool]] = {}
    weights, biases = [], []
    for layer, (W, b) in enumerate(zip(copy.weights, copy.biases, strict=True), start=1):
        arrays[f"weights-{layer}.npy"] = (W, False)
        arrays[f"biases-{layer}.npy"] = (b, False)
        weights.append(f"weights-{layer}.npy")
        biases.append(f"biases-{layer}.npy")
    arrays["inputs.npy"] = (copy.inputs, False)
    arrays["targets.npy"] = (copy.targets, False)
    data: dict[str, object] = {"inputs": "inputs.npy", "targets": "targets.npy"}
    if copy.test_inputs is not None and copy.test_targets is not None:
        arrays["test-inputs.npy"] = (copy.test_inputs, False)
        arrays["test-targets.npy"] = (copy.test_targets, False)
        data.update({"test_inputs": "test-inputs.npy", "test_targets": "test-targets.npy"})
    session = _head_of(copy, {"weights": weights, "biases": biases}, data)
    if copy.rows is not None and copy.steps is None:
        arrays["history.npy"] = (copy.rows, True)
        session["history"] = {"columns": copy.columns, "rows": "history.npy"}
    elif copy.rows is not None and copy.steps is not None:  # thinned: the rows' own steps
        table = np.column_stack([copy.steps.astype(np.float64), copy.rows])
        arrays["history.npy"] = (table, False)
        session["history"] = {
            "columns": copy.columns,
            **(copy.thinned or {}),
            "rows": "history.npy",
        }
    if copy.checkpoints is not None:
        checkpoints: dict[str, object] = {}
        for key, value in copy.checkpoints.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer-checkpoints-{key}.npy"] = (value, False)
                checkpoints[key] = f"optimizer-checkpoints-{key}.npy"
            else:
                checkpoints[key] = value
        session["optimizer_checkpoints"] = checkpoints
    if copy.optimizer_state is not None:
        state: dict[str, object] = {}
        for key, value in copy.optimizer_state.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer-{key}.npy"] = (value[None, :], False)
                state[key] = f"optimizer-{key}.npy"
            else:
                state[key] = value
        session["optimizer_state"] = state
    return session, arrays


def _check_finite(copy: SessionCopy) -> None:
    """ValueError before anything is written: neither format holds NaN or infinity."""
    named = [*copy.weights, *copy.biases, copy.inputs, copy.targets]
    named += [a for a in (copy.test_inputs, copy.test_targets) if a is not None]
    if copy.rows is not None:
        named.append(copy.rows)
    if not all(np.isfinite(array).all() for array in named):
        raise ValueError(f"{_NOT_JSON_COMPLIANT}: the session holds NaN or infinity")


def training_fields(config: TrainingConfig) -> dict[str, object]:
    """The `training` object of the file for these settings."""
    fields: dict[str, object] = {
        "rule": config.rule,
        "loss": config.loss,
        "learning_rate": float(config.learning_rate),
        "mode": config.mode,
        "update_biases": bool(config.update_biases),
    }
    # Only what differs from plain gradient descent: a file without these keys trains
    # as every session did before them.
    if config.batch_size is not None:
        fields["batch_size"] = int(config.batch_size)
    if config.optimizer != Optimizer():
        fields["optimizer"] = {"name": config.optimizer.name, **config.optimizer.settings()}
    for key in ("l1", "l2"):
        if getattr(config, key):
            fields[key] = float(getattr(config, key))
    return fields


def comparison_entry(plan: ComparisonPlan) -> dict[str, object]:
    """The file's "comparison" for `plan`."""
    return {
        "origin": plan.origin,
        "runs": [
            {
                "training": training_fields(run.config),
                "activations": list(run.activations),
                "seed": run.seed,
            }
            for run in plan.plans
        ],
    }
