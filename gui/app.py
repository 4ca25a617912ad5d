"""Start the window: `python main.py [FILE.json]` ends up here."""

from __future__ import annotations

import gc
import sys

from PySide6 import QtCore, QtGui, QtWidgets

from gui.autosave import offer_recovery
from gui.main_window import MainWindow
from gui.memory import saved_budget
from gui.settings import APPLICATION, ORGANIZATION
from gui.signals import close_on_signals
from model import allocator
from model.session import SessionError, load_session
from model.session.fitting import trainer_within
from resources import ICON_NAME, ICON_SIZES, icon_png

RESUME_COLLECTION_MS = 3000  # at the latest (see `after_first_paint`)
# Windows groups taskbar buttons by this ID and then shows the window's icon, not Python's.
WINDOWS_APP_ID = "BackpropLab.BackpropLab"


def app_icon() -> QtGui.QIcon:
    """The application's icon, drawn at each of its sizes (resources/icons)."""
    icon = QtGui.QIcon()
    for size in ICON_SIZES:
        if icon_png(size).is_file():
            icon.addFile(str(icon_png(size)), QtCore.QSize(size, size))
    return icon if not icon.isNull() else QtGui.QIcon.fromTheme("applications-science")


def make_application(*, version_now: bool = True) -> QtWidgets.QApplication:
    """The application, named and with its icon; its version too unless `version_now` is
    False (run_gui sets it just after the window's first paint: see `set_version`)."""
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        allocator.tune()  # before Qt starts its threads (model/allocator.py)
        app = QtWidgets.QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    if version_now:
        set_version(app)
    app.setWindowIcon(app_icon())
    # Wayland matches the window to backprop-lab.desktop (--install-desktop-entry) by this.
    app.setDesktopFileName(ICON_NAME)
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(WINDOWS_APP_ID)
    return app


def after_first_paint(app: QtWidgets.QApplication) -> None:
    """What waits until the window is on screen: the version, and Python's cyclic garbage
    collector. main.py pauses the collector before it imports the window: start-up makes
    ~70,000 objects that live as long as the window (modules, classes, widgets), and the
    collector went through them ~170 times before the first paint, ~30 ms of ~375."""
    gc.enable()
    set_version(app)


def set_version(app: QtWidgets.QApplication) -> None:
    """The application's version, from the installed package's metadata."""
    # Imported here: importlib.metadata costs ~20 ms of imports, which the window's first
    # paint does not need (nothing on screen shows the version; About reads it itself).
    from backprop_lab import version  # noqa: PLC0415

    app.setApplicationVersion(version())


def run_gui(path: str | None = None) -> int:
    """Open the window (on the lecture example, or on `path`) and run until it closes.
    (main.py resumes the garbage collector it paused if this ends before the paint.)"""
    session = None
    if path is not None:
        try:
            session = load_session(path)
        except (SessionError, OSError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
    app = make_application(version_now=False)
    trainer = None
    if session is not None:  # within the memory budget (the settings are readable now)
        try:
            trainer = trainer_within(session, saved_budget())
        except SessionError as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
    window = MainWindow(session, path, trainer)
    window.setWindowIcon(app.windowIcon())
    window.firstPainted.connect(lambda: after_first_paint(app))
    window.show()
    # A window that is not painted (started minimised, on another workspace) resumes it
    # all the same once the event loop has run a while.
    QtCore.QTimer.singleShot(RESUME_COLLECTION_MS, gc.enable)
    close_on_signals(app, window)  # Ctrl+C, SIGTERM, SIGHUP: close, keep the autosave
    # Once the window is on screen, so the question has something to sit on.
    QtCore.QTimer.singleShot(0, lambda: offer_recovery(window.document))
    return app.exec()
