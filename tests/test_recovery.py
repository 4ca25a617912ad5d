"""The autosave files: what is written is what a restore reads back, appends write only the
new rows, and an interrupted save leaves the previous one usable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.recovery import AutosaveFile, left_behind, read_autosave, remove_pair, set_aside
from model.session import SessionError, lecture_session
from model.state import Trainer


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def save(
    file: AutosaveFile,
    trainer: Trainer,
    unsaved: bool = True,
    source: str | None = "/somewhere/homework.json",
) -> int:
    job = file.prepare(trainer, "My homework", source, unsaved)
    job.run()
    return job.first


def assert_restores(path: Path, trainer: Trainer) -> None:
    recovered = read_autosave(path)
    assert recovered is not None
    restored = recovered.session.to_trainer()
    n = trainer.position + 1
    np.testing.assert_array_equal(restored.history.table(), trainer.history.copy_prefix(n).table())
    np.testing.assert_array_equal(restored.network.get_flat(), trainer.network.get_flat())
    assert restored.config == trainer.config
    assert recovered.session.title == "My homework"


@pytest.fixture
def crashed(tmp_path: Path) -> AutosaveFile:
    """The autosave of an app whose process is gone."""
    return AutosaveFile(tmp_path, f"{dead_pid()}-1")


def test_a_save_reads_back_exactly(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(10)
    trainer.set_config(learning_rate=0.5)
    trainer.run(5)
    save(crashed, trainer)
    assert_restores(crashed.json_path, trainer)
    recovered = read_autosave(crashed.json_path)
    assert recovered is not None and recovered.source == "/somewhere/homework.json"
    assert recovered.session.to_trainer().config_for_step(11).learning_rate == 0.5
    assert recovered.session.to_trainer().config_for_step(10).learning_rate == 0.01


def test_later_saves_append_only_the_new_rows(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(1000)
    assert save(crashed, trainer) == 0
    trainer.run(500)
    assert save(crashed, trainer) == 1001
    assert crashed.rows_path.stat().st_size == 1501 * 4 * 8
    assert_restores(crashed.json_path, trainer)


def test_back_and_edits_rewrite_the_rows(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(100)
    save(crashed, trainer)
    trainer.step_back()
    trainer.run(3)
    assert save(crashed, trainer) == 0
    assert_restores(crashed.json_path, trainer)
    trainer.seek(40)  # later states kept, but not part of the session
    save(crashed, trainer)
    assert_restores(crashed.json_path, trainer)


def test_a_save_interrupted_before_its_json_leaves_the_previous_one(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(20)
    save(crashed, trainer)
    before = lecture_session().to_trainer()
    before.run(20)
    trainer.run(30)
    job = crashed.prepare(trainer, "My homework", None, True)
    with open(job.rows_path, "r+b") as handle:  # the rows went out, then the crash
        handle.seek(job.first * 4 * 8)
        handle.write(memoryview(job.rows))
    assert_restores(crashed.json_path, before)


def test_nothing_unsaved_means_nothing_to_restore(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    save(crashed, trainer, unsaved=False)
    assert read_autosave(crashed.json_path) is None
    assert not crashed.json_path.exists() and not crashed.rows_path.exists()


@pytest.mark.parametrize("damage", ["truncate rows", "bad json", "rows not the state"])
def test_a_damaged_autosave_says_why(crashed: AutosaveFile, damage: str) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(10)
    save(crashed, trainer)
    if damage == "truncate rows":
        with open(crashed.rows_path, "r+b") as handle:
            handle.truncate(5 * 4 * 8)
    elif damage == "bad json":
        crashed.json_path.write_text("{not json", encoding="utf-8")
    else:
        obj = json.loads(crashed.json_path.read_text(encoding="utf-8"))
        obj["parameters"]["biases"] = [[9.0]]
        crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(SessionError):
        read_autosave(crashed.json_path)


def test_only_autosaves_of_finished_processes_are_left_behind(tmp_path: Path) -> None:
    trainer = lecture_session().to_trainer()
    mine = AutosaveFile(tmp_path)  # this process: still running
    save(mine, trainer)
    theirs = AutosaveFile(tmp_path, f"{dead_pid()}-3")
    save(theirs, trainer)
    assert left_behind(tmp_path) == [theirs.json_path]
    mine.remove()
    assert not mine.json_path.exists() and not mine.rows_path.exists()


def test_a_rewrite_interrupted_before_its_json_leaves_the_previous_save(
    crashed: AutosaveFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(10)
    save(crashed, trainer)
    before = lecture_session().to_trainer()
    before.run(10)
    trainer.step_back()  # not an append: the rows are rewritten
    trainer.run(4)
    job = crashed.prepare(trainer, "My homework", None, True)
    assert job.first == 0 and job.rows_path != job.replaced

    def crash(*_: object) -> None:
        raise OSError(5, "simulated crash before the JSON")

    monkeypatch.setattr("model.recovery.write_atomically", crash)
    with pytest.raises(OSError, match="simulated"):
        job.run()
    monkeypatch.undo()
    assert job.rows_path.exists()  # the new rows went out ...
    assert_restores(crashed.json_path, before)  # ... but the save that counts is the old


def test_a_completed_rewrite_deletes_the_previous_rows_file(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(10)
    save(crashed, trainer)
    old_rows = crashed.rows_path
    trainer.reset()
    save(crashed, trainer)
    assert not old_rows.exists() and crashed.rows_path.exists()
    assert_restores(crashed.json_path, trainer)


def test_an_autosave_with_a_strange_time_still_restores(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    save(crashed, trainer)
    obj = json.loads(crashed.json_path.read_text(encoding="utf-8"))
    obj["autosave"]["saved_at"] = "yesterday"
    obj["autosave"]["rows_file"] = "../../etc/passwd"
    crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(SessionError, match="rows file"):
        read_autosave(crashed.json_path)
    obj["autosave"]["rows_file"] = crashed.rows_path.name
    crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")
    recovered = read_autosave(crashed.json_path)
    assert recovered is not None and recovered.saved_at == 0.0


def test_an_autosave_of_the_first_format_is_still_restored_and_removed(
    crashed: AutosaveFile,
) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(7)
    save(crashed, trainer)
    first_format = crashed.json_path.with_suffix(".f64")  # one rows file, no generations
    crashed.rows_path.rename(first_format)
    obj = json.loads(crashed.json_path.read_text(encoding="utf-8"))
    del obj["autosave"]["rows_file"]
    crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")
    assert_restores(crashed.json_path, trainer)
    remove_pair(crashed.json_path)
    assert not first_format.exists() and not crashed.json_path.exists()


def test_a_large_backlog_is_saved_in_bounded_steps_each_restorable(
    crashed: AutosaveFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("model.recovery.SAVE_BYTES", 100 * 4 * 8)  # 100 lecture rows
    trainer = lecture_session().to_trainer()
    trainer.run(250)
    reached = []
    while True:
        save(crashed, trainer)
        recovered = read_autosave(crashed.json_path)  # each save restores on its own
        assert recovered is not None and recovered.session.history is not None
        state = recovered.session.to_trainer()
        reached.append(state.position)
        np.testing.assert_array_equal(state.network.get_flat(), trainer.history.row(state.position))
        if not crashed.behind(trainer):
            break
    assert reached == [99, 199, 250]
    assert_restores(crashed.json_path, trainer)


# -- damaged autosaves: refused quickly, whatever the damage --------------------------------
def damage(crashed: AutosaveFile, how: str) -> None:
    obj = json.loads(crashed.json_path.read_text(encoding="utf-8"))
    if how == "rows 10^15":
        obj["autosave"]["rows"] = 10**15
    elif how == "rows true":
        obj["autosave"]["rows"] = True
    elif how == "duplicate key":
        text = json.dumps(obj).replace('"unsaved": true', '"unsaved": true, "unsaved": false')
        crashed.json_path.write_text(text, encoding="utf-8")
        return
    elif how == "nested 200000 deep":
        crashed.json_path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
        return
    elif how == "dangling link":
        crashed.json_path.unlink()
        crashed.json_path.symlink_to(crashed.json_path.with_name("gone.json"))
        return
    elif how == "json is a FIFO":
        crashed.json_path.unlink()
        os.mkfifo(crashed.json_path)
        return
    elif how == "rows file is a FIFO":
        crashed.rows_path.unlink()
        os.mkfifo(crashed.rows_path)
    crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")


DAMAGES = [
    "rows 10^15",
    "rows true",
    "duplicate key",
    "nested 200000 deep",
    "dangling link",
    *(["json is a FIFO", "rows file is a FIFO"] if hasattr(os, "mkfifo") else []),
]


@pytest.mark.parametrize("how", DAMAGES)
def test_any_damage_is_a_session_error_never_a_crash_or_a_wait(
    crashed: AutosaveFile, how: str
) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    save(crashed, trainer)
    damage(crashed, how)
    assert left_behind(crashed.json_path.parent) == [crashed.json_path]
    with pytest.raises(SessionError):
        read_autosave(crashed.json_path)
    folder = set_aside(crashed.json_path)
    assert not os.path.lexists(crashed.json_path) and not os.path.lexists(crashed.rows_path)
    assert folder == crashed.json_path.parent / "damaged"
    assert crashed.json_path.name in os.listdir(folder)
    assert left_behind(crashed.json_path.parent) == []


def test_an_impossible_time_is_an_unknown_time(crashed: AutosaveFile) -> None:
    trainer = lecture_session().to_trainer()
    save(crashed, trainer)
    for strange in (1e300, -5, 10**400, float("nan")):
        obj = json.loads(crashed.json_path.read_text(encoding="utf-8"))
        obj["autosave"]["saved_at"] = strange
        crashed.json_path.write_text(json.dumps(obj), encoding="utf-8")
        recovered = read_autosave(crashed.json_path)
        assert recovered is not None and recovered.saved_at == 0.0
