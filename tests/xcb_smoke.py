"""Drive the real window on a real display (run by tests/test_real_window.py).

    QT_QPA_PLATFORM=xcb DISPLAY=:N python tests/xcb_smoke.py SCREENSHOT.png [FOLDER]

Opens the window through `gui.app.run_gui`, exactly as `python main.py` does, then, from
inside its event loop: shows it at 1280×800, waits until it is exposed, clicks Step and
checks the lecture's W1, clicks Run, lets it run for a second, clicks Run again (pause),
saves `window.grab()` to SCREENSHOT.png and prints one JSON line:
{"steps": …, "platform": …, "screenshot": [width, height], "w1": …}. Then it runs again
and closes the window in the middle of the run (answering "Discard" to the unsaved-changes
question): the exit code is then what `run_gui` returns — 0 when all of that worked, 1
(with the reason on stderr) when a check failed. Its settings and autosaves go to FOLDER
(default: a temporary folder, removed afterwards).

Not a test module itself (no `test_` prefix): Run starts a worker process with
multiprocessing "spawn", which re-imports this file, hence the main guard.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt is imported lazily: the spawned worker re-imports this file
    from PySide6 import QtWidgets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 1280, 800
LECTURE_W1 = "0.499155648"  # W1 after one step of the lecture's worked example
RUN_SECONDS = 1.0
EXPOSE_TIMEOUT_MS = 10_000


class SmokeError(Exception):
    """A check of the smoke run failed; the message says which."""


def drive(screenshot: str) -> dict[str, object]:
    """Everything a student does in the first seconds, on the window run_gui opened."""
    from PySide6 import QtCore, QtGui, QtWidgets
    from PySide6.QtTest import QTest

    from gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance()
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
    if len(windows) != 1:
        raise SmokeError(f"expected one MainWindow, found {len(windows)}")
    window = windows[0]
    window.resize(WIDTH, HEIGHT)
    window.show()
    if not QTest.qWaitForWindowExposed(window, EXPOSE_TIMEOUT_MS):
        raise SmokeError("the window was never exposed")
    left = QtCore.Qt.MouseButton.LeftButton

    QTest.mouseClick(window.transport.step_button, left)
    w1 = weights_cell(window)
    if w1 != LECTURE_W1:
        raise SmokeError(f"after one step weightsTable(0, 0) shows {w1!r}, not {LECTURE_W1}")

    run_button = window.transport.run_button
    QTest.mouseClick(run_button, left)
    if not window.runner.running:
        raise SmokeError("Run did not start the run loop")
    spin(RUN_SECONDS)
    QTest.mouseClick(run_button, left)
    if window.runner.running or run_button.isChecked():
        raise SmokeError("the second click on Run did not pause")
    spin(0.2)  # the pause redraws the tables and plots: let it paint before the grab

    image = window.grab()
    if not image.save(screenshot, "PNG"):
        raise SmokeError(f"cannot save the screenshot to {screenshot}")
    report = {
        "steps": window.lab.position,
        "platform": QtGui.QGuiApplication.platformName(),
        "screenshot": [image.width(), image.height()],
        "w1": w1,
    }
    # Run again: the window is then closed in the middle of a run (see `finish`).
    QTest.mouseClick(run_button, left)
    spin(0.3)
    if not window.runner.running:
        raise SmokeError("Run did not start again")
    return report


def weights_cell(window: QtWidgets.QWidget) -> str:
    from PySide6 import QtCore, QtWidgets

    view = window.findChild(QtWidgets.QTableView, "weightsTable")
    if view is None:
        raise SmokeError("no QTableView named weightsTable")
    model = view.model()
    return str(model.data(model.index(0, 0), QtCore.Qt.ItemDataRole.DisplayRole))


def spin(seconds: float) -> None:
    """Let the event loop run (timers, the worker's rows, paints) for `seconds`."""
    from PySide6 import QtCore, QtWidgets

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)


def finish(screenshot: str) -> None:
    """Run `drive` inside the event loop, then close the window (quitting the app) or
    leave the loop with exit code 1."""
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    try:
        report = drive(screenshot)
    except Exception:  # anything: the parent must see a reason and exit code 1, not a hang
        traceback.print_exc()
        app.exit(1)
        return
    print(json.dumps(report), flush=True)
    # Closing during the run asks about the unsaved steps; answer as a student would.
    QtCore.QTimer.singleShot(300, discard_changes)
    for window in app.topLevelWidgets():
        window.close()
    # No app.exit here: the exit code is what run_gui returns once the window has closed.


def discard_changes() -> None:
    from PySide6 import QtWidgets

    box = QtWidgets.QApplication.activeModalWidget()
    if isinstance(box, QtWidgets.QMessageBox):
        box.button(QtWidgets.QMessageBox.StandardButton.Discard).click()


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    if len(argv) == 3:  # the caller's folder (a test's tmp_path), left for it to remove
        return run_in(argv[2], argv[1])
    with tempfile.TemporaryDirectory(prefix="backprop-lab-smoke-") as folder:
        return run_in(folder, argv[1])


def run_in(folder: str, screenshot: str) -> int:
    """The app with its settings and autosaves in `folder`: a fresh one, so that a saved
    geometry does not change the window's size, a smoke run does not touch the user's
    recent files, and there is no restore offer."""
    os.environ["XDG_CONFIG_HOME"] = folder
    os.environ["XDG_DATA_HOME"] = folder
    from PySide6 import QtCore

    from gui.app import make_application, run_gui

    make_application()  # run_gui reuses it; the timer needs it to exist first
    QtCore.QTimer.singleShot(0, lambda: finish(screenshot))
    return run_gui()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
