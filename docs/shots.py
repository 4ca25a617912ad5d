"""What every screenshot script needs before and after it imports Qt: the project on the
path, the offscreen platform unless a display is asked for, a throw-away settings and
data folder (the user's saved window layout must not change the pictures), and a way to
let the window settle. Import it before the QApplication is made (the platform and the
folders are read then)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6 import QtWidgets

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="backprop-lab-shots-")
os.environ["XDG_DATA_HOME"] = os.environ["XDG_CONFIG_HOME"]


def settle(app: QtWidgets.QApplication, seconds: float) -> None:
    """Let the event loop paint and the views catch up for `seconds`."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)
