"""Speed of the error surface's grid, as a ratio against a reference measured in this run.

    python benchmarks/bench_surface.py [--repeats N]

`model.surface.error_grid` on the 200×200 grid of tests/test_surface.py's
test_200_by_200_on_xor (the first two weights of a 2-4-1 sigmoid network, seed 1, both
from −5 to 5, XOR data, squared error), which until now asserted "under 0.5 s" there. The
reference is the obvious loop: `Network.error` once per grid point (timed on a 20×20
subset, scaled per point). Both are checked to agree on the subset first.

Figures: the median of N runs (default 9, at least 5) and their spread (lowest and
highest, and highest − lowest over the median). The ratio is what to compare between
machines; the milliseconds depend on the machine and on its load.
benchmarks/bench_views.py times the same grid inside the error-surface view.
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
OLD_LIMIT_S = 0.5  # the bound tests/test_surface.py used to assert
WIDTH = 46


def xor_network() -> Network:
    weights, biases = initial_weights([2, 4, 1], "uniform", 1, -1.0, 1.0)
    return Network([2, 4, 1], ["sigmoid", "sigmoid"], weights, biases)


def timings(run: Callable[[], object], repeats: int) -> list[float]:
    run()  # warm-up: first-call costs (imports, allocations) are not the figure
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def naive_grid(network: Network, i: int, j: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The reference: one `Network.error` per grid point, on a copy of the network."""
    net = network.copy()
    theta = network.get_flat()
    out = np.empty((len(ys), len(xs)))
    for r, y in enumerate(ys):
        for c, x in enumerate(xs):
            point = theta.copy()
            point[i], point[j] = x, y
            net.set_flat(point)
            out[r, c] = net.error(XOR.inputs, XOR.targets, LOSS)
    return out


def line(figure: str, times: list[float], scale: float = 1.0) -> str:
    values = [t * scale * 1000 for t in times]
    median = statistics.median(values)
    low, high = min(values), max(values)
    return (
        f"{figure:<{WIDTH}}{median:>10.2f}  {low:>9.2f} – {high:<9.2f}{(high - low) / median:>7.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs per figure (at least 5)")
    args = parser.parse_args()
    repeats = max(5, args.repeats)

    net = xor_network()
    xs, ys = np.linspace(-5, 5, 200), np.linspace(-5, 5, 200)
    small_xs, small_ys = xs[::10], ys[::10]  # the 20×20 subset
    if not np.allclose(
        error_grid(net, XOR, LOSS, 0, 1, small_xs, small_ys),
        naive_grid(net, 0, 1, small_xs, small_ys),
        rtol=1e-12,
        atol=1e-12,
    ):
        raise SystemExit("error_grid does not agree with the loop of Network.error")
    if error_grid(net, XOR, LOSS, 0, 1, xs, ys).shape != (200, 200):
        raise SystemExit("error_grid did not give a 200×200 grid")

    grid = timings(lambda: error_grid(net, XOR, LOSS, 0, 1, xs, ys), repeats)
    loop = timings(lambda: naive_grid(net, 0, 1, small_xs, small_ys), repeats)
    scale = (xs.size * ys.size) / (small_xs.size * small_ys.size)  # subset → 200×200

    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; {repeats} runs each")
    header = f"{'figure (ms)':<{WIDTH}}{'median':>10}  {'lowest – highest':^21}{'spread':>7}"
    print(header)
    print("-" * len(header))
    print(line("error_grid 200×200, 2-4-1 XOR", grid))
    print(line("reference: loop of Network.error, scaled", loop, scale))
    ratio = statistics.median(loop) * scale / statistics.median(grid)
    print(f"{'speed-up of error_grid over the loop':<{WIDTH}}{ratio:>9.1f}×")
    share = statistics.median(grid) / OLD_LIMIT_S
    print(f"{'error_grid / the old test bound of 500 ms':<{WIDTH}}{share:>10.2f}")


if __name__ == "__main__":
    main()
