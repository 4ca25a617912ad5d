"""The "Optimizer and regularization" box under the Training settings: the optimizer and
the settings it reads, the L1 and L2 penalties, and the test set; and the spin boxes the
Training box uses for the mini-batch size.

As in the Training box (gui/controls.py): every change goes to `Lab.set_config` (the test
set to `Lab.set_test_split`); the widgets show the model's values again whenever it says
so (`configChanged`, `structureChanged`), with their signals blocked while they are
written, so a refused value goes back to the model's and the status bar says why.

The spin boxes accept any number typed, so that a value the model refuses reaches it and
its message names the setting ("β1 = 1" is refused by the model, not silently by the box);
only their arrows stay inside the values that make sense.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from model.numbers import format_number
from model.optimizers import SETTINGS, Optimizer

TYPED_LIMIT = 1e12  # what a spin box takes typed; the model says what it accepts
OPTIMIZERS: dict[str, tuple[str, str]] = {
    "sgd": (
        "Plain gradient descent",
        "θ ← θ − η·g: every step goes straight downhill, as in the lecture.",
    ),
    "momentum": (
        "Momentum",
        "Keeps a running sum of the directions: along a valley they add up, across it they cancel.",
    ),
    "rmsprop": (
        "RMSProp",
        "Divides each parameter's step by the root of its recent squared gradients, so "
        "steep and shallow directions move at a similar pace.",
    ),
    "adam": (
        "Adam",
        "Momentum and RMSProp together, corrected for their start at zero: the usual "
        "first choice for larger networks.",
    ),
}
TIPS = {
    "momentum": "μ: how much of the running sum each step keeps (0 = plain descent; "
    "0.9 ≈ the last ten directions).",
    "nesterov": "Nesterov: step along g + μ·v instead of v, which looks one step ahead "
    "and overshoots less.",
    "alpha": "α: how slowly RMSProp's average of the squared gradients forgets "
    "(0.99 ≈ the last hundred steps).",
    "beta1": "β1: how slowly Adam's average of the gradients m forgets (0.9 ≈ the last ten steps).",
    "beta2": "β2: how slowly Adam's average of the squared gradients v forgets "
    "(0.999 ≈ the last thousand steps).",
    "epsilon": "ε: a tiny number added under the division, so that a parameter whose "
    "gradient stayed 0 is not divided by zero.",
    "l1": "L1 penalty: adds l1·sign(w) to every weight's gradient, which pushes small "
    "weights to exactly 0 (biases are not penalised).",
    "l2": "L2 penalty (weight decay): adds l2·w to every weight's gradient, so weights "
    "shrink unless the data needs them large (biases are not penalised).",
    "fraction": "The share of the samples held out as a test set: never trained on, their "
    "error is drawn beside the training error.",
    "seed": "Which samples are held out: the same seed always picks the same ones.",
    "apply": "Hold out the test set now (a new history starts); 0 % puts the test "
    "samples back among the training samples.",
    "batch": "Mini-batch size k: each step uses the next k samples (1 is online, all of "
    "them is batch).",
}
LABELS = {
    "momentum": "Momentum μ",
    "nesterov": "Nesterov",
    "alpha": "RMSProp α",
    "beta1": "Adam β1",
    "beta2": "Adam β2",
    "epsilon": "ε",
}


class NumberSpin(QtWidgets.QDoubleSpinBox):
    """A number shown as the lecture prints it (0.9, 1e-8, 0.0001), any number typed.

    The arrows stay within [low, high]: they add `step`, or with `factor` multiply by it
    (…, 1e-5, 1e-4, …), going up from 0 to `first` and down from `first` to 0 when low
    is 0."""

    def __init__(
        self,
        name: str,
        low: float,
        high: float,
        step: float = 0.01,
        factor: float | None = None,
        first: float = 1e-4,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setDecimals(15)  # the stored value's precision, not the display's
        self.setRange(-TYPED_LIMIT, TYPED_LIMIT)
        self.setSingleStep(step)
        self.setKeyboardTracking(False)  # a value counts once typed (Enter, or focus out)
        self._low, self._high, self._factor, self._first = low, high, factor, first

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def valueFromText(self, text: str) -> float:
        return float(text.replace(",", "."))

    def validate(self, text: str, pos: int) -> tuple[QtGui.QValidator.State, str, int]:
        state = QtGui.QValidator.State
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            typing = all(c in "0123456789.,eE+-" for c in text)
            return (state.Intermediate if typing else state.Invalid, text, pos)
        inside = math.isfinite(value) and abs(value) <= TYPED_LIMIT
        return (state.Acceptable if inside else state.Intermediate, text, pos)

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if self._factor is None:
            new = value + steps * self.singleStep()
        elif value <= 0:
            new = self._first * self._factor ** (steps - 1) if steps > 0 else value
        else:
            new = value * self._factor**steps
            if self._low == 0 and new < self._first * 0.999:
                new = 0.0
        self.setValue(min(max(new, self._low), self._high))

    def stepEnabled(self) -> QtWidgets.QAbstractSpinBox.StepEnabledFlag:
        flag = QtWidgets.QAbstractSpinBox.StepEnabledFlag
        enabled = flag.StepNone
        if self.value() > self._low:
            enabled |= flag.StepDownEnabled
        if self.value() < self._high:
            enabled |= flag.StepUpEnabled
        return enabled


class BatchSizeSpin(QtWidgets.QSpinBox):
    """The mini-batch size: the arrows go from 1 to the number of samples; a larger number
    typed reaches the model, which refuses it and says why."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("batchSizeSpin")
        self.setRange(1, 10**9)
        self.setKeyboardTracking(False)
        self.setToolTip(TIPS["batch"])
        self.samples = 1

    def stepBy(self, steps: int) -> None:
        self.setValue(min(max(self.value() + steps, 1), self.samples))

    def stepEnabled(self) -> QtWidgets.QAbstractSpinBox.StepEnabledFlag:
        flag = QtWidgets.QAbstractSpinBox.StepEnabledFlag
        enabled = flag.StepNone
        if self.value() > 1:
            enabled |= flag.StepDownEnabled
        if self.value() < self.samples:
            enabled |= flag.StepUpEnabled
        return enabled


def default_batch_size(n_samples: int) -> int:
    """What the box offers before a mini-batch size was chosen: half the samples, at most 32."""
    return max(1, min(32, n_samples // 2))


class OptimizerPanel(QtWidgets.QGroupBox):
    """The optimizer and its settings (only those it reads are shown), L1 and L2, and the
    test set (how many samples are held out, from which seed)."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Optimizer and regularization", parent)
        self.setObjectName("optimizerPanel")
        self.lab = lab
        self.optimizer = QtWidgets.QComboBox()
        self.optimizer.setObjectName("optimizerCombo")
        self.optimizer.setToolTip("How a step moves the parameters along the gradient g")
        for index, (name, (label, tip)) in enumerate(OPTIMIZERS.items()):
            self.optimizer.addItem(label, name)
            self.optimizer.setItemData(index, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.spins: dict[str, NumberSpin] = {
            "momentum": NumberSpin("momentumSpin", 0.0, 0.999),
            "alpha": NumberSpin("alphaSpin", 0.0, 0.999),
            "beta1": NumberSpin("beta1Spin", 0.0, 0.999),
            "beta2": NumberSpin("beta2Spin", 0.0, 0.9999, step=0.001),
            "epsilon": NumberSpin("epsilonSpin", 1e-12, 1.0, factor=10.0, first=1e-8),
        }
        self.nesterov = QtWidgets.QCheckBox("Nesterov")
        self.nesterov.setObjectName("nesterovCheck")
        self.l1 = NumberSpin("l1Spin", 0.0, 1e3, factor=10.0)
        self.l2 = NumberSpin("l2Spin", 0.0, 1e3, factor=10.0)
        self._build_test_set_widgets()
        for key, widget in [*self.spins.items(), ("nesterov", self.nesterov)]:
            widget.setToolTip(TIPS[key])
        self.l1.setToolTip(TIPS["l1"])
        self.l2.setToolTip(TIPS["l2"])
        self._lay_out()
        self._connect_signals()
        self.sync()

    def _build_test_set_widgets(self) -> None:
        self.test_fraction = QtWidgets.QSpinBox()
        self.test_fraction.setObjectName("testFractionSpin")
        self.test_fraction.setRange(0, 90)
        self.test_fraction.setSuffix(" %")
        self.test_fraction.setSingleStep(5)
        self.test_fraction.setToolTip(TIPS["fraction"])
        self.test_seed = QtWidgets.QSpinBox()
        self.test_seed.setObjectName("testSeedSpin")
        self.test_seed.setRange(0, 99_999)  # (the model takes any; these are plenty)
        self.test_seed.setPrefix("seed ")
        self.test_seed.setToolTip(TIPS["seed"])
        self.apply_test = QtWidgets.QPushButton("Apply")
        self.apply_test.setObjectName("applyTestSplitButton")
        self.apply_test.setToolTip(TIPS["apply"])
        self._shown_test_set: tuple[int, int] | None = None
        self.test_label = QtWidgets.QLabel()
        self.test_label.setObjectName("testSetLabel")
        self.test_label.setWordWrap(True)

    def _lay_out(self) -> None:
        self.form = QtWidgets.QFormLayout(self)
        form = self.form
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Optimizer", self.optimizer)
        form.addRow(LABELS["momentum"], self.spins["momentum"])
        form.addRow("", self.nesterov)
        for key in ("alpha", "beta1", "beta2", "epsilon"):
            form.addRow(LABELS[key], self.spins[key])
        form.addRow("L1 penalty", self.l1)
        form.addRow("L2 penalty", self.l2)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.test_fraction, stretch=1)
        row.addWidget(self.test_seed, stretch=1)
        row.addWidget(self.apply_test)
        form.addRow("Test set", row)
        form.addRow("", self.test_label)

    def _connect_signals(self) -> None:
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_chosen)
        for key, spin in self.spins.items():
            spin.valueChanged.connect(lambda value, key=key: self._set_optimizer(key, value))
        self.nesterov.toggled.connect(lambda on: self._set_optimizer("nesterov", bool(on)))
        self.l1.valueChanged.connect(lambda value: self.lab.set_config(l1=float(value)))
        self.l2.valueChanged.connect(lambda value: self.lab.set_config(l2=float(value)))
        self.apply_test.clicked.connect(self._on_apply_test_split)
        self.lab.configChanged.connect(self.sync)
        self.lab.structureChanged.connect(self.sync)

    # -- widgets → Lab --------------------------------------------------------------------
    def _on_optimizer_chosen(self, _index: int) -> None:
        """Another optimizer, with the settings it shares with the old one (ε) kept and
        the others at their defaults."""
        old = self.lab.trainer.config.optimizer
        name = str(self.optimizer.currentData())
        kept = {key: getattr(old, key) for key in SETTINGS[name] if key in SETTINGS[old.name]}
        self.lab.set_config(optimizer=Optimizer(name, **kept))

    def _set_optimizer(self, key: str, value: float | bool) -> None:
        changes: dict[str, Any] = {key: value}  # one setting, named by the caller
        self.lab.set_config(optimizer=replace(self.lab.trainer.config.optimizer, **changes))

    def _on_apply_test_split(self) -> None:
        self.lab.set_test_split(self.test_fraction.value() / 100, self.test_seed.value())

    # -- Lab → widgets --------------------------------------------------------------------
    def sync(self) -> None:
        """Show the model's settings (signals blocked while writing: nothing echoes back)."""
        config = self.lab.trainer.config
        optimizer = config.optimizer
        widgets: list[QtWidgets.QWidget] = [
            self.optimizer,
            self.nesterov,
            self.l1,
            self.l2,
            self.test_fraction,
            *self.spins.values(),
        ]
        for widget in widgets:
            widget.blockSignals(True)
        self.optimizer.setCurrentIndex(self.optimizer.findData(optimizer.name))
        for key, spin in self.spins.items():
            spin.setValue(getattr(optimizer, key))
        self.nesterov.setChecked(optimizer.nesterov)
        self.l1.setValue(config.l1)
        self.l2.setValue(config.l2)
        reads = SETTINGS[optimizer.name]
        for key, widget in [*self.spins.items(), ("nesterov", self.nesterov)]:
            self.form.setRowVisible(widget, key in reads)
        self._sync_test_set()
        for widget in widgets:
            widget.blockSignals(False)

    def _sync_test_set(self) -> None:
        """The label says what the session holds out; the fraction box shows it when it
        changed (a fraction typed but not applied yet stays until then)."""
        data = self.lab.trainer.data
        held_out = 0 if data.test_inputs is None else len(data.test_inputs)
        total = held_out + data.n_samples
        if (held_out, total) == self._shown_test_set:
            return
        self._shown_test_set = (held_out, total)
        self.test_fraction.setValue(round(100 * held_out / total))
        if not held_out:
            self.test_label.setText("No test set: every sample trains.")
            return
        self.test_label.setText(
            f"session's test set: {held_out} sample{'s' if held_out != 1 else ''} "
            f"(of {total}), never trained on"
        )
