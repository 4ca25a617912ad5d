"""The remaining speed and memory figures of the budget, each against a reference measured in
this run (bench_engine.py and bench_gui.py cover the others).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_budget.py [--quick]

a. CSV export of a 1,000,000-row lecture history (a random walk), read back and checked
   exactly equal, vs `numpy.savetxt` with its default format on the same table (best of 3,
   alternating; target ≤ 1.0×).
b. Process start to the first paint of the window vs a bare window (QApplication +
   QMainWindow with a pyqtgraph PlotWidget), offscreen, median (min–max) of 7 alternating
   runs each (target ≤ 1.2×, issue 11). The parent passes its `time.perf_counter()` from
   just before the start; on Linux that clock is system-wide (CLOCK_MONOTONIC), so the
   child can subtract.
c. History memory per row: 10,000,000 rows appended in chunks of 4096; allocated bytes
   and the process's RSS growth, each over the rows' raw float64 size (target ≤ 1.25×).
d. A long Run: 10,000,000 steps of the lecture network in the window (offscreen,
   1280×800): steps/s, event-loop lateness p99 (a 20 ms probe timer), RSS growth over the
   raw history size (≤ 1.25×), the plots' refresh + repaint at the end, and the export of
   the whole history to CSV (its row count checked).

--quick: 200,000 rows for (a), 3 runs for (b), 1,000,000 rows for (c) and steps for (d).
--only startup: figure (b) alone (--only export|startup|memory|run picks one); --runs N: N
runs each for (b) (default 7). (b) gives its children a bytecode cache in its temporary
folder, as an installed program has; --no-bytecode-cache leaves the environment's setting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scratch_home import use_scratch_home  # noqa: E402

use_scratch_home()  # its windows' autosaves and settings: not in the user's folder
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from benchmarks.bench_gui import plot_redraw_seconds  # noqa: E402
from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.history import GROWTH, History, read_csv  # noqa: E402

LECTURE_NAMES = ["W1", "W2", "b"]
LECTURE_START = [0.5, 0.2, 1.83, 0.356465271]  # W1, W2, b, E of the lecture example
APPEND_CHUNK = 4096
RUN_LIMIT_S = 120.0
PROBE_INTERVAL_S = 0.02
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
WIDTH = 54
STARTUP_TARGET = 1.2  # window / bare, issue 11
FIGURES = ("export", "startup", "memory", "run")

# Runs in a fresh interpreter for figure (b): start-up must not include this script's own
# imports. The window's variant builds it as gui.app.run_gui does.
FIRST_PAINT_DRIVER = """
import gc, sys, time
start = float(sys.argv[2])
if sys.argv[1] in ("window", "bare, collector paused"):
    gc.disable()  # as `python main.py` does before its imports (main.py's top)
from PySide6 import QtCore, QtWidgets

class FirstPaint(QtCore.QObject):
    seen = False
    def eventFilter(self, watched, event):
        if event.type() == QtCore.QEvent.Type.Paint and not self.seen:
            self.seen = True
            print(time.perf_counter() - start, flush=True)
            QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
        return False

if sys.argv[1] == "window":
    import main  # the entry point's own imports, as `python main.py` makes them
    from gui.app import make_application, after_first_paint
    from gui.main_window import MainWindow
    app = make_application(version_now=False)
    window = MainWindow()
    window.firstPainted.connect(lambda: after_first_paint(app))
else:
    import pyqtgraph as pg
    app = QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.setCentralWidget(pg.PlotWidget())
    window.resize(1280, 800)
spy = FirstPaint()
# On every widget of the window: the offscreen platform paints the children first.
for widget in [window, *window.findChildren(QtWidgets.QWidget)]:
    widget.installEventFilter(spy)
window.show()
app.exec()
"""


# -- helpers ---------------------------------------------------------------------------------
def row(figure: str, value: str, target: str = "") -> None:
    print(f"{figure:<{WIDTH}}{value:>14}  {target}".rstrip())


def verdict(value: float, limit: float, unit: str = "x") -> str:
    return f"<= {limit}{unit}  {'met' if value <= limit else 'MISSED'}"


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def random_walk(rows: int, rng: np.random.Generator, start: np.ndarray) -> np.ndarray:
    """Lecture-shaped rows (W1, W2, b, error) drifting from `start`; errors stay > 0."""
    walk = start + np.cumsum(rng.normal(0.0, 1e-3, size=(rows, len(start))), axis=0)
    walk[:, -1] = np.abs(walk[:, -1])
    return walk


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def count_lines(path: Path) -> int:
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            lines += block.count(b"\n")
    return lines


# -- a. CSV export ----------------------------------------------------------------------------
def export_figures(rows: int, repeats: int, folder: Path) -> None:
    history = History(LECTURE_NAMES, capacity=rows)
    history.extend(random_walk(rows, np.random.default_rng(1), np.array(LECTURE_START)))
    table = history.table()
    ours_path, numpy_path = folder / "ours.csv", folder / "savetxt.csv"
    ours, theirs = [], []
    for _ in range(repeats):  # alternating: this machine is shared, its speed drifts
        ours.append(timed(lambda: history.to_csv(ours_path)))
        theirs.append(timed(lambda: np.savetxt(numpy_path, table, delimiter=",")))
    start = time.perf_counter()
    header, values = read_csv(ours_path)
    read_time = time.perf_counter() - start
    if header != history.columns or not np.array_equal(values, table):
        raise SystemExit("the exported CSV does not read back to the identical table")
    ratio = min(ours) / min(theirs)
    size = ours_path.stat().st_size / 1e6
    row(
        f"a. History.to_csv, {rows:,} rows (s, best of {repeats})",
        f"{min(ours):.2f}",
        f"{size:.0f} MB, read back exactly equal",
    )
    row(
        "   numpy.savetxt, same table (s)",
        f"{min(theirs):.2f}",
        f"{numpy_path.stat().st_size / 1e6:.0f} MB",
    )
    row("   to_csv / savetxt", f"{ratio:.2f}", verdict(ratio, 1.0))
    row("   read_csv of the export (s)", f"{read_time:.2f}")


# -- b. start to first paint ------------------------------------------------------------------
def first_paint_seconds(kind: str, settings: str, bytecode: str | None) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings)
    if bytecode is not None:
        # As an installed program starts: its modules' bytecode compiled once, not at every
        # start (an environment that sets PYTHONDONTWRITEBYTECODE would compile the app's
        # ~190 modules from source each time, while PySide6 and pyqtgraph come compiled).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = bytecode
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_DRIVER, kind, repr(start)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.split()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"first-paint driver ({kind}) failed:\n{done.stderr}")
    return float(lines[0])


def startup_figures(runs: int, folder: Path, bytecode_cache: bool = True) -> None:
    settings = str(folder / "settings")  # a fresh one: no saved geometry, no recent files
    bytecode = str(folder / "pycache") if bytecode_cache else None
    # The window pauses Python's garbage collector until its first paint (gui/app.py); a
    # bare program does not. The bare window with it paused too shows what that is worth.
    times: dict[str, list[float]] = {"window": [], "bare": [], "bare, collector paused": []}
    for kind in times:  # warm the file cache (and write the bytecode); not counted
        first_paint_seconds(kind, settings, bytecode)
    for _ in range(runs):
        for kind, results in times.items():
            results.append(first_paint_seconds(kind, settings, bytecode))
    window, bare = statistics.median(times["window"]), statistics.median(times["bare"])
    row(
        f"b. start to first paint, the window (ms, median of {runs})"
        + ("" if bytecode_cache else ", no bytecode cache"),
        f"{window * 1000:.0f}",
        spread_ms(times["window"]),
    )
    row(
        "   same, bare QMainWindow + PlotWidget (ms)",
        f"{bare * 1000:.0f}",
        spread_ms(times["bare"]),
    )
    # Each round's ratio too: the runs of a round saw the same moment of the machine.
    ratios = sorted(w / b for w, b in zip(times["window"], times["bare"], strict=True))
    row(
        "   window / bare (the target's reference: a plain program)",
        f"{window / bare:.2f}",
        f"{verdict(window / bare, STARTUP_TARGET)}  (per round {ratios[0]:.2f}–{ratios[-1]:.2f})",
    )
    paused = statistics.median(times["bare, collector paused"])
    row(
        "   same, bare with the collector paused too (ms)",
        f"{paused * 1000:.0f}",
        spread_ms(times["bare, collector paused"]),
    )
    # Like for like: what the window's own code costs beyond a bare window.
    row("   window / that (like for like)", f"{window / paused:.2f}")


def spread_ms(times: list[float]) -> str:
    runs = ", ".join(f"{t * 1000:.0f}" for t in sorted(times))
    return f"({min(times) * 1000:.0f}–{max(times) * 1000:.0f}; runs: {runs})"


# -- c. history memory ------------------------------------------------------------------------
def memory_figures(rows: int) -> None:
    rng = np.random.default_rng(2)
    before = rss_bytes()
    history = History(LECTURE_NAMES)
    last = np.array(LECTURE_START)
    start = time.perf_counter()
    while len(history) < rows:
        chunk = random_walk(min(APPEND_CHUNK, rows - len(history)), rng, last)
        history.extend(chunk)
        last = chunk[-1]
    elapsed = time.perf_counter() - start
    held = history.nbytes / history.raw_nbytes
    resident = (rss_bytes() - before) / history.raw_nbytes
    row(
        f"c. history of {rows:,} rows: raw float64 (MB)",
        f"{history.raw_nbytes / 1e6:.0f}",
        f"appended in chunks of {APPEND_CHUNK} in {elapsed:.1f} s",
    )
    row("   History.nbytes / raw_nbytes", f"{held:.3f}", verdict(held, 1.25))
    row("   process RSS growth / raw_nbytes", f"{resident:.3f}", verdict(resident, 1.25))


# -- d. a long run in the window --------------------------------------------------------------
class LatenessProbe:
    """A 20 ms precise timer; records how late each tick comes (the event loop's delay)."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._timer = QtCore.QTimer()
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._last = time.perf_counter()

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start(int(PROBE_INTERVAL_S * 1000))

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, now - self._last - PROBE_INTERVAL_S))
        self._last = now


def process_events_until(
    app: QtWidgets.QApplication, done: Callable[[], bool], limit: float
) -> None:
    start = time.perf_counter()
    while not done() and time.perf_counter() - start < limit:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)


@dataclass
class LongRun:
    """What figure (d) measured."""

    steps: int  # steps made during the run
    seconds: float
    in_worker: bool  # the worker process trained (else the GUI thread did)
    lateness: list[float]  # event-loop lateness samples (s)
    rss_growth: int  # bytes
    new_rows_bytes: int  # raw float64 size of the rows the run added
    held: float  # History.nbytes / raw_nbytes at the end
    redraw: float  # s
    export: float  # s
    rows: int  # rows in the history
    exported_rows: int  # data lines in the CSV


def run_window(app: QtWidgets.QApplication, window: MainWindow, steps: int) -> LongRun:
    """Press Run, wait for `steps` steps (or RUN_LIMIT_S), press it again (pause)."""
    # A student presses Run a moment after the window opens: by then the worker is up.
    process_events_until(app, lambda: window.runner.worker_ready, 10.0)
    lab = window.lab
    in_worker, start_step, start_rows = (
        window.runner.worker_ready,
        lab.position,
        len(lab.trainer.history),
    )
    probe = LatenessProbe()
    before = rss_bytes()
    probe.start()
    start = time.perf_counter()
    window.transport.run_button.click()
    process_events_until(app, lambda: lab.position - start_step >= steps, RUN_LIMIT_S)
    window.transport.run_button.click()
    seconds = time.perf_counter() - start
    probe.stop()
    history = lab.trainer.history
    return LongRun(
        steps=lab.position - start_step,
        seconds=seconds,
        in_worker=in_worker,
        lateness=probe.lateness,
        rss_growth=rss_bytes() - before,
        new_rows_bytes=(len(history) - start_rows) * len(history.columns[1:]) * 8,
        held=history.nbytes / history.raw_nbytes,
        redraw=0.0,
        export=0.0,
        rows=len(history),
        exported_rows=0,
    )


def long_run_figures(app: QtWidgets.QApplication, steps: int, folder: Path) -> None:
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    run = run_window(app, window, steps)
    run.redraw = plot_redraw_seconds(window, repeats=5)
    export_path = folder / "long-run.csv"
    run.export = timed(lambda: window.lab.trainer.history.to_csv(export_path))
    run.exported_rows = count_lines(export_path) - 1  # the header
    export_path.unlink()
    window.lab.undo_stack.setClean()
    window.hide()
    print_long_run(run, steps)


def print_long_run(run: LongRun, steps: int) -> None:
    short = "" if run.steps >= steps else f"only {run.steps:,} steps in {RUN_LIMIT_S:.0f} s"
    row(f"d. Run to {steps:,} steps in the window (s)", f"{run.seconds:.1f}", short)
    row(
        "   steps/s",
        f"{run.steps / run.seconds:,.0f}",
        "trained in the worker process" if run.in_worker else "trained in the GUI thread",
    )
    p99 = float(np.percentile(run.lateness, 99)) * 1000 if run.lateness else float("nan")
    row("   event-loop lateness p99 during the run (ms)", f"{p99:.1f}", verdict(p99, 50, " ms"))
    growth = run.rss_growth / run.new_rows_bytes
    row(
        "   RSS growth / raw size of the new rows",
        f"{growth:.3f}",
        f"{verdict(growth, 1.25)}  ({run.rss_growth / 1e6:.0f} MB for "
        f"{run.new_rows_bytes / 1e6:.0f} MB of rows)",
    )
    # ndarray.resize zero-fills the capacity it adds, so all of it is resident.
    row(
        "   of which the history's capacity: nbytes / raw",
        f"{run.held:.3f}",
        verdict(run.held, 1.25) + f"  (growth factor {GROWTH})",
    )
    row("   plot refresh + repaint at the end (ms)", f"{run.redraw * 1000:.1f}")
    right = (
        "row count right"
        if run.exported_rows == run.rows
        else f"ROW COUNT WRONG: {run.exported_rows:,} rows written"
    )
    row(f"   export of the {run.rows:,} rows to CSV (s)", f"{run.export:.1f}", right)


def quiet_offscreen_notice(_mode: object, _context: object, message: str) -> None:
    # The offscreen platform says this for every top-level window; it means nothing here.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller sizes (1e6 steps for the long run), fewer runs",
    )
    parser.add_argument("--only", choices=FIGURES, help="measure this figure alone")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs each for start to first paint (default 7)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="start to first paint with the environment's bytecode setting as it is "
        "(PYTHONDONTWRITEBYTECODE compiles the app's modules at every start)",
    )
    args = parser.parse_args()
    export_rows, startup_runs = (200_000, 3) if args.quick else (1_000_000, 7)
    if args.runs is not None:
        startup_runs = max(1, args.runs)
    wanted = set(FIGURES) if args.only is None else {args.only}
    rows = 1_000_000 if args.quick else 10_000_000
    QtCore.qInstallMessageHandler(quiet_offscreen_notice)
    app = make_application()
    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"{QtWidgets.QApplication.platformName()} Qt platform, {os.cpu_count()} CPUs"
    )
    row("figure", "value", "target")
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        folder = Path(tmp)
        if "export" in wanted:
            export_figures(export_rows, 3, folder)
        if "startup" in wanted:
            startup_figures(startup_runs, folder, not args.no_bytecode_cache)
        if "memory" in wanted:
            memory_figures(rows)  # before the run: its history is freed by then
        if "run" in wanted:
            long_run_figures(app, rows, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
