"""Where the window keeps its state between runs (QSettings: geometry, recent files)."""

from __future__ import annotations

from PySide6 import QtCore

ORGANIZATION = "BackpropLab"
APPLICATION = "Backprop Lab"


def app_settings() -> QtCore.QSettings:
    """The user's settings file (an INI file under $XDG_CONFIG_HOME on Linux)."""
    return QtCore.QSettings(
        QtCore.QSettings.Format.IniFormat,
        QtCore.QSettings.Scope.UserScope,
        ORGANIZATION,
        APPLICATION,
    )
