"""Session files (shared/DESIGN.md, Contract 1): load, validate, save.

A session is everything needed to carry on where a student left off: the network and its
current parameters, the data, the training settings and, optionally, the history of
states (Contract 2's table) so that Step back and Reset still work after reopening.

Every problem in a file is reported as a `SessionError` whose text is one line naming
the offending field, e.g. ``parameters.weights[0]: expected 1x2, got 2x2``. A file can be
hostile (huge, deeply nested, binary, NaN): loading never crashes and never takes long.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain, pairwise
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray

from model.activations import ACTIVATION_NAMES
from model.history import History, write_atomically
from model.losses import LOSS_NAMES
from model.network import Network, initial_weights
from model.training import MODES, RULES, Dataset, Trainer, TrainingConfig

Array = NDArray[np.float64]
Number = int | float | np.integer[Any] | np.floating[Any]

FORMAT = "backprop-lab/session"
VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NESTING = 64  # a session needs 5; json would recurse once per level
MAX_LAYERS = 20  # entries of network.layers, the input layer included
MAX_LAYER_SIZE = 1000
MAX_PARAMETERS = 1_000_000
INIT_METHODS: tuple[str, ...] = ("uniform", "xavier", "he")
EXAMPLE_NAMES: tuple[str, ...] = ("lecture", "and", "or", "xor", "mazur_2_2_2", "deep_xor")

_EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "examples"


class SessionError(ValueError):
    """A session that cannot be used; `str()` is one line: ``field: what is wrong``."""

    def __init__(self, field: str, message: str) -> None:
        self.field = " ".join(field.splitlines())
        self.message = " ".join(message.splitlines())
        super().__init__(f"{self.field}: {self.message}")

    def __reduce__(self) -> tuple[type[SessionError], tuple[str, str]]:
        return SessionError, (self.field, self.message)


@dataclass
class Session:
    """A validated session. `history`, when present, ends at the current parameters."""

    network: Network
    data: Dataset
    config: TrainingConfig
    history: History | None = None
    title: str = ""
    # (first step, settings) for every change of settings during the history; None when
    # every step used `config` (an extension of Contract 1: unknown keys are ignored).
    config_log: list[tuple[int, TrainingConfig]] | None = None

    def to_trainer(self) -> Trainer:
        """A Trainer at the session's state (copies: the session can be reused)."""
        history = None if self.history is None else self.history.copy_prefix(len(self.history))
        # Intermediate sums may overflow to ±inf on the way to a finite error.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            trainer = Trainer(self.network.copy(), self.data.copy(), self.config, history)
        if self.config_log:
            trainer.config_log = self.config_log
        return trainer


# -- reading ------------------------------------------------------------------------------
def load_session(path: str | os.PathLike[str]) -> Session:
    """Read and validate a session file; SessionError for anything wrong with it.

    The messages do not repeat the path: the caller shows it (``error: PATH: file: ...``).
    """
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise SessionError(
                "file",
                f"{size / 2**20:.1f} MB, larger than a session can be "
                f"({MAX_FILE_BYTES // 2**20} MB)",
            )
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # st_size can lie (pipes, /proc)
    except IsADirectoryError:
        raise SessionError("file", "a folder, not a session file") from None
    except OSError as error:
        raise SessionError("file", f"cannot read it ({error.strerror or error})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SessionError("file", f"larger than a session can be ({MAX_FILE_BYTES // 2**20} MB)")
    return parse_session(decode_json(raw))


def decode_json(raw: bytes) -> object:
    """Bytes of a JSON document → Python objects, refusing what would crash `json`."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark, as some Windows editors write
    if not raw.strip():
        raise SessionError("file", "the file is empty, not a session")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1].hex()
        raise SessionError(
            "file", f"not UTF-8 text (byte 0x{bad} at offset {error.start}): not a session file"
        ) from None
    depth = nesting_depth(raw)
    if depth > MAX_NESTING:
        raise SessionError(
            "file",
            f"lists and objects nested {depth} deep; a session never needs more than {MAX_NESTING}",
        )
    try:
        return json.loads(text, parse_constant=_non_finite)
    except json.JSONDecodeError as error:
        raise SessionError(
            "file", f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of 5000 digits
        reason = str(error).split(";")[0]
        raise SessionError("file", f"not valid JSON ({reason})") from None


# A JSON string, or an unterminated one up to the end: from any quote the pattern matches
# at the first attempt, without backtracking, so stripping strings takes linear time.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_BRACKET_STEP = np.zeros(256, dtype=np.int8)
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1
_BLOCK = 1 << 20


def nesting_depth(raw: bytes) -> int:
    """Deepest nesting of [ and { outside strings (vectorised, in 1 MB blocks).

    Counting every bracket is fast and overestimates; only when that exceeds
    MAX_NESTING (brackets in strings, or a hostile file) are the strings taken out first.
    """
    rough = _bracket_depth(raw)
    return rough if rough <= MAX_NESTING else _bracket_depth(_JSON_STRING.sub(b"", raw))


def _bracket_depth(text: bytes) -> int:
    codes = np.frombuffer(text, dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, codes.size, _BLOCK):
        levels = np.cumsum(_BRACKET_STEP[codes[start : start + _BLOCK]], dtype=np.int64)
        deepest = max(deepest, depth + int(levels.max()))
        depth += int(levels[-1])
    return deepest


def _non_finite(name: str) -> float:
    # JSON has no NaN/Infinity, but Python's json reads them; keep them as floats so
    # that validation can name the field that holds one.
    return float(name.replace("Infinity", "inf"))


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
    network_obj = _object(obj, "network", "network")
    layers = _layers(_require(network_obj, "layers", "network.layers"))
    activations = _activations(
        _require(network_obj, "activations", "network.activations"), len(layers) - 1
    )
    if "parameters" in obj:
        weights, biases = _parameters(_object(obj, "parameters", "parameters"), layers)
    elif "init" in obj:
        weights, biases = _init(_object(obj, "init", "init"), layers)
    else:
        raise SessionError(
            "parameters",
            'missing: give "parameters" (weights and biases) or "init" (how to draw them)',
        )
    network = Network(layers, activations, weights, biases)
    data = _data(_object(obj, "data", "data"), layers)
    config = _training(_object(obj, "training", "training"))
    try:
        config.validate(network)
    except ValueError as error:
        raise SessionError("training.rule", str(error)) from None
    with np.errstate(all="ignore"):
        start_error = network.error(data.inputs, data.targets, config.loss)
    if not math.isfinite(start_error):
        source = "parameters" if "parameters" in obj else "init"
        raise SessionError(
            source,
            f"the error at these parameters is {start_error} on this "
            "data, not a finite number: the weights or inputs are too large "
            "(or a saturated output has the opposite target)",
        )
    history = _history(obj["history"], network) if obj.get("history") is not None else None
    title = obj.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise SessionError("title", f"expected text, got {describe(title)}")
    try:
        title.encode("utf-8")
    except UnicodeEncodeError:
        raise SessionError("title", "contains characters that are not valid Unicode") from None
    config_log = None
    if history is not None and obj.get("training_log") is not None:
        config_log = _training_log(obj["training_log"], network, len(history))
    return Session(network, data, config, history, title, config_log)


def _training_log(value: object, network: Network, n_rows: int) -> list[tuple[int, TrainingConfig]]:
    """`training_log`: [{"from_step": s, <training fields>}, ...], from_step 0 first and
    increasing: the settings each recorded step was made with."""
    entries = _list(value, "training_log", "a list of settings")
    log: list[tuple[int, TrainingConfig]] = []
    for i, entry in enumerate(entries):
        path = f"training_log[{i}]"
        if not isinstance(entry, Mapping):
            raise SessionError(path, f"expected an object, got {describe(entry)}")
        first = _require(entry, "from_step", f"{path}.from_step")
        previous = log[-1][0] if log else -1
        if (
            not _is_int(first)
            or not previous < int(first) < max(n_rows, 1)
            or (not log and first != 0)
        ):
            raise SessionError(
                f"{path}.from_step",
                f"expected steps from 0 upwards, within the history, got {describe(first)}",
            )
        try:
            config = _training(entry)
            config.validate(network)
        except SessionError as error:
            raise SessionError(
                f"{path}.{error.field.removeprefix('training.')}", error.message
            ) from None
        except ValueError as error:
            raise SessionError(f"{path}.rule", str(error)) from None
        log.append((int(first), config))
    return log


def _check_version(obj: Mapping[str, object]) -> None:
    version = _require(obj, "version", "version")
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


def check_size(layers: list[int]) -> None:
    """ValueError if a network of these layer sizes is larger than a session may hold
    (what the window builds must open again)."""
    if not 2 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"a network has 2 to {MAX_LAYERS} layers, not {len(layers)}")
    if max(layers) > MAX_LAYER_SIZE:
        raise ValueError(
            f"a layer has at most {MAX_LAYER_SIZE} neurons (or inputs), not {max(layers)}"
        )
    n_parameters = sum(a * b + b for a, b in pairwise(layers))
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(f"{n_parameters:,} parameters, more than {MAX_PARAMETERS:,}")


def _layers(value: object) -> list[int]:
    path = "network.layers"
    sizes = _list(value, path, "a list of layer sizes like [2, 1]")
    if not 2 <= len(sizes) <= MAX_LAYERS:
        raise SessionError(
            path,
            f"expected 2 to {MAX_LAYERS} layer sizes (inputs, any hidden "
            f"layers, outputs), got {len(sizes)}",
        )
    layers: list[int] = []
    for i, n in enumerate(sizes):
        if not _is_int(n) or not 1 <= n <= MAX_LAYER_SIZE:
            raise SessionError(
                f"{path}[{i}]",
                f"expected a whole number of neurons from 1 to {MAX_LAYER_SIZE}, got {describe(n)}",
            )
        layers.append(int(n))
    count = sum(n * (m + 1) for m, n in pairwise(layers))
    if count > MAX_PARAMETERS:
        raise SessionError(
            path,
            f"{count} parameters are more than this program handles (at most {MAX_PARAMETERS})",
        )
    return layers


def _activations(value: object, count: int) -> list[str]:
    path = "network.activations"
    names = _list(value, path, 'a list of activation names like ["sigmoid"]')
    if len(names) != count:
        raise SessionError(
            path, f"expected {_plural(count, 'name')} (one per non-input layer), got {len(names)}"
        )
    known = ", ".join(ACTIVATION_NAMES)
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise SessionError(
                f"{path}[{i}]", f"expected an activation name ({known}), got {describe(name)}"
            )
        if name not in ACTIVATION_NAMES:
            raise SessionError(
                f"{path}[{i}]", f"unknown activation {_quote(name)} (known: {known})"
            )
    return [str(name) for name in names]


def _parameters(obj: Mapping[str, object], layers: list[int]) -> tuple[list[Array], list[Array]]:
    depth = len(layers) - 1
    weights_value = _list(
        _require(obj, "weights", "parameters.weights"),
        "parameters.weights",
        "a list of weight matrices",
    )
    biases_value = _list(
        _require(obj, "biases", "parameters.biases"), "parameters.biases", "a list of bias vectors"
    )
    for path, value in (("parameters.weights", weights_value), ("parameters.biases", biases_value)):
        if len(value) != depth:
            what = "matrix" if path.endswith("weights") else "vector"
            raise SessionError(
                path, f"expected {_plural(depth, what)} (one per non-input layer), got {len(value)}"
            )
    weights = [
        _matrix(W, f"parameters.weights[{k}]", layers[k + 1], layers[k])
        for k, W in enumerate(weights_value)
    ]
    biases = [
        _vector(b, f"parameters.biases[{k}]", layers[k + 1]) for k, b in enumerate(biases_value)
    ]
    return weights, biases


def _init(obj: Mapping[str, object], layers: list[int]) -> tuple[list[Array], list[Array]]:
    method = _require(obj, "method", "init.method")
    if not isinstance(method, str) or method not in INIT_METHODS:
        raise SessionError(
            "init.method", f"unknown method {describe(method)} (known: {', '.join(INIT_METHODS)})"
        )
    seed = obj.get("seed", 0)
    if not _is_int(seed) or not 0 <= seed < 2**64:
        raise SessionError(
            "init.seed", f"expected a whole number from 0 to 2**64 - 1, got {describe(seed)}"
        )
    low = _number(obj.get("low", -0.5), "init.low")
    high = _number(obj.get("high", 0.5), "init.high")
    if method == "uniform" and not (low < high and math.isfinite(high - low)):
        raise SessionError("init.high", f"must be greater than init.low ({low!r}), got {high!r}")
    return initial_weights(layers, method, int(seed), low, high)


def _data(obj: Mapping[str, object], layers: list[int]) -> Dataset:
    n_in, n_out = layers[0], layers[-1]
    inputs_value = _list(
        _require(obj, "inputs", "data.inputs"),
        "data.inputs",
        "a list of samples, each a list of input values",
    )
    if not inputs_value:
        raise SessionError("data.inputs", "expected at least one sample, got none")
    inputs = _rows(inputs_value, "data.inputs", n_in, "network input")
    targets_value = _list(
        _require(obj, "targets", "data.targets"),
        "data.targets",
        "a list of desired outputs, one per sample",
    )
    if len(targets_value) != len(inputs_value):
        raise SessionError(
            "data.targets",
            f"expected {_plural(len(inputs_value), 'row')} "
            f"(one per input row), got {len(targets_value)}",
        )
    if n_out == 1:  # a bare number is accepted for a single output
        targets_value = [[d] if _is_number(d) else d for d in targets_value]
    targets = _rows(targets_value, "data.targets", n_out, "network output")
    return Dataset(inputs, targets)


def _training(obj: Mapping[str, object]) -> TrainingConfig:
    rule = _choice(_require(obj, "rule", "training.rule"), "training.rule", "rule", RULES)
    loss = _choice(obj.get("loss", "squared_error"), "training.loss", "loss", LOSS_NAMES)
    mode = _choice(obj.get("mode", "online"), "training.mode", "mode", MODES)
    rate = _require(obj, "learning_rate", "training.learning_rate")
    if not _is_number(rate) or not _finite(rate) or rate <= 0:
        raise SessionError(
            "training.learning_rate", f"must be a finite number > 0, got {describe(rate)}"
        )
    update_biases = obj.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SessionError(
            "training.update_biases", f"expected true or false, got {describe(update_biases)}"
        )
    return TrainingConfig(rule, loss, float(rate), mode, update_biases)


def _history(value: object, network: Network) -> History:
    if not isinstance(value, Mapping):
        raise SessionError(
            "history", f'expected {{"columns": [...], "rows": [...]}}, got {describe(value)}'
        )
    names = network.parameter_names()
    expected = ["step", *names, "error"]
    columns = _list(
        _require(value, "columns", "history.columns"), "history.columns", "a list of column names"
    )
    if list(columns[: len(expected)]) != expected or not all(isinstance(c, str) for c in columns):
        raise SessionError(
            "history.columns",
            f"expected {describe(expected)} for this network, got {describe(columns)}",
        )
    rows_value = _list(_require(value, "rows", "history.rows"), "history.rows", "a list of rows")
    if not rows_value:
        raise SessionError("history.rows", "expected at least one row (step 0)")
    table = _rows(rows_value, "history.rows", len(columns), "column")
    steps = table[:, 0]
    wrong = np.flatnonzero(steps != np.arange(len(steps)))
    if wrong.size:
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
    return History.from_table(expected, table[:, : len(expected)])


# -- building blocks ----------------------------------------------------------------------
def _require(obj: Mapping[str, object], key: str, path: str) -> object:
    if key not in obj:
        raise SessionError(path, "missing (required)")
    return obj[key]


def _object(obj: Mapping[str, object], key: str, path: str) -> Mapping[str, object]:
    value = _require(obj, key, path)
    if not isinstance(value, Mapping):
        raise SessionError(path, f"expected an object {{...}}, got {describe(value)}")
    return value


def _list(value: object, path: str, what: str) -> Sequence[object]:
    if not isinstance(value, list | tuple):
        raise SessionError(path, f"expected {what}, got {describe(value)}")
    return value


def _choice(value: object, path: str, what: str, known: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise SessionError(path, f"unknown {what} {describe(value)} (known: {', '.join(known)})")
    return value


def _is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[Number]:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _finite(value: Number) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond float64's range
        return False


def _number(value: object, path: str) -> float:
    if not _is_number(value):
        raise SessionError(path, f"expected a number, got {describe(value)}")
    if not _finite(value):
        raise SessionError(path, f"expected a finite number, got {describe(value)}")
    return float(value)


_PLAIN_NUMBER_TYPES = {int, float}


def _numbers_fast(rows: Sequence[Sequence[object]]) -> Array | None:
    """The rows as an array if every value is a finite int or float, else None."""
    if not set(map(type, chain.from_iterable(rows))) <= _PLAIN_NUMBER_TYPES:
        return None
    try:
        array = np.array(rows, dtype=np.float64)
    except (OverflowError, ValueError):
        return None
    return array if np.isfinite(array).all() else None


def _rows(value: Sequence[object], path: str, width: int, what: str) -> Array:
    """A list of rows of `width` finite numbers each → array, shape (len(value), width)."""
    rows: list[Sequence[object]] = []
    for i, row in enumerate(value):
        if not isinstance(row, list | tuple):
            raise SessionError(
                f"{path}[{i}]",
                f"expected a list of {_plural(width, 'number')}, got {describe(row)}",
            )
        if len(row) != width:
            raise SessionError(
                f"{path}[{i}]",
                f"expected {_plural(width, 'number')} (one per {what}), got {len(row)}",
            )
        rows.append(row)
    array = _numbers_fast(rows)
    if array is None:  # find the offending value, to name it
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                _number(x, f"{path}[{i}][{j}]")
        array = np.array(rows, dtype=np.float64)
    return array.reshape(len(rows), width)


def _matrix(value: object, path: str, n_rows: int, n_cols: int) -> Array:
    """W[l]: n_rows neurons × n_cols inputs, as nested lists (rows = neurons)."""
    expected = f"{n_rows}x{n_cols}"
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(row, list | tuple) for row in value)
    ):
        raise SessionError(
            path,
            f"expected a {expected} matrix (a list of "
            f"{_plural(n_rows, 'row')} of {_plural(n_cols, 'number')}), got "
            f"{describe(value)}",
        )
    lengths = sorted({len(row) for row in value if isinstance(row, list | tuple)})
    if len(value) != n_rows or lengths != [n_cols]:
        got = (
            f"{len(value)}x{lengths[0]}"
            if len(lengths) == 1
            else f"{_plural(len(value), 'row')} of different lengths"
        )
        raise SessionError(path, f"expected {expected}, got {got}")
    return _rows(value, path, n_cols, "input of the layer")


def _vector(value: object, path: str, n: int) -> Array:
    if not isinstance(value, list | tuple):
        raise SessionError(
            path, f"expected a list of {_plural(n, 'number')}, got {describe(value)}"
        )
    if len(value) != n:
        raise SessionError(
            path, f"expected {_plural(n, 'number')} (one per neuron), got {len(value)}"
        )
    array = _numbers_fast([value])
    if array is None:  # find the offending value, to name it
        for j, x in enumerate(value):
            _number(x, f"{path}[{j}]")
        array = np.array(value, dtype=np.float64)
    return array.reshape(n)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return "'" + shown.encode("unicode_escape").decode("ascii").replace("'", "\\'") + "'"


def describe(value: object, limit: int = 60) -> str:
    """A short, one-line, JSON-like rendering of a value for error messages."""
    text = _render(value, depth=0)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: object, depth: int) -> str:
    if isinstance(value, list | tuple):
        if depth >= 3:
            return "[…]"
        items = [_render(item, depth + 1) for item in value[:6]]
        return "[" + ", ".join(items) + (", …" if len(value) > 6 else "") + "]"
    if isinstance(value, Mapping):
        return "{…}" if value else "{}"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "…")
    return _render_scalar(value)


def _render_scalar(value: object) -> str:
    if value is None or isinstance(value, bool | np.bool_):
        return {None: "null", True: "true", False: "false"}[None if value is None else bool(value)]
    if isinstance(value, int | np.integer):
        return repr(int(value)) if abs(int(value)) < 10**30 else "a very large integer"
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        return repr(x) if math.isfinite(x) else ("Infinity" if x > 0 else "-Infinity")
    return type(value).__name__


# -- writing ------------------------------------------------------------------------------
def session_to_dict(
    trainer: Trainer, title: str = "", include_history: bool = True
) -> dict[str, object]:
    """The trainer's current state as Contract 1's JSON object (plain Python types).

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
        "training": _training_dict(config),
    }
    if include_history:
        history = trainer.history
        if trainer.position < len(history) - 1:
            history = history.copy_prefix(trainer.position + 1)
        session["history"] = history.to_json_dict()
        log = training_log_entries(trainer)
        if len(log) > 1 or (log and log[0] != {"from_step": 0, **_training_dict(config)}):
            session["training_log"] = log
    return session


def training_log_entries(trainer: Trainer) -> list[dict[str, object]]:
    """`training_log` as the file holds it: the settings of each stretch of the history
    up to the current state."""
    return [
        {"from_step": step, **_training_dict(config)}
        for step, config in trainer.config_log
        if step < trainer.position
    ]


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
        config_log = _training_log(training_log, session.network, len(history))
    return replace(session, history=history, config_log=config_log)


def _training_dict(config: TrainingConfig) -> dict[str, object]:
    return {
        "rule": config.rule,
        "loss": config.loss,
        "learning_rate": float(config.learning_rate),
        "mode": config.mode,
        "update_biases": bool(config.update_biases),
    }


def save_session(
    trainer: Trainer, path: str | os.PathLike[str], title: str = "", include_history: bool = True
) -> bool:
    """Write the session atomically; floats as repr, so they read back exactly.

    Returns whether the history went along: a history too long for the file to be read
    back (more than MAX_FILE_BYTES, roughly 200 000 lecture steps) is left out, and the
    file then holds the current state only (it reopens at step 0 = that state).
    OSError if it cannot be written (an existing file is then left untouched);
    ValueError if the state is not finite.
    """
    session = session_to_dict(trainer, title, include_history)
    chunks: list[str] = []
    size = 0
    for chunk in _session_chunks(session):
        size += len(chunk.encode("utf-8"))
        if include_history and size > MAX_FILE_BYTES:
            save_session(trainer, path, title, include_history=False)
            return False
        chunks.append(chunk)
    write_atomically(path, chunks)
    return include_history


def _session_chunks(session: dict[str, object]) -> Iterator[str]:
    """Readable JSON: one line per top-level key, one line per history row."""

    def dump(value: object) -> str:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)

    keys = list(session)
    yield "{\n"
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        value = session[key]
        if key == "history" and isinstance(value, dict):
            rows = value["rows"]
            yield f'  "history": {{"columns": {dump(value["columns"])}, "rows": [\n'
            for r, row in enumerate(rows):
                yield "    " + dump(row) + (",\n" if r < len(rows) - 1 else "\n")
            yield f"  ]}}{comma}\n"
        else:
            yield f"  {dump(key)}: {dump(value)}{comma}\n"
    yield "}\n"


# -- the examples -------------------------------------------------------------------------
def _example_bytes(name: str) -> bytes:
    try:
        resource = importlib.resources.files("resources") / "examples" / f"{name}.json"
        return resource.read_bytes()
    except (ImportError, OSError, TypeError):
        # Not importable as a package (or another "resources" shadows it): the source tree.
        return (_EXAMPLES_DIR / f"{name}.json").read_bytes()


def _read_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for name in EXAMPLE_NAMES:
        try:
            title = json.loads(_example_bytes(name)).get("title", name)
        except (OSError, ValueError, AttributeError):
            title = name
        titles[name] = title if isinstance(title, str) else name
    return titles


EXAMPLES: dict[str, str] = _read_titles()
"""Example sessions shipped in resources/examples: name → title."""


def load_example(name: str) -> Session:
    """One of the EXAMPLES by name, e.g. "lecture" or "xor"."""
    if name not in EXAMPLE_NAMES:
        raise SessionError(
            "example", f"unknown example {_quote(name)} (known: {', '.join(EXAMPLE_NAMES)})"
        )
    try:
        raw = _example_bytes(name)
    except OSError as error:
        raise SessionError("example", f"cannot read the {name} example: {error}") from None
    return parse_session(decode_json(raw))


_LECTURE: dict[str, object] = {
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
        return parse_session(_LECTURE)  # the resources folder is missing: built-in copy
