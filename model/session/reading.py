"""From a file, or an already-decoded JSON document, to a validated `Session`
(docs/file-formats.md, "Session file"); and `attach_history` for a history read from
elsewhere.

Every problem is reported as a SessionError whose text is one line naming the offending
field, e.g. ``parameters.weights[0]: expected 1x2, got 2x2``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace
from functools import partial

import numpy as np

from model.files import open_regular
from model.history import History
from model.network import Network
from model.optimizers import OptimizerState
from model.session.archive import is_archive, read_archive
from model.session.comparison_section import read_comparison
from model.session.consistency import check_history_errors
from model.session.errors import SessionError
from model.session.fields import require_key, require_object
from model.session.json_guard import decode_json, read_bytes_within_limit
from model.session.limits import FORMAT, VERSION
from model.session.messages import describe
from model.session.sections import (
    draw_initial_parameters,
    read_activations,
    read_data,
    read_history,
    read_layers,
    read_optimizer_checkpoints,
    read_optimizer_state,
    read_parameters,
    read_quiz,
    read_training,
    read_training_log,
)
from model.session.state import Session
from model.training import Dataset, TrainingConfig


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read and validate a session file, .json or .bplab (told apart by their first
    bytes, not their names); SessionError for anything wrong with it.

    The messages do not repeat the path: the caller shows it (``error: PATH: file: ...``).
    """
    try:
        with open_regular(path) as handle:
            if is_archive(handle.read(4)):
                handle.seek(0)
                return parse_session(read_archive(handle))
    except OSError:
        pass  # read_bytes_within_limit says what is wrong, in its words
    return parse_session(decode_json(read_bytes_within_limit(path)))


def parse_session(obj: object) -> Session:
    """Validate an already-decoded JSON document and build the Session it describes."""
    if not isinstance(obj, Mapping):
        raise SessionError(
            "file", f"expected a JSON object {{...}} at the top level, got {describe(obj)}"
        )
    if obj.get("format") != FORMAT:
        raise SessionError(
            "format",
            f'not a Backprop Lab session (expected "{FORMAT}", got {describe(obj.get("format"))})',
        )
    _check_version(obj)
    network_obj = require_object(obj, "network", "network")
    layers = read_layers(require_key(network_obj, "layers", "network.layers"))
    activations = read_activations(
        require_key(network_obj, "activations", "network.activations"), len(layers) - 1
    )
    if "parameters" in obj:
        weights, biases = read_parameters(require_object(obj, "parameters", "parameters"), layers)
    elif "init" in obj:
        weights, biases = draw_initial_parameters(require_object(obj, "init", "init"), layers)
    else:
        raise SessionError(
            "parameters",
            'missing: give "parameters" (weights and biases) or "init" (how to draw them)',
        )
    network = Network(layers, activations, weights, biases)
    data = read_data(require_object(obj, "data", "data"), layers)
    config = read_training(require_object(obj, "training", "training"))
    try:
        config.validate(network, data.n_samples)
    except ValueError as error:
        raise config_error(error) from None
    source = "parameters" if "parameters" in obj else "init"
    _check_start_error_is_finite(network, data, config, source)
    history = None
    if obj.get("history") is not None:
        history = read_history(obj["history"], network, data.has_test_set)
    title = _read_title(obj)
    config_log = None
    if history is not None and obj.get("training_log") is not None:
        config_log = read_training_log(obj["training_log"], network, len(history))
    if history is not None:
        used = [config, *(logged for _, logged in config_log or ())]
        check_history_errors(history, network, data, used)
    state = None
    if history is not None and obj.get("optimizer_state") is not None:
        last = config_log[-1][1] if config_log else config
        state = read_optimizer_state(obj["optimizer_state"], last, network.n_parameters)
    checkpoints = _read_checkpoints(obj, history, config, config_log)
    quiz = None if obj.get("quiz") is None else read_quiz(obj["quiz"], layers)
    comparison = None
    if obj.get("comparison") is not None:
        n_states = 1 if history is None else len(history)
        comparison = read_comparison(obj["comparison"], network.depth, n_states)
    session = Session(
        network, data, config, history, title, config_log, state, quiz, comparison, checkpoints
    )
    check_replay(session)
    return session


def _read_checkpoints(
    obj: Mapping[str, object],
    history: History | None,
    config: TrainingConfig,
    config_log: list[tuple[int, TrainingConfig]] | None,
) -> dict[int, OptimizerState] | None:
    """A thinned history's `optimizer_checkpoints`, where the file has them."""
    if history is None or history.dense or obj.get("optimizer_checkpoints") is None:
        return None
    configs = partial(config_for_step, config, config_log)
    return read_optimizer_checkpoints(obj["optimizer_checkpoints"], configs, history)


def config_for_step(
    config: TrainingConfig, log: list[tuple[int, TrainingConfig]] | None, step: int
) -> TrainingConfig:
    """The settings the update that made state `step` was made with (as the Trainer's
    `config_for_step` says once it has the log)."""
    entries = log or [(0, config)]
    used = entries[0][1]
    for first, logged in entries:
        if first <= step - 1:
            used = logged
    return used


REPLAYS_CHECKED = 4  # stored rows of a thinned history replayed when it is opened


def check_replay(session: Session) -> None:
    """SessionError when a few of the stored rows of a thinned history are not what
    replaying the training from the stored row before them gives, bit for bit: the file
    was edited or written by another program, and the states between its rows cannot be
    recomputed. Nothing to check for a history that stores every state."""
    if session.history is None or session.history.dense:
        return
    trainer = session.to_trainer()
    history = trainer.history
    candidates = [int(s) for s in history.steps[1:] if s not in history.pinned]
    if not candidates:
        return
    spread = np.linspace(0, len(candidates) - 1, REPLAYS_CHECKED).round().astype(int)
    picked = sorted({candidates[int(i)] for i in spread})
    try:
        wrong = trainer.replay_mismatch(picked)
    except (RuntimeError, FloatingPointError) as error:
        raise SessionError("history.rows", f"its states cannot be replayed ({error})") from None
    if wrong is not None:
        index = int(np.searchsorted(history.steps, wrong))
        raise SessionError(
            f"history.rows[{index}]",
            f"step {wrong} is not what training gives from the row before it: the states "
            "between the saved rows cannot be recomputed (the file was edited, or written "
            "by another program)",
        )


def config_error(error: ValueError) -> SessionError:
    """A settings refusal as a SessionError naming the field (`training.batch_size`, …);
    refusals that concern the network as a whole name the rule."""
    field, _, message = str(error).partition(": ")
    if field.startswith("training.") and " " not in field and message:
        return SessionError(field, message)
    return SessionError("training.rule", str(error))


def attach_history(session: Session, history: History, training_log: object) -> Session:
    """The session with a history read from elsewhere (an autosave's raw rows), checked
    as a history in the file would be: finite, and ending at the session's parameters."""
    if history.parameter_names != session.network.parameter_names():
        raise SessionError("history", "its columns do not fit the network")
    if not (np.isfinite(history.parameters).all() and np.isfinite(history.errors).all()):
        raise SessionError("history", "contains a value that is not a finite number")
    if not np.array_equal(history.row(len(history) - 1), session.network.get_flat()):
        raise SessionError("history", "its last row is not the session's parameters")
    config_log = None
    if training_log:
        config_log = read_training_log(training_log, session.network, len(history))
    used = [session.config, *(logged for _, logged in config_log or ())]
    check_history_errors(history, session.network, session.data, used, field="history")
    return replace(session, history=history, config_log=config_log)


def _check_start_error_is_finite(
    network: Network, data: Dataset, config: TrainingConfig, source: str
) -> None:
    """SessionError on `source` (where the parameters came from) if the error at these
    parameters on this data is not a finite number."""
    with np.errstate(all="ignore"):
        start_error = network.error(data.inputs, data.targets, config.loss)
    if not math.isfinite(start_error):
        raise SessionError(
            source,
            f"the error at these parameters is {start_error} on this "
            "data, not a finite number: the weights or inputs are too large "
            "(or a saturated output has the opposite target)",
        )


def _read_title(obj: Mapping[str, object]) -> str:
    """`title`: optional text ("" when missing or null)."""
    title = obj.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise SessionError("title", f"expected text, got {describe(title)}")
    try:
        title.encode("utf-8")
    except UnicodeEncodeError:
        raise SessionError("title", "contains characters that are not valid Unicode") from None
    return title


def _check_version(obj: Mapping[str, object]) -> None:
    version = require_key(obj, "version", "version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(
            "version", f"expected the whole number {VERSION}, got {describe(version)}"
        )
    if version > VERSION:
        raise SessionError(
            "version",
            f"file is version {version}, this program reads version "
            f"{VERSION}: a newer Backprop Lab wrote it",
        )
    if version < 1:
        raise SessionError("version", f"expected {VERSION}, got {version}")
