"""Teaching views: why deep sigmoid nets learn slowly, what the error surface looks like,
what the network computes over its input plane, and evidence that backprop is right.

Each view follows the Lab like the other panels: it listens to every Lab signal,
recomputes only when the state it shows changed (a Step emits two signals; the second
costs nothing), at most every REDRAW_INTERVAL_S during a Run, and not at all while it is
hidden (a tab in the background): it catches up when shown.

    python -m gui.teaching [example]      # the four views on an example, e.g. xor
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.plots import MARKER_PEN, StepAxis, colour
from gui.runner import Throttle, state_key
from model.activations import get_activation
from model.gradcheck import GradientCheck, gradient_check
from model.gradflow import layer_gradient_norms, operating_points, sample_steps
from model.network import Network
from model.numbers import format_number, format_significant
from model.surface import error_grid, grid_range
from model.training import Trainer

Array = NDArray[np.float64]
Qt = QtCore.Qt
ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex

REDRAW_INTERVAL_S = 0.2
CHECK_INTERVAL_S = 0.5          # a gradient check costs 2 · n_params error evaluations
NORM_STEPS = 400                # history rows whose gradient norms are plotted
SURFACE_POINTS = 200            # per axis of the error surface
SURFACE_CONTOURS = 8
PATH_POINTS = 2000
MAP_POINTS = 120                # per axis of the output map
MAP_MARGIN = 0.5
OPERATING_POINTS = 2000         # per layer; more are subsampled evenly
S_SPAN, S_SPAN_MAX = 6.0, 30.0
TOLERANCE = 1e-5                # relative difference above which a check is highlighted
TINY_GRADIENT = 1e-8

LEGEND_STYLE: dict[str, Any] = {"labelTextSize": "9pt", "brush": pg.mkBrush(255, 255, 255, 215),
                                "pen": pg.mkPen("#BBBBBB")}
# TensorFlow Playground's orange → white → blue: 0 and 1 read as the two classes.
PLAYGROUND = pg.ColorMap([0.0, 0.5, 1.0], ["#F59322", "#E8EAEB", "#0877BD"])
HIGHLIGHT = QtGui.QBrush(QtGui.QColor("#FDECEA"))
AGREE, DISAGREE = "#1B6E3A", "#B22222"
ACTIVATION_COLOURS = ["#222222", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#CC79A7"]


# -- shared parts ---------------------------------------------------------------------------
class _TeachingView(QtWidgets.QWidget):
    """A view that redraws when what it shows changed: throttled in a Run, never while hidden."""

    def __init__(self, lab: Lab, object_name: str, caption: str, interval: float,
                 parent: QtWidgets.QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.lab = lab
        self._throttle = Throttle(lab, interval)
        self._shown_key: tuple[object, ...] | None = None
        self._recomputes = 0
        self.caption = QtWidgets.QLabel(caption)
        self.caption.setObjectName(f"{object_name}Caption")
        self.caption.setWordWrap(True)
        for signal in (lab.positionChanged, lab.historyChanged, lab.structureChanged,
                       lab.configChanged):
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
            return                          # showEvent catches up
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


def make_plot(object_name: str, title: str, x_label: str, y_label: str,
              step_axis: bool = False) -> pg.PlotWidget:
    """A plot styled like gui/plots.py: title, labelled axes, no SI-prefix rescaling."""
    axes = {"bottom": StepAxis(orientation="bottom")} if step_axis else None
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
    """A one-row legend under the x axis: an image fills the plot, a legend on it would
    hide part of it (the colour bar takes the right-hand side)."""
    item = plot.getPlotItem()
    legend = pg.LegendItem(offset=None, colCount=4, **LEGEND_STYLE)
    item.layout.addItem(legend, 6, 1)
    item.legend = legend
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


def contour_segments(xs: Array, ys: Array, grid: Array, level: float) -> tuple[Array, Array]:
    """Marching squares: where `grid` (shape (len(ys), len(xs)), grid[r, c] at (xs[c], ys[r]))
    crosses `level`, as segments: points 2k and 2k+1 are the ends of segment k."""
    above = grid >= level                        # NaN counts as below: no spurious crossings
    with np.errstate(all="ignore"):
        th = (level - grid[:, :-1]) / (grid[:, 1:] - grid[:, :-1])       # horizontal edges
        tv = (level - grid[:-1, :]) / (grid[1:, :] - grid[:-1, :])       # vertical edges
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
        seg = np.stack([np.stack([px[rows, first], px[rows, second]], axis=1).ravel(),
                        np.stack([py[rows, first], py[rows, second]], axis=1).ravel()])
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


def combo(object_name: str, tooltip: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setObjectName(object_name)
    box.setToolTip(tooltip)
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def parameter_label(name: str) -> str:
    """An axis label for a parameter: its name, what it is, and that it has no unit."""
    kind = "bias" if name.rsplit(".", 1)[-1].startswith("b") else "weight"
    return f"{name} ({kind} value, no unit)"


def layer_name(l: int, depth: int) -> str:
    if l == depth:
        return f"layer {l} (output)"
    return f"layer {l} (input side)" if l == 1 else f"layer {l}"


# -- 1. vanishing gradients -----------------------------------------------------------------
class _NormCache:
    """‖∂E/∂W[l]‖ per history row. A Run only appends rows, so a redraw computes just the
    rows newly sampled; any other change of the history, data, loss or layers starts over."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._rows: dict[int, Array] = {}

    def norms(self, trainer: Trainer, steps: Array) -> Array:
        """Shape (len(steps), depth); ValueError for an activation without derivative."""
        history, network, data = trainer.history, trainer.network, trainer.data
        key = (weakref.ref(history), history.revision, tuple(network.layers),
               tuple(network.activations), trainer.config.loss,
               data.inputs.tobytes(), data.targets.tobytes())
        if key != self._key:
            self._key, self._rows = key, {}
        missing = [int(s) for s in steps if int(s) not in self._rows]
        if missing:
            with np.errstate(all="ignore"):
                new = layer_gradient_norms(network, data, trainer.config.loss,
                                           history.parameters[:, missing].T)
            self._rows.update(zip(missing, new, strict=True))
        # Forget the rows no longer sampled: a long Run would otherwise keep them all.
        self._rows = {int(s): self._rows[int(s)] for s in steps}
        return np.array([self._rows[int(s)] for s in steps]).reshape(len(steps), network.depth)


def slope(name: str, s: Array) -> Array:
    """f'(s), drawn as 0 for the step function (whose df refuses: no derivative at 0)."""
    activation = get_activation(name)
    return activation.df(s) if activation.differentiable else np.zeros_like(s)


class GradientFlowView(_TeachingView):
    """Per-layer gradient norms over the training (top) and the activations with the
    neurons' operating points on f'(s) (bottom).

    Attributes for tests: `norm_curves` (one PlotDataItem per layer, raw norms in yData),
    `steps` and `norms` (what the curves show), `activation_curves` (name → (f, f')),
    `operating_dots` (one ScatterPlotItem per layer), `norm_message` (a QLabel shown
    instead of the norm plot when there is no gradient).
    """

    CAPTION = ("Backprop multiplies the error by W and by f′(s) at every layer it passes "
               "back through: each sigmoid layer multiplies the gradient by f′(s) ≤ 0.25, so "
               "in a deep sigmoid net the input-side layers get far smaller gradients (top, "
               "log scale) and learn slowest. Bottom: dots far out on the flat parts, where "
               "f′(s) ≈ 0, pass almost nothing back.")

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "gradientFlowView", self.CAPTION, REDRAW_INTERVAL_S, parent)
        self._cache = _NormCache()
        self.steps = np.zeros(0, dtype=np.int64)
        self.norms = np.zeros((0, 0))
        self.norm_curves: list[pg.PlotDataItem] = []
        self.activation_curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.operating_dots: list[pg.ScatterPlotItem] = []
        self._layout_key: tuple[object, ...] | None = None
        self._build_norm_plot()
        self._build_activation_plot()
        self.norm_pages = QtWidgets.QStackedWidget()
        self.norm_pages.addWidget(self.norm_plot)
        self.norm_pages.addWidget(self.norm_message)
        splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.norm_pages)
        splitter.addWidget(self.activation_plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(splitter, stretch=1)

    def _build_norm_plot(self) -> None:
        self.norm_plot = make_plot(
            "gradientNormPlot",
            "Gradient size per layer ‖∂E/∂W[l]‖ (log scale)",
            "training step n", "‖∂E/∂W[l]‖ (E per unit weight)", step_axis=True)
        item = self.norm_plot.getPlotItem()
        item.setLogMode(y=True)
        item.showGrid(x=False, y=True, alpha=0.2)
        self.norm_legend = bottom_legend(self.norm_plot)
        self.marker = pg.InfiniteLine(0, angle=90, movable=True, pen=MARKER_PEN)
        self.marker.setZValue(10)
        self.marker.sigDragged.connect(self._on_marker_dragged)
        self.marker.sigPositionChangeFinished.connect(self._place_marker)
        item.addItem(self.marker, ignoreBounds=True)
        self.norm_message = QtWidgets.QLabel()
        self.norm_message.setObjectName("gradientNormMessage")
        self.norm_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.norm_message.setWordWrap(True)
        self.norm_message.setMargin(20)

    def _build_activation_plot(self) -> None:
        self.activation_plot = make_plot(
            "activationPlot", "f(s), its slope f′(s), and where each layer operates",
            "weighted sum s = W·a + b (no unit)", "f(s) and f′(s) (no unit)")
        self.activation_plot.getPlotItem().showGrid(x=True, y=True, alpha=0.15)
        self.activation_legend = bottom_legend(self.activation_plot)
        self.sigmoid_bound = pg.InfiniteLine(
            0.25, angle=0, movable=False, label="max σ′ = 0.25",
            labelOpts={"position": 0.8, "color": "#555555", "anchors": [(0.5, -0.1), (0.5, -0.1)]},
            pen=pg.mkPen("#999999", style=Qt.PenStyle.DotLine))
        self.activation_plot.getPlotItem().addItem(self.sigmoid_bound, ignoreBounds=True)
        self.step_note = pg.TextItem("step: no derivative at 0", anchor=(0.5, 1.3),
                                     color="#B22222")
        self.activation_plot.getPlotItem().addItem(self.step_note, ignoreBounds=True)

    def _on_marker_dragged(self) -> None:
        self.lab.seek(round(self.marker.value()))

    def _place_marker(self) -> None:
        """On the current step: also where a drag ended between two steps."""
        with QtCore.QSignalBlocker(self.marker):
            self.marker.setValue(self.lab.position)

    def recompute(self) -> None:
        trainer = self.lab.trainer
        self._rebuild_items(trainer.network)
        self._draw_norms(trainer)
        self._draw_activations(trainer)
        self._place_marker()

    def _rebuild_items(self, network: Network) -> None:
        """New curves only when the layers or activations change (legend layout is slow)."""
        key = (network.depth, tuple(network.activations))
        if key == self._layout_key:
            return
        self._layout_key = key
        depth = network.depth
        for curve in self.norm_curves:
            self.norm_plot.getPlotItem().removeItem(curve)
        self.norm_legend.clear()
        self.norm_curves = [
            self.norm_plot.getPlotItem().plot(name=layer_name(l, depth),
                                              pen=pg.mkPen(colour(l - 1, depth), width=1.5))
            for l in range(1, depth + 1)]
        self._rebuild_activation_items(network)

    def _rebuild_activation_items(self, network: Network) -> None:
        item = self.activation_plot.getPlotItem()
        for f_curve, df_curve in self.activation_curves.values():
            item.removeItem(f_curve)
            item.removeItem(df_curve)
        for dots in self.operating_dots:
            item.removeItem(dots)
        self.activation_legend.clear()
        self.activation_curves = {}
        for k, name in enumerate(dict.fromkeys(network.activations)):
            pen = ACTIVATION_COLOURS[k % len(ACTIVATION_COLOURS)]
            df_name = f"{name}: f′(s) = 0, none at 0" if name == "step" else f"{name}: f′(s)"
            self.activation_curves[name] = (
                item.plot(name=f"{name}: f(s)", pen=pg.mkPen(pen, width=2)),
                item.plot(name=df_name, pen=pg.mkPen(pen, width=2, style=Qt.PenStyle.DashLine)))
        depth = network.depth
        self.operating_dots = []
        for l in range(1, depth + 1):
            fill = QtGui.QColor(colour(l - 1, depth))
            fill.setAlpha(190)
            dots = pg.ScatterPlotItem(size=8, brush=fill, pen=pg.mkPen("#FFFFFF", width=0.8))
            dots.setZValue(5)
            item.addItem(dots)
            self.operating_dots.append(dots)
        # One entry for all layers' dots: their colours are the layers' above.
        sample = pg.ScatterPlotItem(size=8, brush=colour(0, depth), pen=None)
        self.activation_legend.addItem(sample, "s (colour: layer)")

    def _draw_norms(self, trainer: Trainer) -> None:
        self.steps = sample_steps(len(trainer.history), NORM_STEPS)
        try:
            self.norms = self._cache.norms(trainer, self.steps)
        except ValueError as error:       # the step activation: nothing to differentiate
            self.norms = np.zeros((0, trainer.network.depth))
            self.norm_message.setText(f"<b>No gradients to show.</b> {error}")
            self.norm_pages.setCurrentWidget(self.norm_message)
            for curve in self.norm_curves:
                curve.setData([], [])
            return
        self.norm_pages.setCurrentWidget(self.norm_plot)
        symbol = "o" if len(self.steps) <= 60 else None   # a short history: show each state
        for curve, column in zip(self.norm_curves, self.norms.T, strict=True):
            curve.setData(self.steps, column, symbol=symbol, symbolSize=5,
                          symbolBrush=curve.opts["pen"].color(), symbolPen=None)

    def _draw_activations(self, trainer: Trainer) -> None:
        network = trainer.network
        points = [_spread(s, OPERATING_POINTS) for s in operating_points(network, trainer.data)]
        reach = max((float(np.max(np.abs(s))) for s in points if s.size), default=0.0)
        span = float(np.clip(1.05 * reach, S_SPAN, S_SPAN_MAX))
        s = np.linspace(-span, span, 801)
        for name, (f_curve, df_curve) in self.activation_curves.items():
            f_curve.setData(s, get_activation(name).f(s))
            df_curve.setData(s, slope(name, s))
        for dots, name, sums in zip(self.operating_dots, network.activations, points,
                                    strict=True):
            shown = np.clip(sums, -span, span)    # beyond the view: drawn at its edge
            dots.setData(shown, slope(name, shown))
        self.sigmoid_bound.setVisible("sigmoid" in self.activation_curves)
        self.step_note.setVisible("step" in self.activation_curves)
        self.step_note.setPos(0, 0)
        negative = any(n in self.activation_curves for n in ("tanh", "linear", "leaky_relu"))
        view = self.activation_plot.getPlotItem().vb
        # f' ≤ 1 for every activation here: the y range shows all slopes; a linear or relu
        # f(s) leaves it, which the student can pan to.
        view.setRange(xRange=(-span, span), yRange=(-1.1 if negative else -0.05, 1.1),
                      padding=0.02)


def _spread(values: Array, limit: int) -> Array:
    """At most `limit` of the values, evenly spaced over the array (all when fewer)."""
    if values.size <= limit:
        return values
    return values[np.linspace(0, values.size - 1, limit).astype(np.int64)]


# -- 2. the error surface -------------------------------------------------------------------
class ErrorSurfaceView(_TeachingView):
    """E over two parameters chosen in combo boxes, the others at their current values,
    with contours, the training path of the two and the current state.

    Read-only properties for tests: `grid` (E, shape (len(y_values), len(x_values))),
    `x_values`, `y_values`, `current_point` (x, y), `path` (xs, ys), `selection` (i, j).
    """

    CAPTION = ("E over the two chosen parameters, every other one held at its current value. "
               "On XOR the surface is not convex: flat plateaus and valleys. On the lecture "
               "net, compare the path of the lecture's rule with backprop's (switch the rule, "
               "Reset, Run). The others move as training goes on, so the surface moves too.")

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "errorSurfaceView", self.CAPTION, REDRAW_INTERVAL_S, parent)
        self._grid = np.zeros((0, 0))
        self._xs = self._ys = np.zeros(0)
        self._path = (np.zeros(0), np.zeros(0))
        self._current = (0.0, 0.0)
        self._names: list[str] = []
        self._selection = (0, 1)
        self.x_combo = combo("surfaceXCombo", "The parameter along the horizontal axis")
        self.y_combo = combo("surfaceYCombo", "The parameter along the vertical axis")
        self.log_check = QtWidgets.QCheckBox("Logarithmic colours")
        self.log_check.setObjectName("surfaceLogCheck")
        self.log_check.setToolTip("Colour by log₁₀ E: shows the detail near the minimum")
        self._build_plot()
        controls = QtWidgets.QHBoxLayout()
        for text, widget in (("x axis:", self.x_combo), ("y axis:", self.y_combo)):
            controls.addWidget(QtWidgets.QLabel(text))
            controls.addWidget(widget)
        controls.addWidget(self.log_check)
        controls.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, stretch=1)
        self.x_combo.currentIndexChanged.connect(lambda _i: self._on_axis_changed(0))
        self.y_combo.currentIndexChanged.connect(lambda _i: self._on_axis_changed(1))
        self.log_check.toggled.connect(lambda _on: self.sync(force=True))
        self._refill_combos()

    def _build_plot(self) -> None:
        self.plot = make_plot("errorSurfacePlot", "Error surface", "", "")
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap="viridis", label="E", interactive=False,
                                          colorMapMenu=False, orientation="horizontal")
        self.colour_bar.setImageItem(self.image, insert_in=item)
        fit_colour_bar_labels(self.colour_bar)
        contour_pen = pg.mkPen(255, 255, 255, 150, width=1)
        self.contours = [ContourItem(0.0, contour_pen) for _ in range(SURFACE_CONTOURS)]
        for contour in self.contours:
            item.addItem(contour)
        self.legend = bottom_legend(self.plot)
        # The contours are white on the colours: a white sample would vanish in the legend.
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen("#9A9A9A")), "contours of E")
        self.path_curve = item.plot(pen=pg.mkPen("#FF5A36", width=2), name="training path")
        self.start_dot = pg.ScatterPlotItem(size=9, symbol="o", brush="#FFFFFF",
                                            pen=pg.mkPen("#222222", width=1.2), name="step 0")
        self.current_dot = pg.ScatterPlotItem(size=18, symbol="star", brush="#FF5A36",
                                              pen=pg.mkPen("#FFFFFF", width=1.5),
                                              name="current state")
        for dots in (self.start_dot, self.current_dot):
            dots.setZValue(20)
            item.addItem(dots)

    # -- read-only views for tests -----------------------------------------------------
    @property
    def grid(self) -> Array:
        return self._grid

    @property
    def x_values(self) -> Array:
        return self._xs

    @property
    def y_values(self) -> Array:
        return self._ys

    @property
    def current_point(self) -> tuple[float, float]:
        return self._current

    @property
    def path(self) -> tuple[Array, Array]:
        return self._path

    @property
    def selection(self) -> tuple[int, int]:
        """Flat indices (get_flat order) of the x and y parameters."""
        return self._selection

    # -- choices ------------------------------------------------------------------------
    def _refill_combos(self) -> None:
        """List the network's parameters; keep the chosen ones if they still exist."""
        names = self.lab.trainer.network.parameter_names()
        if names == self._names:
            return
        old = [self._names[k] for k in self._selection] if self._names else []
        chosen = [names.index(n) for n in old if n in names]
        self._selection = (chosen[0], chosen[1]) if len(chosen) == 2 else (0, 1)
        self._names = names
        for box, index in zip((self.x_combo, self.y_combo), self._selection, strict=True):
            with QtCore.QSignalBlocker(box):
                box.clear()
                for k, name in enumerate(names):
                    box.addItem(name, k)
                box.setCurrentIndex(index)

    def _on_axis_changed(self, axis: int) -> None:
        boxes = (self.x_combo, self.y_combo)
        chosen = boxes[axis].currentData()
        if chosen is None:
            return
        selection = list(self._selection)
        other = 1 - axis
        if chosen == selection[other]:    # the same parameter twice: swap the axes
            selection[other] = selection[axis]
            with QtCore.QSignalBlocker(boxes[other]):
                boxes[other].setCurrentIndex(selection[other])
        selection[axis] = chosen
        self._selection = (selection[0], selection[1])
        self.sync(force=True)

    # -- drawing ------------------------------------------------------------------------
    def view_key(self) -> tuple[object, ...]:
        return (*super().view_key(), self._selection, self.log_check.isChecked())

    def recompute(self) -> None:
        self._refill_combos()
        trainer = self.lab.trainer
        i, j = self._selection
        theta = trainer.network.get_flat()
        steps = sample_steps(trainer.position + 1, PATH_POINTS)
        self._path = (trainer.history.parameters[i, steps].copy(),
                      trainer.history.parameters[j, steps].copy())
        self._current = (float(theta[i]), float(theta[j]))
        self._xs = np.linspace(*grid_range(self._current[0], self._path[0]), SURFACE_POINTS)
        self._ys = np.linspace(*grid_range(self._current[1], self._path[1]), SURFACE_POINTS)
        self._grid = error_grid(trainer.network, trainer.data, trainer.config.loss, i, j,
                                self._xs, self._ys)
        self._draw()
        self._shown_key = self.view_key()   # the combos may have been refilled above

    def _shown_values(self) -> tuple[Array, str]:
        """The colours' values (E or log₁₀ E, non-finite parts at the top colour)."""
        values = self._grid
        label = "E"
        if self.log_check.isChecked():
            positive = values[np.isfinite(values) & (values > 0)]
            floor = float(positive.min()) if positive.size else 1e-300
            with np.errstate(all="ignore"):
                values = np.log10(np.maximum(values, floor))
            label = "log₁₀ E"
        _lo, hi = finite_levels(values)
        return np.where(np.isfinite(values), values, hi), label

    def _draw(self) -> None:
        values, label = self._shown_values()
        lo, hi = finite_levels(values)
        self.image.setImage(values, autoLevels=False, levels=(lo, hi))
        self.image.setRect(pixel_rect(self._xs, self._ys))
        self.colour_bar.setLevels((lo, hi))
        self._label_bar(label)
        for contour, level in zip(self.contours, np.linspace(lo, hi, SURFACE_CONTOURS + 2)[1:-1],
                                  strict=True):
            contour.set_grid(self._xs, self._ys, values, float(level))
        self.path_curve.setData(*self._path)
        self.start_dot.setData([self._path[0][0]], [self._path[1][0]])
        self.current_dot.setData([self._current[0]], [self._current[1]])
        self._label_axes()
        self.plot.getPlotItem().vb.setRange(xRange=(self._xs[0], self._xs[-1]),
                                            yRange=(self._ys[0], self._ys[-1]), padding=0)

    def _label_bar(self, label: str) -> None:
        axis = self.colour_bar.getAxis("left")    # the colour bar's label sits on the left
        if axis.labelText != label:
            axis.setLabel(label)

    def _label_axes(self) -> None:
        item = self.plot.getPlotItem()
        names = self._names
        i, j = self._selection
        item.setLabel("bottom", parameter_label(names[i]))
        item.setLabel("left", parameter_label(names[j]))
        trainer = self.lab.trainer
        item.setTitle(f"Error surface E({names[i]}, {names[j]}) at step {trainer.position}, "
                      f"E = {format_number(trainer.history.error_at(trainer.position))}",
                      size="10pt")


# -- 3. the output over the input plane -----------------------------------------------------
class OutputMapView(_TeachingView):
    """TensorFlow Playground's main view: the output y over the plane of the two inputs,
    the samples on top (filled with their target d), the boundary y = 0.5.

    Read-only properties for tests: `image` (shape (MAP_POINTS, MAP_POINTS), row r at
    x2 = y_values[r]), `extent` ((x0, x1), (y0, y1)), `x_values`, `y_values`, `output`.
    """

    CAPTION = ("The network's output y at every point of the input plane, the samples on top "
               "filled with their target d. The line y = 0.5 is the decision boundary: "
               "training moves it until it separates the samples (XOR needs a hidden layer "
               "to bend it).")

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "outputMapView", self.CAPTION, REDRAW_INTERVAL_S, parent)
        self._image = np.zeros((0, 0))
        self._xs = self._ys = np.zeros(0)
        self.output_combo = combo("outputMapOutputCombo", "The output neuron shown")
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("outputMapMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(40)
        self._build_plot()
        page = QtWidgets.QWidget()
        page_layout = QtWidgets.QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Output:"))
        row.addWidget(self.output_combo)
        row.addStretch(1)
        page_layout.addLayout(row)
        page_layout.addWidget(self.caption)
        page_layout.addWidget(self.plot, stretch=1)
        self.pages = QtWidgets.QStackedWidget()
        self.pages.addWidget(page)
        self.pages.addWidget(self.message)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.pages, stretch=1)
        self.output_combo.currentIndexChanged.connect(lambda _i: self.sync(force=True))

    def _build_plot(self) -> None:
        self.plot = make_plot("outputMapPlot", "Network output over the input plane",
                              "input X1 (data units)", "input X2 (data units)")
        item = self.plot.getPlotItem()
        item.setAspectLocked(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image_item)
        self.colour_bar = pg.ColorBarItem(colorMap=PLAYGROUND, label="y", interactive=False,
                                          colorMapMenu=False, orientation="horizontal")
        self.colour_bar.setImageItem(self.image_item, insert_in=item)
        fit_colour_bar_labels(self.colour_bar)
        self.boundary = ContourItem(0.5, pg.mkPen("#222222", width=2))
        self.boundary.setZValue(5)
        item.addItem(self.boundary)
        self.legend = bottom_legend(self.plot)
        self.samples = pg.ScatterPlotItem(size=14, pen=pg.mkPen("#000000", width=1.5),
                                          brush="#FFFFFF", name="samples (fill: target d)")
        self.samples.setZValue(10)
        item.addItem(self.samples)
        self._boundary_entry = pg.PlotDataItem(pen=pg.mkPen("#222222", width=2))
        self.legend.addItem(self._boundary_entry, "decision boundary y = 0.5")

    @property
    def image(self) -> Array:
        return self._image

    @property
    def extent(self) -> tuple[tuple[float, float], tuple[float, float]]:
        if not self._xs.size:
            return (0.0, 0.0), (0.0, 0.0)
        return (float(self._xs[0]), float(self._xs[-1])), (float(self._ys[0]),
                                                            float(self._ys[-1]))

    @property
    def x_values(self) -> Array:
        return self._xs

    @property
    def y_values(self) -> Array:
        return self._ys

    @property
    def output(self) -> int:
        """The output neuron shown, 0-based."""
        return max(self.output_combo.currentIndex(), 0)

    def view_key(self) -> tuple[object, ...]:
        return (*super().view_key(), self.output)

    def recompute(self) -> None:
        network = self.lab.trainer.network
        if network.layers[0] != 2:
            self._show_message(network.layers[0])
            return
        self.pages.setCurrentIndex(0)
        self._refill_outputs(network.layers[-1])
        self._draw(network)

    def _show_message(self, n_inputs: int) -> None:
        self._image = np.zeros((0, 0))
        self._xs = self._ys = np.zeros(0)
        self.message.setText(
            f"The output map needs a network with exactly 2 inputs: it colours the plane of "
            f"the two inputs by the output. This network has {n_inputs} "
            f"input{'s' if n_inputs != 1 else ''}.")
        self.pages.setCurrentIndex(1)

    def _refill_outputs(self, n_out: int) -> None:
        if self.output_combo.count() == n_out:
            return
        with QtCore.QSignalBlocker(self.output_combo):
            current = self.output_combo.currentIndex()
            self.output_combo.clear()
            for k in range(1, n_out + 1):
                self.output_combo.addItem(f"output neuron {k} (y{k})", k - 1)
            self.output_combo.setCurrentIndex(min(max(current, 0), n_out - 1))
        self.output_combo.setEnabled(n_out > 1)

    def _draw(self, network: Network) -> None:
        data = self.lab.trainer.data
        low = data.inputs.min(axis=0) - MAP_MARGIN
        high = data.inputs.max(axis=0) + MAP_MARGIN
        self._xs = np.linspace(low[0], high[0], MAP_POINTS)
        self._ys = np.linspace(low[1], high[1], MAP_POINTS)
        gx, gy = np.meshgrid(self._xs, self._ys)
        with np.errstate(all="ignore"):
            y = network.predict(np.column_stack([gx.ravel(), gy.ravel()]))[:, self.output]
        self._image = y.reshape(MAP_POINTS, MAP_POINTS)
        targets = data.targets[:, self.output]
        lo, hi = self._levels(network.activations[-1], targets)
        self.image_item.setImage(np.nan_to_num(self._image, nan=lo), autoLevels=False,
                                 levels=(lo, hi))
        self.image_item.setRect(pixel_rect(self._xs, self._ys))
        self.colour_bar.setLevels((lo, hi))
        self.colour_bar.getAxis("left").setLabel(
            f"y{self.output + 1}" if network.layers[-1] > 1 else "y")
        brushes = [pg.mkBrush(PLAYGROUND.map((t - lo) / (hi - lo), mode="qcolor"))
                   for t in np.clip(targets, lo, hi)]
        self.samples.setData(data.inputs[:, 0], data.inputs[:, 1], brush=brushes)
        has_boundary = network.activations[-1] in ("sigmoid", "step")
        self.boundary.setVisible(has_boundary)
        self._boundary_entry.setVisible(has_boundary)
        if has_boundary:
            self.boundary.set_grid(self._xs, self._ys, self._image, 0.5)
        self.plot.getPlotItem().vb.setRange(xRange=(low[0], high[0]),
                                            yRange=(low[1], high[1]), padding=0)
        self.plot.getPlotItem().setTitle(
            f"Network output y over the input plane at step {self.lab.trainer.position}",
            size="10pt")

    def _levels(self, activation: str, targets: Array) -> tuple[float, float]:
        """The colour range: the output's own range where it has one, so colours keep
        their meaning (white = 0.5 for a sigmoid) from step to step."""
        if activation in ("sigmoid", "step"):
            return 0.0, 1.0
        if activation == "tanh":
            return -1.0, 1.0
        return finite_levels(np.concatenate([self._image.ravel(), targets]))


# -- 4. the gradient check ------------------------------------------------------------------
def short(x: float) -> str:
    """Two significant digits, for the summary: 3.1e-10."""
    return format_significant(x, 2)


class GradientCheckModel(QtCore.QAbstractTableModel):
    """One row per parameter: name, analytic and numeric ∂E/∂θ, their relative difference.
    Display is rounded to 9 significant digits, EditRole and the tooltip give the float."""

    HEADERS = ("parameter", "analytic ∂E/∂θ\n(backprop)", "numeric\n(central difference)",
               "relative\ndifference")

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.checks: list[GradientCheck] = []

    def set_checks(self, checks: list[GradientCheck]) -> None:
        if len(checks) == len(self.checks):    # keeps the scroll position and selection
            self.checks = checks
            if checks:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(checks) - 1, len(self.HEADERS) - 1))
            return
        self.beginResetModel()
        self.checks = checks
        self.endResetModel()

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.checks)

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.HEADERS)

    def value(self, row: int, col: int) -> str | float:
        check = self.checks[row]
        return (check.name, check.analytic, check.numeric, check.relative_difference)[col]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        value = self.value(row, col)
        roles = Qt.ItemDataRole
        if role == roles.DisplayRole:
            return value if isinstance(value, str) else format_significant(value)
        if role == roles.BackgroundRole:
            return HIGHLIGHT if self.checks[row].relative_difference > TOLERANCE else None
        return self._other_role(role, col, value)

    @staticmethod
    def _other_role(role: int, col: int, value: str | float) -> Any:
        roles = Qt.ItemDataRole
        if role == roles.EditRole:
            return value
        if role == roles.ToolTipRole and not isinstance(value, str):
            return repr(value)
        if role == roles.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class GradientCheckView(_TeachingView):
    """Backprop's gradient next to finite differences, for every parameter, with a verdict.

    Attributes for tests: `model` (GradientCheckModel), `table`, `summary` (QLabel).
    """

    CAPTION = ("Backprop's ∂E/∂θ next to a central difference (E(θ + h) − E(θ − h)) / 2h "
               "with h = 1e-6, computed by changing one parameter at a time: where the chain "
               "rule is right they agree to about 8 digits.")

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "gradientCheckView", self.CAPTION, CHECK_INTERVAL_S, parent)
        self.model = GradientCheckModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("gradientCheckTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("gradientCheckSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.summary)

    def recompute(self) -> None:
        trainer = self.lab.trainer
        try:
            with np.errstate(all="ignore"):
                checks = gradient_check(trainer.network, trainer.data, trainer.config.loss)
        except ValueError as error:
            self.model.set_checks([])
            self.summary.setText(f"<b>No gradient to check.</b> {error}")
            return
        self.model.set_checks(checks)
        text, agree = verdict(checks)
        self.summary.setText(f'<span style="color:{AGREE if agree else DISAGREE}">{text}</span>')


def verdict(checks: list[GradientCheck]) -> tuple[str, bool]:
    """One sentence on the largest relative difference and what it means; and whether
    the check passed (a tiny absolute gap is rounding, not a wrong gradient)."""
    worst = max(checks, key=lambda c: c.relative_difference)
    largest = f"Largest relative difference {short(worst.relative_difference)}"
    if worst.relative_difference <= TOLERANCE:
        return f"{largest}: the chain rule and finite differences agree.", True
    gap = abs(worst.analytic - worst.numeric)
    if gap < TINY_GRADIENT:
        return (f"{largest} ({worst.name}, highlighted), but only {short(gap)} apart: the "
                "gradient there is so small that this is rounding in the finite "
                "difference, not a wrong gradient."), True
    return (f"{largest} ({worst.name}, highlighted): the two disagree. A neuron sitting "
            "at a kink (relu at s = 0) has no derivative there; otherwise the chain rule "
            "is computed wrongly."), False
