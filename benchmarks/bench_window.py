"""A Run at a limited speed in the real window, against a bare timer measured in this run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_window.py [--runs N]

The figures tests/test_gui_window.py once asserted on the wall clock (a limited speed is
never exceeded), measured here instead, with no pass/fail:

a. At 10 steps/s, the time from pressing Run to the 4th step (ideally 0.3 s: the first
   step at once, then one every 100 ms), vs a bare 100 ms QTimer reaching its 3rd timeout
   in the same event loop. The ratio says what the run loop adds to the timer's own pace:
   ~1.0 = nothing; below 1 = the limit was exceeded.
b. Steps made in a 1 s Run at 10 steps/s, vs the limit (1 at once + 10 in the second).

Each figure: the median of N runs (default 7, alternating with the reference), their
spread (min–max) and the ratio. Settings and autosaves go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402

SPEED = 10  # steps per second, one of the speed combo's choices
STEPS = 4
RUN_SECONDS = 1.0
POLL_MS = 1


def wait_until(app: QtWidgets.QApplication, done: Callable[[], bool], limit_s: float) -> float:
    """Run the event loop until `done()` (checked every POLL_MS); the seconds it took."""
    started = time.perf_counter()
    loop = QtCore.QEventLoop()
    poll = QtCore.QTimer()
    poll.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    poll.timeout.connect(
        lambda: loop.quit() if done() or time.perf_counter() - started > limit_s else None
    )
    poll.start(POLL_MS)
    loop.exec()
    poll.stop()
    app.processEvents()
    return time.perf_counter() - started


def bare_timer_seconds(app: QtWidgets.QApplication, timeouts: int) -> float:
    """A 1000/SPEED ms PreciseTimer started now: seconds to its `timeouts`-th timeout."""
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1

    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(1000 // SPEED)
    seconds = wait_until(app, lambda: count >= timeouts, 10.0)
    timer.stop()
    return seconds


class Window:
    """The real window at SPEED steps/s, started afresh on the lecture example each run."""

    def __init__(self) -> None:
        from gui.main_window import MainWindow

        self.window = MainWindow()
        self.window.resize(1280, 800)
        self.window.show()
        combo = self.window.findChild(QtWidgets.QComboBox, "speedCombo")
        combo.setCurrentIndex(combo.findData(SPEED))

    def fresh(self) -> None:
        from model.session import lecture_session

        self.window.load(lecture_session())

    def seconds_to_steps(self, app: QtWidgets.QApplication, steps: int) -> float:
        self.fresh()
        lab, run = self.window.lab, self.window.transport.run_button
        run.click()
        seconds = wait_until(app, lambda: lab.position >= steps, 10.0)
        run.click()
        return seconds

    def steps_in(self, app: QtWidgets.QApplication, seconds: float) -> int:
        self.fresh()
        run = self.window.transport.run_button
        run.click()
        wait_until(app, lambda: False, seconds)
        run.click()
        return self.window.lab.position

    def close(self) -> None:
        self.window.runner.stop()
        self.window.autosave.finish()
        self.window.hide()


def spread(values: list[float], scale: float = 1.0, unit: str = "") -> str:
    return f"{min(values) * scale:.0f}–{max(values) * scale:.0f}{unit}"


def report(runs: int) -> None:
    from gui.app import make_application

    app = make_application()
    window = Window()
    app.processEvents()
    to_steps: list[float] = []
    reference: list[float] = []
    made: list[float] = []
    for _ in range(runs):  # alternating, so a busy moment of the machine hits both
        to_steps.append(window.seconds_to_steps(app, STEPS))
        reference.append(bare_timer_seconds(app, STEPS - 1))
        made.append(window.steps_in(app, RUN_SECONDS))
    window.close()

    median_steps, median_reference = statistics.median(to_steps), statistics.median(reference)
    print(f"runs: {runs} each, at {SPEED} steps/s")
    print(
        f"a. Run to step {STEPS}: median {median_steps * 1000:.0f} ms "
        f"(spread {spread(to_steps, 1000, ' ms')}); bare {1000 // SPEED} ms timer, "
        f"{STEPS - 1} timeouts: median {median_reference * 1000:.0f} ms "
        f"(spread {spread(reference, 1000, ' ms')}); ratio {median_steps / median_reference:.2f}"
    )
    limit = 1 + SPEED * RUN_SECONDS
    median_made = statistics.median(made)
    print(
        f"b. steps in a {RUN_SECONDS:.0f} s Run: median {median_made:.0f} "
        f"(spread {spread(made)}); limit {limit:.0f}; ratio {median_made / limit:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each figure (≥ 5)")
    runs = max(5, parser.parse_args().runs)
    # Not the user's settings, recent files or autosave folder.
    with tempfile.TemporaryDirectory(prefix="backprop-lab-bench-") as folder:
        os.environ["XDG_CONFIG_HOME"] = folder
        os.environ["XDG_DATA_HOME"] = folder
        report(runs)


if __name__ == "__main__":
    main()
