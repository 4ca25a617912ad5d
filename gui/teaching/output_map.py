"""View 3, the output map (TensorFlow Playground's main view): the network's output y over
the plane of its two inputs, the samples on top filled with their target d, and the
decision boundary y = 0.5. It shows what the network computes between the samples, and
why XOR needs a hidden layer to bend the boundary. Test samples (never trained on) are
crosses filled the same way, with a dark outline. "Show" picks one hidden neuron's output
f(s) instead (a click on a neuron's picture in the Network view does too).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.teaching.common import (
    REDRAW_INTERVAL_S,
    Array,
    GridView,
    Qt,
    bottom_legend,
    combo,
    finite_levels,
    make_plot,
)
from gui.teaching.contours import ContourItem
from model.network import Network
from model.neuron_maps import neuron_map, plane_grid, samples_plane

MAP_POINTS = 120  # per axis of the output map
MAP_MARGIN = 0.5
MAX_SAMPLES_DRAWN = 2000  # markers; more are drawn as an even selection (and it is said)
# TensorFlow Playground's orange → white → blue: 0 and 1 read as the two classes. The
# samples are filled with these colours; the plane under them with the same hues, paler,
# so a sample on the side of its own class stands out as a solid dot (in the full colours
# it looked like a hollow ring on a background of its own colour).
PLAYGROUND = pg.ColorMap([0.0, 0.5, 1.0], ["#F59322", "#E8EAEB", "#0877BD"])
SAMPLES_LABEL = "samples (fill: target d)"
PLANE = pg.ColorMap([0.0, 0.5, 1.0], ["#FAD3A6", "#F4F5F5", "#A9CCE6"])
SAMPLE_PEN = pg.mkPen("#FFFFFF", width=1.5)
TEST_SAMPLES_LABEL = "test samples (×, never trained on)"
TEST_SAMPLE_PEN = pg.mkPen("#222222", width=1)
BOUNDARY_LABEL = "decision boundary y = 0.5"


class OutputMapView(GridView):
    """TensorFlow Playground's main view: the output y over the plane of the two inputs,
    the samples on top (filled with their target d), the boundary y = 0.5.

    Read-only properties for tests: `image` (shape (MAP_POINTS, MAP_POINTS), row r at
    x2 = y_values[r]), `extent` ((x0, x1), (y0, y1)), `x_values`, `y_values`, `output`,
    `hidden_neuron`.
    """

    CAPTION = (
        "The network's output y at every point of the input plane, the samples on top "
        "filled with their target d. The line y = 0.5 is the decision boundary: "
        "training moves it until it separates the samples (XOR needs a hidden layer "
        "to bend it)."
    )

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "outputMapView", self.CAPTION, REDRAW_INTERVAL_S, parent)
        self._image = np.zeros((0, 0))
        self.output_combo = combo("outputMapOutputCombo", "The output neuron shown")
        self.neuron_combo = combo(
            "outputMapNeuronCombo",
            "The network's output, or one hidden neuron's output f(s) over the input plane "
            "(a click on a neuron's picture in the Network view chooses it too)",
        )
        self._neurons: list[tuple[int, int] | None] = []  # the neuron combo's entries
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
        row.addWidget(QtWidgets.QLabel("Show:"))
        row.addWidget(self.neuron_combo)
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
        self.neuron_combo.currentIndexChanged.connect(lambda _i: self.sync(force=True))

    def _build_plot(self) -> None:
        self.plot = make_plot(
            "outputMapPlot",
            "Network output over the input plane",
            "input X1 (data units)",
            "input X2 (data units)",
        )
        item = self.plot.getPlotItem()
        item.setAspectLocked(False)
        self.image_item = self._add_image(self.plot, PLANE, "y")
        self.boundary = ContourItem(0.5, pg.mkPen("#222222", width=2))
        self.boundary.setZValue(5)
        item.addItem(self.boundary)
        self.legend = bottom_legend(self.plot)
        self.samples = pg.ScatterPlotItem(
            size=13, pen=SAMPLE_PEN, brush=PLAYGROUND.map(1.0, mode="qcolor"), name=SAMPLES_LABEL
        )
        self.samples.setZValue(10)
        item.addItem(self.samples)
        # Crosses with a dark outline: the legend lists them only while there are some.
        self.test_samples = pg.ScatterPlotItem(
            size=14, symbol="x", pen=TEST_SAMPLE_PEN, brush=PLAYGROUND.map(1.0, mode="qcolor")
        )
        self.test_samples.setZValue(11)
        item.addItem(self.test_samples)
        self._boundary_entry = pg.PlotDataItem(pen=pg.mkPen("#222222", width=2))
        self.legend.addItem(self._boundary_entry, BOUNDARY_LABEL)

    @property
    def image(self) -> Array:
        return self._image

    @property
    def extent(self) -> tuple[tuple[float, float], tuple[float, float]]:
        if not self._xs.size:
            return (0.0, 0.0), (0.0, 0.0)
        return (float(self._xs[0]), float(self._xs[-1])), (float(self._ys[0]), float(self._ys[-1]))

    @property
    def output(self) -> int:
        """The output neuron shown, 0-based."""
        return max(self.output_combo.currentIndex(), 0)

    @property
    def hidden_neuron(self) -> tuple[int, int] | None:
        """The hidden neuron shown, (layer 1-based, row 0-based); None: the network output."""
        index = self.neuron_combo.currentIndex()
        return self._neurons[index] if 0 <= index < len(self._neurons) else None

    def show_neuron(self, layer: int, row: int) -> None:
        """Show neuron `row` (0-based) of `layer` (1-based): a hidden neuron's output, or
        for the output layer the network's output y_(row+1)."""
        network = self.lab.trainer.network
        self._refill_neurons(network.layers)
        self._refill_outputs(network.layers[-1])
        if layer == network.depth:
            self.output_combo.setCurrentIndex(row)
        entry = None if layer == network.depth else (layer, row)
        self.neuron_combo.setCurrentIndex(self._neurons.index(entry))
        self.sync(force=True)

    def view_key(self) -> tuple[object, ...]:
        return (*super().view_key(), self.output, self.hidden_neuron)

    def recompute(self) -> None:
        network = self.lab.trainer.network
        if network.layers[0] != 2:
            self._show_message(network.layers[0])
            return
        self.pages.setCurrentIndex(0)
        self._refill_neurons(network.layers)
        self._refill_outputs(network.layers[-1])
        self.output_combo.setEnabled(network.layers[-1] > 1 and self.hidden_neuron is None)
        self._draw(network)

    def _show_message(self, n_inputs: int) -> None:
        self._image = np.zeros((0, 0))
        self._xs = self._ys = np.zeros(0)
        self.message.setText(
            f"The output map needs a network with exactly 2 inputs: it colours the plane of "
            f"the two inputs by the output. This network has {n_inputs} "
            f"input{'s' if n_inputs != 1 else ''}."
        )
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

    def _refill_neurons(self, layers: list[int]) -> None:
        """The choices: the network output, then every hidden neuron (the one shown is
        kept where it still exists)."""
        entries: list[tuple[int, int] | None] = [None]
        entries += [(l, j) for l in range(1, len(layers) - 1) for j in range(layers[l])]
        if entries == self._neurons:
            return
        with QtCore.QSignalBlocker(self.neuron_combo):
            current = self.hidden_neuron
            self.neuron_combo.clear()
            self._neurons = entries
            for entry in entries:
                text = (
                    "network output"
                    if entry is None
                    else f"hidden neuron L{entry[0]}.{entry[1] + 1}"
                )
                self.neuron_combo.addItem(text)
            self.neuron_combo.setCurrentIndex(entries.index(current) if current in entries else 0)
        self.neuron_combo.setEnabled(len(entries) > 1)

    def _draw(self, network: Network) -> None:
        data = self.lab.trainer.data
        x_range, y_range = samples_plane(data, MAP_MARGIN)
        self._xs, self._ys = plane_grid(x_range, y_range, MAP_POINTS)
        if not self.drawable():
            self._image = np.zeros((0, 0))
            self.message.setText(
                "The inputs are too large to draw the input plane (beyond ±1e150)."
            )
            self.pages.setCurrentIndex(1)
            return
        hidden = self.hidden_neuron
        layer, row = hidden or (network.depth, self.output)
        self._image = neuron_map(network, layer, row, x_range, y_range, MAP_POINTS)
        targets = data.targets[:, self.output]
        lo, hi = self._levels(network.activations[-1], targets, hidden is None)
        levels = (lo, hi)  # a hidden neuron: its own levels; the samples keep the output's
        if hidden is not None:
            levels = map_levels(network.activations[layer - 1], self._image)
        self._show_image(self.image_item, np.nan_to_num(self._image, nan=levels[0]), levels)
        name = f"y{self.output + 1}" if network.layers[-1] > 1 else "y"
        if hidden is not None:
            name = f"f(s) of L{layer}.{row + 1}"
        self.colour_bar.getAxis("left").setLabel(name)
        self.colour_bar.getAxis("left").showLabel(False)  # the bar's axis under it says it
        self.colour_bar.axis.setLabel(name)
        self._draw_samples(self.samples, SAMPLES_LABEL, data.inputs, targets, lo, hi)
        self._draw_test_samples(lo, hi)
        has_boundary = hidden is None and network.activations[-1] in ("sigmoid", "step")
        self.boundary.setVisible(has_boundary)
        self._boundary_entry.setVisible(has_boundary)
        self._list_boundary(hidden is None)
        if has_boundary:
            self.boundary.set_grid(self._xs, self._ys, self._image, 0.5)
        self._fit_view(self.plot)
        title = "Network output y"
        if hidden is not None:
            title = f"Hidden neuron L{layer}.{row + 1} ({network.activations[layer - 1]}): f(s)"
        self.plot.getPlotItem().setTitle(
            f"{title} over the input plane at step {self.lab.trainer.position}", size="10pt"
        )
        self.caption.setText(self.CAPTION if hidden is None else hidden_caption(layer, row))

    def _list_boundary(self, on: bool) -> None:
        """The legend's entry for the boundary: none under a hidden neuron's output."""
        listed = self.legend.getLabel(self._boundary_entry) is not None
        if on and not listed:
            self.legend.addItem(self._boundary_entry, BOUNDARY_LABEL)
        elif listed and not on:
            self.legend.removeItem(self._boundary_entry)

    def _draw_test_samples(self, lo: float, hi: float) -> None:
        data = self.lab.trainer.data
        if data.test_inputs is None or data.test_targets is None:
            self.test_samples.setData([], [])
            self.legend.removeItem(self.test_samples)
            return
        if self.legend.getLabel(self.test_samples) is None:
            self.legend.addItem(self.test_samples, TEST_SAMPLES_LABEL)
        targets = data.test_targets[:, self.output]
        self._draw_samples(self.test_samples, TEST_SAMPLES_LABEL, data.test_inputs, targets, lo, hi)

    def _draw_samples(
        self,
        scatter: pg.ScatterPlotItem,
        name: str,
        inputs: Array,
        targets: Array,
        lo: float,
        hi: float,
    ) -> None:
        """The samples filled with their target's colour; a large dataset as an even
        selection of MAX_SAMPLES_DRAWN of them (the legend says how many of how many)."""
        count = len(targets)
        drawn = np.arange(count)
        label = name
        if count > MAX_SAMPLES_DRAWN:
            drawn = np.linspace(0, count - 1, MAX_SAMPLES_DRAWN).round().astype(np.intp)
            label = f"{name}: {MAX_SAMPLES_DRAWN:,} of {count:,} drawn"
        shades = np.clip(targets[drawn], lo, hi)
        made: dict[float, QtGui.QBrush] = {}  # one brush per target value (often two)
        for t in set(shades.tolist()):
            made[t] = pg.mkBrush(PLAYGROUND.map((t - lo) / (hi - lo), mode="qcolor"))
        brushes = [made[t] for t in shades.tolist()]
        scatter.setData(inputs[drawn, 0], inputs[drawn, 1], brush=brushes)
        entry = self.legend.getLabel(scatter)
        if entry is not None and entry.text != label:
            entry.setText(label)

    def _levels(self, activation: str, targets: Array, with_image: bool) -> tuple[float, float]:
        """The output's colour range (`map_levels`), over the image too `with_image`."""
        values = np.concatenate([self._image.ravel(), targets]) if with_image else targets
        return map_levels(activation, values)


def map_levels(activation: str, values: Array) -> tuple[float, float]:
    """The colour range of a neuron's output: its activation's own range where it has
    one, so colours keep their meaning (white = 0.5 for a sigmoid, 0 for tanh) from step
    to step; else the range of the finite `values`. (The Network view's pictures too.)"""
    if activation in ("sigmoid", "step"):
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    return finite_levels(values)


def hidden_caption(layer: int, row: int) -> str:
    what = (
        "A first hidden layer's neuron splits the plane along a straight line, s = 0"
        if layer == 1
        else "A deeper neuron combines the previous layer's pictures into curves"
    )
    return (
        f"Hidden neuron L{layer}.{row + 1}'s output f(s) at every point of the input plane, "
        f"the samples on top filled with their target d. {what}; the output layer "
        "combines these. Show → network output goes back to it."
    )
