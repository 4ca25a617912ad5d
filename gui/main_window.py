"""The main window: wires the Lab, the run loop, the panels, the menus and the files."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gui import help as help_texts
from gui.autosave import Autosave
from gui.controls import SettingsPanel, TransportBar
from gui.lab import Lab
from gui.panels import DataPanel, DivergenceBanner, ExplanationPanel, ParametersPanel, PlotsPanel
from gui.runner import RunLoop
from gui.settings import app_settings
from gui.setup_dialog import SetupDialog
from gui.view_tabs import ViewTabs
from model.history import write_bytes_atomically
from model.session import (
    EXAMPLES,
    Session,
    SessionError,
    lecture_session,
    load_example,
    load_session,
    save_session,
)

MAX_RECENT = 8
FIRST_HINT = "Press Step (→) to train one step and see every number."
Key = QtCore.Qt.Key


class MainWindow(QtWidgets.QMainWindow):
    """Backprop Lab's window, opened on the lecture example unless given a session."""

    def __init__(self, session: Session | None = None, path: str | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.lab = Lab(session if session is not None else lecture_session(), self)
        self.runner = RunLoop(self.lab, self)
        self.path: str | None = path
        # Unsaved = the undo stack is not at its saved index (every edit, step and setting is
        # a command), or a save had to leave the history out.
        self._history_unsaved = False
        self.setup_dialog: SetupDialog | None = None
        self._selected_index: int | None = None  # the parameter chosen in a table
        self._build_panels()
        self._build_actions()
        self._build_menus()
        self.lab.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.lab.undo_stack.cleanChanged.connect(self._update_title)
        self.resize(1280, 800)
        self._restore_settings()
        self._mark_saved()
        self.autosave = Autosave(self.lab, lambda: (self.path, self._dirty), parent=self)
        self.autosave.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.statusBar().showMessage(FIRST_HINT)
        self.lab.positionChanged.connect(self._drop_first_hint)

    # -- construction -----------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.transport = TransportBar(self.lab, self.runner)
        self.banner = DivergenceBanner(self.lab)
        self.data_panel = DataPanel(self.lab)
        self.parameters_panel = ParametersPanel(self.lab)
        self.settings_panel = SettingsPanel(self.lab, self.runner)
        self.plots_panel = PlotsPanel(self.lab)
        self.explanation = ExplanationPanel(self.lab)
        for plot in (self.plots_panel.error_plot, self.plots_panel.weights_plot):
            plot.stepRequested.connect(self.transport.go_to)
        self.parameters_panel.layerChanged.connect(self.settings_panel.set_layer)
        self.parameters_panel.parameterSelected.connect(self.plots_panel.weights_plot.highlight)
        self.settings_panel.target.valueChanged.connect(self.plots_panel.error_plot.set_target)

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.data_panel)
        left_layout.addWidget(self.parameters_panel)
        left_layout.addWidget(self.settings_panel)
        left_layout.addStretch(1)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self._build_view_tabs())
        self._link_selection()
        self.splitter.addWidget(self.explanation)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 590, 360])
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.transport)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, stretch=1)
        self.setCentralWidget(central)

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QtGui.QKeySequence | str | None = None,
        name: str | None = None,
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_view_tabs(self) -> QtWidgets.QTabWidget:
        """The curves, then the views that show why a weight moved (each built when first
        shown, and drawing only while shown)."""
        self.view_tabs = ViewTabs(self.lab, self.plots_panel)
        self.view_tabs.viewBuilt.connect(self._on_view_built)
        return self.view_tabs

    def _link_selection(self) -> None:
        """One selected parameter everywhere: a table cell, the diagram, the curves."""
        self.parameters_panel.parameterSelected.connect(self._on_cell_selected)

    def _on_view_built(self, key: str, view: QtWidgets.QWidget) -> None:
        if key == "diagram":
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

    def _build_actions(self) -> None:
        std = QtGui.QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_session, std.Open, "openSessionAction")
        self.save_action = self._action("&Save", self.save_session, std.Save, "saveSessionAction")
        self.save_as_action = self._action(
            "Save &As…", self.save_session_as, std.SaveAs, "saveSessionAsAction"
        )
        self.export_action = self._action(
            "&Export history…", self.export_history, "Ctrl+E", "exportHistoryAction"
        )
        self.export_plots_action = self._action(
            "Export &plots (PNG)…", self.export_plots, "Ctrl+Shift+E", "exportPlotsAction"
        )
        self.quit_action = self._action("&Quit", self.close, std.Quit, "quitAction")
        self.undo_action = self.lab.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(std.Undo)
        self.undo_action.setObjectName("undoAction")
        self.redo_action = self.lab.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(
            [QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence(std.Redo)]
        )
        self.redo_action.setObjectName("redoAction")
        self.addActions([self.undo_action, self.redo_action])
        self.step_action = self._action("&Step", self.lab.step, Key.Key_Right, "stepAction")
        self.back_action = self._action(
            "Step &back", self.lab.step_back, Key.Key_Left, "stepBackAction"
        )
        self.run_action = self._action(
            "&Run / Pause", self.transport.run_button.toggle, Key.Key_Space, "runAction"
        )
        self.reset_action = self._action(
            "R&eset", self.transport.reset_button.click, "Ctrl+R", "resetAction"
        )
        self.runner.runningChanged.connect(
            lambda running: (
                self.step_action.setEnabled(not running),
                self.back_action.setEnabled(not running),
            )
        )
        self.setup_action = self._action(
            "&Data and architecture…", self.show_setup, "Ctrl+Shift+A", "setupAction"
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        examples = file_menu.addMenu("&New from example")
        for name, title in EXAMPLES.items():
            action = examples.addAction(title)
            action.setObjectName(f"example_{name}")
            action.triggered.connect(lambda _=False, name=name: self.open_example(name))
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recentMenu")
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.export_plots_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        network_menu = bar.addMenu("&Network")
        network_menu.addAction(self.setup_action)
        run_menu = bar.addMenu("&Run")
        for action in (self.step_action, self.back_action, self.run_action, self.reset_action):
            run_menu.addAction(action)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(
            self._toggle_action("&Logarithmic error axis", self.plots_panel.log_check)
        )
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action("&Guide to backpropagation", self.show_guide, "F1", "guideAction")
        )
        help_menu.addAction(
            self._action("&Keyboard shortcuts", self.show_shortcuts, None, "shortcutsAction")
        )
        help_menu.addAction(
            self._action("&About Backprop Lab", self.show_about, None, "aboutAction")
        )
        self._refresh_recent_menu()

    def _toggle_action(self, text: str, check: QtWidgets.QCheckBox) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        action.setCheckable(True)
        action.toggled.connect(check.setChecked)
        check.toggled.connect(action.setChecked)
        return action

    # -- the file menu ------------------------------------------------------------------------
    def open_example(self, name: str) -> None:
        self.runner.stop()
        if self._confirm_discard():
            self.load(load_example(name), None)

    def open_session(self) -> None:
        self.runner.stop()
        if not self._confirm_discard():
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open session", self._folder(), "Backprop Lab sessions (*.json);;All files (*)"
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open a session file; on a bad file, say why and keep the current session."""
        try:
            session = load_session(path)
        except (SessionError, OSError) as error:
            self._warn("Cannot open session", f"{Path(path).name}: {error}")
            return False
        self.runner.stop()
        self.load(session, path)
        self._add_recent(path)
        return True

    def load(self, session: Session, path: str | None = None) -> None:
        """Show `session` (without asking about unsaved changes: callers do that)."""
        self.lab.load(session)
        self.path = path
        self._mark_saved()

    def show_setup(self) -> None:
        """The data and architecture editor (non-modal; made once, kept)."""
        self.runner.stop()
        if self.setup_dialog is None:
            self.setup_dialog = SetupDialog(self.lab, self)
            # Ctrl+Z / Ctrl+Shift+Z work while the dialog has the focus too.
            self.setup_dialog.addActions([self.undo_action, self.redo_action])
        self.setup_dialog.show()
        self.setup_dialog.raise_()

    def _drop_first_hint(self) -> None:
        """The hint is for a window nobody has used yet: gone with the first step."""
        if self.statusBar().currentMessage() == FIRST_HINT:
            self.statusBar().clearMessage()

    def restore(self, session: Session, source: str | None) -> None:
        """Show a session restored after a crash: unsaved, and saved back to `source`."""
        self.runner.stop()
        self.lab.load(session)
        self.path = source
        self._history_unsaved = True
        self._update_title()
        self.statusBar().showMessage("Restored the autosaved session: save it to keep it.", 10000)

    def save_session(self) -> bool:
        if self.path is None:
            return self.save_session_as()
        return self._save_to(self.path)

    def save_session_as(self) -> bool:
        suggestion = self.path or os.path.join(self._folder(), "session.json")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save session", suggestion, "Backprop Lab sessions (*.json)"
        )
        return bool(path) and self._save_to(path)

    def _save_to(self, path: str) -> bool:
        try:
            with_history = save_session(self.lab.trainer, path, title=self.lab.title)
        except OSError as error:
            self._warn("Cannot save session", f"{path}: {error.strerror or error}")
            return False
        except ValueError as error:  # a state that is not finite: nothing was written
            self._warn("Cannot save session", f"{path}: {error}")
            return False
        self.path = path
        self._add_recent(path)
        self._mark_saved()
        if not with_history:
            # The file holds the current state; the history stays unsaved, so say so and
            # keep the unsaved mark rather than let a close lose it silently.
            self._history_unsaved = True
            self._warn(
                "History not saved",
                f"Saved the current state to {path}, but its "
                f"{len(self.lab.trainer.history):,} history rows would make the file "
                "too large to open again. Export them with File → Export history.",
            )
            self._update_title()
            return False  # not all saved: closing after this must not go ahead
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_history(self) -> None:
        suggestion = os.path.join(self._folder(), "history.csv")
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export history", suggestion, "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return
        if not Path(path).suffix:
            path += ".json" if "json" in chosen.lower() else ".csv"
        try:
            self.lab.trainer.history.export(path)
        except OSError as error:
            self._warn("Cannot export history", f"{path}: {error.strerror or error}")
            return
        except ValueError as error:  # JSON cannot hold NaN/inf: nothing was written
            self._warn("Cannot export history", f"{path}: {error}")
            return
        self.statusBar().showMessage(
            f"Exported {len(self.lab.trainer.history)} rows to {path}", 5000
        )

    def export_plots(self) -> None:
        suggestion = os.path.join(self._folder(), "plots.png")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export plots", suggestion, "PNG image (*.png)"
        )
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        image = self.view_tabs.current_view().grab()  # the view shown
        buffer = QtCore.QBuffer()
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        try:
            write_bytes_atomically(path, bytes(buffer.data().data()))
        except OSError as error:
            self._warn("Cannot export plots", f"{path}: {error.strerror or error}")
            return
        self.statusBar().showMessage(f"Saved the plots to {path}", 5000)

    def _folder(self) -> str:
        return str(Path(self.path).parent) if self.path else str(Path.home())

    def _add_recent(self, path: str) -> None:
        settings = app_settings()
        recent = [p for p in _string_list(settings.value("recentFiles")) if p != path]
        settings.setValue("recentFiles", [path, *recent][:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = _string_list(app_settings().value("recentFiles"))
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, path=path: self._open_recent(path))
        self.recent_menu.setEnabled(bool(recent))

    def _open_recent(self, path: str) -> None:
        self.runner.stop()
        if self._confirm_discard():
            self.open_path(path)

    # -- help ---------------------------------------------------------------------------------
    def show_guide(self) -> None:
        help_texts.show_text(self, "Guide to backpropagation", help_texts.GUIDE_HTML)

    def show_shortcuts(self) -> None:
        help_texts.show_text(self, "Keyboard shortcuts", help_texts.SHORTCUTS_HTML)

    def show_about(self) -> None:
        QtWidgets.QMessageBox.about(self, "About Backprop Lab", help_texts.ABOUT_HTML)

    # -- state, title, closing ----------------------------------------------------------------
    def _mark_saved(self) -> None:
        self.lab.undo_stack.setClean()
        self._history_unsaved = False
        self._update_title()

    @property
    def _dirty(self) -> bool:
        return not self.lab.undo_stack.isClean() or self._history_unsaved

    @property
    def has_unsaved_changes(self) -> bool:
        return self._dirty

    def _update_title(self) -> None:
        name = Path(self.path).name if self.path else (self.lab.title or "Untitled")
        self.setWindowTitle(f"{name}{' *' if self._dirty else ''} — Backprop Lab")

    def _warn(self, title: str, text: str) -> None:
        self.statusBar().showMessage(text, 10000)
        QtWidgets.QMessageBox.warning(self, title, text)

    def _confirm_discard(self) -> bool:
        """True if there is nothing unsaved, or the student saved or chose to discard it."""
        if not self._dirty:
            return True
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self,
            "Unsaved changes",
            "The session has unsaved changes. Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return self.save_session()
        return answer == buttons.Discard

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.runner.stop()
        if not self._confirm_discard():
            event.ignore()
            return
        settings = app_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("windowState", self.saveState())
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("logScale", self.plots_panel.log_check.isChecked())
        self.autosave.finish()
        event.accept()

    def _restore_settings(self) -> None:
        settings = app_settings()
        geometry = settings.value("geometry")
        if isinstance(geometry, QtCore.QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("windowState")
        if isinstance(state, QtCore.QByteArray):
            self.restoreState(state)
        splitter = settings.value("splitter")
        if isinstance(splitter, QtCore.QByteArray):
            self.splitter.restoreState(splitter)
        self.plots_panel.log_check.setChecked(settings.value("logScale", False) in (True, "true"))


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
