"""Ctrl+C, SIGTERM and SIGHUP close the window cleanly (gui/signals.py), tested on the real
program: `main.py` in its own process, offscreen, with its own settings and autosave
folders. It must end with exit code 0 and no traceback, asking nothing, and keep the
autosave of the unsaved work."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model.recovery import AutosaveFile, read_autosave
from model.session import lecture_session

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(signal, "SIGHUP"), reason="POSIX signals"
)

ROOT = Path(__file__).resolve().parents[1]

# Runs the real main.py as __main__ after arranging, through a timer, what a student
# would have done by then: `actions` triggered, then READY printed once it is autosaved
# (and, for "run", once the Run's background process is up) or once a question is open.
DRIVER = textwrap.dedent(
    """
    import runpy, sys
    sys.path.insert(0, sys.argv[1])
    from PySide6 import QtCore, QtGui, QtWidgets
    from gui.app import make_application

    ROOT, WAIT_FOR = sys.argv[1], sys.argv[2]
    app = make_application()

    def poke():
        if WAIT_FOR == "question":
            if isinstance(app.activeModalWidget(), QtWidgets.QMessageBox):
                print("READY", flush=True)
            else:
                QtCore.QTimer.singleShot(20, poke)
            return
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
        if not windows:
            QtCore.QTimer.singleShot(20, poke)
            return
        window = windows[0]
        window.autosave.interval_ms = 20
        window.findChild(QtGui.QAction, "stepAction").trigger()
        if WAIT_FOR == "run":
            window.findChild(QtGui.QAction, "runAction").trigger()

        def ready():
            worker = window.runner._worker
            running = worker is not None and worker.ready and window.lab.position > 50
            if window.autosave.saves >= 1 and (WAIT_FOR != "run" or running):
                print("READY", flush=True)
            else:
                QtCore.QTimer.singleShot(20, ready)

        ready()

    QtCore.QTimer.singleShot(0, poke)
    sys.argv = [ROOT + "/main.py"]
    runpy.run_path(ROOT + "/main.py", run_name="__main__")
    """
)


def start(tmp_path: Path, wait_for: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(ROOT), wait_for],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a program
    )


def wait_until_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], 90)
    line = process.stdout.readline() if readable else ""
    if line.strip() != "READY":
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"the window did not get ready: {line!r}\n{err}")


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        pytest.fail(f"the window did not close after the signal\n{err}")
    return process.returncode, err


def autosave_folder(tmp_path: Path) -> Path:
    return tmp_path / "data" / "BackpropLab" / "Backprop Lab" / "autosave"


def kept_autosaves(tmp_path: Path) -> list[Path]:
    return sorted(autosave_folder(tmp_path).glob("autosave-*.json"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_closes_the_window_and_keeps_the_autosave(tmp_path: Path, signum: int) -> None:
    process = start(tmp_path, "autosave")
    wait_until_ready(process)
    os.kill(process.pid, signum)
    code, err = finish(process)
    assert code == 0, err
    assert "Traceback" not in err and "Error" not in err, err
    [kept] = kept_autosaves(tmp_path)
    obj = json.loads(kept.read_text(encoding="utf-8"))
    assert obj["autosave"]["unsaved"] is True and obj["autosave"]["rows"] == 2
    assert not [p for p in autosave_folder(tmp_path).iterdir() if p.name.endswith(".tmp")]


def test_ctrl_c_in_the_terminal_during_a_run_closes_everything_quietly(tmp_path: Path) -> None:
    """Ctrl+C reaches the whole process group: the window and its training process."""
    process = start(tmp_path, "run")
    wait_until_ready(process)
    os.killpg(process.pid, signal.SIGINT)
    code, err = finish(process)
    assert code == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    [kept] = kept_autosaves(tmp_path)
    assert json.loads(kept.read_text(encoding="utf-8"))["autosave"]["rows"] > 1


def test_a_signal_during_the_restore_question_keeps_the_crashed_autosave(tmp_path: Path) -> None:
    """The question ends because the program does: that is no "No", nothing is deleted."""
    folder = autosave_folder(tmp_path)
    folder.mkdir(parents=True)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    crashed = AutosaveFile(folder, f"{child.pid}-1")
    trainer = lecture_session().to_trainer()
    trainer.run(3)
    crashed.prepare(trainer, "Lecture", None, True).run()
    process = start(tmp_path, "question")
    wait_until_ready(process)
    os.kill(process.pid, signal.SIGTERM)
    code, err = finish(process)
    assert code == 0 and "Traceback" not in err, err
    recovered = read_autosave(crashed.json_path)
    assert recovered is not None and len(recovered.session.history or ()) == 4
