"""The session as a file: where it lives, whether it has unsaved changes, open, save, export
and the recent files.

Unsaved = the Lab's undo stack is not at its saved index (every edit, step and setting is a
command), or the session was restored from an autosave. A save keeps everything: the whole
history and data, as .json or, when that would be too large, as .bplab (asked first). Long
writes run in a worker thread with a progress dialog that can cancel them
(gui/file_jobs.py); an export never replaces the session's own file, a pipe or a device.
The Document knows no window: it asks its questions over `dialog_parent`, says what
happened with `message`, and is given how to stop a run and how to find the view shown
(whose plots File → Export plots writes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from gui import file_dialogs
from gui.file_jobs import run_with_progress
from gui.lab import Lab
from gui.settings import app_settings, read_strings
from model.budget import MemoryBudget
from model.files import NotARegularFileError, Progress, SameFileError, WriteCancelledError
from model.history import export_table
from model.session import (
    ARCHIVE_SUFFIX,
    Session,
    SessionCopy,
    SessionError,
    SessionTooLargeError,
    copy_session,
    load_example,
    load_session,
    write_session,
)
from model.session.fitting import trainer_within
from model.state import Trainer

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
        grab_view: Callable[[], QtWidgets.QWidget],
        path: str | None = None,
    ) -> None:
        super().__init__(dialog_parent)
        self.lab = lab
        self.dialog_parent = dialog_parent
        self._stop_run = stop_run
        self._grab_view = grab_view
        self._path = path
        self._restored_unsaved = False  # restored from an autosave: not in any file yet
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
        return not self._clean or self._restored_unsaved

    @property
    def title(self) -> str:
        name = Path(self._path).name if self._path else (self.lab.title or "Untitled")
        mark = " *" if self.has_unsaved_changes else ""
        return f"{name}{mark} — {APPLICATION_TITLE}"

    def mark_saved(self) -> None:
        self.lab.undo_stack.setClean()
        self._restored_unsaved = False
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
        """Open a session file (read in the worker thread: a large .bplab takes a moment);
        on a bad file, say why and keep the current session. A history larger than the
        memory budget opens thinned to it, or is refused (model/session/fitting.py)."""
        budget = self.lab.trainer.budget
        try:
            session, cancelled = run_with_progress(
                self.dialog_parent,
                f"Opening {Path(path).name}…",
                lambda progress: (opened(path, budget), progress.cancelled),
            )
        except (SessionError, OSError) as error:
            self._warn("Cannot open session", f"{Path(path).name}: {error}")
            return False
        if cancelled:
            self.report("Open cancelled: still showing the session as it was.")
            return False
        self._stop_run()
        self.load(session[0], path, session[1])
        self._add_recent(path)
        return True

    def load(
        self, session: Session, path: str | None = None, trainer: Trainer | None = None
    ) -> None:
        """Show `session` (without asking about unsaved changes: callers do that);
        `trainer`: its Trainer, made already (within the memory budget)."""
        self.lab.load(session, trainer)
        self._set_path(path)
        self.mark_saved()

    def restore(self, session: Session, source: str | None) -> None:
        """Show a session restored after a crash: unsaved, and saved back to `source`."""
        self._stop_run()
        self.lab.load(session)
        self._set_path(source)
        self._restored_unsaved = True
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

    def _save_to(self, path: str, copy: SessionCopy | None = None) -> bool:
        """Write the whole session to `path`; True if it was. A session too large for
        .json is saved as .bplab beside it, if the student agrees."""
        self._stop_run()
        if copy is None:
            copy = copy_session(
                self.lab.trainer,
                title=self.lab.title,
                quiz=self.lab.quiz,
                comparison=self.lab.compared.plan(),
            )
        rows = f" ({copy.n_history_rows:,} history rows)" if copy.n_history_rows > 1 else ""
        try:
            run_with_progress(
                self.dialog_parent,
                f"Saving {Path(path).name}{rows}…",
                lambda progress: write_session(copy, path, progress),
            )
        except SessionTooLargeError as error:
            return self._offer_archive(path, str(error), copy)
        except WriteCancelledError:
            self.report(f"Save cancelled: {path} was left as it was.")
            return False
        except (OSError, ValueError) as error:  # ValueError: a state that is not finite
            self._warn("Cannot save session", _file_problem(path, error))
            return False
        self._set_path(path)
        self._add_recent(path)
        self.mark_saved()
        self.report(f"Saved {path}", 5000)
        return True

    def _offer_archive(self, path: str, reason: str, copy: SessionCopy) -> bool:
        archive = str(Path(path).with_suffix(ARCHIVE_SUFFIX))
        if archive == path or not file_dialogs.save_as_archive(self.dialog_parent, reason, archive):
            self.report(f"Not saved: the session is too large for {Path(path).name}.")
            return False
        return self._save_to(archive, copy)

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
        """The whole history as CSV or JSON, written in the background (the rows are
        copied first: a Run may go on meanwhile)."""
        path = file_dialogs.history_to_export(self.dialog_parent, self.folder())
        if not path:
            return
        history = self.lab.trainer.history
        if history.dense:
            columns, rows = history.columns, history.rows_view(len(history)).copy()

            def work(progress: Progress) -> None:
                export_table(path, columns, rows, progress, keep=[self._path])

        else:  # within the memory budget: the states not stored are replayed, in blocks
            source = self.lab.trainer.detached().history

            def work(progress: Progress) -> None:
                source.export(path, progress, keep=[self._path])

        n_rows = len(history)
        try:
            run_with_progress(
                self.dialog_parent, f"Exporting {n_rows:,} rows to {Path(path).name}…", work
            )
        except WriteCancelledError:
            self.report(f"Export cancelled: nothing was written to {path}.")
            return
        except (OSError, ValueError) as error:  # ValueError: JSON cannot hold NaN/inf
            self._warn("Cannot export history", _file_problem(path, error))
            return
        self.report(f"Exported {n_rows} rows to {path}", 5000)

    def export_plots(self) -> None:
        """Each plot of the view shown as a PNG or PDF file (gui/plot_export.py asks
        which, how large and where)."""
        # Imported when first used: pyqtgraph's exporters are not needed to open the window.
        from gui.plot_export import open_export_dialog  # noqa: PLC0415

        open_export_dialog(
            self.dialog_parent, self._grab_view(), self.folder(), self.report, [self._path]
        )

    # -- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return read_strings(app_settings(), RECENT_KEY)

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


def opened(path: str, budget: MemoryBudget | None) -> tuple[Session, Trainer]:
    """The session in `path` and its Trainer within `budget` (SessionError, OSError)."""
    session = load_session(path)
    return session, trainer_within(session, budget)


def _file_problem(path: str, error: Exception) -> str:
    """What went wrong with a write, in the student's words."""
    if isinstance(error, SameFileError):
        return (
            f"{path}: is the session's own file; writing the export there would replace "
            "the session. Choose another name."
        )
    if isinstance(error, NotARegularFileError):
        return f"{path}: is {error.kind}, not a file. Choose a file name."
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a folder, not a file."
    if isinstance(error, OSError):
        return f"{path}: {error.strerror or error}"
    return f"{path}: {error}"
