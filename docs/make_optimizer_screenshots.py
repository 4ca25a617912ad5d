"""Take the README's pictures of "Beyond plain gradient descent" from the real window
(offscreen), at 1366×768, the size of a small laptop screen:

    QT_QPA_PLATFORM=offscreen python docs/make_optimizer_screenshots.py

- screenshot-valley.png: the narrow-valley lesson after 60 steps from the same start,
  plain gradient descent beside momentum (the error on a log axis, and the path on the
  error surface), two grabs of the window's own plots put side by side;
- screenshot-adam-explanation.png: XOR with Adam after 2 steps, the explanation at the
  optimizer's update;
- screenshot-overfitting.png: the overfitting lesson after 2000 steps, the training and
  the test error on a log axis.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from docs.shots import DOCS, settle
from gui.app import make_application
from gui.main_window import MainWindow
from gui.teaching import error_surface
from model.optimizers import Optimizer
from model.session import load_example
from model.state import Trainer

SIZE = (1366, 768)
VALLEY_STEPS = 60
OVERFITTING_STEPS = 2000


def save(image: QtGui.QPixmap | QtGui.QImage, name: str) -> Path:
    path = DOCS / name
    image.save(str(path))
    print(path)
    return path


def open_example(app: QtWidgets.QApplication, window: MainWindow, name: str) -> None:
    """File → New from example (the session shown counts as saved: no question)."""
    window.lab.undo_stack.setClean()
    action = window.findChild(QtGui.QAction, f"example_{name}")
    assert action is not None, name
    action.trigger()
    settle(app, 0.2)


def show_tab(app: QtWidgets.QApplication, window: MainWindow, title: str) -> None:
    tabs = window.view_tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == title))
    settle(app, 0.6)  # past the view throttles


def titled(pixmap: QtGui.QPixmap, title: str) -> QtGui.QImage:
    """`pixmap` under a bold title line."""
    band = 30
    image = QtGui.QImage(pixmap.width(), pixmap.height() + band, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    font = painter.font()
    font.setPointSize(12)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(
        QtCore.QRect(0, 0, pixmap.width(), band), QtCore.Qt.AlignmentFlag.AlignCenter, title
    )
    painter.drawPixmap(0, band, pixmap)
    painter.end()
    return image


def side_by_side(images: list[QtGui.QImage], gap: int = 16) -> QtGui.QImage:
    width = sum(image.width() for image in images) + gap * (len(images) - 1)
    height = max(image.height() for image in images)
    out = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    out.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(out)
    x = 0
    for image in images:
        painter.drawImage(x, 0, image)
        x += image.width() + gap
    painter.end()
    return out


def stacked(images: list[QtGui.QImage], gap: int = 8) -> QtGui.QImage:
    width = max(image.width() for image in images)
    height = sum(image.height() for image in images) + gap * (len(images) - 1)
    out = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    out.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(out)
    y = 0
    for image in images:
        painter.drawImage((width - image.width()) // 2, y, image)
        y += image.height() + gap
    painter.end()
    return out


def headless_valley(optimizer: Optimizer) -> Trainer:
    session = load_example("valley")
    trainer = replace(session, config=replace(session.config, optimizer=optimizer)).to_trainer()
    trainer.run(VALLEY_STEPS)
    return trainer


@contextlib.contextmanager
def same_surface_extent(runs: list[Trainer]) -> Iterator[None]:
    """Inside: both error surfaces span what both paths need (the view's own rule, given
    the two paths), so that the pictures compare. The view asks for x's range, then y's."""
    own = error_surface.grid_range
    paths = [np.concatenate([run.history.parameters[k] for run in runs]) for k in (0, 1)]
    calls = iter(range(10**9))

    def both_paths(current: float, path: np.ndarray) -> tuple[float, float]:
        return own(current, np.concatenate([path, paths[next(calls) % 2]]))

    error_surface.grid_range = both_paths  # type: ignore[assignment]
    try:
        yield
    finally:
        error_surface.grid_range = own


def valley_run(
    app: QtWidgets.QApplication, window: MainWindow, optimizer: Optimizer, errors: tuple
) -> QtGui.QImage:
    """The valley lesson from its start, VALLEY_STEPS steps with `optimizer`: the error
    plot (log axis, over the range `errors` of both runs) over the error surface with
    the path."""
    open_example(app, window, "valley")
    if window.lab.trainer.config.optimizer != optimizer:
        window.lab.set_config(optimizer=optimizer)
    window.lab.run_steps(VALLEY_STEPS)
    settle(app, 0.3)
    show_tab(app, window, "Curves")
    plot = window.plots_panel.error_plot
    low, high = np.log10(errors[0]), np.log10(errors[1])
    plot.getPlotItem().vb.setYRange(low, high, padding=0.05)
    settle(app, 0.1)
    error = plot.grab()
    show_tab(app, window, "Error surface")
    surface = window.error_surface.plot.grab()
    name = "Plain gradient descent" if optimizer.name == "sgd" else "Momentum μ = 0.9"
    return titled(
        QtGui.QPixmap.fromImage(stacked([error.toImage(), surface.toImage()])),
        f"{name}, η = 0.9: E = {window.lab.trainer.history.error_at(VALLEY_STEPS):.2g} "
        f"after {VALLEY_STEPS} steps",
    )


def show_side_column_end(app: QtWidgets.QApplication, window: MainWindow) -> None:
    """Scroll the left column down to the optimizer box."""
    bar = window.side.verticalScrollBar()
    bar.setValue(bar.maximum())
    settle(app, 0.1)


def shoot_valley(app: QtWidgets.QApplication, window: MainWindow) -> Path:
    """Plain descent beside momentum, the same error range and surface on both sides."""
    runs = [headless_valley(Optimizer("sgd")), headless_valley(Optimizer("momentum"))]
    every = np.concatenate([run.history.errors for run in runs])
    errors = (float(every.min()), float(every.max()))
    with same_surface_extent(runs):
        plain = valley_run(app, window, Optimizer("sgd"), errors)
        momentum = valley_run(app, window, Optimizer("momentum"), errors)
    return save(side_by_side([plain, momentum]), "screenshot-valley.png")


def shoot_adam(app: QtWidgets.QApplication, window: MainWindow) -> Path:
    """XOR with Adam (η = 0.1), 2 steps: the explanation, widened, at Adam's update."""
    open_example(app, window, "xor")
    window.lab.set_config(optimizer=Optimizer("adam"), learning_rate=0.1)
    show_tab(app, window, "Curves")
    window.lab.run_steps(2)
    width = window.width()
    left = window.side.sizeHint().width()
    window.splitter.setSizes([left, 430, width - left - 430 - 24])
    settle(app, 0.5)
    show_side_column_end(app, window)
    view = window.explanation.view
    window.explanation.refresh(force=True)
    assert view.find("Update with Adam"), "no Adam section in the explanation"
    cursor = view.textCursor()
    cursor.clearSelection()
    view.setTextCursor(cursor)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + view.cursorRect().top() - 6)
    settle(app, 0.2)
    return save(window.grab(), "screenshot-adam-explanation.png")


def shoot_overfitting(app: QtWidgets.QApplication, window: MainWindow) -> Path:
    """The overfitting lesson after OVERFITTING_STEPS steps: the error plot made tall,
    the test set in the box on the left."""
    open_example(app, window, "overfitting")
    window.lab.run_steps(OVERFITTING_STEPS)
    width = window.width()
    left = window.side.sizeHint().width()
    window.splitter.setSizes([left, 700, width - left - 700 - 24])
    plots = window.plots_panel.error_plot.parentWidget()
    assert isinstance(plots, QtWidgets.QSplitter)
    plots.setSizes([640, 0])  # the weights' plot folded away: this picture is the error's
    settle(app, 0.5)
    window.explanation.view.verticalScrollBar().setValue(0)
    show_side_column_end(app, window)
    return save(window.grab(), "screenshot-overfitting.png")


def shoot_optimizer_pictures(app: QtWidgets.QApplication) -> list[Path]:
    """The three pictures, from a window of their own (make_screenshots.py calls this)."""
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    settle(app, 0.3)
    window.plots_panel.log_check.setChecked(True)
    paths = [
        shoot_valley(app, window),
        shoot_adam(app, window),
        shoot_overfitting(app, window),
    ]
    window.lab.undo_stack.setClean()
    window.runner.stop()
    window.close()
    return paths


def main() -> int:
    shoot_optimizer_pictures(make_application())
    return 0


if __name__ == "__main__":
    sys.exit(main())
