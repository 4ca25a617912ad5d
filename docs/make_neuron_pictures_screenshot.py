"""Take the README's picture of the Network view's neuron pictures from the real window,
offscreen, at 1366×768 (the laptop screen the window is made to fit).

    QT_QPA_PLATFORM=offscreen python docs/make_neuron_pictures_screenshot.py

The circle dataset (100 samples, seed 0) on a 2-6-1 network (tanh, sigmoid; Xavier
weights, seed 0), trained 3000 batch steps with binary cross-entropy at η = 0.5: each
hidden neuron has learned a straight split of the plane, and the output neuron's picture
combines the six into a closed region around the circle. (`make screenshots` takes it
too, through docs/make_screenshots.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtWidgets

from docs.shots import DOCS, settle
from gui.app import make_application
from gui.main_window import MainWindow
from model.datasets import make_dataset

NAME = "screenshot-neuron-pictures.png"


def shoot_neuron_pictures(app: QtWidgets.QApplication) -> Path:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    settle(app, 0.3)
    lab = window.lab
    assert lab.set_dataset(make_dataset("circle", 100, seed=0), "Circle")
    assert lab.set_architecture([2, 6, 1], ["tanh", "sigmoid"], "xavier", 0)
    assert lab.set_config(learning_rate=0.5, mode="batch", loss="cross_entropy")
    lab.run_steps(3000)
    tabs = window.view_tabs
    tabs.setCurrentWidget(tabs.pages["diagram"])
    settle(app, 0.6)
    path = DOCS / NAME
    window.grab().save(str(path))
    lab.undo_stack.setClean()
    window.close()
    return path


def main() -> int:
    print(shoot_neuron_pictures(make_application()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
