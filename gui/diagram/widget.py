"""The network diagram widget: the canvas with its sample chooser, gradient switch, the
step walk-through, caption and note, and the logic of when to redraw. It follows the Lab
(a redraw only when something it shows changed, throttled during a Run), walks through a
Step phase by phase as the lecture tells it (gui/diagram/walkthrough.py, the controls in
gui/diagram/walk_controls.py), and turns clicks into parameter selections and edit
requests. The items are built by gui/diagram/scene.py and restyled by drawing.py; for two inputs,
each neuron is filled with its output over the input plane (gui/diagram/neuron_pictures.py).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui.diagram.drawing import (
    caption_text,
    draw_edges,
    draw_glow,
    draw_neurons,
    draw_phase,
    draw_selection,
    draw_titles,
    gradients,
    next_samples,
    state_note,
)
from gui.diagram.items import Array, DiagramView
from gui.diagram.neuron_pictures import NeuronPictures
from gui.diagram.scene import DiagramScene
from gui.diagram.walk_controls import WalkControls
from gui.diagram.walkthrough import PhaseView, phase_view
from gui.lab import Lab
from gui.runner import Throttle
from model.explain import StepExplanation, explain_step

REDRAW_INTERVAL_S = 0.1
WORDS_LINES = 4  # the note and caption under the canvas: always this high
PICTURE_LINES = 1  # ... and this much higher while the caption tells what the pictures are
MINIMUM_SIZE = QtCore.QSize(430, 400)  # below this no network is readable


QUIZ_HIDES = (
    "the quiz is on: s, f(s) and the gradients of the step to come stay hidden until it is taken"
)


class NetworkDiagram(QtWidgets.QWidget):
    """The network of `lab`, drawn as the lecture draws it, following the model.

    Signals
    -------
    parameterSelected(str) : a parameter was clicked (a neuron stands for its bias);
        the name is one of network.parameter_names()
    editRequested(int, str, int, int) : a parameter was double-clicked: layer (1-based),
        kind "W" or "b", row (neuron), col (input; 0 for a bias)
    animationPhaseChanged(str) : the walk-through moved to another phase (see
        `animation_phase`; "" when it ended or was cancelled)
    neuronChosen(int, int) : a neuron with a picture was clicked: layer (1-based), row
        (0-based); the window shows it large on the Output map
    """

    parameterSelected = QtCore.Signal(str)
    editRequested = QtCore.Signal(int, str, int, int)
    animationPhaseChanged = QtCore.Signal(str)
    neuronChosen = QtCore.Signal(int, int)

    def __init__(self, lab: Lab, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.lab = lab
        self._throttle = Throttle(lab, REDRAW_INTERVAL_S)
        self._built_key: tuple[object, ...] | None = None
        self._shown_key: tuple[object, ...] | None = None
        self._selected: str | None = None
        self._seen_position = lab.position
        self._run_seen = False
        self._why = ""
        self._marked = -1  # the sample marked "(next update)"
        self.pictures = NeuronPictures(lab)
        self._build_widgets()
        lab.positionChanged.connect(self._on_position_changed)
        lab.historyChanged.connect(self._on_model_changed)
        lab.structureChanged.connect(self._on_structure_changed)
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
        self.pictures_check = self.pictures.check
        self.walk = WalkControls(self._explain_current_step)
        self.walk.setObjectName("diagramWalk")
        self.caption = QtWidgets.QLabel()
        self.caption.setObjectName("diagramCaption")
        self.caption.setWordWrap(True)
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("diagramNote")
        self.note.setWordWrap(True)
        # The words under the canvas: the note (a phase of the walk-through, or remarks)
        # and the caption, in a box that never changes height (the canvas would jump).
        self.words = QtWidgets.QWidget()
        words = QtWidgets.QVBoxLayout(self.words)
        words.setContentsMargins(0, 0, 0, 0)
        words.setSpacing(2)
        words.addWidget(self.note)
        words.addWidget(self.caption)
        words.addStretch(1)
        self._fit_words(pictures=False)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Sample"))
        top.addWidget(self.sample_combo)
        top.addStretch(1)
        top.addWidget(self.pictures_check)
        top.addWidget(self.gradients_check)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, stretch=1)
        layout.addWidget(self.walk)
        layout.addWidget(self.words)
        self.sample_combo.currentIndexChanged.connect(self._on_sample_chosen)
        self.gradients_check.toggled.connect(lambda _on: self.refresh())
        self.pictures_check.toggled.connect(lambda _on: self._on_pictures_toggled())
        self.walk.changed.connect(self._on_walk_changed)
        self.view.clicked.connect(self._on_clicked)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.clickedAt.connect(self._on_clicked_at)
        self.view.resized.connect(self.refresh)

    def _fit_words(self, pictures: bool) -> None:
        """The words' box: as high whatever they say (the canvas would jump at every
        step), a line more while the caption explains the pictures."""
        lines = WORDS_LINES + PICTURE_LINES * pictures
        self.words.setFixedHeight(lines * self.note.fontMetrics().lineSpacing() + 6)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(700, 520)

    def minimumSizeHint(self) -> QtCore.QSize:
        return MINIMUM_SIZE.expandedTo(super().minimumSizeHint())

    # -- public ---------------------------------------------------------------------------
    @property
    def animate_steps(self) -> bool:
        """Walk through every Step as it is taken (the "on every Step" box)."""
        return self.walk.on_step.isChecked()

    @animate_steps.setter
    def animate_steps(self, on: bool) -> None:
        self.walk.on_step.setChecked(bool(on))
        if not on:
            self.walk.stop()

    @property
    def animating(self) -> bool:
        """A phase of a step is shown (playing or paused), not the state itself."""
        return self.walk.walking

    @property
    def animation_phase(self) -> str:
        """ "forward l/L", "error", "backward l/L" or "update"; "" for the state itself."""
        phase = self.walk.phase
        return "" if phase is None else phase.name(self.lab.trainer.network.depth)

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

    def neuron_picture(self, layer: int, row: int) -> Array | None:
        """The values neuron `row` (0-based) of `layer` (1-based) is filled with (row r of
        the array at the r-th lowest X2, see model/neuron_maps.py); None without one."""
        return self.pictures.values.get((layer, row))

    @property
    def shows_pictures(self) -> bool:
        """The neurons are pictures: the box is ticked and the network has two inputs."""
        return self.pictures.on

    def edge_count(self) -> int:
        return len(self.scene.edges)

    def neuron_counts(self) -> list[int]:
        return [len(column) for column in self.scene.neurons]

    # -- following the model --------------------------------------------------------------
    def _on_model_changed(self) -> None:
        # The run loop's last emit comes after `running` is cleared: remembering that a
        # run was seen keeps its final step (if a frame left it unshown) from a walk.
        self._run_seen = self._run_seen or self.lab.running
        if self._throttle.ready():
            self.refresh()

    def _on_position_changed(self) -> None:
        position = self.lab.position
        stepped = position == self._seen_position + 1 and not self._run_seen
        self._seen_position = position
        self._run_seen = self.lab.running
        if stepped and self.animate_steps and not self.lab.running and self.isVisible():
            ex = self._explain_current_step()
            if ex is not None:
                self.walk.start(ex, play=True)
        else:
            self.walk.stop()
        self._on_model_changed()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.pictures.follow(self.scene, self._phase_view(), True, force=True)  # caught up

    def _on_pictures_toggled(self) -> None:
        self._shown_key = None  # the caption and the tooltips say whether they are on
        self.refresh()

    def _on_structure_changed(self) -> None:
        self.walk.stop()
        self.refresh()

    def _on_sample_chosen(self, _index: int) -> None:
        walked = self.walk.ex
        if walked is not None and self._sample() != walked.forward.index:
            self.walk.stop()  # the walk is about the sample the step used
        self.refresh()

    def _on_walk_changed(self) -> None:
        ex = self.walk.ex
        if ex is not None and self.sample_combo.currentIndex() != ex.forward.index:
            self.sample_combo.blockSignals(True)
            self.sample_combo.setCurrentIndex(ex.forward.index)
            self.sample_combo.blockSignals(False)
        self.refresh()
        self.animationPhaseChanged.emit(self.animation_phase)

    def _explain_current_step(self) -> StepExplanation | None:
        """The step that led to the state shown; None at step 0."""
        trainer = self.lab.trainer
        if trainer.position == 0:
            return None
        return explain_step(trainer, trainer.position)

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
            self.walk.index,
            id(self.walk.ex),
            self.lab.quiz.on,
            self.view.viewport().size().toTuple(),
        )

    def refresh(self) -> None:
        """Redraw from the model (does nothing if nothing it shows has changed)."""
        self._sync_samples()
        self.walk.set_available(self.lab.trainer.position > 0)
        self._fit_words(self.shows_pictures)
        key = self._state_key()
        if key == self._shown_key:
            # the pictures the Run throttle held back
            self.pictures.follow(self.scene, self._phase_view(), self.isVisible())
            return
        trainer = self.lab.trainer
        sample = self._sample()
        X = trainer.data.inputs[sample : sample + 1]
        with np.errstate(all="ignore"):
            fp = trainer.network.forward(X)
        network = trainer.network
        self.scene.choose_font(self.font(), network.layers, self.view.viewport().width())
        margins = self.scene.margins(
            fp.a[0][0], trainer.data.targets[sample], network.layers[-1], network.depth
        )
        layout_key = (key[1], key[-1], *margins)
        if layout_key != self._built_key:
            self._rebuild(layout_key)
            self.pictures.forget()
        self._shown_key = key
        theta = network.get_flat()
        grads, self._why = gradients(trainer)
        gradient_mode = self.gradients_check.isChecked()
        phase = self._phase_view()
        pictures = self.shows_pictures
        # With the quiz on, the state's forward pass and gradient are the answers to the
        # questions of the step to come: they stay hidden until it is taken.
        concealed = self.lab.quiz.on and phase is None
        if concealed:
            grads, self._why = None, QUIZ_HIDES
        if phase is None:
            draw_edges(self.scene, theta, grads, gradient_mode)
            targets = trainer.data.targets[sample]
            draw_neurons(self.scene, network, fp, targets, sample, pictures, concealed)
            draw_glow(self.scene, None)
        else:
            ex = self.walk.ex
            assert ex is not None
            draw_phase(
                self.scene,
                phase,
                np.array(ex.forward.inputs),
                np.array(ex.forward.targets),
            )
        draw_titles(self.scene, network)
        self._draw_selection()
        shown = theta if phase is None else phase.theta
        self.caption.setText(
            caption_text(
                trainer,
                shown,
                gradient_mode,
                labelled=bool(self.scene.edge_tags),
                pictures=pictures,
            )
        )
        self._draw_note(phase)
        self.pictures.follow(self.scene, phase, self.isVisible())

    def _phase_view(self) -> PhaseView | None:
        phase, ex = self.walk.phase, self.walk.ex
        if phase is None or ex is None:
            return None
        return phase_view(ex, phase, self.scene.compact)

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
            marked = next_samples(trainer)[0]
        if marked != self._marked:
            for p, suffix in ((self._marked, ""), (marked, " (next update)")):
                if p >= 0:
                    combo.setItemText(p, f"Sample {p + 1}{suffix}")
            self._marked = marked
        combo.blockSignals(False)

    def _rebuild(self, layout_key: tuple[object, ...]) -> None:
        self._built_key = layout_key
        self._shown_key = None
        left, right = layout_key[2], layout_key[3]
        assert isinstance(left, float)
        assert isinstance(right, float)
        self.scene.rebuild(self.lab.trainer.network, self.view.viewport().size(), left, right)

    def _draw_selection(self) -> None:
        if self._selected not in self.scene.edges:  # gone with an architecture change
            self._selected = None
        draw_selection(self.scene, self._selected)

    def _draw_note(self, phase: PhaseView | None) -> None:
        ex = self.walk.ex
        self.caption.setVisible(phase is None)  # a phase's words take the caption's room
        if phase is not None and ex is not None:
            where = f"Step {ex.step}, phase {self.walk.index + 1} of {len(self.walk.phases)}"
            self.note.setText(f"<b>{where} · {phase.title}.</b> {phase.note}")
            return
        gradient_mode = self.gradients_check.isChecked()
        labels = self.scene.neuron_labels
        note = state_note(self.lab.trainer, self._why, gradient_mode, labels)
        if self.lab.quiz.on and not gradient_mode:
            note = f"{QUIZ_HIDES[0].upper()}{QUIZ_HIDES[1:]}. {note}"
        self.note.setText(note)

    # -- the mouse ------------------------------------------------------------------------
    def _on_clicked(self, name: str) -> None:
        self.select_parameter(name)
        if self._selected is not None:
            self.parameterSelected.emit(name)

    def _on_clicked_at(self, point: QtCore.QPointF) -> None:
        neuron = self.pictures.neuron_at(self.scene, point)
        if neuron is not None:  # its picture, large on the Output map
            self.neuronChosen.emit(*neuron)

    def _on_double_clicked(self, name: str) -> None:
        p = self.scene.by_name.get(name)
        if p is not None:
            self.editRequested.emit(p.layer, p.kind, p.row, p.col)
