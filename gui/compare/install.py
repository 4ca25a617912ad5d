"""Compared runs in the window: Run → Compare… and End comparison, File → Export compared
runs…, the runs table in a dock under the columns (shown while runs are compared), and
the compared runs' curves on the error plot. `install_compare` makes them; the menus
(gui/menus.py) place the actions; the error surface draws the runs' paths itself
(gui/teaching/error_surface.py, with gui/compare/surface_paths.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from gui.compare.curves import ComparedCurves
from gui.compare.table import RunsTable
from gui.document import Document
from gui.lab import Lab
from gui.menus import make_action
from gui.plots import ErrorPlot

if TYPE_CHECKING:
    from gui.compare.dialog import CompareDialog


class Compare:
    """What `install_compare` added to the window: the actions, the runs table and its
    dock, the curves on the error plot, and the dialog last opened."""

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        lab: Lab,
        document: Document,
        error_plot: ErrorPlot,
        stop_run: Callable[[], None],
    ) -> None:
        self.lab = lab
        self.window = window
        self.stop_run = stop_run
        self.dialog: CompareDialog | None = None
        self.table = RunsTable(lab)
        self.dock = make_runs_dock(window, self.table)
        self.curves = ComparedCurves(error_plot, lab)
        self.compare_action = make_action(
            window, "&Compare runs…", self.open_dialog, "Ctrl+Shift+C", "compareAction"
        )
        self.compare_action.setToolTip(
            "Train up to four runs side by side from the same state, each with its own settings"
        )
        self.end_action = make_action(
            window, "E&nd comparison", self.end, None, "endComparisonAction"
        )
        self.export_action = make_action(
            window,
            "Export &compared runs…",
            lambda: _export(lab, document),
            None,
            "exportRunsAction",
        )
        lab.compared.changed.connect(self.sync)
        self.sync()

    def open_dialog(self) -> CompareDialog:
        """Run → Compare…: the dialog, set to the runs compared now (if any)."""
        self.stop_run()
        # Imported when first opened: the window's first paint does not need it.
        from gui.compare.dialog import CompareDialog  # noqa: PLC0415

        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = CompareDialog(self.lab, self.window)
        self.dialog.open()
        return self.dialog

    def end(self) -> None:
        self.lab.compared.end("The comparison ended: run 1 goes on alone.")

    def sync(self) -> None:
        """The dock shown and the actions enabled exactly while runs are compared (also
        after the window's saved layout was restored)."""
        active = self.lab.compared.active
        if self.dock.isVisibleTo(self.window) != active:
            self.dock.setVisible(active)
        self.end_action.setEnabled(active)
        self.export_action.setEnabled(active)


def _export(lab: Lab, document: Document) -> None:
    """File → Export compared runs… (imported when first used, not with the window)."""
    from gui.compare.export import export_compared_runs  # noqa: PLC0415

    export_compared_runs(lab, document)


def make_runs_dock(window: QtWidgets.QMainWindow, table: RunsTable) -> QtWidgets.QDockWidget:
    """The runs table under the window's columns: as tall as its four rows at most, so
    the plots keep their room on a 1366×768 screen."""
    dock = QtWidgets.QDockWidget("Compared runs", window)
    dock.setObjectName("compareDock")
    dock.setWidget(table)
    dock.setFeatures(
        QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    return dock


def install_compare(
    window: QtWidgets.QMainWindow,
    lab: Lab,
    document: Document,
    error_plot: ErrorPlot,
    stop_run: Callable[[], None],
) -> Compare:
    return Compare(window, lab, document, error_plot, stop_run)
