"""View 2, the error surface: E over two parameters chosen in combo boxes, every other one
held at its current value, with contours, the training path of the two and the current
state. It shows why training can stall (plateaus) or depend on the start (valleys), and
how the lecture's rule and backprop take different paths over the same surface.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gui.compare.surface_paths import RunPaths
from gui.lab import Lab
from gui.teaching.common import (
    REDRAW_INTERVAL_S,
    Array,
    GridView,
    bottom_legend,
    combo,
    finite_levels,
    make_plot,
)
from gui.teaching.contours import ContourItem
from model.gradflow import sample_steps
from model.numbers import format_number
from model.surface import error_grid, grid_range, path_with_rule

SURFACE_POINTS = 200  # per axis of the error surface
SURFACE_CONTOURS = 8
PATH_POINTS = 2000
COMPARE_MAX_STEPS = 20_000  # the other rule's run: ~20 ms on the fast path
RULE_NAMES = {"delta": "the lecture's rule", "backprop": "backprop"}


def parameter_label(name: str) -> str:
    """An axis label for a parameter: its name, what it is, and that it has no unit."""
    kind = "bias" if name.rsplit(".", 1)[-1].startswith("b") else "weight"
    return f"{name} ({kind} value, no unit)"


class ErrorSurfaceView(GridView):
    """E over two parameters chosen in combo boxes, the others at their current values,
    with contours, the training path of the two and the current state.

    Read-only properties for tests: `grid` (E, shape (len(y_values), len(x_values))),
    `x_values`, `y_values`, `current_point` (x, y), `path` (xs, ys), `selection` (i, j).
    """

    CAPTION = (
        "E over the two chosen parameters, every other one held at its current value. "
        "On XOR the surface is not convex: flat plateaus and valleys. On the lecture "
        "net, tick \u201cCompare rules\u201d to see the lecture's rule and backprop "
        "take different paths from the same start. The other parameters move as "
        "training goes on, so the surface moves too."
    )

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "errorSurfaceView", self.CAPTION, REDRAW_INTERVAL_S, parent)
        self._grid = np.zeros((0, 0))
        self._path = (np.zeros(0), np.zeros(0))
        self._other_path = (np.zeros(0), np.zeros(0))
        self._current = (0.0, 0.0)
        self._names: list[str] = []
        self._selection = (0, 1)
        self.x_combo = combo("surfaceXCombo", "The parameter along the horizontal axis")
        self.y_combo = combo("surfaceYCombo", "The parameter along the vertical axis")
        self.log_check = QtWidgets.QCheckBox("Logarithmic colours")
        self.log_check.setObjectName("surfaceLogCheck")
        self.log_check.setToolTip("Colour by log₁₀ E: shows the detail near the minimum")
        self.compare_check = QtWidgets.QCheckBox("Compare rules")
        self.compare_check.setObjectName("surfaceCompareCheck")
        self.compare_check.setToolTip(
            "Also draw the path the other rule takes from the same "
            "step 0 (networks without hidden layers, where both "
            "rules apply)"
        )
        self._build_plot()
        controls = QtWidgets.QHBoxLayout()
        for text, widget in (("x axis:", self.x_combo), ("y axis:", self.y_combo)):
            controls.addWidget(QtWidgets.QLabel(text))
            controls.addWidget(widget)
        controls.addWidget(self.log_check)
        controls.addWidget(self.compare_check)
        controls.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, stretch=1)
        self.x_combo.currentIndexChanged.connect(lambda _i: self._on_axis_changed(0))
        self.y_combo.currentIndexChanged.connect(lambda _i: self._on_axis_changed(1))
        self.log_check.toggled.connect(lambda _on: self.sync(force=True))
        self.compare_check.toggled.connect(lambda _on: self.sync(force=True))
        lab.compared.changed.connect(self._on_lab_changed)  # compared runs: their paths too
        self._refill_combos()

    def _build_plot(self) -> None:
        self.plot = make_plot("errorSurfacePlot", "Error surface", "", "")
        item = self.plot.getPlotItem()
        self.image = self._add_image(self.plot, "viridis", "E")
        contour_pen = pg.mkPen(255, 255, 255, 150, width=1)
        self.contours = [ContourItem(0.0, contour_pen) for _ in range(SURFACE_CONTOURS)]
        for contour in self.contours:
            item.addItem(contour)
        self.legend = bottom_legend(self.plot)
        # The contours are white on the colours: a white sample would vanish in the legend.
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen("#9A9A9A")), "contours of E")
        self.path_curve = item.plot(pen=pg.mkPen("#FF5A36", width=2), name="training path")
        self.other_curve = pg.PlotDataItem(
            pen=pg.mkPen("#FFD23F", width=2, style=QtCore.Qt.PenStyle.DashLine)
        )
        item.addItem(self.other_curve)
        self.start_dot = pg.ScatterPlotItem(
            size=9, symbol="o", brush="#FFFFFF", pen=pg.mkPen("#222222", width=1.2), name="step 0"
        )
        self.current_dot = pg.ScatterPlotItem(
            size=18,
            symbol="star",
            brush="#FF5A36",
            pen=pg.mkPen("#FFFFFF", width=1.5),
            name="current state",
        )
        for dots in (self.start_dot, self.current_dot):
            dots.setZValue(20)
            item.addItem(dots)
        self.run_paths = RunPaths(item, self.legend, self.path_curve)

    # -- read-only views for tests -----------------------------------------------------
    @property
    def grid(self) -> Array:
        return self._grid

    @property
    def current_point(self) -> tuple[float, float]:
        return self._current

    @property
    def path(self) -> tuple[Array, Array]:
        return self._path

    @property
    def other_path(self) -> tuple[Array, Array]:
        """The other rule's path (empty unless "Compare rules" is on and applies)."""
        return self._other_path

    @property
    def selection(self) -> tuple[int, int]:
        """Flat indices (get_flat order) of the x and y parameters."""
        return self._selection

    # -- choices ------------------------------------------------------------------------
    def _refill_combos(self) -> None:
        """List the network's parameters; keep the chosen ones if they still exist."""
        names = self.lab.trainer.network.parameter_names()
        if names == self._names:
            return
        old = [self._names[k] for k in self._selection] if self._names else []
        chosen = [names.index(n) for n in old if n in names]
        self._selection = (chosen[0], chosen[1]) if len(chosen) == 2 else (0, 1)
        self._names = names
        for box, index in zip((self.x_combo, self.y_combo), self._selection, strict=True):
            with QtCore.QSignalBlocker(box):
                box.clear()
                for k, name in enumerate(names):
                    box.addItem(name, k)
                box.setCurrentIndex(index)

    def _on_axis_changed(self, axis: int) -> None:
        boxes = (self.x_combo, self.y_combo)
        chosen = boxes[axis].currentData()
        if chosen is None:
            return
        selection = list(self._selection)
        other = 1 - axis
        if chosen == selection[other]:  # the same parameter twice: swap the axes
            selection[other] = selection[axis]
            with QtCore.QSignalBlocker(boxes[other]):
                boxes[other].setCurrentIndex(selection[other])
        selection[axis] = chosen
        self._selection = (selection[0], selection[1])
        self.sync(force=True)

    # -- drawing ------------------------------------------------------------------------
    def view_key(self) -> tuple[object, ...]:
        return (
            *super().view_key(),
            self._selection,
            self.log_check.isChecked(),
            self.compare_check.isChecked(),
            RunPaths.key(self.lab),
        )

    def recompute(self) -> None:
        self._refill_combos()
        trainer = self.lab.trainer
        i, j = self._selection
        theta = trainer.network.get_flat()
        steps = sample_steps(trainer.position + 1, PATH_POINTS)
        self._path = (
            trainer.history.parameters[i, trainer.history.stored_index(steps)],
            trainer.history.parameters[j, trainer.history.stored_index(steps)],
        )
        self._current = (float(theta[i]), float(theta[j]))
        self._other_path = self._compare(trainer.position)
        both_x = np.concatenate([self._path[0], self._other_path[0]])
        both_y = np.concatenate([self._path[1], self._other_path[1]])
        runs_x, runs_y = self.run_paths.compute(self.lab, i, j)
        for extra_x, extra_y in ((runs_x, runs_y), (np.zeros(0), np.zeros(0))):
            # The compared runs' paths too, unless one went too far to draw (diverging).
            self._xs = np.linspace(
                *grid_range(self._current[0], np.concatenate([both_x, extra_x])), SURFACE_POINTS
            )
            self._ys = np.linspace(
                *grid_range(self._current[1], np.concatenate([both_y, extra_y])), SURFACE_POINTS
            )
            if self.drawable():
                break
        if not self.drawable():
            self._show_undrawable()
            return
        self._grid = error_grid(
            trainer.network, trainer.data, trainer.config.loss, i, j, self._xs, self._ys
        )
        self._draw()
        self._shown_key = self.view_key()  # the combos may have been refilled above

    def _show_undrawable(self) -> None:
        """Parameters near the float limit (a typed 1e308, a run about to diverge):
        say so instead of drawing nothing or failing."""
        self._grid = np.zeros((0, 0))
        self.image.clear()
        for curve in (self.path_curve, self.other_curve):
            curve.setData([], [])
        self.run_paths.clear()
        for dots in (self.start_dot, self.current_dot):
            dots.setData([], [])
        for contour in self.contours:
            contour.setData(None)
        self.plot.getPlotItem().setTitle(
            "These parameters are too large to draw the surface (beyond ±1e150)", size="10pt"
        )
        self._shown_key = self.view_key()

    def _compare(self, n_steps: int) -> tuple[Array, Array]:
        """The other rule's path from the same step 0 (both rules apply only without
        hidden layers; the step activation only has the lecture's rule)."""
        trainer = self.lab.trainer
        network = trainer.network
        applies = network.depth == 1 and "step" not in network.activations
        self.compare_check.setEnabled(applies)
        if not (applies and self.compare_check.isChecked() and n_steps > 0):
            self.other_curve.setVisible(False)
            self.legend.removeItem(self.other_curve)
            return np.zeros(0), np.zeros(0)
        other = "backprop" if trainer.config_for_step(1).rule == "delta" else "delta"
        states = path_with_rule(trainer, other, min(n_steps, COMPARE_MAX_STEPS))
        steps = sample_steps(len(states), PATH_POINTS)
        i, j = self._selection
        self._name_other_curve(other, n_steps)
        self.other_curve.setVisible(True)
        return states[steps, i], states[steps, j]

    def _name_other_curve(self, rule: str, n_steps: int) -> None:
        cut = f", first {COMPARE_MAX_STEPS:,} steps" if n_steps > COMPARE_MAX_STEPS else ""
        text = f"path with {RULE_NAMES[rule]}{cut}"
        self.legend.removeItem(self.other_curve)
        self.legend.addItem(self.other_curve, text)

    def _shown_values(self) -> tuple[Array, str]:
        """The colours' values (E or log₁₀ E, non-finite parts at the top colour)."""
        values = self._grid
        label = "E"
        if self.log_check.isChecked():
            positive = values[np.isfinite(values) & (values > 0)]
            floor = float(positive.min()) if positive.size else 1e-300
            with np.errstate(all="ignore"):
                values = np.log10(np.maximum(values, floor))
            label = "log₁₀ E"
        _lo, hi = finite_levels(values)
        return np.where(np.isfinite(values), values, hi), label

    def _draw(self) -> None:
        values, label = self._shown_values()
        lo, hi = finite_levels(values)
        self._show_image(self.image, values, (lo, hi))
        self._label_bar(label)
        for contour, level in zip(
            self.contours, np.linspace(lo, hi, SURFACE_CONTOURS + 2)[1:-1], strict=True
        ):
            contour.set_grid(self._xs, self._ys, values, float(level))
        self.path_curve.setData(*self._path)
        self.other_curve.setData(*self._other_path)
        self.start_dot.setData([self._path[0][0]], [self._path[1][0]])
        self.current_dot.setData([self._current[0]], [self._current[1]])
        self.run_paths.draw()
        self._label_axes()
        self._fit_view(self.plot)

    def _label_bar(self, label: str) -> None:
        axis = self.colour_bar.getAxis("left")  # the colour bar's label sits on the left
        if axis.labelText != label:
            axis.setLabel(label)

    def _label_axes(self) -> None:
        item = self.plot.getPlotItem()
        names = self._names
        i, j = self._selection
        item.setLabel("bottom", parameter_label(names[i]))
        item.setLabel("left", parameter_label(names[j]))
        trainer = self.lab.trainer
        item.setTitle(
            f"Error surface E({names[i]}, {names[j]}) at step {trainer.position}, "
            f"E = {format_number(trainer.history.error_at(trainer.position))}",
            size="10pt",
        )
