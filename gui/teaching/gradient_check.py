"""View 4, the gradient check: backprop's ∂E/∂θ next to a central finite difference for
every parameter, in a table, with a one-sentence verdict. It is the evidence that the
chain rule the other views illustrate is computed right (and shows where it cannot be:
a relu at its kink).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.teaching.common import Qt, TeachingView
from model.gradcheck import GradientCheck, gradient_check
from model.numbers import format_significant

ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex

CHECK_INTERVAL_S = 0.5  # a gradient check costs 2 · n_params error evaluations
TOLERANCE = 1e-5  # relative difference above which a check is highlighted
TINY_GRADIENT = 1e-8
HIGHLIGHT = QtGui.QBrush(QtGui.QColor("#FDECEA"))
AGREE, DISAGREE = "#1B6E3A", "#B22222"


def short(x: float) -> str:
    """Two significant digits, for the summary: 3.1e-10."""
    return format_significant(x, 2)


class GradientCheckModel(QtCore.QAbstractTableModel):
    """One row per parameter: name, analytic and numeric ∂E/∂θ, their relative difference.
    Display is rounded to 9 significant digits, EditRole and the tooltip give the float."""

    HEADERS = (
        "parameter",
        "analytic ∂E/∂θ\n(backprop)",
        "numeric\n(central difference)",
        "relative\ndifference",
    )

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.checks: list[GradientCheck] = []

    def set_checks(self, checks: list[GradientCheck]) -> None:
        if len(checks) == len(self.checks):  # keeps the scroll position and selection
            self.checks = checks
            if checks:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(checks) - 1, len(self.HEADERS) - 1)
                )
            return
        self.beginResetModel()
        self.checks = checks
        self.endResetModel()

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.checks)

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.HEADERS)

    def value(self, row: int, col: int) -> str | float:
        check = self.checks[row]
        return (check.name, check.analytic, check.numeric, check.relative_difference)[col]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        value = self.value(row, col)
        roles = Qt.ItemDataRole
        if role == roles.DisplayRole:
            return value if isinstance(value, str) else format_significant(value)
        if role == roles.BackgroundRole:
            return HIGHLIGHT if self.checks[row].relative_difference > TOLERANCE else None
        return self._other_role(role, col, value)

    @staticmethod
    def _other_role(role: int, col: int, value: str | float) -> Any:
        roles = Qt.ItemDataRole
        if role == roles.EditRole:
            return value
        if role == roles.ToolTipRole and not isinstance(value, str):
            return repr(value)
        if role == roles.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class GradientCheckView(TeachingView):
    """Backprop's gradient next to finite differences, for every parameter, with a verdict.

    Attributes for tests: `model` (GradientCheckModel), `table`, `summary` (QLabel).
    """

    CAPTION = (
        "Backprop's ∂E/∂θ next to a central difference (E(θ + h) − E(θ − h)) / 2h "
        "with h = 1e-6, computed by changing one parameter at a time: where the chain "
        "rule is right they agree to about 8 digits."
    )

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(lab, "gradientCheckView", self.CAPTION, CHECK_INTERVAL_S, parent)
        self.model = GradientCheckModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("gradientCheckTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("gradientCheckSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.summary)

    def recompute(self) -> None:
        trainer = self.lab.trainer
        try:
            with np.errstate(all="ignore"):
                checks = gradient_check(trainer.network, trainer.data, trainer.config.loss)
        except ValueError as error:
            self.model.set_checks([])
            self.summary.setText(f"<b>No gradient to check.</b> {error}")
            return
        self.model.set_checks(checks)
        text, agree = verdict(checks)
        self.summary.setText(f'<span style="color:{AGREE if agree else DISAGREE}">{text}</span>')


def verdict(checks: list[GradientCheck]) -> tuple[str, bool]:
    """One sentence on the largest relative difference and what it means; and whether
    the check passed (a tiny absolute gap is rounding, not a wrong gradient)."""
    worst = max(checks, key=lambda c: c.relative_difference)
    largest = f"Largest relative difference {short(worst.relative_difference)}"
    if worst.relative_difference <= TOLERANCE:
        return f"{largest}: the chain rule and finite differences agree.", True
    gap = abs(worst.analytic - worst.numeric)
    if gap < TINY_GRADIENT:
        return (
            f"{largest} ({worst.name}, highlighted), but only {short(gap)} apart: the "
            "gradient there is so small that this is rounding in the finite "
            "difference, not a wrong gradient."
        ), True
    return (
        f"{largest} ({worst.name}, highlighted): the two disagree. A neuron sitting "
        "at a kink (relu at s = 0) has no derivative there; otherwise the chain rule "
        "is computed wrongly."
    ), False
