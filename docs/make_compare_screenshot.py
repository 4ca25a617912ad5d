"""Take the README's picture of compared runs from the real window, offscreen, at
1366×768 (the laptop screen the window is made to fit).

    QT_QPA_PLATFORM=offscreen python docs/make_compare_screenshot.py

The lesson "η too small, right, too large" (File → New from example): the lecture's
neuron trained with η = 0.01, 5 and 100 from the same weights, after STEPS Steps: the
three error curves on the Curves tab (on a logarithmic axis, View → Logarithmic error
axis: on a linear one the two faster runs both lie on 0 after a step or two) and the runs
table under the window's columns. (`make screenshots` takes it too, through
docs/make_screenshots.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtGui, QtWidgets

from docs.shots import DOCS, settle
from gui.app import make_application
from gui.main_window import MainWindow

NAME = "screenshot-compare.png"
STEPS = 60


def shoot_compare(app: QtWidgets.QApplication) -> Path:
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    settle(app, 0.3)
    action = window.findChild(QtGui.QAction, "example_learning_rates")
    assert action is not None
    action.trigger()
    settle(app, 0.2)
    step = window.findChild(QtWidgets.QPushButton, "stepButton")
    assert step is not None
    for _ in range(STEPS):
        step.click()
    log = window.findChild(QtWidgets.QCheckBox, "logScaleCheck")
    assert log is not None
    log.setChecked(True)
    settle(app, 0.6)
    assert window.lab.compared.behind() == 0
    path = DOCS / NAME
    window.grab().save(str(path))
    log.setChecked(False)  # (the window keeps it in its settings for the next pictures)
    window.lab.undo_stack.setClean()
    window.close()
    return path


def main() -> int:
    print(shoot_compare(make_application()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
