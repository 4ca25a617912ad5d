"""Guard against PySide6 6.12.0 on Python < 3.12, which drains None's reference count on
every Qt call that returns nothing and aborts a live plot after a few hundred redraws."""

from __future__ import annotations

import sys

import pytest
from PySide6 import QtCore, QtWidgets


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from 3.12 on")
def test_void_qt_calls_do_not_drain_none_refcount(qapp: QtWidgets.QApplication) -> None:
    widget = QtWidgets.QWidget()
    timer = QtCore.QTimer()
    before = sys.getrefcount(None)
    for i in range(5000):
        widget.setMinimumWidth(i % 50)  # void methods: each returns None to Python
        timer.setInterval(i % 100)
        widget.update()
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None's refcount drained from {before} to {after}"
