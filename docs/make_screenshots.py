"""Take the README's screenshots of the real window (offscreen or under Xvfb), 1280×800.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtWidgets  # noqa: E402

from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.session import load_example  # noqa: E402

DOCS = ROOT / "docs"


def settle(app: QtWidgets.QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def main() -> int:
    app = make_application()
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    settle(app, 0.3)
    window.transport.step_button.click()
    settle(app, 0.3)
    window.grab().save(str(DOCS / "screenshot-lecture.png"))

    window.load(load_example("xor"))
    window.plots_panel.log_check.setChecked(True)
    window.transport.run_button.click()
    settle(app, 1.5)
    window.grab().save(str(DOCS / "screenshot-xor-running.png"))
    window.runner.stop()
    for name in ("screenshot-lecture.png", "screenshot-xor-running.png"):
        print(DOCS / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
