"""Start the window: `python main.py [FILE.json]` ends up here."""

from __future__ import annotations

import sys

from PySide6 import QtCore, QtGui, QtWidgets

from gui.autosave import offer_recovery
from gui.main_window import MainWindow
from gui.settings import APPLICATION, ORGANIZATION
from model.session import SessionError, load_session


def make_application() -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        app = QtWidgets.QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(QtGui.QIcon.fromTheme("applications-science"))
    return app


def run_gui(path: str | None = None) -> int:
    """Open the window (on the lecture example, or on `path`) and run until it closes."""
    session = None
    if path is not None:
        try:
            session = load_session(path)
        except (SessionError, OSError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
    app = make_application()
    window = MainWindow(session, path)
    window.show()
    # Once the window is on screen, so the question has something to sit on.
    QtCore.QTimer.singleShot(0, lambda: offer_recovery(window.document))
    return app.exec()
