"""Large data and networks in the real window (offscreen), as ratios measured in this run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_large.py [--quick] [--timeout S]

Each case runs in a child process of its own (a fresh window; a case that takes longer
than --timeout seconds is reported as such, which is how the code before these changes
fared on the largest ones). Every figure is set against a reference measured in the same
child process: the same operation on the headless Trainer (what the window adds), or,
for a redraw, a bare Qt repaint of the window.

a. A Step with N samples in the data table (30,000; 100,000): the window's Step (Lab.step
   + the repaint) against the headless Trainer.step on the same data, and the number of
   data() calls the data table answered for it.
b. Opening a network of P parameters (10,201 = 100-100-1; 90,601 = 300-300-1) and a Step
   there: the window's load and Step against the headless ones (Session.to_trainer and
   Trainer.step), the curves the weights plot draws, and the share of the Step that the
   two plots took (PlotsPanel.refresh, timed alone).
c. The teaching views with 100,000 samples (views-100000): showing the Gradients and
   the Output map tabs, and a Step while each is shown, against the headless Step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CASES = {
    "data-30000": ("samples", 30_000),
    "data-100000": ("samples", 100_000),
    "net-10201": ("hidden", 100),
    "net-90601": ("hidden", 300),
    "views-100000": ("views", 100_000),
}
QUICK = ("data-30000", "net-10201")


def _session(n_inputs: int, hidden: int, samples: int) -> Any:
    import numpy as np

    from model.session import parse_session

    rng = np.random.default_rng(1)
    layers = [n_inputs, hidden, 1] if hidden else [n_inputs, 1]
    return parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": layers, "activations": ["sigmoid"] * (len(layers) - 1)},
            "init": {"method": "uniform", "low": -0.5, "high": 0.5, "seed": 3},
            "data": {
                "inputs": rng.normal(size=(samples, n_inputs)).round(4).tolist(),
                "targets": rng.integers(0, 2, size=(samples, 1)).astype(float).tolist(),
            },
            "training": {"rule": "backprop", "learning_rate": 0.5, "mode": "online"},
        }
    )


def _timed(action: Any, app: Any) -> float:
    start = time.perf_counter()
    action()
    app.processEvents()
    return time.perf_counter() - start


def run_case(name: str) -> dict[str, Any]:
    """One case in this (child) process; its figures as a dict."""
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()
    from gui.app import make_application
    from gui.tables import InputsTableModel

    calls = {"n": 0}
    original = InputsTableModel.data

    def counting(self: Any, index: Any, role: int = 0) -> Any:
        calls["n"] += 1
        return original(self, index, role)

    InputsTableModel.data = counting  # type: ignore[method-assign]
    from gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.runner.use_worker = False
    window.resize(1366, 700)
    window.show()
    app.processEvents()
    kind, size = CASES[name]
    if kind == "views":
        return _views_case(name, window, app, _session(2, 2, size))
    session = _session(2, 0, size) if kind == "samples" else _session(size, size, 8)
    result: dict[str, Any] = {"case": name}
    t_load = _timed(lambda: window.load(session), app)
    t_load_ref = _timed(session.to_trainer, app)
    result["load_s"], result["load_ref_s"] = t_load, t_load_ref
    headless = session.to_trainer()
    window.lab.step()  # the first step's one-off costs (history reserve) on both sides
    headless.step()
    app.processEvents()
    calls["n"] = 0
    steps = [_timed(window.lab.step, app) for _ in range(3)]
    result["data_calls_per_step"] = calls["n"] / 3
    refs = [_timed(headless.step, app) for _ in range(3)]
    result["step_s"], result["step_ref_s"] = min(steps), min(refs)
    plots = window.plots_panel
    result["plots_refresh_s"] = min(_timed(plots.refresh, app) for _ in range(3))
    result["repaint_s"] = min(_timed(window.grab, app) for _ in range(3))
    result["curves"] = len(plots.weights_plot.curves)
    result["parameters"] = window.lab.trainer.network.n_parameters
    window.lab.undo_stack.setClean()
    return result


def _views_case(name: str, window: Any, app: Any, session: Any) -> dict[str, Any]:
    """Show the Gradients and the Output map tabs, and step while each is shown."""
    window.load(session)
    window.lab.run_steps(300)
    headless = session.to_trainer()
    headless.run(300)
    result: dict[str, Any] = {"case": name, "parameters": session.to_trainer().network.n_parameters}
    result["step_ref_s"] = min(_timed(headless.step, app) for _ in range(3))
    tabs = window.view_tabs
    for key in ("gradient_flow", "output_map"):
        result[f"{key}_show_s"] = _timed(
            lambda key=key: tabs.setCurrentWidget(tabs.pages[key]), app
        )
        result[f"{key}_step_s"] = min(_timed(window.lab.step, app) for _ in range(3))
    window.lab.undo_stack.setClean()
    return result


def run_all(names: list[str], timeout: float) -> list[dict[str, Any]]:
    results = []
    for name in names:
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--case", name],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if not lines:
                results.append({"case": name, "error": done.stderr.strip()[-300:]})
            else:
                results.append(json.loads(lines[-1]))
        except subprocess.TimeoutExpired:
            results.append({"case": name, "timeout_s": timeout})
    return results


def report(results: list[dict[str, Any]]) -> None:
    for r in results:
        name = r["case"]
        if "timeout_s" in r:
            print(f"{name:12s} did not finish in {r['timeout_s']:.0f} s (load + 4 steps)")
            continue
        if "error" in r:
            print(f"{name:12s} failed: {r['error']}")
            continue
        if "gradient_flow_show_s" in r:
            ref = r["step_ref_s"]
            print(
                f"{name:12s} Gradients tab: shown in {r['gradient_flow_show_s']:.3f} s, "
                f"Step {r['gradient_flow_step_s'] * 1000:.0f} ms = "
                f"{r['gradient_flow_step_s'] / ref:.0f}x headless; Output map: shown in "
                f"{r['output_map_show_s']:.3f} s, Step {r['output_map_step_s'] * 1000:.0f} ms "
                f"= {r['output_map_step_s'] / ref:.0f}x headless"
            )
            continue
        print(
            f"{name:12s} P={r['parameters']:,}  "
            f"load {r['load_s']:.3f} s = {r['load_s'] / r['load_ref_s']:.1f}x headless; "
            f"Step {r['step_s'] * 1000:.1f} ms = {r['step_s'] / r['step_ref_s']:.1f}x headless "
            f"(of which plots {r['plots_refresh_s'] * 1000:.1f} ms, repaint "
            f"{r['repaint_s'] * 1000:.1f} ms); data() calls per Step "
            f"{r['data_calls_per_step']:,.0f}; curves drawn {r['curves']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the two smaller cases only")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)), flush=True)
        os._exit(0)  # no teardown of a large window: the figures are printed
    report(run_all(list(QUICK if args.quick else CASES), args.timeout))


if __name__ == "__main__":
    main()
