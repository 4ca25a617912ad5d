"""Long file writes — Export history, Save of a large session — in a worker thread, with a
progress dialog whose Cancel stops them.

The caller copies what it writes first (the history may grow meanwhile), then calls
`run_with_progress`, which returns when the write is done. Meanwhile the window's event
loop runs: it repaints, a Run goes on, and the dialog (shown only if the write takes more
than a moment) shows how far it is. Cancel makes the writer stop at its next block
(model/files.py, `Progress`): the temporary file is removed and an existing file is left
as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6 import QtCore, QtWidgets

from model.files import Progress, WriteCancelledError

if TYPE_CHECKING:
    import concurrent.futures

T = TypeVar("T")
SHOW_AFTER_MS = 300  # a write that is done sooner shows no dialog
POLL_MS = 20
STEPS = 1000  # the dialog's range

_pool: concurrent.futures.ThreadPoolExecutor | None = None  # made by the first write
_running: list[Progress] = []


def _writer() -> concurrent.futures.ThreadPoolExecutor:
    """The thread that writes files (made when first needed, not with the window)."""
    global _pool  # noqa: PLW0603
    if _pool is None:
        import concurrent.futures  # noqa: PLC0415  (~2 ms of imports at start-up)

        _pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="file-write"
        )
    return _pool


def cancel_all() -> None:
    """Cancel every write in progress (the program is about to end)."""
    for progress in list(_running):
        progress.cancel()


def busy() -> bool:
    return bool(_running)


def run_with_progress(parent: QtWidgets.QWidget, label: str, work: Callable[[Progress], T]) -> T:
    """Run `work(progress)` in the worker thread while the event loop goes on; returns
    its result or raises what it raised (WriteCancelledError after Cancel)."""
    progress = Progress()
    dialog = QtWidgets.QProgressDialog(label, "Cancel", 0, STEPS, parent)
    dialog.setObjectName("fileProgressDialog")
    dialog.setWindowTitle("Backprop Lab")
    dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(2**31 - 1)  # shown by the timer below, not by setValue
    dialog.canceled.connect(progress.cancel)
    _running.append(progress)
    future = _writer().submit(work, progress)
    loop = QtCore.QEventLoop()
    poll = QtCore.QTimer()
    poll.setInterval(POLL_MS)

    def check() -> None:
        if future.done():
            loop.quit()
        elif dialog.isVisible():
            dialog.setValue(int(progress.fraction * (STEPS - 1)))

    poll.timeout.connect(check)
    show = QtCore.QTimer()
    show.setSingleShot(True)
    show.timeout.connect(lambda: None if future.done() else dialog.show())
    poll.start()
    show.start(SHOW_AFTER_MS)
    try:
        if not future.done():
            loop.exec()
        if not future.done():  # the application is quitting (every event loop ends)
            progress.cancel()
        future.exception()  # waits until the work has ended, whatever it raised
    finally:
        poll.stop()
        show.stop()
        _running.remove(progress)
        dialog.canceled.disconnect(progress.cancel)
        dialog.close()
        dialog.deleteLater()
    return future.result()


__all__ = ["WriteCancelledError", "busy", "cancel_all", "run_with_progress"]
