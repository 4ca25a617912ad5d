"""One compared run's column of the Compare dialog (gui/compare/dialog.py): its check box
and a widget per setting, what it shows of a plan, which of them its choices read, and
the plan typed into it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from PySide6 import QtCore, QtWidgets

from gui.controls import MODE_LABELS, RULE_LABELS
from gui.optimizer_settings import LABELS as OPTIMIZER_LABELS
from gui.optimizer_settings import OPTIMIZERS, TIPS, default_batch_size
from model.activations import ACTIVATION_NAMES
from model.comparison import RunPlan
from model.config import TrainingConfig
from model.losses import LOSSES
from model.numbers import format_number
from model.optimizers import SETTINGS, Optimizer

NUMBER_SETTINGS = ("momentum", "alpha", "beta1", "beta2", "epsilon")


class NotANumberError(ValueError):
    pass


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise NotANumberError(f"{what} must be a number, got {text.strip()!r}") from None
    if not math.isfinite(value):
        raise NotANumberError(f"{what} must be a finite number, got {text.strip()!r}")
    return value


def _combo(name: str, items: dict[str, str]) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setObjectName(name)
    for key, label in items.items():
        box.addItem(label, key)
        box.setItemData(box.count() - 1, label, QtCore.Qt.ItemDataRole.ToolTipRole)
    # Narrow columns: four runs side by side fit a 1366-pixel screen (the list opens wide).
    box.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    box.setMinimumContentsLength(11)
    return box


def _line(name: str, tip: str) -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit()
    edit.setObjectName(name)
    edit.setToolTip(tip)
    edit.setMinimumWidth(80)
    return edit


@dataclass
class RunColumn:
    """The widgets of one compared run (number 2, 3 or 4), object names compareRun{n}…."""

    number: int
    check: QtWidgets.QCheckBox
    eta: QtWidgets.QLineEdit
    rule: QtWidgets.QComboBox
    loss: QtWidgets.QComboBox
    mode: QtWidgets.QComboBox
    batch: QtWidgets.QSpinBox
    optimizer: QtWidgets.QComboBox
    numbers: dict[str, QtWidgets.QLineEdit]
    nesterov: QtWidgets.QCheckBox
    l1: QtWidgets.QLineEdit
    l2: QtWidgets.QLineEdit
    activations: list[QtWidgets.QComboBox]
    weights: QtWidgets.QComboBox
    seed: QtWidgets.QSpinBox

    @classmethod
    def make(cls, number: int, depth: int) -> RunColumn:
        p = f"compareRun{number}"
        check = QtWidgets.QCheckBox(f"Run &{number}")
        check.setObjectName(f"{p}Check")
        check.setToolTip(f"Compare a run {number} with the settings below")
        batch = QtWidgets.QSpinBox()
        batch.setObjectName(f"{p}Batch")
        batch.setRange(1, 10**9)
        batch.setToolTip(TIPS["batch"])
        optimizer = _combo(f"{p}Optimizer", {n: label for n, (label, _tip) in OPTIMIZERS.items()})
        nesterov = QtWidgets.QCheckBox("Nesterov")
        nesterov.setObjectName(f"{p}Nesterov")
        nesterov.setToolTip(TIPS["nesterov"])
        weights = _combo(f"{p}Weights", {"fork": "as run 1", "seed": "fresh, from seed"})
        weights.setToolTip(
            "As run 1: the very weights run 1 has at the step the comparison starts. "
            "Fresh: weights and biases drawn uniformly in [−0.5, 0.5] with the seed below."
        )
        seed = QtWidgets.QSpinBox()
        seed.setObjectName(f"{p}Seed")
        seed.setRange(0, 2**31 - 1)
        seed.setPrefix("seed ")
        seed.setValue(number)
        return cls(
            number=number,
            check=check,
            eta=_line(f"{p}Eta", "Learning rate η (a number > 0)"),
            rule=_combo(f"{p}Rule", RULE_LABELS),
            loss=_combo(f"{p}Loss", {n: loss.label for n, loss in LOSSES.items()}),
            mode=_combo(f"{p}Mode", MODE_LABELS),
            batch=batch,
            optimizer=optimizer,
            numbers={key: _line(f"{p}{key.capitalize()}", TIPS[key]) for key in NUMBER_SETTINGS},
            nesterov=nesterov,
            l1=_line(f"{p}L1", TIPS["l1"]),
            l2=_line(f"{p}L2", TIPS["l2"]),
            activations=[
                _combo(f"{p}Activation{layer}", {n: n for n in ACTIVATION_NAMES})
                for layer in range(1, depth + 1)
            ],
            weights=weights,
            seed=seed,
        )

    def fields(self) -> list[QtWidgets.QWidget]:
        """Every widget under the check box, top to bottom (the rows of the grid)."""
        return [
            self.eta,
            self.rule,
            self.loss,
            self.mode,
            self.batch,
            self.optimizer,
            self.numbers["momentum"],
            self.nesterov,
            *(self.numbers[k] for k in ("alpha", "beta1", "beta2", "epsilon")),
            self.l1,
            self.l2,
            *self.activations,
            self.weights,
            self.seed,
        ]

    def show_plan(self, plan: RunPlan, n_samples: int) -> None:
        config = plan.config
        self.eta.setText(format_number(config.learning_rate))
        for box, key in (
            (self.rule, config.rule),
            (self.loss, config.loss),
            (self.mode, config.mode),
            (self.optimizer, config.optimizer.name),
        ):
            box.setCurrentIndex(max(0, box.findData(key)))
        self.batch.setValue(config.batch_size or default_batch_size(n_samples))
        for key, edit in self.numbers.items():
            edit.setText(format_number(getattr(config.optimizer, key)))
        self.nesterov.setChecked(config.optimizer.nesterov)
        self.l1.setText(format_number(config.l1))
        self.l2.setText(format_number(config.l2))
        for box, name in zip(self.activations, plan.activations, strict=True):
            box.setCurrentIndex(max(0, box.findData(name)))
        self.weights.setCurrentIndex(0 if plan.seed is None else 1)
        if plan.seed is not None:
            self.seed.setValue(plan.seed)
        self.sync_enabled()

    def sync_enabled(self) -> None:
        """Only what this run's choices read can be edited."""
        on = self.check.isChecked()
        for widget in self.fields():
            widget.setEnabled(on)
        if not on:
            return
        self.batch.setEnabled(self.mode.currentData() == "minibatch")
        reads = SETTINGS[str(self.optimizer.currentData())]
        for key, edit in self.numbers.items():
            edit.setEnabled(key in reads)
        self.nesterov.setEnabled("nesterov" in reads)
        self.seed.setEnabled(self.weights.currentData() == "seed")

    def plan(self, base: TrainingConfig) -> RunPlan:
        """The run as typed (what the dialog does not offer, such as updating the biases,
        as in `base`); NotANumberError naming the setting if a number is not one.
        (Whether the settings fit the network is checked by forking a trial run.)"""
        name = str(self.optimizer.currentData())
        reads = SETTINGS[name]
        values: dict[str, Any] = {
            key: _number(edit.text(), OPTIMIZER_LABELS[key])
            for key, edit in self.numbers.items()
            if key in reads
        }
        if "nesterov" in reads:
            values["nesterov"] = self.nesterov.isChecked()
        mode = str(self.mode.currentData())
        config = replace(
            base,
            rule=str(self.rule.currentData()),
            loss=str(self.loss.currentData()),
            learning_rate=_number(self.eta.text(), "η"),
            mode=mode,
            batch_size=self.batch.value() if mode == "minibatch" else None,
            optimizer=Optimizer(name, **values),
            l1=_number(self.l1.text(), "L1"),
            l2=_number(self.l2.text(), "L2"),
        )
        activations = tuple(str(box.currentData()) for box in self.activations)
        seed = self.seed.value() if self.weights.currentData() == "seed" else None
        return RunPlan(config, activations, seed)
