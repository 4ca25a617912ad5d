"""How the main window's three columns share a laptop screen.

The window must fit a 1366×768 screen with a taskbar (everything usable at 1366×700, and
smaller still). The tables and settings column scrolls when it is taller than the window
(before, its height set the window's minimum: 749 px), its tables keep a few rows each,
and the three columns start at widths in proportion to the window's.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

LEFT_WIDTH = 340  # the tables and the settings form
EXPLANATION_SHARE = 0.27  # of the window's width, for the explanation
MIN_EXPLANATION = 220
NARROW = 1200  # below this width the centre's tabs need the room more than the text
TABLE_ROWS_AT_LEAST = 3  # rows a table keeps when the column is short


class SideColumn(QtWidgets.QScrollArea):
    """A vertical stack of panels that scrolls when the window is shorter than they are."""

    def __init__(self, panels: list[QtWidgets.QWidget]) -> None:
        super().__init__()
        self.setObjectName("sideColumn")
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(inner)
        layout.setContentsMargins(0, 0, 0, 0)
        for panel in panels:
            layout.addWidget(panel)
        layout.addStretch(1)
        self.setWidget(inner)
        for table in inner.findChildren(QtWidgets.QTableView):
            keep_rows(table)

    def minimumSizeHint(self) -> QtCore.QSize:
        # As wide as the panels need (nothing is cut at the side), as short as anything.
        inner = self.widget()
        panels = inner.minimumSizeHint().width() if inner is not None else LEFT_WIDTH
        width = panels + self.verticalScrollBar().sizeHint().width()
        return QtCore.QSize(width, 120)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(max(LEFT_WIDTH, self.minimumSizeHint().width()), 600)


def keep_rows(table: QtWidgets.QTableView) -> None:
    """The table never shrinks below its header and TABLE_ROWS_AT_LEAST rows (fewer if
    it has fewer), whatever the column's height: the column scrolls instead."""

    def update() -> None:
        model = table.model()
        rows = min(model.rowCount() if model is not None else 0, TABLE_ROWS_AT_LEAST)
        height = (
            table.horizontalHeader().sizeHint().height()
            + max(rows, 1) * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
            + (table.horizontalScrollBar().sizeHint().height() if rows else 0)
        )
        table.setMinimumHeight(min(height, table.maximumHeight()))

    model = table.model()
    if model is not None:
        model.modelReset.connect(update)
        model.rowsInserted.connect(update)
        model.rowsRemoved.connect(update)
    update()


def initial_sizes(width: int, left: int) -> list[int]:
    """The three columns' widths for a window `width` pixels wide."""
    share = round(EXPLANATION_SHARE * width) if width >= NARROW else 0
    explanation = max(MIN_EXPLANATION, share)
    centre = max(width - left - explanation - 24, 200)
    return [left, centre, explanation]
