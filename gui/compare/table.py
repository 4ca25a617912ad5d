"""The runs table: one row per compared run — its colour and name, its settings, the step
it is at, its error, how far its parameters are from run 1's, and why it stopped if it
did. It sits in a dock under the window's columns, shown only while a comparison is on.

The model is a thin adapter over `Comparison.summaries` (model/comparison.py), read again
when the runs move (`ComparedRuns.changed`), less often during a Run (as the other tables).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui.compare.colours import run_colour
from gui.controls import RULE_LABELS
from gui.lab import Lab
from gui.runner import Throttle
from model.comparison import Comparison, RunSummary
from model.losses import LOSSES
from model.numbers import format_number
from model.state import Trainer

Qt = QtCore.Qt
TABLE_INTERVAL_S = 0.2  # during a Run, as the data and parameter tables
HEADERS = ("Run", "Settings", "Step", "Error E", "Distance from run 1", "Note")
TIPS = (
    "The run's colour in the plots, and what it changes",
    "Every setting of the run",
    "The step the run shows (run 1's numbering)",
    "The error E of the run at that step",
    "‖θ − θ₁‖: how far the run's parameters are from run 1's at the same step",
    "Why a run stopped short (a divergence), if it did",
)
NUMERIC = (2, 3, 4)
ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex
ROOT = QtCore.QModelIndex()


def settings_text(trainer: Trainer) -> str:
    """A run's settings in a line: 'η 0.1, lecture's rule, squared error, online, sgd'."""
    config = trainer.config
    mode = f"mini-batch {config.batch_size}" if config.mode == "minibatch" else config.mode
    parts = [
        f"η {format_number(config.learning_rate)}",
        RULE_LABELS[config.rule].split(":")[0].lower(),
        LOSSES[config.loss].label,
        mode,
        config.optimizer.name,
    ]
    parts += [
        f"{key} {format_number(getattr(config, key))}"
        for key in ("l1", "l2")
        if getattr(config, key)
    ]
    parts.append("/".join(trainer.network.activations))
    return ", ".join(parts)


class RunsTableModel(QtCore.QAbstractTableModel):
    """Rows: run 1, then each compared run (none while no comparison is on)."""

    def __init__(self, lab: Lab, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.rows: list[RunSummary] = []
        self.settings: list[str] = []
        self.stops: list[int | None] = []  # run 1's step where each run stopped short

    def refresh(self) -> None:
        comparison: Comparison | None = self.lab.compared.comparison
        main = self.lab.trainer
        rows: list[RunSummary] = []
        settings: list[str] = []
        self.stops = []
        if comparison is not None:
            rows = comparison.summaries(main)
            settings = [settings_text(t) for t in comparison.trainers(main)]
            origin = comparison.origin
            self.stops = [None]
            self.stops += [
                None if r.stopped_at is None else origin + r.stopped_at for r in comparison.runs
            ]
        if len(rows) != len(self.rows):
            self.beginResetModel()
            self.rows, self.settings = rows, settings
            self.endResetModel()
            return
        self.rows, self.settings = rows, settings
        if rows:
            last = self.index(len(rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DisplayRole])

    # -- Qt's table interface ---------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return TIPS[section]
        return None

    def data(
        self,
        index: ModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(index.row(), row, col)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QtGui.QColor(run_colour(row.number - 1))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == 5 and row.message:
            return QtGui.QColor("#B22222")
        return None

    def _text(self, i: int, row: RunSummary, col: int) -> str:
        if col == len(HEADERS) - 1:
            return self._note(i, row)
        distance = "—" if row.number == 1 else format_number(row.distance)
        texts = (row.label, self.settings[i], str(row.step), format_number(row.error), distance)
        return texts[col]

    def _note(self, i: int, row: RunSummary) -> str:
        stop = self.stops[i] if i < len(self.stops) else None
        if row.message and stop is not None:
            return f"stopped at step {stop}: {row.message}"
        return row.message or ("the window's run" if row.number == 1 else "")


class RunsTable(QtWidgets.QTableView):
    """The table view (objectName compareTable), as tall as its rows."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareTable")
        self.setAccessibleName("Compared runs")
        self.lab = lab
        self.runs_model = RunsTableModel(lab, self)
        self.setModel(self.runs_model)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((160, 330, 50, 135, 135)):
            self.setColumnWidth(col, width)
        self._throttle = Throttle(lab, TABLE_INTERVAL_S)
        lab.compared.changed.connect(self._on_runs_changed)
        lab.configChanged.connect(self.refresh)  # the labels say what differs
        self.refresh()

    def _on_runs_changed(self) -> None:
        if self._throttle.ready():
            self.refresh()

    def refresh(self) -> None:
        self.runs_model.refresh()
        rows = max(1, self.runs_model.rowCount())
        height = (
            self.horizontalHeader().sizeHint().height()
            + rows * self.verticalHeader().defaultSectionSize()
        )
        self.setFixedHeight(height + 2 * self.frameWidth() + 2)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(900, self.height())
