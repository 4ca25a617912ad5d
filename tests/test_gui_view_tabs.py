"""The teaching views as tabs of the main window: chosen with the tab bar, they follow the
window's Step, Back and timeline, and File → Export plots exports the view shown."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import click
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from model.session import lecture_session, load_example
from model.surface import error_grid

Qt = QtCore.Qt


def show_tab(qtbot, window, title: str) -> QtWidgets.QWidget:
    """Click the tab titled `title`; the view it shows."""
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    bar = tabs.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index
    return tabs.current_view()


VIEW_NAMES = {
    "Network": "networkDiagram",
    "Gradients": "gradientFlowView",
    "Error surface": "errorSurfaceView",
    "Output map": "outputMapView",
    "Gradient check": "gradientCheckView",
}


def test_every_view_is_a_tab_built_when_first_shown(qtbot, window) -> None:
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Curves", *VIEW_NAMES]
    assert tabs.currentIndex() == 0
    for title, name in VIEW_NAMES.items():
        assert window.findChild(QtWidgets.QWidget, name) is None, name  # not built yet
        view = show_tab(qtbot, window, title)
        assert view.objectName() == name and view.isVisible()
        assert window.findChild(QtWidgets.QWidget, name) is view


def test_the_error_surface_tab_follows_step_and_back(qtbot, window) -> None:
    view = show_tab(qtbot, window, "Error surface")
    assert view.objectName() == "errorSurfaceView"
    trainer = window.lab.trainer
    for press in ("stepButton", "stepButton", "stepBackButton"):
        click(qtbot, window, press)
        assert view.current_point == tuple(trainer.network.get_flat()[:2]), press
    x, y = view.current_point
    here = error_grid(
        trainer.network, trainer.data, trainer.config.loss, 0, 1, np.array([x]), np.array([y])
    )
    assert abs(here[0, 0] - trainer.history.error_at(trainer.position)) <= 1e-12


def test_a_hidden_view_waits_and_catches_up_when_shown(qtbot, window) -> None:
    view = show_tab(qtbot, window, "Gradient check")
    show_tab(qtbot, window, "Curves")
    before = view.recomputes
    for _ in range(3):
        click(qtbot, window, "stepButton")
    assert view.recomputes == before  # not shown: no work
    show_tab(qtbot, window, "Gradient check")
    table = window.findChild(QtWidgets.QTableView, "gradientCheckTable")
    model = table.model()
    gradients = window.lab.trainer.network.gradients(
        window.lab.trainer.data.inputs, window.lab.trainer.data.targets, "squared_error"
    )
    analytic = [
        float(model.data(model.index(r, 1), Qt.ItemDataRole.EditRole))
        for r in range(model.rowCount())
    ]
    expected = [*gradients.dW[0].ravel(), *gradients.db[0]]
    np.testing.assert_allclose(analytic, expected, rtol=0, atol=0)


def test_export_plots_exports_the_view_shown(qtbot, window, tmp_path) -> None:
    show_tab(qtbot, window, "Gradients")
    window.findChild(QtGui.QAction, "exportPlotsAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "exportPlotsDialog")
    dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit").setText(str(tmp_path / "g.png"))
    click(qtbot, dialog, "exportButton")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g-activation.png", "g-gradient-norm.png"]


def test_the_deep_example_shows_a_gradient_curve_per_layer(qtbot, window) -> None:
    window.open_example("deep_xor")
    view = show_tab(qtbot, window, "Gradients")
    assert len(view.norm_curves) == 5
    click(qtbot, window, "stepButton")
    _, first_layer = view.norm_curves[0].getData()
    _, last_layer = view.norm_curves[-1].getData()
    assert first_layer[0] < last_layer[0]  # smaller on the input side


@pytest.mark.parametrize(
    "make", [lecture_session, lambda: load_example("xor"), lambda: load_example("deep_xor")]
)
def test_parameter_names_and_table_cells_correspond(make) -> None:
    lab = Lab(make())
    for index, name in enumerate(lab.trainer.network.parameter_names()):
        assert lab.flat_index(*lab.parameter_location(name)) == index


# -- the network diagram tab, linked to the tables ----------------------------------------------
def edge_point(diagram, name: str) -> QtCore.QPoint:
    edge = diagram.edge(name)
    return diagram.view.mapFromScene(edge.mapToScene(edge.line().pointAt(0.3)))


def test_clicking_a_weight_in_the_diagram_selects_its_cell(qtbot, window) -> None:
    window.open_example("xor")
    diagram = show_tab(qtbot, window, "Network")
    qtbot.mouseClick(
        diagram.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(diagram, "L2.W1_2")
    )
    assert window.findChild(QtWidgets.QComboBox, "layerCombo").currentData() == 2
    current = window.findChild(QtWidgets.QTableView, "weightsTable").currentIndex()
    assert (current.row(), current.column()) == (0, 1)


def test_double_clicking_a_weight_opens_its_editor(qtbot, window) -> None:
    diagram = show_tab(qtbot, window, "Network")
    qtbot.mouseDClick(
        diagram.view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(diagram, "W2")
    )
    view = window.findChild(QtWidgets.QTableView, "weightsTable")
    editor = QtWidgets.QApplication.focusWidget()
    assert isinstance(editor, QtWidgets.QLineEdit) and view.isAncestorOf(editor)
    editor.selectAll()
    qtbot.keyClicks(editor, "-0.7")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits queued
    qtbot.waitUntil(lambda: window.lab.trainer.network.weights[0][0, 1] == -0.7)
    assert "-0.7" in " ".join(
        item.text()
        for item in diagram.scene.items()
        if isinstance(item, QtWidgets.QGraphicsSimpleTextItem)
    )


def test_selecting_a_cell_highlights_the_diagram_edge(qtbot, window) -> None:
    diagram = show_tab(qtbot, window, "Network")
    view = window.findChild(QtWidgets.QTableView, "biasTable")
    rect = view.visualRect(view.model().index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert diagram.selected_parameter == "b"


def test_every_tab_copes_with_a_parameter_near_the_float_limit(qtbot, window) -> None:
    window.lab.set_parameter(1, "W", 0, 0, 1e308)
    click(qtbot, window, "stepButton")
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    for index in range(tabs.count()):
        show_tab(qtbot, window, tabs.tabText(index))
        tabs.currentWidget().grab()
    surface = window.error_surface
    assert "too large" in surface.plot.getPlotItem().titleLabel.text


def test_a_cell_chosen_before_the_diagram_exists_is_selected_in_it(qtbot, window) -> None:
    view = window.findChild(QtWidgets.QTableView, "weightsTable")
    rect = view.visualRect(view.model().index(0, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    diagram = show_tab(qtbot, window, "Network")
    assert diagram.selected_parameter == "W2"
