"""Ctrl+C, SIGTERM and SIGHUP close the window cleanly (docs/file-formats.md, "Command
line": "Signals").

Qt's event loop runs no Python code while it waits, so a Python signal handler would run
only at the next event. Instead the signal's number is written to a socket pair
(`signal.set_wakeup_fd`) that a QSocketNotifier watches: the loop wakes at once. Then,
asking nothing: a Run stops, a file write in progress is cancelled (its temporary removed,
an existing file untouched), the autosave is brought up to date and kept — it is offered
at the next start when it holds unsaved work — and the program ends with exit code 0.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from gui import file_jobs
from model.files import remove_temporaries

if TYPE_CHECKING:
    from gui.main_window import MainWindow

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_state = {"quitting": False}
_watchers: list[SignalWatcher] = []  # kept alive: their sockets carry the signals


def quitting() -> bool:
    """True once a signal asked the program to end (a question asked then must not be
    taken as the student's answer)."""
    return _state["quitting"]


class SignalWatcher(QtCore.QObject):
    """Turns the signals into `received(int)` in the GUI thread, through a socket pair."""

    received = QtCore.Signal(int)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in SIGNALS:
            signal.signal(signum, _noted)
        self._notifier = QtCore.QSocketNotifier(
            self._reader.fileno(), QtCore.QSocketNotifier.Type.Read, self
        )
        self._notifier.activated.connect(self._read)

    def _read(self) -> None:
        with contextlib.suppress(OSError):
            for signum in self._reader.recv(64):
                if signum in SIGNALS:
                    self.received.emit(signum)

    def close(self) -> None:
        """Give the signals back to Python's defaults."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum in SIGNALS:
            signal.signal(
                signum,
                signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL,
            )
        self._reader.close()
        self._writer.close()
        _state["quitting"] = False
        if self in _watchers:
            _watchers.remove(self)


def _noted(_signum: int, _frame: object) -> None:
    """The Python-level handler: nothing to do, the wakeup socket carries the number."""


def close_on_signals(app: QtWidgets.QApplication, window: MainWindow) -> SignalWatcher:
    """Make SIGINT, SIGTERM and SIGHUP close `window` without a question and end `app`."""
    watcher = SignalWatcher(app)

    def close(_signum: int) -> None:
        if _state["quitting"]:
            return
        _state["quitting"] = True
        file_jobs.cancel_all()
        try:
            window.runner.stop()
            if window.document.has_unsaved_changes:
                window.autosave.flush()  # kept: the next start offers it
            else:
                window.autosave.finish()  # nothing unsaved: nothing to offer
        finally:
            remove_temporaries()
            app.exit(0)

    watcher.received.connect(close)
    _watchers.append(watcher)
    return watcher
