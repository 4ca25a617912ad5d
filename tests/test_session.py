"""Session files (docs/file-formats.md, "Session file"): validation with one-line messages
naming the field, exact save → load round trips, the examples, and hostile files."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_sessions import LECTURE

from model.activations import ACTIVATION_NAMES
from model.session import (
    EXAMPLES,
    MAX_FILE_BYTES,
    Session,
    SessionError,
    SessionTooLargeError,
    lecture_session,
    load_example,
    load_session,
    parse_session,
    save_session,
    session_to_dict,
)
from model.state import Trainer
from model.training import DivergenceError

MAZUR: dict[str, Any] = {
    "format": "backprop-lab/session",
    "version": 1,
    "network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"]},
    "parameters": {
        "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
        "biases": [[0.35, 0.35], [0.60, 0.60]],
    },
    "data": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
    "training": {"rule": "backprop", "learning_rate": 0.5, "mode": "batch", "update_biases": False},
}


def lecture(**changes: Any) -> dict[str, Any]:
    """The lecture session with `section__key=value` changes (None deletes the key)."""
    obj = copy.deepcopy(LECTURE)
    for name, value in changes.items():
        target: Any = obj
        *parents, key = name.split("__")
        for parent in parents:
            target = target[parent]
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return obj


def error_of(obj: object) -> str:
    with pytest.raises(SessionError) as info:
        parse_session(obj)
    text = str(info.value)
    assert "\n" not in text
    return text


def assert_same_trainer_state(a: Trainer, b: Trainer) -> None:
    assert a.network.layers == b.network.layers
    assert a.network.activations == b.network.activations
    assert a.network.get_flat().tobytes() == b.network.get_flat().tobytes()
    assert a.data.inputs.tobytes() == b.data.inputs.tobytes()
    assert a.data.targets.tobytes() == b.data.targets.tobytes()
    assert a.config == b.config
    assert a.history.columns == b.history.columns
    assert a.history.table().tobytes() == b.history.table().tobytes()
    assert a.position == b.position


# -- the lecture and the examples ---------------------------------------------------------
def test_lecture_first_step_matches_the_slide() -> None:
    trainer = lecture_session().to_trainer()
    assert round(trainer.current_error(), 9) == 0.356465271
    trainer.step()
    b, W1, W2 = trainer.network.biases[0][0], *trainer.network.weights[0][0]
    assert [round(b, 9), round(W1, 9), round(W2, 9)] == [1.821556479, 0.499155648, 0.197466944]
    assert round(trainer.current_error(), 9) == 0.355601244
    assert trainer.network.parameter_names() == ["W1", "W2", "b"]


def test_lecture_session_equals_the_lecture_file() -> None:
    from_file = parse_session(LECTURE)
    built_in = lecture_session()
    assert built_in.title.startswith("Lecture")
    assert_same_trainer_state(from_file.to_trainer(), built_in.to_trainer())


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_load_and_train(name: str) -> None:
    session = load_example(name)
    assert session.title == EXAMPLES[name]
    trainer = session.to_trainer()
    trainer.run(3)
    assert np.isfinite(trainer.history.table()).all()


def test_example_names_and_unknown_example() -> None:
    assert list(EXAMPLES) == [
        *("lecture", "and", "or", "xor", "mazur_2_2_2", "deep_xor"),
        *("valley", "overfitting", "learning_rates", "online_vs_batch"),
    ]
    with pytest.raises(SessionError, match=r"^example: unknown example '\.\./x'"):
        load_example("../x")


def test_defaults_and_bare_number_targets() -> None:
    session = parse_session(
        lecture(
            training__loss=None,
            training__mode=None,
            training__update_biases=None,
            data__targets=[0.03],
        )
    )
    assert session.config.loss == "squared_error"
    assert session.config.mode == "online"
    assert session.config.update_biases is True
    assert session.data.targets.tolist() == [[0.03]]
    assert session.history is None
    assert session.title == ""


def test_unknown_keys_are_ignored() -> None:
    obj = lecture(comment="hi", network__colour="red")
    obj["training"]["momentum"] = [1, 2]
    assert parse_session(obj).network.layers == [2, 1]


def test_init_methods_are_seeded() -> None:
    base = copy.deepcopy(MAZUR)
    del base["parameters"]
    for method in ("uniform", "xavier", "he"):
        base["init"] = {"method": method, "seed": 7, "low": -1.0, "high": 1.0}
        a = parse_session(base).network.get_flat()
        b = parse_session(copy.deepcopy(base)).network.get_flat()
        assert a.tobytes() == b.tobytes()
        base["init"]["seed"] = 8
        assert not np.array_equal(a, parse_session(base).network.get_flat())
    base["init"] = {"method": "uniform", "seed": 1, "low": 0.25, "high": 0.5}
    theta = parse_session(base).network.get_flat()
    assert ((theta >= 0.25) & (theta < 0.5)).all()


def test_parameters_win_over_init() -> None:
    obj = lecture(init={"method": "he", "seed": 1})
    assert parse_session(obj).network.get_flat().tolist() == [0.5, 0.2, 1.83]


def test_to_trainer_gives_independent_trainers() -> None:
    session = parse_session(MAZUR)
    first = session.to_trainer()
    first.run(5)
    second = session.to_trainer()
    assert second.position == 0
    assert second.network.get_flat().tolist() == [
        0.15,
        0.2,
        0.25,
        0.3,
        0.35,
        0.35,
        0.4,
        0.45,
        0.5,
        0.55,
        0.6,
        0.6,
    ]


# -- messages naming the field ------------------------------------------------------------
BAD_SESSIONS: list[tuple[dict[str, Any] | Any, str]] = [
    (
        lecture(parameters__weights=[[[1, 2], [3, 4]]]),
        "parameters.weights[0]: expected 1x2, got 2x2",
    ),
    (lecture(parameters__weights=[[0.5, 0.2]]), "parameters.weights[0]: expected a 1x2"),
    (lecture(parameters__weights=[[[0.5, 0.2]], [[1.0]]]), "parameters.weights: expected 1 matrix"),
    (lecture(parameters__weights=[[[0.5], [0.2, 0.1]]]), "parameters.weights[0]: expected"),
    (lecture(parameters__biases=[[1.83, 1.0]]), "parameters.biases[0]: expected 1 number"),
    (
        lecture(parameters__biases=[[math.nan]]),
        "parameters.biases[0][0]: expected a finite number, got NaN",
    ),
    (lecture(parameters__biases=[[10**400]]), "parameters.biases[0][0]: expected a finite"),
    (
        lecture(parameters__weights=[[[0.5, "0.2"]]]),
        'parameters.weights[0][0][1]: expected a number, got "0.2"',
    ),
    (
        lecture(parameters__weights=[[[0.5, True]]]),
        "parameters.weights[0][0][1]: expected a number, got true",
    ),
    (lecture(parameters=None), "parameters: missing"),
    (lecture(parameters="x"), "parameters: expected an object"),
    (
        lecture(training__learning_rate=-1),
        "training.learning_rate: must be a finite number > 0, got -1",
    ),
    (lecture(training__learning_rate=0), "training.learning_rate: must be a finite"),
    (
        lecture(training__learning_rate=math.inf),
        "training.learning_rate: must be a finite number > 0, got Infinity",
    ),
    (lecture(training__learning_rate="0.1"), "training.learning_rate: must be a finite"),
    (lecture(training__learning_rate=True), "training.learning_rate: must be a finite"),
    (lecture(training__learning_rate=None), "training.learning_rate: missing"),
    (lecture(training__rule="hebb"), 'training.rule: unknown rule "hebb" (known: delta'),
    (lecture(training__rule=None), "training.rule: missing"),
    (lecture(training__loss="hinge"), "training.loss: unknown loss"),
    (lecture(training__mode="stochastic"), "training.mode: unknown mode"),
    (lecture(training__update_biases="yes"), "training.update_biases: expected true or false"),
    (
        lecture(network__activations=["foo"]),
        "network.activations[0]: unknown activation 'foo' (known: "
        + ", ".join(ACTIVATION_NAMES)
        + ")",
    ),
    (
        lecture(network__activations=["sigmoid", "sigmoid"]),
        "network.activations: expected 1 name (one per non-input layer), got 2",
    ),
    (lecture(network__activations=[3]), "network.activations[0]: expected an activation name"),
    (lecture(network__layers=[2, 0]), "network.layers[1]: expected a whole number"),
    (lecture(network__layers=[2, 1.0]), "network.layers[1]: expected a whole number"),
    (lecture(network__layers=[2]), "network.layers: expected 2 to 20 layer sizes"),
    (lecture(network__layers=[2] * 30), "network.layers: expected 2 to 20"),
    (lecture(network__layers=[2, 100000]), "network.layers[1]: expected a whole number"),
    (lecture(network__layers=[1000] * 5), "network.layers: 4004000 parameters are more"),
    (lecture(network=None), "network: missing"),
    (lecture(version=3), "version: file is version 3, this program reads version 1"),
    (lecture(version=0), "version: expected 1, got 0"),
    (lecture(version="1"), 'version: expected the whole number 1, got "1"'),
    (lecture(version=None), "version: missing"),
    (
        lecture(format="something/else"),
        'format: not a Backprop Lab session (expected "backprop-lab/session"',
    ),
    (lecture(format=None), "format: not a Backprop Lab session"),
    (lecture(data__inputs=[]), "data.inputs: expected at least one sample"),
    (lecture(data__inputs=[[0.1]]), "data.inputs[0]: expected 2 numbers (one per network"),
    (
        lecture(data__inputs=[[0.1, math.inf]]),
        "data.inputs[0][1]: expected a finite number, got Infinity",
    ),
    (lecture(data__targets=[[0.03], [1.0]]), "data.targets: expected 1 row (one per input"),
    (lecture(data__targets=[[0.03, 1.0]]), "data.targets[0]: expected 1 number"),
    (lecture(data__targets=[None]), "data.targets[0]: expected a list of 1 number, got null"),
    (lecture(data__inputs=None), "data.inputs: missing"),
    (lecture(title=5), "title: expected text"),
    (
        lecture(
            network__layers=[2, 2, 1],
            network__activations=["sigmoid", "sigmoid"],
            parameters=None,
            init={"method": "uniform", "seed": 1},
        ),
        "training.rule: the lecture's delta rule",
    ),
    (
        lecture(training__rule="backprop", network__activations=["step"]),
        "training.rule: layer 1 uses the step activation",
    ),
    (lecture(parameters=None, init={"method": "lecun"}), "init.method: unknown method"),
    (lecture(parameters=None, init={"method": "uniform", "seed": -1}), "init.seed: expected"),
    (lecture(parameters=None, init={"method": "uniform", "seed": 1.5}), "init.seed"),
    (
        lecture(parameters=None, init={"method": "uniform", "low": 1, "high": 1}),
        "init.high: must be greater than init.low",
    ),
    (
        lecture(parameters=None, init={"method": "uniform", "low": -1e308, "high": 1e308}),
        "init.high",
    ),
    (
        lecture(parameters=None, init={"method": "uniform", "low": math.nan}),
        "init.low: expected a finite number",
    ),
    (
        lecture(
            network__activations=["linear"],
            parameters__weights=[[[1e300, 1e300]]],
            data__inputs=[[1e300, 1e300]],
        ),
        "parameters: the error at these parameters is inf",
    ),
    ([LECTURE], "file: expected a JSON object {...} at the top level, got [{…}]"),
    ("text", "file: expected a JSON object"),
    (None, "file: expected a JSON object"),
]


@pytest.mark.parametrize(("obj", "message"), BAD_SESSIONS)
def test_invalid_session_names_the_field(obj: object, message: str) -> None:
    text = error_of(obj)
    assert text.startswith(message), text


def test_session_error_is_a_value_error_with_field_and_pickles() -> None:
    with pytest.raises(ValueError, match=r"^training") as info:
        parse_session(lecture(training__learning_rate=-1))
    error = info.value
    assert isinstance(error, SessionError)
    assert error.field == "training.learning_rate"
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert again.field == error.field
    assert str(SessionError("a\nb", "c\nd")) == "a b: c d"


# -- history ------------------------------------------------------------------------------
def trained(obj: dict[str, Any], steps: int) -> Trainer:
    trainer = parse_session(obj).to_trainer()
    trainer.run(steps)
    return trainer


def test_history_validation() -> None:
    good = session_to_dict(trained(LECTURE, 3))
    assert parse_session(good).history is not None

    last_changed = copy.deepcopy(good)
    last_changed["parameters"]["biases"] = [[1.83]]
    assert error_of(last_changed).startswith(
        "history.rows[3]: the last row must equal the parameters (the current state), but b is"
    )

    wrong_columns = copy.deepcopy(good)
    wrong_columns["history"]["columns"] = ["step", "L1.W1_1", "L1.W1_2", "L1.b1", "error"]
    assert error_of(wrong_columns).startswith("history.columns: expected")

    wrong_step = copy.deepcopy(good)
    wrong_step["history"]["rows"][2][0] = 7
    assert error_of(wrong_step) == "history.rows[2][0]: expected step 2, got 7"

    short_row = copy.deepcopy(good)
    short_row["history"]["rows"][1] = short_row["history"]["rows"][1][:3]
    assert error_of(short_row).startswith("history.rows[1]: expected 5 numbers")

    nan_row = copy.deepcopy(good)
    nan_row["history"]["rows"][1][4] = math.nan
    assert error_of(nan_row) == "history.rows[1][4]: expected a finite number, got NaN"

    empty = copy.deepcopy(good)
    empty["history"]["rows"] = []
    assert error_of(empty).startswith("history.rows: expected at least one row")

    not_object = copy.deepcopy(good)
    not_object["history"] = [1]
    assert error_of(not_object).startswith("history: expected")

    null = copy.deepcopy(good)
    null["history"] = None
    assert parse_session(null).history is None


def test_history_may_carry_extra_columns() -> None:
    obj = session_to_dict(trained(LECTURE, 2))
    obj["history"]["columns"].append("y1")
    for row in obj["history"]["rows"]:
        row.append(0.5)
    history = parse_session(obj).history
    assert history is not None
    assert history.columns == ["step", "W1", "W2", "b", "error"]
    assert len(history) == 3


# -- save / load --------------------------------------------------------------------------
def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    obj = copy.deepcopy(MAZUR)
    obj["parameters"]["weights"][0][0] = [0.1 + 0.2, 5e-324]  # awkward floats
    obj["data"]["inputs"] = [[1 / 3, -2e-300]]
    trainer = trained(obj, 25)
    path = tmp_path / "s.json"
    save_session(trainer, path, title="Mazur ✓")
    loaded = load_session(path)
    assert loaded.title == "Mazur ✓"
    again = loaded.to_trainer()
    assert_same_trainer_state(trainer, again)
    # ... and both carry on identically.
    trainer.run(10)
    again.run(10)
    assert_same_trainer_state(trainer, again)
    # The file is plain JSON, one history row per line.
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["history"]["rows"][25][0] == 25
    assert len(text.splitlines()) > 26


def test_save_without_history_and_after_step_back(tmp_path: Path) -> None:
    trainer = trained(LECTURE, 5)
    save_session(trainer, tmp_path / "a.json", include_history=False)
    loaded = load_session(tmp_path / "a.json")
    assert loaded.history is None
    assert loaded.network.get_flat().tobytes() == trainer.network.get_flat().tobytes()

    trainer.seek(2)  # looking back in time: the session is the state shown
    obj = session_to_dict(trainer)
    assert len(obj["history"]["rows"]) == 3
    assert obj["parameters"]["weights"] == [trainer.network.weights[0].tolist()]
    assert parse_session(json.loads(json.dumps(obj))).history is not None


def test_a_session_too_large_for_json_is_refused_before_writing_and_fits_a_bplab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = trained(LECTURE, 40)
    path = tmp_path / "s.json"
    save_session(trainer, path)
    before = path.read_bytes()
    monkeypatch.setattr("model.session.limits.MAX_FILE_BYTES", 2000)
    with pytest.raises(SessionTooLargeError, match=r"its 40 steps of history would make"):
        save_session(trainer, path)
    assert path.read_bytes() == before  # nothing written: the old file is whole
    assert sorted(os.listdir(tmp_path)) == ["s.json"]
    save_session(trainer, tmp_path / "s.bplab")  # ... a .bplab holds it, whole
    again = load_session(tmp_path / "s.bplab").to_trainer()
    assert_same_trainer_state(trainer, again)


def test_save_is_atomic(tmp_path: Path) -> None:
    trainer = trained(LECTURE, 1)
    with pytest.raises(FileNotFoundError):
        save_session(trainer, tmp_path / "missing" / "s.json")
    existing = tmp_path / "s.json"
    existing.write_text("old", encoding="utf-8")
    trainer.network.weights[0][0, 0] = math.nan  # cannot be written as JSON
    with pytest.raises(ValueError, match="not JSON compliant"):
        save_session(trainer, existing, include_history=False)
    assert existing.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["s.json"]


# -- hostile files ------------------------------------------------------------------------
def file_error(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "f.json"
    path.write_bytes(content)
    with pytest.raises(SessionError) as info:
        load_session(path)
    text = str(info.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file: the file is empty"),
        (b"  \n", "file: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "file: not UTF-8 text (byte 0x89 at offset 0)"),
        (
            b'{"format": "backprop-lab/session", "x": "\xe9"}',
            "file: not UTF-8 text (byte 0xe9 at offset 41)",
        ),
        (b"[" * 100_000, "file: lists and objects nested 100000 deep"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "file: lists and objects nested"),
        (b"[1, 2]", "file: expected a JSON object {...} at the top level, got [1, 2]"),
        (b'{"format": \n  nope}', "file: not valid JSON (line 2, column 3: Expecting value)"),
        (b"1" * 5000, "file: not valid JSON (Exceeds the limit"),
        (
            json.dumps(LECTURE).replace("0.03", "NaN").encode(),
            "data.targets[0][0]: expected a finite number, got NaN",
        ),
        (
            json.dumps(LECTURE).replace("0.03", "-Infinity").encode(),
            "data.targets[0][0]: expected a finite number, got -Infinity",
        ),
        (
            json.dumps(LECTURE).replace("0.03", "1e400").encode(),
            "data.targets[0][0]: expected a finite number, got Infinity",
        ),
    ],
)
def test_hostile_files(tmp_path: Path, content: bytes, message: str) -> None:
    assert file_error(tmp_path, content).startswith(message)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    obj = lecture(title="[" * 500 + '\\"{' * 100)
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    assert load_session(path).title.startswith("[[[")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100 + b'"' + b'\\"' * 1_000_000, "file: lists and objects nested 100 deep"),
        (
            b"[" * 100 + b'"' + b'\\"' * 1_000_000 + b"\\",
            "file: lists and objects nested 100 deep",
        ),
        (b'"\\"[' * 1_000_000, "file: not valid JSON (line 1, column 6: Extra data)"),
        (b'"["' * 1_000_000, "file: not valid JSON (line 1, column 4: Extra data)"),
    ],
)
def test_nesting_check_sees_through_hostile_strings(
    tmp_path: Path, content: bytes, message: str
) -> None:
    # Only the brackets outside strings count; how long this takes (linear in the size)
    # is measured by benchmarks/bench_session.py.
    assert file_error(tmp_path, content).startswith(message)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(LECTURE).encode())
    assert isinstance(load_session(path), Session)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: no 20 MB written
        handle.truncate(MAX_FILE_BYTES + 1)
    # "20.0 MB" comes from the file's size: it is refused before being read (what reading
    # it would cost is measured by benchmarks/bench_session.py).
    with pytest.raises(SessionError, match=r"^file: 20\.0 MB, larger than a session"):
        load_session(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match=r"^file: cannot read it \(No such file"):
        load_session(tmp_path / "nope.json")
    with pytest.raises(SessionError, match=r"^file: a folder"):
        load_session(tmp_path)


# -- properties ---------------------------------------------------------------------------
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.integers()
    | st.floats()
    | st.sampled_from([10**400, -(10**400), 1e308, 2**63])
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "sigmoid",
            "step",
            "delta",
            "backprop",
            "batch",
            "uniform",
            "cross_entropy",
            "backprop-lab/session",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += _paths(value, (*prefix, i))
    return found


def _with_history() -> dict[str, Any]:
    return session_to_dict(trained(MAZUR, 3), title="t")


BASES = [
    LECTURE,
    MAZUR,
    _with_history(),
    lecture(parameters=None, init={"method": "uniform", "low": -1, "high": 1, "seed": 2}),
]


@st.composite
def mutated_sessions(draw: st.DrawFn) -> object:
    obj = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(obj)))
        if not path:
            obj = draw(json_values) if draw(st.integers(0, 9)) == 0 else obj
            continue
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "number"]))
        key = path[-1]
        if action == "delete":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif action == "number":
            parent[key] = draw(st.sampled_from([0, -1, 1.5, 1e300, math.nan, math.inf, True]))
        else:
            parent[key] = draw(json_values)
    return obj


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sessions())
def test_mutations_raise_only_session_error(obj: object) -> None:
    try:
        session = parse_session(obj)
    except SessionError as error:
        text, field = str(error), error.field
    else:
        trainer = session.to_trainer()  # a valid session always makes a trainer
        with contextlib.suppress(DivergenceError):
            trainer.run(2)
        json.dumps(session_to_dict(trainer), allow_nan=False)
        return
    assert "\n" not in text
    assert text.startswith(f"{field}: ")


small = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=True)


@st.composite
def valid_sessions(draw: st.DrawFn) -> dict[str, Any]:
    layers = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    depth = len(layers) - 1
    rule = "delta" if depth == 1 and draw(st.booleans()) else "backprop"
    usable = [a for a in ACTIVATION_NAMES if rule == "delta" or a != "step"]
    activations = [draw(st.sampled_from(usable)) for _ in range(depth)]
    loss = (
        "cross_entropy" if activations[-1] == "sigmoid" and draw(st.booleans()) else "squared_error"
    )
    n_samples = draw(st.integers(1, 4))
    unit = st.floats(0.0, 1.0)
    obj: dict[str, Any] = {
        "format": "backprop-lab/session",
        "version": 1,
        "title": draw(st.text(max_size=20)),
        "network": {"layers": layers, "activations": activations},
        "parameters": {
            "weights": [
                [[draw(small) for _ in range(layers[k])] for _ in range(layers[k + 1])]
                for k in range(depth)
            ],
            "biases": [[draw(small) for _ in range(layers[k + 1])] for k in range(depth)],
        },
        "data": {
            "inputs": [[draw(small) for _ in range(layers[0])] for _ in range(n_samples)],
            "targets": [[draw(unit) for _ in range(layers[-1])] for _ in range(n_samples)],
        },
        "training": {
            "rule": rule,
            "loss": loss,
            "learning_rate": draw(st.floats(1e-6, 10.0)),
            "mode": draw(st.sampled_from(["online", "batch"])),
            "update_biases": draw(st.booleans()),
        },
    }
    return obj


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_sessions(), st.integers(0, 4))
def test_valid_sessions_round_trip_exactly(obj: dict[str, Any], steps: int) -> None:
    session = parse_session(obj)
    assert session.title == obj["title"]
    trainer = session.to_trainer()
    assert trainer.network.get_flat().tolist() == [
        x
        for W, b in zip(obj["parameters"]["weights"], obj["parameters"]["biases"], strict=True)
        for x in [*(v for row in W for v in row), *b]
    ]
    with contextlib.suppress(DivergenceError):
        trainer.run(steps)
    first = session_to_dict(trainer, title=session.title)
    text = json.dumps(first, allow_nan=False)
    reloaded = parse_session(json.loads(text))
    again = reloaded.to_trainer()
    assert_same_trainer_state(trainer, again)
    assert reloaded.title == session.title
    assert json.dumps(session_to_dict(again, title=reloaded.title), allow_nan=False) == text


def test_settings_changed_during_the_history_survive_save_and_open(tmp_path) -> None:
    trainer = parse_session(LECTURE).to_trainer()
    trainer.run(2)
    trainer.set_config(learning_rate=0.5, rule="backprop")
    trainer.run(2)
    trainer.set_config(learning_rate=0.25)
    path = tmp_path / "s.json"
    save_session(trainer, path)
    saved = json.loads(path.read_text())
    assert [entry["from_step"] for entry in saved["training_log"]] == [0, 2]
    reopened = load_session(path).to_trainer()
    assert reopened.config.learning_rate == 0.25
    for step in range(1, 5):
        assert reopened.config_for_step(step) == trainer.config_for_step(step)


def test_a_session_without_a_training_log_uses_its_training_block(tmp_path) -> None:
    trainer = parse_session(LECTURE).to_trainer()
    trainer.run(3)
    saved = session_to_dict(trainer)
    assert "training_log" not in saved
    assert parse_session(saved).to_trainer().config_for_step(3).learning_rate == 0.01


@pytest.mark.parametrize(
    ("log", "field"),
    [
        ("nope", "training_log"),
        ([{"from_step": 1, "rule": "delta", "learning_rate": 0.1}], "training_log[0].from_step"),
        ([{"from_step": 0, "rule": "delta", "learning_rate": -1}], "training_log[0].learning_rate"),
        ([{"from_step": 0, "rule": "magic", "learning_rate": 0.1}], "training_log[0].rule"),
        (
            [
                {"from_step": 0, "rule": "delta", "learning_rate": 0.1},
                {"from_step": 0, "rule": "delta", "learning_rate": 0.2},
            ],
            "training_log[1].from_step",
        ),
    ],
)
def test_a_bad_training_log_names_its_field(log, field) -> None:
    trainer = parse_session(LECTURE).to_trainer()
    trainer.run(3)
    obj = session_to_dict(trainer)
    obj["training_log"] = log
    with pytest.raises(SessionError) as caught:
        parse_session(obj)
    assert caught.value.field == field
