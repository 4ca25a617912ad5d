"""The diagram's scene: every graphics item of one architecture at one canvas size, built
in one go (`rebuild`) and kept, so that a redraw during a Run only changes texts and pens
(gui/diagram/drawing.py). It also chooses the label font, since the font decides the
layout: how much room the numbers take, and whether neighbouring layers must take turns.
"""

from __future__ import annotations

import math
from itertools import pairwise

from PySide6 import QtCore, QtGui, QtWidgets

from gui.diagram.geometry import Geometry, Parameter, compute_geometry, parameters_of
from gui.diagram.items import LABELS_UP_TO, Array, EdgeItem, Qt, Tag
from gui.diagram.labels import place_labels
from model.network import Network
from model.numbers import format_number


def input_text(i: int, x: float) -> str:
    return f"X{i + 1} = {format_number(x)}"


def target_text(k: int, d: float, n_out: int) -> str:
    name = "d" if n_out == 1 else f"d{k + 1}"
    return f"{name} = {format_number(d)}"


class DiagramScene(QtWidgets.QGraphicsScene):
    """The items, public for the code that restyles them: `edges` and `edge_tags` by
    parameter name, `neurons[l][j]` (l = 0: the inputs), the tags for the inputs, the
    neurons' s and f(s) and the targets, the column `titles`, and two overlays under
    everything: `glow` (the animation) and `halo` (the selection)."""

    geometry: Geometry  # set by the first rebuild

    def __init__(self, font: QtGui.QFont, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        # Every redraw changes the edges' widths: an index would be rebuilt each time.
        self.setItemIndexMethod(QtWidgets.QGraphicsScene.ItemIndexMethod.NoIndex)
        self.label_font = QtGui.QFont(font)
        self.compact = False
        self._font_key: tuple[object, ...] | None = None
        self.clear_items()

    def clear_items(self) -> None:
        """Forget the items (after QGraphicsScene.clear() has deleted them)."""
        self.params: tuple[Parameter, ...] = ()
        self.by_name: dict[str, Parameter] = {}
        self.bias_names: dict[tuple[int, int], str] = {}
        self.named_labels = False
        self.edges: dict[str, EdgeItem] = {}
        self.edge_tags: dict[str, Tag] = {}
        self.neurons: list[list[QtWidgets.QGraphicsEllipseItem]] = []
        self.input_tags: list[Tag] = []
        self.neuron_tags: list[list[Tag]] = []
        self.target_tags: list[Tag] = []
        self.titles: list[tuple[Tag, Tag]] = []
        self.glow: QtWidgets.QGraphicsPathItem | None = None
        self.halo: QtWidgets.QGraphicsPathItem | None = None

    # -- the font -------------------------------------------------------------------------
    def choose_font(self, base_font: QtGui.QFont, layers: list[int], width: int) -> None:
        """A size up for a few neurons on a wide canvas (a projector); a size down and
        condensed where a neuron's numbers would not fit between the columns."""
        key = (tuple(layers), width, base_font.key())
        if key == self._font_key:
            return
        self._font_key = key
        font = QtGui.QFont(base_font)
        base = font.pointSizeF()
        n_params = sum(n * (m + 1) for m, n in pairwise(layers))
        gap = (width - 140) / (len(layers) - 1)
        font.setPointSizeF(base + 1 if n_params <= LABELS_UP_TO and gap >= 300 else base)
        needed = QtGui.QFontMetricsF(font).horizontalAdvance("f(s) = -0.000000000") + 12
        self.compact = gap < needed
        if self.compact:
            font.setPointSizeF(max(7.0, base - 1.5))
            font.setStretch(QtGui.QFont.Stretch.SemiCondensed)
        self.label_font = font

    def neuron_text(self, s: str, y: str) -> str:
        return f"s = {s}\nf = {y}" if self.compact else f"s = {s}\nf(s) = {y}"

    def margins(self, inputs: Array, targets: Array, n_out: int) -> tuple[float, float]:
        """Room left of the inputs for their values, right of the outputs for d."""
        metrics = QtGui.QFontMetricsF(self.label_font)
        left = max(metrics.horizontalAdvance(input_text(i, x)) for i, x in enumerate(inputs))
        right = max(
            metrics.horizontalAdvance(target_text(k, d, n_out)) for k, d in enumerate(targets)
        )
        # Rounded up, so that another sample rarely moves everything by a pixel or two.
        return 20.0 * math.ceil((left + 36) / 20), 20.0 * math.ceil((right + 44) / 20)

    # -- building the items (once per architecture and size) ----------------------------
    def rebuild(self, network: Network, size: QtCore.QSize, left: float, right: float) -> None:
        """All items anew for `network` in a canvas of `size` (pixels), with `left` and
        `right` pixels kept free for the inputs' and targets' values."""
        self.clear()
        self.clear_items()
        self.setSceneRect(0, 0, size.width(), size.height())
        line = QtGui.QFontMetricsF(self.label_font).height()
        geometry = compute_geometry(
            network.layers, size.width(), size.height(), line, left, right, stagger=self.compact
        )
        self.geometry = geometry
        self.params = parameters_of(network)
        self.by_name = {p.name: p for p in self.params}
        self.bias_names = {(p.layer, p.row): p.name for p in self.params if p.kind == "b"}
        # Name and value on the lecture's network (W1 = 0.5); the value alone on a deeper
        # one, whose edges are too close for L1.W1_2 = ... (the name is in the tooltip).
        self.named_labels = network.depth == 1
        self.glow = self._overlay(-3)
        self.halo = self._overlay(-2)
        self._make_edges(geometry)
        self._make_inputs(geometry)
        self._make_neurons(geometry)
        self._make_bias_nodes(geometry)
        self._make_titles(geometry, line)
        if len(self.params) <= LABELS_UP_TO:
            self._make_edge_tags(geometry)

    def _overlay(self, z: float) -> QtWidgets.QGraphicsPathItem:
        item = self.addPath(QtGui.QPainterPath(), QtGui.QPen(Qt.PenStyle.NoPen))
        item.setZValue(z)
        return item

    def _tag(
        self,
        anchor: tuple[float, float],
        pos: QtCore.QPointF,
        z: float = 3,
        boxed: bool = True,
        name: str = "",
    ) -> Tag:
        tag = Tag(self.label_font, anchor, boxed)
        tag.setPos(pos)
        tag.setZValue(z)
        if name:
            tag.setData(0, name)
        self.addItem(tag)
        return tag

    def _make_edges(self, geometry: Geometry) -> None:
        for p in self.params:
            source = (
                geometry.neurons[p.layer - 1][p.col]
                if p.kind == "W"
                else geometry.biases[p.layer - 1]
            )
            edge = EdgeItem(QtCore.QLineF(source, geometry.neurons[p.layer][p.row]))
            edge.setData(0, p.name)
            edge.setZValue(-1)
            self.addItem(edge)
            self.edges[p.name] = edge

    def _circle(
        self, centre: QtCore.QPointF, radius: float, fill: str, name: str = ""
    ) -> QtWidgets.QGraphicsEllipseItem:
        circle = self.addEllipse(
            -radius,
            -radius,
            2 * radius,
            2 * radius,
            QtGui.QPen(QtGui.QColor("#333333"), 1.5),
            QtGui.QColor(fill),
        )
        circle.setPos(centre)
        circle.setZValue(2)
        if name:
            circle.setData(0, name)
        return circle

    def _make_inputs(self, geometry: Geometry) -> None:
        r = geometry.radius
        column = [self._circle(c, r, "#E8E8E8") for c in geometry.neurons[0]]
        self.neurons.append(column)
        self.input_tags = [
            self._tag((1.0, 0.5), c + QtCore.QPointF(-r - 6, 0)) for c in geometry.neurons[0]
        ]

    def _make_neurons(self, geometry: Geometry) -> None:
        r = geometry.radius
        depth = len(geometry.neurons) - 1
        for l in range(1, depth + 1):
            names = [self.bias_names[l, j] for j in range(len(geometry.neurons[l]))]
            column = [
                self._circle(c, r, "white", name)
                for c, name in zip(geometry.neurons[l], names, strict=True)
            ]
            if r >= 14:
                for circle in column:
                    self._mark_sum_and_f(circle, r)
            self.neurons.append(column)
            self.neuron_tags.append(
                [
                    self._tag((0.5, 0.0), c + QtCore.QPointF(0, r + 3), name=name)
                    for c, name in zip(geometry.neurons[l], names, strict=True)
                ]
            )
        for centre in geometry.neurons[depth]:
            start = centre + QtCore.QPointF(r, 0)
            arrow = self.addLine(
                QtCore.QLineF(start, start + QtCore.QPointF(14, 0)),
                QtGui.QPen(QtGui.QColor("#333333"), 1.5),
            )
            arrow.setZValue(1)
            self.target_tags.append(self._tag((0.0, 0.5), start + QtCore.QPointF(18, 0)))

    def _mark_sum_and_f(self, circle: QtWidgets.QGraphicsEllipseItem, r: float) -> None:
        """The lecture's neuron: the sum s on the left, the activation f on the right."""
        divider = QtWidgets.QGraphicsLineItem(0, -r, 0, r, circle)
        divider.setPen(QtGui.QPen(QtGui.QColor("#777777"), 1))
        for text, x in (("s", -r / 2), ("f", r / 2)):
            mark = Tag(self.label_font, (0.5, 0.5), boxed=False, parent=circle)
            mark.set_text(text)
            mark.setPos(x, 0)

    def _make_bias_nodes(self, geometry: Geometry) -> None:
        for centre in geometry.biases:
            box = QtGui.QPainterPath()
            box.addRoundedRect(QtCore.QRectF(-13, -9, 26, 18), 4, 4)
            node = self.addPath(
                box, QtGui.QPen(QtGui.QColor("#555555"), 1.2), QtGui.QColor("#F4F4F4")
            )
            node.setPos(centre)
            node.setZValue(2)
            node.setToolTip("The bias input: always +1; its weight is the bias b")
            label = Tag(self.label_font, (0.5, 0.5), boxed=False, parent=node)
            label.set_text("+1")

    def _make_titles(self, geometry: Geometry, line: float) -> None:
        bold = QtGui.QFont(self.label_font)
        bold.setBold(True)
        for x in geometry.columns:
            title = self._tag((0.5, 0.0), QtCore.QPointF(x, 2), boxed=False)
            title.text_item.setFont(bold)
            subtitle = self._tag((0.5, 0.0), QtCore.QPointF(x, 5 + line), boxed=False)
            self.titles.append((title, subtitle))

    def _make_edge_tags(self, geometry: Geometry) -> None:
        """Labels on the edges if each fits somewhere along its edge without covering a
        node or another label; otherwise none (the values are in the tooltips), rather
        than some of them, or a pile."""
        metrics = QtGui.QFontMetricsF(self.label_font)
        sizes = {}
        for p in self.params:
            text = (
                f"∂E/∂{p.name} = -0.0000000000" if self.named_labels else "-0.0000000000"
            )  # the longest a label will be
            sizes[p.name] = QtCore.QSizeF(metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
        lines = {name: edge.line() for name, edge in self.edges.items()}
        spots = place_labels(lines, sizes, self._node_rects(geometry))
        for name, rect in (spots or {}).items():
            self.edge_tags[name] = self._tag((0.5, 0.5), rect.center(), z=1, name=name)

    def _node_rects(self, geometry: Geometry) -> list[QtCore.QRectF]:
        """Where nodes and their number tags are (the tags are still empty here)."""
        metrics = QtGui.QFontMetricsF(self.label_font)
        r = geometry.radius + 2
        rects = [
            QtCore.QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)
            for column in geometry.neurons
            for c in column
        ]
        rects += [QtCore.QRectF(c.x() - 15, c.y() - 11, 30, 22) for c in geometry.biases]
        width = (
            max(
                metrics.horizontalAdvance(line)
                for line in self.neuron_text("-0.000000000", "-0.000000000").splitlines()
            )
            + 6
        )
        rects += [
            QtCore.QRectF(c.x() - width / 2, c.y() + r, width, geometry.tag_height)
            for column in geometry.neurons[1:]
            for c in column
        ]
        return rects
