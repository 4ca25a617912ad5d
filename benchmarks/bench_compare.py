"""Run with three compared runs, in the real window, offscreen, against the same training
done headless.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_compare.py [--rounds N] [--seconds S]

The lecture net (2-1, sigmoid, online) with three runs: run 1 at η 0.01 and two compared
runs at η 0.1 and 1 (Run → Compare…, started here by `lab.compared.start`), the window at
1366×768. Each round (this machine is shared and its speed drifts, so the two are
measured in turns) times:

- headless: three Trainers of these settings in one process, each trained in chunks in
  turn; steps/s is the steps each of them made per second;
- the window: Run at full speed for S seconds from step 0 (the worker process trains the
  three runs in lockstep, the window adopts their rows once a frame); steps/s is that of
  the run furthest behind (with the worker, every run is at run 1's step).

Prints the machine, every round, then the medians with their spread: the window's
throughput ÷ headless (target ≥ 0.5), redraws per second (the Run loop's frames, target
≥ 30), the event loop's lateness p99 measured by a 20 ms timer (target ≤ 50 ms), and the
window process's CPU per second of Run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scratch_home import use_scratch_home  # noqa: E402

use_scratch_home()  # its windows' autosaves and settings: not in the user's folder
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.comparison import with_learning_rate  # noqa: E402
from model.session import lecture_session  # noqa: E402

RATES = (0.01, 0.1, 1.0)  # run 1, then the compared runs
PROBE_S = 0.02


def settle(app: QtWidgets.QApplication, seconds: float) -> None:
    """The event loop for `seconds`, as in the app: idle when there is nothing to do
    (a loop of processEvents() would spin, and take a core from the Run's worker)."""
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        model = names[0] if names else model
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"nproc {usable}, {model}, Python {platform.python_version()}"


def headless_steps_per_second(seconds: float) -> float:
    """Three runs of the lecture net (η 0.01, 0.1, 1) trained in turn in this process:
    steps each made per second."""
    trainers = []
    for rate in RATES:
        trainer = lecture_session().to_trainer()
        trainer.set_config(learning_rate=rate)
        trainers.append(trainer)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for trainer in trainers:
            trainer.run(4096)
        done += 4096
    return done / (time.perf_counter() - start)


def compare_window(app: QtWidgets.QApplication) -> MainWindow:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    lab = window.lab
    assert lab.set_config(learning_rate=RATES[0])
    assert lab.compared.start([with_learning_rate(lab.trainer, r) for r in RATES[1:]])
    settle(app, 0.5)
    # As in the app, where the Run worker is up ~0.5 s after the window opens.
    deadline = time.perf_counter() + 10
    while not window.runner.worker_ready and time.perf_counter() < deadline:
        settle(app, 0.01)
    assert window.runner.worker_ready, "the worker process did not start"
    return window


class Round(NamedTuple):
    headless: float  # steps/s of each run
    window: float  # steps/s of run 1 (and of each compared run)
    redraws: float  # frames/s
    p99_ms: float  # event-loop lateness
    cpu: float  # the window process's CPU seconds per second


def window_run(app: QtWidgets.QApplication, window: MainWindow, seconds: float) -> Round:
    lab, runner = window.lab, window.runner
    lab.reset()  # every round from step 0 (the compared runs follow)
    lab.undo_stack.clear()  # … and the rows of the last round are freed
    settle(app, 0.3)
    frames = 0

    def count_frame() -> None:
        nonlocal frames
        frames += 1

    lateness: list[float] = []
    last = [time.perf_counter()]

    def on_probe() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - PROBE_S))
        last[0] = now

    probe = QtCore.QTimer()
    probe.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    probe.timeout.connect(on_probe)
    runner.frame.connect(count_frame)
    start_step = lab.position
    probe.start(round(PROBE_S * 1000))
    start, cpu = time.perf_counter(), time.process_time()
    window.transport.run_button.click()
    settle(app, seconds)
    runner.stop()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    probe.stop()
    runner.frame.disconnect(count_frame)
    # The slowest run's steps: each compared run is at run 1's step when the worker
    # trains them (anything else would be a bug), and behind it when they follow run 1 in
    # the GUI thread, as before the worker trained them.
    steps = lab.position - lab.compared.behind() - start_step
    p99 = float(np.percentile(lateness, 99)) * 1000 if lateness else float("nan")
    return Round(0.0, steps / elapsed, frames / elapsed, p99, cpu / elapsed)


def spread(values: list[float], fmt: str) -> str:
    return f"{format(min(values), fmt)}–{format(max(values), fmt)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="rounds (≥ 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each Run")
    args = parser.parse_args()
    print(machine())
    app = make_application()
    window = compare_window(app)
    rounds: list[Round] = []
    header = f"{'round':<7}{'headless (steps/s)':>20}{'window (steps/s)':>18}{'ratio':>8}"
    print(header + f"{'redraws/s':>11}{'p99 (ms)':>10}{'CPU (s/s)':>11}")
    for k in range(args.rounds):
        # Which goes first alternates: the machine's speed drifts.
        if k % 2 == 0:
            headless = headless_steps_per_second(args.seconds)
            measured = window_run(app, window, args.seconds)
        else:
            measured = window_run(app, window, args.seconds)
            headless = headless_steps_per_second(args.seconds)
        r = measured._replace(headless=headless)
        rounds.append(r)
        print(
            f"{k + 1:<7}{r.headless:>20,.0f}{r.window:>18,.0f}{r.window / r.headless:>8.2f}"
            f"{r.redraws:>11.1f}{r.p99_ms:>10.1f}{r.cpu:>11.2f}"
        )
    ratios = [r.window / r.headless for r in rounds]
    redraws = [r.redraws for r in rounds]
    p99 = [r.p99_ms for r in rounds]
    print()
    print(f"{'figure (median of the rounds, spread)':<52}{'value':>12}  target")
    line = "{:<52}{:>12}  {}"
    headless_rates = [r.headless for r in rounds]
    window_rates = [r.window for r in rounds]
    print(
        line.format(
            "three headless runs, steps/s of each",
            f"{statistics.median(headless_rates):,.0f}",
            f"({spread(headless_rates, ',.0f')})",
        )
    )
    print(
        line.format(
            "Run in the window, steps/s of each of the 3 runs",
            f"{statistics.median(window_rates):,.0f}",
            f"({spread(window_rates, ',.0f')})",
        )
    )
    print(
        line.format(
            "Run throughput / three headless runs",
            f"{statistics.median(ratios):.2f}",
            f">= 0.5  ({spread(ratios, '.2f')})",
        )
    )
    print(
        line.format(
            "redraws per second while running",
            f"{statistics.median(redraws):.1f}",
            f">= 30  ({spread(redraws, '.1f')})",
        )
    )
    print(
        line.format(
            "event-loop lateness p99, 20 ms probe (ms)",
            f"{statistics.median(p99):.1f}",
            f"<= 50  ({spread(p99, '.1f')})",
        )
    )
    cpu = [r.cpu for r in rounds]
    print(
        line.format(
            "window process CPU while running (s/s)",
            f"{statistics.median(cpu):.2f}",
            f"({spread(cpu, '.2f')})",
        )
    )
    window.lab.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
