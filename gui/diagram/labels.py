"""Where the numbers go: a neuron's s and f(s) beside it, an edge's value on it.

The rules, for every size of canvas: no label overlaps another label, a node, the titles
or the canvas's edge, and no bias line runs through a label (the lecture's net used to
draw its b edge under "s = 1.94"). A label that cannot obey them is not drawn, and then
none of its kind is (the values are in the tooltips): a few missing labels, or a pile of
them, would mislead more than none.

A neuron's numbers go to the lower right of it first: every edge into a neuron comes from
the left, so none of them can cross there. Other spots are tried in turn where that one
is taken. An edge's label goes where along the edge it crosses the fewest other edges.
"""

from __future__ import annotations

import math

from PySide6 import QtCore

from gui.diagram.geometry import BIAS_BOX

LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8)  # along an edge
# ... and along the line beyond the "+1" of a short bias edge (a neuron's own "+1"), after
# right above and left of the "+1"
STUB_SPOTS = (-1.3, -1.6)
GAP = 3.0  # between a neuron's circle and its numbers


def centred_rect(centre: QtCore.QPointF, size: QtCore.QSizeF) -> QtCore.QRectF:
    return QtCore.QRectF(
        centre.x() - size.width() / 2, centre.y() - size.height() / 2, size.width(), size.height()
    )


def crosses(line: QtCore.QLineF, rect: QtCore.QRectF) -> bool:
    """Whether the segment passes through the rectangle."""
    if rect.contains(line.p1()) or rect.contains(line.p2()):
        return True
    corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
    bounded = QtCore.QLineF.IntersectionType.BoundedIntersection
    return any(
        line.intersects(QtCore.QLineF(a, b))[0] == bounded
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True)
    )


def neuron_spots(
    centre: QtCore.QPointF, radius: float, size: QtCore.QSizeF
) -> list[tuple[QtCore.QRectF, bool]]:
    """Where a neuron's numbers may go, best first: (box, whether it lies left of the
    neuron, so that its text is right-aligned)."""
    w, h = size.width(), size.height()
    x, y, r = centre.x(), centre.y(), radius + GAP
    return [
        (QtCore.QRectF(x - 2, y + r, w, h), False),  # lower right
        (QtCore.QRectF(x - 2, y - r - h, w, h), False),  # upper right
        (QtCore.QRectF(x + r, y + 2, w, h), False),  # right, low
        (QtCore.QRectF(x - w / 2, y + r, w, h), False),  # below
        (QtCore.QRectF(x + 2 - w, y + r, w, h), True),  # lower left
    ]


def place_neuron_labels(
    centres: list[QtCore.QPointF],
    radius: float,
    size: QtCore.QSizeF,
    obstacles: list[QtCore.QRectF],
    barriers: list[QtCore.QLineF],
    canvas: QtCore.QRectF,
) -> list[tuple[QtCore.QRectF, bool]] | None:
    """A box of `size` for each neuron (see `neuron_spots`) that overlaps no obstacle,
    no other box and no barrier line (a bias edge), inside the canvas; None if one
    neuron has no such spot."""
    taken = list(obstacles)
    placed: list[tuple[QtCore.QRectF, bool]] = []
    for centre in centres:
        spot = next(
            (
                (rect, left)
                for rect, left in neuron_spots(centre, radius, size)
                if canvas.contains(rect)
                and not any(rect.intersects(other) for other in taken)
                and not any(crosses(line, rect) for line in barriers)
            ),
            None,
        )
        if spot is None:
            return None
        taken.append(spot[0])
        placed.append(spot)
    return placed


def place_labels(
    lines: dict[str, QtCore.QLineF],
    sizes: dict[str, QtCore.QSizeF],
    obstacles: list[QtCore.QRectF],
    barriers: dict[str, QtCore.QLineF] | None = None,
    stubs: frozenset[str] = frozenset(),
    canvas: QtCore.QRectF | None = None,
) -> dict[str, QtCore.QRectF] | None:
    """A box of `sizes[name]` on each line, where it crosses the fewest other lines
    (preferring the middle); None if one can only go over an obstacle or another box.
    `barriers` (bias lines, by name) may cross no box but their own; a line named in
    `stubs` is a short bias edge, whose box goes beyond its "+1" along it."""
    barriers = barriers or {}
    taken = list(obstacles)
    placed: dict[str, QtCore.QRectF] = {}
    for name, line in lines.items():
        others = [other for key, other in lines.items() if key != name]
        walls = [wall for key, wall in barriers.items() if key != name]
        best, best_score = None, math.inf
        for centre in _label_centres(line, sizes[name], name in stubs):
            rect = centred_rect(centre, sizes[name])
            if canvas is not None and not canvas.contains(rect):
                continue
            if any(rect.intersects(other) for other in taken):
                continue
            if any(crosses(wall, rect) for wall in walls):
                continue
            score = sum(crosses(other, rect) for other in others)
            if score < best_score:
                best, best_score = rect, score
        if best is None:
            return None
        taken.append(best)
        placed[name] = best
    return placed


def _label_centres(line: QtCore.QLineF, size: QtCore.QSizeF, stub: bool) -> list[QtCore.QPointF]:
    """Where an edge's label may go: along the edge; for a short bias edge, beyond its
    "+1" (line.p1()) along it, or above, left of or below the "+1"."""
    if not stub:
        return [line.pointAt(t) for t in LABEL_SPOTS]
    box = line.p1()
    dx = BIAS_BOX.width() / 2 + size.width() / 2 + 2
    dy = BIAS_BOX.height() / 2 + size.height() / 2 + 2
    above, left, below = QtCore.QPointF(0, -dy), QtCore.QPointF(-dx, 0), QtCore.QPointF(0, dy)
    return [box + above, box + left, *(line.pointAt(t) for t in STUB_SPOTS), box + below]
