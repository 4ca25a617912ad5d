"""Where the window keeps its state between runs (QSettings: geometry, recent files), and
reading it back safely.

The settings file is the user's (an INI file they may edit, or an older or newer version
may have written): a value of an unexpected type, or one that cannot even be decoded (a
damaged ``@Variant(...)`` makes PySide raise, EOFError among others), is ignored and the
default used, so that no setting can stop the window from opening.
"""

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


def read_value(settings: QtCore.QSettings, key: str) -> object:
    """The stored value, or None if there is none or it cannot be decoded."""
    try:
        return settings.value(key)
    except Exception:  # whatever decoding a damaged value raises
        return None


def read_bytes(settings: QtCore.QSettings, key: str) -> QtCore.QByteArray | None:
    """A saved geometry or state (QByteArray), or None."""
    value = read_value(settings, key)
    return value if isinstance(value, QtCore.QByteArray) and not value.isEmpty() else None


def read_bool(settings: QtCore.QSettings, key: str, default: bool = False) -> bool:
    """A switch: true/false as the INI file writes them; anything else is `default`."""
    value = read_value(settings, key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return default


def read_strings(settings: QtCore.QSettings, key: str) -> list[str]:
    """A list of texts (one text alone is a list of one); anything else is []."""
    value = read_value(settings, key)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str) and item]
    return []
