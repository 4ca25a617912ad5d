"""The window's actions and its menu bar: texts, shortcuts and object names in one place.

Every action with a shortcut is also added to the window itself, so the shortcut works even
when the menu bar is hidden.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets

from gui import help as help_texts
from gui.controls import TransportBar
from gui.document import Document
from gui.lab import Lab
from gui.runner import RunLoop
from model.session import EXAMPLES

Key = QtCore.Qt.Key
Std = QtGui.QKeySequence.StandardKey
Slot = Callable[..., object]


@dataclass(frozen=True)
class Actions:
    """The actions of the File, Edit, Network, Run and Help menus."""

    open: QtGui.QAction
    save: QtGui.QAction
    save_as: QtGui.QAction
    export_history: QtGui.QAction
    export_plots: QtGui.QAction
    quit: QtGui.QAction
    undo: QtGui.QAction
    redo: QtGui.QAction
    step: QtGui.QAction
    back: QtGui.QAction
    run: QtGui.QAction
    reset: QtGui.QAction
    setup: QtGui.QAction
    guide: QtGui.QAction
    shortcuts: QtGui.QAction
    about: QtGui.QAction


def make_action(
    window: QtWidgets.QWidget,
    text: str,
    slot: Slot,
    shortcut: QtGui.QKeySequence | Std | Key | str | None = None,
    name: str | None = None,
) -> QtGui.QAction:
    action = QtGui.QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QtGui.QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(slot)
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def make_actions(
    window: QtWidgets.QMainWindow,
    document: Document,
    lab: Lab,
    runner: RunLoop,
    transport: TransportBar,
    show_setup: Slot,
) -> Actions:
    undo, redo = _undo_actions(window, lab.undo_stack)
    step, back, run, reset = _run_actions(window, lab, runner, transport)
    return Actions(
        open=make_action(window, "&Open…", document.open, Std.Open, "openSessionAction"),
        save=make_action(window, "&Save", document.save, Std.Save, "saveSessionAction"),
        save_as=make_action(
            window, "Save &As…", document.save_as, Std.SaveAs, "saveSessionAsAction"
        ),
        export_history=make_action(
            window, "&Export history…", document.export_history, "Ctrl+E", "exportHistoryAction"
        ),
        export_plots=make_action(
            window,
            "Export &plots (PNG, PDF)…",
            document.export_plots,
            "Ctrl+Shift+E",
            "exportPlotsAction",
        ),
        quit=make_action(window, "&Quit", window.close, Std.Quit, "quitAction"),
        undo=undo,
        redo=redo,
        step=step,
        back=back,
        run=run,
        reset=reset,
        setup=make_action(
            window, "&Data and architecture…", show_setup, "Ctrl+Shift+A", "setupAction"
        ),
        **_help_actions(window),
    )


def _undo_actions(
    window: QtWidgets.QWidget, stack: QtGui.QUndoStack
) -> tuple[QtGui.QAction, QtGui.QAction]:
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcut(Std.Undo)
    undo.setObjectName("undoAction")
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence(Std.Redo)])
    redo.setObjectName("redoAction")
    window.addActions([undo, redo])
    return undo, redo


def _run_actions(
    window: QtWidgets.QWidget, lab: Lab, runner: RunLoop, transport: TransportBar
) -> tuple[QtGui.QAction, QtGui.QAction, QtGui.QAction, QtGui.QAction]:
    step = make_action(window, "&Step", lab.step, Key.Key_Right, "stepAction")
    back = make_action(window, "Step &back", lab.step_back, Key.Key_Left, "stepBackAction")
    run = make_action(
        window, "&Run / Pause", transport.run_button.toggle, Key.Key_Space, "runAction"
    )
    reset = make_action(window, "R&eset", transport.reset_button.click, "Ctrl+R", "resetAction")

    def enable_stepping(running: bool) -> None:
        step.setEnabled(not running)
        back.setEnabled(not running)

    runner.runningChanged.connect(enable_stepping)
    return step, back, run, reset


def _help_actions(window: QtWidgets.QWidget) -> dict[str, QtGui.QAction]:
    def text(title: str, html: str) -> Slot:
        return lambda: help_texts.show_text(window, title, html)

    def about() -> None:
        about_box(window).open()

    guide = text("Guide to backpropagation", help_texts.GUIDE_HTML)
    shortcuts = text("Keyboard shortcuts", help_texts.SHORTCUTS_HTML)
    return {
        "guide": make_action(window, "&Guide to backpropagation", guide, "F1", "guideAction"),
        "shortcuts": make_action(window, "&Keyboard shortcuts", shortcuts, None, "shortcutsAction"),
        "about": make_action(window, "&About Backprop Lab", about, None, "aboutAction"),
    }


def about_box(parent: QtWidgets.QWidget) -> QtWidgets.QMessageBox:
    """Help → About: what Backprop Lab is, its icon, and the versions a bug report needs."""
    # Imported when first used: importlib.metadata costs ~20 ms that the window's first
    # paint does not need.
    from backprop_lab import version  # noqa: PLC0415

    box = QtWidgets.QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About Backprop Lab")
    box.setTextFormat(QtCore.Qt.TextFormat.RichText)
    box.setText(
        help_texts.ABOUT_HTML
        + f"<p><b>Version {version()}</b><br>Python {platform.python_version()}, "
        f"Qt {QtCore.qVersion()}, PySide6 {PySide6.__version__}</p>"
    )
    # The window's icon is the application's (gui/app.py) unless it has one of its own.
    box.setIconPixmap(parent.windowIcon().pixmap(QtCore.QSize(64, 64), box.devicePixelRatio()))
    box.setStandardButtons(QtWidgets.QMessageBox.StandardButton.Ok)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


class RecentMenu(QtWidgets.QMenu):
    """File → Open recent: the document's recent files, newest first."""

    def __init__(self, document: Document, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("recentMenu")
        self._document = document
        document.recentChanged.connect(self.show_files)
        self.show_files(document.recent_files())

    def show_files(self, paths: list[str]) -> None:
        self.clear()
        for path in paths:
            action = self.addAction(path)
            action.triggered.connect(lambda _=False, path=path: self._document.open_recent(path))
        self.setEnabled(bool(paths))


def build_menu_bar(
    window: QtWidgets.QMainWindow,
    actions: Actions,
    document: Document,
    log_check: QtWidgets.QCheckBox,
    teaching: Sequence[QtGui.QAction] = (),
    quiz: QtGui.QAction | None = None,
    compare: Sequence[QtGui.QAction] = (),
) -> RecentMenu:
    """Fill the window's menu bar; the Open recent menu it made. `teaching`: the File
    menu's handout, script and exercise actions; `quiz`: Run → Quiz (gui/learning.py);
    `compare`: Run → Compare…, End comparison and File → Export compared runs…
    (gui/compare/install.py)."""
    bar = window.menuBar()
    recent = _file_menu(bar.addMenu("&File"), actions, document, [*compare[2:], *teaching])
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([actions.undo, actions.redo])
    bar.addMenu("&Network").addAction(actions.setup)
    run_menu = bar.addMenu("&Run")
    run_menu.addActions([actions.step, actions.back, actions.run, actions.reset])
    if compare:
        run_menu.addSeparator()
        run_menu.addActions(list(compare[:2]))
    if quiz is not None:
        run_menu.addSeparator()
        run_menu.addAction(quiz)
    view_menu = bar.addMenu("&View")
    view_menu.addAction(_toggle_action(window, "&Logarithmic error axis", log_check))
    bar.addMenu("&Help").addActions([actions.guide, actions.shortcuts, actions.about])
    return recent


def _file_menu(
    menu: QtWidgets.QMenu,
    actions: Actions,
    document: Document,
    teaching: Sequence[QtGui.QAction] = (),
) -> RecentMenu:
    examples = menu.addMenu("&New from example")
    for name, title in EXAMPLES.items():
        action = examples.addAction(title)
        action.setObjectName(f"example_{name}")
        action.triggered.connect(lambda _=False, name=name: document.open_example(name))
    menu.addAction(actions.open)
    recent = RecentMenu(document, menu)
    menu.addMenu(recent)
    menu.addActions([actions.save, actions.save_as])
    menu.addSeparator()
    menu.addActions([actions.export_history, actions.export_plots, *teaching])
    menu.addSeparator()
    menu.addAction(actions.quit)
    return recent


def _toggle_action(
    parent: QtWidgets.QWidget, text: str, check: QtWidgets.QCheckBox
) -> QtGui.QAction:
    """A checkable action that follows and drives `check`."""
    action = QtGui.QAction(text, parent)
    action.setCheckable(True)
    action.toggled.connect(check.setChecked)
    check.toggled.connect(action.setChecked)
    return action
