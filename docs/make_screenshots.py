"""Take the README's screenshots of the real window (offscreen or under Xvfb), 1366×768, a
student's laptop.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py

The whole window on the lecture example after one step and on XOR while it runs, then
each teaching view (a tab of the window) on the lecture example and on XOR; then the
Network view's neuron pictures (docs/make_neuron_pictures_screenshot.py); then the
optimizers and the test set (docs/make_optimizer_screenshots.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The user's saved window layout must not change the pictures.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="backprop-lab-shots-")
os.environ["XDG_DATA_HOME"] = os.environ["XDG_CONFIG_HOME"]

from PySide6 import QtWidgets  # noqa: E402

from docs.make_neuron_pictures_screenshot import shoot_neuron_pictures  # noqa: E402
from docs.make_optimizer_screenshots import shoot_optimizer_pictures  # noqa: E402
from gui.app import make_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.session import load_example  # noqa: E402

DOCS = ROOT / "docs"
VIEWS = {
    "Network": "network",
    "Gradients": "gradients",
    "Error surface": "surface",
    "Output map": "output-map",
    "Gradient check": "gradient-check",
}


def settle(app: QtWidgets.QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def save(widget: QtWidgets.QWidget, name: str) -> None:
    path = DOCS / name
    widget.grab().save(str(path))
    print(path)


def shoot_views(app: QtWidgets.QApplication, window: MainWindow, example: str) -> None:
    tabs = window.view_tabs
    for i in range(tabs.count()):
        slug = VIEWS.get(tabs.tabText(i))
        if slug is not None:
            tabs.setCurrentIndex(i)
            settle(app, 0.5)  # past the step animation and the view throttles
            save(tabs, f"view-{slug}-{example}.png")
    tabs.setCurrentIndex(0)


def main() -> int:
    app = make_application()
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    settle(app, 0.3)
    window.transport.step_button.click()
    settle(app, 0.3)
    save(window, "screenshot-lecture.png")
    for _ in range(4):
        window.transport.step_button.click()
    # The surface compares the lecture's rule with backprop over a longer stretch.
    window.error_surface.compare_check.setChecked(True)
    window.settings_panel.learning_rate.setValue(1.0)
    window.lab.run_steps(300)
    shoot_views(app, window, "lecture")

    window.load(load_example("xor"))
    window.plots_panel.log_check.setChecked(True)
    window.transport.run_button.click()
    settle(app, 1.5)
    save(window, "screenshot-xor-running.png")
    window.runner.stop()
    shoot_views(app, window, "xor")
    window.lab.undo_stack.setClean()
    print(shoot_neuron_pictures(app))
    shoot_optimizer_pictures(app)  # (prints each path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
