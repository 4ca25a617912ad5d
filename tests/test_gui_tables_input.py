"""Hostile input in the tables: pasted spreadsheet blocks (all or nothing, one undo step),
copying at full precision, and any text at all through setData (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from gui_helpers import cell_text, table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6 import QtCore, QtGui

from gui.lab import Lab
from gui.tables import BiasTableModel, InputsTableModel, WeightsTableModel, parse_number
from model.session import lecture_session, load_example

Qt = QtCore.Qt


def put_on_clipboard(text: str) -> None:
    QtGui.QGuiApplication.clipboard().setText(text)


def click_cell(qtbot, window, name: str, row: int, col: int) -> None:
    view = table(window, name)
    rect = view.visualRect(view.model().index(row, col))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def paste_into(qtbot, window, name: str, row: int, col: int, text: str) -> None:
    put_on_clipboard(text)
    click_cell(qtbot, window, name, row, col)
    qtbot.keyClick(table(window, name), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_a_pasted_block_fills_the_cells_as_one_undo_step(qtbot, window) -> None:
    window.open_example("xor")
    paste_into(qtbot, window, "inputsTable", 1, 0, "0.25\t0.75\t1\r\n1,5\t−2\t0\r\n")
    data = window.lab.trainer.data
    np.testing.assert_array_equal(data.inputs[1:3], [[0.25, 0.75], [1.5, -2.0]])
    np.testing.assert_array_equal(data.targets[1:3, 0], [1.0, 0.0])
    assert cell_text(window, "inputsTable", 2, 1) == "-2"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(window.lab.trainer.data.inputs, load_example("xor").data.inputs)


def test_a_block_with_a_bad_cell_changes_nothing_and_says_which(qtbot, window) -> None:
    window.open_example("xor")
    before = window.lab.trainer.data.copy()
    count = window.lab.undo_stack.count()
    paste_into(qtbot, window, "inputsTable", 0, 0, "0.5\t0.5\t1\n0.5\tabc\t1\n")
    assert np.array_equal(window.lab.trainer.data.inputs, before.inputs)
    assert window.lab.undo_stack.count() == count
    message = window.statusBar().currentMessage()
    assert "Paste refused, nothing changed" in message and "'abc' is not a number" in message


def test_a_block_too_large_for_the_table_is_refused(qtbot, window) -> None:
    paste_into(qtbot, window, "weightsTable", 0, 1, "0.1\t0.2\t0.3\n")
    assert window.lab.trainer.network.get_flat().tolist() == [0.5, 0.2, 1.83]
    assert "falls outside the table" in window.statusBar().currentMessage()


def test_pasted_nan_infinity_and_overflow_are_refused(qtbot, window) -> None:
    for text in ("nan", "inf", "1e309", "-Infinity", ""):
        paste_into(qtbot, window, "biasTable", 0, 0, f"{text}\n" if text else "\t")
        assert window.lab.trainer.network.biases[0][0] == 1.83, text


def test_copy_gives_every_digit_back(qtbot, window) -> None:
    window.transport.step_button.click()
    view = table(window, "weightsTable")
    click_cell(qtbot, window, "weightsTable", 0, 0)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        view.visualRect(view.model().index(0, 1)).center(),
    )
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QtGui.QGuiApplication.clipboard().text()
    W = window.lab.trainer.network.weights[0][0].tolist()
    assert copied == f"{W[0]!r}\t{W[1]!r}"
    assert [float(v) for v in copied.split("\t")] == W


# -- any text through setData ---------------------------------------------------------------
def texts() -> st.SearchStrategy[str]:
    numbers = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    return st.one_of(
        st.text(max_size=30),
        numbers,
        st.sampled_from(
            [
                "1e309",
                "-1e309",
                "nan",
                "NaN",
                " 0.5 ",
                "1,5",
                "−3",
                "1e-320",
                "",
                "   ",
                "0x10",
                "1_000",
                "١٢",
                "∞",
                "1.0.0",
                "--1",
                "+.5",
                "5e",
                "e5",
            ]
        ),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts(), which=st.sampled_from(["inputs", "weights", "bias"]))
def test_set_data_takes_a_finite_number_or_keeps_the_old_value(text: str, which: str) -> None:
    lab = Lab(lecture_session())
    model = {"inputs": InputsTableModel, "weights": WeightsTableModel, "bias": BiasTableModel}[
        which
    ](lab)
    messages: list[str] = []
    lab.message.connect(messages.append)
    index = model.index(0, 0)
    old = model.value(0, 0)
    try:
        expected: float | None = parse_number(text)
    except ValueError:
        expected = None
    accepted = model.setData(index, text, Qt.ItemDataRole.EditRole)
    value = model.value(0, 0)
    assert math.isfinite(value)
    if accepted:
        assert expected is not None and value == expected
    else:
        assert value == old and messages  # refused, said why, kept the old value


def test_a_block_the_model_refuses_changes_nothing_and_keeps_redo(qtbot, window) -> None:
    click_cell(qtbot, window, "weightsTable", 0, 0)
    window.transport.step_button.click()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    redo = window.lab.undo_stack.redoText()
    # d = 1e200 makes the error infinite: refused as a whole, after parsing succeeded
    paste_into(qtbot, window, "inputsTable", 0, 1, "0.5\t1e200")
    assert window.lab.trainer.data.inputs.tolist() == [[0.1, 0.3]]
    assert window.lab.undo_stack.redoText() == redo and redo.startswith("Train")


def test_a_pasted_block_of_weights_is_one_edit_of_the_current_state(qtbot, window) -> None:
    window.open_example("xor")
    for _ in range(3):
        window.transport.step_button.click()
    paste_into(qtbot, window, "weightsTable", 0, 0, "1\t2\n3\t4\n")
    W = window.lab.trainer.network.weights[0]
    assert W.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert window.lab.undo_stack.undoText() == "Paste 4 cells"
    assert window.lab.position == 3 and len(window.lab.trainer.history) == 4
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.lab.trainer.network.weights[0].tolist() != [[1.0, 2.0], [3.0, 4.0]]


def test_a_long_column_pasted_into_a_large_dataset_is_one_edit(qtbot, window) -> None:
    from model.datasets import make_dataset

    window.lab.set_dataset(make_dataset("blobs", 2000, 1), "Dataset: blobs")
    column = "\n".join(str(k / 1000) for k in range(2000))
    paste_into(qtbot, window, "inputsTable", 0, 0, column)
    np.testing.assert_array_equal(window.lab.trainer.data.inputs[:, 0], np.arange(2000) / 1000)
    assert window.lab.undo_stack.undoText() == "Paste 2000 cells"
