"""The network diagram widget: the canvas with its sample chooser, gradient switch,
caption and note, and the logic of when to redraw. It follows the Lab (a redraw only when
something it shows changed, throttled during a Run), animates a Step as a forward and a
backward sweep, and turns clicks into parameter selections and edit requests. The items
are built by gui/diagram/scene.py and restyled by gui/diagram/drawing.py.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from gui.diagram.drawing import (
    caption_text,
    delta_rule_note,
    draw_edges,
    draw_glow,
    draw_neurons,
    draw_selection,
    draw_titles,
    gradients,
    phase_note,
)
from gui.diagram.items import DiagramView
from gui.diagram.scene import DiagramScene
from gui.lab import Lab
from gui.runner import Throttle
from model.training import sample_indices

REDRAW_INTERVAL_S = 0.1
PHASE_MS = 150


class NetworkDiagram(QtWidgets.QWidget):
    """The network of `lab`, drawn as the lecture draws it, following the model.

    Signals
    -------
    parameterSelected(str) : a parameter was clicked (a neuron stands for its bias);
        the name is one of network.parameter_names()
    editRequested(int, str, int, int) : a parameter was double-clicked: layer (1-based),
        kind "W" or "b", row (neuron), col (input; 0 for a bias)
    animationPhaseChanged(str) : the step animation moved on (see `animation_phase`;
        "" when it ended or was cancelled)
    """

    parameterSelected = QtCore.Signal(str)
    editRequested = QtCore.Signal(int, str, int, int)
    animationPhaseChanged = QtCore.Signal(str)

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.lab = lab
        self._throttle = Throttle(lab, REDRAW_INTERVAL_S)
        self._build_widgets()
        self._built_key: tuple[object, ...] | None = None
        self._shown_key: tuple[object, ...] | None = None
        self._selected: str | None = None
        self._seen_position = lab.position
        self._run_seen = False
        self._animate_steps = True
        self._phases: list[tuple[str, int]] = []
        self._phase = -1
        self._why = ""
        self._marked = -1  # the sample marked "(next update)"
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(PHASE_MS)
        self._timer.timeout.connect(self._next_phase)
        lab.positionChanged.connect(self._on_position_changed)
        lab.historyChanged.connect(self._on_model_changed)
        lab.structureChanged.connect(self.refresh)
        lab.configChanged.connect(self.refresh)
        self.refresh()

    def _build_widgets(self) -> None:
        self.scene = DiagramScene(self.font(), self)
        self.view = DiagramView(self.scene)
        self.view.setAccessibleName("Network diagram")
        self.sample_combo = QtWidgets.QComboBox()
        self.sample_combo.setObjectName("diagramSampleCombo")
        self.sample_combo.setToolTip("The sample whose numbers the diagram shows")
        self.gradients_check = QtWidgets.QCheckBox("Show gradients ∂E/∂w")
        self.gradients_check.setObjectName("diagramShowGradients")
        self.gradients_check.setToolTip(
            "Label and size the edges by ∂E/∂w for the sample(s) the next update uses"
        )
        self.caption = QtWidgets.QLabel()
        self.caption.setObjectName("diagramCaption")
        self.caption.setWordWrap(True)
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("diagramNote")
        self.note.setWordWrap(True)
        self.note.setMinimumHeight(self.note.fontMetrics().height())
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Sample"))
        top.addWidget(self.sample_combo)
        top.addStretch(1)
        top.addWidget(self.gradients_check)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, stretch=1)
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        self.sample_combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.gradients_check.toggled.connect(lambda _on: self.refresh())
        self.view.clicked.connect(self._on_clicked)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.resized.connect(self.refresh)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(700, 450)

    # -- public ---------------------------------------------------------------------------
    @property
    def animate_steps(self) -> bool:
        """Animate a Step as a forward then a backward sweep over the layers."""
        return self._animate_steps

    @animate_steps.setter
    def animate_steps(self, on: bool) -> None:
        self._animate_steps = bool(on)
        if not on:
            self._stop_animation()

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    @property
    def animation_phase(self) -> str:
        """ "forward l/L" or "backward l/L" (l: the layer lit now), "" when still."""
        if not self.animating:
            return ""
        direction, layer = self._phases[self._phase]
        return f"{direction} {layer}/{self.lab.trainer.network.depth}"

    @property
    def selected_parameter(self) -> str | None:
        return self._selected

    def select_parameter(self, name: str | None) -> None:
        """Highlight a parameter (a name from parameter_names()); None or an unknown
        name clears the highlight. Emits nothing: for syncing from other views."""
        self._selected = name if name in self.scene.edges else None
        self._draw_selection()

    def edge(self, name: str) -> QtWidgets.QGraphicsLineItem:
        """The edge drawn for parameter `name` (tests and tools locate it with this)."""
        return self.scene.edges[name]

    def neuron(self, layer: int, row: int) -> QtWidgets.QGraphicsEllipseItem:
        """Neuron `row` (0-based) of `layer` (0 = the inputs)."""
        return self.scene.neurons[layer][row]

    def edge_count(self) -> int:
        return len(self.scene.edges)

    def neuron_counts(self) -> list[int]:
        return [len(column) for column in self.scene.neurons]

    # -- following the model --------------------------------------------------------------
    def _on_model_changed(self) -> None:
        # The run loop's last emit comes after `running` is cleared: remembering that a
        # run was seen keeps its final step (if a frame left it unshown) from animating.
        self._run_seen = self._run_seen or self.lab.running
        if self._throttle.ready():
            self.refresh()

    def _on_position_changed(self) -> None:
        position = self.lab.position
        stepped = position == self._seen_position + 1 and not self._run_seen
        self._seen_position = position
        self._run_seen = self.lab.running
        if stepped and self._animate_steps and not self.lab.running:
            self._start_animation()
        else:
            self._stop_animation()
        self._on_model_changed()

    def _sample(self) -> int:
        return max(0, min(self.sample_combo.currentIndex(), self.lab.trainer.data.n_samples - 1))

    def _state_key(self) -> tuple[object, ...]:
        """Everything the picture depends on: a redraw with the same key changes nothing
        (Lab emits historyChanged and positionChanged for one step)."""
        trainer = self.lab.trainer
        network = trainer.network
        return (
            network.get_flat().tobytes(),
            tuple(network.layers),
            tuple(network.activations),
            trainer.data.inputs.tobytes(),
            trainer.data.targets.tobytes(),
            trainer.config,
            trainer.position,
            self._sample(),
            self.gradients_check.isChecked(),
            self.view.viewport().size().toTuple(),
        )

    def refresh(self) -> None:
        """Redraw from the model (does nothing if nothing it shows has changed)."""
        self._sync_samples()
        key = self._state_key()
        if key == self._shown_key:
            return
        trainer = self.lab.trainer
        sample = self._sample()
        X = trainer.data.inputs[sample : sample + 1]
        with np.errstate(all="ignore"):
            fp = trainer.network.forward(X)
        network = trainer.network
        self.scene.choose_font(self.font(), network.layers, self.view.viewport().width())
        margins = self.scene.margins(fp.a[0][0], trainer.data.targets[sample], network.layers[-1])
        layout_key = (key[1], key[-1], *margins)
        if layout_key != self._built_key:
            self._rebuild(layout_key)
        self._shown_key = key
        theta = network.get_flat()
        grads, self._why = gradients(trainer)
        gradient_mode = self.gradients_check.isChecked()
        draw_edges(self.scene, theta, grads, gradient_mode)
        draw_neurons(self.scene, network, fp, trainer.data.targets[sample], sample)
        draw_titles(self.scene, network)
        self._draw_selection()
        self.caption.setText(
            caption_text(trainer, theta, gradient_mode, labelled=bool(self.scene.edge_tags))
        )
        self._draw_phase()

    def _sync_samples(self) -> None:
        trainer = self.lab.trainer
        n = trainer.data.n_samples
        combo = self.sample_combo
        combo.blockSignals(True)
        if combo.count() != n:
            current = combo.currentIndex()
            combo.clear()
            combo.addItems([f"Sample {p + 1}" for p in range(n)])
            combo.setCurrentIndex(min(max(current, 0), n - 1))
            self._marked = -1
        marked = -1
        if n > 1 and trainer.config.mode == "online":
            marked = sample_indices(trainer.position, "online", n).start
        if marked != self._marked:
            for p, suffix in ((self._marked, ""), (marked, " (next update)")):
                if p >= 0:
                    combo.setItemText(p, f"Sample {p + 1}{suffix}")
            self._marked = marked
        combo.blockSignals(False)

    def _rebuild(self, layout_key: tuple[object, ...]) -> None:
        self._built_key = layout_key
        self._shown_key = None
        self._stop_animation()  # its layers may be gone
        left, right = layout_key[2], layout_key[3]
        assert isinstance(left, float)
        assert isinstance(right, float)
        self.scene.rebuild(self.lab.trainer.network, self.view.viewport().size(), left, right)

    def _draw_selection(self) -> None:
        if self._selected not in self.scene.edges:  # gone with an architecture change
            self._selected = None
        draw_selection(self.scene, self._selected)

    def _draw_note(self) -> None:
        parts = []
        if self.animating:
            direction, layer = self._phases[self._phase]
            parts.append(phase_note(direction, layer, self.lab.trainer.network.depth))
        if self.gradients_check.isChecked():
            parts += [text for text in (self._why, delta_rule_note(self.lab.trainer)) if text]
        # Never hidden: a note coming and going would resize the canvas mid-animation.
        self.note.setText(" ".join(parts))

    # -- the step animation ---------------------------------------------------------------
    def _start_animation(self) -> None:
        depth = self.lab.trainer.network.depth
        self._phases = [("forward", l) for l in range(1, depth + 1)] + [
            ("backward", l) for l in range(depth, 0, -1)
        ]
        self._phase = 0
        self._timer.start()
        self._draw_phase()
        self.animationPhaseChanged.emit(self.animation_phase)

    def _next_phase(self) -> None:
        self._phase += 1
        if self._phase >= len(self._phases):
            self._stop_animation()
        else:
            self._draw_phase()
            self.animationPhaseChanged.emit(self.animation_phase)

    def _stop_animation(self) -> None:
        was_animating = self._timer.isActive()
        self._timer.stop()
        self._phase = -1
        if was_animating:
            self._draw_phase()
            self.animationPhaseChanged.emit("")

    def _draw_phase(self) -> None:
        """Light up the layer of the current phase: its neurons and the edges into it."""
        if self.scene.glow is None:
            return
        lit = self.animating and bool(self.scene.params)
        draw_glow(self.scene, self._phases[self._phase] if lit else None)
        self._draw_note()

    # -- the mouse ------------------------------------------------------------------------
    def _on_clicked(self, name: str) -> None:
        self.select_parameter(name)
        if self._selected is not None:
            self.parameterSelected.emit(name)

    def _on_double_clicked(self, name: str) -> None:
        p = self.scene.by_name.get(name)
        if p is not None:
            self.editRequested.emit(p.layer, p.kind, p.row, p.col)
