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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from scratch_home import use_scratch_home

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
worker = window.runner._worker
if worker is not None and worker.pid is not None:
    with open(f"/proc/{worker.pid}/status") as status:
        print("worker_hwm_kb", [l for l in status if l.startswith("VmHWM")][0].split()[1])
window.runner.stop()
app.processEvents()
trainer = lab.trainer
history = trainer.history
print("steps", trainer.last_step)
print("held", trainer.held_bytes, "share", trainer.budget.history_bytes)
print("stored", history.stored_count, "of", len(history))
if steps:
    elapsed = time.perf_counter() - start
    print("rate", f"{trainer.last_step / elapsed:.0f} steps/s over {elapsed:.0f} s; 10M steps "
          f"in {1e7 / max(trainer.last_step / elapsed, 1e-9) / 3600:.1f} h at that rate")
    for step in sorted({1, len(history) // 3, len(history) // 2 + 1, len(history) - 2}):
        t0 = time.perf_counter()
        lab.seek(step)
        kind = "recomputed" if not history.stored(step) else "stored"
        print("back to", step, kind, f"{1000 * (time.perf_counter() - t0):.0f} ms")
    print("back held after", trainer.held_bytes)
    # The same numbers as a run with no budget, for a prefix: what Back shows at a few of
    # its steps, and the export of the prefix (a detached copy, replayed in blocks, as
    # File → Export history writes it), with the starting state, go to the benchmark,
    # which trains the reference outside the limit (it holds every row).
    from model.session import save_session
    from model.state import Trainer
    out = sys.argv[6]
    prefix = min(len(history) - 1, 4000)
    network = trainer.network.copy()
    network.set_flat(history.row(0))
    save_session(Trainer(network, trainer.data.copy(), trainer.config), f"{out}/start.bplab")
    checked = sorted({1, prefix // 3, prefix // 2 + 1, prefix - 1, prefix})
    shown = []
    for step in checked:
        lab.seek(step)
        shown.append(np.concatenate([lab.trainer.network.get_flat(), history.full_row(step)]))
    np.save(f"{out}/back.npy", np.array(shown))
    np.save(f"{out}/back_steps.npy", np.array(checked))
    # As File → Export history… does: a detached copy (a quarter of the rows at most),
    # the states not in it replayed block by block as they are written.
    t0 = time.perf_counter()
    detached = trainer.detached().history
    print("export copy", detached.stored_count, "rows,", detached.nbytes, "bytes")
    detached.copy_prefix(prefix + 1).export(f"{out}/budget.csv")
    print("export of", prefix + 1, f"rows in {time.perf_counter() - t0:.1f} s")
    print("prefix", prefix, "stored", sum(history.stored(s) for s in range(prefix + 1)))
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


def limited(
    limit_bytes: int | None, argv: list[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Runs argv under an address-space limit (None: none) and the benchmark's settings."""
    prefix = [] if limit_bytes is None else ["prlimit", f"--as={limit_bytes}", "--"]
    return subprocess.run(
        [*prefix, *argv],
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


def headless_case(text: str, budget: int, rounds: int, base: int) -> None:
    """a. --headless on [999, 999, 1] under the limit."""
    with tempfile.TemporaryDirectory() as folder:
        session = big_session(Path(folder))
        print("a. --headless [999, 999, 1], --steps 200")
        rss = []
        for _ in range(rounds):
            done = limited(
                base + int(budget * 1.25),
                [sys.executable, str(ROOT / "main.py"), "--headless", str(session),
                 "--steps", "200", "--memory-budget", text],
                timeout=1800,
            )  # fmt: skip
            traceback = "Traceback" in done.stderr
            print(f"  exit {done.returncode}, traceback: {traceback}, {done.stdout.strip()[:80]}")
            if done.stderr.strip():
                print("  stderr:", done.stderr.strip().splitlines()[-1][:200])
            # prlimit runs the program in its own process: the largest child waited for
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        report("peak RSS", rss, "MB")


def same_as_no_budget(out: Path) -> str:
    """c. The window's Back and export of a prefix against a Trainer with no budget
    trained from the same start, outside the limit: bit for bit, byte for byte."""
    import numpy as np

    from model.session import load_session

    reference = load_session(out / "start.bplab").to_trainer()  # no budget
    steps = np.load(out / "back_steps.npy")
    prefix = int(steps[-1])
    reference.run(prefix)
    back = np.load(out / "back.npy")
    same = all(
        np.array_equal(
            shown, np.concatenate([reference.history.row(s), reference.history.full_row(s)])
        )
        for s, shown in zip(steps.tolist(), back, strict=True)
    )
    reference.history.export(out / "reference.csv")
    exported: object = "not written"
    if (out / "budget.csv").exists():
        exported = (out / "budget.csv").read_bytes() == (out / "reference.csv").read_bytes()
    return (
        f"against no budget, steps 0..{prefix}: Back to {steps.tolist()} equal: {same}; "
        f"export equal: {exported}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--steps", type=int, default=10_000_000)
    parser.add_argument("--budget", default="512M")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--max-seconds", type=float, default=900.0,
        help="c. stops here if the steps are not all done (it prints the rate and the time "
        "10M steps would take)",
    )  # fmt: skip
    parser.add_argument("--only", default="abc", help="which figures: a, b, c or several")
    parser.add_argument(
        "--c-unlimited", action="store_true",
        help="c. without the address-space limit (near it, glibc's malloc maps and unmaps "
        "memory on every call and the window trains ~1/3 slower); the budget is checked "
        "by what the history holds and by the peak RSS",
    )  # fmt: skip
    args = parser.parse_args()
    use_scratch_home()  # the windows' autosaves: not in the user's folder (a killed run's stay)
    sys.path.insert(0, str(ROOT))
    from model.budget import parse_size

    budget = parse_size(args.budget)
    headless_base = base_peak_kb("headless") * 1024
    window_base = base_peak_kb("window") * 1024
    print(f"budget {args.budget}; base address space: headless {headless_base / 2**20:,.0f} MB,")
    print(f"  window {window_base / 2**20:,.0f} MB; limit = base + budget × 1.25")
    if "a" in args.only:
        headless_case(args.budget, budget, args.rounds, headless_base)
    for net, steps, seconds in (
        ("lecture", 0, args.seconds),
        ("medium", 0, args.seconds),
        ("medium", args.steps, args.max_seconds),
    ):
        if ("c" if steps else "b") not in args.only:
            continue
        label = f"{steps:,} steps (at most {seconds:.0f} s)" if steps else f"{seconds:.0f} s"
        print(f"b/c. window, {net} network, {label}")
        rss = []
        for _ in range(args.rounds):
            out = tempfile.mkdtemp()
            done = limited(
                None if steps and args.c_unlimited else window_base + int(budget * 1.25),
                [sys.executable, "-c", WINDOW_DRIVER, str(ROOT), args.budget, net,
                 str(seconds), str(steps), out],
                timeout=max(600.0, seconds * 3),
            )  # fmt: skip
            if steps and Path(out, "back.npy").exists():
                print("  " + same_as_no_budget(Path(out)))
            shutil.rmtree(out, ignore_errors=True)
            traceback = "Traceback" in done.stderr
            lines: dict[str, list[str]] = {}
            for line in done.stdout.splitlines():
                if line.strip():
                    lines.setdefault(line.split()[0], []).append(line)
            print(f"  exit {done.returncode}, traceback: {traceback}")
            for key in ("steps", "held", "stored", "rate", "back", "prefix", "export"):
                for line in lines.get(key, []):
                    print("  " + line)
            match = re.search(r"maxrss_kb (\d+)", done.stdout)
            if match:
                rss.append(int(match.group(1)) / 1024)
            worker = re.search(r"worker_hwm_kb (\d+)", done.stdout)
            if worker:
                print(f"  the worker process's peak RSS: {int(worker.group(1)) / 1024:,.0f} MB")
            if traceback:
                print(textwrap.indent(done.stderr[-1500:], "    "))
        report("peak RSS", rss, "MB")


if __name__ == "__main__":
    main()
