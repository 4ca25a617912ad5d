"""The training controls: Step / Back / Run / Reset, the timeline, and the settings form.

Model → widget methods (`sync_*`) block the widgets' signals while they write, so a
change never echoes back; widget → model handlers are `_on_*_changed`.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.optimizer_settings import BatchSizeSpin, default_batch_size
from gui.runner import FASTEST, RunLoop, Throttle
from model.activations import ACTIVATION_NAMES
from model.losses import LOSSES
from model.numbers import format_number

COUNTER_INTERVAL_S = 0.1  # the step counter and slider redraw this often while running
RULE_LABELS = {"delta": "Lecture's rule: W + η[d − Y]X", "backprop": "Backprop (chain rule)"}
MODE_LABELS = {
    "online": "Online (one sample per step)",
    "batch": "Batch (all samples per step)",
    "minibatch": "Mini-batch (k samples per step)",
}
SPEEDS: list[tuple[str, float]] = [
    ("1 step/s", 1),
    ("2 steps/s", 2),
    ("5 steps/s", 5),
    ("10 steps/s", 10),
    ("30 steps/s", 30),
    ("100 steps/s", 100),
    ("1000 steps/s", 1000),
    ("As fast as possible", FASTEST),
]


class SpaceOnFocusedControl(QtCore.QObject):
    """Space on a focused button presses it (a check box toggles, a combo box opens), as
    in every desktop app; anywhere else it stays the Run / Pause shortcut.

    A window shortcut sees a key before the focused widget does, so without this Space on
    a focused Step button started a Run. Each button or combo box of the window that gets
    the focus is told to claim Space for itself (a ShortcutOverride it accepts)."""

    CLAIMS = (QtWidgets.QAbstractButton, QtWidgets.QComboBox)

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QtWidgets.QWidget | None, new: QtWidgets.QWidget) -> None:
        owner = self.parent()
        if (
            isinstance(new, self.CLAIMS)
            and isinstance(owner, QtWidgets.QWidget)
            and new.window() is owner.window()
        ):
            new.installEventFilter(self)  # once: installing it again only moves it first

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.ShortcutOverride
            and isinstance(event, QtGui.QKeyEvent)
            and event.key() == QtCore.Qt.Key.Key_Space
            and event.modifiers() == QtCore.Qt.KeyboardModifier.NoModifier
            and isinstance(watched, QtWidgets.QWidget)
            and watched.hasFocus()
        ):
            event.accept()  # the key goes to the focused control, not to the shortcut
            return True
        return super().eventFilter(watched, event)


class TransportBar(QtWidgets.QWidget):
    """Back, Step, Run/Pause, Reset, the step counter and the timeline slider."""

    def __init__(self, lab: Lab, runner: RunLoop, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.runner = runner
        self.back_button = self._button(
            "stepBackButton", "◀  Back", "Return to the previous state (←)"
        )
        self.step_button = self._button("stepButton", "Step  ▶", "One training step (→)")
        self.run_button = self._button("runButton", "Run", "Run continuously / pause (Space)")
        self.run_button.setCheckable(True)
        self.reset_button = self._button(
            "resetButton", "Reset", "Back to the initial parameters; history cleared (Ctrl+R)"
        )
        self.counter = QtWidgets.QLabel()
        self.counter.setObjectName("stepLabel")
        self.counter.setMinimumWidth(150)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setObjectName("stepSlider")
        self.slider.setToolTip("Timeline: drag to any earlier step")
        self.slider.setAccessibleName("Timeline")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.back_button, self.step_button, self.run_button, self.reset_button):
            layout.addWidget(widget)
        layout.addSpacing(12)
        layout.addWidget(self.counter)
        layout.addWidget(self.slider, stretch=1)

        self.step_button.clicked.connect(lab.step)
        self.back_button.clicked.connect(lab.step_back)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.run_button.toggled.connect(runner.toggle)
        self.slider.valueChanged.connect(self._on_slider_changed)
        runner.runningChanged.connect(self.sync_running)
        self.space = SpaceOnFocusedControl(self)
        self._throttle = Throttle(lab, COUNTER_INTERVAL_S)
        lab.positionChanged.connect(self._on_position_changed)
        self.sync_position()
        self.sync_running(False)

    def _button(self, name: str, text: str, tip: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAccessibleName(text.strip(" ◀▶"))
        button.setMinimumWidth(84)
        # Reached with Tab (then Space presses it), but a click leaves the focus where it
        # was: after clicking Step, Space is still Run, as the tooltip says.
        button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
        return button

    def _on_reset_clicked(self) -> None:
        self.runner.stop()
        self.lab.reset()

    def _on_slider_changed(self, value: int) -> None:
        self.go_to(value)

    def go_to(self, step: int) -> None:
        """Move the whole window to `step` (pausing a run first, or the run would carry
        on from there and discard every later step)."""
        self.runner.stop()
        self.lab.seek(step)

    def sync_running(self, running: bool) -> None:
        self.run_button.blockSignals(True)
        self.run_button.setChecked(running)
        self.run_button.setText("Pause" if running else "Run")
        self.run_button.blockSignals(False)
        self.step_button.setEnabled(not running)
        self.back_button.setEnabled(not running)

    def _on_position_changed(self) -> None:
        if self._throttle.ready():
            self.sync_position()

    def sync_position(self) -> None:
        last, position = self.lab.last_step, self.lab.position
        self.counter.setText(f"step {position} of {last}")
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(position)
        self.slider.blockSignals(False)


class LearningRateSpin(QtWidgets.QDoubleSpinBox):
    """η from 1e-9 to 1e6, shown as the lecture prints numbers (0.01, 7.8125e-5), so
    halving it again and again never shows a rounded or clipped value."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(15)  # precision of the stored value, not of the display
        self.setRange(1e-9, 1e6)

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def valueFromText(self, text: str) -> float:
        return float(text.replace(",", "."))

    def validate(self, text: str, pos: int) -> tuple[QtGui.QValidator.State, str, int]:
        state = QtGui.QValidator.State
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            ok = all(c in "0123456789.,eE+-" for c in text)
            return (state.Intermediate if ok else state.Invalid, text, pos)
        inside = self.minimum() <= value <= self.maximum()
        return (state.Acceptable if inside else state.Intermediate, text, pos)


class SettingsPanel(QtWidgets.QGroupBox):
    """η, rule, loss, mode (and mini-batch size), biases, per-layer activation, speed and
    target error."""

    layerChanged = QtCore.Signal(int)

    def __init__(self, lab: Lab, runner: RunLoop, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.lab = lab
        self.runner = runner
        self.learning_rate = LearningRateSpin()
        self.learning_rate.setObjectName("learningRateSpin")
        self.learning_rate.setSingleStep(0.01)
        self.learning_rate.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.learning_rate.setKeyboardTracking(False)
        self.learning_rate.setToolTip("Learning rate η: how far each step moves the parameters")
        self.rule = self._combo("ruleCombo", RULE_LABELS)
        self.loss = self._combo("lossCombo", {name: loss.label for name, loss in LOSSES.items()})
        self.mode = self._combo("modeCombo", MODE_LABELS)
        self.mode.setItemData(
            self.mode.findData("minibatch"),
            "Each step learns from the next k samples (the batch size below): smoother "
            "than online, cheaper than batch.",
            QtCore.Qt.ItemDataRole.ToolTipRole,
        )
        self.batch_size = BatchSizeSpin()
        self.activation = self._combo("activationCombo", {n: n for n in ACTIVATION_NAMES})
        self.activation.setToolTip("Activation of the layer selected above the tables")
        self.update_biases = QtWidgets.QCheckBox("Update biases")
        self.update_biases.setObjectName("updateBiasesCheck")
        self.speed = QtWidgets.QComboBox()
        self.speed.setObjectName("speedCombo")
        for label, value in SPEEDS:
            self.speed.addItem(label, value)
        self.speed.setCurrentIndex(len(SPEEDS) - 1)
        self.target = QtWidgets.QDoubleSpinBox()
        self.target.setObjectName("targetErrorSpin")
        self.target.setDecimals(9)
        self.target.setRange(0.0, 1e6)
        self.target.setSingleStep(0.001)
        self.target.setSpecialValueText("off")
        self.target.setToolTip("Run pauses when the error E reaches this value (0 = off)")

        form = QtWidgets.QFormLayout(self)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Learning rate η", self.learning_rate)
        form.addRow("Rule", self.rule)
        form.addRow("Loss", self.loss)
        form.addRow("Mode", self.mode)
        form.addRow("Batch size k", self.batch_size)
        form.addRow("Activation", self.activation)
        form.addRow("", self.update_biases)
        form.addRow("Speed", self.speed)
        form.addRow("Stop at error", self.target)
        self._layer = 1
        self._connect_signals()
        self.sync_config()

    def _connect_signals(self) -> None:
        lab, runner = self.lab, self.runner
        self.learning_rate.valueChanged.connect(self._on_learning_rate_changed)
        self.rule.currentIndexChanged.connect(lambda _: self._on_config_changed("rule", self.rule))
        self.loss.currentIndexChanged.connect(lambda _: self._on_config_changed("loss", self.loss))
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.batch_size.valueChanged.connect(lambda k: self.lab.set_config(batch_size=int(k)))
        self.update_biases.toggled.connect(lambda on: self.lab.set_config(update_biases=bool(on)))
        self.activation.currentIndexChanged.connect(self._on_activation_changed)
        self.speed.currentIndexChanged.connect(
            lambda _: runner.set_speed(float(self.speed.currentData()))
        )
        self.target.valueChanged.connect(self._on_target_changed)
        lab.configChanged.connect(self.sync_config)
        lab.structureChanged.connect(self.sync_config)

    def _combo(self, name: str, labels: dict[str, str]) -> QtWidgets.QComboBox:
        combo = QtWidgets.QComboBox()
        combo.setObjectName(name)
        for key, label in labels.items():
            combo.addItem(label, key)
        return combo

    def set_layer(self, layer: int) -> None:
        self._layer = layer
        self.sync_config()

    def _on_learning_rate_changed(self, value: float) -> None:
        self.lab.set_config(learning_rate=float(value))

    def _on_config_changed(self, key: str, combo: QtWidgets.QComboBox) -> None:
        self.lab.set_config(**{key: combo.currentData()})

    def _on_mode_changed(self, _index: int) -> None:
        """Mini-batch mode needs a size: the one in the box (until one is chosen, the
        box offers `default_batch_size`)."""
        mode = str(self.mode.currentData())
        if mode == "minibatch":
            self.lab.set_config(mode=mode, batch_size=self.batch_size.value())
        else:
            self.lab.set_config(mode=mode)

    def _on_activation_changed(self, _index: int) -> None:
        self.lab.set_activation(self._layer, str(self.activation.currentData()))

    def _on_target_changed(self, value: float) -> None:
        self.runner.target_error = float(value)

    def sync_config(self) -> None:
        config = self.lab.trainer.config
        network = self.lab.trainer.network
        self._layer = min(self._layer, network.depth)
        widgets: list[QtWidgets.QWidget] = [
            self.learning_rate,
            self.rule,
            self.loss,
            self.mode,
            self.batch_size,
            self.update_biases,
            self.activation,
        ]
        for widget in widgets:
            widget.blockSignals(True)
        self.learning_rate.setValue(config.learning_rate)
        for combo, key in (
            (self.rule, config.rule),
            (self.loss, config.loss),
            (self.mode, config.mode),
            (self.activation, network.activations[self._layer - 1]),
        ):
            combo.setCurrentIndex(combo.findData(key))
        n_samples = self.lab.trainer.data.n_samples
        self.batch_size.samples = n_samples
        self.batch_size.setValue(config.batch_size or default_batch_size(n_samples))
        self.batch_size.setEnabled(config.mode == "minibatch")
        self.update_biases.setChecked(config.update_biases)
        self._offer_backprop_only_if_differentiable(network.activations)
        for widget in widgets:
            widget.blockSignals(False)

    def _offer_backprop_only_if_differentiable(self, activations: list[str]) -> None:
        """The step function has no derivative (0 everywhere, undefined at 0), so the chain
        rule cannot pass an error through it: only the lecture's rule can train it."""
        model = self.rule.model()
        if not isinstance(model, QtGui.QStandardItemModel):
            return
        item = model.item(self.rule.findData("backprop"))
        blocked = "step" in activations
        item.setEnabled(not blocked)
        item.setToolTip(
            "Not with the step activation: its derivative is 0 everywhere "
            "(undefined at 0), so backprop would never move a weight."
            if blocked
            else "Gradient descent with the chain rule, any depth"
        )
