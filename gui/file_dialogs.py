"""The questions the File menu asks: which file to open, save or export to, and what to do
with unsaved changes. Each returns the answer; none changes anything itself.

The standard static dialogs (QFileDialog.getOpenFileName / getSaveFileName, QMessageBox
.question / .warning) are looked up at each call, so a test can stand in for them.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

from PySide6 import QtWidgets

SESSIONS = "Backprop Lab sessions (*.json *.bplab)"
JSON_SESSION = "Backprop Lab session (*.json)"
ARCHIVE_SESSION = "Backprop Lab session of any size, one zip file (*.bplab)"


class Answer(enum.Enum):
    """What to do with unsaved changes before they would be lost."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def session_to_open(parent: QtWidgets.QWidget, folder: str) -> str:
    """The session file to open ("" if cancelled)."""
    path, _ = QtWidgets.QFileDialog.getOpenFileName(
        parent, "Open session", folder, f"{SESSIONS};;All files (*)"
    )
    return path


def session_to_save(parent: QtWidgets.QWidget, suggestion: str) -> str:
    """The file to save the session to ("" if cancelled): .json (plain, for sessions up
    to 20 MB) or .bplab (any size); without a suffix, the chosen filter's is added."""
    chosen_filter = ARCHIVE_SESSION if suggestion.lower().endswith(".bplab") else JSON_SESSION
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Save session", suggestion, f"{JSON_SESSION};;{ARCHIVE_SESSION}", chosen_filter
    )
    if path and not Path(path).suffix:
        path += ".bplab" if "bplab" in chosen.lower() else ".json"
    return path


def save_as_archive(parent: QtWidgets.QWidget, reason: str, archive: str) -> bool:
    """Whether to save a session too large for .json as `archive` (.bplab) instead."""
    buttons = QtWidgets.QMessageBox.StandardButton
    replacing = (
        f" (it replaces the existing {Path(archive).name})" if Path(archive).exists() else ""
    )
    answer = QtWidgets.QMessageBox.question(
        parent,
        "Session too large for .json",
        f"The session cannot be saved as .json: {reason}.\n\n"
        f"Save it as {archive}{replacing} instead?",
        buttons.Save | buttons.Cancel,
        buttons.Save,
    )
    return answer in (buttons.Save, buttons.Yes)


def history_to_export(parent: QtWidgets.QWidget, folder: str) -> str:
    """The CSV or JSON file for the history ("" if cancelled); without a suffix, the one
    of the chosen filter is added."""
    suggestion = os.path.join(folder, "history.csv")
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export history", suggestion, "CSV (*.csv);;JSON (*.json)"
    )
    if path and not Path(path).suffix:
        path += ".json" if "json" in chosen.lower() else ".csv"
    return path


def plots_to_export(parent: QtWidgets.QWidget, folder: str) -> str:
    """The PNG file for the view shown ("" if cancelled), always ending in .png."""
    suggestion = os.path.join(folder, "plots.png")
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export plots", suggestion, "PNG image (*.png)"
    )
    if path and not path.lower().endswith(".png"):
        path += ".png"
    return path


def warn(parent: QtWidgets.QWidget, title: str, text: str) -> None:
    QtWidgets.QMessageBox.warning(parent, title, text)


def unsaved_changes(parent: QtWidgets.QWidget) -> Answer:
    """Ask whether to save the unsaved changes first (Save is the default)."""
    buttons = QtWidgets.QMessageBox.StandardButton
    answer = QtWidgets.QMessageBox.question(
        parent,
        "Unsaved changes",
        "The session has unsaved changes. Save them first?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Save,
    )
    if answer == buttons.Save:
        return Answer.SAVE
    if answer == buttons.Discard:
        return Answer.DISCARD
    return Answer.CANCEL
