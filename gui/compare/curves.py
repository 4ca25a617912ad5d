"""The compared runs on the error plot: each run's error (and test error, dashed) in its
colour, with a legend entry per run, against run 1's step numbering (run k's state 0 is
run 1's step `first_steps()[k]`).

The curves are the error plot's overlay (gui/plots.py, `ErrorPlot.overlay`): the plot
asks for their data whenever it redraws its own, so they share its view, its range and
its frame. Each run's series goes through a peak envelope (gui/envelope.py), so a long
comparison costs a few thousand points per curve and frame. When the runs move without
run 1's history changing (they catch up in slices, gui/compare/runs.py), one redraw is
queued for the next turn of the event loop.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gui.compare.colours import run_colour
from gui.envelope import PeakEnvelope
from gui.lab import Lab
from gui.plot_style import CURVE_WIDTH
from gui.plots import TEST_COLUMN, ErrorPlot
from gui.step_plot import CurveData
from model.numbers import format_number
from model.state import Trainer

EMPTY = np.zeros(0)


class RunCurves:
    """One compared run's curves: its error, and its test error when the data has a test set."""

    def __init__(self, plot: ErrorPlot, number: int, label: str, test: bool) -> None:
        colour = run_colour(number - 1)
        self.error = plot.make_curve(label, pg.mkPen(colour, width=CURVE_WIDTH))
        self.test: pg.PlotDataItem | None = None
        if test:
            dashed = pg.mkPen(colour, width=CURVE_WIDTH, style=QtCore.Qt.PenStyle.DashLine)
            self.test = plot.make_curve(None, dashed)
        for curve in self.items():
            curve.setSymbolSize(5)
            curve.setSymbolBrush(pg.mkColor(colour))
            curve.setSymbolPen(None)
        self.envelopes = (PeakEnvelope(), PeakEnvelope())

    def items(self) -> list[pg.PlotDataItem]:
        return [self.error] if self.test is None else [self.error, self.test]

    def data(self, trainer: Trainer, offset: int, first: int, last: int) -> CurveData:
        """Rows first..last of run 1's numbering that this run has (offset: run 1's step
        of its state 0)."""
        history = trainer.history
        n = len(history)
        lo, hi = max(first - offset, 0), min(last - offset, n - 1)
        series = [history.errors]
        if self.test is not None:
            series.append(history.column(TEST_COLUMN))
        drawn: CurveData = []
        for curve, envelope, values in zip(self.items(), self.envelopes, series, strict=False):
            curve.setSymbol("o" if n == 1 else None)  # one state: a dot, no line
            if lo > hi:
                drawn.append((curve, EMPTY, EMPTY))
                continue
            source = (history, history.revision)
            x, y = envelope.view(source, values[np.newaxis, :], lo, hi)
            drawn.append((curve, x + offset, y[0]))
        return drawn


class ComparedCurves(QtCore.QObject):
    """The overlay of the compared runs on `plot`; see the module's docstring."""

    def __init__(self, plot: ErrorPlot, lab: Lab) -> None:
        super().__init__(plot)
        self.plot = plot
        self.lab = lab
        self.runs: list[RunCurves] = []
        self._key: tuple[object, ...] = ()
        self._dirty = False
        self._redraw = QtCore.QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self._on_redraw)
        plot.overlay = self
        lab.compared.changed.connect(self.sync)
        lab.configChanged.connect(self.sync)  # the names say which settings differ
        lab.structureChanged.connect(self.sync)  # a test set came or went
        self.sync()

    def _trainers(self) -> tuple[list[Trainer], list[int]]:
        comparison = self.lab.compared.comparison
        if comparison is None:
            return [], []
        return comparison.trainers(self.lab.trainer)[1:], comparison.first_steps()[1:]

    def sync(self) -> None:
        """Make the curves again if the runs, their names or the test set changed; queue
        a redraw (none if the plot redraws meanwhile)."""
        comparison = self.lab.compared.comparison
        labels = comparison.labels(self.lab.trainer) if comparison is not None else []
        test = TEST_COLUMN in self.lab.trainer.history.extra_columns
        key = (tuple(labels), test)
        if key != self._key:
            self._key = key
            self._rebuild(labels, test)
        elif self.runs:
            self._order_legend()  # (the plot may have made run 1's curves again)
        self._dirty = True
        self._redraw.start(0)

    def _rebuild(self, labels: list[str], test: bool) -> None:
        item = self.plot.getPlotItem()
        for run in self.runs:
            for curve in run.items():
                item.removeItem(curve)
        self.plot.set_run_label(labels[0] if labels else None)
        self.runs = [
            RunCurves(self.plot, number, label, test)
            for number, label in enumerate(labels[1:], start=2)
        ]
        self._order_legend()
        self.plot.fit_legend()

    def _order_legend(self) -> None:
        """Run 1's entries, then one per compared run, then the test error's: the order
        of the runs table."""
        legend = self.plot.legend
        own = [c for c in self.plot.curves if legend.getLabel(c) is not None]
        test = self.plot.test_curve
        order = [*own, *(run.error for run in self.runs)]
        if test is not None and legend.getLabel(test) is not None:
            order.append(test)
        if [sample.item for sample, _label in legend.items] == order:
            return
        names = {id(curve): legend.getLabel(curve).text for curve in order}
        legend.clear()
        for curve in order:
            legend.addItem(curve, names[id(curve)])

    def _on_redraw(self) -> None:
        if self._dirty:
            self.plot.update_curves()

    # -- the plot's overlay -----------------------------------------------------------------
    def curve_data(self, first: int, last: int) -> CurveData:
        self._dirty = False
        trainers, offsets = self._trainers()
        drawn: CurveData = []
        for run, trainer, offset in zip(self.runs, trainers, offsets, strict=False):
            drawn += run.data(trainer, offset, first, last)
        return drawn

    def describe(self, step: int) -> str:
        """', run 2: E = 0.2, run 3: E = 0.1' at `step` (runs that have it)."""
        trainers, offsets = self._trainers()
        parts = []
        for number, (trainer, offset) in enumerate(zip(trainers, offsets, strict=True), start=2):
            local = step - offset
            if 0 <= local < len(trainer.history):
                error = trainer.history.error_at(local)
                parts.append(f"run {number}: E = {format_number(error)}")
        return "".join(f", {part}" for part in parts)
