"""Live plots: the error and the parameters against the step number.

The error plot draws one curve per run of rows whose error is of one loss, each loss
with its own legend entry and a marker where it changed: a curve that jumped from the
squared error to the cross-entropy would show a jump no training made. When the data has
a test set, the test samples' error (the history's test_error column) is drawn beside it
in its own colour. The weights plot
draws at most MAX_CURVES parameters (gui/curve_chooser.py says which), with a button to
choose them. The machinery they share (marker, hover, following the data) is in
gui/step_plot.py, their looks in gui/plot_style.py.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gui.curve_chooser import MAX_CURVES, CurveChooser, largest_moving
from gui.envelope import PeakEnvelope
from gui.plot_style import CURVE_WIDTH, MARKER_PEN, PALETTE, StepAxis, colour
from gui.step_plot import CurveData, StepPlot, round_up, value_bounds
from model.history import History
from model.losses import get_loss
from model.numbers import format_number
from model.state import Trainer

Segment = tuple[int, int, str]  # first row, last row, loss label
CHANGE_PEN = pg.mkPen("#666666", width=1, style=QtCore.Qt.PenStyle.DashDotLine)
ERROR_LABEL = "error E (mean over samples)"
MIXED_ERROR_LABEL = "error E (of the loss in the legend)"
EMPTY = np.zeros(0)
TEST_COLUMN = "test_error"
TEST_LABEL = "test error"
# Not a loss's colour (those are PALETTE[0] and PALETTE[1]).
TEST_PEN = pg.mkPen(PALETTE[3], width=CURVE_WIDTH)
# While runs are compared, each run's test error is dashed in the run's colour.
COMPARED_TEST_PEN = pg.mkPen(PALETTE[0], width=CURVE_WIDTH, style=QtCore.Qt.PenStyle.DashLine)
COMPARED_TEST_LABEL = "test error (dashed, each run's colour)"


class Overlay(Protocol):
    """More curves on the error plot (the compared runs', gui/compare/curves.py)."""

    def curve_data(self, first: int, last: int) -> CurveData: ...

    def describe(self, step: int) -> str: ...


def loss_spans(trainer: Trainer) -> list[tuple[int, str]]:
    """(first row, loss label) of each run of history rows whose error is of one loss.

    Row k ≥ 1 was computed by the step made with `config_for_step(k)`, row 0 with the
    first settings logged; the log's entry (s, settings) made rows s+1 on."""
    log = trainer.config_log
    last = len(trainer.history) - 1
    starts = [(0, log[0][1].loss)] + [(s + 1, c.loss) for s, c in log]
    spans: list[tuple[int, str]] = []
    for first, loss in starts:
        if first > last:
            break
        label = get_loss(loss).label
        if spans and spans[-1][0] >= first:  # a later entry from the same row on
            spans.pop()
        if not spans or spans[-1][1] != label:
            spans.append((first, label))
    return spans


class ErrorPlot(StepPlot):
    """E (the dataset error) against the step; linear or logarithmic y axis."""

    def __init__(self) -> None:
        super().__init__("errorPlot", ERROR_LABEL, "Error")
        self.curves = [self.make_curve("E", pg.mkPen(PALETTE[0], width=CURVE_WIDTH))]
        self.segments: list[Segment] = []
        self.change_markers: list[pg.InfiniteLine] = []
        self._next_label = ""
        target_pen = pg.mkPen("#009E73", style=QtCore.Qt.PenStyle.DotLine)
        self.target_line = pg.InfiniteLine(angle=0, movable=False, pen=target_pen)
        self.target_line.setVisible(False)
        self.getPlotItem().addItem(self.target_line, ignoreBounds=True)
        self.test_curve: pg.PlotDataItem | None = None  # while the history has a test_error
        self._test_envelope = PeakEnvelope()
        self.overlay: Overlay | None = None
        self.run_label: str | None = None  # run 1's name while runs are compared

    @property
    def curve(self) -> pg.PlotDataItem:
        """The first segment's curve (the only one while the loss never changed)."""
        return self.curves[0]

    def set_run_label(self, label: str | None) -> None:
        """Name run 1's curves `label` while runs are compared (None: no comparison);
        the test error's curve is then dashed, as the other runs' are."""
        if label == self.run_label:
            return
        self.run_label = label
        if self.test_curve is not None:
            self.getPlotItem().removeItem(self.test_curve)
            self.test_curve = None
        spans = [(first, loss) for first, _last, loss in self.segments]
        self.segments = []  # the curves are made again, with their new names
        if self._history is not None:
            self.refresh(self._history, self._next_label, spans)

    def _error_name(self, loss: str) -> str:
        if self.run_label is None:
            return f"E ({loss})"
        return self.run_label if len(self.segments) <= 1 else f"{self.run_label}, E ({loss})"

    def set_log(self, on: bool) -> None:
        self.getPlotItem().setLogMode(y=on)
        self.target_line.setVisible(False)
        self._shown_range = None
        self.update_curves()

    def set_target(self, target: float) -> None:
        """Draw the 'stop at target error' level (hidden at 0 or in log mode with 0)."""
        log = bool(self.getPlotItem().getAxis("left").logMode)
        visible = target > 0
        self.target_line.setVisible(visible)
        if visible:
            self.target_line.setValue(np.log10(target) if log else target)

    def refresh(
        self, history: History, loss_label: str, spans: list[tuple[int, str]] | None = None
    ) -> None:
        """`spans`: (first row, loss label) of each run of rows of one loss (`loss_spans`);
        without it every row is of `loss_label`, the loss the next steps use."""
        self._history = history
        starts = spans or [(0, loss_label)]
        last = len(history) - 1
        segments = [
            (first, starts[i + 1][0] - 1 if i + 1 < len(starts) else last, label)
            for i, (first, label) in enumerate(starts)
        ]
        if segments != self.segments or loss_label != self._next_label:
            self._show_segments(segments, loss_label)
        self._show_test_curve(TEST_COLUMN in history.extra_columns, len(history) == 1)
        self.update_curves()

    def _show_test_curve(self, shown: bool, one_row: bool) -> None:
        """The test error's curve, after the error's in the legend (a one-row history
        draws it as a dot)."""
        item = self.getPlotItem()
        if not shown:
            if self.test_curve is not None:
                item.removeItem(self.test_curve)
                self.test_curve = None
                self.fit_legend()
            return
        compared = self.run_label is not None
        label = COMPARED_TEST_LABEL if compared else TEST_LABEL
        pen = COMPARED_TEST_PEN if compared else TEST_PEN
        if self.test_curve is None:
            self.test_curve = self.make_curve(label, pen)
            self.fit_legend()
        elif self.legend.getLabel(self.test_curve) is None:  # the error's curves were rebuilt
            self.legend.addItem(self.test_curve, label)
            self.fit_legend()
        self.test_curve.setSymbol("o" if one_row else None)
        self.test_curve.setSymbolSize(5)
        self.test_curve.setSymbolBrush(pen.color())
        self.test_curve.setSymbolPen(None)

    def _show_segments(self, segments: list[Segment], next_label: str) -> None:
        item = self.getPlotItem()
        labels = list(dict.fromkeys(label for _a, _b, label in segments))
        if [s[2] for s in segments] != [s[2] for s in self.segments]:
            self.segments = segments  # (named by `_error_name`)
            for curve in self.curves:
                item.removeItem(curve)
            self.legend.clear()
            self.curves = []
            named: set[str] = set()
            for _first, _last, label in segments:
                pen = pg.mkPen(PALETTE[labels.index(label) % len(PALETTE)], width=CURVE_WIDTH)
                name = None if label in named else self._error_name(label)
                named.add(label)
                self.curves.append(self.make_curve(name, pen))
            self.fit_legend()
        for line in self.change_markers:
            item.removeItem(line)
        self.change_markers = []
        for first, _last, _label in segments[1:]:
            line = pg.InfiniteLine(
                first - 0.5,
                angle=90,
                pen=CHANGE_PEN,
                label="loss changed",
                labelOpts={"position": 0.92, "color": "#444444", "anchors": [(1, 0), (1, 0)]},
            )
            item.addItem(line, ignoreBounds=True)
            self.change_markers.append(line)
        for curve, (first, last, _label) in zip(self.curves, segments, strict=True):
            # A one-row segment has no line to draw: a dot shows it.
            curve.setSymbol("o" if first == last else None)
            curve.setSymbolSize(5)
            curve.setSymbolBrush(curve.opts["pen"].color())
            curve.setSymbolPen(None)
        axis = ERROR_LABEL if len(labels) == 1 else MIXED_ERROR_LABEL
        item.setLabel("left", axis)
        title = "Error" if next_label == labels[-1] else f"Error (next steps: {next_label})"
        item.setTitle(title, size="10pt")
        self.segments, self._next_label = segments, next_label

    def curve_data(self, first: int, last: int) -> CurveData:
        assert self._history is not None
        errors = self._history.errors[np.newaxis, :]
        source = (self._history, self._history.revision)
        drawn: CurveData = []
        for curve, (a, b, _label) in zip(self.curves, self.segments, strict=True):
            lo, hi = max(a, first), min(b, last)
            if lo > hi:
                drawn.append((curve, EMPTY, EMPTY))
                continue
            x, y = self._envelope.view(source, errors, lo, hi, steps=self._history.sparse_steps)
            drawn.append((curve, x, y[0]))
        if self.test_curve is not None:
            test = self._history.column(TEST_COLUMN)[np.newaxis, :]
            steps = self._history.sparse_steps
            x, y = self._test_envelope.view(source, test, first, last, steps=steps)
            drawn.append((self.test_curve, x, y[0]))
        if self.overlay is not None:
            drawn += self.overlay.curve_data(first, last)
        return drawn

    def loss_at(self, step: int) -> str:
        return next((label for a, b, label in self.segments if a <= step <= b), "")

    def describe(self, step: int) -> str:
        assert self._history is not None
        text = f"step {step}: E = {format_number(self._history.error_at(step))}"
        if len(self.segments) >= 2:
            text = f"{text} ({self.loss_at(step)})"
        if self.test_curve is not None:
            test = self._history.extra_at(step, TEST_COLUMN)
            text = f"{text}, test error = {format_number(test)}"
        if self.overlay is not None:
            text += self.overlay.describe(step)
        return text


class WeightsPlot(StepPlot):
    """The weights and biases against the step, one coloured curve each, at most
    MAX_CURVES of them (the chooser button says which of how many)."""

    def __init__(self) -> None:
        super().__init__("weightsPlot", "parameter value", "Weights and biases")
        self._names: list[str] = []
        self.shown: list[int] = []  # flat indices of the parameters drawn
        self.chosen: list[int] | None = None  # ticked in the chooser; None: automatic
        self.selected: int | None = None  # selected in a table or the diagram
        self.chooser_button = QtWidgets.QToolButton(self)
        self.chooser_button.setObjectName("chooseCurvesButton")
        self.chooser_button.setText("Choose…")
        self.chooser_button.setToolTip(f"Which parameters the plot draws (at most {MAX_CURVES})")
        self.chooser_button.clicked.connect(self.open_chooser)
        self.chooser_button.hide()
        self.chooser: CurveChooser | None = None

    # -- which curves ---------------------------------------------------------------------------
    def refresh(self, history: History) -> None:
        self._history = history
        names = history.parameter_names
        if names != self._names:
            self._names = list(names)
            self.chosen = None
            self.selected = None
            self._choose()
        elif not self.live:  # while running the set stays: a legend re-laid out costs
            self._choose()
        self.update_curves()

    def _choose(self) -> None:
        if self._history is None:
            return
        count = len(self._names)
        pinned = [] if self.selected is None else [self.selected]
        if self.chosen is not None:
            shown = sorted(dict.fromkeys(self.chosen + pinned))
            if len(shown) > MAX_CURVES:
                shown = sorted(dict.fromkeys(pinned + self.chosen))[:MAX_CURVES]
        else:
            shown = largest_moving(self._history.parameters, MAX_CURVES, pinned)
        if shown != self.shown or len(self.curves) != len(shown):
            self._build(shown)
        capped = count > MAX_CURVES
        self.chooser_button.setVisible(capped)
        title = "Weights and biases"
        if capped:
            title += f": {len(self.shown)} of {count:,} drawn"
        self.getPlotItem().setTitle(title, size="10pt")

    def _build(self, shown: list[int]) -> None:
        """One curve per parameter drawn (only when that set changes)."""
        item = self.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.legend.clear()
        self.curves = []
        for k, index in enumerate(shown):
            name = self._names[index]
            dashed = ".b" in name or name == "b"
            pen = pg.mkPen(
                colour(k, len(shown)),
                width=3.0 if index == self.selected else CURVE_WIDTH,
                style=QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine,
            )
            self.curves.append(self.make_curve(name, pen))
        self.shown = list(shown)
        self.fit_legend()

    def highlight(self, index: int | None) -> None:
        """Draw and thicken one parameter's curve (the one selected in a table)."""
        self.selected = index
        if index is not None and index not in self.shown:
            self._choose()
            self.update_curves()
        for parameter, curve in zip(self.shown, self.curves, strict=True):
            pen = pg.mkPen(curve.opts["pen"])
            pen.setWidthF(3.0 if parameter == index else CURVE_WIDTH)
            curve.setPen(pen)

    def open_chooser(self) -> CurveChooser:
        """The dialog that chooses the curves (non-modal; applied when accepted)."""
        automatic = self.chosen is None
        self.chooser = CurveChooser(self._names, self.shown, automatic, MAX_CURVES, self)
        self.chooser.accepted.connect(self._on_chooser_accepted)
        self.chooser.open()
        return self.chooser

    def _on_chooser_accepted(self) -> None:
        assert self.chooser is not None
        self.chosen = self.chooser.chosen
        self._choose()
        self.update_curves()

    # -- drawing --------------------------------------------------------------------------------
    def curve_data(self, first: int, last: int) -> CurveData:
        assert self._history is not None
        pick = np.asarray(self.shown, dtype=np.intp)
        source = (self._history, self._history.revision, tuple(self.shown))
        steps = self._history.sparse_steps
        x, ys = self._envelope.view(source, self._history.parameters, first, last, pick, steps)
        return [(curve, x, y) for curve, y in zip(self.curves, ys, strict=True)]

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        button = self.__dict__.get("chooser_button")
        if button is None:  # a resize while pyqtgraph builds the widget
            return
        button.adjustSize()
        button.move(4, 2)  # the title's row, left of the centred title, above the axis

    def describe(self, step: int) -> str:
        assert self._history is not None
        row = self._history.row(step)
        shown = ", ".join(f"{self._names[i]} = {format_number(row[i])}" for i in self.shown[:6])
        more = " …" if len(self.shown) > 6 else ""
        return f"step {step}: {shown}{more}"


__all__ = [
    "MARKER_PEN",
    "ErrorPlot",
    "StepAxis",
    "WeightsPlot",
    "colour",
    "loss_spans",
    "round_up",
    "value_bounds",
]
