"""The diagram's scene: every graphics item of one architecture at one canvas size, built
in one go (`rebuild`) and kept, so that a redraw during a Run only changes texts and pens
(gui/diagram/drawing.py). Building also decides how the numbers are written: `rebuild`
tries the label font, then a smaller condensed one with the layers taking turns, then
four significant digits, until every neuron's numbers find a spot (gui/diagram/labels.py);
failing that, the numbers are in the tooltips only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise

from PySide6 import QtCore, QtGui, QtWidgets

from gui.diagram.geometry import BIAS_BOX, Geometry, compute_geometry, parameters_of
from gui.diagram.items import INPUT_FILL, LABELS_UP_TO, Array, EdgeItem, Qt, Tag
from gui.diagram.labels import place_labels, place_neuron_labels
from gui.diagram.texts import (
    EDGE_WIDEST,
    FEWER_DIGITS,
    SHORT_DIGITS,
    LabelStyle,
    input_text,
    neuron_label_size,
    target_text,
)
from model.layout import Parameter
from model.network import Network
from model.numbers import format_number, format_significant


class DiagramScene(QtWidgets.QGraphicsScene):
    """The items, public for the code that restyles them: `edges` and `edge_tags` by
    parameter name, `neurons[l][j]` (l = 0: the inputs), the tags for the inputs, the
    neurons' s and f(s) (empty lists when they are in the tooltips only) and the
    targets, the column `titles`, and two overlays under everything: `glow` (the
    animation) and `halo` (the selection)."""

    geometry: Geometry  # set by the first rebuild

    def __init__(self, font: QtGui.QFont, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        # Every redraw changes the edges' widths: an index would be rebuilt each time.
        self.setItemIndexMethod(QtWidgets.QGraphicsScene.ItemIndexMethod.NoIndex)
        self.base_font = QtGui.QFont(font)
        self.label_font = QtGui.QFont(font)
        self.compact = False
        self.short = False
        self._one_layer = True  # the lecture's rule is possible: d − Y in the walk-through
        self._metrics = QtGui.QFontMetricsF(self.label_font)
        self.clear_items()

    def clear_items(self) -> None:
        """Forget the items (after QGraphicsScene.clear() has deleted them)."""
        self.params: Sequence[Parameter] = ()
        self.by_name: dict[str, Parameter] = {}
        self.bias_names: dict[tuple[int, int], str] = {}
        self.named_labels = False
        self.neuron_labels = False
        self.edges: dict[str, EdgeItem] = {}
        self.edge_tags: dict[str, Tag] = {}
        self.edge_room: dict[str, float] = {}  # the widest text an edge's label may have
        self.neuron_room = 0.0  # ... and a neuron's
        self.neurons: list[list[QtWidgets.QGraphicsEllipseItem]] = []
        self.input_tags: list[Tag] = []
        self.neuron_tags: list[list[Tag]] = []
        self.target_tags: list[Tag] = []
        self.titles: list[tuple[Tag, Tag]] = []
        self.glow: QtWidgets.QGraphicsPathItem | None = None
        self.halo: QtWidgets.QGraphicsPathItem | None = None

    # -- how the numbers are written ----------------------------------------------------
    def choose_font(self, base_font: QtGui.QFont, layers: list[int], width: int) -> None:
        """The font to try first: a size up for a few neurons on a wide canvas (a
        projector). (`rebuild` steps down from it where the numbers do not fit.)"""
        font = QtGui.QFont(base_font)
        n_params = sum(n * (m + 1) for m, n in pairwise(layers))
        gap = (width - 140) / (len(layers) - 1)
        if n_params <= LABELS_UP_TO and gap >= 300:
            font.setPointSizeF(font.pointSizeF() + 1)
        self.base_font = font

    def styles(self) -> list[LabelStyle]:
        """The ways to write the numbers, the roomiest first."""
        small = QtGui.QFont(self.base_font)
        small.setPointSizeF(max(7.0, self.base_font.pointSizeF() - 1.5))
        small.setStretch(QtGui.QFont.Stretch.SemiCondensed)
        return [
            LabelStyle(self.base_font, compact=False, short=False, stagger=False),
            LabelStyle(small, compact=True, short=False, stagger=False),
            LabelStyle(small, compact=True, short=False, stagger=True),
            LabelStyle(small, compact=True, short=True, stagger=False),
            LabelStyle(small, compact=True, short=True, stagger=True),
        ]

    def number(self, x: float) -> str:
        """A neuron's number as its label writes it."""
        return format_significant(x, SHORT_DIGITS) if self.short else format_number(x)

    @property
    def f_name(self) -> str:
        """How a neuron's label names its output: "f(s)", or "f" where room is short."""
        return "f" if self.compact else "f(s)"

    def fit(
        self,
        items: list[tuple[str, float | None]],
        room: float,
        first: Callable[[float], str] | None = None,
    ) -> str:
        """Lines "name = value" ("?" for None; the value alone for an empty name) with
        the label's digits (`first`, default `number`), or fewer where a line would be
        wider than `room`: a label never grows past the room its place was chosen for
        (1e-5 is 1.234567891e-5 to nine decimals)."""
        lines: list[str] = []
        for write in (first or self.number, *FEWER_DIGITS):
            lines = [
                (f"{name} = " if name else "") + ("?" if value is None else write(value))
                for name, value in items
            ]
            if all(self._metrics.horizontalAdvance(line) <= room for line in lines):
                break
        return "\n".join(lines)

    def neuron_label_size(self) -> QtCore.QSizeF:
        return neuron_label_size(self.label_font, self.compact, self.short, self._one_layer)

    def margins(self, inputs: Array, targets: Array, n_out: int, depth: int) -> tuple[float, float]:
        """Room left of the inputs for their values, right of the outputs for d and for
        the output neurons' numbers: at their lower right where the lecture's one "+1"
        sends its edges from the lower left, else (a hidden layer's network, whose
        "+1"s sit at the upper left) centred under them if need be."""
        metrics = QtGui.QFontMetricsF(self.base_font)
        left = max(metrics.horizontalAdvance(input_text(i, x)) for i, x in enumerate(inputs))
        right = max(
            metrics.horizontalAdvance(target_text(k, d, n_out)) for k, d in enumerate(targets)
        )
        numbers = neuron_label_size(self.base_font, False, False, depth == 1).width()
        right = max(right + 44, numbers + 4 if depth == 1 else numbers / 2 + 8)
        # Rounded up, so that another sample rarely moves everything by a pixel or two.
        return 20.0 * math.ceil((left + 36) / 20), 20.0 * math.ceil(right / 20)

    # -- building the items (once per architecture and size) ----------------------------
    def rebuild(self, network: Network, size: QtCore.QSize, left: float, right: float) -> None:
        """All items anew for `network` in a canvas of `size` (pixels), with `left` and
        `right` pixels kept free for the inputs' and targets' values."""
        self.clear()
        self.clear_items()
        self.setSceneRect(0, 0, size.width(), size.height())
        self.params = parameters_of(network)
        self.by_name = {p.name: p for p in self.params}
        self.bias_names = {(p.layer, p.row): p.name for p in self.params if p.kind == "b"}
        # Name and value on the lecture's network (W1 = 0.5); the value alone on a deeper
        # one, whose edges are too close for L1.W1_2 = ... (the name is in the tooltip).
        self.named_labels = network.depth == 1
        self._one_layer = network.depth == 1
        spots: list[tuple[QtCore.QRectF, bool]] | None = None
        for style in self.styles():
            self._use(style)
            geometry = self._geometry(network, size, left, right, style.stagger)
            spots = self._neuron_spots(geometry, network)
            if spots is not None:
                break
        self.geometry = geometry
        self.neuron_labels = spots is not None
        self.glow = self._overlay(-3)
        self.halo = self._overlay(-2)
        self._make_edges(geometry)
        self._make_inputs(geometry)
        self._make_neurons(geometry, spots)
        self._make_bias_nodes(geometry)
        self._make_titles(geometry)
        if len(self.params) <= LABELS_UP_TO:
            self._make_edge_tags(geometry, [rect for rect, _ in spots or []])

    def _use(self, style: LabelStyle) -> None:
        self.label_font = style.font
        self._metrics = QtGui.QFontMetricsF(style.font)
        self.compact, self.short = style.compact, style.short
        self.neuron_room = self.neuron_label_size().width() - 6

    def _geometry(
        self, network: Network, size: QtCore.QSize, left: float, right: float, stagger: bool
    ) -> Geometry:
        line = QtGui.QFontMetricsF(self.label_font).height()
        return compute_geometry(
            network.layers, size.width(), size.height(), line, left, right, stagger=stagger
        )

    def _bias_line(self, geometry: Geometry, p: Parameter) -> QtCore.QLineF:
        return QtCore.QLineF(geometry.bias_source(p.layer, p.row), geometry.neurons[p.layer][p.row])

    def _fixed_rects(self, geometry: Geometry) -> list[QtCore.QRectF]:
        """What no label may cover: nodes, the titles, the inputs' and targets' values."""
        width = self.sceneRect().width()
        line = QtGui.QFontMetricsF(self.label_font).height()
        rects = geometry.circle_rects() + geometry.bias_rects()
        rects.append(QtCore.QRectF(0, 0, width, 2 * line + 8))  # the titles
        r = geometry.radius
        rects += [
            QtCore.QRectF(0, c.y() - line / 2 - 2, c.x() - r, line + 4) for c in geometry.neurons[0]
        ]
        rects += [
            QtCore.QRectF(c.x() + r, c.y() - line / 2 - 2, width - c.x() - r, line + 4)
            for c in geometry.neurons[-1]
        ]
        return rects

    def _neuron_spots(
        self, geometry: Geometry, network: Network
    ) -> list[tuple[QtCore.QRectF, bool]] | None:
        centres = [c for column in geometry.neurons[1:] for c in column]
        biases = [self._bias_line(geometry, p) for p in self.params if p.kind == "b"]
        return place_neuron_labels(
            centres,
            geometry.radius,
            self.neuron_label_size(),
            self._fixed_rects(geometry),
            biases,
            QtCore.QRectF(self.sceneRect()),
        )

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
            if p.kind == "W":
                line = QtCore.QLineF(
                    geometry.neurons[p.layer - 1][p.col], geometry.neurons[p.layer][p.row]
                )
            else:
                line = self._bias_line(geometry, p)
            edge = EdgeItem(line)
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
        column = [self._circle(c, r, INPUT_FILL.name()) for c in geometry.neurons[0]]
        self.neurons.append(column)
        self.input_tags = [
            self._tag((1.0, 0.5), c + QtCore.QPointF(-r - 6, 0)) for c in geometry.neurons[0]
        ]

    def _make_neurons(
        self, geometry: Geometry, spots: list[tuple[QtCore.QRectF, bool]] | None
    ) -> None:
        r = geometry.radius
        depth = len(geometry.neurons) - 1
        places = iter(spots or [])
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
            tags = []
            for name in names if spots is not None else []:
                rect, on_left = next(places)
                corner = rect.topRight() + QtCore.QPointF(-3, 1) if on_left else None
                anchor = (1.0, 0.0) if on_left else (0.0, 0.0)
                tags.append(
                    self._tag(anchor, corner or rect.topLeft() + QtCore.QPointF(3, 1), name=name)
                )
            self.neuron_tags.append(tags)
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
        w, h = BIAS_BOX.width(), BIAS_BOX.height()
        for centre in geometry.bias_boxes():
            box = QtGui.QPainterPath()
            box.addRoundedRect(QtCore.QRectF(-w / 2, -h / 2, w, h), 4, 4)
            node = self.addPath(
                box, QtGui.QPen(QtGui.QColor("#555555"), 1.2), QtGui.QColor("#F4F4F4")
            )
            node.setPos(centre)
            node.setZValue(2)
            node.setToolTip("The bias input: always +1; its weight is the bias b")
            label = Tag(self.label_font, (0.5, 0.5), boxed=False, parent=node)
            label.set_text("+1")

    def _make_titles(self, geometry: Geometry) -> None:
        line = QtGui.QFontMetricsF(self.label_font).height()
        bold = QtGui.QFont(self.label_font)
        bold.setBold(True)
        for x in geometry.columns:
            title = self._tag((0.5, 0.0), QtCore.QPointF(x, 2), boxed=False)
            title.text_item.setFont(bold)
            subtitle = self._tag((0.5, 0.0), QtCore.QPointF(x, 5 + line), boxed=False)
            self.titles.append((title, subtitle))

    def edge_label_texts(self, name: str) -> list[str]:
        """The longest texts an edge's label may show (see gui/diagram/drawing.py)."""
        number = EDGE_WIDEST
        if self.named_labels:
            return [f"∂E/∂{name} = {number}", f"Δ{name} = {number}"]
        return [number]

    def _make_edge_tags(self, geometry: Geometry, neuron_rects: list[QtCore.QRectF]) -> None:
        """Labels on the edges if each fits somewhere along its edge without covering a
        node, a neuron's numbers, another label or a bias line (with its name, W1 = 0.5,
        or else the value alone); otherwise none (the values are in the tooltips), rather
        than some of them, or a pile."""
        lines = {name: edge.line() for name, edge in self.edges.items()}
        biases = {p.name: lines[p.name] for p in self.params if p.kind == "b"}
        for named in (True, False) if self.named_labels else (False,):
            self.named_labels = named
            sizes = {
                p.name: QtCore.QSizeF(
                    max(self._metrics.horizontalAdvance(t) for t in self.edge_label_texts(p.name))
                    + 8,
                    self._metrics.height() + 2,
                )
                for p in self.params
            }
            spots = place_labels(
                lines,
                sizes,
                self._fixed_rects(geometry) + neuron_rects,
                barriers=biases,
                stubs=frozenset(biases) if geometry.neuron_biases else frozenset(),
                canvas=QtCore.QRectF(self.sceneRect()),
            )
            if spots is not None:
                for name, rect in spots.items():
                    self.edge_tags[name] = self._tag((0.5, 0.5), rect.center(), z=1, name=name)
                    self.edge_room[name] = sizes[name].width() - 8
                return
