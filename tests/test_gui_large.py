"""Large data in the window: a step with 30,000 samples reads only the cells on screen,
and no cell is clipped (every digit of the lecture's format shows). Speed is measured by
benchmarks/bench_large.py; here the work is counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import choose, click, table
from PySide6 import QtCore, QtGui, QtWidgets

from gui.tables import InputsTableModel

Qt = QtCore.Qt
SAMPLES = 30_000


@pytest.fixture
def counted_window(qtbot, dialogs, monkeypatch):
    """A window whose data table counts the model's data() calls (patched before the
    window exists: Qt looks a Python override up once)."""
    calls = {"n": 0}
    original = InputsTableModel.data

    def counting(self, index, role=Qt.ItemDataRole.DisplayRole):
        calls["n"] += 1
        return original(self, index, role)

    monkeypatch.setattr(InputsTableModel, "data", counting)
    from gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1366, 700)
    win.show()
    qtbot.waitExposed(win)
    yield win, calls
    win.runner.stop()


def on_screen(view: QtWidgets.QTableView) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the cells the view shows."""
    model, area = view.model(), view.viewport().rect()
    bottom, right = view.rowAt(area.bottom()), view.columnAt(area.right())
    return (
        max(view.rowAt(area.top()), 0),
        max(view.columnAt(area.left()), 0),
        model.rowCount() - 1 if bottom < 0 else bottom,
        model.columnCount() - 1 if right < 0 else right,
    )


def import_csv(qtbot, window, monkeypatch, path: Path) -> None:
    window.findChild(QtGui.QAction, "setupAction").trigger()
    setup = window.findChild(QtWidgets.QDialog, "setupDialog")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    click(qtbot, setup, "importSamplesButton")
    setup.close()


def test_a_step_with_30000_samples_reads_only_the_cells_on_screen(
    qtbot, counted_window, monkeypatch, tmp_path: Path
) -> None:
    window, calls = counted_window
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(size=(SAMPLES, 2)), rng.integers(0, 2, SAMPLES)])
    path = tmp_path / "big.csv"
    np.savetxt(path, rows, delimiter=",", fmt="%.6f")
    import_csv(qtbot, window, monkeypatch, path)
    assert window.lab.trainer.data.n_samples == SAMPLES
    view = table(window, "inputsTable")
    qtbot.wait(20)
    shown = on_screen(view)
    assert shown[2] - shown[0] < 40
    calls["n"] = 0
    click(qtbot, window, "stepButton")
    qtbot.wait(20)  # the repaint
    assert window.lab.position == 1
    cells_on_screen = (shown[2] - shown[0] + 1) * 3
    # a few roles per cell shown (display, background, alignment, font…), and nothing for
    # the 29,990 rows off screen (a header sizing rows to contents read all: 720,000)
    assert calls["n"] < 40 * cells_on_screen, calls["n"]
    # scrolling to the end still shows the right numbers
    view.scrollToBottom()
    index = view.model().index(SAMPLES - 1, 0)
    assert view.model().data(index) == f"{rows[-1, 0]:.6f}".rstrip("0").rstrip(".")


def test_no_cell_is_clipped(qtbot, window) -> None:
    window.open_example("deep_xor")
    choose(qtbot, window.findChild(QtWidgets.QComboBox, "layerCombo"), 2)
    window.lab.set_parameter(2, "W", 0, 3, -1.881256185e-05)
    window.lab.set_parameter(2, "W", 1, 0, -123456.123456789)
    view = table(window, "weightsTable")
    view.scrollTo(view.model().index(0, 0))
    qtbot.wait(20)
    metrics = view.fontMetrics()
    top, left, bottom, right = on_screen(view)
    assert right - left + 1 >= 1
    for row in range(top, bottom + 1):
        for col in range(left, right + 1):
            text = str(view.model().data(view.model().index(row, col)))
            assert metrics.horizontalAdvance(text) + 6 <= view.columnWidth(col), text
    view.scrollTo(view.model().index(0, 3))
    qtbot.wait(20)
    text = str(view.model().data(view.model().index(0, 3)))
    assert text == "-1.881256185e-5"
    assert metrics.horizontalAdvance(text) + 6 <= view.columnWidth(3)
