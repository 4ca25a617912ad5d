"""The main window: builds the layout and wires the parts together.

The parts: the Lab (the session and its undo stack), the run loop, the panels and views,
the Document (the session as a file: open, save, export, recent files, the unsaved mark),
the menus (gui/menus.py) and the autosave (gui/autosave.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from gui.autosave import Autosave
from gui.commands import TrainCommand
from gui.compare.install import install_compare
from gui.controls import SettingsPanel, TransportBar
from gui.divergence_banner import DivergenceBanner
from gui.document import Document
from gui.lab import Lab
from gui.learning import install_learning
from gui.memory import MemoryControl
from gui.menus import Actions, build_menu_bar, make_actions
from gui.optimizer_settings import OptimizerPanel
from gui.panels import DataPanel, ExplanationPanel, ParametersPanel, PlotsPanel
from gui.runner import RunLoop
from gui.settings import app_settings, read_bool, read_bytes
from gui.status import StatusBar
from gui.view_tabs import ViewTabs
from gui.window_layout import SideColumn, initial_sizes
from model.session import Session, lecture_session

if TYPE_CHECKING:
    from gui.setup_dialog import SetupDialog
    from model.state import Trainer

FIRST_HINT = "Press Step (→) to train one step and see every number."
LAB_MESSAGE_MS = 20000  # a refusal stays until the next successful edit, or this long


class MainWindow(QtWidgets.QMainWindow):
    """Backprop Lab's window, opened on the lecture example unless given a session.

    Signals
    -------
    firstPainted() : once, just after the window's first paint (in the next pass of the
        event loop): for work that should not delay the window's appearance
    """

    firstPainted = QtCore.Signal()

    def __init__(
        self,
        session: Session | None = None,
        path: str | None = None,
        trainer: Trainer | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self._painted = False
        self.setStatusBar(StatusBar(self))
        self.lab = Lab(session if session is not None else lecture_session(), self, trainer)
        self._undo_index = 0
        self.runner = RunLoop(self.lab, self)
        self.setup_dialog: SetupDialog | None = None
        self._selected_index: int | None = None  # the parameter chosen in a table
        self._build_panels()
        self.document = Document(
            self.lab, self, self.runner.stop, self.view_tabs.current_view, path
        )
        self.menu_actions: Actions = make_actions(
            self, self.document, self.lab, self.runner, self.transport, self.show_setup
        )
        self.learning = install_learning(
            self, self.lab, self.document, self.explanation, self.transport, self.runner.stop
        )
        self.compare = install_compare(
            self, self.lab, self.document, self.plots_panel.error_plot, self.runner.stop
        )
        self.recent_menu = build_menu_bar(
            self,
            self.menu_actions,
            self.document,
            self.plots_panel.log_check,
            self.learning.file_actions,
            self.learning.quiz_action,
            [self.compare.compare_action, self.compare.end_action, self.compare.export_action],
        )
        self.memory = MemoryControl(self, self.lab)  # Edit → Memory budget…, status bar
        self._connect_document()
        self.resize(1280, 720)  # fits a 1366×768 laptop screen with its taskbar
        self._restore_settings()
        self.learning.sync()  # the quiz's dock follows the session, not the saved layout
        self.compare.sync()  # so does the runs table's
        self.autosave = Autosave(self.document, parent=self)
        self.autosave.failed.connect(lambda text: self.show_message(text, 15000))
        self.statusBar().showMessage(FIRST_HINT)
        self.lab.positionChanged.connect(self._drop_first_hint)

    # -- construction -----------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.transport = TransportBar(self.lab, self.runner)
        self.banner = DivergenceBanner(self.lab)
        self.data_panel = DataPanel(self.lab)
        self.parameters_panel = ParametersPanel(self.lab)
        self.settings_panel = SettingsPanel(self.lab, self.runner)
        self.optimizer_panel = OptimizerPanel(self.lab)
        self.plots_panel = PlotsPanel(self.lab)
        self.explanation = ExplanationPanel(self.lab)
        self.view_tabs = ViewTabs(self.lab, self.plots_panel)
        self._link_panels()
        self.splitter = self._build_splitter()
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.transport)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, stretch=1)
        self.setCentralWidget(central)

    def _build_splitter(self) -> QtWidgets.QSplitter:
        """The tables and settings, the curves and views, the explanation: side by side.
        The first column scrolls when the window is short (gui/window_layout.py)."""
        self.side = SideColumn(
            [self.data_panel, self.parameters_panel, self.settings_panel, self.optimizer_panel]
        )
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.side)
        splitter.addWidget(self.view_tabs)
        splitter.addWidget(self.explanation)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes(initial_sizes(1280, self.side.sizeHint().width()))
        # Until the student moves a divider (or a saved layout is restored), the columns
        # keep their proportions to the window's width.
        self._columns_chosen = False
        splitter.splitterMoved.connect(self._on_columns_chosen)
        return splitter

    def _on_columns_chosen(self, *_args: object) -> None:
        self._columns_chosen = True

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QtCore.QTimer.singleShot(0, self, self.firstPainted.emit)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._columns_chosen:
            self.splitter.setSizes(initial_sizes(self.width(), self.side.sizeHint().width()))

    def _link_panels(self) -> None:
        for plot in (self.plots_panel.error_plot, self.plots_panel.weights_plot):
            plot.stepRequested.connect(self.transport.go_to)
        self.parameters_panel.layerChanged.connect(self.settings_panel.set_layer)
        self.parameters_panel.parameterSelected.connect(self.plots_panel.weights_plot.highlight)
        self.settings_panel.target.valueChanged.connect(self.plots_panel.error_plot.set_target)
        # One selected parameter everywhere: a table cell, the diagram, the curves. (The
        # views are built when first shown, and draw only while shown.)
        self.view_tabs.viewBuilt.connect(self._on_view_built)
        self.parameters_panel.parameterSelected.connect(self._on_cell_selected)

    def _connect_document(self) -> None:
        self.firstPainted.connect(self.plots_panel.enable_menus)
        self.document.titleChanged.connect(self.setWindowTitle)
        self.document.message.connect(self.show_message)
        self.lab.message.connect(self._show_lab_message)
        self.lab.undo_stack.indexChanged.connect(self._on_undo_index_changed)
        self.setWindowTitle(self.document.title)

    # -- one selected parameter ---------------------------------------------------------------
    def _on_view_built(self, key: str, view: QtWidgets.QWidget) -> None:
        if key != "diagram":
            return
        if self._selected_index is not None:  # chosen in a table before it existed
            view.select_parameter(  # type: ignore[attr-defined]
                self.lab.trainer.network.parameter_names()[self._selected_index]
            )
        view.parameterSelected.connect(self._on_diagram_selected)  # type: ignore[attr-defined]
        view.editRequested.connect(  # type: ignore[attr-defined]
            lambda layer, kind, row, col: self.parameters_panel.select(
                layer, kind, row, col, edit=True
            )
        )

    def _on_cell_selected(self, index: int) -> None:
        self._selected_index = index
        if self.view_tabs.built("diagram"):
            self.view_tabs.view("diagram").select_parameter(  # type: ignore[attr-defined]
                self.lab.trainer.network.parameter_names()[index]
            )

    def _on_diagram_selected(self, name: str) -> None:
        self.parameters_panel.select(*self.lab.parameter_location(name))

    # The teaching views, built on first use (a test or a script may ask before a tab
    # was shown).
    @property
    def diagram(self) -> QtWidgets.QWidget:
        return self.view_tabs.view("diagram")

    @property
    def gradient_flow(self) -> QtWidgets.QWidget:
        return self.view_tabs.view("gradient_flow")

    @property
    def error_surface(self) -> QtWidgets.QWidget:
        return self.view_tabs.view("error_surface")

    @property
    def output_map(self) -> QtWidgets.QWidget:
        return self.view_tabs.view("output_map")

    @property
    def gradient_check(self) -> QtWidgets.QWidget:
        return self.view_tabs.view("gradient_check")

    # -- the document, for scripts and tests ---------------------------------------------------
    @property
    def undo_action(self) -> QtGui.QAction:
        return self.menu_actions.undo

    @property
    def redo_action(self) -> QtGui.QAction:
        return self.menu_actions.redo

    @property
    def has_unsaved_changes(self) -> bool:
        return self.document.has_unsaved_changes

    def open_example(self, name: str) -> None:
        """File → New from example (asks about unsaved changes first)."""
        self.document.open_example(name)

    def load(self, session: Session, path: str | None = None) -> None:
        """Show `session` without asking about unsaved changes."""
        self.document.load(session, path)

    # -- dialogs and the status bar -------------------------------------------------------------
    def show_setup(self) -> None:
        """The data and architecture editor (non-modal; made once, kept)."""
        self.runner.stop()
        if self.setup_dialog is None:
            # Imported when first opened: the window's first paint does not need it.
            from gui.setup_dialog import SetupDialog  # noqa: PLC0415

            self.setup_dialog = SetupDialog(self.lab, self)
            # Ctrl+Z / Ctrl+Shift+Z work while the dialog has the focus too.
            self.setup_dialog.addActions([self.undo_action, self.redo_action])
        self.setup_dialog.show()
        self.setup_dialog.raise_()

    def show_message(self, text: str, milliseconds: int) -> None:
        self.statusBar().showMessage(text, milliseconds)

    def _show_lab_message(self, text: str) -> None:
        status = self.statusBar()
        assert isinstance(status, StatusBar)
        status.show_refusal(text, LAB_MESSAGE_MS)

    def _on_undo_index_changed(self, index: int) -> None:
        """A successful edit, setting or undo makes the Lab's last message out of date;
        training (a Step, a frame of a Run) does not."""
        command = self.lab.undo_stack.command(index - 1) if index > 0 else None
        training = isinstance(command, TrainCommand) and index >= self._undo_index
        self._undo_index = index
        status = self.statusBar()
        if not training and isinstance(status, StatusBar):
            status.clear_stale()

    def _drop_first_hint(self) -> None:
        """The hint is for a window nobody has used yet: gone with the first step."""
        if self.statusBar().currentMessage() == FIRST_HINT:
            self.statusBar().clearMessage()

    # -- closing, and the window's own settings ---------------------------------------------
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.runner.stop()
        if not self.document.confirm_discard():
            event.ignore()
            return
        self._save_settings()
        self.autosave.finish()
        event.accept()

    def _save_settings(self) -> None:
        settings = app_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("windowState", self.saveState())
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("logScale", self.plots_panel.log_check.isChecked())

    def _restore_settings(self) -> None:
        settings = app_settings()  # (a damaged or strange value is ignored: gui/settings.py)
        geometry = read_bytes(settings, "geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = read_bytes(settings, "windowState")
        if state is not None:
            self.restoreState(state)
        splitter = read_bytes(settings, "splitter")
        if splitter is not None:
            self._columns_chosen = self.splitter.restoreState(splitter)
        self.plots_panel.log_check.setChecked(read_bool(settings, "logScale"))
