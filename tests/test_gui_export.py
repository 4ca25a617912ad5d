"""File → Export plots: each plot of the view shown as its own file (PNG at a chosen width,
or PDF), without the controls around it; a problem is said in the dialog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gui_helpers import click
from PySide6 import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt


def open_dialog(window) -> QtWidgets.QDialog:
    window.findChild(QtGui.QAction, "exportPlotsAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "exportPlotsDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def type_into(qtbot, edit: QtWidgets.QWidget, text: str) -> None:
    line = edit.lineEdit() if isinstance(edit, QtWidgets.QAbstractSpinBox) else edit
    line.selectAll()
    qtbot.keyClicks(line, text)


def listed(dialog) -> list[str]:
    listing = dialog.findChild(QtWidgets.QListWidget, "exportPlotsList")
    return [listing.item(row).text() for row in range(listing.count())]


def test_the_curves_are_two_pngs_at_the_width_chosen(qtbot, window, tmp_path: Path) -> None:
    click(qtbot, window, "stepButton")
    dialog = open_dialog(window)
    assert listed(dialog) == ["Error", "Weights and biases"]
    type_into(qtbot, dialog.findChild(QtWidgets.QSpinBox, "exportWidthSpin"), "1200")
    type_into(qtbot, dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit"), str(tmp_path / "run"))
    assert (
        "run-error.png, run-weights.png"
        in dialog.findChild(QtWidgets.QLabel, "exportNamesLabel").text()
    )
    click(qtbot, dialog, "exportButton")
    assert not dialog.isVisible()
    for name in ("errorPlot", "weightsPlot"):
        plot = window.findChild(QtWidgets.QWidget, name)
        slug = name.removesuffix("Plot")
        image = QtGui.QImage(str(tmp_path / f"run-{slug}.png"))
        assert image.width() == 1200
        # the plot's own shape: no check box above it, no neighbour beside it
        item = plot.getPlotItem().sceneBoundingRect()
        assert image.height() == round(1200 * item.height() / item.width())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-error.png", "run-weights.png"]
    assert "Saved 2 plots" in window.statusBar().currentMessage()


def test_a_pdf_page_per_plot_of_the_plots_size(qtbot, window, tmp_path: Path) -> None:
    dialog = open_dialog(window)
    combo = dialog.findChild(QtWidgets.QComboBox, "exportFormatCombo")
    combo.setCurrentIndex(combo.findData("pdf"))
    assert not dialog.findChild(QtWidgets.QSpinBox, "exportWidthSpin").isEnabled()
    type_into(
        qtbot, dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit"), str(tmp_path / "p.png")
    )
    click(qtbot, dialog, "exportButton")
    item = window.findChild(QtWidgets.QWidget, "errorPlot").getPlotItem().sceneBoundingRect()
    payload = (tmp_path / "p-error.pdf").read_bytes()
    assert payload.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", payload)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(item.width() * 0.75, abs=1.5)
    assert float(box.group(2)) == pytest.approx(item.height() * 0.75, abs=1.5)
    assert (tmp_path / "p-weights.pdf").exists()


def test_one_plot_unticked_one_file_under_the_name_given(qtbot, window, tmp_path: Path) -> None:
    dialog = open_dialog(window)
    listing = dialog.findChild(QtWidgets.QListWidget, "exportPlotsList")
    listing.item(1).setCheckState(Qt.CheckState.Unchecked)
    type_into(
        qtbot, dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit"), str(tmp_path / "e.png")
    )
    click(qtbot, dialog, "exportButton")
    assert [p.name for p in tmp_path.iterdir()] == ["e.png"]


def test_a_missing_folder_is_said_in_the_dialog_and_nothing_is_written(
    qtbot, window, tmp_path: Path
) -> None:
    dialog = open_dialog(window)
    edit = dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit")
    type_into(qtbot, edit, str(tmp_path / "missing" / "p.png"))
    click(qtbot, dialog, "exportButton")
    assert dialog.isVisible()
    assert "does not exist" in dialog.findChild(QtWidgets.QLabel, "exportMessage").text()
    assert not (tmp_path / "missing").exists()
    dialog.reject()


def test_the_output_map_tab_exports_its_plot(qtbot, window, tmp_path: Path) -> None:
    tabs = window.findChild(QtWidgets.QTabWidget, "viewTabs")
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Output map"))
    qtbot.wait(10)
    dialog = open_dialog(window)
    assert len(listed(dialog)) == 1 and listed(dialog)[0].startswith("Network output")
    type_into(qtbot, dialog.findChild(QtWidgets.QLineEdit, "exportPathEdit"), str(tmp_path / "m"))
    click(qtbot, dialog, "exportButton")
    assert QtGui.QImage(str(tmp_path / "m.png")).width() == 1600


def test_a_legend_under_the_plot_scales_with_an_export(window) -> None:
    legend = window.findChild(QtWidgets.QWidget, "weightsPlot").legend
    flag = QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    assert not legend.flags() & flag
