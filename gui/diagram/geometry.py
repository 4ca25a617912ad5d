"""Where the diagram's things go, without drawing anything: which parameter each edge
stands for (`model.layout.Parameter`, in get_flat() order) and the positions of columns, neurons and
"+1" bias inputs in a canvas of a given size (`compute_geometry`). Pure arithmetic on
points, kept apart from the Qt items so that the layout can be read (and tested) alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore

from model.layout import Parameter
from model.network import Network


def parameters_of(network: Network) -> tuple[Parameter, ...]:
    """Every parameter, in get_flat() order (`model.layout`)."""
    return network.layout.parameters


@dataclass
class Geometry:
    """Where things go in a scene of the viewport's size (pixels)."""

    radius: float
    columns: list[float]  # x of each layer, inputs first
    neurons: list[list[QtCore.QPointF]]  # neurons[l][j]; l = 0 are the inputs
    biases: list[QtCore.QPointF]  # biases[l - 1]: the "+1" feeding layer l
    tag_height: float


def compute_geometry(
    layers: list[int],
    width: float,
    height: float,
    line: float,
    left: float,
    right: float,
    stagger: bool = False,
) -> Geometry:
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
        neurons.append(
            [QtCore.QPointF(x, start + (k + 0.5) * slots[l] - lift) for k in range(layers[l])]
        )
        if l < depth:
            biases.append(QtCore.QPointF(x, start + (layers[l] + 0.25) * slots[l]))
    return Geometry(radius, columns, neurons, biases, tag_height)
