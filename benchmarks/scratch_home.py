"""A throw-away home for the settings and autosaves of the windows a benchmark opens.

A benchmark's windows are never closed the way a student closes one, so their autosaves
would stay in the user's own folder and be offered as sessions to recover at the next
start (gigabytes of them, after a few runs of the large ones). Called before Qt reads
the paths: QSettings keeps the first folder it reads.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def use_scratch_home() -> str:
    """Point XDG_CONFIG_HOME and XDG_DATA_HOME (and so QSettings and the autosave
    folder) at a new temporary folder, removed when the process ends; returns it.
    Child processes inherit it through the environment."""
    folder = tempfile.mkdtemp(prefix="backprop-lab-bench-")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(folder, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(folder, "data")
    atexit.register(shutil.rmtree, folder, True)
    return folder
