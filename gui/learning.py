"""Learning by doing, and what a teacher takes home: the quiz and the teaching files.

`install_learning` adds to the window the quiz (its panel in a dock beside the
explanation, Run → Quiz, a Quiz button beside Reset) and the File menu's actions:
Export step as handout…, Exercise sheets…, Export history with gradients…, Export as
Python script (numpy / PyTorch)…. The menus (gui/menus.py) place them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gui import file_dialogs
from gui.controls import TransportBar
from gui.document import Document
from gui.file_jobs import run_with_progress
from gui.lab import Lab
from gui.menus import make_action
from gui.panels import ExplanationPanel
from gui.quiz_panel import QuizPanel
from model.files import Progress, WriteCancelledError, write_atomically, write_chunks
from model.network import check_differentiable

# (label, file name); model.script_export writes them
SCRIPTS = {
    "numpy": ("numpy", "backprop_numpy.py"),
    "torch": ("PyTorch", "backprop_torch.py"),
}


class TeachingFiles(QtCore.QObject):
    """What the File menu's teaching actions write, asking over `document`'s window."""

    def __init__(self, lab: Lab, document: Document, stop_run: Callable[[], None]) -> None:
        super().__init__(document)
        self.lab = lab
        self.document = document
        self._stop_run = stop_run

    @property
    def parent_widget(self) -> QtWidgets.QWidget:
        return self.document.dialog_parent

    def export_handout(self) -> QtWidgets.QDialog | None:
        """File → Export step as handout…: the dialog (steps, format, file)."""
        self._stop_run()
        if self.lab.last_step == 0:
            self.document.report("No step to put on a handout yet: press Step (→) first.")
            return None
        # Imported when first used: the handout brings the Network view's drawing (~50 ms
        # of imports) that the window's first paint does not need.
        from gui.teaching_dialogs import HandoutDialog, open_dialog  # noqa: PLC0415

        dialog = HandoutDialog(
            self.lab.trainer,
            self.lab.title,
            self.document.folder(),
            self.document.report,
            self.parent_widget,
            [self.document.path],
        )
        return open_dialog(dialog)

    def exercise_sheets(self) -> QtWidgets.QDialog:
        """File → Exercise sheets…: the dialog (how many, seed, folder)."""
        self._stop_run()
        # Imported when first used (as the handout's dialog, above).
        from gui.teaching_dialogs import ExerciseSheetsDialog, open_dialog  # noqa: PLC0415

        dialog = ExerciseSheetsDialog(
            self.lab.trainer,
            self.document.folder(),
            self.document.report,
            self.parent_widget,
            [self.document.path],
        )
        return open_dialog(dialog)

    def export_history_with_gradients(self) -> None:
        """The history with a grad.{name} column per parameter: the gradient of the
        dataset error at every recorded state (docs/file-formats.md, "Columns")."""
        self._stop_run()
        trainer = self.lab.trainer
        try:
            check_differentiable(trainer.network.activations)
        except ValueError as error:
            self._warn("Cannot export gradients", str(error))
            return
        path = _save_name(
            self.parent_widget,
            "Export history with gradients",
            str(Path(self.document.folder()) / "history-gradients.csv"),
            "CSV (*.csv);;JSON (*.json)",
        )
        if not path:
            return
        # Imported when first used, not with the window.
        from model.gradients_export import export_with_gradients  # noqa: PLC0415

        # A Trainer of its own (the window may change this one meanwhile), whose rows and
        # their gradients are written a block at a time, never held whole.
        detached = trainer.detached()
        n_rows = len(detached.history)

        def work(progress: Progress) -> None:
            export_with_gradients(detached, path, progress=progress, keep=[self.document.path])

        try:
            run_with_progress(
                self.parent_widget, f"Exporting {n_rows:,} rows with gradients…", work
            )
        except WriteCancelledError:
            self.document.report(f"Export cancelled: nothing was written to {path}.")
            return
        except (OSError, ValueError) as error:
            self._warn("Cannot export history", _problem(path, error))
            return
        self.document.report(f"Exported {n_rows} rows with their gradients to {path}", 5000)

    def export_script(self, flavour: str) -> None:
        """The run as code: a script that builds this network and trains the same steps."""
        label, name = SCRIPTS[flavour]
        path = _save_name(
            self.parent_widget,
            f"Export as Python script ({label})",
            str(Path(self.document.folder()) / name),
            "Python script (*.py)",
        )
        if not path:
            return
        if not Path(path).suffix:
            path += ".py"
        # Imported when first used, not with the window.
        from model.script_export import numpy_script, torch_script  # noqa: PLC0415

        make = numpy_script if flavour == "numpy" else torch_script
        text = make(self.lab.trainer)
        try:
            write_atomically(path, write_chunks([text.encode("utf-8")]), keep=[self.document.path])
        except OSError as error:
            self._warn("Cannot export the script", _problem(path, error))
            return
        self.document.report(f"Wrote {path}: python {Path(path).name} trains the same steps", 8000)

    def _warn(self, title: str, text: str) -> None:
        self.document.report(text)
        file_dialogs.warn(self.parent_widget, title, text)


def _save_name(parent: QtWidgets.QWidget, title: str, suggestion: str, filters: str) -> str:
    """The file to write ("" if cancelled); without a suffix, the chosen filter's."""
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(parent, title, suggestion, filters)
    if path and not Path(path).suffix and "json" in chosen.lower():
        path += ".json"
    elif path and not Path(path).suffix and "csv" in chosen.lower():
        path += ".csv"
    return path


def _problem(path: str, error: Exception) -> str:
    if isinstance(error, OSError):
        return f"{path}: {error.strerror or error}"
    return f"{path}: {error}"


def make_quiz_dock(window: QtWidgets.QMainWindow, panel: QuizPanel) -> QtWidgets.QDockWidget:
    """The panel in a dock at the window's right, beside the explanation, shown while the
    quiz is on (Run → Quiz turns it off; the dock has no close button of its own)."""
    dock = QtWidgets.QDockWidget("Quiz: predict, then reveal", window)
    dock.setObjectName("quizDock")
    dock.setWidget(panel)
    dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
    dock.setMinimumWidth(280)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.setVisible(panel.on)
    panel.onChanged.connect(dock.setVisible)
    return dock


@dataclass
class Learning:
    """What `install_learning` added to the window."""

    quiz: QuizPanel
    quiz_dock: QtWidgets.QDockWidget
    quiz_action: QtGui.QAction
    quiz_button: QtWidgets.QToolButton
    files: TeachingFiles
    file_actions: list[QtGui.QAction]

    def sync(self) -> None:
        """The dock shown exactly while the quiz is on (after the window's saved layout
        was restored)."""
        self.quiz_dock.setVisible(self.quiz.on)
        self.quiz_action.setChecked(self.quiz.on)


def install_learning(
    window: QtWidgets.QMainWindow,
    lab: Lab,
    document: Document,
    explanation: ExplanationPanel,
    transport: TransportBar,
    stop_run: Callable[[], None],
) -> Learning:
    quiz = QuizPanel(lab, explanation)
    dock = make_quiz_dock(window, quiz)
    action = QtGui.QAction("&Quiz: predict, then reveal", window)
    action.setObjectName("quizAction")
    action.setCheckable(True)
    action.setIconText("Quiz")  # the button beside Reset
    action.setToolTip("Step first asks you the numbers of the step, then shows them")
    action.setChecked(quiz.on)
    action.toggled.connect(quiz.set_on)
    quiz.onChanged.connect(action.setChecked)
    # The Network view shows the state's forward pass: the quiz's answers (it hides them).
    quiz.onChanged.connect(lambda _on: _refresh_diagrams(window))
    button = QtWidgets.QToolButton()
    button.setObjectName("quizButton")
    button.setDefaultAction(action)
    button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
    bar = transport.layout()
    if isinstance(bar, QtWidgets.QBoxLayout):
        bar.insertWidget(bar.indexOf(transport.reset_button) + 1, button)
    files = TeachingFiles(lab, document, stop_run)
    file_actions = [
        make_action(
            window,
            "Export step as &handout (HTML, PDF)…",
            files.export_handout,
            None,
            "exportHandoutAction",
        ),
        make_action(
            window,
            "Export history with &gradients…",
            files.export_history_with_gradients,
            None,
            "exportHistoryGradientsAction",
        ),
        make_action(
            window,
            "Export as Python script (&numpy)…",
            lambda: files.export_script("numpy"),
            None,
            "exportNumpyScriptAction",
        ),
        make_action(
            window,
            "Export as Python script (Py&Torch)…",
            lambda: files.export_script("torch"),
            None,
            "exportTorchScriptAction",
        ),
        make_action(
            window, "E&xercise sheets…", files.exercise_sheets, None, "exerciseSheetsAction"
        ),
    ]
    return Learning(quiz, dock, action, button, files, file_actions)


def _refresh_diagrams(window: QtWidgets.QMainWindow) -> None:
    # By name: the Network view is built when first shown, and importing it here would
    # slow the window's start.
    for diagram in window.findChildren(QtWidgets.QWidget, "networkDiagram"):
        diagram.refresh()  # type: ignore[attr-defined]
