"""Redraw time of the network diagram, against a reference measured in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_diagram.py [--quick]

For the lecture network and for a 2-4-4-4-4-1 network it times one redraw as a Run makes
it: new parameters in the model, the model's signal (the diagram recomputes the forward
pass and the gradients and restyles its items) and a repaint (`widget.grab()`). The
reference is `grab()` of an empty QWidget of the same size: the fixed cost of painting
anything that big. Prints the medians in ms and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from gui.diagram import NetworkDiagram  # noqa: E402
from gui.lab import Lab  # noqa: E402
from model.session import lecture_session, parse_session  # noqa: E402

SIZE = (700, 450)


def deep_session() -> object:
    layers = [2, 4, 4, 4, 4, 1]
    return parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": layers, "activations": ["sigmoid"] * 5},
            "init": {"method": "uniform", "low": -1.0, "high": 1.0, "seed": 1},
            "data": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]]},
            "training": {"rule": "backprop", "learning_rate": 0.5, "mode": "online"},
        }
    )


def median_ms(action: Callable[[int], object], repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def diagram_redraw_ms(app: QtWidgets.QApplication, lab: Lab, repeats: int) -> float:
    diagram = NetworkDiagram(lab)
    diagram.resize(*SIZE)
    diagram.show()
    app.processEvents()
    network = lab.trainer.network
    start = network.get_flat()

    def redraw(i: int) -> None:
        # What a step does to what the diagram shows, without the training's own cost.
        network.set_flat(start + 1e-3 * np.sin(i + np.arange(start.size)))
        lab.positionChanged.emit()
        diagram.grab()

    redraw(0)  # first paint: fonts and caches
    result = median_ms(redraw, repeats)
    diagram.close()
    return result


def empty_grab_ms(app: QtWidgets.QApplication, repeats: int) -> float:
    widget = QtWidgets.QWidget()
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()
    widget.grab()
    result = median_ms(lambda _i: widget.grab(), repeats)
    widget.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 20 if args.quick else 200
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    reference = empty_grab_ms(app, repeats)
    print(f"reference: grab() of an empty {SIZE[0]}x{SIZE[1]} QWidget  {reference:7.3f} ms")
    for name, session in (("lecture 2-1", lecture_session()), ("2-4-4-4-4-1", deep_session())):
        ms = diagram_redraw_ms(app, Lab(session), repeats)  # type: ignore[arg-type]
        print(
            f"diagram {name:<12} update + grab()             {ms:7.3f} ms   "
            f"{ms / reference:6.1f}x the reference"
        )


if __name__ == "__main__":
    main()
