"""The base of the live plots: series against the step, with the current-step marker, a
hover readout, a legend under the plot, and a view that follows the data cheaply.

Curves are fed views of the History's arrays (no copies); clipping to the visible range
and peak envelopes (gui/envelope.py) keep a 10-million-step history fast to redraw.
Clicking a plot or dragging the marker asks the window to move to that step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui

from gui.envelope import PeakEnvelope
from gui.plot_style import MARKER_PEN, StepAxis, ValueAxis, bottom_legend, keep_legend_fitted
from model.history import History

Array = NDArray[np.float64]
CurveData = list[tuple[pg.PlotDataItem, Array, Array]]


def round_up(x: float) -> float:
    """The next of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k at or above x: a live x axis grows in
    steps of at most a third, and keeps its ticks between them."""
    if x <= 1:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(x))
    for mantissa in (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if mantissa * scale >= x:
            return float(mantissa * scale)
    return float(10 * scale)


def value_bounds(ys: Array, log: bool) -> tuple[float, float]:
    """Min and max of the values (of their log10, positive values only, on a log axis)."""
    values = ys[np.isfinite(ys)]
    if log:
        values = np.log10(values[values > 0])
    if not values.size:
        return 0.0, 1.0
    return float(values.min()), float(values.max())


class StepPlot(pg.PlotWidget):
    """A plot of series against the step, with a current-step marker and a hover readout.

    Subclasses say which curves show which rows (`curve_data`) and what a step's values
    are (`describe`).

    Signals
    -------
    stepRequested(int) : the student clicked at, or dragged the marker to, a step
    """

    stepRequested = QtCore.Signal(int)

    def __init__(self, object_name: str, y_label: str, title: str) -> None:
        super().__init__(
            axisItems={
                "bottom": StepAxis(orientation="bottom"),
                "left": ValueAxis(orientation="left"),
            },
            enableMenu=False,  # made by `enable_menu`, after the window's first paint
        )
        self.setObjectName(object_name)
        self.setAccessibleName(title)
        item = self.getPlotItem()
        item.setTitle(title, size="10pt")
        item.setLabel("bottom", "training step n")
        item.setLabel("left", y_label)
        item.getAxis("left").enableAutoSIPrefix(False)  # "×0.001" confuses more than it helps
        for hidden in ("top", "right"):  # which would rewrite their unseen labels' HTML at
            item.getAxis(hidden).enableAutoSIPrefix(False)  # every change of range
        # Horizontal grid lines at the labelled ticks only: the vertical and the minor ones
        # cost as much to paint as the curves, 30 times a second, and say little more.
        item.showGrid(x=False, y=True, alpha=0.2)
        item.getAxis("left").setStyle(maxTickLevel=0)
        item.setClipToView(True)
        self.legend = bottom_legend(item)
        self._legend_fitter = keep_legend_fitted(self, self.legend)
        self.marker = pg.InfiniteLine(0, angle=90, movable=True, pen=MARKER_PEN)
        self.marker.setZValue(10)
        self.marker.sigDragged.connect(self._on_marker_dragged)
        item.addItem(self.marker, ignoreBounds=True)
        self.readout = pg.TextItem(
            anchor=(0, 0), color="#222222", fill=pg.mkBrush(255, 255, 255, 220)
        )
        self.readout.setZValue(20)
        item.addItem(self.readout, ignoreBounds=True)
        self.crosshair = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#888888", style=QtCore.Qt.PenStyle.DotLine)
        )
        self.crosshair.setVisible(False)
        item.addItem(self.crosshair, ignoreBounds=True)
        self._hover = pg.SignalProxy(
            self.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._history: History | None = None
        self.curves: list[pg.PlotDataItem] = []
        self._envelope = PeakEnvelope()
        self._follow_data()
        item.vb.sigXRangeChanged.connect(self._on_x_range_changed)

    def enable_menu(self) -> None:
        """The right-click menu (View All, the axes, Export…). pyqtgraph builds its forms
        when the plot is made, ~4 ms a plot: the window asks for it after its first paint."""
        self.getPlotItem().setMenuEnabled(True)

    # -- curves -------------------------------------------------------------------------------
    def update_curves(self) -> None:
        """Give every curve the rows in view, as a peak envelope when they are many, and
        (when following the data) fit the view to them first."""
        history = self._history
        if history is None or not self.curves:
            return
        n = len(history)
        first, last = 0, n - 1
        if not self.following:
            (x0, x1), _y = self.getPlotItem().vb.viewRange()
            first = int(np.clip(np.floor(x0) - 1, 0, last))
            last = int(np.clip(np.ceil(x1) + 1, first, last))
        drawn = self.curve_data(first, last)
        if self.following:
            # The envelope keeps every extreme, so its min and max are the data's.
            values = [y.ravel() for _curve, _x, y in drawn]
            self.apply_range(n, np.concatenate(values) if values else np.zeros(0))
        for curve, x, y in drawn:
            curve.setData(x, y)

    def curve_data(self, first: int, last: int) -> CurveData:
        """(curve, x, y) for every curve, drawing rows first..last."""
        raise NotImplementedError

    def _on_x_range_changed(self, *_args: object) -> None:
        if not self.following:  # zoomed or panned by hand: show those rows in detail
            self.update_curves()

    def make_curve(self, name: str | None, pen: QtGui.QPen) -> pg.PlotDataItem:
        curve = self.getPlotItem().plot(name=name, pen=pen)
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        curve.setSkipFiniteCheck(True)  # the history holds finite numbers only
        return curve

    def fit_legend(self) -> None:
        """The legend's columns to the plot's width (it wraps rather than widen the plot)."""
        self._legend_fitter.fit()

    # -- following the data ----------------------------------------------------------------
    def _follow_data(self) -> None:
        """Take over auto-ranging: pyqtgraph's scans every point of every curve each frame
        and changes the range while painting, which paints each frame twice. Ours reads
        the bounds off the peak envelope about to be drawn (at most a few thousand points)."""
        view = self.getPlotItem().vb
        view.disableAutoRange()
        view.sigRangeChangedManually.connect(self._on_zoomed_by_hand)
        view.sigStateChanged.connect(self._on_view_state_changed)
        self.following = True
        self.live = False  # set while a run is on: see apply_range
        self._shown_range: tuple[tuple[float, float], tuple[float, float]] | None = None

    def _on_zoomed_by_hand(self, *_args: object) -> None:
        self.following = False  # the student zoomed or panned: stop moving the view

    def _on_view_state_changed(self, *_args: object) -> None:
        view = self.getPlotItem().vb
        if any(view.state["autoRange"]):  # the "A" button: follow the data again
            view.disableAutoRange()
            self.following = True
            self._shown_range = None
            self.update_curves()

    def apply_range(self, n: int, ys: Array) -> None:
        """Fit the view to n rows whose values (or their envelope) are ys. While a run is
        live the ranges move in jumps (x to the next round number, y only when the data
        leaves it or fills under half of it), so the axes, whose ticks cost more to paint
        than the curves, are rarely redrawn."""
        lo, hi = value_bounds(ys, self._log_y())
        if not lo < hi:
            lo, hi = lo - 0.5, hi + 0.5
        x_range = (0.0, float(max(n - 1, 1)))
        y_range = (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
        if self.live:
            x_range = (0.0, round_up(x_range[1]))
            y_range = self._sticky_y(lo, hi, y_range)
        if (x_range, y_range) == self._shown_range:
            return
        self._shown_range = (x_range, y_range)
        view = self.getPlotItem().vb
        view.setRange(xRange=x_range, yRange=y_range, padding=0.02)
        # Move the items now: left to the paint, the move would schedule a second paint.
        view.updateMatrix()

    def _sticky_y(self, lo: float, hi: float, fitted: tuple[float, float]) -> tuple[float, float]:
        if self._shown_range is None:
            return fitted
        shown_lo, shown_hi = self._shown_range[1]
        inside = shown_lo <= lo and hi <= shown_hi
        if inside and (hi - lo) >= 0.5 * (shown_hi - shown_lo):
            return shown_lo, shown_hi
        margin = 0.15 * (hi - lo)
        return lo - margin, hi + margin

    def _log_y(self) -> bool:
        return bool(self.getPlotItem().getAxis("left").logMode)

    # -- the current step, clicks and hovering ------------------------------------------------
    def set_position(self, step: int) -> None:
        self.marker.blockSignals(True)
        self.marker.setValue(step)
        self.marker.blockSignals(False)

    def _on_marker_dragged(self) -> None:
        self.stepRequested.emit(round(self.marker.value()))

    def _step_at(self, scene_pos: QtCore.QPointF) -> int | None:
        view = self.getPlotItem().vb
        if not view.sceneBoundingRect().contains(scene_pos) or self._history is None:
            return None
        x = view.mapSceneToView(scene_pos).x()
        last = len(self._history) - 1
        return int(np.clip(round(x), 0, last)) if last >= 0 else None

    def _on_mouse_clicked(self, event: object) -> None:
        step = self._step_at(event.scenePos())  # type: ignore[attr-defined]
        if step is not None and event.button() == QtCore.Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            self.stepRequested.emit(step)

    def _on_mouse_moved(self, args: tuple[QtCore.QPointF]) -> None:
        step = self._step_at(args[0])
        self.crosshair.setVisible(step is not None)
        if step is None:
            self.readout.setText("")
            return
        self.crosshair.setValue(step)
        self.readout.setText(self.describe(step))
        view = self.getPlotItem().vb
        (x0, _x1), (_y0, y1) = view.viewRange()
        self.readout.setPos(x0, y1)

    def describe(self, step: int) -> str:
        raise NotImplementedError
