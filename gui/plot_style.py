"""How every plot of the window looks: the colours, the current-step marker, the axes
(whole steps; a value axis that labels a logarithmic range narrower than a decade) and
legends kept under the plot, where they hide no curve."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from model.numbers import format_significant

# Okabe–Ito and Tableau colours: distinguishable, also for colour-blind students.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
]
MARKER_PEN = pg.mkPen("#B22222", width=1.5, style=QtCore.Qt.PenStyle.DashLine)
# Qt's raster engine draws 1-pixel lines several times faster than wider ones.
CURVE_WIDTH = 1.0
LEGEND_STYLE: dict[str, Any] = {
    "labelTextSize": "9pt",
    "brush": pg.mkBrush(255, 255, 255, 215),
    "pen": pg.mkPen("#BBBBBB"),
}
LEGEND_ROW = 4  # of a PlotItem's layout: under the bottom axis and its label
# Under the plot a legend needs no box: it is a caption, not something on the curves.
CAPTION_LEGEND_STYLE: dict[str, Any] = {"labelTextSize": "9pt", "pen": None, "brush": None}

pg.setConfigOptions(antialias=False, background="w", foreground="#222222")


def colour(i: int, n: int) -> QtGui.QColor:
    if n <= len(PALETTE):
        return QtGui.QColor(PALETTE[i])
    made: QtGui.QColor = pg.intColor(i, hues=n, values=1, maxValue=200)
    return made


Ticks = list[tuple[float | None, list[float]]]  # (spacing, values) per tick level


class StepAxis(pg.AxisItem):
    """The step axis: steps are whole numbers, so no tick ever reads 0.2 or 1.5."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> Ticks:
        levels: Ticks = [
            (spacing, [v for v in values if float(v).is_integer()])
            for spacing, values in super().tickValues(minVal, maxVal, size)
            if spacing >= 1
        ]
        if not any(values for _spacing, values in levels):
            first, last = int(np.ceil(minVal)), int(np.floor(maxVal))
            levels = [(1.0, [float(v) for v in range(first, last + 1)])] if last >= first else []
        return levels


class ValueAxis(pg.AxisItem):
    """A value axis whose logarithmic mode labels any range: pyqtgraph labels only whole
    powers of ten, so a range inside one decade (0.0925 to 0.0927) had no label at all.
    There the ticks are placed as on a linear axis, at round values, labelled in full."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._linear_spacing: float | None = None  # set while a narrow log range is shown

    def tickValues(self, minVal: float, maxVal: float, size: float) -> Ticks:
        low, high = sorted((minVal, maxVal))
        self._linear_spacing = None
        narrow = self.logMode and math.isfinite(low) and math.isfinite(high) and high - low < 1
        if not narrow:
            standard: Ticks = super().tickValues(minVal, maxVal, size)
            return standard
        v0, v1 = 10.0**low, 10.0**high
        levels = pg.AxisItem.tickSpacing(self, v0, v1, size)  # linear spacing of the values
        ticks: Ticks = []
        seen: set[float] = set()
        for spacing, _offset in levels[:2]:
            first = math.ceil(v0 / spacing) * spacing
            values = [first + k * spacing for k in range(int((v1 - first) / spacing) + 1)]
            values = [v for v in values if v > 0 and round(v / spacing) not in seen]
            seen.update(round(v / spacing) for v in values)
            ticks.append((spacing, [math.log10(v) for v in values]))
        self._linear_spacing = levels[0][0] if levels else None
        return ticks

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.logMode or self._linear_spacing is None:
            standard: list[str] = super().tickStrings(values, scale, spacing)
            return standard
        step = self._linear_spacing
        out = []
        for v in values:
            value = 10.0**v
            # as many significant digits as tell the ticks apart: 0.0925, 0.093, 3.2e-7
            digits = math.floor(math.log10(value)) - math.floor(math.log10(step)) + 1
            out.append(format_significant(value, max(1, digits)))
        return out


class CaptionLegend(pg.LegendItem):
    """A legend laid out in rows of `columnCount` entries, re-laid out from scratch when
    that count changes (pyqtgraph's own re-layout keeps the old rows' places)."""

    columnCount: int  # pyqtgraph's attributes
    rowCount: int

    def __init__(self, columns: int = 4) -> None:
        super().__init__(offset=None, colCount=columns, **CAPTION_LEGEND_STYLE)
        # Laid out with the plot, it may scale with it (an export at 1600 px): pyqtgraph's
        # floating legend keeps its screen size, which left it tiny in an exported image.
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations, False)

    def _fresh_layout(self) -> None:
        self.layout = QtWidgets.QGraphicsGridLayout()
        self.layout.setVerticalSpacing(0)
        self.layout.setHorizontalSpacing(5)
        self.setLayout(self.layout)  # the old layout goes with its (empty) rows
        self.rowCount = 1

    def clear(self) -> None:
        super().clear()
        self._fresh_layout()

    def setColumnCount(self, columnCount: int) -> None:
        if columnCount == self.columnCount:
            return
        entries = [(sample, label) for sample, label in self.items]
        for sample, label in entries:
            self.layout.removeItem(sample)
            self.layout.removeItem(label)
        self.columnCount = columnCount
        self._fresh_layout()
        for sample, label in entries:
            self._addItemToLayout(sample, label)
        self.updateSize()
        self.updateGeometry()


def bottom_legend(item: pg.PlotItem, columns: int = 4) -> CaptionLegend:
    """A legend under the x axis (in the plot's own layout, so an exported picture has it
    too): on the plot it would hide the curves under it."""
    legend = CaptionLegend(columns)
    # As wide as its entries, centred under the plot (stretched, the entries drift apart).
    legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Fixed)
    item.layout.addItem(legend, LEGEND_ROW, 1)
    item.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignHCenter)
    item.legend = legend
    return legend


def fit_legend_columns(legend: pg.LegendItem, width: float) -> bool:
    """As many columns as fit into `width` pixels (one at least): the legend wraps into
    rows instead of widening the plot past its window. True if the count changed."""
    if not legend.items:
        return False
    # the text's own width: a label's width is its column's, once laid out
    widest = max(
        sample.width() + label.item.boundingRect().width() + 10 for sample, label in legend.items
    )
    columns = max(1, min(len(legend.items), int(width // max(widest, 1.0))))
    if columns == legend.columnCount:
        return False
    legend.setColumnCount(columns)
    return True


class _LegendFitter(QtCore.QObject):
    """Re-fits a legend's columns whenever its plot widget is resized."""

    def __init__(self, plot: pg.PlotWidget, legend: pg.LegendItem) -> None:
        super().__init__(plot)
        self._plot, self._legend = plot, legend
        plot.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        plot, item = self._plot, self._plot.getPlotItem()
        if fit_legend_columns(self._legend, plot.width() - item.getAxis("left").width() - 24):
            # A plot grown to fit a taller legend does not shrink back by itself.
            item.setGeometry(plot.range)


def keep_legend_fitted(plot: pg.PlotWidget, legend: pg.LegendItem) -> _LegendFitter:
    """The legend's columns follow the plot's width (see `fit_legend_columns`); the
    returned fitter's `fit()` fits them now (after entries were added)."""
    fitter = _LegendFitter(plot, legend)
    fitter.fit()
    return fitter
