"""Contour lines of a sampled grid, for the error surface and the output map's decision
boundary. pyqtgraph's own marching squares loops over every cell in Python (~12 ms per
level at 200×200, too slow to redraw during a Run); `contour_segments` does the same in
a few numpy operations, and `ContourItem` draws its segments in data coordinates.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6 import QtGui

Array = NDArray[np.float64]


def contour_segments(xs: Array, ys: Array, grid: Array, level: float) -> tuple[Array, Array]:
    """Marching squares: where `grid` (shape (len(ys), len(xs)), grid[r, c] at (xs[c], ys[r]))
    crosses `level`, as segments: points 2k and 2k+1 are the ends of segment k."""
    above = grid >= level  # NaN counts as below: no spurious crossings
    with np.errstate(all="ignore"):
        th = (level - grid[:, :-1]) / (grid[:, 1:] - grid[:, :-1])  # horizontal edges
        tv = (level - grid[:-1, :]) / (grid[1:, :] - grid[:-1, :])  # vertical edges
    hx = xs[:-1] + th * np.diff(xs)
    hy = np.broadcast_to(ys[:, None], th.shape)
    vx = np.broadcast_to(xs[None, :], tv.shape)
    vy = ys[:-1, None] + tv * np.diff(ys)[:, None]
    hcross = above[:, :-1] != above[:, 1:]
    vcross = above[:-1, :] != above[1:, :]
    # Per cell, edges in the order bottom, right, top, left.
    mask = np.stack([hcross[:-1], vcross[:, 1:], hcross[1:], vcross[:, :-1]], axis=-1)
    px = np.stack([hx[:-1], vx[:, 1:], hx[1:], vx[:, :-1]], axis=-1)
    py = np.stack([hy[:-1], vy[:, 1:], hy[1:], vy[:, :-1]], axis=-1)
    count = mask.sum(axis=-1)
    two = count == 2
    first = np.argmax(mask[two], axis=-1)
    second = 3 - np.argmax(mask[two][:, ::-1], axis=-1)
    pairs = [(px[two], py[two], first, second)]
    four = count == 4
    if four.any():
        # A saddle: if the centre is on corner A's side (bottom left), A joins C across
        # the cell and the contour cuts off B and D; otherwise it cuts off A and C.
        centre = (grid[:-1, :-1] + grid[:-1, 1:] + grid[1:, :-1] + grid[1:, 1:])[four] / 4 >= level
        joined = centre == above[:-1, :-1][four]
        for (a, b), (c, d) in (((0, 1), (0, 3)), ((2, 3), (1, 2))):
            pairs.append((px[four], py[four], np.where(joined, a, c), np.where(joined, b, d)))
    return _interleave(pairs)


def _interleave(pairs: list[tuple[Array, Array, Array, Array]]) -> tuple[Array, Array]:
    xs, ys = [], []
    for px, py, first, second in pairs:
        rows = np.arange(len(first))
        seg = np.stack(
            [
                np.stack([px[rows, first], px[rows, second]], axis=1).ravel(),
                np.stack([py[rows, first], py[rows, second]], axis=1).ravel(),
            ]
        )
        xs.append(seg[0])
        ys.append(seg[1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    ok = np.isfinite(x.reshape(-1, 2)).all(axis=1) & np.isfinite(y.reshape(-1, 2)).all(axis=1)
    keep = np.repeat(ok, 2)
    return x[keep], y[keep]


class ContourItem(pg.IsocurveItem):
    """An isocurve of a grid, in data coordinates. pyqtgraph's own marching squares loops
    over every cell in Python (~12 ms per level at 200×200); this one is vectorised."""

    def __init__(self, level: float, pen: QtGui.QPen) -> None:
        super().__init__(None, level, pen)
        self._axes: tuple[Array, Array] = (np.zeros(0), np.zeros(0))

    def set_grid(self, xs: Array, ys: Array, values: Array, level: float) -> None:
        self._axes = (xs, ys)
        self.setData(values, level)

    def generatePath(self) -> None:
        if self.data is None:
            self.path = None
            return
        x, y = contour_segments(*self._axes, self.data, self.level)
        self.path = pg.arrayToQPath(x, y, connect="pairs") if x.size else QtGui.QPainterPath()
