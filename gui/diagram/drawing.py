"""The numbers of the model on the diagram: what a redraw changes on the items the scene
built (edge pens and labels, the neurons' s and f(s), titles, the selection halo, the
glow of a phase of the step walk-through), and the words under the canvas (the caption
and the note). Functions of the scene and the trainer, so that a redraw is plain to
follow: model in, pens and texts out, no item created. A phase of the walk-through is
drawn the same way, from what gui/diagram/walkthrough.py says it shows.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui

from gui.diagram.items import (
    BACKWARD,
    DENSE_MAX_WIDTH,
    ERROR_GLOW,
    FORWARD,
    LABELS_UP_TO,
    MAX_WIDTH,
    NEGATIVE,
    POSITIVE,
    SELECTED,
    Array,
    Qt,
    edge_pen,
    edge_widths,
)
from gui.diagram.neuron_pictures import input_tooltip, picture_tooltip
from gui.diagram.scene import DiagramScene
from gui.diagram.texts import input_text, target_text
from gui.diagram.walkthrough import PhaseView
from model.network import ForwardPass, Network
from model.numbers import format_number, format_significant
from model.state import Trainer
from model.training import sample_indices

NO_GRADIENT = "—"


def significant(x: float) -> str:
    """A gradient as the labels write it: nine significant digits."""
    return format_significant(x)


def next_samples(trainer: Trainer) -> list[int]:
    """The samples (0-based) the next update uses."""
    config, n = trainer.config, trainer.data.n_samples
    rows = sample_indices(trainer.position, config.mode, n, config.batch_size)
    return [int(r) for r in np.arange(n)[rows]]


def gradients(trainer: Trainer) -> tuple[Array | None, str]:
    """∂E/∂θ in get_flat() order for the samples the next update uses, or None and
    why not."""
    network = trainer.network
    rows = next_samples(trainer)
    try:
        with np.errstate(all="ignore"):
            grads = network.gradients(
                trainer.data.inputs[rows], trainer.data.targets[rows], trainer.config.loss
            )
    except ValueError:
        layer = next(
            (l for l, name in enumerate(network.activations, start=1) if name == "step"), 0
        )
        return None, (
            f"∂E/∂w is undefined ({NO_GRADIENT}): layer {layer} uses the step "
            "activation, whose derivative is 0 everywhere and undefined at 0, "
            "so backprop cannot pass an error through it."
        )
    parts = [part for dW, db in zip(grads.dW, grads.db, strict=True) for part in (dW.ravel(), db)]
    return np.concatenate(parts), ""


def draw_edges(scene: DiagramScene, theta: Array, grads: Array | None, gradient_mode: bool) -> None:
    """Width ∝ |w| (or |∂E/∂w| in `gradient_mode`), colour by sign; tooltips and labels."""
    values = grads if gradient_mode else theta
    widest = MAX_WIDTH if len(theta) <= LABELS_UP_TO else DENSE_MAX_WIDTH
    widths = edge_widths(values, len(theta), widest)
    for k, p in enumerate(scene.params):
        value = None if values is None else float(values[k])
        gradient = NO_GRADIENT if grads is None else format_significant(grads[k])
        edge = scene.edges[p.name]
        pen = edge_pen(value, float(widths[k]))
        edge.setPen(pen)
        edge.setToolTip(
            f"{p.name} = {format_number(theta[k])} "
            f"(∂E/∂{'w' if p.kind == 'W' else 'b'} = {gradient})"
        )
        tag = scene.edge_tags.get(p.name)
        if tag is not None:
            tag.set_highlight(False)
            label = f"∂E/∂{p.name}" if gradient_mode else p.name
            name = label if scene.named_labels else ""
            if gradient_mode and grads is not None:
                text = scene.fit([(name, float(grads[k]))], scene.edge_room[p.name], significant)
            elif gradient_mode:
                text = f"{name} = {NO_GRADIENT}" if name else NO_GRADIENT
            else:
                text = scene.fit([(name, float(theta[k]))], scene.edge_room[p.name])
            tag.set_text(text)
            tag.setPen(QtGui.QPen(pen.color(), 1))  # ties the label to its edge


def draw_neurons(
    scene: DiagramScene,
    network: Network,
    fp: ForwardPass,
    targets: Array,
    sample: int,
    pictures: bool = False,
    concealed: bool = False,
) -> None:
    """The inputs, each neuron's s and f(s) and the targets d of `sample` (0-based);
    `pictures`: the tooltips say what a neuron's picture is; `concealed`: s and f(s) are
    "?" (the quiz asks them: they are the next step's forward pass)."""
    for i, tag in enumerate(scene.input_tags):
        tag.set_text(input_text(i, fp.a[0][0, i]))
        scene.neurons[0][i].setToolTip(
            f"Input {tag.text()} (sample {sample + 1})" + (input_tooltip(i) if pictures else "")
        )
    for l in range(1, network.depth + 1):
        tags = scene.neuron_tags[l - 1]
        for j in range(network.layers[l]):
            s, y = float(fp.s[l - 1][0, j]), float(fp.a[l][0, j])
            shown = (None, None) if concealed else (s, y)
            if tags:
                tags[j].set_text(
                    scene.fit([("s", shown[0]), (scene.f_name, shown[1])], scene.neuron_room)
                )
            values = (
                "s and f(s): hidden while the quiz asks them"
                if concealed
                else f"s = {format_number(s)}\nf(s) = {format_number(y)}"
            )
            scene.neurons[l][j].setToolTip(
                f"Layer {l}, neuron {j + 1} ({network.activations[l - 1]}), sample "
                f"{sample + 1}\n{values}\n"
                f"Click to select its bias {scene.bias_names[l, j]}"
                + (picture_tooltip(l, j) if pictures else "")
            )
    for k, tag in enumerate(scene.target_tags):
        tag.set_text(target_text(k, targets[k], network.layers[-1]))


def draw_titles(scene: DiagramScene, network: Network) -> None:
    for l, (title, subtitle) in enumerate(scene.titles):
        if l == 0:
            title.set_text("inputs")
            continue
        title.set_text("output" if l == network.depth else f"hidden {l}")
        subtitle.set_text(network.activations[l - 1])


def draw_selection(scene: DiagramScene, selected: str | None) -> None:
    """A halo around the edge of `selected` (a parameter name), and around its neuron
    for a bias; none for None."""
    if scene.halo is None:
        return
    path = QtGui.QPainterPath()
    width = 0.0
    if selected is not None:
        edge = scene.edges[selected]
        path.moveTo(edge.line().p1())
        path.lineTo(edge.line().p2())
        width = edge.pen().widthF() + 8
        p = scene.by_name[selected]
        if p.kind == "b":
            r = scene.geometry.radius + 4
            path.addEllipse(scene.geometry.neurons[p.layer][p.row], r, r)
    scene.halo.setPen(
        QtGui.QPen(SELECTED, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        if width
        else Qt.PenStyle.NoPen
    )
    scene.halo.setPath(path)


def draw_glow(scene: DiagramScene, glow: tuple[str, tuple[int, ...]] | None) -> None:
    """Light up what a phase of the step works on (`walkthrough.PhaseView.glow`): the
    forward pass a layer's neurons and the edges into it, the error the output neurons,
    the backward pass a layer in another colour, the update every edge at once; nothing
    for None."""
    if scene.glow is None:
        return
    path = QtGui.QPainterPath()
    colour = FORWARD
    if glow is not None:
        kind, layers = glow
        colour = {"forward": FORWARD, "error": ERROR_GLOW, "backward": BACKWARD}.get(kind, SELECTED)
        if kind != "error":
            for p in scene.params:
                if p.layer in layers:
                    line = scene.edges[p.name].line()
                    path.moveTo(line.p1())
                    path.lineTo(line.p2())
        if kind != "update":
            r = scene.geometry.radius + 5
            for layer in layers:
                for centre in scene.geometry.neurons[layer]:
                    path.addEllipse(centre, r, r)
    scene.glow.setPen(QtGui.QPen(colour, 12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    scene.glow.setPath(path)


def draw_phase(scene: DiagramScene, view: PhaseView, inputs: Array, targets: Array) -> None:
    """A phase of the step walk-through: the edges at `view.theta` (the old parameters
    until the update) with the phase's labels, the neurons' numbers of the phase, the
    sample's inputs and targets, and the glow."""
    widest = MAX_WIDTH if len(view.theta) <= LABELS_UP_TO else DENSE_MAX_WIDTH
    widths = edge_widths(view.theta, len(view.theta), widest)
    for k, p in enumerate(scene.params):
        pen = edge_pen(float(view.theta[k]), float(widths[k]))
        scene.edges[p.name].setPen(pen)
        tag = scene.edge_tags.get(p.name)
        if tag is not None:
            label, value, gradient = view.edges[p.name]
            name = label if scene.named_labels else ""
            first = significant if gradient else format_number
            tag.set_text(scene.fit([(name, value)], scene.edge_room[p.name], first))
            tag.set_highlight(p.name in view.changed)
            tag.setPen(QtGui.QPen(pen.color(), 1))
    for l, tags in enumerate(scene.neuron_tags, start=1):
        for j, tag in enumerate(tags):
            tag.set_text(scene.fit(list(view.neurons[l, j]), scene.neuron_room))
    for i, tag in enumerate(scene.input_tags):
        tag.set_text(input_text(i, inputs[i]))
    for k, tag in enumerate(scene.target_tags):
        tag.set_text(target_text(k, targets[k], len(targets)))
    draw_glow(scene, view.glow)


def caption_text(
    trainer: Trainer, theta: Array, gradient_mode: bool, labelled: bool, pictures: bool = False
) -> str:
    """What the widths and colours mean; `labelled`: the edges carry their values;
    `pictures`: the neurons are filled with their output over the input plane."""
    blue = f'<span style="color:{POSITIVE.name()}">■</span>'
    orange = f'<span style="color:{NEGATIVE.name()}">■</span>'
    if gradient_mode:
        rows = next_samples(trainer)
        if trainer.config.mode == "batch":
            which = "the mean over all samples"
        elif len(rows) == 1:
            which = f"sample {rows[0] + 1}"
        else:
            which = "the mean over samples " + ", ".join(str(r + 1) for r in rows)
        text = (
            f"Line width ∝ |∂E/∂w| ({trainer.config.loss.replace('_', ' ')}, "
            f"{which}: what the next update uses). {blue} ∂E/∂w &gt; 0: descent "
            f"lowers w. {orange} ∂E/∂w &lt; 0: descent raises w."
        )
    else:
        largest = float(np.max(np.abs(theta))) if theta.size else 0.0
        text = (
            f"Line width ∝ |w| (widest: |w| = {format_number(largest)}). "
            f"{blue} w &gt; 0 {orange} w &lt; 0. The +1 input's weight is the "
            "bias b."
        )
    if not labelled:
        text += " Hover over a line for its value."
    text += " Click: select; double-click: edit."
    if pictures:
        text += (
            " In each neuron: its f(s) over the input plane, X1 → and X2 ↑ (orange low,"
            " blue high); click one to see it large."
        )
    return text


def delta_rule_note(trainer: Trainer) -> str:
    """The delta rule is gradient descent only where δ = y − d exactly."""
    pair = (trainer.network.activations[-1], trainer.config.loss)
    if trainer.config.rule != "delta" or pair in {
        ("sigmoid", "cross_entropy"),
        ("linear", "squared_error"),
    }:
        return ""
    return (
        "The delta rule's update η[d − Y]X is not −η·∂E/∂w here (it is for a "
        "sigmoid output with cross-entropy)."
    )


def state_note(trainer: Trainer, why: str, gradient_mode: bool, neuron_labels: bool) -> str:
    """The note under the state (not a phase of the walk-through): why there are no
    gradients (`why`) and the delta rule's caveat in `gradient_mode`, that the neurons'
    numbers are in the tooltips (not `neuron_labels`); else how to walk through the step."""
    parts = []
    if gradient_mode:
        parts += [text for text in (why, delta_rule_note(trainer)) if text]
    if not neuron_labels:
        parts.append("Too little room for every neuron's numbers: hover over a neuron.")
    position = trainer.position
    if not parts and position > 0:
        parts.append(
            f"▶ Walk through shows step {position} again, phase by phase: the forward "
            "pass with the old weights, the error, the backward pass, then the update."
        )
    return " ".join(parts)
