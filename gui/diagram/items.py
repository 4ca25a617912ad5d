"""The diagram's graphics items and how a number becomes a pen: the colours (Okabe–Ito, told
apart with every common colour-vision deficiency), `Tag` (text on a pale box), `EdgeItem`
(a line that is easy to click), `DiagramView` (the canvas, which says which parameter was
clicked) and the edge widths and pens. Shared by the scene that builds the items and the
code that restyles them on every redraw.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui, QtWidgets

Array = NDArray[np.float64]
Qt = QtCore.Qt

# Okabe–Ito blue and vermillion: told apart with every common colour-vision deficiency.
POSITIVE = QtGui.QColor("#0072B2")
NEGATIVE = QtGui.QColor("#D55E00")
NEUTRAL = QtGui.QColor("#9A9A9A")
FORWARD = QtGui.QColor(0, 158, 115, 95)  # Okabe–Ito bluish green, translucent
BACKWARD = QtGui.QColor(204, 121, 167, 110)  # Okabe–Ito reddish purple, translucent
SELECTED = QtGui.QColor(240, 200, 0, 150)
CHANGED = QtGui.QColor("#FFF2A8")  # a value the step changed (the tables' yellow)
ERROR_GLOW = QtGui.QColor(213, 94, 0, 90)  # Okabe–Ito vermillion, translucent
TEXT = QtGui.QColor("#1A1A1A")
INPUT_FILL = QtGui.QColor("#E8E8E8")  # an input's circle
MIN_WIDTH, MAX_WIDTH = 1.0, 8.0  # edge widths in pixels
DENSE_MAX_WIDTH = 4.0  # ... where edges are too many to label
LABELS_UP_TO = 12  # more edges: values in tooltips only


class Tag(QtWidgets.QGraphicsPathItem):
    """Text on a pale rounded box; `anchor` is where the item's position falls on the
    box, as fractions of its width and height ((0.5, 0.5): the centre)."""

    def __init__(
        self,
        font: QtGui.QFont,
        anchor: tuple[float, float] = (0.5, 0.5),
        boxed: bool = True,
        parent: QtWidgets.QGraphicsItem | None = None,
    ) -> None:
        super().__init__(parent)
        self.text_item = QtWidgets.QGraphicsSimpleTextItem(self)
        self.text_item.setFont(font)
        self.text_item.setBrush(TEXT)
        self.anchor = anchor
        self.setPen(Qt.PenStyle.NoPen)
        self.boxed = boxed
        self.set_highlight(False)

    def set_highlight(self, on: bool) -> None:
        """A yellow box (a value the step just changed, as in the tables) or the pale one."""
        if self.boxed:
            self.setBrush(CHANGED if on else QtGui.QColor(255, 255, 255, 230))
        else:
            self.setBrush(Qt.BrushStyle.NoBrush)

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
        path.addRoundedRect(QtCore.QRectF(x - 3, y - 1, rect.width() + 6, rect.height() + 2), 3, 3)
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
        return QtCore.QRectF(line.p1(), line.p2()).normalized().adjusted(-half, -half, half, half)


class DiagramView(QtWidgets.QGraphicsView):
    """The canvas. Says which parameter (an item's data 0) was clicked or double-clicked,
    where (in scene coordinates) it was clicked, and when its size changed."""

    clicked = QtCore.Signal(str)
    doubleClicked = QtCore.Signal(str)
    clickedAt = QtCore.Signal(QtCore.QPointF)
    resized = QtCore.Signal()

    def __init__(self, scene: QtWidgets.QGraphicsScene) -> None:
        super().__init__(scene)
        self.setObjectName("diagramView")
        self.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)  # the pictures
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QtGui.QColor("white"))

    def parameter_at(self, pos: QtCore.QPoint) -> str | None:
        for hit in self.items(pos):
            item: QtWidgets.QGraphicsItem | None = hit
            while item is not None and not item.data(0):
                item = item.parentItem()  # the text of a tag: its tag names the parameter
            if item is not None:
                return str(item.data(0))
        return None

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position().toPoint()
        name = self.parameter_at(pos)
        if event.button() == Qt.MouseButton.LeftButton and name:
            self.clicked.emit(name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clickedAt.emit(self.mapToScene(pos))
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        name = self.parameter_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and name:
            self.doubleClicked.emit(name)
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


def edge_widths(values: Array | None, n: int, widest: float = MAX_WIDTH) -> Array:
    """Pixel widths ∝ |value|, the largest finite one `widest` wide."""
    if values is None:
        return np.full(n, MIN_WIDTH)
    magnitude = np.where(np.isfinite(values), np.abs(values), 0.0)
    largest = float(magnitude.max(initial=0.0))
    if largest == 0.0:
        return np.full(n, MIN_WIDTH)
    # The ratio first: it is ≤ 1, so nothing overflows even for weights near 1e308.
    return MIN_WIDTH + (widest - MIN_WIDTH) * (magnitude / largest)


def edge_pen(value: float | None, width: float) -> QtGui.QPen:
    """Blue for > 0, vermillion for < 0; grey and dashed where there is no number."""
    if value is None or not math.isfinite(value):
        return QtGui.QPen(NEUTRAL, MIN_WIDTH, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
    colour = POSITIVE if value > 0 else NEGATIVE if value < 0 else NEUTRAL
    return QtGui.QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
