"""Run → Compare…: the dialog that sets up to four runs side by side.

Run 1 is the window's own run, shown read-only (its settings are changed in the window,
where they are undoable). Runs 2–4 each have a check box and every setting a run can
change: η, rule, loss, mode and mini-batch size, optimizer and the settings it reads,
L1/L2, an activation per layer, and the initial weights (run 1's, or fresh ones from a
seed). Numbers are typed as text, so that a value that is not a number reaches the check
and its message names the run and the setting. OK checks every run (model/comparison.py
forks them as a trial) and starts the comparison only if all are fine; otherwise the
message stays in the dialog and nothing starts.
"""

from __future__ import annotations

import itertools

from PySide6 import QtCore, QtWidgets

from gui.compare.run_column import RunColumn
from gui.controls import MODE_LABELS, RULE_LABELS
from gui.lab import Lab
from gui.optimizer_settings import LABELS as OPTIMIZER_LABELS
from gui.optimizer_settings import OPTIMIZERS
from model.comparison import MAX_RUNS, Comparison, RunPlan, with_learning_rate
from model.losses import LOSSES
from model.numbers import format_number
from model.optimizers import SETTINGS

DEFAULT_FACTORS = (10.0, 100.0, 0.1)  # runs 2, 3, 4: η × 10, × 100 (checked), η / 10
FIRST_RUN = 2


ROW_LABELS = (
    "Learning rate η",
    "Rule",
    "Loss",
    "Mode",
    "Batch size k",
    "Optimizer",
    OPTIMIZER_LABELS["momentum"],
    "",
    OPTIMIZER_LABELS["alpha"],
    OPTIMIZER_LABELS["beta1"],
    OPTIMIZER_LABELS["beta2"],
    OPTIMIZER_LABELS["epsilon"],
    "L1 penalty",
    "L2 penalty",
)


class CompareDialog(QtWidgets.QDialog):
    """See the module's docstring. `runs`: the columns of runs 2–4; `message`: what is
    wrong with the settings (empty when nothing is)."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Compare runs")
        self.lab = lab
        trainer = lab.trainer
        depth = trainer.network.depth
        self.runs = [RunColumn.make(n, depth) for n in range(FIRST_RUN, MAX_RUNS + 1)]
        intro = QtWidgets.QLabel(
            f"Each run starts from run 1's state at step {trainer.position} (the same weights "
            "unless a seed is chosen) with its own settings. Step, Run, Back and the timeline "
            "then move all runs together. Run 1 is the window's run: change its settings in "
            "the window."
        )
        intro.setObjectName("compareIntro")
        intro.setWordWrap(True)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("compareMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B22222; font-weight: bold;")
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setObjectName("compareButtons")
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setText("Compare")
        ok.setObjectName("compareOkButton")
        cancel = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("compareCancelButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        scroll = QtWidgets.QScrollArea()
        scroll.setObjectName("compareScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        grid = self._grid(depth)
        scroll.setWidget(grid)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, stretch=1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._fill()
        self._connect()
        self.runs[0].eta.setFocus()
        page = grid.sizeHint()
        available = self.screen().availableGeometry()
        width = min(page.width() + 40, available.width() - 40)
        height = min(self.sizeHint().height() + page.height(), available.height() - 60)
        self.resize(width, height)

    # -- building -------------------------------------------------------------------------
    def _grid(self, depth: int) -> QtWidgets.QWidget:
        """Settings in rows, runs in columns: run 1 (read-only) first."""
        page = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(page)
        grid.setColumnStretch(0, 0)
        labels = [*ROW_LABELS, *(f"Activation, layer {k}" for k in range(1, depth + 1))]
        labels += ["Initial weights", ""]
        run1 = self._run1_texts(depth)
        header = QtWidgets.QLabel("<b>Run 1</b> (the window's)")
        header.setObjectName("compareRun1Header")
        grid.addWidget(header, 0, 1)
        for row, (label, text) in enumerate(zip(labels, run1, strict=True), start=1):
            grid.addWidget(QtWidgets.QLabel(label), row, 0)
            shown = QtWidgets.QLabel(text)
            shown.setWordWrap(True)
            shown.setObjectName(f"compareRun1Row{row}")
            shown.setEnabled(bool(text))
            grid.addWidget(shown, row, 1)
        for col, run in enumerate(self.runs, start=2):
            grid.addWidget(run.check, 0, col)
            for row, widget in enumerate(run.fields(), start=1):
                grid.addWidget(widget, row, col)
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(len(labels) + 1, 1)
        # Tab goes down a run's column, then to the next run.
        chain: list[QtWidgets.QWidget] = []
        for run in self.runs:
            chain += [run.check, *run.fields()]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)
        return page

    def _run1_texts(self, depth: int) -> list[str]:
        trainer = self.lab.trainer
        config = trainer.config
        optimizer = config.optimizer
        reads = SETTINGS[optimizer.name]
        texts = [
            format_number(config.learning_rate),
            RULE_LABELS[config.rule],
            LOSSES[config.loss].label,
            MODE_LABELS[config.mode],
            str(config.batch_size) if config.mode == "minibatch" else "",
            OPTIMIZERS[optimizer.name][0],
            format_number(optimizer.momentum) if "momentum" in reads else "",
            ("Nesterov" if optimizer.nesterov else "not Nesterov") if "nesterov" in reads else "",
        ]
        texts += [
            format_number(getattr(optimizer, k)) if k in reads else ""
            for k in ("alpha", "beta1", "beta2", "epsilon")
        ]
        texts += [format_number(config.l1), format_number(config.l2)]
        texts += list(trainer.network.activations[:depth])
        texts += [f"its state at step {trainer.position}", ""]
        return texts

    def _fill(self) -> None:
        """The comparison running now, if any; else η × 10 and η × 100 (checked) and
        η / 10 (not checked), everything else as run 1."""
        trainer = self.lab.trainer
        n_samples = trainer.data.n_samples
        comparison = self.lab.compared.comparison
        plans = comparison.plans() if comparison is not None else []
        for k, run in enumerate(self.runs):
            if k < len(plans):
                plan, checked = plans[k], True
            else:
                rate = trainer.config.learning_rate * DEFAULT_FACTORS[k]
                plan = with_learning_rate(trainer, rate)
                checked = comparison is None and k < 2
            run.check.setChecked(checked)
            run.batch.setMaximum(max(1, n_samples))
            run.show_plan(plan, n_samples)

    def _connect(self) -> None:
        for run in self.runs:
            for signal in (
                run.check.toggled,
                run.mode.currentIndexChanged,
                run.optimizer.currentIndexChanged,
                run.weights.currentIndexChanged,
            ):
                signal.connect(lambda *_a, run=run: run.sync_enabled())

    # -- OK ---------------------------------------------------------------------------------
    def plans(self) -> list[RunPlan]:
        """The checked runs' plans; ValueError naming the run and the setting if one is
        wrong or cannot train this network on this data."""
        plans = []
        for run in self.runs:
            if not run.check.isChecked():
                continue
            try:
                plans.append(run.plan(self.lab.trainer.config))
            except ValueError as error:
                raise ValueError(f"Run {run.number}: {error}") from None
        if not plans:
            raise ValueError("Tick at least one of runs 2 to 4 to compare it with run 1.")
        numbers = [run.number for run in self.runs if run.check.isChecked()]
        try:
            Comparison.fork(self.lab.trainer, plans)  # a trial: every check the runs make
        except ValueError as error:
            raise ValueError(_renumbered(str(error), numbers)) from None
        return plans

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def accept(self) -> None:
        try:
            plans = self.plans()
        except ValueError as error:
            self.show_message(str(error))
            return
        if not self.lab.compared.start(plans):
            self.show_message("The comparison could not start: see the status bar.")
            return
        self.show_message("")
        super().accept()


def _renumbered(message: str, numbers: list[int]) -> str:
    """Comparison.fork numbers the plans 2, 3, … in order; say the dialog's run numbers
    (run 4 alone is the first plan) and start with a capital, as a sentence."""
    for position, number in enumerate(numbers, start=FIRST_RUN):
        prefix = f"run {position}: "
        if message.startswith(prefix):
            message = f"Run {number}: {message[len(prefix) :]}"
            break
    return message[:1].upper() + message[1:]


if __name__ == "__main__":  # the dialog on the lecture example
    import sys

    from model.session import lecture_session

    app = QtWidgets.QApplication(sys.argv)
    dialog = CompareDialog(Lab(lecture_session()))
    dialog.show()
    app.exec()
