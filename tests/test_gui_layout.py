"""The window on a laptop screen: it fits 1366×768 with a taskbar (minimum size well under
1366×700, everything reachable at 1366×700), no tab is cut off at 1024×700, and counts
read as English ("1 neuron")."""

from __future__ import annotations

from gui_helpers import choose, click
from PySide6 import QtGui, QtWidgets


def test_the_window_can_be_much_smaller_than_a_laptop_screen(qtbot, window) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= 1000 and hint.height() <= 500, hint
    window.resize(1366, 700)
    qtbot.wait(10)
    assert (window.width(), window.height()) == (1366, 700)


def test_everything_is_reachable_at_1366_by_700(qtbot, window) -> None:
    window.open_example("deep_xor")
    window.resize(1366, 700)
    qtbot.wait(10)
    side = window.findChild(QtWidgets.QScrollArea, "sideColumn")
    target = window.findChild(QtWidgets.QDoubleSpinBox, "targetErrorSpin")
    side.ensureWidgetVisible(target)
    qtbot.wait(10)
    corner = target.mapTo(side.viewport(), target.rect().bottomRight())
    assert side.viewport().rect().contains(corner)
    for name in ("inputsTable", "weightsTable", "biasTable"):
        view = window.findChild(QtWidgets.QTableView, name)
        # at least three rows on screen (the column scrolls rather than squeeze them)
        assert view.rowAt(view.verticalHeader().defaultSectionSize() * 3 - 4) >= 2, name
    for name in ("errorPlot", "weightsPlot"):
        plot = window.findChild(QtWidgets.QWidget, name)
        assert plot.getPlotItem().vb.height() >= 120, name


def test_no_tab_is_cut_off_at_1024_by_700(qtbot, window) -> None:
    window.resize(1024, 700)
    qtbot.wait(10)
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs").tabBar()
    assert tabs.isVisible()
    for index in range(tabs.count()):
        rect = tabs.tabRect(index)
        assert rect.right() < tabs.width() and rect.width() >= 40, tabs.tabText(index)
        assert tabs.tabToolTip(index)  # the whole title and what it shows


def test_one_neuron_is_one_neuron(qtbot, window) -> None:
    combo = window.findChild(QtWidgets.QComboBox, "layerCombo")
    assert "(output, 1 neuron, sigmoid)" in combo.currentText()
    window.findChild(QtGui.QAction, "setupAction").trigger()
    setup = window.findChild(QtWidgets.QDialog, "setupDialog")
    click(qtbot, setup, "addLayerButton")
    spin = setup.findChild(QtWidgets.QSpinBox, "layerNeuronsSpin1")
    spin.setValue(1)
    assert spin.text() == "1 neuron"
    spin.setValue(3)
    assert spin.text() == "3 neurons"
    assert setup.findChild(QtWidgets.QSpinBox, "layerNeuronsSpin2").text() == "1 neuron"
    click(qtbot, setup, "applyArchitectureButton")
    choose(qtbot, combo, 1)
    assert "(hidden, 3 neurons, sigmoid)" in combo.currentText()
