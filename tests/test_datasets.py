"""Built-in datasets and CSV import: shapes and determinism, every refusal with its
one-line message, exact reading of good files, and random bytes that never crash it."""

from __future__ import annotations

import math
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import datasets
from model.datasets import (
    DATASETS,
    MAX_IMPORT_BYTES,
    DataImportError,
    make_dataset,
    read_samples_csv,
)

RANDOM_SETS = ("blobs", "circle", "spiral")


# -- built-in datasets ----------------------------------------------------------------------
def test_dataset_names() -> None:
    assert list(DATASETS) == ["lecture", "and", "or", "xor", "blobs", "circle", "spiral"]
    assert all(isinstance(title, str) and title for title in DATASETS.values())


def test_lecture_and_logic_sets() -> None:
    lecture = make_dataset("lecture")
    assert lecture.inputs.tolist() == [[0.1, 0.3]] and lecture.targets.tolist() == [[0.03]]
    corners = [[0, 0], [0, 1], [1, 0], [1, 1]]
    for name, truth in [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0])]:
        data = make_dataset(name, n_samples=7, seed=3)  # both ignored
        assert data.inputs.tolist() == corners
        assert data.targets.ravel().tolist() == truth


@pytest.mark.parametrize("name", RANDOM_SETS)
def test_random_sets_shapes_targets_and_determinism(name: str) -> None:
    data = make_dataset(name, n_samples=101, seed=4)
    assert data.inputs.shape == (101, 2) and data.targets.shape == (101, 1)
    assert set(np.unique(data.targets)) <= {0.0, 1.0}
    again = make_dataset(name, n_samples=101, seed=4)
    assert data.inputs.tobytes() == again.inputs.tobytes()
    assert data.targets.tobytes() == again.targets.tobytes()
    other = make_dataset(name, n_samples=101, seed=5)
    assert not np.array_equal(data.inputs, other.inputs)


@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_two_class_sets_are_balanced_and_mixed(name: str) -> None:
    targets = make_dataset(name, n_samples=100).targets.ravel()
    assert targets.sum() == 50
    assert 0 < targets[:10].sum() < 10  # shuffled: online training sees both early


def test_circle_labels_without_noise() -> None:
    data = make_dataset("circle", n_samples=500, seed=1, noise=0.0)
    radius = np.hypot(data.inputs[:, 0], data.inputs[:, 1])
    np.testing.assert_array_equal(data.targets.ravel(), radius < math.sqrt(2 / math.pi))
    assert np.abs(data.inputs).max() <= 1.0
    assert 0.4 < data.targets.mean() < 0.6


def test_blobs_without_noise_sit_around_their_centres() -> None:
    data = make_dataset("blobs", n_samples=2000, seed=2, noise=0.0)
    ones = data.targets.ravel() == 1
    np.testing.assert_allclose(data.inputs[ones].mean(axis=0), [1, 1], atol=0.05)
    np.testing.assert_allclose(data.inputs[~ones].mean(axis=0), [-1, -1], atol=0.05)


def test_spiral_arms_are_half_a_turn_apart() -> None:
    data = make_dataset("spiral", n_samples=40, noise=0.0)
    arms = [data.inputs[data.targets.ravel() == k] for k in (0, 1)]
    # Turning an arm by π maps (x, y) to (−x, −y): the other arm's points.
    a, b = (arm[np.argsort(np.hypot(*arm.T))] for arm in arms)
    np.testing.assert_allclose(a, -b, atol=1e-12)
    assert np.hypot(*a.T).max() == pytest.approx(1.0)


def test_make_dataset_refusals() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown dataset 'moons' \(known: lecture, and, "
        r"or, xor, blobs, circle, spiral\)",
    ):
        make_dataset("moons")
    with pytest.raises(ValueError, match="n_samples"):
        make_dataset("blobs", n_samples=1)
    with pytest.raises(ValueError, match="noise"):
        make_dataset("circle", noise=-0.1)
    with pytest.raises(ValueError, match="noise"):
        make_dataset("circle", noise=math.nan)


# -- CSV import: good files ------------------------------------------------------------------
def write(tmp_path: Path, content: str | bytes, name: str = "samples.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_bom_semicolons_decimal_commas_header_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffX1;X2;d\r\n0,1;0,3;0,03\r\n\r\n-1,5e-3;2;1\r\n")
    data = read_samples_csv(path, n_inputs=2)
    assert data.inputs.tolist() == [[0.1, 0.3], [-0.0015, 2.0]]
    assert data.targets.tolist() == [[0.03], [1.0]]


@pytest.mark.parametrize(
    ("text", "inputs", "targets"),
    [
        ("1,2,3\n4,5,6\n", [[1, 2], [4, 5]], [[3], [6]]),  # no header
        ("a\tb\tc\n0,5\t1\t0\n", [[0.5, 1]], [[0]]),  # tab, decimal comma
        ('"x1","x2","y"\n"0.5",1,2\n', [[0.5, 1]], [[2]]),  # quoted (R)
        ("1,2,3,\n4,5,6,\n", [[1, 2], [4, 5]], [[3], [6]]),  # trailing separator
        ("1,2,3\r4,5,6", [[1, 2], [4, 5]], [[3], [6]]),  # old Mac lines
        ("  1 , 2 ,3\n", [[1, 2]], [[3]]),  # spaces
        ("x y d\n.5,+2.,1E2\n", [[0.5, 2]], [[100]]),  # one-name header
    ],
)
def test_other_good_files(
    tmp_path: Path, text: str, inputs: list[list[float]], targets: list[list[float]]
) -> None:
    data = read_samples_csv(write(tmp_path, text))
    assert data.inputs.tolist() == inputs and data.targets.tolist() == targets


def test_two_targets(tmp_path: Path) -> None:
    data = read_samples_csv(write(tmp_path, "1,2,3,4\n"), n_targets=2)
    assert data.inputs.tolist() == [[1, 2]] and data.targets.tolist() == [[3, 4]]
    data = read_samples_csv(write(tmp_path, "1,2,3,4\n"), n_inputs=2, n_targets=2)
    assert data.targets.tolist() == [[3, 4]]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_written_numbers_read_back_exactly(
    tmp_path: Path, rows: list[list[float]], separator: str, header: bool, bom: bool, newline: str
) -> None:
    # One tmp_path for all examples: each example writes the file anew.
    lines = [separator.join(["x1", "x2", "d"])] if header else []
    lines += [separator.join(repr(v) for v in row) for row in rows]
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    data = read_samples_csv(write(tmp_path, text), n_inputs=2)
    table = np.hstack([data.inputs, data.targets])
    assert table.tobytes() == np.array(rows, dtype=np.float64).tobytes()


# -- CSV import: every refusal, with its message ---------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("x,y,d\n1,2,3\n4,5,6\n\n\n\n7,8\n", "line 7: 2 values, expected 3"),
        ("1,2,3,4\n5,6,7\n", "line 2: 3 values, expected 4"),
        ("1,2,3\n4,abc,5\n", "line 2, column 2: 'abc' is not a number"),
        (
            "1,2,3\n4,nan,5\n",
            "line 2, column 2: 'nan' is not a finite number (NaN and infinity "
            "cannot be trained on)",
        ),
        (
            "1,2,-inf\n",
            "line 1, column 3: '-inf' is not a finite number (NaN and infinity "
            "cannot be trained on)",
        ),
        ("1,2,1e999\n", "line 1, column 3: '1e999' is too large a number (beyond ±1.8e308)"),
        ("1,,3\n", "line 1, column 2: the cell is empty, expected a number"),
        (
            '1,"0,5",3\n',
            "line 1, column 2: '0,5' is not a number: with `,` between values the "
            "decimal point must be `.`",
        ),
        ("1;1.000,5;3\n", "line 1, column 2: '1.000,5' is not a number"),
        ("1,2x,3\n", "line 1, column 2: '2x' is not a number"),
        ("", "the file is empty: it needs one row per sample"),
        ("\n \r\n\t\n", "the file is empty: it needs one row per sample"),
        ("x1,x2,d\n\n", "the file has only a header row: it needs one row per sample below it"),
        ("1\n2\n", "each row needs at least 2 values (the inputs, then 1 output); this file has 1"),
        (
            b"\xff\xfex\x00",
            "the file is UTF-16 text: save it as CSV in UTF-8 (in a spreadsheet: CSV UTF-8)",
        ),
        (
            b"1,2,3\n\x00\x01\x02",
            "this is not a text file (it contains binary data): choose a CSV file",
        ),
        (
            b"x,y\r\nT\xe9mp,1\n",
            "line 2: not UTF-8 text (byte 0xe9): save the file as CSV in UTF-8",
        ),
        (
            "1" * 200_000,
            "line 1: cannot be read as CSV (field larger than field limit (131072)): "
            "this does not look like a table of numbers",
        ),
    ],
)
def test_refusals(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(DataImportError) as info:
        read_samples_csv(write(tmp_path, content))
    assert str(info.value) == message
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("n_inputs", "n_targets", "content", "message"),
    [
        (
            2,
            1,
            "1,2,3,4\n",
            "the network has 2 inputs and 1 output, so each row needs 3 values; this file has 4",
        ),
        (
            1,
            2,
            "a,b\n1,2\n",
            "the network has 1 input and 2 outputs, so each row needs 3 values; this file has 2",
        ),
    ],
)
def test_column_count_against_the_network(
    tmp_path: Path, n_inputs: int, n_targets: int, content: str, message: str
) -> None:
    with pytest.raises(DataImportError) as info:
        read_samples_csv(write(tmp_path, content), n_inputs=n_inputs, n_targets=n_targets)
    assert str(info.value) == message


def test_missing_file_folder_and_device(tmp_path: Path) -> None:
    cases = [
        (tmp_path / "nope.csv", "the file does not exist (was it moved or renamed?)"),
        (tmp_path, "this is a folder, not a CSV file: choose a file inside it"),
    ]
    if os.path.exists("/dev/null"):
        cases.append(
            (
                Path("/dev/null"),
                "this is not a regular file (a device or a pipe): choose a CSV file",
            )
        )
    for path, message in cases:
        with pytest.raises(DataImportError) as info:
            read_samples_csv(path)
        assert str(info.value) == message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,3\n")
    path.chmod(0)
    with pytest.raises(DataImportError, match=r"^cannot read the file \(Permission denied\)$"):
        read_samples_csv(path)


def test_too_large_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: takes no disk space

    def no_open(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(datasets, "open", no_open, raising=False)
    # How fast the refusal is: benchmarks/bench_datasets.py measures it.
    tracemalloc.start()
    with pytest.raises(DataImportError) as info:
        read_samples_csv(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(info.value) == (
        "the file is 20.0 MB, larger than a samples file can be (20 MB): use fewer samples"
    )
    assert peak < 1024 * 1024


def test_a_file_at_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "MAX_IMPORT_BYTES", 12)
    assert read_samples_csv(write(tmp_path, "1,2,3\n4,5,6\n")).inputs.shape == (2, 2)
    with pytest.raises(DataImportError, match="larger than a samples file can be"):
        read_samples_csv(write(tmp_path, "1,2,3\n4,5,6\n\n"))


def test_bad_arguments_are_programming_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one input and one target") as info:
        read_samples_csv(write(tmp_path, "1,2\n"), n_targets=0)
    assert not isinstance(info.value, DataImportError)


# -- CSV import: anything at all -------------------------------------------------------------
CSVISH = st.text(alphabet="0123456789.,;\t\n\r -+eE\"'xnaif\ufeff\x00é", max_size=200)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(st.binary(max_size=300), CSVISH.map(lambda s: s.encode("utf-8"))),
    st.sampled_from([None, 1, 2]),
    st.integers(1, 2),
)
def test_any_bytes_give_a_dataset_or_one_line_import_error(
    tmp_path: Path, raw: bytes, n_inputs: int | None, n_targets: int
) -> None:
    path = write(tmp_path, raw, "any.csv")  # one tmp_path, the file written anew each example
    try:
        data = read_samples_csv(path, n_inputs=n_inputs, n_targets=n_targets)
    except DataImportError as error:
        text = str(error)
        assert text and "\n" not in text and "\r" not in text
        return
    assert data.targets.shape[1] == n_targets
    assert n_inputs is None or data.inputs.shape[1] == n_inputs
    assert np.isfinite(data.inputs).all() and np.isfinite(data.targets).all()
