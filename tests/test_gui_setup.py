"""Network → Data and architecture…: datasets, CSV import, layers, initialisation — each
an undoable change driven through the dialog's real widgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import choose, click
from PySide6 import QtCore, QtGui, QtWidgets

from model.datasets import make_dataset
from model.network import initial_weights

Qt = QtCore.Qt


@pytest.fixture
def setup(qtbot, window) -> QtWidgets.QDialog:
    window.findChild(QtGui.QAction, "setupAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "setupDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def activate(qtbot, widget: QtWidgets.QWidget) -> None:
    """Shortcuts go to the active window, as when the student clicks into it."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is widget, timeout=2000)


def spin(dialog: QtWidgets.QDialog, name: str) -> QtWidgets.QSpinBox:
    return dialog.findChild(QtWidgets.QAbstractSpinBox, name)


def test_the_dialog_shows_the_current_network(qtbot, window, setup) -> None:
    assert "2 inputs" in setup.inputs_label.text()
    assert len(setup.rows) == 1 and not spin(setup, "layerNeuronsSpin1").isEnabled()
    assert setup.findChild(QtWidgets.QComboBox, "layerActivationCombo1").currentData() == "sigmoid"


def test_a_built_in_dataset_replaces_the_samples_and_can_be_undone(qtbot, window, setup) -> None:
    choose(qtbot, setup.findChild(QtWidgets.QComboBox, "datasetCombo"), "circle")
    spin(setup, "datasetSamplesSpin").setValue(40)
    spin(setup, "datasetSeedSpin").setValue(7)
    click(qtbot, setup, "useDatasetButton")
    expected = make_dataset("circle", 40, 7, 0.1)
    np.testing.assert_array_equal(window.lab.trainer.data.inputs, expected.inputs)
    assert window.findChild(QtWidgets.QTableView, "inputsTable").model().rowCount() == 40
    assert window.lab.position == 0 and len(window.lab.trainer.history) == 1
    activate(qtbot, setup)
    qtbot.keyClick(setup, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.lab.trainer.data.n_samples == 1


def test_an_architecture_with_hidden_layers_is_built_and_switches_to_backprop(
    qtbot, window, setup
) -> None:
    window.open_example("xor")
    click(qtbot, setup, "addLayerButton")
    spin(setup, "layerNeuronsSpin1").setValue(3)
    choose(qtbot, setup.findChild(QtWidgets.QComboBox, "layerActivationCombo2"), "tanh")
    choose(qtbot, setup.findChild(QtWidgets.QComboBox, "initCombo"), "xavier")
    spin(setup, "initSeedSpin").setValue(5)
    click(qtbot, setup, "applyArchitectureButton")
    network = window.lab.trainer.network
    assert network.layers == [2, 3, 2, 1]
    assert network.activations == ["sigmoid", "tanh", "sigmoid"]
    weights, _ = initial_weights([2, 3, 2, 1], "xavier", 5)
    np.testing.assert_array_equal(network.weights[0], weights[0])
    assert window.lab.trainer.config.rule == "backprop"
    layer_combo = window.findChild(QtWidgets.QComboBox, "layerCombo")
    assert layer_combo.isEnabled() and layer_combo.count() == 3
    np.testing.assert_array_equal(
        window.lab.trainer.data.inputs, make_dataset("xor").inputs
    )  # the data stays
    click(qtbot, window, "stepButton")
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.lab.position == 0
    activate(qtbot, setup)
    qtbot.keyClick(setup, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # in the dialog
    assert window.lab.trainer.network.layers == [2, 2, 1]
    assert len(setup.rows) == 2  # the dialog follows


def test_reroll_draws_new_weights_for_the_same_layers(qtbot, window, setup) -> None:
    before = window.lab.trainer.network.get_flat()
    click(qtbot, setup, "rerollButton")
    after = window.lab.trainer.network
    assert after.layers == [2, 1] and not np.array_equal(after.get_flat(), before)


def test_removing_a_hidden_layer(qtbot, window, setup) -> None:
    window.open_example("xor")
    click(qtbot, setup, "removeLayerButton")
    click(qtbot, setup, "applyArchitectureButton")
    assert window.lab.trainer.network.layers == [2, 1]
    assert not setup.remove_button.isEnabled()


def test_csv_samples_import(qtbot, window, setup, monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "samples.csv"
    path.write_bytes("\ufeffx1;x2;x3;d\n0,5;1;2;1\n1;0;0,25;0\n".encode())
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    click(qtbot, setup, "importSamplesButton")
    data = window.lab.trainer.data
    np.testing.assert_array_equal(data.inputs, [[0.5, 1, 2], [1, 0, 0.25]])
    assert window.lab.trainer.network.layers == [3, 1]  # resized to fit
    assert "now 3-1" in window.statusBar().currentMessage()


def test_a_bad_csv_says_why_and_keeps_the_data(
    qtbot, window, setup, monkeypatch, dialogs, tmp_path: Path
) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("0.1,0.2,1\n0.3,0.4\n", encoding="utf-8")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    click(qtbot, setup, "importSamplesButton")
    assert window.lab.trainer.data.n_samples == 1
    assert dialogs.warnings and "line 2" in dialogs.warnings[-1]


def test_reroll_keeps_layers_wider_than_the_spin_boxes_offer(qtbot, window) -> None:
    window.open_example("xor")
    assert window.lab.set_architecture([2, 50, 1], ["tanh", "sigmoid"])
    window.findChild(QtGui.QAction, "setupAction").trigger()
    setup = window.findChild(QtWidgets.QDialog, "setupDialog")
    assert spin(setup, "layerNeuronsSpin1").value() == 50
    click(qtbot, setup, "rerollButton")
    assert window.lab.trainer.network.layers == [2, 50, 1]


def test_data_too_wide_for_a_session_is_refused(qtbot, window) -> None:
    from model.training import Dataset

    wide = Dataset(np.zeros((2, 1001)), np.zeros((2, 1)))
    assert not window.lab.set_dataset(wide, "Import")
    assert window.lab.trainer.network.layers == [2, 1]
    assert "at most 1000" in window.statusBar().currentMessage()
