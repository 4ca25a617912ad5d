"""Neurons as pictures (TensorFlow Playground's nodes): for a network with two inputs, each
hidden and output neuron's circle is filled with its output f(s) over the input plane,
X1 across and X2 up, in the Output map's colours and levels (white is 0.5 for a sigmoid,
0 for tanh). The first hidden layer's pictures are each split by a straight line (s = 0);
later layers bend and combine them; the output neuron's picture is the Output map.

The inputs are pictures too (TensorFlow Playground's features): X1 grows from orange on
the left to blue on the right, X2 from the bottom up, which is how every picture reads.

The numbers come from model/neuron_maps.py: one forward pass of a PICTURE_POINTS ×
PICTURE_POINTS grid of the Output map's plane gives every neuron's picture. They are
drawn only while the diagram is shown, and during a Run at most every
PICTURE_INTERVAL_S; a picture is a texture brush on the neuron's circle, so a redraw
creates no item.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui.diagram.items import INPUT_FILL, Array
from gui.diagram.scene import DiagramScene
from gui.diagram.walkthrough import PhaseView
from gui.lab import Lab
from gui.runner import Throttle
from gui.teaching.output_map import PLANE, map_levels
from model.network import Network
from model.neuron_maps import Range, neuron_maps, plane_grid, samples_plane

PICTURE_POINTS = 32  # per axis of a neuron's picture
PICTURE_INTERVAL_S = 0.25  # at most this often during a Run
LEVELS = 256  # colours in the lookup table
EMPTY = QtGui.QColor("white")  # a neuron without a picture
LUT = np.ascontiguousarray(PLANE.getLookupTable(0.0, 1.0, LEVELS, alpha=False), dtype=np.uint8)


def picture_image(values: Array, levels: tuple[float, float]) -> QtGui.QImage:
    """`values` (row r at the r-th lowest x2) as an image, X2 up, in the Output map's
    colours over `levels`; nan as the lowest level (as on the Output map)."""
    lo, hi = levels
    with np.errstate(all="ignore"):
        scaled = (np.nan_to_num(values, nan=lo) - lo) / (hi - lo)
    index = np.clip(np.nan_to_num(scaled, nan=0.0) * (LEVELS - 1), 0, LEVELS - 1)
    rgb = np.ascontiguousarray(LUT[index.round().astype(np.intp)][::-1])  # row 0 at the top
    height, width = values.shape
    image = QtGui.QImage(rgb.data, width, height, 3 * width, QtGui.QImage.Format.Format_RGB888)
    return image.copy()  # its own pixels: `rgb` goes away


def picture_brush(image: QtGui.QImage, radius: float) -> QtGui.QBrush:
    """A brush that lays `image` over a circle of `radius` centred on the item's origin."""
    brush = QtGui.QBrush(image)
    scale = 2 * radius / image.width()
    brush.setTransform(QtGui.QTransform(scale, 0, 0, scale, -radius, -radius))
    return brush


def has_pictures(network: Network) -> bool:
    """Whether the network's neurons can be pictures: it has exactly two inputs."""
    return network.layers[0] == 2


class NeuronPictures:
    """Draws the pictures on a diagram's scene, when what they show changed, and the
    box that switches them off (`check`).

    `values` holds the numbers of the pictures drawn last, by (layer, row) (layer
    1-based, row 0-based); empty when none are drawn.
    """

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.check = QtWidgets.QCheckBox("Neuron pictures")
        self.check.setObjectName("diagramNeuronPictures")
        self.check.setChecked(True)
        self.check.setToolTip(
            "Fill each neuron with its output f(s) over the plane of the two inputs, as "
            "the Output map colours it (a network with 2 inputs); click a neuron to see "
            "it large there"
        )
        self._throttle = Throttle(lab, PICTURE_INTERVAL_S)
        self._drawn_key: tuple[object, ...] | None = None
        self.values: dict[tuple[int, int], Array] = {}
        self.draws = 0  # how many times pictures were computed (tests: none while hidden)

    @property
    def on(self) -> bool:
        """The neurons are pictures: the box is ticked and the network has two inputs."""
        return self.check.isChecked() and has_pictures(self.lab.trainer.network)

    def follow(
        self, scene: DiagramScene, phase: PhaseView | None, visible: bool, force: bool = False
    ) -> None:
        """The pictures at the parameters the edges show (`phase`: a phase of the
        walk-through, or None for the state); none while hidden (shown, the diagram
        calls again), throttled in a Run unless `force`."""
        self.check.setEnabled(has_pictures(self.lab.trainer.network))
        if not self.on:
            self.clear(scene)
        elif visible and phase is None:
            self.draw(scene, self.lab.trainer.network.get_flat(), force=force)
        elif visible and phase is not None:
            # a forward phase has not computed the later layers yet: no picture for them
            blank = frozenset(
                key for key, lines in phase.neurons.items() if all(v is None for _, v in lines)
            )
            self.draw(scene, phase.theta, blank, force=True)

    def neuron_at(self, scene: DiagramScene, point: QtCore.QPointF) -> tuple[int, int] | None:
        """The (layer, row) of the neuron whose picture covers `point` (scene
        coordinates); None if none does."""
        r = scene.geometry.radius
        for l, j in self.values:
            offset = point - scene.geometry.neurons[l][j]
            if offset.x() ** 2 + offset.y() ** 2 <= r * r:
                return l, j
        return None

    def forget(self) -> None:
        """The scene was rebuilt (its circles are new and white), or the pictures cleared."""
        self._drawn_key = None
        self.values = {}

    def clear(self, scene: DiagramScene) -> None:
        """White circles with the lecture's s | f marks again."""
        if self._drawn_key is None and not self.values:
            return
        for column in scene.neurons[1:]:
            for circle in column:
                circle.setBrush(EMPTY)
        for circle in scene.neurons[0]:
            circle.setBrush(INPUT_FILL)
        show_marks(scene, True)
        self.forget()

    def draw(
        self,
        scene: DiagramScene,
        theta: Array,
        blank: frozenset[tuple[int, int]] = frozenset(),
        force: bool = False,
    ) -> None:
        """Every hidden and output neuron's picture for the network with parameters
        `theta` (the ones the edges show), but white for the neurons in `blank` (a phase
        of the walk-through that has not computed them yet). `force` skips the Run
        throttle (a change that must show at once)."""
        trainer = self.lab.trainer
        network = trainer.network
        plane = samples_plane(trainer.data)
        key = (
            theta.tobytes(),
            tuple(network.layers),
            tuple(network.activations),
            plane,
            blank,
        )
        if key == self._drawn_key or not (force or self._throttle.ready()):
            return
        self._drawn_key = key
        self.draws += 1
        if not np.array_equal(theta, network.get_flat()):
            network = network.copy()
            network.set_flat(theta)
        radius = scene.geometry.radius
        self.values = {}
        for m in neuron_maps(network, *plane, PICTURE_POINTS):
            circle = scene.neurons[m.layer][m.neuron]
            if (m.layer, m.neuron) in blank:
                circle.setBrush(EMPTY)
                continue
            levels = map_levels(network.activations[m.layer - 1], m.values)
            circle.setBrush(picture_brush(picture_image(m.values, levels), radius))
            self.values[m.layer, m.neuron] = m.values
        show_marks(scene, False)
        self._draw_inputs(scene, plane)

    def _draw_inputs(self, scene: DiagramScene, plane: tuple[Range, Range]) -> None:
        """Each input over the plane, lowest orange to highest blue: X1 grows to the
        right, X2 upwards (how to read every other picture)."""
        with np.errstate(all="ignore"):
            grids = np.meshgrid(*plane_grid(*plane, PICTURE_POINTS))
        for circle, grid in zip(scene.neurons[0], grids, strict=True):
            image = picture_image(grid, map_levels("linear", grid))
            circle.setBrush(picture_brush(image, scene.geometry.radius))


def show_marks(scene: DiagramScene, on: bool) -> None:
    """The lecture's "s | f" inside each neuron: hidden under a picture."""
    for column in scene.neurons[1:]:
        for circle in column:
            for mark in circle.childItems():
                mark.setVisible(on)


def input_tooltip(index: int) -> str:
    """What an input's tooltip adds about its picture (`index` 0-based)."""
    return (
        f"\nThe circle: X{index + 1} over the input plane, orange at its lowest, blue at its "
        "highest: how every neuron's picture reads (X1 across, X2 up)."
    )


def picture_tooltip(layer: int, row: int) -> str:
    """What a neuron's tooltip adds about its picture (`layer` 1-based, `row` 0-based)."""
    return (
        f"\nThe circle: its output f(s) over the input plane (X1 across, X2 up), as the "
        f"Output map colours it. Click to see neuron L{layer}.{row + 1} large there."
    )
