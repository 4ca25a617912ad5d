"""The Network view tells a Step as the lecture does, driven through its buttons: the
forward pass with the OLD weights and their numbers (s = 1.94, not 1.930712126), the
error, the backward pass layer by layer, and only then the update, old → new. Until the
update no edge changes (layer locking)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from test_gui_diagram import press, session_with_layers, show, texts

from gui.diagram import NetworkDiagram
from gui.diagram.walk_controls import PACES
from gui.lab import Lab
from model.explain import explain_step
from model.numbers import format_number, format_significant
from model.session import lecture_session

Qt = QtCore.Qt


@pytest.fixture
def lab() -> Lab:
    return Lab(lecture_session())


@pytest.fixture
def diagram(qtbot, lab: Lab) -> NetworkDiagram:
    return show(qtbot, lab)


def pause_after_a_step(qtbot, lab: Lab, diagram: NetworkDiagram) -> None:
    """Step, and pause the walk it starts at its first phase."""
    lab.step()
    assert diagram.animating and diagram.walk.playing
    press(qtbot, diagram, "walkPlay")  # pause
    assert not diagram.walk.playing and diagram.animation_phase.startswith("forward 1/")


def pens(diagram: NetworkDiagram) -> dict[str, tuple[float, Any]]:
    return {
        name: (edge.pen().widthF(), edge.pen().color().name())
        for name, edge in diagram.scene.edges.items()
    }


def test_the_lecture_step_phase_by_phase(qtbot, lab, diagram) -> None:
    before = pens(diagram)
    lab.step()
    assert diagram.animation_phase == "forward 1/1"
    # forward: the OLD weights and the lecture's numbers, although the state is step 1
    shown = texts(diagram)
    for line in ("W1 = 0.5", "s = 1.94", "f(s) = 0.874352143"):
        assert line in shown, line
    assert "W1 = 0.499155648" not in shown and "s = 1.930712126" not in shown
    press(qtbot, diagram, "walkPlay")  # pause: phase by phase from here
    assert not diagram.walk.playing
    shown = texts(diagram)
    for line in ("W1 = 0.5", "W2 = 0.2", "b = 1.83", "s = 1.94", "f(s) = 0.874352143"):
        assert line in shown, line
    assert "W1 = 0.499155648" not in shown and "s = 1.930712126" not in shown
    assert pens(diagram) == before
    assert "Forward pass, layer 1 of 1" in diagram.note.text()
    press(qtbot, diagram, "walkNext")
    assert diagram.animation_phase == "error"
    assert "E = ½(d − y)² = ½(0.03 − 0.874352143)² = 0.356465271" in diagram.note.text()
    assert pens(diagram) == before
    press(qtbot, diagram, "walkNext")
    assert diagram.animation_phase == "backward 1/1"
    shown = texts(diagram)
    for line in ("ΔW1 = -0.000844352", "ΔW2 = -0.002533056", "Δb = -0.008443521"):
        assert line in shown, line
    assert "d − Y = -0.844352143" in shown  # the error the lecture's rule sends back
    assert pens(diagram) == before  # nothing has changed yet: layer locking
    press(qtbot, diagram, "walkNext")
    assert diagram.animation_phase == "update"
    shown = texts(diagram)
    for line in ("W1 = 0.499155648", "W2 = 0.197466944", "b = 1.821556479"):
        assert line in shown, line
    assert pens(diagram) != before
    assert "0.5 → 0.499155648" in diagram.note.text()
    assert "1.83 → 1.821556479" in diagram.note.text()
    press(qtbot, diagram, "walkNext")  # past the update: the state itself, step 1
    assert not diagram.animating
    assert "s = 1.930712126" in texts(diagram)
    assert "W1 = 0.499155648" in texts(diagram)


def test_backprop_layer_by_layer_with_the_records_numbers(qtbot) -> None:
    lab = Lab(session_with_layers([2, 2, 1]))
    diagram = show(qtbot, lab, (640, 660))  # the Network tab at 1366×768: room for labels
    before = pens(diagram)
    old_labels = {name: tag.text() for name, tag in diagram.scene.edge_tags.items()}
    pause_after_a_step(qtbot, lab, diagram)
    ex = explain_step(lab.trainer, 1)
    delta = {(d.layer, d.neuron): format_number(d.delta) for d in ex.deltas}
    gradient = {p.name: format_significant(p.chain.gradient) for p in ex.parameters if p.chain}
    seen = []
    while diagram.animation_phase != "update":
        phase = diagram.animation_phase
        seen.append(phase)
        shown = texts(diagram)
        assert pens(diagram) == before, phase  # no layer updates before the update
        if phase == "forward 1/2":
            assert "s = ?" in shown  # the output is not computed yet
        if phase == "backward 2/2":
            assert f"δ = {delta[2, 1]}" in shown and f"δ = {delta[1, 1]}" not in shown
            assert {diagram.scene.edge_tags[n].text() for n in ("L1.W1_1", "L1.b1")} == {
                old_labels["L1.W1_1"],
                old_labels["L1.b1"],
            }
            assert diagram.scene.edge_tags["L2.W1_1"].text() == gradient["L2.W1_1"]
        if phase == "backward 1/2":
            assert f"δ = {delta[1, 1]}" in shown and f"δ = {delta[1, 2]}" in shown
            assert diagram.scene.edge_tags["L1.W1_1"].text() == gradient["L1.W1_1"]
        press(qtbot, diagram, "walkNext")
    assert seen == ["forward 1/2", "forward 2/2", "error", "backward 2/2", "backward 1/2"]
    assert pens(diagram) != before
    new = format_number(lab.trainer.network.get_flat()[0])
    assert diagram.scene.edge_tags["L1.W1_1"].text() == new


def test_previous_next_and_result(qtbot, lab, diagram) -> None:
    assert not diagram.findChild(QtWidgets.QAbstractButton, "walkPlay").isEnabled()  # step 0
    diagram.animate_steps = False
    lab.step()
    assert not diagram.animating
    press(qtbot, diagram, "walkPrevious")  # from the state: its last phase, the update
    assert diagram.animation_phase == "update"
    press(qtbot, diagram, "walkPrevious")
    assert diagram.animation_phase == "backward 1/1"
    press(qtbot, diagram, "walkDone")
    assert not diagram.animating
    press(qtbot, diagram, "walkNext")  # from the state: the first phase
    assert diagram.animation_phase == "forward 1/1"
    assert not diagram.findChild(QtWidgets.QAbstractButton, "walkPrevious").isEnabled()


def test_play_at_a_chosen_pace(qtbot, lab, diagram) -> None:
    pace = diagram.findChild(QtWidgets.QComboBox, "walkPace")
    assert pace.currentData() >= 1000  # the default leaves time to read each phase
    assert [pace.itemData(k) for k in range(pace.count())] == [ms for _, ms in PACES]
    pace.setCurrentIndex(pace.count() - 1)
    diagram.animate_steps = False
    lab.step()
    seen: list[str] = []
    diagram.animationPhaseChanged.connect(seen.append)
    press(qtbot, diagram, "walkPlay")
    qtbot.waitUntil(lambda: not diagram.animating, timeout=10000)
    assert seen == ["forward 1/1", "error", "backward 1/1", "update", ""]


def test_the_walk_ends_with_back_a_run_or_another_sample(qtbot, lab, diagram) -> None:
    lab.step()
    assert diagram.animating
    lab.step_back()
    assert not diagram.animating
    lab.step()
    lab.running = True  # a Run's frames
    lab.run_steps(2)
    lab.running = False
    assert not diagram.animating
    xor = Lab(session_with_layers([2, 2, 1]))
    other = show(qtbot, xor)
    xor.step()
    assert other.animating
    other.findChild(QtWidgets.QComboBox, "diagramSampleCombo").setCurrentIndex(2)
    assert not other.animating  # the walk is about the sample the step used
