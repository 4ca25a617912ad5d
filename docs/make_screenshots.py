"""Take the README's screenshots of the real window (offscreen or under Xvfb), 1366×768, a
student's laptop.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py

The whole window on the lecture example after one step and on XOR while it runs, then
each teaching view (a tab of the window) on the lecture example and on XOR; then the
Network view's neuron pictures (docs/make_neuron_pictures_screenshot.py); then the
optimizers and the test set (docs/make_optimizer_screenshots.py); then compared runs
(docs/make_compare_screenshot.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtWidgets

from docs.make_compare_screenshot import shoot_compare
from docs.make_neuron_pictures_screenshot import shoot_neuron_pictures
from docs.make_optimizer_screenshots import shoot_optimizer_pictures
from docs.shots import DOCS, settle
from gui.app import make_application
from gui.main_window import MainWindow
from model.session import load_example

VIEWS = {
    "Network": "network",
    "Gradients": "gradients",
    "Error surface": "surface",
    "Output map": "output-map",
    "Gradient check": "gradient-check",
}


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
    print(shoot_compare(app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
