"""View 1, vanishing gradients: how large ‖∂E/∂W[l]‖ is in each layer over the training
(the norms of a long history are cached and sampled on rows that stay put as it grows,
fewer of them for a large dataset, so a redraw during a Run costs only the rows it has
not seen), and where each layer's neurons operate on the activation's slope f′(s): the
two halves of why a deep sigmoid net learns slowly at the input side.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.plots import MARKER_PEN, colour
from gui.teaching.common import (
    REDRAW_INTERVAL_S,
    Array,
    Qt,
    TeachingView,
    bottom_legend,
    make_plot,
)
from model.activations import get_activation
from model.gradflow import layer_gradient_norms, operating_points
from model.network import Network
from model.state import Trainer

NORM_STEPS = 400  # history rows whose gradient norms are plotted, at most
NORM_BUDGET = 2_000_000  # samples' backward passes one full redraw may take (~0.2 s)
FEWEST_STEPS = 24  # rows plotted whatever the data's size
OPERATING_POINTS = 2000  # per layer; more are subsampled evenly
S_SPAN, S_SPAN_MAX = 6.0, 30.0
ACTIVATION_COLOURS = ["#222222", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#CC79A7"]


def layer_name(l: int, depth: int) -> str:
    if l == depth:
        return f"layer {l} (output)"
    return f"layer {l} (input side)" if l == 1 else f"layer {l}"


class _NormCache:
    """‖∂E/∂W[l]‖ per history row. A Run only appends rows, so a redraw computes just the
    rows newly sampled; any other change of the history, data, loss or layers starts over."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._rows: dict[int, Array] = {}

    def norms(self, trainer: Trainer, steps: NDArray[np.int64]) -> Array:
        """Shape (len(steps), depth); ValueError for an activation without derivative."""
        history, network, data = trainer.history, trainer.network, trainer.data
        key = (
            weakref.ref(history),
            history.revision,
            tuple(network.layers),
            tuple(network.activations),
            trainer.config.loss,
            data.inputs.tobytes(),
            data.targets.tobytes(),
        )
        if key != self._key:
            self._key, self._rows = key, {}
        missing = [int(s) for s in steps if int(s) not in self._rows]
        if missing:
            with np.errstate(all="ignore"):
                new = layer_gradient_norms(
                    network,
                    data,
                    trainer.config.loss,
                    history.parameters[:, history.stored_index(missing)].T,
                )
            self._rows.update(zip(missing, new, strict=True))
        # Forget the rows no longer sampled: a long Run would otherwise keep them all.
        self._rows = {int(s): self._rows[int(s)] for s in steps}
        return np.array([self._rows[int(s)] for s in steps]).reshape(len(steps), network.depth)


def steps_to_plot(n_rows: int, n_samples: int) -> NDArray[np.int64]:
    """Which history rows get their gradient norms plotted: every `stride`-th row (a
    power of two) and the last, at most `norm_limit(n_samples)` of them. The rows stay
    the same as the history grows (a Step adds one new row to compute, and the stride
    doubles now and then, keeping every other row), unlike rows spread evenly, which all
    move with every Step: 400 gradients over 100,000 samples each, 2.4 s a Step."""
    limit = norm_limit(n_samples)
    stride = 1
    while -(-n_rows // stride) > limit - 1:
        stride *= 2
    steps = np.arange(0, max(n_rows, 0), stride, dtype=np.int64)
    if n_rows and steps[-1] != n_rows - 1:
        steps = np.append(steps, n_rows - 1)
    return steps


def norm_limit(n_samples: int) -> int:
    """Rows to plot: NORM_STEPS, fewer for a large dataset (each is a pass over it)."""
    return int(np.clip(NORM_BUDGET // max(n_samples, 1), FEWEST_STEPS, NORM_STEPS))


def slope(name: str, s: Array) -> Array:
    """f'(s), drawn as 0 for the step function (whose df refuses: no derivative at 0)."""
    activation = get_activation(name)
    return activation.df(s) if activation.differentiable else np.zeros_like(s)


class GradientFlowView(TeachingView):
    """Per-layer gradient norms over the training (top) and the activations with the
    neurons' operating points on f'(s) (bottom).

    Attributes for tests: `norm_curves` (one PlotDataItem per layer, raw norms in yData),
    `steps` and `norms` (what the curves show), `activation_curves` (name → (f, f')),
    `operating_dots` (one ScatterPlotItem per layer), `norm_message` (a QLabel shown
    instead of the norm plot when there is no gradient).
    """

    CAPTION = (
        "Backprop multiplies the error by W and by f′(s) at every layer it passes "
        "back through: each sigmoid layer multiplies the gradient by f′(s) ≤ 0.25, so "
        "in a deep sigmoid net the input-side layers get far smaller gradients (top, "
        "log scale) and learn slowest. Bottom: dots far out on the flat parts, where "
        "f′(s) ≈ 0, pass almost nothing back."
    )

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
            "training step n",
            "‖∂E/∂W[l]‖ (E per unit weight)",
            step_axis=True,
        )
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
            "activationPlot",
            "f(s), its slope f′(s), and where each layer operates",
            "weighted sum s = W·a + b (no unit)",
            "f(s) and f′(s) (no unit)",
        )
        self.activation_plot.getPlotItem().showGrid(x=True, y=True, alpha=0.15)
        self.activation_legend = bottom_legend(self.activation_plot)
        self.sigmoid_bound = pg.InfiniteLine(
            0.25,
            angle=0,
            movable=False,
            label="max σ′ = 0.25",
            labelOpts={"position": 0.8, "color": "#555555", "anchors": [(0.5, -0.1), (0.5, -0.1)]},
            pen=pg.mkPen("#999999", style=Qt.PenStyle.DotLine),
        )
        self.activation_plot.getPlotItem().addItem(self.sigmoid_bound, ignoreBounds=True)
        self.step_note = pg.TextItem("step: no derivative at 0", anchor=(0.5, 1.3), color="#B22222")
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
            self.norm_plot.getPlotItem().plot(
                name=layer_name(l, depth), pen=pg.mkPen(colour(l - 1, depth), width=1.5)
            )
            for l in range(1, depth + 1)
        ]
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
                item.plot(name=df_name, pen=pg.mkPen(pen, width=2, style=Qt.PenStyle.DashLine)),
            )
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
        history = trainer.history
        self.steps = steps_to_plot(len(history), trainer.data.n_samples)
        if not history.dense:  # within a budget: at the states stored, each shown exactly
            self.steps = np.unique(history.steps[history.stored_index(self.steps)])
        try:
            self.norms = self._cache.norms(trainer, self.steps)
        except ValueError as error:  # the step activation: nothing to differentiate
            self.norms = np.zeros((0, trainer.network.depth))
            self.norm_message.setText(f"<b>No gradients to show.</b> {error}")
            self.norm_pages.setCurrentWidget(self.norm_message)
            for curve in self.norm_curves:
                curve.setData([], [])
            return
        self.norm_pages.setCurrentWidget(self.norm_plot)
        symbol = "o" if len(self.steps) <= 60 else None  # a short history: show each state
        for curve, column in zip(self.norm_curves, self.norms.T, strict=True):
            # Log axis: a zero or non-finite norm (a diverging state) has no place on it.
            shown = np.isfinite(column) & (column > 0)
            curve.setData(
                self.steps[shown],
                column[shown],
                symbol=symbol,
                symbolSize=5,
                symbolBrush=curve.opts["pen"].color(),
                symbolPen=None,
            )

    def _draw_activations(self, trainer: Trainer) -> None:
        network = trainer.network
        points = [
            _spread(s[np.isfinite(s)], OPERATING_POINTS)
            for s in operating_points(network, trainer.data)
        ]
        reach = max((float(np.max(np.abs(s))) for s in points if s.size), default=0.0)
        span = float(np.clip(1.05 * reach, S_SPAN, S_SPAN_MAX))
        s = np.linspace(-span, span, 801)
        for name, (f_curve, df_curve) in self.activation_curves.items():
            f_curve.setData(s, get_activation(name).f(s))
            df_curve.setData(s, slope(name, s))
        for dots, name, sums in zip(self.operating_dots, network.activations, points, strict=True):
            shown = np.clip(sums, -span, span)  # beyond the view: drawn at its edge
            dots.setData(shown, slope(name, shown))
        self.sigmoid_bound.setVisible("sigmoid" in self.activation_curves)
        self.step_note.setVisible("step" in self.activation_curves)
        self.step_note.setPos(0, 0)
        negative = any(n in self.activation_curves for n in ("tanh", "linear", "leaky_relu"))
        view = self.activation_plot.getPlotItem().vb
        # f' ≤ 1 for every activation here: the y range shows all slopes; a linear or relu
        # f(s) leaves it, which the student can pan to.
        view.setRange(xRange=(-span, span), yRange=(-1.1 if negative else -0.05, 1.1), padding=0.02)


def _spread(values: Array, limit: int) -> Array:
    """At most `limit` of the values, evenly spaced over the array (all when fewer)."""
    if values.size <= limit:
        return values
    return values[np.linspace(0, values.size - 1, limit).astype(np.int64)]
