"""The parameter history (docs/file-formats.md, "History"): storage, growth and its
memory bound, the CSV and JSON exports with exact float64 round trips, and atomic writes
that never leave a partial or damaged file."""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model import files as files_module
from model.files import NotARegularFileError, Progress, SameFileError, WriteCancelledError
from model.history import (
    MIN_CAPACITY,
    History,
    block_rows,
    csv_chunks,
    export_table,
    json_chunks,
    read_csv,
    write_bytes_atomically,
)
from model.network import Network, initial_weights
from model.state import Trainer
from model.training import Dataset, TrainingConfig


def lecture_history(steps: int = 3) -> History:
    net = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    trainer = Trainer(net, Dataset([[0.1, 0.3]], [[0.03]]), TrainingConfig())
    trainer.run(steps)
    return trainer.history


def filled(n_rows: int, n_parameters: int = 2) -> History:
    """Row k: parameters i + 10 k, error k / 7."""
    h = History([f"p{i}" for i in range(n_parameters)])
    k = np.arange(n_rows, dtype=np.float64)[:, None]
    h.extend(np.hstack([np.arange(n_parameters) + 10.0 * k, k / 7]))
    return h


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- storage --------------------------------------------------------------------------------------
def test_append_row_error_at_and_views() -> None:
    h = History(["W1", "W2", "b"])
    assert len(h) == 0
    assert h.columns == ["step", "W1", "W2", "b", "error"]
    h.append(np.array([0.5, 0.2, 1.83]), 0.356)
    h.append(np.array([0.4, 0.1, 1.8]), 0.35)
    assert len(h) == 2
    np.testing.assert_array_equal(h.row(1), [0.4, 0.1, 1.8])
    assert h.error_at(0) == 0.356
    np.testing.assert_array_equal(h.errors, [0.356, 0.35])
    np.testing.assert_array_equal(h.parameters, [[0.5, 0.4], [0.2, 0.1], [1.83, 1.8]])
    np.testing.assert_array_equal(h.parameters[2], [1.83, 1.8])
    np.testing.assert_array_equal(h.table(), [[0, 0.5, 0.2, 1.83, 0.356], [1, 0.4, 0.1, 1.8, 0.35]])
    row = h.row(0)
    row[0] = 99.0  # row() is a copy
    assert h.row(0)[0] == 0.5
    for bad in (-1, 2):
        with pytest.raises(IndexError, match="not in the history"):
            h.row(bad)
        with pytest.raises(IndexError, match="not in the history"):
            h.error_at(bad)


def test_extend_truncate_clear() -> None:
    h = filled(3)
    h.extend(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert len(h) == 5
    np.testing.assert_array_equal(h.row(4), [4.0, 5.0])
    assert h.error_at(4) == 6.0
    h.extend(np.empty((0, 3)))
    assert len(h) == 5
    with pytest.raises(ValueError, match="expected rows of 3 values"):
        h.extend(np.zeros((2, 4)))
    h.truncate(2)
    assert len(h) == 2
    with pytest.raises(IndexError):
        h.row(2)
    h.append(np.array([7.0, 8.0]), 9.0)
    np.testing.assert_array_equal(h.table()[-1], [2, 7.0, 8.0, 9.0])
    with pytest.raises(ValueError, match="cannot truncate"):
        h.truncate(4)
    with pytest.raises(ValueError, match="cannot truncate"):
        h.truncate(-1)
    h.clear()
    assert len(h) == 0
    assert h.table().shape == (0, 4)


def test_set_row_rows_after_copy_prefix_from_table() -> None:
    h = filled(6)
    h.set_row(2, np.array([-1.0, -2.0]), -3.0)
    np.testing.assert_array_equal(h.table()[2], [2, -1.0, -2.0, -3.0])
    with pytest.raises(IndexError):
        h.set_row(6, np.zeros(2), 0.0)
    after = h.rows_after(3)
    np.testing.assert_array_equal(after.rows, h.table()[4:, 1:])
    prefix = h.copy_prefix(4)
    assert len(prefix) == 4
    prefix.extend(after)
    np.testing.assert_array_equal(prefix.table(), h.table())
    prefix.set_row(0, np.zeros(2), 0.0)
    assert h.row(0)[1] == 1.0  # a copy, not a view
    again = History.from_table(h.columns, h.table().tolist())
    assert again.parameter_names == h.parameter_names
    np.testing.assert_array_equal(again.table(), h.table())
    assert len(History.from_table(h.columns, [])) == 0


def test_growth_keeps_every_row() -> None:
    h = History(["a", "b", "c"], capacity=1)
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(5000, 4))
    capacities = set()
    for k, row in enumerate(expected):
        if k % 3 == 0:
            h.extend(expected[k : k + 1])
        else:
            h.append(row[:3], float(row[3]))
        capacities.add(h.capacity)
    assert len(capacities) > 5  # it did grow, many times
    np.testing.assert_array_equal(h.table()[:, 1:], expected)
    np.testing.assert_array_equal(h.table()[:, 0], np.arange(5000))


@pytest.mark.parametrize("n_parameters", [3, 9])
def test_memory_stays_within_a_quarter_of_the_raw_size(n_parameters: int) -> None:
    """≤ 1.25× the raw float64 of the rows once past 10 000 rows, after every single
    append on the way to 300 000 (and with bulk extends of odd sizes too)."""
    h = History([f"p{i}" for i in range(n_parameters)])
    row = np.zeros(n_parameters)
    worst = 0.0
    n_final = 300_000 if n_parameters == 3 else 60_000
    for k in range(n_final):
        h.append(row, 0.0)
        if k >= 9_999:
            worst = max(worst, h.nbytes / h.raw_nbytes)
    assert len(h) == n_final
    assert worst <= 1.25, worst
    assert h.raw_nbytes == n_final * (n_parameters + 1) * 8

    bulk = History([f"p{i}" for i in range(n_parameters)])
    sizes = np.random.default_rng(1).integers(1, 5000, size=200)
    for size in sizes:
        bulk.extend(np.zeros((int(size), n_parameters + 1)))
        if len(bulk) >= 10_000:
            assert bulk.nbytes <= 1.25 * bulk.raw_nbytes, (len(bulk), bulk.capacity)
    assert len(bulk) == int(sizes.sum())


def test_small_histories_hold_one_block() -> None:
    h = filled(10)
    assert h.capacity == MIN_CAPACITY
    assert h.nbytes == MIN_CAPACITY * 3 * 8


# -- CSV ------------------------------------------------------------------------------------------
def test_lecture_csv(tmp_path: Path) -> None:
    h = lecture_history(2)
    path = tmp_path / "lecture.csv"
    h.to_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "step,W1,W2,b,error"
    assert len(lines) == 4
    step, W1, W2, b, error = lines[2].split(",")
    assert step == "1"
    assert f"{float(b):.9f}" == "1.821556479"
    assert f"{float(W1):.9f}" == "0.499155648"
    assert f"{float(W2):.9f}" == "0.197466944"
    assert f"{float(error):.9f}" == "0.355601244"
    assert lines[1] == "0,0.5,0.2,1.83,0.3564652711035652"
    header, values = read_csv(path)
    assert header == h.columns
    np.testing.assert_array_equal(values, h.table())


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (
            [2, 2, 1],
            [
                "step",
                "L1.W1_1",
                "L1.W1_2",
                "L1.W2_1",
                "L1.W2_2",
                "L1.b1",
                "L1.b2",
                "L2.W1_1",
                "L2.W1_2",
                "L2.b1",
                "error",
            ],
        ),
        ([1, 2], ["step", "L1.W1_1", "L1.W2_1", "L1.b1", "L1.b2", "error"]),
        ([3, 1], ["step", "W1", "W2", "W3", "b", "error"]),
    ],
)
def test_csv_header_uses_the_parameter_names(
    tmp_path: Path, layers: list[int], expected: list[str]
) -> None:
    weights, biases = initial_weights(layers, seed=2)
    net = Network(layers, ["sigmoid"] * (len(layers) - 1), weights, biases)
    trainer = Trainer(
        net,
        Dataset(np.ones((2, layers[0])), np.zeros((2, layers[-1]))),
        TrainingConfig(rule="backprop", learning_rate=0.3),
    )
    trainer.run(3)
    path = tmp_path / "h.csv"
    trainer.history.export(path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(expected)
    header, values = read_csv(path)
    assert header == expected
    # each named column holds that parameter
    np.testing.assert_array_equal(values[-1, 1:-1], trainer.network.get_flat())
    assert values[-1, -1] == trainer.current_error()


def exact(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical float64 arrays (so 0.0 ≠ −0.0)."""
    return a.shape == b.shape and a.tobytes() == b.tobytes()


finite_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            -1.7976931348623157e308,
            0.1,
            1 / 3,
            1e-300,
            1e300,
            0.30000000000000004,
        ]
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(2, 5)), elements=finite_floats))
def test_csv_and_json_round_trip_exactly(tmp_path: Path, rows: np.ndarray) -> None:
    h = History([f"L1.W1_{i}" for i in range(1, rows.shape[1])])
    h.extend(rows)
    csv_path, json_path = tmp_path / "h.csv", tmp_path / "h.json"
    h.export(csv_path)
    h.export(json_path)
    header, values = read_csv(csv_path)
    assert header == h.columns
    assert exact(values[:, 1:], rows)
    np.testing.assert_array_equal(values[:, 0], np.arange(rows.shape[0]))
    obj = json.loads(json_path.read_text(encoding="utf-8"))
    assert obj["columns"] == h.columns
    assert [r[0] for r in obj["rows"]] == list(range(rows.shape[0]))
    assert all(isinstance(r[0], int) for r in obj["rows"])
    again = History.from_table(obj["columns"], obj["rows"])
    assert exact(again.table()[:, 1:], rows)


def test_export_picks_json_by_extension(tmp_path: Path) -> None:
    h = lecture_history(1)
    for name in ("a.json", "b.JSON"):
        h.export(tmp_path / name)
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == h.to_json_dict()
    h.export(tmp_path / "c.txt")
    assert (tmp_path / "c.txt").read_text(encoding="utf-8").startswith("step,W1,W2,b,error\n")


def test_csv_of_an_empty_history_reads_back(tmp_path: Path) -> None:
    h = History(["W1", "b"])
    h.to_csv(tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8") == "step,W1,b,error\n"
    header, values = read_csv(tmp_path / "empty.csv")
    assert header == ["step", "W1", "b", "error"]
    assert values.shape == (0, 4)


def test_csv_keeps_an_infinite_error(tmp_path: Path) -> None:
    # a start state whose cross-entropy is infinite (a saturated wrong output) is a state
    h = History(["W1", "b"])
    h.append(np.array([1000.0, 0.0]), math.inf)
    h.to_csv(tmp_path / "inf.csv")
    _, values = read_csv(tmp_path / "inf.csv")
    assert values[0, -1] == math.inf


def test_csv_spans_several_blocks(tmp_path: Path) -> None:
    h = filled(150_000, 1)
    h.to_csv(tmp_path / "big.csv")
    _, values = read_csv(tmp_path / "big.csv")
    assert values.shape == (150_000, 3)
    assert exact(values, h.table())


# -- atomic writes --------------------------------------------------------------------------------
def test_export_into_a_missing_folder_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "history.csv"
    with pytest.raises(OSError) as info:  # noqa: PT011 (any OSError is the contract)
        lecture_history().export(target)
    assert isinstance(info.value, FileNotFoundError)
    assert listing(tmp_path) == []


def test_export_onto_a_folder_raises(tmp_path: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        lecture_history().export(folder)
    with pytest.raises(IsADirectoryError):
        lecture_history().to_json(tmp_path)
    assert listing(tmp_path) == ["out.csv"]
    assert listing(folder) == []


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    path.write_text("old contents\n", encoding="utf-8")
    path.chmod(0o640)
    return path


def test_failing_rename_keeps_the_old_file(old_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise PermissionError(13, "simulated: rename refused")

    monkeypatch.setattr(files_module.os, "replace", refuse)
    with pytest.raises(PermissionError, match="simulated"):
        lecture_history().export(old_file)
    assert old_file.read_text(encoding="utf-8") == "old contents\n"
    assert listing(old_file.parent) == ["history.csv"]


@pytest.mark.parametrize(
    "exception", [OSError(28, "simulated: no space left"), KeyboardInterrupt()]
)
def test_failing_midway_keeps_the_old_file(
    old_file: Path, monkeypatch: pytest.MonkeyPatch, exception: BaseException
) -> None:
    h = filled(70_000, 1)  # two blocks of rows
    real_chunks = History._csv_chunks

    def chunks_then_fail(self: History) -> Iterator[str]:
        chunks = real_chunks(self)
        yield next(chunks)
        yield next(chunks)  # part of the file is on disk ...
        raise exception  # ... then the disk fills up

    monkeypatch.setattr(History, "_csv_chunks", chunks_then_fail)
    with pytest.raises(type(exception)):
        h.to_csv(old_file)
    assert old_file.read_text(encoding="utf-8") == "old contents\n"
    assert listing(old_file.parent) == ["history.csv"]


def test_json_that_cannot_be_written_keeps_the_old_file(old_file: Path) -> None:
    h = History(["W1", "b"])
    h.append(np.array([1.0, 0.0]), math.nan)  # JSON has no NaN: the export must refuse
    with pytest.raises((ValueError, OSError)):
        h.to_json(old_file)
    assert old_file.read_text(encoding="utf-8") == "old contents\n"
    assert listing(old_file.parent) == ["history.csv"]


def test_a_successful_export_replaces_and_keeps_the_mode(old_file: Path) -> None:
    lecture_history().export(old_file)
    assert old_file.read_text(encoding="utf-8").startswith("step,W1,W2,b,error\n")
    assert stat.S_IMODE(old_file.stat().st_mode) == 0o640
    assert listing(old_file.parent) == ["history.csv"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    """Not mkstemp's private 0600: what open() would have made, 0666 minus the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    lecture_history().export(tmp_path / "new.csv")
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o666 & ~umask


def test_temporary_file_creation_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only folder does, simulated (so it also runs as root)."""

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "simulated: permission denied")

    monkeypatch.setattr(files_module.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError):
        lecture_history().export(tmp_path / "h.csv")
    assert listing(tmp_path) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions"
)
def test_read_only_folder(old_file: Path) -> None:
    folder = old_file.parent
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            lecture_history().export(old_file)
        with pytest.raises(PermissionError):
            lecture_history().export(folder / "new.json")
    finally:
        folder.chmod(0o755)
    assert old_file.read_text(encoding="utf-8") == "old contents\n"
    assert listing(folder) == ["history.csv"]


def test_write_bytes_atomically(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 10
    write_bytes_atomically(tmp_path / "plot.png", payload)
    assert (tmp_path / "plot.png").read_bytes() == payload
    with pytest.raises(FileNotFoundError):
        write_bytes_atomically(tmp_path / "no" / "plot.png", payload)
    assert listing(tmp_path) == ["plot.png"]


# -- the export of a long history: streamed, with progress, cancellable, never over the session
def test_the_json_export_is_exactly_what_json_dumps_writes(tmp_path: Path) -> None:
    h = filled(70_000, 2)  # two blocks of rows
    h.set_row(5, np.array([-0.0, 1e16]), 5e-324)
    h.to_json(tmp_path / "h.json")
    assert (tmp_path / "h.json").read_text(encoding="utf-8") == json.dumps(h.to_json_dict())
    empty = History(["W1"])
    assert "".join(json_chunks(empty.columns, empty.rows_view(0))) == json.dumps(
        empty.to_json_dict()
    )


def test_an_export_counts_its_rows_and_can_be_cancelled(tmp_path: Path) -> None:
    h = filled(150_000, 1)
    progress = Progress()
    export_table(tmp_path / "h.csv", h.columns, h.rows_view(len(h)), progress)
    assert (progress.done, progress.total, progress.fraction) == (150_000, 150_000, 1.0)
    old = tmp_path / "h.csv"
    before = old.read_bytes()
    progress = Progress()
    progress.cancel()
    for name in ("h.csv", "h.json"):
        with pytest.raises(WriteCancelledError):
            export_table(tmp_path / name, h.columns, h.rows_view(len(h)), progress)
    assert listing(tmp_path) == ["h.csv"] and old.read_bytes() == before


def test_an_export_never_replaces_the_session_a_fifo_or_a_device(tmp_path: Path) -> None:
    session = tmp_path / "s.json"
    session.write_text("{}", encoding="utf-8")
    with pytest.raises(SameFileError):
        lecture_history().export(session, keep=[session])
    assert session.read_text(encoding="utf-8") == "{}"
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.csv")
        with pytest.raises(NotARegularFileError):
            lecture_history().export(tmp_path / "fifo.csv")
        assert stat.S_ISFIFO((tmp_path / "fifo.csv").lstat().st_mode)
    with pytest.raises(NotARegularFileError):
        lecture_history().export(os.devnull)
    assert listing(tmp_path) == sorted(["s.json", *(["fifo.csv"] if hasattr(os, "mkfifo") else [])])


def test_wide_rows_are_formatted_a_few_megabytes_at_a_time(tmp_path: Path) -> None:
    """10-100-100-10 rows (12,211 values) once went 8,192 at a time: 2 GB of text."""
    width = 12_211
    rows = np.random.default_rng(0).normal(size=(100, width))
    per = block_rows(width)
    assert per == 42  # 4 MB of floats
    names = [f"p{i}" for i in range(width - 1)]
    chunks = list(csv_chunks([*names, "error"], rows))[1:]
    assert len(chunks) == 3
    history = History(names)
    history.extend(rows)
    history.export(tmp_path / "wide.csv")
    _header, values = read_csv(tmp_path / "wide.csv")
    assert values.shape == (100, width + 1)
    np.testing.assert_array_equal(values[:, 1:], rows)
