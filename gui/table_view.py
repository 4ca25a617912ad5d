"""The view side of the number tables: the cell editor, the table view (its keys, copy and
paste, the columns as wide as the numbers shown) and how every number table is set up.

A table may hold 100,000 samples: the view asks the model only for the cells it shows.
Rows have one fixed height (a header that sizes rows to their contents asks every cell of
every row at each change), and columns grow to the widest number visible, never clipping
one ("-1.881256185e-5", not "-1.88125…").
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from gui.cell_text import parse_number

Qt = QtCore.Qt
CELL_PADDING = 14  # pixels beside a cell's text (the style's margins and a little air)
MAX_TABLE_HEIGHT = 260


class BlockModel(Protocol):
    """What the view needs of a number table model for copy and paste."""

    def paste_block(self, top: int, left: int, cells: list[list[str]]) -> bool: ...

    def copy_block(self, top: int, left: int, bottom: int, right: int) -> str: ...

    def empty_clipboard(self) -> None: ...


class NumberDelegate(QtWidgets.QStyledItemDelegate):
    """A line editor that takes any text (the model says what is wrong with it when the
    edit ends) and tints itself while its text is not a number."""

    _INVALID = "QLineEdit { background: #FDECEA; }"

    def createEditor(
        self, parent: QtWidgets.QWidget, option: QtWidgets.QStyleOptionViewItem, index: Any
    ) -> QtWidgets.QWidget:
        editor = QtWidgets.QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        editor.textChanged.connect(lambda text: self._tint(editor, text))
        return editor

    def _tint(self, editor: QtWidgets.QLineEdit, text: str) -> None:
        try:
            parse_number(text)
        except ValueError as error:
            editor.setStyleSheet(self._INVALID)
            editor.setToolTip(str(error))
            return
        editor.setStyleSheet("")
        editor.setToolTip("")


class NumberTableView(QtWidgets.QTableView):
    """A table that keeps its navigation keys (the window's →, ← and Space shortcuts —
    Step, Back, Run — must not steal them while the focus is in a table), copies and
    pastes blocks, and tells its model which cells it shows."""

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

    def _block_model(self) -> BlockModel | None:
        model = self.model()
        return model if hasattr(model, "paste_block") else None  # type: ignore[return-value]

    def paste(self) -> bool:
        """Paste the clipboard's block of numbers at the current cell (Ctrl+V)."""
        model = self._block_model()
        current = self.currentIndex()
        if model is None or not current.isValid():
            return False
        cells = split_block(QtGui.QGuiApplication.clipboard().text())
        if not cells:
            model.empty_clipboard()
            return False
        return model.paste_block(current.row(), current.column(), cells)

    def copy(self) -> None:
        """Copy the selected block at full precision (Ctrl+C), tab-separated."""
        model = self._block_model()
        ranges = self.selectionModel().selection()
        if model is None or ranges.isEmpty():
            return
        block = ranges.first()
        QtGui.QGuiApplication.clipboard().setText(
            model.copy_block(block.top(), block.left(), block.bottom(), block.right())
        )

    # -- what is shown ------------------------------------------------------------------------
    def visible_block(self) -> tuple[int, int, int, int] | None:
        """(top, left, bottom, right) of the cells on screen; None when none are."""
        model = self.model()
        if model is None or not self.isVisible():
            return None
        rows, cols = model.rowCount(), model.columnCount()
        if not rows or not cols:
            return None
        viewport = self.viewport().rect()
        top = max(self.rowAt(viewport.top()), 0)
        bottom = self.rowAt(viewport.bottom())
        left = max(self.columnAt(viewport.left()), 0)
        right = self.columnAt(viewport.right())
        return (
            top,
            left,
            rows - 1 if bottom < 0 else bottom,
            cols - 1 if right < 0 else right,
        )

    def dataChanged(  # type: ignore[override]
        self, top_left: QtCore.QModelIndex, bottom_right: QtCore.QModelIndex, roles: Any = ()
    ) -> None:
        super().dataChanged(top_left, bottom_right, roles)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Columns at least as wide as the widest number on screen (they only grow, until
        the table is rebuilt, so they do not jitter while a run changes the digits)."""
        block = self.visible_block()
        model = self.model()
        if block is None or model is None:
            return
        top, left, bottom, right = block
        metrics = self.fontMetrics()
        widest = max(
            metrics.horizontalAdvance(str(model.data(model.index(row, col))))
            for row in range(top, bottom + 1)
            for col in range(left, right + 1)
        )
        header = self.horizontalHeader()
        needed = widest + CELL_PADDING
        if needed > header.minimumSectionSize():
            header.setMinimumSectionSize(needed)

    def reset(self) -> None:
        super().reset()
        self.horizontalHeader().setMinimumSectionSize(-1)  # the style's default again
        QtCore.QTimer.singleShot(0, self.fit_columns)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.fit_columns()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.fit_columns()


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
) -> NumberTableView:
    """A table view set up the same way for every number table."""
    view = NumberTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    if hasattr(model, "attach"):
        model.attach(view)
    view.setItemDelegate(NumberDelegate(view))
    view.setAlternatingRowColors(True)
    # As tall as the rows need (up to a limit), so small tables leave room for the rest.
    view.setSizeAdjustPolicy(QtWidgets.QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Maximum)
    view.setMaximumHeight(MAX_TABLE_HEIGHT)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ContiguousSelection)
    view.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setEditTriggers(
        QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
        | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        | QtWidgets.QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    return view
