"""A save keeps everything (docs/file-formats.md, "Large sessions: .bplab"): the .bplab
archive reopens what was saved bit for bit, whatever its size; a hostile archive is
refused with one line; duplicate JSON keys and impossible histories are refused, naming
the key or the row."""

from __future__ import annotations

import copy
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sample_sessions import LECTURE

from model.session import (
    SessionError,
    SessionTooLargeError,
    copy_session,
    lecture_session,
    load_session,
    parse_session,
    save_session,
    session_to_dict,
    write_session,
)
from model.session.consistency import rows_to_check
from model.state import Trainer
from model.training import Dataset


def trained(steps: int, obj: dict[str, Any] | None = None) -> Trainer:
    trainer = (lecture_session() if obj is None else parse_session(obj)).to_trainer()
    trainer.run(steps)
    return trainer


def assert_same(a: Trainer, b: Trainer) -> None:
    assert a.network.layers == b.network.layers
    assert a.network.get_flat().tobytes() == b.network.get_flat().tobytes()
    assert a.data.inputs.tobytes() == b.data.inputs.tobytes()
    assert a.data.targets.tobytes() == b.data.targets.tobytes()
    assert a.config == b.config
    assert a.config_log == b.config_log
    assert a.history.columns == b.history.columns
    assert a.history.table().tobytes() == b.history.table().tobytes()
    assert a.position == b.position


def error_of(path: Path) -> str:
    with pytest.raises(SessionError) as info:
        load_session(path)
    text = str(info.value)
    assert "\n" not in text
    return text


# -- what is saved reopens, whole -------------------------------------------------------------
def test_a_bplab_reopens_bit_for_bit_with_its_training_log(tmp_path: Path) -> None:
    obj = copy.deepcopy(LECTURE)
    obj["data"] = {"inputs": [[1 / 3, -2e-300], [0.1, 0.2]], "targets": [[5e-324], [1.0]]}
    trainer = trained(7, obj)
    trainer.set_config(learning_rate=0.5)
    trainer.run(5)
    trainer.set_config(loss="cross_entropy")
    trainer.run(3)
    path = tmp_path / "s.bplab"
    save_session(trainer, path, title="Mine ✓")
    loaded = load_session(path)
    assert loaded.title == "Mine ✓"
    again = loaded.to_trainer()
    assert_same(trainer, again)
    trainer.run(10)  # ... and both carry on identically
    again.run(10)
    assert_same(trainer, again)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("session.json"))
        history = np.load(io.BytesIO(archive.read("history.npy")), allow_pickle=False)
    assert names[0] == "session.json" and {"history.npy", "inputs.npy"} <= set(names)
    assert document["history"]["rows"] == "history.npy"
    assert document["data"] == {"inputs": "inputs.npy", "targets": "targets.npy"}
    assert len(document["training_log"]) == 3
    np.testing.assert_array_equal(history[:, 0], np.arange(16))  # the step column first


def test_a_long_history_and_a_million_samples_save_and_reopen_whole(tmp_path: Path) -> None:
    """The two reports: 2.5M steps saved as the current state only, and 1M imported
    samples saved as a 23 MB .json that the program then refused to open."""
    trainer = trained(250_000)
    with pytest.raises(SessionTooLargeError, match=r"250,000 steps of history"):
        save_session(trainer, tmp_path / "long.json")
    save_session(trainer, tmp_path / "long.bplab")
    assert_same(trainer, load_session(tmp_path / "long.bplab").to_trainer())

    rng = np.random.default_rng(0)
    samples = lecture_session().to_trainer()
    samples.replace_data(Dataset(rng.random((1_000_000, 2)), rng.random((1_000_000, 1))))
    samples.run(2)
    with pytest.raises(SessionTooLargeError, match=r"1,000,000 samples") as info:
        save_session(samples, tmp_path / "data.json")
    assert "steps of history" not in str(info.value)  # it blames the samples, not 2 rows
    save_session(samples, tmp_path / "data.bplab")
    assert_same(samples, load_session(tmp_path / "data.bplab").to_trainer())
    assert sorted(os.listdir(tmp_path)) == ["data.bplab", "long.bplab"]


def test_a_copy_is_what_is_written_even_if_training_goes_on(tmp_path: Path) -> None:
    trainer = trained(10)
    taken = copy_session(trainer, "t")
    trainer.run(10)  # the history grows (and may move in memory) meanwhile
    write_session(taken, tmp_path / "s.bplab")
    assert len(load_session(tmp_path / "s.bplab").history or ()) == 11


def test_a_bplab_renamed_to_json_still_opens(tmp_path: Path) -> None:
    trainer = trained(3)
    save_session(trainer, tmp_path / "s.bplab")
    (tmp_path / "s.bplab").rename(tmp_path / "s.json")
    assert_same(trainer, load_session(tmp_path / "s.json").to_trainer())


def test_the_json_format_is_unchanged_for_older_readers(tmp_path: Path) -> None:
    trainer = trained(1)
    save_session(trainer, tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(session_to_dict(trainer)))
    assert text.splitlines()[-3:] == [
        "    [1, 0.49915564785651534, 0.19746694356954606, 1.8215564785651535, 0.3556012437880609]",
        "  ]}",
        "}",
    ]


# -- hostile archives ----------------------------------------------------------------------
def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def archive_of(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def valid_members(tmp_path: Path) -> dict[str, bytes]:
    save_session(trained(2), tmp_path / "good.bplab")
    with zipfile.ZipFile(tmp_path / "good.bplab") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_document(members: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    document = json.loads(members["session.json"])
    for name, value in changes.items():
        section, key = name.split("__")
        document[section][key] = value
    return {**members, "session.json": json.dumps(document).encode()}


def test_hostile_archives_are_refused_with_one_line(tmp_path: Path) -> None:
    good = valid_members(tmp_path)
    cases: list[tuple[dict[str, bytes], str]] = [
        ({k: v for k, v in good.items() if k != "session.json"}, "without session.json"),
        ({**good, "../evil.npy": b"x"}, "not a plain name"),
        ({**good, "sub/dir.npy": b"x"}, "not a plain name"),
        (with_document(good, history__rows="missing.npy"), "history.rows: names"),
        (with_document(good, data__inputs="../../etc/passwd"), "data.inputs: names"),
        ({**good, "inputs.npy": npy(np.array([{"a": 1}], dtype=object))}, "expected float64"),
        ({**good, "inputs.npy": npy(np.zeros((1, 2), dtype=np.int64))}, "expected float64"),
        ({**good, "inputs.npy": npy(np.zeros((1, 2, 1)))}, "expected float64"),
        ({**good, "inputs.npy": npy(np.zeros((1, 3)))}, "data.inputs: expected an array of nx2"),
        ({**good, "inputs.npy": npy(np.array([[np.nan, 0.0]]))}, "data.inputs[0][0]: expected"),
        ({**good, "inputs.npy": npy(np.zeros((1, 2)))[:-8]}, "its header does not match"),
        ({**good, "inputs.npy": b"\x93NUMPY\x01\x00garbage"}, "not a readable .npy"),
        ({**good, "history.npy": npy(np.zeros((0, 5)))}, "history.rows: expected at least"),
        ({**good, **{f"x{i}.npy": b"" for i in range(70)}}, "more than a .bplab session has"),
    ]
    for members, message in cases:
        path = archive_of(tmp_path / "bad.bplab", members)
        assert message in error_of(path), (message, error_of(path))


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    good = valid_members(tmp_path)
    bomb = {**good, "padding.npy": bytes(200 * 2**20)}  # 200 MB of zeros: ~200 kB packed
    path = archive_of(tmp_path / "bomb.bplab", bomb, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    assert "more than any session (a zip bomb?)" in error_of(path)


def test_a_damaged_archive_and_an_encrypted_member_are_refused(tmp_path: Path) -> None:
    good = valid_members(tmp_path)
    path = archive_of(tmp_path / "s.bplab", good)
    raw = bytearray(path.read_bytes())
    (tmp_path / "cut.bplab").write_bytes(raw[: len(raw) // 2])
    assert "not a readable .bplab archive" in error_of(tmp_path / "cut.bplab")
    offset = raw.index(b"PK\x01\x02")  # the first central directory entry: set "encrypted"
    raw[offset + 8] |= 1
    (tmp_path / "locked.bplab").write_bytes(bytes(raw))
    assert "encrypted" in error_of(tmp_path / "locked.bplab")


def test_an_archive_too_large_to_open_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("model.session.limits.MAX_ARCHIVE_BYTES", 1000)
    with pytest.raises(SessionTooLargeError, match="the program could not open it"):
        save_session(trained(100), tmp_path / "s.bplab")
    assert os.listdir(tmp_path) == []


# -- duplicate keys, impossible histories ---------------------------------------------------
def test_a_duplicate_key_is_refused_naming_it(tmp_path: Path) -> None:
    text = json.dumps(LECTURE).replace(
        '"learning_rate": 0.01', '"learning_rate": 0.01, "learning_rate": 1e6'
    )
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    assert error_of(path) == (
        "training.learning_rate: appears twice in the same object (first 0.01, then "
        "1000000.0); a key may appear only once: delete one of them"
    )
    path.write_text(text.replace('"format"', '"version": 1, "format"', 1), encoding="utf-8")
    assert error_of(path).startswith("version: appears twice")
    nested = json.dumps(LECTURE).replace('"biases"', '"weights": [], "biases"')
    path.write_text(nested, encoding="utf-8")
    assert error_of(path).startswith("parameters.weights: appears twice")


def history_with(error_row: int, error: float) -> dict[str, Any]:
    obj = session_to_dict(trained(100))
    obj["history"]["rows"][error_row][-1] = error
    return obj


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        (0, -0.5, "history.rows[0][4]: the error is -0.5, but an error is never negative"),
        (100, 0.25, "history.rows[100][4]: the error 0.25 is not the error of this row's"),
        (0, 0.3564652711035652 * 1.01, "history.rows[0][4]: the error"),
    ],
)
def test_an_impossible_history_is_refused_naming_the_row(
    row: int, error: float, message: str
) -> None:
    with pytest.raises(SessionError) as info:
        parse_session(history_with(row, error))
    assert str(info.value).startswith(message), str(info.value)


def test_the_error_check_allows_rounding_and_a_change_of_loss() -> None:
    obj = history_with(50, 0.0)
    obj["history"]["rows"][50][-1] = session_to_dict(trained(100))["history"]["rows"][50][-1]
    obj["history"]["rows"][100][-1] *= 1 + 1e-12  # rounding
    assert parse_session(obj).history is not None
    trainer = trained(3)
    trainer.set_config(loss="cross_entropy")  # row 3 was computed with the squared error
    theta = trainer.network.get_flat()
    theta[0] += 0.25
    trainer.set_parameters(theta)  # ... and now with the cross-entropy: both are right
    trainer.run(2)
    assert parse_session(json.loads(json.dumps(session_to_dict(trainer)))).history is not None


def test_rows_checked_are_first_last_and_spread_within_a_budget() -> None:
    assert rows_to_check(5, 1) == [0, 1, 2, 3, 4]
    many = rows_to_check(1_000_000, 1)
    assert many[0] == 0 and many[-1] == 999_999 and len(many) == 64
    assert rows_to_check(1_000_000, 1_000_000) == [0, 999_999]
