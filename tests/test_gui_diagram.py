"""The network diagram, driven through its real widgets: in pairs, the view follows the
model (numbers, colours, widths, animation) and the model follows the view (clicks select
and open the editor on the parameter under the mouse)."""

from __future__ import annotations

from typing import Any

import pytest
from gui_helpers import click
from PySide6 import QtCore, QtWidgets

from gui.diagram import NEGATIVE, POSITIVE, NetworkDiagram, Tag
from gui.lab import Lab
from model.numbers import format_number
from model.session import lecture_session, load_example, parse_session

Qt = QtCore.Qt


def session_with_layers(layers: list[int]) -> Any:
    return parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": layers, "activations": ["sigmoid"] * (len(layers) - 1)},
            "init": {"method": "uniform", "low": -1.0, "high": 1.0, "seed": 3},
            "data": {
                "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
                "targets": [[0] * layers[-1], [1] * layers[-1], [1] * layers[-1], [0] * layers[-1]],
            },
            "training": {"rule": "backprop", "learning_rate": 0.5, "mode": "online"},
        }
    )


def show(qtbot, lab: Lab, size: tuple[int, int] = (700, 450)) -> NetworkDiagram:
    diagram = NetworkDiagram(lab)
    qtbot.addWidget(diagram)
    diagram.resize(*size)
    diagram.show()
    qtbot.waitExposed(diagram)
    return diagram


@pytest.fixture
def lab() -> Lab:
    return Lab(lecture_session())


@pytest.fixture
def diagram(qtbot, lab: Lab) -> NetworkDiagram:
    return show(qtbot, lab)


def texts(diagram: NetworkDiagram) -> list[str]:
    """Every line of text drawn in the scene."""
    return [
        line
        for item in diagram.scene.items()
        if isinstance(item, QtWidgets.QGraphicsSimpleTextItem) and item.isVisible()
        for line in item.text().splitlines()
    ]


def edge_point(diagram: NetworkDiagram, name: str, t: float = 0.5) -> QtCore.QPoint:
    """Where a point of the edge (a fraction t from its input) is on the view's viewport."""
    edge = diagram.edge(name)
    return diagram.view.mapFromScene(edge.mapToScene(edge.line().pointAt(t)))


def neuron_point(diagram: NetworkDiagram, layer: int, row: int) -> QtCore.QPoint:
    return diagram.view.mapFromScene(diagram.neuron(layer, row).scenePos())


def press(qtbot, widget: QtWidgets.QWidget, name: str) -> None:
    """Click the button (a push or a tool button) named `name`."""
    button = widget.findChild(QtWidgets.QAbstractButton, name)
    assert button is not None and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_at(qtbot, diagram: NetworkDiagram, pos: QtCore.QPoint, double: bool = False) -> None:
    action = qtbot.mouseDClick if double else qtbot.mouseClick
    action(diagram.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


# -- the lecture's worked example -------------------------------------------------------------
def test_view_follows_model_the_lecture_figure(diagram) -> None:
    shown = texts(diagram)
    for line in (
        "X1 = 0.1",
        "X2 = 0.3",
        "+1",
        "W1 = 0.5",
        "W2 = 0.2",
        "b = 1.83",
        "s = 1.94",
        "f(s) = 0.874352143",
        "d = 0.03",
        "inputs",
        "output",
        "sigmoid",
    ):
        assert line in shown, line
    assert diagram.objectName() == "networkDiagram"
    assert diagram.neuron_counts() == [2, 1]
    assert diagram.edge_count() == 3
    # widths follow |w|: the bias (1.83) is the widest, W2 (0.2) the narrowest
    width = {name: diagram.edge(name).pen().widthF() for name in ("W1", "W2", "b")}
    assert width["b"] > width["W1"] > width["W2"] >= 1.0
    assert all(diagram.edge(name).pen().color() == POSITIVE for name in width)


def test_view_follows_model_a_step_and_a_step_back(qtbot, lab, diagram) -> None:
    lab.step()
    press(qtbot, diagram, "walkDone")  # past the walk through the step: the state itself
    shown = texts(diagram)
    for line in ("W1 = 0.499155648", "W2 = 0.197466944", "b = 1.821556479"):
        assert line in shown, line
    assert "W1 = 0.5" not in shown
    assert diagram.edge("W1").toolTip().startswith("W1 = 0.499155648 (∂E/∂w = ")
    lab.step_back()
    shown = texts(diagram)
    for line in ("W1 = 0.5", "W2 = 0.2", "b = 1.83", "s = 1.94", "f(s) = 0.874352143"):
        assert line in shown, line


def test_view_follows_model_a_negative_weight_changes_the_colour(lab, diagram) -> None:
    assert diagram.edge("W2").pen().color() == POSITIVE
    assert lab.set_parameter(1, "W", 0, 1, -0.2)
    assert diagram.edge("W2").pen().color() == NEGATIVE
    assert "W2 = -0.2" in texts(diagram)
    assert "Line width ∝ |w|" in diagram.caption.text()


def test_view_follows_model_gradient_mode_shows_backprops_gradients(qtbot, lab, diagram) -> None:
    assert lab.set_config(rule="backprop")
    check = diagram.findChild(QtWidgets.QCheckBox, "diagramShowGradients")
    check.click()
    shown = texts(diagram)
    # ∂E/∂W1 = (y − d) y (1 − y) X1 = 0.00927609255818..., to 9 significant digits
    for line in ("∂E/∂W1 = 0.00927609256", "∂E/∂W2 = 0.0278282777", "∂E/∂b = 0.0927609256"):
        assert line in shown, line
    assert diagram.edge("W1").toolTip() == "W1 = 0.5 (∂E/∂w = 0.00927609256)"
    assert (
        diagram.edge("b").pen().widthF()
        > diagram.edge("W2").pen().widthF()
        > diagram.edge("W1").pen().widthF()
    )
    assert "∂E/∂w" in diagram.caption.text()
    check.click()
    assert "W1 = 0.5" in texts(diagram)


def test_view_follows_model_no_gradient_through_the_step_activation(qtbot, lab, diagram) -> None:
    assert lab.set_activation(1, "step")  # the delta rule trains it
    diagram.findChild(QtWidgets.QCheckBox, "diagramShowGradients").click()
    shown = texts(diagram)
    for name in ("W1", "W2", "b"):
        assert f"∂E/∂{name} = —" in shown
        assert diagram.edge(name).pen().style() == Qt.PenStyle.DashLine
    assert "(∂E/∂w = —)" in diagram.edge("W1").toolTip()
    assert "step activation" in diagram.note.text()
    lab.step()  # and a step still draws
    assert "f(s) = 1" in texts(diagram)


def test_view_follows_model_the_delta_rule_is_not_this_gradient(diagram) -> None:
    diagram.findChild(QtWidgets.QCheckBox, "diagramShowGradients").click()
    assert "delta rule" in diagram.note.text()


# -- selection and editing ------------------------------------------------------------------
def test_model_follows_view_clicking_an_edge_selects_its_parameter(qtbot, diagram) -> None:
    with qtbot.waitSignal(diagram.parameterSelected) as selected:
        click_at(qtbot, diagram, edge_point(diagram, "W2", 0.3))
    assert selected.args == ["W2"]
    assert diagram.selected_parameter == "W2"
    with qtbot.waitSignal(diagram.parameterSelected) as selected:
        click_at(qtbot, diagram, neuron_point(diagram, 1, 0))  # a neuron: its bias
    assert selected.args == ["b"]


def test_model_follows_view_double_click_opens_the_editor_on_it(qtbot, lab, diagram) -> None:
    # the window's part, played here: open the editor there and type a value
    diagram.editRequested.connect(
        lambda layer, kind, row, col: lab.set_parameter(layer, kind, row, col, -0.7)
    )
    with qtbot.waitSignal(diagram.editRequested) as request:
        click_at(qtbot, diagram, edge_point(diagram, "W1", 0.3), double=True)
    assert request.args == [1, "W", 0, 0]
    assert lab.trainer.network.weights[0][0, 0] == -0.7
    assert "W1 = -0.7" in texts(diagram)
    assert diagram.edge("W1").pen().color() == NEGATIVE
    with qtbot.waitSignal(diagram.editRequested) as request:
        click_at(qtbot, diagram, edge_point(diagram, "b", 0.3), double=True)
    assert request.args == [1, "b", 0, 0]


def test_select_parameter_highlights_without_emitting(qtbot, diagram) -> None:
    with qtbot.assertNotEmitted(diagram.parameterSelected):
        diagram.select_parameter("W1")
    assert diagram.selected_parameter == "W1"
    diagram.select_parameter("no such parameter")
    assert diagram.selected_parameter is None


# -- other networks -------------------------------------------------------------------------
def test_view_follows_model_a_2_2_1_network(qtbot) -> None:
    lab = Lab(session_with_layers([2, 2, 1]))
    diagram = show(qtbot, lab)
    assert diagram.neuron_counts() == [2, 2, 1]
    assert diagram.edge_count() == 4 + 2 + 2 + 1
    circles = [
        item for item in diagram.scene.items() if isinstance(item, QtWidgets.QGraphicsEllipseItem)
    ]
    assert len(circles) == 5
    assert texts(diagram).count("+1") == 3  # with hidden layers: one per neuron
    assert {"hidden 1", "output"} <= set(texts(diagram))
    with qtbot.waitSignal(diagram.parameterSelected) as selected:
        click_at(qtbot, diagram, edge_point(diagram, "L1.W2_1", 0.3))
    assert selected.args == ["L1.W2_1"]
    with qtbot.waitSignal(diagram.editRequested) as request:
        click_at(qtbot, diagram, edge_point(diagram, "L2.W1_2", 0.5), double=True)
    assert request.args == [2, "W", 0, 1]
    with qtbot.waitSignal(diagram.parameterSelected) as selected:
        click_at(qtbot, diagram, neuron_point(diagram, 1, 1))
    assert selected.args == ["L1.b2"]


def test_view_follows_model_the_sample_combo(qtbot) -> None:
    lab = Lab(load_example("xor"))
    diagram = show(qtbot, lab)
    combo = diagram.findChild(QtWidgets.QComboBox, "diagramSampleCombo")
    assert combo.count() == 4
    assert {"X1 = 0", "X2 = 0", "d = 0"} <= set(texts(diagram))
    combo.setCurrentIndex(1)
    assert {"X1 = 0", "X2 = 1", "d = 1"} <= set(texts(diagram))
    expected = lab.trainer.network.forward(lab.trainer.data.inputs[1:2]).s[-1][0, 0]
    assert f"s = {format_number(expected)}" in texts(diagram)


def test_a_deep_network_stays_readable_in_600_by_400(qtbot) -> None:
    lab = Lab(session_with_layers([2, 4, 4, 4, 4, 1]))
    diagram = show(qtbot, lab, (600, 400))
    assert diagram.neuron_counts() == [2, 4, 4, 4, 4, 1]
    assert diagram.edge_count() == 2 * 4 + 3 * 4 * 4 + 4 + 4 * 4 + 1
    # too many edges for labels: values in tooltips only
    assert not [
        item
        for item in diagram.scene.items()
        if isinstance(item, Tag) and item.data(0) and "W" in str(item.data(0))
    ]
    assert diagram.edge("L3.W2_4").toolTip().startswith("L3.W2_4 = ")
    # every number is inside the canvas and no two sets of numbers overlap
    canvas = QtCore.QRectF(diagram.view.viewport().rect())
    boxes = [
        item.sceneBoundingRect()
        for item in diagram.scene.items()
        if isinstance(item, Tag) and item.text()
    ]
    for i, box in enumerate(boxes):
        assert canvas.contains(box), box
        assert not any(box.intersects(other) for other in boxes[i + 1 :]), box
    with qtbot.waitSignal(diagram.parameterSelected) as selected:
        click_at(qtbot, diagram, neuron_point(diagram, 3, 2))
    assert selected.args == ["L3.b3"]


def test_a_new_architecture_is_drawn_afresh(qtbot, lab, diagram) -> None:
    lab.load(session_with_layers([2, 3, 1]))
    assert diagram.neuron_counts() == [2, 3, 1]
    assert diagram.edge_count() == 6 + 3 + 3 + 1
    lab.load(lecture_session())
    assert diagram.neuron_counts() == [2, 1]
    assert "W1 = 0.5" in texts(diagram)


# -- the step walk-through (phase by phase: tests/test_gui_walkthrough.py) -------------------
def phases_of_a_step(qtbot, lab: Lab, diagram: NetworkDiagram) -> list[str]:
    """The phases a Step plays through by itself (at the fastest pace)."""
    pace = diagram.findChild(QtWidgets.QComboBox, "walkPace")
    pace.setCurrentIndex(pace.count() - 1)
    seen: list[str] = []
    diagram.animationPhaseChanged.connect(seen.append)
    lab.step()
    assert diagram.animating
    assert diagram.animation_phase == seen[0]
    qtbot.waitUntil(lambda: not diagram.animating, timeout=10000)
    assert seen.pop() == ""
    return seen


def test_a_step_is_walked_through_forward_error_backward_update(qtbot) -> None:
    lab = Lab(session_with_layers([2, 2, 1]))
    diagram = show(qtbot, lab)
    size = diagram.view.viewport().size()
    assert diagram.animation_phase == "" and diagram.animate_steps
    assert phases_of_a_step(qtbot, lab, diagram) == [
        "forward 1/2",
        "forward 2/2",
        "error",
        "backward 2/2",
        "backward 1/2",
        "update",
    ]
    assert diagram.animation_phase == ""
    assert diagram.view.viewport().size() == size  # the phase notes moved nothing


def test_the_lecture_step_walks_through_its_one_layer(qtbot, lab, diagram) -> None:
    assert phases_of_a_step(qtbot, lab, diagram) == [
        "forward 1/1",
        "error",
        "backward 1/1",
        "update",
    ]


def test_no_walk_when_switched_off_or_stepping_back(qtbot, lab, diagram) -> None:
    lab.step()
    lab.step_back()  # a step back cancels the walk through the step
    assert not diagram.animating
    diagram.findChild(QtWidgets.QCheckBox, "walkOnStep").click()
    assert not diagram.animate_steps
    lab.step()
    assert not diagram.animating


def test_a_run_does_not_animate_and_cancels_an_animation(qtbot, window) -> None:
    lab = window.lab
    diagram = show(qtbot, lab)
    animating_while_running: list[bool] = []
    lab.positionChanged.connect(
        lambda: animating_while_running.append(lab.running and diagram.animating)
    )
    click(qtbot, window, "stepButton")
    assert diagram.animating
    window.runner.use_worker = False
    window.runner.set_speed(40)  # a step a frame: each frame moves on by one
    click(qtbot, window, "runButton")
    qtbot.waitUntil(lambda: lab.position >= 6, timeout=5000)
    assert not diagram.animating
    click(qtbot, window, "runButton")
    assert not diagram.animating
    assert animating_while_running and not any(animating_while_running)
    assert f"W1 = {format_number(lab.trainer.network.weights[0][0, 0])}" in texts(diagram)


def test_the_last_step_of_a_run_is_not_animated(qtbot, lab, diagram) -> None:
    lab.running = True  # as the run loop does it: frames while running ...
    lab.run_steps(3)
    lab.run_steps(1, emit=False)  # ... a step after the last frame ...
    lab.running = False
    lab.emit_all()  # ... and one emit when it stops
    assert not diagram.animating
    lab.step()
    assert diagram.animating  # a Step after the run is walked through again


def test_redraws_are_throttled_while_running(qtbot, lab, monkeypatch) -> None:
    monkeypatch.setattr("gui.diagram.widget.REDRAW_INTERVAL_S", 3600.0)
    diagram = show(qtbot, lab)
    lab.running = True
    lab.emit_all()  # a frame: drawn, and the interval starts
    lab.step()
    lab.step()  # frames within the interval: not drawn
    assert "W1 = 0.5" in texts(diagram)
    lab.running = False
    lab.emit_all()  # the run loop's last emit when it stops
    assert f"W1 = {format_number(lab.trainer.history.row(2)[0])}" in texts(diagram)


# -- screenshots for the eye ----------------------------------------------------------------
def test_screenshots(qtbot, lab, diagram, tmp_path) -> None:
    # For the eye: in this test's tmp_path (pytest keeps the last three runs' folders).
    lab.step()
    assert diagram.grab().save(str(tmp_path / "diagram-lecture-forward.png"))
    press(qtbot, diagram, "walkDone")
    assert diagram.grab().save(str(tmp_path / "diagram-lecture.png"))
    xor = show(qtbot, Lab(load_example("xor")))
    assert xor.grab().save(str(tmp_path / "diagram-xor.png"))
