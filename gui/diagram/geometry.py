"""Where the diagram's things go, without drawing anything: which parameter each edge
stands for (`model.layout.Parameter`, in get_flat() order) and the positions of columns,
neurons and "+1" bias inputs in a canvas of a given size (`compute_geometry`). Pure
arithmetic on points, kept apart from the Qt items so that the layout can be read (and
tested) alone.

The "+1" inputs: a network of one layer gets the lecture's figure, one "+1" under the
inputs whose edges carry the biases. With hidden layers, one "+1" per layer would send a
fan of long bias lines across the numbers of a whole column; there every neuron gets its
own small "+1" at its upper left, with a short edge (the bias) into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore

from model.layout import Parameter
from model.network import Network

BIAS_BOX = QtCore.QSizeF(26, 18)  # the "+1" box


def parameters_of(network: Network) -> Sequence[Parameter]:
    """Every parameter, in get_flat() order (`model.layout`)."""
    return network.layout.parameters


@dataclass
class Geometry:
    """Where things go in a scene of the viewport's size (pixels)."""

    radius: float
    columns: list[float]  # x of each layer, inputs first
    neurons: list[list[QtCore.QPointF]]  # neurons[l][j]; l = 0 are the inputs
    biases: list[QtCore.QPointF]  # biases[l - 1]: the "+1" feeding layer l (one layer)
    tag_height: float
    # with hidden layers: the "+1" of each neuron, by (layer, row); then `biases` is empty
    neuron_biases: dict[tuple[int, int], QtCore.QPointF] = field(default_factory=dict)

    def bias_source(self, layer: int, row: int) -> QtCore.QPointF:
        """Where the bias edge of neuron `row` (0-based) of `layer` starts."""
        if self.neuron_biases:
            return self.neuron_biases[layer, row]
        return self.biases[layer - 1]

    def bias_boxes(self) -> list[QtCore.QPointF]:
        """The centre of every "+1" box."""
        return list(self.neuron_biases.values()) if self.neuron_biases else list(self.biases)

    def bias_rects(self, margin: float = 2.0) -> list[QtCore.QRectF]:
        w, h = BIAS_BOX.width() + 2 * margin, BIAS_BOX.height() + 2 * margin
        return [QtCore.QRectF(c.x() - w / 2, c.y() - h / 2, w, h) for c in self.bias_boxes()]

    def circle_rects(self, margin: float = 2.0) -> list[QtCore.QRectF]:
        r = self.radius + margin
        return [
            QtCore.QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)
            for column in self.neurons
            for c in column
        ]


def compute_geometry(
    layers: list[int],
    width: float,
    height: float,
    line: float,
    left: float,
    right: float,
    stagger: bool = False,
) -> Geometry:
    """Columns spread over the width; in each, the neurons (and, for one layer, the "+1"
    under the inputs) share the height, with room under each neuron for its two lines of
    numbers. `stagger` moves every other layer down by half a slot: where the columns are
    closer than the numbers are wide, the numbers of neighbouring layers then take turns."""
    depth = len(layers) - 1
    per_neuron_bias = depth > 1
    top, bottom = 2 * line + 14 + 8 * per_neuron_bias, 4.0
    dx = (width - left - right) / depth
    tag_height = 2 * line + 4
    columns = [left + l * dx for l in range(depth + 1)]
    # A neuron and its numbers take a slot; a "+1" half of one; staggering half a slot.
    units = [
        n + 0.5 * (l < depth and not per_neuron_bias) + 0.5 * stagger for l, n in enumerate(layers)
    ]
    slots = [(height - top - bottom) / u for u in units]
    radius = float(np.clip(min(min(slots) - tag_height - 4, dx / 2.5) / 2, 7.0, 22.0))
    neurons, biases = [], []
    neuron_biases: dict[tuple[int, int], QtCore.QPointF] = {}
    for l, x in enumerate(columns):
        start = top + (slots[l] / 2 if stagger and l % 2 else 0.0)
        lift = tag_height / 2 if l > 0 else 0.0
        column = [QtCore.QPointF(x, start + (k + 0.5) * slots[l] - lift) for k in range(layers[l])]
        neurons.append(column)
        if l < depth and not per_neuron_bias:
            biases.append(QtCore.QPointF(x, start + (layers[l] + 0.25) * slots[l]))
        if per_neuron_bias and l > 0:
            for j, c in enumerate(column):
                neuron_biases[l, j] = bias_beside(c, radius)
    return Geometry(radius, columns, neurons, biases, tag_height, neuron_biases)


def bias_beside(centre: QtCore.QPointF, radius: float) -> QtCore.QPointF:
    """A neuron's own "+1": up and to the left, clear of its circle, where no number goes
    (a neuron's numbers go to its right, see gui/diagram/labels.py)."""
    gap = 14.0  # room for the bias edge between the box and the circle
    return QtCore.QPointF(
        centre.x() - radius - gap - BIAS_BOX.width() / 2,
        centre.y() - radius * 0.55 - BIAS_BOX.height() / 2,
    )
