"""What the Network view's neuron pictures cost a Run, in the real window, offscreen.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_neuron_pictures.py [--rounds N] [--seconds S]

The window at 1366×768 on the circle dataset (100 samples) with a 2-8-8-1 network (tanh,
tanh, sigmoid; batch mode), the Network tab shown. Each round runs for S seconds with the
pictures on and for S seconds with them off, in turns (this machine is shared and its
speed drifts; which goes first alternates), as a student would press Run. Prints the Run
throughput (steps/s) of every round, the median with its spread, the ratio on/off of the
medians and the median of each round's ratio on/off (target ≥ 0.9: the pictures cost
< 10 %; a round's ratio does not see the machine's speed drifting between rounds), how
often the pictures were drawn per second while running, what one drawing of the 17
pictures costs (32×32 grid, forward pass, images and brushes), and a repaint of the
canvas with and without them.
"""

from __future__ import annotations

import argparse
import os
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

from PySide6 import QtCore, QtWidgets  # noqa: E402

from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.datasets import make_dataset  # noqa: E402

LAYERS = [2, 8, 8, 1]
ACTIVATIONS = ["tanh", "tanh", "sigmoid"]


def settle(app: QtWidgets.QApplication, seconds: float) -> None:
    """The event loop for `seconds`, as in the app: idle when there is nothing to do
    (a loop of processEvents() would spin, and take a core from the Run's worker)."""
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def circle_window(app: QtWidgets.QApplication) -> MainWindow:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    lab = window.lab
    assert lab.set_dataset(make_dataset("circle", 100, seed=0), "circle")
    assert lab.set_architecture(LAYERS, ACTIVATIONS, "xavier", 1)
    assert lab.set_config(learning_rate=0.3, mode="batch", loss="cross_entropy")
    tabs = window.view_tabs
    tabs.setCurrentWidget(tabs.pages["diagram"])
    settle(app, 0.5)
    # As in the app, where the Run worker is up ~0.5 s after the window opens.
    deadline = time.perf_counter() + 10
    while not window.runner.worker_ready and time.perf_counter() < deadline:
        settle(app, 0.01)
    return window


class Run(NamedTuple):
    steps: float  # steps/s
    draws: float  # picture drawings/s
    cpu: float  # CPU seconds of the window's process (not the worker's) per second


def run_once(
    app: QtWidgets.QApplication, window: MainWindow, pictures: bool, seconds: float
) -> Run:
    """A Run of `seconds` from step 0, with the pictures on or off."""
    diagram = window.diagram
    diagram.pictures_check.setChecked(pictures)
    window.lab.reset()  # every round from the same state
    settle(app, 0.3)
    draws = diagram.pictures.draws
    start_step = window.lab.position
    start, cpu = time.perf_counter(), time.process_time()
    window.transport.run_button.click()
    settle(app, seconds)
    window.runner.stop()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    steps = window.lab.position - start_step
    settle(app, 0.2)  # the run's last redraw
    return Run(steps / elapsed, (diagram.pictures.draws - draws) / elapsed, cpu / elapsed)


def drawing_ms(
    app: QtWidgets.QApplication, window: MainWindow, pictures: bool, repeats: int
) -> tuple[float, float]:
    """Medians in ms: one drawing of every picture (forced: grid, forward pass, images,
    brushes) after a step, and a repaint of the canvas then, with pictures on or off."""
    diagram = window.diagram
    diagram.pictures_check.setChecked(pictures)
    settle(app, 0.2)
    drawing, painting = [], []
    for _ in range(repeats):
        window.lab.run_steps(1)  # new parameters: new numbers and pictures
        start = time.perf_counter()
        diagram.pictures.follow(diagram.scene, None, True, force=True)
        drawn = time.perf_counter()
        diagram.view.viewport().repaint()
        painting.append(time.perf_counter() - drawn)
        drawing.append(drawn - start)
    return 1000 * statistics.median(drawing), 1000 * statistics.median(painting)


def spread(values: list[float]) -> str:
    return f"{min(values):,.0f}–{max(values):,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="rounds of on + off (≥ 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each Run")
    args = parser.parse_args()
    app = make_application()
    window = circle_window(app)
    runs: dict[bool, list[Run]] = {True: [], False: []}
    print(f"{'round':<7}{'pictures on (steps/s)':>24}{'off (steps/s)':>16}{'on/off':>9}")
    for k in range(args.rounds):
        for pictures in (True, False) if k % 2 == 0 else (False, True):
            runs[pictures].append(run_once(app, window, pictures, args.seconds))
        on, off = runs[True][-1].steps, runs[False][-1].steps
        print(f"{k + 1:<7}{on:>24,.0f}{off:>16,.0f}{on / off:>9.3f}")
    steps = {key: [run.steps for run in value] for key, value in runs.items()}
    on, off = statistics.median(steps[True]), statistics.median(steps[False])
    ratios = sorted(a / b for a, b in zip(steps[True], steps[False], strict=True))
    print()
    print(f"{'figure':<52}{'value':>14}  target")
    print(f"{'Run, pictures on: median steps/s (spread)':<52}{on:>14,.0f}  ({spread(steps[True])})")
    print(
        f"{'Run, pictures off: median steps/s (spread)':<52}{off:>14,.0f}  ({spread(steps[False])})"
    )
    print(f"{'ratio of the medians, on / off':<52}{on / off:>14.3f}")
    # Each round's two runs are seconds apart: their ratio does not see the machine's
    # speed drifting between rounds, which the ratio of the medians does.
    print(
        f"{'median of the ratios of the rounds, on / off':<52}{statistics.median(ratios):>14.3f}"
        f"  >= 0.9  (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    cpu = {key: statistics.median(run.cpu for run in value) for key, value in runs.items()}
    print(
        f"{'window process CPU while running, on / off (s/s)':<52}{cpu[True]:>14.3f}"
        f"  / {cpu[False]:.3f}"
    )
    draw_rate = statistics.median(run.draws for run in runs[True])
    print(f"{'picture drawings per second while running':<52}{draw_rate:>14.1f}")
    drawing, painting_on = drawing_ms(app, window, True, 30)
    _, painting_off = drawing_ms(app, window, False, 30)
    print(f"{'one drawing of the 17 pictures (ms)':<52}{drawing:>14.2f}")
    busy = draw_rate * drawing  # ms of drawing per second of Run
    print(
        f"{'their drawing time while running (ms per s)':<52}{busy:>14.1f}"
        f"  ({busy / 10:.2f} % of one core)"
    )
    print(
        f"{'canvas repaint after a step, pictures on / off (ms)':<52}{painting_on:>14.1f}"
        f"  / {painting_off:.1f}"
    )
    window.lab.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
