"""Qt table models over the Trainer's arrays: samples, weights and biases of one layer.

They are thin adapters (no copies): `data` reads the arrays, `setData` parses the text
and hands the number to the Lab, which makes the undoable edit. Display shows numbers as
the lecture prints them, editing shows the full float64 value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from model.numbers import format_number

Qt = QtCore.Qt
ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex

CHANGED_BRUSH = QtGui.QBrush(QtGui.QColor(255, 236, 153))
SAMPLE_BRUSH = QtGui.QBrush(QtGui.QColor(214, 234, 248))


def parse_number(text: object) -> float:
    """The float a cell's text means; ValueError with a reason a student understands."""
    if isinstance(text, bool):
        raise ValueError("expected a number")
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:
            raise ValueError("too large for a 64-bit float (overflow)") from None
    else:
        cleaned = str(text).strip().replace("−", "-")
        if not cleaned:
            raise ValueError("a cell cannot be empty: type a number")
        if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
            cleaned = cleaned.replace(",", ".")  # decimal comma, as many locales type it
        try:
            value = float(cleaned)
        except ValueError:
            raise ValueError(f"{str(text).strip()!r} is not a number") from None
        if math.isinf(value) and "inf" not in cleaned.lower():
            raise ValueError(f"{cleaned} is too large for a 64-bit float (overflow)")
    if math.isnan(value):
        raise ValueError("NaN is not allowed: type a finite number")
    if math.isinf(value):
        raise ValueError("infinity is not allowed: type a finite number")
    return value


class _NumberTableModel(QtCore.QAbstractTableModel):
    """Shared behaviour: lecture-style display, full-precision edit, validated setData."""

    def __init__(self, lab: Lab, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.lab = lab

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
        problems: list[str] = []
        numbers: list[tuple[int, int, float]] = []
        for r, line in enumerate(cells):
            for c, text in enumerate(line):
                row, col = top + r, left + c
                if row >= self.rowCount() or col >= self.columnCount():
                    problems.append(f"row {r + 1}, column {c + 1} falls outside the table")
                    continue
                try:
                    numbers.append((row, col, parse_number(text)))
                except ValueError as error:
                    problems.append(f"{self.what(row, col)}: {error}")
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.lab.message.emit(f"Paste refused, nothing changed — {problems[0]}{more}")
            return False
        return self.commit_block(numbers, f"Paste {len(numbers)} cells")

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
        """Values changed (step, back, undo): repaint every cell, keep the shape."""
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

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
        return self._arrays()[0].shape[0]

    def columnCount(self, parent: ModelIndex | None = None) -> int:
        inputs, targets = self._arrays()
        return inputs.shape[1] + targets.shape[1]

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
        trainer = self.lab.trainer
        if trainer.position == 0:
            return None
        index = self.lab.flat_index(self.layer, self.kind, row, col)
        history = trainer.history
        before = history.parameters[index, trainer.position - 1]
        after = history.parameters[index, trainer.position]
        return CHANGED_BRUSH if before != after else None

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


class NumberDelegate(QtWidgets.QStyledItemDelegate):
    """A line editor that only takes characters a number can contain; the model decides
    whether the whole text is a valid number (validate twice)."""

    _allowed = QtCore.QRegularExpression(r"^[0-9eE+\-−.,\s]*$")

    def createEditor(
        self, parent: QtWidgets.QWidget, option: QtWidgets.QStyleOptionViewItem, index: ModelIndex
    ) -> QtWidgets.QWidget:
        editor = QtWidgets.QLineEdit(parent)
        editor.setValidator(QtGui.QRegularExpressionValidator(self._allowed, editor))
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        return editor


class NumberTableView(QtWidgets.QTableView):
    """A table that keeps its navigation keys: the window's →, ← and Space shortcuts
    (Step, Back, Run) must not steal them while the focus is in a table."""

    _own_keys = frozenset(
        {
            QtCore.Qt.Key.Key_Left,
            QtCore.Qt.Key.Key_Right,
            QtCore.Qt.Key.Key_Up,
            QtCore.Qt.Key.Key_Down,
            QtCore.Qt.Key.Key_Space,
        }
    )

    def event(self, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.ShortcutOverride
            and isinstance(event, QtGui.QKeyEvent)
            and (
                (
                    event.key() in self._own_keys
                    and event.modifiers() == QtCore.Qt.KeyboardModifier.NoModifier
                )
                or event.matches(QtGui.QKeySequence.StandardKey.Copy)
                or event.matches(QtGui.QKeySequence.StandardKey.Paste)
            )
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.matches(QtGui.QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.matches(QtGui.QKeySequence.StandardKey.Copy):
            self.copy()
        else:
            super().keyPressEvent(event)

    def paste(self) -> bool:
        """Paste the clipboard's block of numbers at the current cell (Ctrl+V)."""
        model = self.model()
        current = self.currentIndex()
        if not isinstance(model, _NumberTableModel) or not current.isValid():
            return False
        cells = split_block(QtGui.QGuiApplication.clipboard().text())
        if not cells:
            model.lab.message.emit("Nothing to paste: the clipboard holds no text.")
            return False
        return model.paste_block(current.row(), current.column(), cells)

    def copy(self) -> None:
        """Copy the selected block at full precision (Ctrl+C), tab-separated."""
        model = self.model()
        ranges = self.selectionModel().selection()
        if not isinstance(model, _NumberTableModel) or ranges.isEmpty():
            return
        block = ranges.first()
        QtGui.QGuiApplication.clipboard().setText(
            model.copy_block(block.top(), block.left(), block.bottom(), block.right())
        )


def split_block(text: str) -> list[list[str]]:
    """A spreadsheet's clipboard text as rows of cells: tab-separated lines (a single
    column may also come separated by `;`). Trailing empty lines are dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    separator = "\t" if any("\t" in line for line in lines) else ";"
    return [line.split(separator) for line in lines]


def make_table_view(
    name: str, model: QtCore.QAbstractTableModel, parent: QtWidgets.QWidget | None = None
) -> QtWidgets.QTableView:
    """A table view set up the same way for every number table."""
    view = NumberTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setItemDelegate(NumberDelegate(view))
    view.setAlternatingRowColors(True)
    # As tall as the rows need (up to a limit), so small tables leave room for the rest.
    view.setSizeAdjustPolicy(QtWidgets.QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Maximum)
    view.setMaximumHeight(260)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ContiguousSelection)
    view.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    view.setEditTriggers(
        QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
        | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        | QtWidgets.QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    return view
