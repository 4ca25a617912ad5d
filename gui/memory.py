"""The memory budget in the window (model/budget.py): shown, settable, applied.

- The status bar shows, at its right, what the history holds against the budget
  ("history 120 MB of 2.0 GB"), and says when the state shown is recomputed by replaying
  the training rather than stored ("step 1,234 recomputed").
- Edit → Memory budget… sets it (saved in QSettings under `memory/budget`, in bytes);
  `--memory-budget SIZE` on the command line wins over the saved value for that run.
- Every Trainer the Lab holds trains within it; a network too large to hold a few states
  is refused (the setup dialog's message; a session opened anyway gets a warning).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.settings import app_settings, read_value
from model import budget as budgets
from model.budget import BudgetError, MemoryBudget, format_size, parse_size

SETTINGS_KEY = "memory/budget"
REFRESH_MS = 500  # the indicator's text at most this often during a Run


def saved_budget() -> MemoryBudget:
    """The command line's budget, else the one saved in the settings, else the default."""
    chosen = budgets.chosen()
    if chosen is not None:
        return chosen
    value = read_value(app_settings(), SETTINGS_KEY)
    try:
        n_bytes = int(str(value))
    except ValueError:
        return MemoryBudget.default()
    return MemoryBudget(n_bytes) if n_bytes >= budgets.MIN_BYTES else MemoryBudget.default()


def save_budget(budget: MemoryBudget) -> None:
    settings = app_settings()
    settings.setValue(SETTINGS_KEY, str(budget.total))
    settings.sync()


class MemoryIndicator(QtWidgets.QLabel):
    """The status bar's permanent text: the history's memory against the budget, and
    whether the state shown is recomputed."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryIndicator")
        self.lab = lab
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        for signal in (lab.positionChanged, lab.historyChanged, lab.structureChanged):
            signal.connect(self._later)
        self.refresh()

    def _later(self) -> None:
        if not self.lab.running:
            self.refresh()
        elif not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        trainer = self.lab.trainer
        history = trainer.history
        budget = trainer.budget
        held = trainer.held_bytes
        text = budget.describe(held) if budget is not None else f"history {format_size(held)}"
        position = trainer.position
        recomputed = not history.stored(position)
        if recomputed:
            text = f"step {position:,} recomputed · {text}"
        self.setText(text)
        self.setToolTip(
            f"The history stores {history.stored_count:,} of its {len(history):,} states "
            f"(every {history.stride:,}th, edits and changes of settings); the others are "
            "recomputed exactly by replaying the training when shown, plotted or exported."
            + (
                f"\nStep {position:,} is recomputed, not stored: its numbers are the "
                "run's own, bit for bit."
                if recomputed
                else ""
            )
            + "\nEdit → Memory budget… changes the budget."
        )


class MemoryBudgetDialog(QtWidgets.QDialog):
    """Asks for a budget ("512M", "2G"); OK applies it when it is valid and fits."""

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryBudgetDialog")
        self.setWindowTitle("Memory budget")
        self.lab = lab
        current = lab.trainer.budget or MemoryBudget.default()
        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(
            "The memory a session may hold: its history, the undo stack and the autosave "
            "(a share each). Past it, the history keeps checkpoints and recomputes the "
            "states between them by replaying the training, exactly.\n"
            "Default: a quarter of this computer's memory "
            f"({format_size(budgets.default_budget_bytes())})."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.edit = QtWidgets.QLineEdit(_size_text(current.total))
        self.edit.setObjectName("memoryBudgetEdit")
        self.edit.setPlaceholderText("e.g. 512M or 2G")
        layout.addWidget(self.edit)
        self.error = QtWidgets.QLabel("")
        self.error.setObjectName("memoryBudgetError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
            | QtWidgets.QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        default = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.RestoreDefaults)
        default.clicked.connect(
            lambda: self.edit.setText(_size_text(budgets.default_budget_bytes()))
        )
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            budget = MemoryBudget(parse_size(self.edit.text()))
            apply_budget(self.lab, budget)
        except ValueError as error:  # BudgetError too: the dialog stays open
            self.error.setText(str(error))
            return
        save_budget(budget)
        super().accept()


def _size_text(n_bytes: int) -> str:
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20)):
        if n_bytes % scale == 0:
            return f"{n_bytes // scale}{unit}"
    return f"{n_bytes // (1 << 20)}M"


def apply_budget(lab: Lab, budget: MemoryBudget) -> None:
    """Make `budget` the Lab's; BudgetError (nothing changed) when the network it holds
    does not fit."""
    trainer = lab.trainer
    history = trainer.history
    budget.check_network(trainer.network.n_parameters, history.width + 1)
    stored = history.stored_count
    trainer.set_budget(budget)
    if history.stored_count != stored:  # it thinned: the plots draw fewer states
        lab.historyChanged.emit()


class MemoryControl(QtCore.QObject):
    """Applies the budget to every session the Lab loads; the menu action."""

    def __init__(self, window: QtWidgets.QMainWindow, lab: Lab) -> None:
        super().__init__(window)
        self.window = window
        self.lab = lab
        self.budget = saved_budget()
        self.indicator = MemoryIndicator(lab, window)
        window.statusBar().addPermanentWidget(self.indicator)
        self.action = QtGui.QAction("Memory &budget…", window)
        self.action.setObjectName("memoryBudgetAction")
        self.action.setStatusTip("How much memory the session may hold (history, undo, autosave)")
        self.action.triggered.connect(self.ask)
        for action in window.menuBar().actions():
            menu = action.menu()
            if action.text() == "&Edit" and isinstance(menu, QtWidgets.QMenu):
                menu.addSeparator()
                menu.addAction(self.action)
        self.lab.structureChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        """The Lab's Trainer trains within the budget (a new session gets it too)."""
        trainer = self.lab.trainer
        if trainer.budget == self.budget:
            return
        try:
            apply_budget(self.lab, self.budget)
        except BudgetError as error:
            # Opened anyway (the file was chosen): it keeps the fewest states it can.
            trainer.set_budget(self.budget)
            self.lab.message.emit(f"This session is larger than the memory budget: {error}")
        self.indicator.refresh()

    def ask(self) -> None:
        dialog = MemoryBudgetDialog(self.lab, self.window)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.budget = self.lab.trainer.budget or self.budget
            self.indicator.refresh()
