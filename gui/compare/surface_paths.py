"""The compared runs on the error surface (gui/teaching/error_surface.py): while runs are
compared, every run's path over the two chosen parameters, each in its colour (as in the
runs table and the error plot) over a white edge that keeps it visible on any colour of
the surface, and a dot where each run is now. Run 1's own path (the view's) then takes
run 1's colour too.

The surface itself is run 1's: the other runs' parameters besides the two chosen differ
from run 1's, so their paths are projections onto it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray

from gui.compare.colours import run_colour
from gui.lab import Lab
from model.gradflow import sample_steps

Array = NDArray[np.float64]
PATH_POINTS = 2000
EDGE_PEN = pg.mkPen(255, 255, 255, 200, width=4)


class RunPath:
    """One run's path: a white edge, the coloured line on it, and its current state."""

    def __init__(self, item: pg.PlotItem, number: int) -> None:
        colour = run_colour(number - 1)
        self.edge = pg.PlotDataItem(pen=EDGE_PEN)
        self.line = pg.PlotDataItem(pen=pg.mkPen(colour, width=2))
        self.dot = pg.ScatterPlotItem(
            size=10, symbol="o", brush=colour, pen=pg.mkPen("#FFFFFF", width=1.5)
        )
        self.dot.setZValue(19)
        for part in self.parts():
            item.addItem(part)
        self.xs: Array = np.zeros(0)
        self.ys: Array = np.zeros(0)

    def parts(self) -> list[pg.GraphicsObject]:
        return [self.edge, self.line, self.dot]

    def draw(self) -> None:
        self.edge.setData(self.xs, self.ys)
        self.line.setData(self.xs, self.ys)
        self.dot.setData(self.xs[-1:], self.ys[-1:])


class RunPaths:
    """Every run's path while runs are compared (none otherwise). `own`: the view's path
    of run 1, hidden meanwhile (run 1's path is drawn here, in its colour)."""

    def __init__(self, item: pg.PlotItem, legend: pg.LegendItem, own: pg.PlotDataItem) -> None:
        self.item, self.legend, self.own = item, legend, own
        self.runs: list[RunPath] = []
        self._labels: list[str] = []

    @property
    def active(self) -> bool:
        return bool(self.runs)

    @staticmethod
    def key(lab: Lab) -> tuple[object, ...]:
        """Changes whenever a compared run moves (for the view's redraw key)."""
        comparison = lab.compared.comparison
        if comparison is None:
            return ()
        return tuple((t.revision, t.position) for t in comparison.trainers(lab.trainer)[1:])

    def compute(self, lab: Lab, i: int, j: int) -> tuple[Array, Array]:
        """Each run's path over parameters i and j (flat indices); every point of all of
        them, for the surface's extent."""
        comparison = lab.compared.comparison
        labels = [] if comparison is None else comparison.labels(lab.trainer)
        if labels != self._labels:
            self._make(labels)
        if comparison is None:
            return np.zeros(0), np.zeros(0)
        for run, trainer in zip(self.runs, comparison.trainers(lab.trainer), strict=True):
            steps = sample_steps(trainer.position + 1, PATH_POINTS)
            parameters = trainer.history.parameters
            run.xs, run.ys = parameters[i, steps].copy(), parameters[j, steps].copy()
        return (
            np.concatenate([run.xs for run in self.runs]),
            np.concatenate([run.ys for run in self.runs]),
        )

    def _make(self, labels: list[str]) -> None:
        self.clear()
        for run in self.runs:
            for part in run.parts():
                self.item.removeItem(part)
            self.legend.removeItem(run.line)
        self.runs = [RunPath(self.item, number) for number in range(1, len(labels) + 1)]
        self._labels = labels
        comparing = bool(labels)
        self.own.setVisible(not comparing)
        self.legend.removeItem(self.own)
        if not comparing:
            self.legend.addItem(self.own, "training path")
        for run, label in zip(self.runs, labels, strict=True):
            self.legend.addItem(run.line, f"{label} (path)")

    def draw(self) -> None:
        for run in self.runs:
            run.draw()

    def clear(self) -> None:
        for run in self.runs:
            run.xs = run.ys = np.zeros(0)
            run.draw()
