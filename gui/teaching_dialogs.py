"""The dialogs of File → Export step as handout… and File → Exercise sheets….

Each asks its few questions (which steps, which format and file; how many exercises,
which seed, which folder), writes when its button is pressed, says a problem in the
dialog (which stays open) and what was written in the status bar (`report`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gui.exercise_sheets import write_exercise_sheets
from gui.handout import FORMATS, handout_format, write_handout
from model.handout import MAX_HANDOUT_STEPS
from model.state import Trainer

Report = Callable[[str, int], None]
ERROR_STYLE = "color: #B22222;"
HANDOUT_FILTERS = {"html": "Web page, images inside (*.html)", "pdf": "PDF document (*.pdf)"}


class _WriteDialog(QtWidgets.QDialog):
    """A form, a message line for problems, and Cancel / the button that writes."""

    def __init__(self, name: str, title: str, button: str, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(500)
        self.form = QtWidgets.QFormLayout()
        self.message = QtWidgets.QLabel()
        self.message.setObjectName(f"{name.removesuffix('Dialog')}Message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.write_button = buttons.addButton(
            button, QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.write_button.setObjectName(f"{name.removesuffix('Dialog')}WriteButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.write_button.setDefault(True)  # Enter writes (the button box chose Cancel)

    @staticmethod
    def spin(name: str, low: int, high: int, value: int) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    def path_row(self, name: str, text: str, browse: Callable[[], None]) -> QtWidgets.QLineEdit:
        edit = QtWidgets.QLineEdit(text)
        edit.setObjectName(name)
        button = QtWidgets.QPushButton("Browse…")
        button.clicked.connect(browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        self.form.addRow("File" if "Path" in name else "Folder", row)
        return edit


class HandoutDialog(_WriteDialog):
    """Steps a..b (the step shown, by default), HTML or PDF, the file."""

    def __init__(
        self,
        trainer: Trainer,
        title: str,
        folder: str,
        report: Report,
        parent: QtWidgets.QWidget,
        keep: Sequence[str | None] = (),
    ) -> None:
        super().__init__("handoutDialog", "Export step as handout", "Export", parent)
        self.trainer, self.title, self._report, self._keep = trainer, title, report, keep
        last, shown = trainer.last_step, max(trainer.position, 1)
        self.first = self.spin("handoutFromSpin", 1, max(last, 1), shown)
        self.last = self.spin("handoutToSpin", 1, max(last, 1), shown)
        steps = QtWidgets.QHBoxLayout()
        steps.addWidget(self.first)
        steps.addWidget(QtWidgets.QLabel("to"))
        steps.addWidget(self.last)
        steps.addStretch(1)
        self.form.addRow("Steps", steps)
        self.format = QtWidgets.QComboBox()
        self.format.setObjectName("handoutFormatCombo")
        for key, label in HANDOUT_FILTERS.items():
            self.format.addItem(label, key)
        self.form.addRow("Format", self.format)
        self.path = self.path_row(
            "handoutPathEdit", str(Path(folder) / "handout.html"), self.browse
        )
        self.format.currentIndexChanged.connect(self._on_format_chosen)
        self.form.addRow(
            "",
            QtWidgets.QLabel(
                f"The arithmetic of each step (at most {MAX_HANDOUT_STEPS}), the network "
                "before the first, the curves and the settings."
            ),
        )

    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    def _on_format_chosen(self) -> None:
        path = Path(self.path.text().strip() or "handout")
        self.path.setText(str(path.with_suffix(f".{self.fmt}")))

    def browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export step as handout", self.path.text(), HANDOUT_FILTERS[self.fmt]
        )
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        path = self.path.text().strip()
        if not path or Path(path).name in {"", ".", ".."}:
            self.message.setText("Give the name of the file to write.")
            return
        if Path(path).suffix.lower() not in FORMATS:
            path += f".{self.fmt}"
        first, last = self.first.value(), self.last.value()
        try:
            handout_format(path)
            write_handout(self.trainer, path, self.title, first, last, self._keep)
        except ValueError as error:
            self.message.setText(f"Nothing was written: {error}.")
            return
        except OSError as error:
            self.message.setText(f"Nothing was written: {path}: {error.strerror or error}.")
            return
        steps = f"step {first}" if first == last else f"steps {first} to {last}"
        self._report(f"Wrote the handout of {steps} to {path}", 8000)
        super().accept()


class ExerciseSheetsDialog(_WriteDialog):
    """How many exercises, the seed, the folder."""

    def __init__(
        self,
        trainer: Trainer,
        folder: str,
        report: Report,
        parent: QtWidgets.QWidget,
        keep: Sequence[str | None] = (),
    ) -> None:
        super().__init__("exerciseSheetsDialog", "Exercise sheets", "Write", parent)
        self.trainer, self._report, self._keep = trainer, report, keep
        self.count = self.spin("exerciseCountSpin", 1, 200, 5)
        self.seed = self.spin("exerciseSeedSpin", 0, 2**31 - 1, 1)
        self.seed.setToolTip("The same seed gives the same exercises")
        self.form.addRow("Exercises", self.count)
        self.form.addRow("Seed", self.seed)
        self.folder = self.path_row(
            "exerciseFolderEdit", str(Path(folder) / "exercises"), self.browse
        )
        self.form.addRow(
            "",
            QtWidgets.QLabel(
                "Variants of this network with new numbers: exercise-01.json …, the "
                "questions (exercises.pdf, .html) and the answers (answers.pdf, .html)."
            ),
        )

    def browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Exercise sheets: folder", self.folder.text()
        )
        if folder:
            self.folder.setText(folder)

    def accept(self) -> None:
        folder = self.folder.text().strip()
        if not folder:
            self.message.setText("Give the folder to write the sheets into.")
            return
        try:
            written = write_exercise_sheets(
                self.trainer, self.count.value(), self.seed.value(), folder, self._keep
            )
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            self.message.setText(f"Not everything was written: {folder}: {reason}.")
            return
        self._report(
            f"Wrote {self.count.value()} exercises with their questions and answers "
            f"({len(written)} files) in {os.fspath(folder)}",
            8000,
        )
        super().accept()


def open_dialog(dialog: QtWidgets.QDialog) -> QtWidgets.QDialog:
    """Window-modal; returns at once (the dialog writes when its button is pressed)."""
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
