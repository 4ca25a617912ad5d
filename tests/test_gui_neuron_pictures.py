"""Neurons as pictures in the Network view (gui/diagram/neuron_pictures.py), driven through
the real widgets: each hidden and output neuron of a 2-input network is filled with its
output over the input plane, equal to model/neuron_maps.py's map; the pictures follow Step
and the walk-through, wait while hidden and during a Run; a network with 3 inputs has
none; a click on one shows it large on the Output map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from test_gui_diagram import session_with_layers, show

from gui.diagram import NetworkDiagram, Tag
from gui.diagram.items import INPUT_FILL
from gui.diagram.neuron_pictures import PICTURE_POINTS
from gui.lab import Lab
from gui.teaching.output_map import MAP_POINTS, PLANE
from model.datasets import make_dataset
from model.network import Network
from model.neuron_maps import neuron_map, neuron_maps, samples_plane
from model.session import parse_session

Qt = QtCore.Qt


def circle_lab(layers: list[int]) -> Lab:
    """The circle dataset on a fresh network, as the setup dialog makes it."""
    lab = Lab(session_with_layers([2, 2, 1]))
    assert lab.set_dataset(make_dataset("circle", 60, seed=1), "circle")
    activations = ["tanh"] * (len(layers) - 2) + ["sigmoid"]
    assert lab.set_architecture(layers, activations, "xavier", 4)
    assert lab.set_config(learning_rate=0.5, mode="batch")
    return lab


def expected_maps(lab: Lab, network: Network | None = None) -> dict[tuple[int, int], Any]:
    trainer = lab.trainer
    maps = neuron_maps(network or trainer.network, *samples_plane(trainer.data), PICTURE_POINTS)
    return {(m.layer, m.neuron): m.values for m in maps}


def shown_maps(diagram: NetworkDiagram) -> dict[tuple[int, int], Any]:
    counts = diagram.neuron_counts()
    return {
        (l, j): diagram.neuron_picture(l, j)
        for l in range(1, len(counts))
        for j in range(counts[l])
    }


def assert_pictures_are(diagram: NetworkDiagram, expected: dict[tuple[int, int], Any]) -> None:
    shown = shown_maps(diagram)
    assert shown.keys() == expected.keys()
    for key, values in expected.items():
        assert shown[key] is not None, key
        np.testing.assert_allclose(shown[key], values, rtol=1e-12, atol=1e-15)
        circle = diagram.neuron(*key)
        assert circle.brush().style() == Qt.BrushStyle.TexturePattern, key


def plain_inputs(diagram: NetworkDiagram) -> bool:
    """Whether the inputs are the plain grey circles (no pictures)."""
    return all(circle.brush().color() == INPUT_FILL for circle in diagram.scene.neurons[0])


def marks_visible(diagram: NetworkDiagram) -> bool:
    """Whether the lecture's "s | f" inside the neurons is shown."""
    marks = [
        mark
        for column in diagram.scene.neurons[1:]
        for circle in column
        for mark in circle.childItems()
    ]
    assert marks
    return all(mark.isVisible() for mark in marks)


def click_neuron(qtbot, diagram: NetworkDiagram, layer: int, row: int) -> None:
    centre = diagram.scene.geometry.neurons[layer][row]
    pos = diagram.view.mapFromScene(centre)
    qtbot.mouseClick(diagram.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


@pytest.fixture
def lab() -> Lab:
    return circle_lab([2, 4, 1])


@pytest.fixture
def diagram(qtbot, lab: Lab) -> NetworkDiagram:
    diagram = show(qtbot, lab, (800, 560))
    diagram.animate_steps = False
    return diagram


# -- the view follows the model -------------------------------------------------------------
def test_every_hidden_and_output_neuron_is_its_map(diagram, lab) -> None:
    assert diagram.shows_pictures
    assert_pictures_are(diagram, expected_maps(lab))
    assert not marks_visible(diagram)  # the picture takes the place of "s | f"
    assert "over the input plane" in diagram.caption.text()
    assert "input plane" in diagram.neuron(1, 0).toolTip()
    # the picture is the Output map's colours, X2 up: the top-left pixel is the map's
    # value at the lowest X1 and the highest X2
    image = diagram.neuron(2, 0).brush().textureImage()
    assert (image.width(), image.height()) == (PICTURE_POINTS, PICTURE_POINTS)
    assert same_colour(image, 0, 0, float(diagram.neuron_picture(2, 0)[-1, 0]))


def same_colour(image: QtGui.QImage, x: int, y: int, level: float) -> bool:
    """Whether pixel (x, y) is the Output map's colour of `level` (0 to 1 for a sigmoid)."""
    colour, pixel = PLANE.map(level, mode="qcolor"), QtGui.QColor(image.pixel(x, y))
    return abs(pixel.red() - colour.red()) <= 2 and abs(pixel.blue() - colour.blue()) <= 2


def test_the_inputs_show_how_a_picture_reads(diagram) -> None:
    """X1 from orange (its lowest) on the left to blue on the right; X2 from the bottom up."""
    last = PICTURE_POINTS - 1
    x1 = diagram.neuron(0, 0).brush().textureImage()
    assert same_colour(x1, 0, 0, 0.0) and same_colour(x1, 0, last, 0.0)
    assert same_colour(x1, last, 0, 1.0) and same_colour(x1, last, last, 1.0)
    x2 = diagram.neuron(0, 1).brush().textureImage()
    assert same_colour(x2, 0, last, 0.0) and same_colour(x2, last, last, 0.0)
    assert same_colour(x2, 0, 0, 1.0) and same_colour(x2, last, 0, 1.0)
    assert "how every neuron's picture reads" in diagram.neuron(0, 0).toolTip()


def test_the_pictures_follow_a_step_and_back(diagram, lab) -> None:
    before = expected_maps(lab)
    lab.step()
    after = expected_maps(lab)
    assert not np.array_equal(before[2, 0], after[2, 0])  # the step changed them
    assert_pictures_are(diagram, after)
    lab.step_back()
    assert_pictures_are(diagram, before)


def test_the_walk_through_shows_the_old_pictures_until_the_update(qtbot, diagram, lab) -> None:
    old = lab.trainer.network.copy()
    diagram.animate_steps = True
    lab.step()
    assert diagram.animation_phase == "forward 1/2"
    # the forward pass with the old weights: layer 1's pictures at the old parameters,
    # the output not computed yet (no picture)
    old_maps = expected_maps(lab, old)
    for j in range(4):
        np.testing.assert_allclose(diagram.neuron_picture(1, j), old_maps[1, j], rtol=1e-12)
    assert diagram.neuron_picture(2, 0) is None
    assert diagram.neuron(2, 0).brush().style() == Qt.BrushStyle.SolidPattern
    diagram.findChild(QtWidgets.QAbstractButton, "walkDone").click()
    assert not diagram.animating
    assert_pictures_are(diagram, expected_maps(lab))


def test_no_pictures_for_a_network_with_three_inputs(qtbot) -> None:
    session = parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": [3, 2, 1], "activations": ["tanh", "sigmoid"]},
            "init": {"method": "uniform", "low": -1.0, "high": 1.0, "seed": 3},
            "data": {"inputs": [[0, 0, 1], [1, 0, 0]], "targets": [[0], [1]]},
            "training": {"rule": "backprop", "learning_rate": 0.5},
        }
    )
    lab = Lab(session)
    diagram = show(qtbot, lab)
    assert not diagram.shows_pictures
    assert not diagram.pictures_check.isEnabled()
    assert all(value is None for value in shown_maps(diagram).values())
    assert marks_visible(diagram) and plain_inputs(diagram)
    assert "input plane" not in diagram.caption.text()
    with qtbot.assertNotEmitted(diagram.neuronChosen):
        click_neuron(qtbot, diagram, 1, 0)
    lab.step()  # and a step draws none either
    assert diagram.pictures.draws == 0


def test_a_new_data_set_with_three_inputs_takes_the_pictures_away(diagram, lab) -> None:
    three = make_dataset("circle", 20, seed=2)
    three.inputs = np.column_stack([three.inputs, three.inputs[:, 0]])
    assert lab.set_dataset(three, "three inputs")
    assert diagram.neuron_counts()[0] == 3
    assert not diagram.shows_pictures
    assert all(value is None for value in shown_maps(diagram).values())
    assert all(
        circle.brush().style() == Qt.BrushStyle.SolidPattern
        for column in diagram.scene.neurons[1:]
        for circle in column
    )
    assert marks_visible(diagram) and plain_inputs(diagram)


def test_switched_off_the_neurons_are_white_again(qtbot, diagram, lab) -> None:
    diagram.findChild(QtWidgets.QCheckBox, "diagramNeuronPictures").click()
    assert not diagram.shows_pictures
    assert all(value is None for value in shown_maps(diagram).values())
    assert marks_visible(diagram) and plain_inputs(diagram)
    assert diagram.neuron(1, 0).brush().color() == QtGui.QColor("white")
    with qtbot.assertNotEmitted(diagram.neuronChosen):
        click_neuron(qtbot, diagram, 1, 0)
    diagram.findChild(QtWidgets.QCheckBox, "diagramNeuronPictures").click()
    assert_pictures_are(diagram, expected_maps(lab))


def test_pictures_stay_inside_their_circles_clear_of_every_label(diagram) -> None:
    r = diagram.scene.geometry.radius
    labels = [
        item.sceneBoundingRect()
        for item in diagram.scene.items()
        if isinstance(item, Tag) and item.text() and item.parentItem() is None
    ]
    assert labels
    for l, column in enumerate(diagram.scene.geometry.neurons[1:], start=1):
        for j, centre in enumerate(column):
            image = diagram.neuron(l, j).brush().textureImage()
            scale = diagram.neuron(l, j).brush().transform().m11()
            assert image.width() * scale == pytest.approx(2 * r)  # the circle's width
            disc = QtCore.QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
            assert not any(disc.intersects(rect) for rect in labels), (l, j)


# -- when the pictures are computed ---------------------------------------------------------
def test_a_hidden_view_computes_no_pictures_and_catches_up(qtbot, diagram, lab) -> None:
    draws = diagram.pictures.draws
    diagram.hide()
    lab.step()
    lab.step()
    assert diagram.pictures.draws == draws
    diagram.show()
    qtbot.waitExposed(diagram)
    assert diagram.pictures.draws == draws + 1
    assert_pictures_are(diagram, expected_maps(lab))


def test_pictures_are_throttled_while_running(qtbot, lab, monkeypatch) -> None:
    monkeypatch.setattr("gui.diagram.neuron_pictures.PICTURE_INTERVAL_S", 3600.0)
    monkeypatch.setattr("gui.diagram.widget.REDRAW_INTERVAL_S", 0.0)
    diagram = show(qtbot, lab, (800, 560))
    diagram.animate_steps = False
    at_start = expected_maps(lab)
    lab.running = True
    lab.emit_all()  # a frame: drawn, and the interval starts
    draws = diagram.pictures.draws
    lab.step()
    lab.step()  # frames within the interval: the numbers are drawn, the pictures wait
    assert diagram.pictures.draws == draws
    assert_pictures_are(diagram, at_start)
    lab.running = False
    lab.emit_all()  # the run loop's last emit when it stops
    assert_pictures_are(diagram, expected_maps(lab))


# -- the model follows the view: a click shows a neuron large on the Output map -----------
def test_clicking_a_neuron_emits_which_one(qtbot, diagram) -> None:
    with qtbot.waitSignal(diagram.neuronChosen) as chosen:
        click_neuron(qtbot, diagram, 1, 2)
    assert chosen.args == [1, 2]
    with qtbot.waitSignal(diagram.neuronChosen) as chosen:
        click_neuron(qtbot, diagram, 2, 0)
    assert chosen.args == [2, 0]


def network_tab(qtbot, window) -> NetworkDiagram:
    tabs = window.view_tabs
    tabs.setCurrentWidget(tabs.pages["diagram"])
    diagram = window.diagram
    qtbot.waitUntil(diagram.isVisible)
    return diagram


def test_clicking_a_neuron_opens_it_on_the_output_map(qtbot, window) -> None:
    lab = window.lab
    assert lab.set_dataset(make_dataset("circle", 60, seed=1), "circle")
    assert lab.set_architecture([2, 4, 1], ["tanh", "sigmoid"], "xavier", 4)
    diagram = network_tab(qtbot, window)
    assert diagram.neuron_picture(1, 2) is not None
    click_neuron(qtbot, diagram, 1, 2)
    tabs = window.view_tabs
    assert tabs.tabText(tabs.currentIndex()) == "Output map"
    view = window.output_map
    qtbot.waitUntil(view.isVisible)
    assert view.hidden_neuron == (1, 2)
    assert view.neuron_combo.currentText() == "hidden neuron L1.3"
    assert "L1.3" in view.plot.getPlotItem().titleLabel.text
    plane = samples_plane(lab.trainer.data)
    expected = neuron_map(lab.trainer.network, 1, 2, *plane, MAP_POINTS)
    np.testing.assert_allclose(view.image, expected, rtol=1e-12, atol=1e-15)
    assert not view.boundary.isVisible()  # a hidden neuron has no decision boundary
    # it follows a step, and "network output" goes back
    window.transport.step_button.click()
    expected = neuron_map(lab.trainer.network, 1, 2, *plane, MAP_POINTS)
    np.testing.assert_allclose(view.image, expected, rtol=1e-12, atol=1e-15)
    view.neuron_combo.setCurrentIndex(0)
    assert view.hidden_neuron is None
    output = neuron_map(lab.trainer.network, 2, 0, *plane, MAP_POINTS)
    np.testing.assert_allclose(view.image, output, rtol=1e-12, atol=1e-15)
    assert "Network output y" in view.plot.getPlotItem().titleLabel.text
    # the output neuron's picture is the network's output
    view.neuron_combo.setCurrentIndex(1)
    diagram = network_tab(qtbot, window)
    click_neuron(qtbot, diagram, 2, 0)
    assert tabs.tabText(tabs.currentIndex()) == "Output map"
    assert view.hidden_neuron is None
    np.testing.assert_allclose(view.image, output, rtol=1e-12, atol=1e-15)
