"""The network as the lecture draws it, with the numbers of one sample on it.

Columns of neurons, inputs X1..Xn on the left; every layer also gets a "+1" input whose
edge weight is the bias b (the lecture: "the bias is treated as a new input neuron ...
which has a fixed value +1 and a weight b"). Edge width ∝ |w| (or |∂E/∂w|), colour by
sign. A Step is animated as a forward sweep over the layers and then a backward one.

Items are built once per architecture and size (`_rebuild`); a redraw only changes their
texts and pens (`refresh`), which keeps a redraw during a Run cheap.

On its own, with a Step button: ``python -m gui.diagram [lecture|and|or|xor|mazur_2_2_2]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.runner import Throttle
from model.network import ForwardPass, Network
from model.numbers import format_number, format_significant
from model.training import sample_indices

Array = NDArray[np.float64]
Qt = QtCore.Qt

# Okabe–Ito blue and vermillion: told apart with every common colour-vision deficiency.
POSITIVE = QtGui.QColor("#0072B2")
NEGATIVE = QtGui.QColor("#D55E00")
NEUTRAL = QtGui.QColor("#9A9A9A")
FORWARD = QtGui.QColor(0, 158, 115, 95)      # Okabe–Ito bluish green, translucent
BACKWARD = QtGui.QColor(204, 121, 167, 110)  # Okabe–Ito reddish purple, translucent
SELECTED = QtGui.QColor(240, 200, 0, 150)
TEXT = QtGui.QColor("#1A1A1A")
MIN_WIDTH, MAX_WIDTH = 1.0, 8.0              # edge widths in pixels
DENSE_MAX_WIDTH = 4.0                        # ... where edges are too many to label
LABELS_UP_TO = 12                            # more edges: values in tooltips only
REDRAW_INTERVAL_S = 0.1
PHASE_MS = 150
NO_GRADIENT = "—"
LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8)  # along an edge


@dataclass(frozen=True)
class Parameter:
    """One weight or bias: its name (network.parameter_names()) and where it sits."""

    name: str
    layer: int      # 1-based
    kind: str       # "W" or "b"
    row: int        # neuron of `layer`, 0-based
    col: int        # input of the neuron, 0-based (0 for a bias)


def parameters_of(network: Network) -> list[Parameter]:
    """Every parameter, in get_flat() order."""
    places = []
    for l in range(1, network.depth + 1):
        n_in, n = network.layers[l - 1], network.layers[l]
        places += [(l, "W", j, i) for j in range(n) for i in range(n_in)]
        places += [(l, "b", j, 0) for j in range(n)]
    return [Parameter(name, *place)
            for name, place in zip(network.parameter_names(), places, strict=True)]


@dataclass
class Geometry:
    """Where things go in a scene of the viewport's size (pixels)."""

    radius: float
    columns: list[float]                  # x of each layer, inputs first
    neurons: list[list[QtCore.QPointF]]   # neurons[l][j]; l = 0 are the inputs
    biases: list[QtCore.QPointF]          # biases[l - 1]: the "+1" feeding layer l
    tag_height: float


def compute_geometry(layers: list[int], width: float, height: float, line: float,
                     left: float, right: float, stagger: bool = False) -> Geometry:
    """Columns spread over the width; in each, the neurons (and the "+1" feeding the next
    layer) share the height, with room under each neuron for its two lines of numbers.
    `stagger` moves every other layer down by half a slot: where the columns are closer
    than the numbers are wide, the numbers of neighbouring layers then take turns."""
    depth = len(layers) - 1
    top, bottom = 2 * line + 14, 4.0
    dx = (width - left - right) / depth
    tag_height = 2 * line + 4
    columns = [left + l * dx for l in range(depth + 1)]
    # A neuron and its numbers take a slot; a "+1" half of one; staggering half a slot.
    units = [n + 0.5 * (l < depth) + 0.5 * stagger for l, n in enumerate(layers)]
    slots = [(height - top - bottom) / u for u in units]
    radius = float(np.clip(min(min(slots) - tag_height - 4, dx / 2.5) / 2, 7.0, 22.0))
    neurons, biases = [], []
    for l, x in enumerate(columns):
        start = top + (slots[l] / 2 if stagger and l % 2 else 0.0)
        lift = tag_height / 2 if l > 0 else 0.0
        neurons.append([QtCore.QPointF(x, start + (k + 0.5) * slots[l] - lift)
                        for k in range(layers[l])])
        if l < depth:
            biases.append(QtCore.QPointF(x, start + (layers[l] + 0.25) * slots[l]))
    return Geometry(radius, columns, neurons, biases, tag_height)


class Tag(QtWidgets.QGraphicsPathItem):
    """Text on a pale rounded box; `anchor` is where the item's position falls on the
    box, as fractions of its width and height ((0.5, 0.5): the centre)."""

    def __init__(self, font: QtGui.QFont, anchor: tuple[float, float] = (0.5, 0.5),
                 boxed: bool = True, parent: QtWidgets.QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.text_item = QtWidgets.QGraphicsSimpleTextItem(self)
        self.text_item.setFont(font)
        self.text_item.setBrush(TEXT)
        self.anchor = anchor
        self.setPen(Qt.PenStyle.NoPen)
        self.setBrush(QtGui.QColor(255, 255, 255, 230) if boxed else Qt.BrushStyle.NoBrush)

    def text(self) -> str:
        return self.text_item.text()

    def set_text(self, text: str) -> None:
        if text == self.text_item.text():
            return
        self.text_item.setText(text)
        rect = self.text_item.boundingRect()
        x, y = -self.anchor[0] * rect.width(), -self.anchor[1] * rect.height()
        self.text_item.setPos(x, y)
        path = QtGui.QPainterPath()
        path.addRoundedRect(QtCore.QRectF(x - 3, y - 1, rect.width() + 6, rect.height() + 2),
                            3, 3)
        self.setPath(path)


class EdgeItem(QtWidgets.QGraphicsLineItem):
    """An edge that is easy to hit: clicks within a few pixels of a thin line count."""

    HIT_WIDTH = 9.0

    def shape(self) -> QtGui.QPainterPath:
        path = QtGui.QPainterPath(self.line().p1())
        path.lineTo(self.line().p2())
        stroker = QtGui.QPainterPathStroker()
        stroker.setWidth(max(self.pen().widthF(), self.HIT_WIDTH))
        return stroker.createStroke(path)

    def boundingRect(self) -> QtCore.QRectF:
        # Asked for on every paint: the stroke of shape() would cost ten times as much.
        half = max(self.pen().widthF(), self.HIT_WIDTH) / 2
        line = self.line()
        return QtCore.QRectF(line.p1(), line.p2()).normalized().adjusted(-half, -half,
                                                                         half, half)


class DiagramView(QtWidgets.QGraphicsView):
    """The canvas. Says which parameter (an item's data 0) was clicked or double-clicked,
    and when its size changed."""

    clicked = QtCore.Signal(str)
    doubleClicked = QtCore.Signal(str)
    resized = QtCore.Signal()

    def __init__(self, scene: QtWidgets.QGraphicsScene) -> None:
        super().__init__(scene)
        self.setObjectName("diagramView")
        self.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QtGui.QColor("white"))

    def parameter_at(self, pos: QtCore.QPoint) -> str | None:
        for hit in self.items(pos):
            item: QtWidgets.QGraphicsItem | None = hit
            while item is not None and not item.data(0):
                item = item.parentItem()   # the text of a tag: its tag names the parameter
            if item is not None:
                return str(item.data(0))
        return None

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        name = self.parameter_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and name:
            self.clicked.emit(name)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        name = self.parameter_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and name:
            self.doubleClicked.emit(name)
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


def centred_rect(centre: QtCore.QPointF, size: QtCore.QSizeF) -> QtCore.QRectF:
    return QtCore.QRectF(centre.x() - size.width() / 2, centre.y() - size.height() / 2,
                         size.width(), size.height())


def crosses(line: QtCore.QLineF, rect: QtCore.QRectF) -> bool:
    """Whether the segment passes through the rectangle."""
    if rect.contains(line.p1()) or rect.contains(line.p2()):
        return True
    corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
    bounded = QtCore.QLineF.IntersectionType.BoundedIntersection
    return any(line.intersects(QtCore.QLineF(a, b))[0] == bounded
               for a, b in zip(corners, corners[1:] + corners[:1], strict=True))


def place_labels(lines: dict[str, QtCore.QLineF], sizes: dict[str, QtCore.QSizeF],
                 obstacles: list[QtCore.QRectF]) -> dict[str, QtCore.QRectF] | None:
    """A box of `sizes[name]` on each line, where it crosses the fewest other lines
    (preferring the middle); None if one can only go over an obstacle or another box."""
    taken = list(obstacles)
    placed: dict[str, QtCore.QRectF] = {}
    for name, line in lines.items():
        others = [other for key, other in lines.items() if key != name]
        best, best_score = None, math.inf
        for t in LABEL_SPOTS:
            rect = centred_rect(line.pointAt(t), sizes[name])
            if any(rect.intersects(other) for other in taken):
                continue
            score = sum(crosses(other, rect) for other in others)
            if score < best_score:
                best, best_score = rect, score
        if best is None:
            return None
        taken.append(best)
        placed[name] = best
    return placed


def edge_widths(values: Array | None, n: int, widest: float = MAX_WIDTH) -> Array:
    """Pixel widths ∝ |value|, the largest finite one `widest` wide."""
    if values is None:
        return np.full(n, MIN_WIDTH)
    magnitude = np.where(np.isfinite(values), np.abs(values), 0.0)
    largest = float(magnitude.max(initial=0.0))
    if largest == 0.0:
        return np.full(n, MIN_WIDTH)
    return MIN_WIDTH + (widest - MIN_WIDTH) * magnitude / largest


def edge_pen(value: float | None, width: float) -> QtGui.QPen:
    """Blue for > 0, vermillion for < 0; grey and dashed where there is no number."""
    if value is None or not math.isfinite(value):
        return QtGui.QPen(NEUTRAL, MIN_WIDTH, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
    colour = POSITIVE if value > 0 else NEGATIVE if value < 0 else NEUTRAL
    return QtGui.QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)


class NetworkDiagram(QtWidgets.QWidget):
    """The network of `lab`, drawn as the lecture draws it, following the model.

    Signals
    -------
    parameterSelected(str) : a parameter was clicked (a neuron stands for its bias);
        the name is one of network.parameter_names()
    editRequested(int, str, int, int) : a parameter was double-clicked: layer (1-based),
        kind "W" or "b", row (neuron), col (input; 0 for a bias)
    animationPhaseChanged(str) : the step animation moved on (see `animation_phase`;
        "" when it ended or was cancelled)
    """

    parameterSelected = QtCore.Signal(str)
    editRequested = QtCore.Signal(int, str, int, int)
    animationPhaseChanged = QtCore.Signal(str)

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.lab = lab
        self._throttle = Throttle(lab, REDRAW_INTERVAL_S)
        self._build_widgets()
        self._font = QtGui.QFont(self.font())
        self._font_key: tuple[object, ...] | None = None
        self._compact = False
        self._params: list[Parameter] = []
        self._built_key: tuple[object, ...] | None = None
        self._shown_key: tuple[object, ...] | None = None
        self._selected: str | None = None
        self._seen_position = lab.position
        self._run_seen = False
        self._animate_steps = True
        self._phases: list[tuple[str, int]] = []
        self._phase = -1
        self._why = ""
        self._marked = -1                       # the sample marked "(next update)"
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(PHASE_MS)
        self._timer.timeout.connect(self._next_phase)
        self._clear_items()
        lab.positionChanged.connect(self._on_position_changed)
        lab.historyChanged.connect(self._on_model_changed)
        lab.structureChanged.connect(self.refresh)
        lab.configChanged.connect(self.refresh)
        self.refresh()

    def _build_widgets(self) -> None:
        self.scene = QtWidgets.QGraphicsScene(self)
        # Every redraw changes the edges' widths: an index would be rebuilt each time.
        self.scene.setItemIndexMethod(QtWidgets.QGraphicsScene.ItemIndexMethod.NoIndex)
        self.view = DiagramView(self.scene)
        self.view.setAccessibleName("Network diagram")
        self.sample_combo = QtWidgets.QComboBox()
        self.sample_combo.setObjectName("diagramSampleCombo")
        self.sample_combo.setToolTip("The sample whose numbers the diagram shows")
        self.gradients_check = QtWidgets.QCheckBox("Show gradients ∂E/∂w")
        self.gradients_check.setObjectName("diagramShowGradients")
        self.gradients_check.setToolTip("Label and size the edges by ∂E/∂w for the "
                                        "sample(s) the next update uses")
        self.caption = QtWidgets.QLabel()
        self.caption.setObjectName("diagramCaption")
        self.caption.setWordWrap(True)
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("diagramNote")
        self.note.setWordWrap(True)
        self.note.setMinimumHeight(self.note.fontMetrics().height())
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Sample"))
        top.addWidget(self.sample_combo)
        top.addStretch(1)
        top.addWidget(self.gradients_check)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, stretch=1)
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        self.sample_combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.gradients_check.toggled.connect(lambda _on: self.refresh())
        self.view.clicked.connect(self._on_clicked)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.resized.connect(self.refresh)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(700, 450)

    # -- public ---------------------------------------------------------------------------
    @property
    def animate_steps(self) -> bool:
        """Animate a Step as a forward then a backward sweep over the layers."""
        return self._animate_steps

    @animate_steps.setter
    def animate_steps(self, on: bool) -> None:
        self._animate_steps = bool(on)
        if not on:
            self._stop_animation()

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    @property
    def animation_phase(self) -> str:
        """"forward l/L" or "backward l/L" (l: the layer lit now), "" when still."""
        if not self.animating:
            return ""
        direction, layer = self._phases[self._phase]
        return f"{direction} {layer}/{self.lab.trainer.network.depth}"

    @property
    def selected_parameter(self) -> str | None:
        return self._selected

    def select_parameter(self, name: str | None) -> None:
        """Highlight a parameter (a name from parameter_names()); None or an unknown
        name clears the highlight. Emits nothing: for syncing from other views."""
        self._selected = name if name in self._edges else None
        self._draw_selection()

    def edge(self, name: str) -> QtWidgets.QGraphicsLineItem:
        """The edge drawn for parameter `name` (tests and tools locate it with this)."""
        return self._edges[name]

    def neuron(self, layer: int, row: int) -> QtWidgets.QGraphicsEllipseItem:
        """Neuron `row` (0-based) of `layer` (0 = the inputs)."""
        return self._neurons[layer][row]

    def edge_count(self) -> int:
        return len(self._edges)

    def neuron_counts(self) -> list[int]:
        return [len(column) for column in self._neurons]

    # -- following the model --------------------------------------------------------------
    def _on_model_changed(self) -> None:
        # The run loop's last emit comes after `running` is cleared: remembering that a
        # run was seen keeps its final step (if a frame left it unshown) from animating.
        self._run_seen = self._run_seen or self.lab.running
        if self._throttle.ready():
            self.refresh()

    def _on_position_changed(self) -> None:
        position = self.lab.position
        stepped = position == self._seen_position + 1 and not self._run_seen
        self._seen_position = position
        self._run_seen = self.lab.running
        if stepped and self._animate_steps and not self.lab.running:
            self._start_animation()
        else:
            self._stop_animation()
        self._on_model_changed()

    def _sample(self) -> int:
        return max(0, min(self.sample_combo.currentIndex(), self.lab.trainer.data.n_samples - 1))

    def _state_key(self) -> tuple[object, ...]:
        """Everything the picture depends on: a redraw with the same key changes nothing
        (Lab emits historyChanged and positionChanged for one step)."""
        trainer = self.lab.trainer
        network = trainer.network
        return (network.get_flat().tobytes(), tuple(network.layers),
                tuple(network.activations), trainer.data.inputs.tobytes(),
                trainer.data.targets.tobytes(), trainer.config, trainer.position,
                self._sample(), self.gradients_check.isChecked(),
                self.view.viewport().size().toTuple())

    def refresh(self) -> None:
        """Redraw from the model (does nothing if nothing it shows has changed)."""
        self._sync_samples()
        key = self._state_key()
        if key == self._shown_key:
            return
        trainer = self.lab.trainer
        sample = self._sample()
        X = trainer.data.inputs[sample:sample + 1]
        with np.errstate(all="ignore"):
            fp = trainer.network.forward(X)
        self._choose_font(trainer.network.layers, self.view.viewport().width())
        layout_key = (key[1], key[-1], *self._margins(fp, sample))
        if layout_key != self._built_key:
            self._rebuild(layout_key)
        self._shown_key = key
        theta = trainer.network.get_flat()
        grads, self._why = self._gradients()
        self._draw_edges(theta, grads)
        self._draw_neurons(fp, sample)
        self._draw_titles()
        self._draw_selection()
        self._draw_caption(theta, grads)
        self._draw_phase()

    def _sync_samples(self) -> None:
        trainer = self.lab.trainer
        n = trainer.data.n_samples
        combo = self.sample_combo
        combo.blockSignals(True)
        if combo.count() != n:
            current = combo.currentIndex()
            combo.clear()
            combo.addItems([f"Sample {p + 1}" for p in range(n)])
            combo.setCurrentIndex(min(max(current, 0), n - 1))
            self._marked = -1
        marked = -1
        if n > 1 and trainer.config.mode == "online":
            marked = sample_indices(trainer.position, "online", n).start
        if marked != self._marked:
            for p, suffix in ((self._marked, ""), (marked, " (next update)")):
                if p >= 0:
                    combo.setItemText(p, f"Sample {p + 1}{suffix}")
            self._marked = marked
        combo.blockSignals(False)

    def _gradients(self) -> tuple[Array | None, str]:
        """∂E/∂θ in get_flat() order for the samples the next update uses, or None and
        why not."""
        trainer = self.lab.trainer
        network = trainer.network
        rows = sample_indices(trainer.position, trainer.config.mode, trainer.data.n_samples)
        try:
            with np.errstate(all="ignore"):
                grads = network.gradients(trainer.data.inputs[rows], trainer.data.targets[rows],
                                          trainer.config.loss)
        except ValueError:
            layer = next((l for l, name in enumerate(network.activations, start=1)
                          if name == "step"), 0)
            return None, (f"∂E/∂w is undefined ({NO_GRADIENT}): layer {layer} uses the step "
                          "activation, whose derivative is 0 everywhere and undefined at 0, "
                          "so backprop cannot pass an error through it.")
        parts = [part for dW, db in zip(grads.dW, grads.db, strict=True)
                 for part in (dW.ravel(), db)]
        return np.concatenate(parts), ""

    # -- building the items (once per architecture and size) ----------------------------
    def _choose_font(self, layers: list[int], width: int) -> None:
        """A size up for a few neurons on a wide canvas (a projector); a size down and
        condensed where a neuron's numbers would not fit between the columns."""
        key = (tuple(layers), width, self.font().key())
        if key == self._font_key:
            return
        self._font_key = key
        font = QtGui.QFont(self.font())
        base = font.pointSizeF()
        n_params = sum(n * (m + 1) for m, n in pairwise(layers))
        gap = (width - 140) / (len(layers) - 1)
        font.setPointSizeF(base + 1 if n_params <= LABELS_UP_TO and gap >= 300 else base)
        needed = QtGui.QFontMetricsF(font).horizontalAdvance("f(s) = -0.000000000") + 12
        self._compact = gap < needed
        if self._compact:
            font.setPointSizeF(max(7.0, base - 1.5))
            font.setStretch(QtGui.QFont.Stretch.SemiCondensed)
        self._font = font

    def _neuron_text(self, s: str, y: str) -> str:
        return f"s = {s}\nf = {y}" if self._compact else f"s = {s}\nf(s) = {y}"

    def _clear_items(self) -> None:
        self._edges: dict[str, EdgeItem] = {}
        self._edge_tags: dict[str, Tag] = {}
        self._by_name: dict[str, Parameter] = {}
        self._neurons: list[list[QtWidgets.QGraphicsEllipseItem]] = []
        self._input_tags: list[Tag] = []
        self._neuron_tags: list[list[Tag]] = []
        self._target_tags: list[Tag] = []
        self._titles: list[tuple[Tag, Tag]] = []
        self._glow: QtWidgets.QGraphicsPathItem | None = None
        self._halo: QtWidgets.QGraphicsPathItem | None = None

    def _margins(self, fp: ForwardPass, sample: int) -> tuple[float, float]:
        """Room left of the inputs for their values, right of the outputs for d."""
        metrics = QtGui.QFontMetricsF(self._font)
        targets = self.lab.trainer.data.targets[sample]
        left = max(metrics.horizontalAdvance(self._input_text(i, x))
                   for i, x in enumerate(fp.a[0][0]))
        right = max(metrics.horizontalAdvance(self._target_text(k, d))
                    for k, d in enumerate(targets))
        # Rounded up, so that another sample rarely moves everything by a pixel or two.
        return 20.0 * math.ceil((left + 36) / 20), 20.0 * math.ceil((right + 44) / 20)

    def _input_text(self, i: int, x: float) -> str:
        return f"X{i + 1} = {format_number(x)}"

    def _target_text(self, k: int, d: float) -> str:
        name = "d" if self.lab.trainer.network.layers[-1] == 1 else f"d{k + 1}"
        return f"{name} = {format_number(d)}"

    def _rebuild(self, layout_key: tuple[object, ...]) -> None:
        self._built_key = layout_key
        self._shown_key = None
        self._stop_animation()      # its layers may be gone
        self.scene.clear()
        self._clear_items()
        network = self.lab.trainer.network
        size = self.view.viewport().size()
        self.scene.setSceneRect(0, 0, size.width(), size.height())
        line = QtGui.QFontMetricsF(self._font).height()
        left, right = layout_key[2], layout_key[3]
        assert isinstance(left, float)
        assert isinstance(right, float)
        geometry = compute_geometry(network.layers, size.width(), size.height(), line,
                                    left, right, stagger=self._compact)
        self._geometry = geometry
        self._params = parameters_of(network)
        self._by_name = {p.name: p for p in self._params}
        self._glow = self._overlay(-3)
        self._halo = self._overlay(-2)
        self._make_edges(geometry)
        self._make_inputs(geometry)
        self._make_neurons(geometry)
        self._make_bias_nodes(geometry)
        self._make_titles(geometry, line)
        if len(self._params) <= LABELS_UP_TO:
            self._make_edge_tags(geometry)

    def _overlay(self, z: float) -> QtWidgets.QGraphicsPathItem:
        item = self.scene.addPath(QtGui.QPainterPath(), QtGui.QPen(Qt.PenStyle.NoPen))
        item.setZValue(z)
        return item

    def _tag(self, anchor: tuple[float, float], pos: QtCore.QPointF, z: float = 3,
             boxed: bool = True, name: str = "") -> Tag:
        tag = Tag(self._font, anchor, boxed)
        tag.setPos(pos)
        tag.setZValue(z)
        if name:
            tag.setData(0, name)
        self.scene.addItem(tag)
        return tag

    def _ends(self, p: Parameter, geometry: Geometry) -> tuple[QtCore.QPointF, QtCore.QPointF]:
        source = geometry.neurons[p.layer - 1][p.col] if p.kind == "W" \
            else geometry.biases[p.layer - 1]
        return source, geometry.neurons[p.layer][p.row]

    def _make_edges(self, geometry: Geometry) -> None:
        for p in self._params:
            edge = EdgeItem(QtCore.QLineF(*self._ends(p, geometry)))
            edge.setData(0, p.name)
            edge.setZValue(-1)
            self.scene.addItem(edge)
            self._edges[p.name] = edge

    def _circle(self, centre: QtCore.QPointF, radius: float, fill: str,
                name: str = "") -> QtWidgets.QGraphicsEllipseItem:
        circle = self.scene.addEllipse(-radius, -radius, 2 * radius, 2 * radius,
                                       QtGui.QPen(QtGui.QColor("#333333"), 1.5),
                                       QtGui.QColor(fill))
        circle.setPos(centre)
        circle.setZValue(2)
        if name:
            circle.setData(0, name)
        return circle

    def _make_inputs(self, geometry: Geometry) -> None:
        r = geometry.radius
        column = [self._circle(c, r, "#E8E8E8") for c in geometry.neurons[0]]
        self._neurons.append(column)
        self._input_tags = [self._tag((1.0, 0.5), c + QtCore.QPointF(-r - 6, 0))
                            for c in geometry.neurons[0]]

    def _make_neurons(self, geometry: Geometry) -> None:
        r = geometry.radius
        depth = len(geometry.neurons) - 1
        for l in range(1, depth + 1):
            names = [self._bias_name(l, j) for j in range(len(geometry.neurons[l]))]
            column = [self._circle(c, r, "white", name)
                      for c, name in zip(geometry.neurons[l], names, strict=True)]
            if r >= 14:
                for circle in column:
                    self._mark_sum_and_f(circle, r)
            self._neurons.append(column)
            self._neuron_tags.append([self._tag((0.5, 0.0), c + QtCore.QPointF(0, r + 3),
                                                name=name)
                                      for c, name in zip(geometry.neurons[l], names,
                                                         strict=True)])
        for centre in geometry.neurons[depth]:
            start = centre + QtCore.QPointF(r, 0)
            arrow = self.scene.addLine(QtCore.QLineF(start, start + QtCore.QPointF(14, 0)),
                                       QtGui.QPen(QtGui.QColor("#333333"), 1.5))
            arrow.setZValue(1)
            self._target_tags.append(self._tag((0.0, 0.5), start + QtCore.QPointF(18, 0)))

    def _mark_sum_and_f(self, circle: QtWidgets.QGraphicsEllipseItem, r: float) -> None:
        """The lecture's neuron: the sum s on the left, the activation f on the right."""
        divider = QtWidgets.QGraphicsLineItem(0, -r, 0, r, circle)
        divider.setPen(QtGui.QPen(QtGui.QColor("#777777"), 1))
        for text, x in (("s", -r / 2), ("f", r / 2)):
            mark = Tag(self._font, (0.5, 0.5), boxed=False, parent=circle)
            mark.set_text(text)
            mark.setPos(x, 0)

    def _bias_name(self, layer: int, row: int) -> str:
        index = self.lab.flat_index(layer, "b", row, 0)
        return self._params[index].name

    def _make_bias_nodes(self, geometry: Geometry) -> None:
        for centre in geometry.biases:
            box = QtGui.QPainterPath()
            box.addRoundedRect(QtCore.QRectF(-13, -9, 26, 18), 4, 4)
            node = self.scene.addPath(box, QtGui.QPen(QtGui.QColor("#555555"), 1.2),
                                      QtGui.QColor("#F4F4F4"))
            node.setPos(centre)
            node.setZValue(2)
            node.setToolTip("The bias input: always +1; its weight is the bias b")
            label = Tag(self._font, (0.5, 0.5), boxed=False, parent=node)
            label.set_text("+1")

    def _make_titles(self, geometry: Geometry, line: float) -> None:
        bold = QtGui.QFont(self._font)
        bold.setBold(True)
        for x in geometry.columns:
            title = self._tag((0.5, 0.0), QtCore.QPointF(x, 2), boxed=False)
            title.text_item.setFont(bold)
            subtitle = self._tag((0.5, 0.0), QtCore.QPointF(x, 5 + line), boxed=False)
            self._titles.append((title, subtitle))

    def _make_edge_tags(self, geometry: Geometry) -> None:
        """Labels on the edges if each fits somewhere along its edge without covering a
        node or another label; otherwise none (the values are in the tooltips), rather
        than some of them, or a pile."""
        metrics = QtGui.QFontMetricsF(self._font)
        sizes = {}
        for p in self._params:
            text = f"∂E/∂{p.name} = -0.0000000000" if self._named_labels() \
                else "-0.0000000000"   # the longest a label will be
            sizes[p.name] = QtCore.QSizeF(metrics.horizontalAdvance(text) + 8,
                                          metrics.height() + 2)
        lines = {name: edge.line() for name, edge in self._edges.items()}
        spots = place_labels(lines, sizes, self._node_rects(geometry))
        for name, rect in (spots or {}).items():
            self._edge_tags[name] = self._tag((0.5, 0.5), rect.center(), z=1, name=name)

    def _named_labels(self) -> bool:
        """Name and value on the lecture's network (W1 = 0.5); the value alone on a
        deeper one, whose edges are too close for L1.W1_2 = ... (the name is in the
        tooltip)."""
        return self.lab.trainer.network.depth == 1

    def _node_rects(self, geometry: Geometry) -> list[QtCore.QRectF]:
        """Where nodes and their number tags are (the tags are still empty here)."""
        metrics = QtGui.QFontMetricsF(self._font)
        r = geometry.radius + 2
        rects = [QtCore.QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)
                 for column in geometry.neurons for c in column]
        rects += [QtCore.QRectF(c.x() - 15, c.y() - 11, 30, 22) for c in geometry.biases]
        width = max(metrics.horizontalAdvance(line) for line in
                    self._neuron_text("-0.000000000", "-0.000000000").splitlines()) + 6
        rects += [QtCore.QRectF(c.x() - width / 2, c.y() + r, width, geometry.tag_height)
                  for column in geometry.neurons[1:] for c in column]
        return rects

    # -- drawing the numbers --------------------------------------------------------------
    def _draw_edges(self, theta: Array, grads: Array | None) -> None:
        gradient_mode = self.gradients_check.isChecked()
        values = grads if gradient_mode else theta
        widest = MAX_WIDTH if len(theta) <= LABELS_UP_TO else DENSE_MAX_WIDTH
        widths = edge_widths(values, len(theta), widest)
        named = self._named_labels()
        for k, p in enumerate(self._params):
            value = None if values is None else float(values[k])
            gradient = NO_GRADIENT if grads is None else format_significant(grads[k])
            edge = self._edges[p.name]
            pen = edge_pen(value, float(widths[k]))
            edge.setPen(pen)
            edge.setToolTip(f"{p.name} = {format_number(theta[k])} "
                            f"(∂E/∂{'w' if p.kind == 'W' else 'b'} = {gradient})")
            tag = self._edge_tags.get(p.name)
            if tag is not None:
                label, number = (f"∂E/∂{p.name}", gradient) if gradient_mode \
                    else (p.name, format_number(theta[k]))
                tag.set_text(f"{label} = {number}" if named else number)
                tag.setPen(QtGui.QPen(pen.color(), 1))   # ties the label to its edge

    def _draw_neurons(self, fp: ForwardPass, sample: int) -> None:
        network = self.lab.trainer.network
        for i, tag in enumerate(self._input_tags):
            tag.set_text(self._input_text(i, fp.a[0][0, i]))
            self._neurons[0][i].setToolTip(f"Input {tag.text()} (sample {sample + 1})")
        for l, tags in enumerate(self._neuron_tags, start=1):
            for j, tag in enumerate(tags):
                s, y = format_number(fp.s[l - 1][0, j]), format_number(fp.a[l][0, j])
                tag.set_text(self._neuron_text(s, y))
                self._neurons[l][j].setToolTip(
                    f"Layer {l}, neuron {j + 1} ({network.activations[l - 1]}), sample "
                    f"{sample + 1}\ns = {s}\nf(s) = {y}\nClick to select its bias "
                    f"{self._bias_name(l, j)}")
        targets = self.lab.trainer.data.targets[sample]
        for k, tag in enumerate(self._target_tags):
            tag.set_text(self._target_text(k, targets[k]))

    def _draw_titles(self) -> None:
        network = self.lab.trainer.network
        for l, (title, subtitle) in enumerate(self._titles):
            if l == 0:
                title.set_text("inputs")
                continue
            title.set_text("output" if l == network.depth else f"hidden {l}")
            subtitle.set_text(network.activations[l - 1])

    def _draw_caption(self, theta: Array, grads: Array | None) -> None:
        trainer = self.lab.trainer
        blue = f'<span style="color:{POSITIVE.name()}">■</span>'
        orange = f'<span style="color:{NEGATIVE.name()}">■</span>'
        if self.gradients_check.isChecked():
            rows = sample_indices(trainer.position, trainer.config.mode,
                                  trainer.data.n_samples)
            which = "the mean over all samples" if trainer.config.mode == "batch" \
                else f"sample {rows.start + 1}"
            text = (f"Line width ∝ |∂E/∂w| ({trainer.config.loss.replace('_', ' ')}, "
                    f"{which}: what the next update uses). {blue} ∂E/∂w &gt; 0: descent "
                    f"lowers w. {orange} ∂E/∂w &lt; 0: descent raises w.")
        else:
            largest = float(np.max(np.abs(theta))) if theta.size else 0.0
            text = (f"Line width ∝ |w| (widest: |w| = {format_number(largest)}). "
                    f"{blue} w &gt; 0 {orange} w &lt; 0. The +1 input's weight is the "
                    "bias b.")
        if not self._edge_tags:
            text += " Hover over a line for its value."
        self.caption.setText(text + " Click: select; double-click: edit.")

    def _draw_note(self) -> None:
        parts = []
        if self.animating:
            direction, layer = self._phases[self._phase]
            depth = self.lab.trainer.network.depth
            parts.append(f"<b>Forward pass</b>: layer {layer} of {depth} (s = Σ w·input + b, "
                         "then f(s))." if direction == "forward" else
                         f"<b>Backward pass</b>: layer {layer} of {depth} (the error flows "
                         "back; the layer's weights change).")
        if self.gradients_check.isChecked():
            parts += [text for text in (self._why, self._delta_rule_note()) if text]
        # Never hidden: a note coming and going would resize the canvas mid-animation.
        self.note.setText(" ".join(parts))

    def _delta_rule_note(self) -> str:
        """The delta rule is gradient descent only where δ = y − d exactly."""
        trainer = self.lab.trainer
        pair = (trainer.network.activations[-1], trainer.config.loss)
        if trainer.config.rule != "delta" or pair in {("sigmoid", "cross_entropy"),
                                                      ("linear", "squared_error")}:
            return ""
        return ("The delta rule's update η[d − Y]X is not −η·∂E/∂w here (it is for a "
                "sigmoid output with cross-entropy).")

    def _draw_selection(self) -> None:
        if self._halo is None:
            return
        path = QtGui.QPainterPath()
        width = 0.0
        if self._selected not in self._edges:      # gone with an architecture change
            self._selected = None
        if self._selected is not None:
            edge = self._edges[self._selected]
            path.moveTo(edge.line().p1())
            path.lineTo(edge.line().p2())
            width = edge.pen().widthF() + 8
            p = self._by_name[self._selected]
            if p.kind == "b":
                r = self._geometry.radius + 4
                path.addEllipse(self._geometry.neurons[p.layer][p.row], r, r)
        self._halo.setPen(QtGui.QPen(SELECTED, width, Qt.PenStyle.SolidLine,
                                     Qt.PenCapStyle.RoundCap) if width else Qt.PenStyle.NoPen)
        self._halo.setPath(path)

    # -- the step animation ---------------------------------------------------------------
    def _start_animation(self) -> None:
        depth = self.lab.trainer.network.depth
        self._phases = [("forward", l) for l in range(1, depth + 1)] + \
            [("backward", l) for l in range(depth, 0, -1)]
        self._phase = 0
        self._timer.start()
        self._draw_phase()
        self.animationPhaseChanged.emit(self.animation_phase)

    def _next_phase(self) -> None:
        self._phase += 1
        if self._phase >= len(self._phases):
            self._stop_animation()
        else:
            self._draw_phase()
            self.animationPhaseChanged.emit(self.animation_phase)

    def _stop_animation(self) -> None:
        was_animating = self._timer.isActive()
        self._timer.stop()
        self._phase = -1
        if was_animating:
            self._draw_phase()
            self.animationPhaseChanged.emit("")

    def _draw_phase(self) -> None:
        """Light up the layer of the current phase: its neurons and the edges into it."""
        if self._glow is None:
            return
        path = QtGui.QPainterPath()
        colour = FORWARD
        if self.animating and self._params:
            direction, layer = self._phases[self._phase]
            colour = FORWARD if direction == "forward" else BACKWARD
            for p in self._params:
                if p.layer == layer:
                    line = self._edges[p.name].line()
                    path.moveTo(line.p1())
                    path.lineTo(line.p2())
            r = self._geometry.radius + 5
            for centre in self._geometry.neurons[layer]:
                path.addEllipse(centre, r, r)
        self._glow.setPen(QtGui.QPen(colour, 12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        self._glow.setPath(path)
        self._draw_note()

    # -- the mouse ------------------------------------------------------------------------
    def _on_clicked(self, name: str) -> None:
        self.select_parameter(name)
        if self._selected is not None:
            self.parameterSelected.emit(name)

    def _on_double_clicked(self, name: str) -> None:
        p = self._by_name.get(name)
        if p is not None:
            self.editRequested.emit(p.layer, p.kind, p.row, p.col)
