"""Network → Data and architecture…: built-in datasets, CSV import of samples, the layers
and their activations, and how the weights are drawn. Every change is one undoable
command on the Lab (a new history starts, the old one comes back with Ctrl+Z)."""

from __future__ import annotations

import random

from PySide6 import QtGui, QtWidgets

from gui.cell_text import plural
from gui.lab import Lab
from model.activations import ACTIVATION_NAMES
from model.datasets import DATASETS, DataImportError, make_dataset, read_samples_csv

INIT_METHODS = {
    "uniform": "uniform in [−0.5, 0.5]",
    "xavier": "Xavier (Glorot) uniform",
    "he": "He normal",
}
MAX_NEURONS = 32
MAX_HIDDEN_LAYERS = 6


class LayerRow(QtWidgets.QWidget):
    """One non-input layer: its neuron count and activation."""

    def __init__(self, index: int, neurons: int, activation: str, output: bool) -> None:
        super().__init__()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = "output layer" if output else f"hidden layer {index}"
        layout.addWidget(QtWidgets.QLabel(label), 2)
        self.neurons = QtWidgets.QSpinBox()
        self.neurons.setObjectName(f"layerNeuronsSpin{index}")
        self.neurons.setRange(1, max(MAX_NEURONS, neurons))  # never clamp a loaded size
        self.neurons.setValue(neurons)
        self._name_unit(neurons)
        self.neurons.valueChanged.connect(self._name_unit)
        self.neurons.setEnabled(not output)  # the data fixes the number of outputs
        layout.addWidget(self.neurons, 2)
        self.activation = QtWidgets.QComboBox()
        self.activation.setObjectName(f"layerActivationCombo{index}")
        for name in ACTIVATION_NAMES:
            self.activation.addItem(name, name)
        self.activation.setCurrentIndex(self.activation.findData(activation))
        layout.addWidget(self.activation, 2)

    def _name_unit(self, count: int) -> None:
        self.neurons.setSuffix(" neuron" if count == 1 else " neurons")  # "1 neuron"


class SetupDialog(QtWidgets.QDialog):
    """Non-modal: the window stays usable, and the dialog follows the Lab."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle("Data and architecture")
        self.lab = lab
        self.rows: list[LayerRow] = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self._data_group())
        layout.addWidget(self._network_group())
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout.addWidget(close)
        lab.structureChanged.connect(self.sync)
        self.sync()

    # -- data -------------------------------------------------------------------------------
    def _data_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Data")
        form = QtWidgets.QFormLayout(group)
        self.dataset = QtWidgets.QComboBox()
        self.dataset.setObjectName("datasetCombo")
        for key, title in DATASETS.items():
            self.dataset.addItem(title, key)
        self.samples = self._spin("datasetSamplesSpin", 4, 2000, 100)
        self.noise = QtWidgets.QDoubleSpinBox()
        self.noise.setObjectName("datasetNoiseSpin")
        self.noise.setRange(0.0, 1.0)
        self.noise.setSingleStep(0.05)
        self.noise.setValue(0.1)
        self.data_seed = self._spin("datasetSeedSpin", 0, 2**31 - 1, 0)
        use = QtWidgets.QPushButton("Use this dataset")
        use.setObjectName("useDatasetButton")
        use.clicked.connect(self.use_dataset)
        load = QtWidgets.QPushButton("Import samples from CSV…")
        load.setObjectName("importSamplesButton")
        load.setToolTip(
            "One row per sample: the inputs, then the desired output(s); "
            "a header row, ';' or tab separators and a BOM are fine"
        )
        load.clicked.connect(self.import_samples)
        form.addRow("Dataset", self.dataset)
        form.addRow("Samples (random sets)", self.samples)
        form.addRow("Noise (random sets)", self.noise)
        form.addRow("Seed (random sets)", self.data_seed)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(use)
        buttons.addWidget(load)
        form.addRow(buttons)
        return group

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    def use_dataset(self) -> bool:
        key = str(self.dataset.currentData())
        data = make_dataset(key, self.samples.value(), self.data_seed.value(), self.noise.value())
        return self.lab.set_dataset(data, f"Dataset: {self.dataset.currentText()}")

    def import_samples(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Import samples", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if not path:
            return False
        n_outputs = self.lab.trainer.network.layers[-1]
        try:
            data = read_samples_csv(path, n_targets=n_outputs)
        except DataImportError as error:
            self.lab.message.emit(f"Samples not imported: {error}")
            QtWidgets.QMessageBox.warning(self, "Cannot import samples", str(error))
            return False
        return self.lab.set_dataset(data, f"Import {plural(data.n_samples, 'sample')}")

    # -- network ----------------------------------------------------------------------------
    def _network_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Network")
        layout = QtWidgets.QVBoxLayout(group)
        self.inputs_label = QtWidgets.QLabel()
        layout.addWidget(self.inputs_label)
        self.rows_box = QtWidgets.QVBoxLayout()
        layout.addLayout(self.rows_box)
        edit = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QPushButton("Add hidden layer")
        self.add_button.setObjectName("addLayerButton")
        self.add_button.clicked.connect(self.add_layer)
        self.remove_button = QtWidgets.QPushButton("Remove last hidden layer")
        self.remove_button.setObjectName("removeLayerButton")
        self.remove_button.clicked.connect(self.remove_layer)
        edit.addWidget(self.add_button)
        edit.addWidget(self.remove_button)
        layout.addLayout(edit)
        form = QtWidgets.QFormLayout()
        self.init = QtWidgets.QComboBox()
        self.init.setObjectName("initCombo")
        for key, label in INIT_METHODS.items():
            self.init.addItem(label, key)
        self.seed = self._spin("initSeedSpin", 0, 2**31 - 1, 0)
        form.addRow("Initial weights", self.init)
        form.addRow("Seed", self.seed)
        layout.addLayout(form)
        apply = QtWidgets.QHBoxLayout()
        build = QtWidgets.QPushButton("Build network")
        build.setObjectName("applyArchitectureButton")
        build.setToolTip(
            "A new network with these layers and freshly drawn weights; the data stays"
        )
        build.clicked.connect(self.apply_architecture)
        reroll = QtWidgets.QPushButton("Re-roll weights")
        reroll.setObjectName("rerollButton")
        reroll.setToolTip("The same layers with weights drawn from a new random seed")
        reroll.clicked.connect(self.reroll)
        apply.addWidget(build)
        apply.addWidget(reroll)
        layout.addLayout(apply)
        return group

    def sync(self) -> None:
        """Show the Lab's current network (after a change here, an undo, a new file)."""
        network = self.lab.trainer.network
        self.inputs_label.setText(f"{plural(network.layers[0], 'input')} (fixed by the data)")
        self._set_rows(network.layers[1:], network.activations)

    def _set_rows(self, sizes: list[int], activations: list[str]) -> None:
        for row in self.rows:
            self.rows_box.removeWidget(row)
            row.setParent(None)  # out of findChild's reach at once, not at deletion
            row.deleteLater()
        self.rows = []
        for i, (size, name) in enumerate(zip(sizes, activations, strict=True), start=1):
            row = LayerRow(i, size, name, output=i == len(sizes))
            self.rows.append(row)
            self.rows_box.addWidget(row)
        self.add_button.setEnabled(len(sizes) - 1 < MAX_HIDDEN_LAYERS)
        self.remove_button.setEnabled(len(sizes) > 1)

    def _layout_shown(self) -> tuple[list[int], list[str]]:
        sizes = [row.neurons.value() for row in self.rows]
        names = [str(row.activation.currentData()) for row in self.rows]
        return sizes, names

    def add_layer(self) -> None:
        """A hidden layer before the output (like the last hidden one, or 2 sigmoid)."""
        sizes, names = self._layout_shown()
        size, name = (sizes[-2], names[-2]) if len(sizes) > 1 else (2, "sigmoid")
        self._set_rows([*sizes[:-1], size, sizes[-1]], [*names[:-1], name, names[-1]])

    def remove_layer(self) -> None:
        sizes, names = self._layout_shown()
        self._set_rows([*sizes[:-2], sizes[-1]], [*names[:-2], names[-1]])

    def apply_architecture(self) -> bool:
        sizes, names = self._layout_shown()
        layers = [self.lab.trainer.network.layers[0], *sizes]
        return self.lab.set_architecture(
            layers, names, str(self.init.currentData()), self.seed.value()
        )

    def reroll(self) -> bool:
        self.seed.setValue(random.randrange(2**31))
        return self.apply_architecture()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self.sync()
        super().showEvent(event)
