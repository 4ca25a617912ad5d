"""The window's status bar: one line, elided to fit, the whole message in its tooltip.

Qt's own status bar clips a long message mid-word ("…Use the lecture's de") and paints
whatever it is given, a pasted megabyte included, at every repaint. Here a message is
cut to MAX_MESSAGE characters once, shown elided at the right with "…" (again at every
resize), and `currentMessage()` gives the (cut) message in full.

A message can be marked *stale-able* (`show_refusal`): the next successful change of the
document clears it, so an old refusal is not still shown after a valid edit. A message
shown while that change is being made (in the same pass of the event loop) stays.
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

MAX_MESSAGE = 600  # characters kept of a message (a tooltip of a few lines)


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` on one line, cut after `limit` characters with "…"."""
    one_line = " ".join(text[: limit + 1].split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


class StatusBar(QtWidgets.QStatusBar):
    """See the module's docstring."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self._full = ""
        self._stale_able = False
        self._fresh = False  # shown in the current pass of the event loop
        self._expires: float | None = None  # time.monotonic() when it goes
        self.messageChanged.connect(self._on_message_changed)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # type: ignore[override]
        self._full = shorten(text)
        self._stale_able = False
        self._fresh = True
        self._expires = time.monotonic() + timeout / 1000 if timeout > 0 else None
        QtCore.QTimer.singleShot(0, self._settle)
        super().showMessage(self._elided(), timeout)
        self.setToolTip(self._full if self._elided() != self._full else "")

    def show_refusal(self, text: str, timeout: int = 0) -> None:
        """A message the next successful change clears (see `clear_stale`)."""
        self.showMessage(text, timeout)
        self._stale_able = True

    def clear_stale(self) -> None:
        """The document changed successfully: a refusal shown before is out of date."""
        if self._stale_able and not self._fresh and self._full:
            self.clearMessage()

    def currentMessage(self) -> str:
        return self._full if super().currentMessage() else ""

    def _settle(self) -> None:
        self._fresh = False

    def _on_message_changed(self, text: str) -> None:
        if not text:  # cleared, or timed out
            self._full = ""
            self._stale_able = False
            self.setToolTip("")

    def _elided(self) -> str:
        width = max(self.width() - 24, 40)
        metrics = QtGui.QFontMetrics(self.font())
        return metrics.elidedText(self._full, QtCore.Qt.TextElideMode.ElideRight, width)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._full and super().currentMessage():
            elided = self._elided()
            if elided != super().currentMessage():
                left = 0
                if self._expires is not None:  # re-showing restarts the timeout
                    left = max(1, round(1000 * (self._expires - time.monotonic())))
                with QtCore.QSignalBlocker(self):
                    super().showMessage(elided, left)
                self.setToolTip(self._full if elided != self._full else "")
