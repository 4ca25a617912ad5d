"""The Network view's labels at the sizes the window has (1366×768 and the smallest it
allows): no label overlaps another, a node or the canvas's edge, and no bias line runs
through one, for the lecture's net, 2-6-4-1 and Deep XOR 2-4-4-4-4-1, in the state and
in every phase of the step walk-through."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets
from test_gui_diagram import press, session_with_layers

from gui.diagram import NetworkDiagram, Tag
from model.session import lecture_session, load_example

NETWORKS = {
    "lecture": lecture_session,
    "2-6-4-1": lambda: session_with_layers([2, 6, 4, 1]),
    "deep XOR": lambda: load_example("deep_xor"),
}


def network_tab(qtbot, window, size: str) -> NetworkDiagram:
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    tabs.setCurrentIndex(next(k for k in range(tabs.count()) if tabs.tabText(k) == "Network"))
    diagram = window.diagram
    qtbot.waitUntil(diagram.isVisible)
    if size == "smallest":
        window.resize(window.minimumSizeHint())
    else:
        window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint() or size != "smallest")
    QtWidgets.QApplication.processEvents()
    diagram.refresh()
    return diagram


def labels(diagram: NetworkDiagram) -> list[Tag]:
    """Every label drawn on the canvas (not the "s | f" and "+1" marks inside nodes)."""
    return [
        item
        for item in diagram.scene.items()
        if isinstance(item, Tag) and item.parentItem() is None and item.text()
    ]


def problems(diagram: NetworkDiagram) -> list[str]:
    scene = diagram.scene
    canvas = QtCore.QRectF(diagram.view.viewport().rect())
    boxes = [
        (tag.text().replace("\n", " / "), tag.sceneBoundingRect(), tag) for tag in labels(diagram)
    ]
    nodes = [item.sceneBoundingRect() for column in scene.neurons for item in column]
    nodes += [  # the "+1" boxes
        item.sceneBoundingRect()
        for item in scene.items()
        if isinstance(item, QtWidgets.QGraphicsPathItem)
        and not isinstance(item, Tag)
        and any(isinstance(c, Tag) and c.text() == "+1" for c in item.childItems())
    ]
    biases = {p.name: scene.edges[p.name].line() for p in scene.params if p.kind == "b"}
    found = []
    for k, (text, box, tag) in enumerate(boxes):
        if not canvas.contains(box):
            found.append(f"{text!r} leaves the canvas")
        found += [
            f"{text!r} overlaps {other!r}"
            for other, rect, _ in boxes[k + 1 :]
            if box.intersects(rect)
        ]
        found += [f"{text!r} covers a node" for node in nodes if box.intersects(node)]
        found += [
            f"the bias line {name} runs through {text!r}"
            for name, line in biases.items()
            if tag is not scene.edge_tags.get(name) and crosses(line, box)  # but its own label
        ]
    return found


def crosses(line: QtCore.QLineF, rect: QtCore.QRectF) -> bool:
    """Whether the segment passes through the rectangle (sampled every pixel)."""
    steps = int(line.length()) + 1
    return any(rect.contains(line.pointAt(t / steps)) for t in range(steps + 1))


@pytest.mark.parametrize("size", ["1366x768", "smallest"])
@pytest.mark.parametrize("name", list(NETWORKS))
def test_labels_never_overlap(qtbot, window, name, size, tmp_path) -> None:
    window.load(NETWORKS[name]())
    diagram = network_tab(qtbot, window, size)
    assert problems(diagram) == []
    if size == "1366x768":
        shown = [tag.text() for tag in labels(diagram)]  # every neuron's numbers
        assert sum(text.startswith("s = ") for text in shown) == sum(
            window.lab.trainer.network.layers[1:]
        )
        if name == "lecture":
            assert {"W1 = 0.5", "b = 1.83", "s = 1.94\nf(s) = 0.874352143"} <= {
                tag.text() for tag in labels(diagram)
            }
    diagram.grab().save(str(tmp_path / f"{name}-{size}.png"))  # for the eye
    window.findChild(QtWidgets.QPushButton, "stepButton").click()
    assert diagram.animating
    press(qtbot, diagram, "walkPlay")  # pause, then every phase in turn
    while diagram.animating:
        assert problems(diagram) == [], diagram.animation_phase
        press(qtbot, diagram, "walkNext")
    assert problems(diagram) == []
