"""Label placement for the edges: a box on each edge, at the spot along it where it
crosses the fewest other edges, never over a node or another box. The diagram labels all
edges this way or none (the values are then in the tooltips): a few missing labels, or a
pile of them, would mislead more than none.
"""

from __future__ import annotations

import math

from PySide6 import QtCore

LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8)  # along an edge


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


def place_labels(
    lines: dict[str, QtCore.QLineF], sizes: dict[str, QtCore.QSizeF], obstacles: list[QtCore.QRectF]
) -> dict[str, QtCore.QRectF] | None:
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
