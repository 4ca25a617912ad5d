"""The memory budget under an address-space limit: runs that would once fill the memory end
without a crash or a traceback, and stay within the budget.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_memory.py [--seconds S] [--steps N]
        [--budget SIZE] [--rounds R]

a. `--headless` on a [999, 999, 1] network (a million parameters; 10 random samples),
   --steps 200, under `prlimit --as` = the budget + the process's own base (measured: the
   interpreter, numpy and OpenBLAS, with no session): exit code, any traceback, peak RSS.
b. A Run of S seconds (default 60) in the window (offscreen) of the lecture network and of
   10-100-100-10 (200 random samples, batch), under the same kind of limit (the window's
   base measured likewise): exit code, steps, what the history holds against its share,
   stored / all states, peak RSS of the window's process.
c. N steps (default 10,000,000; --steps) of 10-100-100-10 in the window at that budget:
   the history's bytes against its share at the end, and Back to a few steps checked
   bit for bit against the same steps replayed by a Trainer with no budget from the
   nearest earlier state it was given (the unit tests compare whole runs: tests/
   test_budget.py, tests/test_gui_budget.py).

Each figure is the median of R rounds (default 1: they take minutes) with min–max.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE_DRIVER = """
import sys, resource
sys.path.insert(0, sys.argv[1])
import numpy
if sys.argv[2] == "window":
    from gui.app import make_application
    from gui.main_window import MainWindow
    app = make_application()
    window = MainWindow()
with open("/proc/self/status") as status:
    print([l for l in status if l.startswith("VmPeak")][0].split()[1])
"""

WINDOW_DRIVER = """
import sys, time, resource, traceback
sys.path.insert(0, sys.argv[1])
import numpy as np
from model import budget as budgets
from model.training import Dataset
budgets.choose(budgets.MemoryBudget.parse(sys.argv[2]))
from PySide6 import QtCore
from gui.app import make_application
from gui.main_window import MainWindow
app = make_application()
window = MainWindow()
window.resize(1280, 800)
window.show()
lab = window.lab
net, seconds, steps = sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
if net == "medium":
    rng = np.random.default_rng(0)
    lab.set_dataset(Dataset(rng.normal(size=(200, 10)), rng.random(size=(200, 10))), "random")
    assert lab.set_architecture([10, 100, 100, 10], ["sigmoid"] * 3)
    lab.set_config(rule="backprop", mode="batch", learning_rate=0.1)
start = time.perf_counter()
window.runner.start()
while time.perf_counter() - start < seconds and (steps == 0 or lab.trainer.last_step < steps):
    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    time.sleep(0.005)
window.runner.stop()
app.processEvents()
trainer = lab.trainer
history = trainer.history
print("steps", trainer.last_step)
print("held", trainer.held_bytes, "share", trainer.budget.history_bytes)
print("stored", history.stored_count, "of", len(history))
if steps:
    for step in sorted({1, len(history) // 3, len(history) // 2 + 1, len(history) - 2}):
        t0 = time.perf_counter()
        lab.seek(step)
        kind = "recomputed" if not history.stored(step) else "stored"
        print("back to", step, kind, f"{1000 * (time.perf_counter() - t0):.0f} ms")
    print("back ok", "held after", trainer.held_bytes)
print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def base_peak_kb(kind: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", BASE_DRIVER, str(ROOT), kind],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    return int(out.stdout.strip().splitlines()[-1])


def limited(limit_bytes: int, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["prlimit", f"--as={limit_bytes}", "--", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", OPENBLAS_NUM_THREADS="1"),
    )


def big_session(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from model.network import Network, initial_weights
    from model.session import save_session
    from model.state import Trainer
    from model.training import Dataset, TrainingConfig

    rng = np.random.default_rng(0)
    weights, biases = initial_weights([999, 999, 1], "uniform", 0, -0.01, 0.01)
    network = Network([999, 999, 1], ["sigmoid", "sigmoid"], weights, biases)
    data = Dataset(rng.random((10, 999)), rng.random((10, 1)))
    trainer = Trainer(network, data, TrainingConfig(rule="backprop", learning_rate=0.1))
    path = folder / "big.bplab"
    save_session(trainer, path)
    return path


def report(name: str, values: list[float], unit: str) -> None:
    if values:
        print(
            f"  {name}: median {statistics.median(values):,.0f} {unit} "
            f"(min {min(values):,.0f}, max {max(values):,.0f}, n={len(values)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--steps", type=int, default=10_000_000)
    parser.add_argument("--budget", default="512M")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from model.budget import parse_size

    budget = parse_size(args.budget)
    headless_base = base_peak_kb("headless") * 1024
    window_base = base_peak_kb("window") * 1024
    print(f"budget {args.budget}; base address space: headless {headless_base / 2**20:,.0f} MB,")
    print(f"  window {window_base / 2**20:,.0f} MB; limit = base + budget × 1.25")
    with tempfile.TemporaryDirectory() as folder:
        session = big_session(Path(folder))
        print("a. --headless [999, 999, 1], --steps 200")
        rss = []
        for _ in range(args.rounds):
            done = limited(
                headless_base + int(budget * 1.25),
                [sys.executable, str(ROOT / "main.py"), "--headless", str(session),
                 "--steps", "200", "--memory-budget", args.budget],
                timeout=1800,
            )  # fmt: skip
            traceback = "Traceback" in done.stderr
            print(f"  exit {done.returncode}, traceback: {traceback}, {done.stdout.strip()[:80]}")
            if done.stderr.strip():
                print("  stderr:", done.stderr.strip().splitlines()[-1][:200])
    for net, steps, seconds in (
        ("lecture", 0, args.seconds),
        ("medium", 0, args.seconds),
        ("medium", args.steps, 1e9),
    ):
        label = f"{steps:,} steps" if steps else f"{seconds:.0f} s"
        print(f"b/c. window, {net} network, {label}")
        rss = []
        for _ in range(args.rounds):
            done = limited(
                window_base + int(budget * 1.25),
                [sys.executable, "-c", WINDOW_DRIVER, str(ROOT), args.budget, net,
                 str(seconds), str(steps)],
                timeout=max(600.0, seconds * 3) if not steps else 24 * 3600,
            )  # fmt: skip
            traceback = "Traceback" in done.stderr
            lines = {line.split()[0]: line for line in done.stdout.splitlines() if line}
            print(f"  exit {done.returncode}, traceback: {traceback}")
            for key in ("steps", "held", "stored", "back"):
                if key in lines:
                    print("  " + lines[key])
            match = re.search(r"maxrss_kb (\d+)", done.stdout)
            if match:
                rss.append(int(match.group(1)) / 1024)
            if traceback:
                print(textwrap.indent(done.stderr[-1500:], "    "))
        report("peak RSS", rss, "MB")


if __name__ == "__main__":
    main()
