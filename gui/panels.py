"""The panels of the main window: the data table, the parameter tables, the plots and the
explanation (the divergence banner is in gui/divergence_banner.py). Each keeps itself in
sync with the Lab."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui import runner
from gui.cell_text import plural
from gui.divergence_banner import DivergenceBanner  # noqa: F401  (the window imports it here)
from gui.lab import Lab
from gui.plots import ErrorPlot, WeightsPlot, loss_spans
from gui.runner import Throttle
from gui.tables import BiasTableModel, InputsTableModel, WeightsTableModel, make_table_view
from model.explain import explain_step, to_html
from model.losses import get_loss

# While running, numbers that change 30 times a second cannot be read anyway: the tables
# and the explanation redraw less often than the plots, which leaves time for stepping.
TABLES_INTERVAL_S = 0.2
EXPLAIN_INTERVAL_S = 0.3


class DataPanel(QtWidgets.QGroupBox):
    """Samples: inputs X and desired outputs d, one row each; add and remove rows."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Data (one row per sample)", parent)
        self.lab = lab
        self.model = InputsTableModel(lab, self)
        self.view = make_table_view("inputsTable", self.model)
        add = QtWidgets.QPushButton("+ Sample")
        add.setObjectName("addSampleButton")
        add.setToolTip("Add a sample (a copy of the last row)")
        remove = QtWidgets.QPushButton("− Sample")
        remove.setObjectName("removeSampleButton")
        remove.setToolTip("Remove the selected sample")
        add.clicked.connect(lab.add_sample)
        remove.clicked.connect(self._on_remove_clicked)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        self._throttle = Throttle(lab, TABLES_INTERVAL_S)
        lab.positionChanged.connect(self._refresh)
        lab.structureChanged.connect(self.model.rebuild)

    def _refresh(self) -> None:
        if self._throttle.ready():
            self.model.refresh()

    def _on_remove_clicked(self) -> None:
        index = self.view.currentIndex()
        self.lab.remove_sample(index.row() if index.isValid() else self.model.rowCount() - 1)


class ParametersPanel(QtWidgets.QGroupBox):
    """The selected layer's weights and biases; cells the last step changed are yellow."""

    layerChanged = QtCore.Signal(int)
    parameterSelected = QtCore.Signal(int)

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Parameters", parent)
        self.lab = lab
        self.layer_combo = QtWidgets.QComboBox()
        self.layer_combo.setObjectName("layerCombo")
        self.layer_combo.setToolTip("The layer whose weights and biases the tables show")
        self.weights_model = WeightsTableModel(lab, self)
        self.bias_model = BiasTableModel(lab, self)
        self.weights_view = make_table_view("weightsTable", self.weights_model)
        self.bias_view = make_table_view("biasTable", self.bias_model)
        layer_row = QtWidgets.QHBoxLayout()
        layer_row.addWidget(QtWidgets.QLabel("Layer"))
        layer_row.addWidget(self.layer_combo, stretch=1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(layer_row)
        layout.addWidget(QtWidgets.QLabel("Weights W (rows: neurons, columns: their inputs)"))
        layout.addWidget(self.weights_view)
        layout.addWidget(QtWidgets.QLabel("Biases b (the weight of a constant +1 input)"))
        layout.addWidget(self.bias_view)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        for view, kind in ((self.weights_view, "W"), (self.bias_view, "b")):
            view.selectionModel().currentChanged.connect(
                lambda current, _previous, kind=kind: self._on_cell_selected(kind, current)
            )
        self._throttle = Throttle(lab, TABLES_INTERVAL_S)
        lab.positionChanged.connect(self._refresh)
        lab.structureChanged.connect(self.rebuild)
        lab.configChanged.connect(self._refill_layers)
        self.rebuild()

    def rebuild(self) -> None:
        self._refill_layers()
        self.weights_model.rebuild()
        self.bias_model.rebuild()

    def _refill_layers(self) -> None:
        network = self.lab.trainer.network
        current = max(0, self.layer_combo.currentIndex())
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for l in range(1, network.depth + 1):
            role = "output" if l == network.depth else "hidden"
            self.layer_combo.addItem(
                f"Layer {l} ({role}, {plural(network.layers[l], 'neuron')}, "
                f"{network.activations[l - 1]})",
                l,
            )
        self.layer_combo.setCurrentIndex(min(current, network.depth - 1))
        self.layer_combo.setEnabled(network.depth > 1)
        self.layer_combo.blockSignals(False)
        self._on_layer_changed(self.layer_combo.currentIndex())

    def _on_layer_changed(self, index: int) -> None:
        layer = index + 1
        if layer != self.weights_model.layer:
            self.weights_model.set_layer(layer)
            self.bias_model.set_layer(layer)
        self.layerChanged.emit(layer)

    def select(self, layer: int, kind: str, row: int, col: int, edit: bool = False) -> None:
        """Show a parameter's cell (switching the layer), and open its editor if asked."""
        self.layer_combo.setCurrentIndex(self.layer_combo.findData(layer))
        view = self.weights_view if kind == "W" else self.bias_view
        index = view.model().index(row, col if kind == "W" else 0)
        view.setCurrentIndex(index)
        view.scrollTo(index)
        if edit:
            view.setFocus()
            view.edit(index)

    def _on_cell_selected(self, kind: str, current: QtCore.QModelIndex) -> None:
        if current.isValid():
            col = current.column() if kind == "W" else 0
            self.parameterSelected.emit(
                self.lab.flat_index(self.weights_model.layer, kind, current.row(), col)
            )

    def _refresh(self) -> None:
        if self._throttle.ready():
            self.weights_model.refresh()
            self.bias_model.refresh()


class PlotsPanel(QtWidgets.QWidget):
    """Error and parameters against the step, stacked, with the log-scale toggle."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.error_plot = ErrorPlot()
        self.weights_plot = WeightsPlot()
        self.log_check = QtWidgets.QCheckBox("Logarithmic error axis")
        self.log_check.setObjectName("logScaleCheck")
        self.log_check.toggled.connect(self.error_plot.set_log)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(self.error_plot)
        splitter.addWidget(self.weights_plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.log_check)
        layout.addWidget(splitter, stretch=1)
        lab.historyChanged.connect(self.refresh)
        lab.positionChanged.connect(self._on_position_changed)
        lab.configChanged.connect(self.refresh)
        self.refresh()

    def enable_menus(self) -> None:
        """The plots' right-click menus (see `StepPlot.enable_menu`)."""
        for plot in (self.error_plot, self.weights_plot):
            plot.enable_menu()

    def refresh(self) -> None:
        trainer = self.lab.trainer
        for plot in (self.error_plot, self.weights_plot):
            plot.live = self.lab.running
        self.error_plot.refresh(
            trainer.history, get_loss(trainer.config.loss).label, loss_spans(trainer)
        )
        self.weights_plot.refresh(trainer.history)
        self._on_position_changed()

    def _on_position_changed(self) -> None:
        for plot in (self.error_plot, self.weights_plot):
            plot.set_position(self.lab.position)


class ExplanationPanel(QtWidgets.QGroupBox):
    """The arithmetic of the step just taken, in the lecture's own notation."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("What happened in this step", parent)
        self.lab = lab
        self._throttle = Throttle(lab, EXPLAIN_INTERVAL_S)
        self.view = QtWidgets.QTextBrowser()
        self.view.setObjectName("explainView")
        self.view.setOpenLinks(False)
        self.view.setAccessibleName("Explanation of the current step")
        # Lines break between words only: a number or a vector too wide for the panel
        # makes it scroll sideways rather than being split in the middle.
        self.view.setWordWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.view)
        lab.positionChanged.connect(self.refresh)
        lab.configChanged.connect(lambda: self.refresh(force=True))
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        if not (self._throttle.ready() or force):
            return
        start = runner.clock()  # (a test's clock, where it sets one)
        scroll = self.view.verticalScrollBar().value()
        self.view.setHtml(to_html(explain_step(self.lab.trainer)))
        self.view.verticalScrollBar().setValue(scroll)
        self._throttle.spent(runner.clock() - start)
