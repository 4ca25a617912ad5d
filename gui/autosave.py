"""Autosave while the session changes, and the offer to restore it after a crash.

The files and their format are model/recovery.py's. Here: when to save (a few seconds after
a change, at most that often, also during a Run), writing in a worker thread so the window
never waits for the disk, and the question at the next start.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from gui import signals
from gui.document import Document
from model.files import sweep_folder
from model.recovery import (
    AutosaveFile,
    AutosaveTooLargeError,
    Recovered,
    left_behind,
    read_autosave,
    set_aside,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

AUTOSAVE_SECONDS = 3.0
CATCH_UP_MS = 100  # between the saves of a backlog of rows (model/recovery.py)
_serial = itertools.count(1)


def autosave_folder() -> Path:
    """Per-user data folder ($XDG_DATA_HOME/BackpropLab/Backprop Lab on Linux)."""
    location = QtCore.QStandardPaths.StandardLocation.AppDataLocation
    return Path(QtCore.QStandardPaths.writableLocation(location)) / "autosave"


class Autosave(QtCore.QObject):
    """Saves the document's session `interval_ms` after it changes (so at most that often),
    with the file it belongs to and whether it has unsaved changes.

    Signals
    -------
    failed(str) : an autosave could not be written (said once until one works again)
    """

    failed = QtCore.Signal(str)

    def __init__(
        self,
        document: Document,
        folder: Path | None = None,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.lab = lab = document.lab
        self.folder = folder or autosave_folder()
        self.file = AutosaveFile(self.folder, f"{os.getpid()}-{next(_serial)}")
        self.interval_ms = int(AUTOSAVE_SECONDS * 1000)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.save_now)
        # Notices when the worker thread is done, to report a failure (no Qt in threads).
        self._done_check = QtCore.QTimer(self)
        self._done_check.setInterval(100)
        self._done_check.timeout.connect(self._check_done)
        self._pool: ThreadPoolExecutor | None = None  # made by the first save
        self._pending: Future[None] | None = None
        self._last_failure = ""
        self.saves = 0  # completed autosaves (the status bar shows none)
        for signal in (
            lab.historyChanged,
            lab.positionChanged,
            lab.configChanged,
            lab.structureChanged,
            lab.undo_stack.indexChanged,
            lab.undo_stack.cleanChanged,
        ):
            signal.connect(self._changed)

    def _changed(self) -> None:
        if not self._timer.isActive():
            self._timer.start(self.interval_ms)

    def save_now(self) -> None:
        """Start a save (in the worker thread), unless the previous one is still writing."""
        if not self._collect():
            self._timer.start(CATCH_UP_MS)  # try again once it has finished
            return
        document = self.document
        try:
            job = self.file.prepare(
                self.lab.trainer, self.lab.title, document.path, document.has_unsaved_changes
            )
        except AutosaveTooLargeError as error:  # the last good autosave stays
            self._report(str(error))
            return
        if self._pool is None:
            # Imported here, at the first save (seconds after the window opened): ~2 ms
            # of imports that the window's first paint does not need.
            from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending = self._pool.submit(job.run)
        self._done_check.start()
        if self.file.behind(self.lab.trainer):  # a fast Run: catch up in small saves
            self._timer.start(CATCH_UP_MS)

    def _check_done(self) -> None:
        if self._collect():
            self._done_check.stop()

    def wait(self) -> None:
        """Let a save in progress finish (before quitting or in tests)."""
        if self._pending is not None:
            self._pending.exception()
        self._collect()

    def _collect(self) -> bool:
        """Look at the last save: False while it is still running."""
        future = self._pending
        if future is None:
            return True
        if not future.done():
            return False
        self._pending = None
        error = future.exception()
        if error is None:
            self.saves += 1
            self._last_failure = ""
            return True
        self.file.forget()  # the next save rewrites everything
        if isinstance(error, AutosaveTooLargeError):
            self._report(str(error))
            return True
        self._report(
            f"Autosave failed ({getattr(error, 'strerror', None) or error}): "
            f"{self.folder}. Save your work with File → Save."
        )
        return True

    def _report(self, text: str) -> None:
        if text != self._last_failure:  # once, not every few seconds
            self._last_failure = text
            self.failed.emit(text)

    def flush(self) -> None:
        """Save everything now and wait until it is on disk (the program is about to end
        without asking: the autosave is what keeps the work)."""
        self._timer.stop()
        self.wait()
        while True:
            self.save_now()
            self.wait()
            if self._pending is None and not self.file.behind(self.lab.trainer):
                break
        self._timer.stop()
        self._done_check.stop()

    def finish(self) -> None:
        """The window closed properly: nothing to restore next time."""
        self._timer.stop()
        self._done_check.stop()
        self.wait()
        self.file.remove()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def offer_recovery(document: Document, folder: Path | None = None) -> bool:
    """After a crash: ask, for each session left behind, whether to restore it. True if
    one was restored into `document`. A damaged autosave — whatever the damage — is set
    aside (model/recovery.py, `set_aside`) and reported once; the others are still
    offered."""
    folder = folder or autosave_folder()
    if not folder.is_dir():
        return False
    sweep_folder(folder)  # temporaries of autosaves interrupted by a crash
    damaged: list[str] = []
    restored = False
    for path in left_behind(folder):
        if signals.quitting():
            break
        try:
            recovered = read_autosave(path)
        except Exception as error:  # whatever it is, nothing found here may stop the start
            damaged.append(f"{path.name}: {str(error) or type(error).__name__}")
            set_aside(path)
            continue
        if recovered is None:
            continue
        if _ask(document.dialog_parent, recovered):
            document.restore(recovered.session, recovered.source)
            recovered.discard()
            restored = True
            break
        if signals.quitting():  # the question ended because the program is ending
            break
        recovered.discard()
    if damaged:
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        document.report(
            f"An autosave could not be restored: {damaged[0]}{more}. "
            f"It was moved to {folder / 'damaged'}.",
            30000,
        )
    return restored


def _ask(parent: QtWidgets.QWidget, recovered: Recovered) -> bool:
    buttons = QtWidgets.QMessageBox.StandardButton
    steps = len(recovered.session.history or ()) - 1
    name = Path(recovered.source).name if recovered.source else "an unsaved session"
    answer = QtWidgets.QMessageBox.question(
        parent,
        "Restore session?",
        f"Backprop Lab did not close properly last time. Restore {name} as autosaved "
        f"{_when(recovered.saved_at)} ({steps:,} steps)?\n\n"
        "If you choose No, the autosave is deleted.",
        buttons.Yes | buttons.No,
        buttons.Yes,
    )
    return answer == buttons.Yes


def _when(saved_at: float) -> str:
    """ "at 14:05 on 07 Dec", or "at an unknown time" for a time the clock cannot show."""
    if not saved_at:
        return "at an unknown time"
    try:
        return time.strftime("at %H:%M on %d %b", time.localtime(saved_at))
    except (OverflowError, OSError, ValueError):
        return "at an unknown time"
