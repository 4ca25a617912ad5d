"""One reader per section of a session file (docs/file-formats.md, "Session file" and
"History"): each validates its part of the decoded document and returns it in the types
the program uses, or raises a SessionError naming the offending field."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from itertools import pairwise

import numpy as np

from model.activations import ACTIVATION_NAMES
from model.history import History
from model.losses import LOSS_NAMES
from model.network import Network, initial_weights
from model.optimizers import OPTIMIZER_NAMES, SLOTS, Optimizer, OptimizerState
from model.quiz_settings import QuizSettings, neuron_names, quiz_settings
from model.session import limits
from model.session.errors import SessionError
from model.session.fields import (
    Array,
    expect_array,
    expect_choice,
    expect_list,
    expect_matrix,
    expect_number,
    expect_rows,
    expect_vector,
    is_finite,
    is_number,
    is_whole_number,
    require_key,
)
from model.session.messages import describe, plural, quote
from model.training import MODES, RULES, Dataset, TrainingConfig


def read_layers(value: object) -> list[int]:
    """`network.layers`: the size of every layer, the inputs first."""
    path = "network.layers"
    sizes = expect_list(value, path, "a list of layer sizes like [2, 1]")
    if not 2 <= len(sizes) <= limits.MAX_LAYERS:
        raise SessionError(
            path,
            f"expected 2 to {limits.MAX_LAYERS} layer sizes (inputs, any hidden "
            f"layers, outputs), got {len(sizes)}",
        )
    layers: list[int] = []
    for i, n in enumerate(sizes):
        if not is_whole_number(n) or not 1 <= n <= limits.MAX_LAYER_SIZE:
            raise SessionError(
                f"{path}[{i}]",
                f"expected a whole number of neurons from 1 to {limits.MAX_LAYER_SIZE}, "
                f"got {describe(n)}",
            )
        layers.append(int(n))
    count = sum(n * (m + 1) for m, n in pairwise(layers))
    if count > limits.MAX_PARAMETERS:
        raise SessionError(
            path,
            f"{count} parameters are more than this program handles "
            f"(at most {limits.MAX_PARAMETERS})",
        )
    return layers


def read_activations(value: object, count: int) -> list[str]:
    """`network.activations`: `count` names, one per non-input layer."""
    path = "network.activations"
    names = expect_list(value, path, 'a list of activation names like ["sigmoid"]')
    if len(names) != count:
        raise SessionError(
            path, f"expected {plural(count, 'name')} (one per non-input layer), got {len(names)}"
        )
    known = ", ".join(ACTIVATION_NAMES)
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise SessionError(
                f"{path}[{i}]", f"expected an activation name ({known}), got {describe(name)}"
            )
        if name not in ACTIVATION_NAMES:
            raise SessionError(f"{path}[{i}]", f"unknown activation {quote(name)} (known: {known})")
    return [str(name) for name in names]


def read_parameters(
    obj: Mapping[str, object], layers: list[int]
) -> tuple[list[Array], list[Array]]:
    """`parameters`: the weight matrices and bias vectors of a network of `layers`."""
    depth = len(layers) - 1
    weights_value = expect_list(
        require_key(obj, "weights", "parameters.weights"),
        "parameters.weights",
        "a list of weight matrices",
    )
    biases_value = expect_list(
        require_key(obj, "biases", "parameters.biases"),
        "parameters.biases",
        "a list of bias vectors",
    )
    for path, value in (("parameters.weights", weights_value), ("parameters.biases", biases_value)):
        if len(value) != depth:
            what = "matrix" if path.endswith("weights") else "vector"
            raise SessionError(
                path, f"expected {plural(depth, what)} (one per non-input layer), got {len(value)}"
            )
    weights = [
        expect_matrix(W, f"parameters.weights[{k}]", layers[k + 1], layers[k])
        for k, W in enumerate(weights_value)
    ]
    biases = [
        expect_vector(b, f"parameters.biases[{k}]", layers[k + 1])
        for k, b in enumerate(biases_value)
    ]
    return weights, biases


def draw_initial_parameters(
    obj: Mapping[str, object], layers: list[int]
) -> tuple[list[Array], list[Array]]:
    """`init`: how to draw the parameters (method, seed, range), drawn."""
    method = require_key(obj, "method", "init.method")
    if not isinstance(method, str) or method not in limits.INIT_METHODS:
        raise SessionError(
            "init.method",
            f"unknown method {describe(method)} (known: {', '.join(limits.INIT_METHODS)})",
        )
    seed = obj.get("seed", 0)
    if not is_whole_number(seed) or not 0 <= seed < 2**64:
        raise SessionError(
            "init.seed", f"expected a whole number from 0 to 2**64 - 1, got {describe(seed)}"
        )
    low = expect_number(obj.get("low", -0.5), "init.low")
    high = expect_number(obj.get("high", 0.5), "init.high")
    if method == "uniform" and not (low < high and math.isfinite(high - low)):
        raise SessionError("init.high", f"must be greater than init.low ({low!r}), got {high!r}")
    return initial_weights(layers, method, int(seed), low, high)


def read_data(obj: Mapping[str, object], layers: list[int]) -> Dataset:
    """`data`: the input rows and their targets (a bare number for a single output), and
    optionally a test set (`test_inputs`, `test_targets`); in a .bplab session, arrays."""
    inputs, targets = _read_samples(obj, "inputs", "targets", layers)
    if "test_inputs" not in obj and "test_targets" not in obj:
        return Dataset(inputs, targets)
    test_inputs, test_targets = _read_samples(obj, "test_inputs", "test_targets", layers)
    return Dataset(inputs, targets, test_inputs, test_targets)


def _read_samples(
    obj: Mapping[str, object], inputs_key: str, targets_key: str, layers: list[int]
) -> tuple[Array, Array]:
    n_in, n_out = layers[0], layers[-1]
    inputs_value = require_key(obj, inputs_key, f"data.{inputs_key}")
    if isinstance(inputs_value, np.ndarray):
        inputs = expect_array(
            inputs_value, f"data.{inputs_key}", (None, n_in), "inputs (samples x inputs)"
        )
    else:
        inputs_list = expect_list(
            inputs_value, f"data.{inputs_key}", "a list of samples, each a list of input values"
        )
        inputs = expect_rows(inputs_list, f"data.{inputs_key}", n_in, "network input")
    if not len(inputs):
        raise SessionError(f"data.{inputs_key}", "expected at least one sample, got none")
    n_samples = len(inputs)
    targets_value = require_key(obj, targets_key, f"data.{targets_key}")
    if isinstance(targets_value, np.ndarray):
        if n_out == 1 and targets_value.ndim == 1:
            targets_value = targets_value.reshape(-1, 1)
        targets = expect_array(
            targets_value,
            f"data.{targets_key}",
            (n_samples, n_out),
            "targets (samples x outputs)",
        )
    else:
        targets_list = expect_list(
            targets_value, f"data.{targets_key}", "a list of desired outputs, one per sample"
        )
        if len(targets_list) != n_samples:
            raise SessionError(
                f"data.{targets_key}",
                f"expected {plural(n_samples, 'row')} (one per input row), got {len(targets_list)}",
            )
        if n_out == 1:  # a bare number is accepted for a single output
            targets_list = [[d] if is_number(d) else d for d in targets_list]
        targets = expect_rows(targets_list, f"data.{targets_key}", n_out, "network output")
    return inputs, targets


def read_training(obj: Mapping[str, object]) -> TrainingConfig:
    """`training`: rule, loss, learning rate, mode (and mini-batch size), whether biases
    learn, the optimizer and the penalties."""
    rule = expect_choice(require_key(obj, "rule", "training.rule"), "training.rule", "rule", RULES)
    loss = expect_choice(obj.get("loss", "squared_error"), "training.loss", "loss", LOSS_NAMES)
    mode = expect_choice(obj.get("mode", "online"), "training.mode", "mode", MODES)
    rate = require_key(obj, "learning_rate", "training.learning_rate")
    if not is_number(rate) or not is_finite(rate) or rate <= 0:
        raise SessionError(
            "training.learning_rate", f"must be a finite number > 0, got {describe(rate)}"
        )
    update_biases = obj.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SessionError(
            "training.update_biases", f"expected true or false, got {describe(update_biases)}"
        )
    batch_size = obj.get("batch_size")
    if batch_size is not None and (not is_whole_number(batch_size) or batch_size < 1):
        raise SessionError(
            "training.batch_size", f"expected a whole number ≥ 1, got {describe(batch_size)}"
        )
    if mode == "minibatch" and batch_size is None:
        raise SessionError("training.batch_size", "mode minibatch needs a batch_size")
    penalties = {key: _penalty(obj, key) for key in ("l1", "l2")}
    return TrainingConfig(
        rule,
        loss,
        float(rate),
        mode,
        update_biases,
        None if batch_size is None else int(batch_size),
        read_optimizer(obj.get("optimizer", {"name": "sgd"})),
        penalties["l1"],
        penalties["l2"],
    )


def _penalty(obj: Mapping[str, object], key: str) -> float:
    value = obj.get(key, 0.0)
    if not is_number(value) or not is_finite(value) or value < 0:
        raise SessionError(f"training.{key}", f"must be a finite number ≥ 0, got {describe(value)}")
    return float(value)


def read_optimizer(value: object) -> Optimizer:
    """`training.optimizer`: {"name": ..., and that optimizer's settings}."""
    path = "training.optimizer"
    if not isinstance(value, Mapping):
        raise SessionError(path, f'expected {{"name": ..., ...}}, got {describe(value)}')
    name = expect_choice(value.get("name", "sgd"), f"{path}.name", "optimizer", OPTIMIZER_NAMES)
    settings: dict[str, object] = {}
    defaults = Optimizer()
    for key in ("momentum", "alpha", "beta1", "beta2", "epsilon"):
        if key in value:
            number = value[key]
            if not is_number(number) or not is_finite(number):
                raise SessionError(f"{path}.{key}", f"expected a number, got {describe(number)}")
            settings[key] = float(number)
    if "nesterov" in value:
        if not isinstance(value["nesterov"], bool):
            raise SessionError(
                f"{path}.nesterov", f"expected true or false, got {describe(value['nesterov'])}"
            )
        settings["nesterov"] = value["nesterov"]
    optimizer = replace(defaults, name=name, **settings)  # type: ignore[arg-type]
    try:
        optimizer.validate(path)
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        raise SessionError(field, message) from None
    return optimizer


def read_history(value: object, network: Network, test_set: bool = False) -> History:
    """`history`: {"columns": [...], "rows": [...]}, step 0 first, ending at the network's
    current parameters; with a test set, `test_error` follows the error. Any further
    columns are allowed and dropped."""
    if not isinstance(value, Mapping):
        raise SessionError(
            "history", f'expected {{"columns": [...], "rows": [...]}}, got {describe(value)}'
        )
    names = network.parameter_names()
    expected = ["step", *names, "error"]
    if test_set:
        expected.append("test_error")
    columns = expect_list(
        require_key(value, "columns", "history.columns"),
        "history.columns",
        "a list of column names",
    )
    if list(columns[: len(expected)]) != expected or not all(isinstance(c, str) for c in columns):
        raise SessionError(
            "history.columns",
            f"expected {describe(expected)} for this network, got {describe(columns)}",
        )
    rows_value = require_key(value, "rows", "history.rows")
    if isinstance(rows_value, np.ndarray):
        table = expect_array(rows_value, "history.rows", (None, len(columns)), "columns")
    else:
        rows_list = expect_list(rows_value, "history.rows", "a list of rows")
        table = expect_rows(rows_list, "history.rows", len(columns), "column")
    if not len(table):
        raise SessionError("history.rows", "expected at least one row (step 0)")
    steps = table[:, 0]
    n_states = len(steps)
    if value.get("states") is not None:  # a thinned history: the rows it stores
        n_states = _read_thinned_steps(value, steps)
    wrong = np.flatnonzero(steps != np.arange(len(steps)))
    if wrong.size and n_states == len(steps):
        i = int(wrong[0])
        raise SessionError(
            f"history.rows[{i}][0]", f"expected step {i}, got {format(steps[i], 'g')}"
        )
    last = table[-1, 1 : len(names) + 1]
    current = network.get_flat()
    differ = np.flatnonzero(last != current)
    if differ.size:
        j = int(differ[0])
        raise SessionError(
            f"history.rows[{len(table) - 1}]",
            f"the last row must equal the parameters (the current state), but "
            f"{names[j]} is {last[j]!r} there and {current[j]!r} in parameters",
        )
    if n_states == len(steps):
        return History.from_table(expected, table[:, : len(expected)])
    pinned = [int(p) for p in value.get("pinned") or ()]
    return History.from_stored(
        names,
        ["test_error"] if test_set else [],
        steps.astype(np.int64),
        table[:, 1 : len(expected)],
        n_states,
        pinned,
        int(value.get("pinned_below") or 0),
        int(value.get("stride") or 1),
    )


def _read_thinned_steps(value: Mapping[str, object], steps: Array) -> int:
    """The keys of a thinned history (docs/file-formats.md, "A thinned history"):
    `states` (how many states in all), the rows' steps (whole numbers, increasing, from 0
    to states - 1), `stride`, `pinned` (stored steps replay cannot make) and
    `pinned_below` (every state below it is stored and pinned). Returns `states`."""
    n_states = value.get("states")
    if not is_whole_number(n_states) or not 1 <= n_states <= 2**53:
        raise SessionError(
            "history.states", f"expected a whole number of states ≥ 1, got {describe(n_states)}"
        )
    n_states = int(n_states)
    bad = np.flatnonzero((steps != np.floor(steps)) | (steps < 0))
    if not bad.size and len(steps) > 1:
        bad = np.flatnonzero(np.diff(steps) <= 0) + 1
    if bad.size:
        i = int(bad[0])
        raise SessionError(
            f"history.rows[{i}][0]",
            f"expected a step after {format(steps[i - 1], 'g') if i else 'none'}, "
            f"got {format(steps[i], 'g')}",
        )
    if steps[0] != 0:
        raise SessionError("history.rows[0][0]", f"expected step 0, got {format(steps[0], 'g')}")
    if steps[-1] != n_states - 1:
        raise SessionError(
            f"history.rows[{len(steps) - 1}][0]",
            f"expected the last state, step {n_states - 1} (history.states - 1), "
            f"got {format(steps[-1], 'g')}",
        )
    stride = value.get("stride", 1)
    if not is_whole_number(stride) or stride < 1:
        raise SessionError("history.stride", f"expected a whole number ≥ 1, got {describe(stride)}")
    stored = set(steps.astype(np.int64).tolist())
    pinned = expect_list(value.get("pinned") or [], "history.pinned", "a list of steps")
    for i, step in enumerate(pinned):
        if not is_whole_number(step) or int(step) not in stored:
            raise SessionError(
                f"history.pinned[{i}]", f"expected the step of a row, got {describe(step)}"
            )
    below = value.get("pinned_below", 0)
    if (
        not is_whole_number(below)
        or not 0 <= below <= n_states
        or (below and steps[min(int(below), len(steps)) - 1] != below - 1)
    ):
        raise SessionError(
            "history.pinned_below",
            f"expected a step below which every state has its row, got {describe(below)}",
        )
    return n_states


def read_optimizer_checkpoints(
    value: object,
    config_for_step: Callable[[int], TrainingConfig],
    history: History,
) -> dict[int, OptimizerState]:
    """`optimizer_checkpoints` of a thinned history: {"steps": [...], "t": [...], and
    per slot one row per checkpoint whose optimizer has it}: the optimizer's state at
    stored steps, where replays start."""
    path = "optimizer_checkpoints"
    if not isinstance(value, Mapping):
        raise SessionError(
            path, f'expected {{"steps": [...], "t": [...], ...}}, got {describe(value)}'
        )
    steps = expect_list(require_key(value, "steps", f"{path}.steps"), f"{path}.steps", "a list")
    ts = expect_list(require_key(value, "t", f"{path}.t"), f"{path}.t", "a list")
    if len(ts) != len(steps):
        raise SessionError(f"{path}.t", f"expected {len(steps)} numbers, one per step")
    n = len(history.parameter_names)
    used: dict[str, int] = {}
    found: dict[int, OptimizerState] = {}
    for i, (step, t) in enumerate(zip(steps, ts, strict=True)):
        if (
            not is_whole_number(step)
            or not 0 < step < len(history)
            or not history.stored(int(step))
        ):
            raise SessionError(
                f"{path}.steps[{i}]", f"expected a stored step, got {describe(step)}"
            )
        if not is_whole_number(t) or t < 0:
            raise SessionError(f"{path}.t[{i}]", f"expected a whole number ≥ 0, got {describe(t)}")
        optimizer = config_for_step(int(step)).optimizer
        slots: dict[str, Array] = {}
        for slot in SLOTS[optimizer.name]:
            table = require_key(value, slot, f"{path}.{slot}")
            row = used.get(slot, 0)
            rows = (
                table
                if isinstance(table, np.ndarray)
                else expect_list(table, f"{path}.{slot}", "a list of rows")
            )
            if row >= len(rows):
                raise SessionError(f"{path}.{slot}", f"expected a row for step {int(step)}")
            slots[slot] = expect_vector(rows[row], f"{path}.{slot}[{row}]", n)
            used[slot] = row + 1
        if slots:
            found[int(step)] = OptimizerState(int(t), slots)
    return found


def read_training_log(
    value: object, network: Network, n_rows: int
) -> list[tuple[int, TrainingConfig]]:
    """`training_log`: [{"from_step": s, <training fields>}, ...], from_step 0 first and
    increasing: the settings each recorded step of a history of `n_rows` was made with."""
    entries = expect_list(value, "training_log", "a list of settings")
    log: list[tuple[int, TrainingConfig]] = []
    for i, entry in enumerate(entries):
        path = f"training_log[{i}]"
        if not isinstance(entry, Mapping):
            raise SessionError(path, f"expected an object, got {describe(entry)}")
        first = require_key(entry, "from_step", f"{path}.from_step")
        previous = log[-1][0] if log else -1
        if (
            not is_whole_number(first)
            or not previous < int(first) < max(n_rows, 1)
            or (not log and first != 0)
        ):
            raise SessionError(
                f"{path}.from_step",
                f"expected steps from 0 upwards, within the history, got {describe(first)}",
            )
        try:
            config = read_training(entry)
            config.validate(network)
        except SessionError as error:
            raise SessionError(
                f"{path}.{error.field.removeprefix('training.')}", error.message
            ) from None
        except ValueError as error:
            raise SessionError(f"{path}.rule", str(error)) from None
        log.append((int(first), config))
    return log


def read_optimizer_state(
    value: object, config: TrainingConfig, n_parameters: int
) -> OptimizerState:
    """`optimizer_state`: {"optimizer": name, "t": updates since it was zeroed, and one
    list of `n_parameters` numbers per slot of that optimizer ("v"; "s"; "m" and "v")}
    — the state at the session's current step, for the settings that made it."""
    path = "optimizer_state"
    if not isinstance(value, Mapping):
        raise SessionError(
            path, f'expected {{"optimizer": ..., "t": ..., ...}}, got {describe(value)}'
        )
    name = config.optimizer.name
    if value.get("optimizer") != name:
        raise SessionError(
            f"{path}.optimizer",
            f"expected {describe(name)} (the optimizer that made the current step), "
            f"got {describe(value.get('optimizer'))}",
        )
    t = require_key(value, "t", f"{path}.t")
    if not is_whole_number(t) or t < 0:
        raise SessionError(f"{path}.t", f"expected a whole number ≥ 0, got {describe(t)}")
    slots: dict[str, Array] = {}
    for slot in SLOTS[name]:
        raw = require_key(value, slot, f"{path}.{slot}")
        slots[slot] = expect_vector(raw, f"{path}.{slot}", n_parameters)
    return OptimizerState(int(t), slots)


def read_quiz(value: object, layers: list[int]) -> QuizSettings:
    """`quiz`: whether Step first asks the student, what, and to how many decimals."""
    try:
        return quiz_settings(value, neuron_names(layers))
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        raise SessionError(field, message) from None
