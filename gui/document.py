"""The session as a file: where it lives, whether it has unsaved changes, open, save, export
and the recent files.

Unsaved = the Lab's undo stack is not at its saved index (every edit, step and setting is a
command), or a save had to leave the history out. The Document knows no window: it asks its
questions over `dialog_parent`, says what happened with `message`, and is given how to stop
a run and how to take a picture of the view shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gui import file_dialogs
from gui.lab import Lab
from gui.settings import app_settings
from model.history import write_bytes_atomically
from model.session import Session, SessionError, load_example, load_session, save_session

MAX_RECENT = 8
RECENT_KEY = "recentFiles"
APPLICATION_TITLE = "Backprop Lab"


class Document(QtCore.QObject):
    """The Lab's session as a document on disk.

    Signals
    -------
    titleChanged(str) : the window title (file name, unsaved mark " *", application)
    pathChanged(str) : the file now opened or saved to ("" for none)
    recentChanged(list) : the recent files, newest first
    message(str, int) : something for the status bar, and for how many ms
    """

    titleChanged = QtCore.Signal(str)
    pathChanged = QtCore.Signal(str)
    recentChanged = QtCore.Signal(list)
    message = QtCore.Signal(str, int)

    def __init__(
        self,
        lab: Lab,
        dialog_parent: QtWidgets.QWidget,
        stop_run: Callable[[], None],
        grab_view: Callable[[], QtGui.QPixmap],
        path: str | None = None,
    ) -> None:
        super().__init__(dialog_parent)
        self.lab = lab
        self.dialog_parent = dialog_parent
        self._stop_run = stop_run
        self._grab_view = grab_view
        self._path = path
        self._history_unsaved = False
        # The stack's clean state, as its signal last said: the stack says when that changes
        # (also while it is being destroyed, when it can no longer be asked).
        self._clean = lab.undo_stack.isClean()
        self._title = ""
        lab.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.mark_saved()

    # -- state ---------------------------------------------------------------------------
    @property
    def path(self) -> str | None:
        return self._path

    def _set_path(self, path: str | None) -> None:
        if path != self._path:
            self._path = path
            self.pathChanged.emit(path or "")

    @property
    def has_unsaved_changes(self) -> bool:
        return not self._clean or self._history_unsaved

    @property
    def title(self) -> str:
        name = Path(self._path).name if self._path else (self.lab.title or "Untitled")
        mark = " *" if self.has_unsaved_changes else ""
        return f"{name}{mark} — {APPLICATION_TITLE}"

    def mark_saved(self) -> None:
        self.lab.undo_stack.setClean()
        self._history_unsaved = False
        self._update_title()

    def _on_clean_changed(self, clean: bool) -> None:
        self._clean = clean
        self._update_title()

    def _update_title(self) -> None:
        title = self.title
        if title != self._title:
            self._title = title
            self.titleChanged.emit(title)

    def folder(self) -> str:
        """Where the file dialogs start: the session's folder, else the home folder."""
        return str(Path(self._path).parent) if self._path else str(Path.home())

    # -- opening -------------------------------------------------------------------------
    def open_example(self, name: str) -> None:
        self._stop_run()
        if self.confirm_discard():
            self.load(load_example(name), None)

    def open(self) -> None:
        """Ask about unsaved changes, then which file to open."""
        self._stop_run()
        if not self.confirm_discard():
            return
        path = file_dialogs.session_to_open(self.dialog_parent, self.folder())
        if path:
            self.open_path(path)

    def open_recent(self, path: str) -> None:
        self._stop_run()
        if self.confirm_discard():
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open a session file; on a bad file, say why and keep the current session."""
        try:
            session = load_session(path)
        except (SessionError, OSError) as error:
            self._warn("Cannot open session", f"{Path(path).name}: {error}")
            return False
        self._stop_run()
        self.load(session, path)
        self._add_recent(path)
        return True

    def load(self, session: Session, path: str | None = None) -> None:
        """Show `session` (without asking about unsaved changes: callers do that)."""
        self.lab.load(session)
        self._set_path(path)
        self.mark_saved()

    def restore(self, session: Session, source: str | None) -> None:
        """Show a session restored after a crash: unsaved, and saved back to `source`."""
        self._stop_run()
        self.lab.load(session)
        self._set_path(source)
        self._history_unsaved = True
        self._update_title()
        self.report("Restored the autosaved session: save it to keep it.")

    # -- saving --------------------------------------------------------------------------
    def save(self) -> bool:
        """True if everything is saved (to the session's file, or one asked for)."""
        if self._path is None:
            return self.save_as()
        return self._save_to(self._path)

    def save_as(self) -> bool:
        suggestion = self._path or str(Path(self.folder()) / "session.json")
        path = file_dialogs.session_to_save(self.dialog_parent, suggestion)
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
        self._set_path(path)
        self._add_recent(path)
        self.mark_saved()
        if not with_history:
            self._keep_history_unsaved(path)
            return False  # not all saved: closing after this must not go ahead
        self.report(f"Saved {path}", 5000)
        return True

    def _keep_history_unsaved(self, path: str) -> None:
        """The file holds the current state; the history stays unsaved, so say so and keep
        the unsaved mark rather than let a close lose it silently."""
        self._history_unsaved = True
        self._warn(
            "History not saved",
            f"Saved the current state to {path}, but its "
            f"{len(self.lab.trainer.history):,} history rows would make the file "
            "too large to open again. Export them with File → Export history.",
        )
        self._update_title()

    def confirm_discard(self) -> bool:
        """True if there is nothing unsaved, or the student saved or chose to discard it."""
        if not self.has_unsaved_changes:
            return True
        answer = file_dialogs.unsaved_changes(self.dialog_parent)
        if answer is file_dialogs.Answer.SAVE:
            return self.save()
        return answer is file_dialogs.Answer.DISCARD

    # -- exporting -----------------------------------------------------------------------
    def export_history(self) -> None:
        path = file_dialogs.history_to_export(self.dialog_parent, self.folder())
        if not path:
            return
        try:
            self.lab.trainer.history.export(path)
        except OSError as error:
            self._warn("Cannot export history", f"{path}: {error.strerror or error}")
            return
        except ValueError as error:  # JSON cannot hold NaN/inf: nothing was written
            self._warn("Cannot export history", f"{path}: {error}")
            return
        self.report(f"Exported {len(self.lab.trainer.history)} rows to {path}", 5000)

    def export_plots(self) -> None:
        """The view shown, as a PNG image."""
        path = file_dialogs.plots_to_export(self.dialog_parent, self.folder())
        if not path:
            return
        try:
            write_bytes_atomically(path, _png_bytes(self._grab_view()))
        except OSError as error:
            self._warn("Cannot export plots", f"{path}: {error.strerror or error}")
            return
        self.report(f"Saved the plots to {path}", 5000)

    # -- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return _string_list(app_settings().value(RECENT_KEY))

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        app_settings().setValue(RECENT_KEY, [path, *recent][:MAX_RECENT])
        self.recentChanged.emit(self.recent_files())

    def report(self, text: str, milliseconds: int = 10000) -> None:
        """Say `text` in the status bar (through `message`)."""
        self.message.emit(text, milliseconds)

    def _warn(self, title: str, text: str) -> None:
        self.report(text)
        file_dialogs.warn(self.dialog_parent, title, text)


def _png_bytes(image: QtGui.QPixmap) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
