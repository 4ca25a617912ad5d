"""What the four teaching views share: the base class that decides when a view redraws,
the base for the two views that colour a grid of values (the error surface and the
output map), and the small helpers that style their plots alike (titled plots, legends
under the x axis, colour bars, combo boxes). Kept apart from the views so that each view
module holds only what it draws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.plot_style import StepAxis, ValueAxis, keep_legend_fitted
from gui.plot_style import bottom_legend as legend_under
from gui.runner import Throttle, state_key

Array = NDArray[np.float64]
Qt = QtCore.Qt

REDRAW_INTERVAL_S = 0.2
MAX_DRAWABLE = 1e150  # |coordinate| a plot can still lay out (see GridView.drawable)


class TeachingView(QtWidgets.QWidget):
    """A view that redraws when what it shows changed: throttled in a Run, never while hidden."""

    def __init__(
        self,
        lab: Lab,
        object_name: str,
        caption: str,
        interval: float,
        parent: QtWidgets.QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.lab = lab
        self._throttle = Throttle(lab, interval)
        self._shown_key: tuple[object, ...] | None = None
        self._recomputes = 0
        self.caption = QtWidgets.QLabel(caption)
        self.caption.setObjectName(f"{object_name}Caption")
        self.caption.setWordWrap(True)
        for signal in (
            lab.positionChanged,
            lab.historyChanged,
            lab.structureChanged,
            lab.configChanged,
        ):
            signal.connect(self._on_lab_changed)

    @property
    def recomputes(self) -> int:
        """How many times the view recomputed what it shows (tests: none while hidden)."""
        return self._recomputes

    def _on_lab_changed(self) -> None:
        self.sync()

    def sync(self, force: bool = False) -> None:
        """Recompute if the state changed; `force` skips the Run throttle (a choice in
        the view itself must show at once)."""
        if not self.isVisible():
            return  # showEvent catches up
        key = self.view_key()
        if key == self._shown_key or not (force or self._throttle.ready()):
            return
        self._shown_key = key
        self._recomputes += 1
        self.recompute()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.sync(force=True)

    def view_key(self) -> tuple[object, ...]:
        """Equal keys mean the same picture; subclasses add their own choices."""
        return state_key(self.lab.trainer)

    def recompute(self) -> None:
        raise NotImplementedError


class GridView(TeachingView):
    """A view that colours values sampled on a grid, x_values × y_values (data units),
    with a horizontal colour bar under its plot."""

    def __init__(
        self,
        lab: Lab,
        object_name: str,
        caption: str,
        interval: float,
        parent: QtWidgets.QWidget | None,
    ) -> None:
        super().__init__(lab, object_name, caption, interval, parent)
        self._xs = self._ys = np.zeros(0)

    @property
    def x_values(self) -> Array:
        return self._xs

    @property
    def y_values(self) -> Array:
        return self._ys

    def _add_image(
        self, plot: pg.PlotWidget, colour_map: str | pg.ColorMap, label: str
    ) -> pg.ImageItem:
        """An image on `plot`, coloured by a new `self.colour_bar` under the plot."""
        item = plot.getPlotItem()
        image = pg.ImageItem(axisOrder="row-major")
        item.addItem(image)
        self.colour_bar = pg.ColorBarItem(
            colorMap=colour_map,
            label=label,
            interactive=False,
            colorMapMenu=False,
            orientation="horizontal",
        )
        self.colour_bar.setImageItem(image, insert_in=item)
        fit_colour_bar_labels(self.colour_bar)
        return image

    def _show_image(self, image: pg.ImageItem, values: Array, levels: tuple[float, float]) -> None:
        """`values` (shape (len(y_values), len(x_values))) on the grid, coloured over `levels`."""
        image.setImage(values, autoLevels=False, levels=levels)
        image.setRect(pixel_rect(self._xs, self._ys))
        self.colour_bar.setLevels(levels)

    def _fit_view(self, plot: pg.PlotWidget) -> None:
        """Show exactly the grid's range."""
        plot.getPlotItem().vb.setRange(
            xRange=(self._xs[0], self._xs[-1]), yRange=(self._ys[0], self._ys[-1]), padding=0
        )

    def drawable(self) -> bool:
        """Whether a plot can show the grid: pyqtgraph's view box computes with its
        bounds and overflows for parameters beyond ~1e150 (a diverging or typed-in one)."""
        bounds = np.abs([self._xs[0], self._xs[-1], self._ys[0], self._ys[-1]])
        return bool(np.isfinite(bounds).all() and bounds.max() < MAX_DRAWABLE)


def make_plot(
    object_name: str, title: str, x_label: str, y_label: str, step_axis: bool = False
) -> pg.PlotWidget:
    """A plot styled like gui/plots.py: title, labelled axes, no SI-prefix rescaling."""
    axes: dict[str, pg.AxisItem] = {"left": ValueAxis(orientation="left")}
    if step_axis:
        axes["bottom"] = StepAxis(orientation="bottom")
    plot = pg.PlotWidget(axisItems=axes)
    plot.setObjectName(object_name)
    plot.setAccessibleName(title)
    item = plot.getPlotItem()
    item.setTitle(title, size="10pt")
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)
    return plot


def fit_colour_bar_labels(bar: pg.ColorBarItem) -> None:
    """Under the plot (the bar is made horizontal): at the side, a narrow tab cuts its
    tick labels off at the widget's right edge."""
    bar.axis.enableAutoSIPrefix(False)


def bottom_legend(plot: pg.PlotWidget) -> pg.LegendItem:
    """A legend under the x axis, wrapped to the plot's width: an image fills the plot,
    a legend on it would hide part of it (the colour bar takes the right-hand side)."""
    legend = legend_under(plot.getPlotItem())
    keep_legend_fitted(plot, legend)
    return legend


def pixel_rect(xs: Array, ys: Array) -> QtCore.QRectF:
    """The rectangle an image of values sampled at xs × ys covers: each sample is the
    centre of its pixel, so the contours and markers line up with the colours."""
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
    return QtCore.QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))


def finite_levels(values: Array) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def combo(object_name: str, tooltip: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setObjectName(object_name)
    box.setToolTip(tooltip)
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box
