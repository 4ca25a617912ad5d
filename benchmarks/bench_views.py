"""Speed of the numerics behind the teaching views, as ratios measured in this run.

    python benchmarks/bench_views.py [--quick]

Error surface: `model.surface.error_grid` on a 200×200 grid (two weights of a 2-4-1
sigmoid network, XOR data), median of several runs, against the obvious reference: a
Python loop calling `Network.error` once per grid point (timed on a 20×20 subset and
scaled per point). Target: well under 1 s, aim < 100 ms.

Each view's figures are one section function returning table rows; `main` prints them
all, so a section for another view is one more entry in SECTIONS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.network import Network, initial_weights  # noqa: E402
from model.surface import error_grid  # noqa: E402
from model.training import Dataset  # noqa: E402

XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
LOSS = "squared_error"

# (figure, value, unit or ratio text, target)
Row = tuple[str, float, str, str]


def xor_network() -> Network:
    weights, biases = initial_weights([2, 4, 1], "uniform", 1, -1.0, 1.0)
    return Network([2, 4, 1], ["sigmoid", "sigmoid"], weights, biases)


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_grid(network: Network, i: int, j: int, xs: np.ndarray, ys: np.ndarray) -> list[float]:
    """The reference: one `Network.error` per grid point, as a first version would."""
    net = network.copy()
    theta = network.get_flat()
    errors = []
    for y in ys:
        for x in xs:
            point = theta.copy()
            point[i], point[j] = x, y
            net.set_flat(point)
            errors.append(net.error(XOR.inputs, XOR.targets, LOSS))
    return errors


# -- error surface --------------------------------------------------------------------------------
def surface_section(repeats: int) -> list[Row]:
    net = xor_network()
    i, j = 0, 1
    xs, ys = np.linspace(-6, 6, 200), np.linspace(-6, 6, 200)
    small_xs, small_ys = xs[::10], ys[::10]  # the 20×20 subset
    check = error_grid(net, XOR, LOSS, i, j, small_xs, small_ys)
    if not np.allclose(
        check.ravel(), naive_grid(net, i, j, small_xs, small_ys), rtol=1e-12, atol=1e-12
    ):
        raise SystemExit("error_grid does not agree with the loop of Network.error")
    grid = median_seconds(lambda: error_grid(net, XOR, LOSS, i, j, xs, ys), repeats)
    per_point = (
        median_seconds(lambda: naive_grid(net, i, j, small_xs, small_ys), repeats)
        / small_xs.size
        / small_ys.size
    )
    loop = per_point * xs.size * ys.size
    verdict = "met" if grid < 0.1 else "MISSED" if grid >= 1.0 else "under 1 s only"
    return [
        ("error_grid 200×200, 2-4-1 XOR (ms)", grid * 1000, "", f"< 100 ({verdict})"),
        ("loop of Network.error, scaled to 200×200 (ms)", loop * 1000, "", ""),
        ("speed-up of error_grid over the loop", loop / grid, "×", ""),
    ]


# -- error surface view (gui/teaching/) --------------------------------------------------------
def surface_view_section(_repeats: int) -> list[Row]:
    """ErrorSurfaceView's full refresh: grid, image, contours and a repaint (grab())."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pyqtgraph import functions as pg_functions
    from PySide6 import QtWidgets

    from gui.lab import Lab
    from gui.teaching import SURFACE_CONTOURS, ErrorSurfaceView, contour_segments
    from model.session import parse_session

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    lab = Lab(
        parse_session(
            {
                "format": "backprop-lab/session",
                "version": 1,
                "network": {"layers": [2, 4, 1], "activations": ["sigmoid", "sigmoid"]},
                "init": {"method": "uniform", "low": -1.0, "high": 1.0, "seed": 1},
                "data": {"inputs": XOR.inputs.tolist(), "targets": XOR.targets.tolist()},
                "training": {
                    "rule": "backprop",
                    "loss": LOSS,
                    "learning_rate": 2.0,
                    "mode": "batch",
                },
            }
        )
    )
    lab.run_steps(500)
    view = ErrorSurfaceView(lab)
    view.resize(800, 500)
    view.show()
    app.processEvents()
    repeats = 5

    def refresh() -> None:
        view.recompute()
        view.grab()

    full = median_seconds(refresh, repeats)
    trainer = lab.trainer
    grid = median_seconds(
        lambda: error_grid(trainer.network, trainer.data, LOSS, 0, 1, view.x_values, view.y_values),
        repeats,
    )
    levels = [contour.level for contour in view.contours]
    values = view.image.image
    ours = median_seconds(
        lambda: [contour_segments(view.x_values, view.y_values, values, v) for v in levels], repeats
    )
    theirs = median_seconds(
        lambda: [
            pg_functions.isocurve(values.T, v, connected=True, extendToEdge=True) for v in levels
        ],
        1,
    )
    view.close()
    verdict = "met" if full < 0.2 else "MISSED"
    return [
        (
            "ErrorSurfaceView refresh, 200×200 (ms)",
            full * 1000,
            "",
            f"< 200, the Run redraw interval ({verdict})",
        ),
        ("  of which error_grid (ms)", grid * 1000, "", ""),
        (f"  of which {SURFACE_CONTOURS} contours, vectorised (ms)", ours * 1000, "", ""),
        (f"pyqtgraph isocurve, same {SURFACE_CONTOURS} levels (ms)", theirs * 1000, "", ""),
    ]


SECTIONS: list[tuple[str, Callable[[int], list[Row]]]] = [
    ("error surface", surface_section),
    ("error surface view, median of 5", surface_view_section),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; median of {repeats}")
    header = f"{'figure':<48}{'value':>12}  target"
    print(header)
    print("-" * len(header))
    for title, section in SECTIONS:
        print(f"[{title}]")
        for figure, value, unit, target in section(repeats):
            print(f"{figure:<48}{value:>11,.1f}{unit or ' '}  {target}")


if __name__ == "__main__":
    main()
