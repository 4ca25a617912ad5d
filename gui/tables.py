"""Qt table models over the Trainer's arrays: samples, weights and biases of one layer.

They are thin adapters (no copies): `data` reads the arrays, `setData` parses the text
and hands the number to the Lab, which makes the undoable edit. Display shows numbers as
the lecture prints them, editing shows the full float64 value. After a step only the
cells the views show are announced as changed (a table may hold 100,000 samples); the
views (gui/table_view.py) read the others when they scroll to them.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6 import QtCore, QtGui

from gui.cell_text import parse_number, plural, quote
from gui.lab import Lab
from gui.table_view import NumberTableView, make_table_view, split_block
from model.numbers import format_number

Qt = QtCore.Qt
ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex

CHANGED_BRUSH = QtGui.QBrush(QtGui.QColor(255, 236, 153))
SAMPLE_BRUSH = QtGui.QBrush(QtGui.QColor(214, 234, 248))


class _NumberTableModel(QtCore.QAbstractTableModel):
    """Shared behaviour: lecture-style display, full-precision edit, validated setData."""

    def __init__(self, lab: Lab, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self._views: list[weakref.ref[NumberTableView]] = []

    def attach(self, view: NumberTableView) -> None:
        """A view showing this model: `refresh` announces the cells it shows."""
        self._views.append(weakref.ref(view))

    # subclasses provide these three
    def value(self, row: int, col: int) -> float:
        raise NotImplementedError

    def commit(self, row: int, col: int, value: float) -> bool:
        raise NotImplementedError

    def what(self, row: int, col: int) -> str:
        raise NotImplementedError

    def highlighted(self, row: int, col: int) -> QtGui.QBrush | None:
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        roles = Qt.ItemDataRole
        if role in (roles.DisplayRole, roles.EditRole, roles.ToolTipRole):
            value = self.value(row, col)
            if role == roles.DisplayRole:
                return format_number(value)
            return repr(value) if role == roles.EditRole else f"{self.what(row, col)} = {value!r}"
        if role == roles.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return self.highlighted(row, col) if role == roles.BackgroundRole else None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, col = index.row(), index.column()
        try:
            number = parse_number(value)
        except ValueError as error:
            self.lab.message.emit(
                f"{self.what(row, col)}: {error}; kept {format_number(self.value(row, col))}"
            )
            return False
        return self.commit(row, col, number)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def paste_block(self, top: int, left: int, cells: list[list[str]]) -> bool:
        """Set a block of cells from text (a spreadsheet's copy), all or nothing: one bad
        cell, or one outside the table, and nothing changes (the status bar says which).
        The whole block is one undo step."""
        height, width = len(cells), max(len(line) for line in cells)
        rows, cols = self.rowCount() - top, self.columnCount() - left
        if height > rows or width > cols:
            self.lab.message.emit(
                f"Paste refused, nothing changed — the block ({plural(height, 'row')} × "
                f"{plural(width, 'column')}) falls outside the table: from the current "
                f"cell there is room for {plural(rows, 'row')} × {plural(cols, 'column')}"
            )
            return False
        first: str | None = None
        bad = 0
        numbers: list[tuple[int, int, float]] = []
        for r, line in enumerate(cells):
            for c, text in enumerate(line):
                row, col = top + r, left + c
                try:
                    numbers.append((row, col, parse_number(text)))
                except ValueError as error:
                    bad += 1
                    first = first or f"{self.what(row, col)}: {error}"
        if first is not None:
            more = f" (and {bad - 1:,} more)" if bad > 1 else ""
            self.lab.message.emit(f"Paste refused, nothing changed — {first}{more}")
            return False
        return self.commit_block(numbers, f"Paste {len(numbers)} cells")

    def empty_clipboard(self) -> None:
        self.lab.message.emit("Nothing to paste: the clipboard holds no text.")

    def commit_block(self, numbers: list[tuple[int, int, float]], text: str) -> bool:
        """All cells as one undoable edit, or none (False, with the reason)."""
        raise NotImplementedError

    def copy_block(self, top: int, left: int, bottom: int, right: int) -> str:
        """The cells as tab-separated lines, at full precision (repr)."""
        return "\n".join(
            "\t".join(repr(self.value(row, col)) for col in range(left, right + 1))
            for row in range(top, bottom + 1)
        )

    def refresh(self) -> None:
        """Values changed (step, back, undo): announce the cells on screen, keep the shape.
        (Without a view, all of them.)"""
        views = [view for ref in self._views if (view := ref()) is not None]
        if views:
            blocks = [block for view in views if (block := view.visible_block()) is not None]
        else:
            rows, cols = self.rowCount(), self.columnCount()
            blocks = [(0, 0, rows - 1, cols - 1)] if rows and cols else []
        if blocks:
            top, left = min(b[0] for b in blocks), min(b[1] for b in blocks)
            bottom, right = max(b[2] for b in blocks), max(b[3] for b in blocks)
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right))

    def rebuild(self) -> None:
        """The shape may have changed (new session, rows added)."""
        self.beginResetModel()
        self.endResetModel()


class InputsTableModel(_NumberTableModel):
    """Rows = samples; columns X1..Xn, then the desired outputs d1..dm."""

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        data = self.lab.trainer.data
        return data.inputs, data.targets

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return int(self._arrays()[0].shape[0])

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        inputs, targets = self._arrays()
        return int(inputs.shape[1] + targets.shape[1])

    def value(self, row: int, col: int) -> float:
        inputs, targets = self._arrays()
        n_in = inputs.shape[1]
        return float(inputs[row, col] if col < n_in else targets[row, col - n_in])

    def commit(self, row: int, col: int, value: float) -> bool:
        return self.lab.set_sample_value(row, col, value)

    def commit_block(self, numbers: list[tuple[int, int, float]], text: str) -> bool:
        return self.lab.set_sample_values(numbers, text)

    def what(self, row: int, col: int) -> str:
        return f"sample {row + 1}, {self.column_name(col)}"

    def column_name(self, col: int) -> str:
        n_in = self._arrays()[0].shape[1]
        return f"X{col + 1}" if col < n_in else f"d{col - n_in + 1}"

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.column_name(section)
            return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            name = self.column_name(section)
            return f"input {name}" if name.startswith("X") else f"desired output {name}"
        return None

    def highlighted(self, row: int, col: int) -> QtGui.QBrush | None:
        """The sample(s) the last step learned from."""
        trainer = self.lab.trainer
        if trainer.position == 0:
            return None
        config = trainer.config_for_step(trainer.position)
        if config.mode == "batch" or (trainer.position - 1) % self.rowCount() == row:
            return SAMPLE_BRUSH
        return None


class _LayerTableModel(_NumberTableModel):
    """Parameters of one layer (1-based `layer`), highlighted where the last step moved them."""

    kind = "W"

    def __init__(self, lab: Lab, parent: QtCore.QObject | None = None) -> None:
        super().__init__(lab, parent)
        self.layer = 1
        self._moved_key: tuple[int, int, int, bool] | None = None
        self._moved: NDArray[np.bool_] | None = None

    def set_layer(self, layer: int) -> None:
        self.beginResetModel()
        self.layer = max(1, min(layer, self.lab.trainer.network.depth))
        self.endResetModel()

    def rebuild(self) -> None:
        self.set_layer(self.layer)

    def commit(self, row: int, col: int, value: float) -> bool:
        return self.lab.set_parameter(self.layer, self.kind, row, col, value)

    def commit_block(self, numbers: list[tuple[int, int, float]], text: str) -> bool:
        flat = self.lab.flat_index
        return self.lab.set_parameters(
            {flat(self.layer, self.kind, row, col): value for row, col, value in numbers}, text
        )

    def what(self, row: int, col: int) -> str:
        index = self.lab.flat_index(self.layer, self.kind, row, col)
        return self.lab.trainer.network.parameter_names()[index]

    def highlighted(self, row: int, col: int) -> QtGui.QBrush | None:
        moved = self._moved_by_last_step()
        if moved is None:
            return None
        index = self.lab.flat_index(self.layer, self.kind, row, col)
        return CHANGED_BRUSH if moved[index] else None

    def _moved_by_last_step(self) -> NDArray[np.bool_] | None:
        """Which parameters the step to the current state changed, once per state (each
        cell read two rows of every parameter: 200 KB a cell on 10-100-100-10). None at
        step 0, and during a Run where the state before is not stored: its replay, a
        frame at a time in the window's thread, cost half the thread's time at a large
        budget's stride; the highlight comes back when the Run stops."""
        trainer = self.lab.trainer
        key = (trainer.revision, trainer.position, len(trainer.history), self.lab.running)
        if key != self._moved_key:
            self._moved_key = key
            position, history = trainer.position, trainer.history
            if position == 0 or (self.lab.running and not history.stored(position - 1)):
                self._moved = None
            else:
                self._moved = history.row(position - 1) != history.row(position)
        return self._moved

    def source_name(self, col: int) -> str:
        return f"X{col + 1}" if self.layer == 1 else f"h{self.layer - 1}.{col + 1}"


class WeightsTableModel(_LayerTableModel):
    """W[layer]: rows = neurons of the layer, columns = its inputs."""

    kind = "W"

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return self.lab.trainer.network.layers[self.layer]

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        return self.lab.trainer.network.layers[self.layer - 1]

    def value(self, row: int, col: int) -> float:
        return float(self.lab.trainer.network.weights[self.layer - 1][row, col])

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if self.lab.trainer.network.depth == 1 and self.rowCount() == 1:
                return f"W{section + 1}"  # the lecture's names
            return f"from {self.source_name(section)}"
        return f"neuron {section + 1}"


class BiasTableModel(_LayerTableModel):
    """b[layer]: one row per neuron of the layer."""

    kind = "b"

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return self.lab.trainer.network.layers[self.layer]

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        return 1

    def value(self, row: int, col: int) -> float:
        return float(self.lab.trainer.network.biases[self.layer - 1][row])

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return "b"
        return f"neuron {section + 1}"


__all__ = [
    "BiasTableModel",
    "InputsTableModel",
    "WeightsTableModel",
    "make_table_view",
    "parse_number",
    "quote",
    "split_block",
]
