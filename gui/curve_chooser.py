"""Which parameters the weights plot draws, when there are more than it can show.

A plot of 10,000 curves is unreadable and takes minutes to build, so at most MAX_CURVES
are drawn: by default the parameter selected in the tables or the diagram, then those
that moved most since step 0 (`largest_moving`); or the ones the student ticks in
`CurveChooser`, a dialog with a filter over every parameter's name (it lists a million
names as fast as ten: the list asks only for the rows it shows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6 import QtCore, QtWidgets

from gui.cell_text import plural

Qt = QtCore.Qt
MAX_CURVES = 12


def largest_moving(parameters: NDArray[np.float64], k: int, first: Sequence[int] = ()) -> list[int]:
    """Indices of `first` (kept, at most k) and of the parameters whose value moved most
    between the first and the last row of `parameters` (shape (P, n)), k in all, in index
    order. Ties (nothing moved yet) go to the lowest indices. O(P)."""
    count = parameters.shape[0]
    if count <= k:
        return list(range(count))
    moved = np.abs(parameters[:, -1] - parameters[:, 0])
    moved[np.isnan(moved)] = np.inf
    kept = list(dict.fromkeys(i for i in first if 0 <= i < count))[:k]
    moved[kept] = np.inf
    threshold = np.partition(moved, count - k)[count - k]  # the k-th largest
    above = np.flatnonzero(moved > threshold)
    ties = np.flatnonzero(moved == threshold)[: k - len(above)]
    return sorted(int(i) for i in np.concatenate([above, ties]))


class NameList(QtCore.QAbstractListModel):
    """Every parameter's name, filtered, with a tick box; at most `limit` ticked."""

    refused = QtCore.Signal(str)

    def __init__(
        self, names: Sequence[str], ticked: Sequence[int], limit: int, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._names = list(names)
        self._lower = [name.lower() for name in self._names]
        self._rows: NDArray[np.intp] = np.arange(len(self._names))
        self.ticked: list[int] = list(ticked)
        self.limit = limit

    def set_filter(self, text: str) -> None:
        needle = text.strip().lower()
        self.beginResetModel()
        if needle:
            self._rows = np.array(
                [i for i, name in enumerate(self._lower) if needle in name], dtype=np.intp
            )
        else:
            self._rows = np.arange(len(self._names))
        self.endResetModel()

    def rowCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        i = int(self._rows[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._names[i]
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if i in self.ticked else Qt.CheckState.Unchecked).value
        return None

    def flags(self, index: Any) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsUserCheckable

    def setData(self, index: Any, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        i = int(self._rows[index.row()])
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            if i in self.ticked:
                return True
            if len(self.ticked) >= self.limit:
                self.refused.emit(
                    f"At most {self.limit} curves can be drawn: untick one before "
                    f"ticking {self._names[i]}."
                )
                return False
            self.ticked.append(i)
        elif i in self.ticked:
            self.ticked.remove(i)
        self.dataChanged.emit(index, index, [role])
        return True


class CurveChooser(QtWidgets.QDialog):
    """Automatic (selected + largest-moving) or the parameters ticked, at most `limit`.
    `chosen` after acceptance: None for automatic, else the indices ticked."""

    def __init__(
        self,
        names: Sequence[str],
        shown: Sequence[int],
        automatic: bool,
        limit: int = MAX_CURVES,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("curveChooser")
        self.setWindowTitle("Curves to draw")
        self.names = NameList(names, shown, limit, self)
        intro = QtWidgets.QLabel(
            f"The plot draws at most {limit} of the {plural(len(names), 'parameter')}."
        )
        intro.setWordWrap(True)
        self.automatic = QtWidgets.QRadioButton(
            "Automatic: the selected parameter, then those that moved most since step 0"
        )
        self.automatic.setToolTip(
            "The parameter selected in the tables or the network diagram is always drawn"
        )
        self.automatic.setObjectName("curvesAutomatic")
        self.ticked = QtWidgets.QRadioButton(f"These (tick up to {limit}):")
        self.ticked.setObjectName("curvesTicked")
        (self.automatic if automatic else self.ticked).setChecked(True)
        self.filter = QtWidgets.QLineEdit()
        self.filter.setObjectName("curvesFilter")
        self.filter.setPlaceholderText("Filter by name, e.g. L1.W or .b")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.names.set_filter)
        self.list = QtWidgets.QListView()
        self.list.setObjectName("curvesList")
        self.list.setUniformItemSizes(True)
        self.list.setModel(self.names)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("curvesMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B22222;")
        self.names.refused.connect(self.message.setText)
        self.names.dataChanged.connect(lambda *_: self._on_ticked())
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        for widget in (intro, self.automatic, self.ticked, self.filter, self.list, self.message):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.resize(420, 480)

    def _on_ticked(self) -> None:
        self.ticked.setChecked(True)
        self.message.setText("")

    def accept(self) -> None:
        if self.ticked.isChecked() and not self.names.ticked:
            self.message.setText("Tick at least one parameter, or choose Automatic.")
            return
        super().accept()

    @property
    def chosen(self) -> list[int] | None:
        return None if self.automatic.isChecked() else sorted(self.names.ticked)
