"""Run-loop and plot figures of the real window, offscreen, as ratios measured in this run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--quick] [--rounds 5]
        [--seconds 3]

Prints: Run throughput with live plots vs the headless engine, in alternating rounds
(target ≥ 0.9 at ≥ 30 redraws/s: issue 11), event-loop latency p50/p99 while running
(target p99 ≤ 20 ms), and the plot redraw time at 1e3, 1e6 and 1e7 history rows (target:
1e7 ≤ 30× the 1e3 figure); the machine (cores, CPU) and its load average.

While Run is on, the window's event loop runs as in the app (`QEventLoop.exec`: asleep
when idle), and lateness is sampled by a 20 ms timer: a benchmark that polled
`processEvents` in a loop kept a core busy, the core the Run worker needs on a 2-core
machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scratch_home import use_scratch_home  # noqa: E402

use_scratch_home()  # its windows' autosaves and settings: not in the user's folder
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.session import lecture_session  # noqa: E402


def headless_steps_per_second(seconds: float) -> float:
    trainer = lecture_session().to_trainer()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += trainer.run(4096)
    return done / (time.perf_counter() - start)


def gui_run(app: QtWidgets.QApplication, seconds: float) -> tuple[float, float, list[float]]:
    """Steps/s and redraws/s while Run is on, and event-loop lateness samples (s)."""
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    # As in the app, where the Run worker is up ~0.5 s after the window opens.
    deadline = time.perf_counter() + 10
    while not window.runner.worker_ready and time.perf_counter() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)
    frames = 0

    def count_frame() -> None:
        nonlocal frames
        frames += 1

    window.runner.frame.connect(count_frame)
    lateness: list[float] = []
    probe = QtCore.QTimer()
    probe.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    interval = 0.02
    last = [time.perf_counter()]

    def on_probe() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - interval))
        last[0] = now

    probe.timeout.connect(on_probe)
    probe.start(int(interval * 1000))
    start_step = window.lab.position
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    start = time.perf_counter()
    window.transport.run_button.click()
    loop.exec()
    window.runner.stop()
    elapsed = time.perf_counter() - start
    probe.stop()
    steps = window.lab.position - start_step
    window.lab.undo_stack.setClean()
    window.hide()
    return steps / elapsed, frames / elapsed, lateness


def redraw_seconds(app: QtWidgets.QApplication, rows: int, repeats: int) -> float:
    """Median time to feed the plots a history of `rows` rows and paint them."""
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    names = window.lab.trainer.history.parameter_names
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 1e-3, size=(rows - 1, len(names) + 1)), axis=0)
    walk[:, -1] = np.abs(walk[:, -1]) + 0.1
    window.lab.trainer.adopt(walk)  # states "made elsewhere": a random walk of `rows`
    seconds = plot_redraw_seconds(window, repeats)
    window.hide()
    return seconds


def plot_redraw_seconds(window: MainWindow, repeats: int) -> float:
    """Median time to refresh the plots from the window's history and paint them (the
    first repeat, which lays out the curves, left out)."""
    panel = window.plots_panel
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        panel.refresh()
        for plot in (panel.error_plot, panel.weights_plot):
            plot.repaint()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:] if len(times) > 1 else times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, 1e6 rows at most")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="of each measurement")
    args = parser.parse_args()
    app = make_application()
    seconds = 1.0 if args.quick else args.seconds
    # Alternate the two measurements: this machine is shared, and its speed drifts.
    rounds = max(1, args.rounds)
    cpu = platform.processor() or "?"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
        cpu = names[0] if names else cpu
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    print(f"{os.cpu_count()} cores, {cpu}; load average {', '.join(f'{x:.2f}' for x in load)}")
    headless_rates, gui_rates, redraw_rates, lateness = [], [], [], []
    for _ in range(rounds):
        headless_rates.append(headless_steps_per_second(seconds))
        steps, redraws, late = gui_run(app, seconds)
        gui_rates.append(steps)
        redraw_rates.append(redraws)
        lateness.extend(late)
    ratios = sorted(g / h for g, h in zip(gui_rates, headless_rates, strict=True))
    headless = statistics.median(headless_rates)
    gui_steps = statistics.median(gui_rates)
    redraws = statistics.median(redraw_rates)
    p50 = float(np.percentile(lateness, 50)) * 1000
    p99 = float(np.percentile(lateness, 99)) * 1000
    print(f"{'figure':<46}{'value':>14}  target")
    print(f"{'headless engine, lecture net (steps/s)':<46}{headless:>14,.0f}")
    print(f"{'Run with live plots (steps/s)':<46}{gui_steps:>14,.0f}")
    spread = f"  (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
    ratio = statistics.median(ratios)
    print(f"{'Run throughput / headless (median round)':<46}{ratio:>14.2f}  >= 0.9{spread}")
    print(f"{'redraws per second while running':<46}{redraws:>14.1f}  >= 30")
    print(f"{'event-loop latency p50 (ms)':<46}{p50:>14.1f}")
    print(f"{'event-loop latency p99 (ms)':<46}{p99:>14.1f}  <= 20")
    sizes = [1_000, 1_000_000] if args.quick else [1_000, 1_000_000, 10_000_000]
    base = None
    for rows in sizes:
        t = redraw_seconds(app, rows, repeats=5)
        base = base or t
        print(
            f"{f'plot redraw at {rows:,} rows (ms)':<46}{t * 1000:>14.1f}"
            f"  {t / base:6.1f}x the 1,000-row redraw (<= 30x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
