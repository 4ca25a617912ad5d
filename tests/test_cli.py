"""The command line (docs/file-formats.md, "Command line"): main(argv) in-process for
speed, plus a few real subprocesses to prove that errors never end in a traceback."""

from __future__ import annotations

import gc
import json
import os
import signal
import stat
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sample_sessions import LECTURE

import main as cli
from model.history import read_csv
from model.numbers import format_number
from model.session import MAX_FILE_BYTES, lecture_session, save_session

ROOT = Path(__file__).resolve().parents[1]


DIVERGING: dict[str, Any] = {
    "format": "backprop-lab/session",
    "version": 1,
    "network": {"layers": [1, 1], "activations": ["linear"]},
    "parameters": {"weights": [[[1.0]]], "biases": [[0.0]]},
    "data": {"inputs": [[10.0]], "targets": [[1.0]]},
    "training": {"rule": "backprop", "learning_rate": 100, "mode": "online"},
}

LECTURE_SUMMARY = (
    "trained 1 step(s): error 0.356465271 -> 0.355601244; "
    "parameters W1=0.499155648 W2=0.197466944 b=1.821556479"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_json(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], err
    assert "Traceback" not in err


# -- the lecture ----------------------------------------------------------------------------
def test_lecture_one_step_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "h.csv"
    code, out, err = run(capsys, "--headless", "--steps", "1", "--export", str(out_path))
    assert (code, err) == (0, "")
    assert out == LECTURE_SUMMARY + "\n"
    lines = out_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "step,W1,W2,b,error"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1"]
    _, W1, W2, b, error = (float(x) for x in lines[2].split(","))
    assert [round(W1, 9), round(W2, 9), round(b, 9)] == [0.499155648, 0.197466944, 1.821556479]
    assert round(error, 9) == 0.355601244
    assert [format_number(x) for x in (W1, W2, b)] == ["0.499155648", "0.197466944", "1.821556479"]
    # The file holds exactly the API's floats: same repr, digit for digit.
    trainer = lecture_session().to_trainer()
    trainer.step()
    table = trainer.history.table()
    for line, row in zip(lines[1:], table.tolist(), strict=True):
        step, *values = line.split(",")
        assert int(step) == row[0]
        assert values == [repr(v) for v in row[1:]]
    _, numbers = read_csv(out_path)
    assert numbers.tobytes() == table.tobytes()


def test_lecture_json_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "h.json"
    code, out, _ = run(capsys, "--headless", "--steps", "3", "--export", str(out_path))
    assert code == 0
    assert out.startswith("trained 3 step(s): error 0.356465271 -> ")
    exported = json.loads(out_path.read_text(encoding="utf-8"))
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    assert exported == trainer.history.to_json_dict()
    assert exported["columns"] == ["step", "W1", "W2", "b", "error"]
    assert [row[0] for row in exported["rows"]] == [0, 1, 2, 3]


def test_defaults_to_one_step_and_zero_steps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "--headless") == (0, LECTURE_SUMMARY + "\n", "")
    out_path = tmp_path / "zero.csv"
    code, out, _ = run(capsys, "--headless", "--steps", "0", "--export", str(out_path))
    assert code == 0
    assert out.startswith(
        "trained 0 step(s): error 0.356465271 -> 0.356465271; parameters W1=0.5 W2=0.2 b=1.83"
    )
    assert out_path.read_text(encoding="utf-8").splitlines()[1:] == [
        "0,0.5,0.2,1.83,0.3564652711035652"
    ]


def test_session_file_and_continuing_a_saved_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(4)
    session_path = tmp_path / "saved.json"
    save_session(trainer, session_path)
    out_path = tmp_path / "more.csv"
    code, out, _ = run(
        capsys, "--headless", str(session_path), "--steps", "2", "--export", str(out_path)
    )
    assert code == 0
    assert out.startswith(
        f"trained 2 step(s): error {format_number(trainer.history.error_at(4))} -> "
    )
    trainer.run(2)
    _, numbers = read_csv(out_path)
    assert numbers.tobytes() == trainer.history.table().tobytes()


def test_example_with_many_parameters_is_summarised(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    obj = dict(
        LECTURE,
        network={"layers": [2, 4, 3], "activations": ["tanh", "sigmoid"]},
        data={"inputs": [[0.1, 0.3]], "targets": [[0.0, 0.5, 1.0]]},
        training={"rule": "backprop", "learning_rate": 0.1},
    )
    del obj["parameters"]
    obj["init"] = {"method": "xavier", "seed": 3}
    code, out, _ = run(capsys, "--headless", str(write_json(tmp_path / "s.json", obj)))
    assert code == 0
    assert out.count("\n") == 1
    assert out.rstrip().endswith("... (27 parameters)")
    assert "L1.W1_1=" in out


# -- invalid input --------------------------------------------------------------------------
def lecture_with(**changes: Any) -> dict[str, Any]:
    obj = json.loads(json.dumps(LECTURE))
    for name, value in changes.items():
        section, key = name.split("__")
        obj[section][key] = value
    return obj


HOSTILE: list[tuple[str, bytes, str]] = [
    ("not_json", b"{ this is not json", "file: not valid JSON (line 1, column 3"),
    (
        "wrong_shape",
        json.dumps(lecture_with(parameters__weights=[[[1, 2], [3, 4]]])).encode(),
        "parameters.weights[0]: expected 1x2, got 2x2",
    ),
    (
        "nan",
        json.dumps(LECTURE).replace("1.83", "NaN").encode(),
        "parameters.biases[0][0]: expected a finite number, got NaN",
    ),
    (
        "string_number",
        json.dumps(lecture_with(training__learning_rate="0.01")).encode(),
        'training.learning_rate: must be a finite number > 0, got "0.01"',
    ),
    (
        "unknown_activation",
        json.dumps(lecture_with(network__activations=["softmax"])).encode(),
        "network.activations[0]: unknown activation 'softmax'",
    ),
    (
        "unknown_rule",
        json.dumps(lecture_with(training__rule="adam")).encode(),
        'training.rule: unknown rule "adam"',
    ),
    (
        "newer_version",
        json.dumps(dict(LECTURE, version=2)).encode(),
        "version: file is version 2, this program reads version 1",
    ),
    ("deep_nesting", b"[" * 100_000, "file: lists and objects nested 100000 deep"),
    ("empty", b"", "file: the file is empty"),
    ("binary", bytes(range(256)) * 4, "file: not UTF-8 text"),
    ("top_level_list", b"[1, 2, 3]", "file: expected a JSON object"),
    ("not_a_session", b'{"hello": "world"}', "format: not a Backprop Lab session"),
    (
        "hidden_delta",
        json.dumps(
            dict(
                LECTURE,
                network={"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"]},
                parameters={"weights": [[[1, 2], [3, 4]], [[1, 2]]], "biases": [[0, 0], [0]]},
            )
        ).encode(),
        "training.rule: the lecture's delta rule",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_session_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    session_path = tmp_path / f"{name}.json"
    session_path.write_bytes(content)
    out_path = tmp_path / "out.csv"
    code, out, err = run(
        capsys, "--headless", str(session_path), "--steps", "5", "--export", str(out_path)
    )
    assert code == 2
    assert out == ""
    assert_one_error_line(err, f"{session_path}: {message}")
    assert sorted(os.listdir(tmp_path)) == [session_path.name]  # nothing written


def test_huge_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session_path = tmp_path / "huge.json"
    with open(session_path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1024)  # sparse
    out_path = tmp_path / "out.csv"
    code, _, err = run(capsys, "--headless", str(session_path), "--export", str(out_path))
    assert code == 2
    assert_one_error_line(err, "file: 20.0 MB, larger than a session can be (20 MB)")
    assert not out_path.exists()


def test_missing_session_file_and_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--headless", str(tmp_path / "nope.json"))
    assert code == 2
    assert_one_error_line(err, "nope.json: file: cannot read it (No such file or directory)")
    code, _, err = run(capsys, "--headless", str(tmp_path))
    assert code == 2
    assert_one_error_line(err, "file: a folder, not a session file")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--headless", "--steps", "abc"], "argument --steps: expected a whole number"),
        (["--headless", "--steps", "-1"], "argument --steps: must be from 0 to 100000000"),
        (["--headless", "--steps", "1.5"], "argument --steps: expected a whole number"),
        (["--headless", "--steps", "100000001"], "must be from 0 to 100000000, got 100000001"),
        (["--headless", "--steps"], "argument --steps: expected one argument"),
        (["--headless", "--bogus"], "unrecognized arguments: --bogus"),
        (["--headless", "a.json", "b.json"], "unrecognized arguments: b.json"),
        (["--steps", "3"], "--steps: only with --headless"),
        (["--export", "x.csv", "--explain"], "--export, --explain: only with --headless"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, message)


def test_export_path_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--headless", "--export", str(tmp_path / "no" / "h.csv"))
    assert (code, out) == (2, "")
    assert_one_error_line(err, "the folder", "does not exist")
    code, out, err = run(capsys, "--headless", "--export", str(tmp_path))
    assert (code, out) == (2, "")
    assert_one_error_line(err, "is a folder, not a file")
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep", encoding="utf-8")
    code, _, err = run(capsys, "--headless", "--export", str(a_file / "h.csv"))
    assert code == 2
    assert_one_error_line(err, "does not exist")
    assert sorted(os.listdir(tmp_path)) == ["file.txt"]


def test_failed_write_leaves_the_old_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_path = tmp_path / "h.csv"
    out_path.write_text("old", encoding="utf-8")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code, out, err = run(capsys, "--headless", "--export", str(out_path))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"--export {out_path}: cannot write it (No space left on device)")
    assert out_path.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["h.csv"]


# -- divergence -----------------------------------------------------------------------------
def test_divergence_writes_the_finite_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    session_path = write_json(tmp_path / "diverge.json", DIVERGING)
    out_path = tmp_path / "h.csv"
    code, out, err = run(
        capsys, "--headless", str(session_path), "--steps", "1000", "--export", str(out_path)
    )
    assert code == 3
    assert_one_error_line(err, "non-finite value", "Training stopped at step")
    stopped = int(err.split("Training stopped at step ")[1].split(",")[0])
    assert 1 < stopped < 1000
    assert out.startswith(f"trained {stopped} step(s): error ")
    header, numbers = read_csv(out_path)
    assert header == ["step", "W1", "b", "error"]
    assert numbers.shape == (stopped + 1, 4)
    assert np.isfinite(numbers).all()
    assert numbers[:, 0].tolist() == list(range(stopped + 1))


def test_divergence_json_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session_path = write_json(tmp_path / "diverge.json", DIVERGING)
    out_path = tmp_path / "h.json"
    code, _, _ = run(
        capsys, "--headless", str(session_path), "--steps", "1000", "--export", str(out_path)
    )
    assert code == 3
    rows = json.loads(out_path.read_text(encoding="utf-8"))["rows"]
    assert np.isfinite(np.array(rows)).all()


# -- --help, --explain, the window ----------------------------------------------------------
def test_help_documents_everything(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for text in (
        "--headless",
        "--steps",
        "--export",
        "--explain",
        "FILE.json",
        ".json",
        "exit codes",
        "invalid input",
        "diverged",
        "error:",
        "lecture",
    ):
        assert text in out, text
    for code_line in ("  0  success", "  2  invalid input", "  3  the run diverged"):
        assert code_line in out


def test_explain_is_called_on_the_trainer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    fake = types.ModuleType("model.explain")

    def explain_step(trainer: Any, step: int | None = None) -> str:
        calls.append((trainer.step_count, step))
        return "explanation"

    fake.explain_step = explain_step  # type: ignore[attr-defined]
    fake.to_text = lambda explanation: f"TEXT({explanation})"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "model.explain", fake)
    code, out, _ = run(capsys, "--headless", "--steps", "2", "--explain")
    assert code == 0
    assert out.splitlines()[1:] == ["TEXT(explanation)"]
    assert calls == [(2, None)]
    code, out, _ = run(capsys, "--headless", "--steps", "0", "--explain")
    assert code == 0
    assert "No step to explain" in out


def test_real_explanation_of_the_lecture_step(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("model.explain")
    code, out, _ = run(capsys, "--headless", "--explain")
    assert code == 0
    assert out.startswith(LECTURE_SUMMARY + "\n")
    assert "0.874352143" in out  # y of the forward pass before the step


def test_window_mode_passes_the_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str | None] = []
    fake = types.ModuleType("gui.app")
    fake.run_gui = lambda path: opened.append(path) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gui.app", fake)
    session_path = write_json(tmp_path / "s.json", LECTURE)
    assert run(capsys, str(session_path)) == (0, "", "")
    assert run(capsys) == (0, "", "")
    assert opened == [str(session_path), None]
    # An invalid file is refused before any window opens.
    bad = write_json(tmp_path / "bad.json", dict(LECTURE, version=9))
    code, _, err = run(capsys, str(bad))
    assert code == 2
    assert_one_error_line(err, "version: file is version 9")
    assert len(opened) == 2


def test_the_window_path_leaves_the_garbage_collector_on_whatever_happens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # main.py pauses it while the window loads (gui.app resumes it after the first paint).
    seen: list[bool] = []

    def failing_window(_path: object) -> int:
        seen.append(gc.isenabled())
        raise KeyboardInterrupt

    fake = types.ModuleType("gui.app")
    fake.run_gui = failing_window  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gui.app", fake)
    code, _, err = run(capsys)
    assert code == 130 and "interrupted" in err
    assert seen == [False]
    assert gc.isenabled()


# -- real processes: no tracebacks ----------------------------------------------------------
def run_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_process_lecture_export(tmp_path: Path) -> None:
    result = run_process("--headless", "--steps", "1", "--export", "h.csv", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, LECTURE_SUMMARY + "\n", "")
    assert (
        (tmp_path / "h.csv")
        .read_text(encoding="utf-8")
        .splitlines()[2]
        .startswith("1,0.49915564785651534,0.19746694356954606,1.8215564785651535,")
    )


@pytest.mark.parametrize(
    ("argv", "content", "code", "fragment"),
    [
        (["--headless", "s.json", "--export", "h.csv"], b"[" * 100_000, 2, "nested"),
        (["--headless", "s.json", "--export", "h.csv"], b"\xff\xfe\x00garbage", 2, "UTF-8"),
        (["--headless", "--steps", "many"], None, 2, "--steps"),
        (
            ["--headless", "s.json", "--steps", "1000", "--export", "h.csv"],
            json.dumps(DIVERGING).encode(),
            3,
            "non-finite",
        ),
    ],
)
def test_process_errors_have_no_traceback(
    tmp_path: Path, argv: list[str], content: bytes | None, code: int, fragment: str
) -> None:
    if content is not None:
        (tmp_path / "s.json").write_bytes(content)
    result = run_process(*argv, cwd=tmp_path)
    assert result.returncode == code
    assert_one_error_line(result.stderr, fragment)
    assert (tmp_path / "h.csv").exists() == (code == 3)


def test_process_help() -> None:
    result = run_process("--help", cwd=ROOT)
    assert result.returncode == 0
    assert "exit codes" in result.stdout
    assert result.stderr == ""


# -- the export never replaces the session, a pipe or a device ---------------------------------
def test_export_over_the_session_being_read_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    session = write_json(tmp_path / "s.json", LECTURE)
    before = session.read_bytes()
    (tmp_path / "link.json").symlink_to(session.name)
    os.link(session, tmp_path / "hard.json")
    for target in (session, tmp_path / "link.json", tmp_path / "hard.json"):
        code, out, err = run(capsys, "--headless", str(session), "--export", str(target))
        assert (code, out) == (2, "")
        assert_one_error_line(err, f"--export {target}: is the session file being read")
    assert session.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["hard.json", "link.json", "s.json"]


def test_export_onto_a_device_is_refused_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    code, out, err = run(capsys, "--headless", "--export", "/dev/zero")
    assert (code, out) == (2, "")
    assert_one_error_line(err, "--export /dev/zero: is a device, not a file")
    code, out, err = run(capsys, "--headless", "--export", os.devnull)  # as `> /dev/null`
    assert (code, out, err) == (0, LECTURE_SUMMARY + "\n", "")
    assert Path(os.devnull).is_char_device()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_export_into_a_fifo_writes_into_it_and_never_replaces_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a program reading the pipe
    try:
        code, _, err = run(capsys, "--headless", "--export", str(fifo))
        assert (code, err) == (0, "")
        assert os.read(reader, 1000).decode().startswith("step,W1,W2,b,error\n0,0.5,")
    finally:
        os.close(reader)
    code, _, err = run(capsys, "--headless", "--export", str(fifo))  # nobody reads: no wait
    assert code == 2
    assert_one_error_line(err, "a named pipe (FIFO) that no program reads")
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and os.listdir(tmp_path) == ["pipe.csv"]


def test_export_through_a_link_updates_the_file_and_keeps_the_link(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "real.csv").write_text("old", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to("real.csv")
    code, _, _ = run(capsys, "--headless", "--steps", "3", "--export", str(tmp_path / "link.csv"))
    assert code == 0
    assert os.readlink(tmp_path / "link.csv") == "real.csv"
    assert len((tmp_path / "real.csv").read_text(encoding="utf-8").splitlines()) == 5
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "real.csv"]


def test_a_bplab_session_trains_headless(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(4)
    save_session(trainer, tmp_path / "big.bplab")
    out_path = tmp_path / "h.csv"
    code, out, _ = run(
        capsys, "--headless", str(tmp_path / "big.bplab"), "--steps", "2", "--export", str(out_path)
    )
    assert code == 0 and out.startswith("trained 2 step(s)")
    trainer.run(2)
    _, numbers = read_csv(out_path)
    assert numbers.tobytes() == trainer.history.table().tobytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_the_session_is_refused_without_waiting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "s.json")
    for argv in (["--headless", str(tmp_path / "s.json")], [str(tmp_path / "s.json")]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert_one_error_line(err, "s.json: file: a named pipe (FIFO), not a session file")


# -- a kill during an export leaves nothing half-written --------------------------------------
# main.py with an export that stops after its first block until a signal comes.
SLOW_EXPORT = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import model.history as history
real = history.csv_chunks
def slow(*args, **kwargs):
    chunks = real(*args, **kwargs)
    yield next(chunks)
    print("EXPORTING", flush=True)
    threading.Event().wait(120)  # the signal ends this
    yield from chunks
history.csv_chunks = slow
import main
sys.exit(main.main(sys.argv[2:]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_during_an_export_removes_the_temporary(
    tmp_path: Path, signum: int, code: int
) -> None:
    target = tmp_path / "h.csv"
    target.write_text("old", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, str(ROOT), "--headless", "--export", str(target)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "EXPORTING\n"
    assert len(os.listdir(tmp_path)) == 2  # the target and the temporary being written
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code
    name = signal.Signals(signum).name
    assert_one_error_line(err, f"stopped by {name}: nothing was exported")
    assert os.listdir(tmp_path) == ["h.csv"]
    assert target.read_text(encoding="utf-8") == "old"


def test_a_temporary_left_by_a_killed_export_is_swept_by_the_next(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = tmp_path / f".h.csv.x1y2z3w4~{child.pid}.tmp"  # what a kill -9 leaves
    stale.write_bytes(b"0,0.5,0.2,1.83,0.35" * 1000)
    code, _, _ = run(capsys, "--headless", "--export", str(tmp_path / "h.csv"))
    assert code == 0
    assert os.listdir(tmp_path) == ["h.csv"]
