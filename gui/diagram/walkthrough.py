"""A training step told as the lecture tells it, phase by phase, for the Network view.

The phases: the forward pass layer by layer (s and f(s) at the OLD parameters), the error
E, the backward pass from the output layer back (δ on the neurons and ∂E/∂w on the edges;
for the lecture's rule, d − Y and the change η[d − Y]X), and only then the update, every
layer at once, old → new. Until the update every edge keeps its old weight: that no
layer can change before the whole forward and backward pass is done (layer locking) is
seen, not only read.

The numbers come from the explanation's records of the step (model.explain): the
parameters before it (the history's row k − 1) and after it (row k), s, f(s), E, δ and
the gradients, as the explanation panel shows them. This module turns them into what
the diagram draws in each phase (`phase_view`); it draws nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.explain import StepExplanation
from model.explain.formatting import target_and_output
from model.numbers import format_number

Array = np.ndarray
FORWARD, ERROR, BACKWARD, UPDATE = "forward", "error", "backward", "update"
NOTE_NEURONS = 2  # neurons whose numbers a phase's note lists (the rest: on the diagram)
NOTE_PARAMETERS = 3  # parameters whose old → new the update's note lists


@dataclass(frozen=True)
class Phase:
    kind: str  # FORWARD, ERROR, BACKWARD or UPDATE
    layer: int  # the layer of a forward or backward phase (1-based); else 0

    def name(self, depth: int) -> str:
        """ "forward 1/2", "error", "backward 2/2", "update"."""
        return f"{self.kind} {self.layer}/{depth}" if self.layer else self.kind


def step_phases(depth: int) -> list[Phase]:
    """Forward through layers 1..L, the error, backward through L..1, the update."""
    return [
        *(Phase(FORWARD, l) for l in range(1, depth + 1)),
        Phase(ERROR, 0),
        *(Phase(BACKWARD, l) for l in range(depth, 0, -1)),
        Phase(UPDATE, 0),
    ]


@dataclass(frozen=True)
class PhaseView:
    """What the diagram shows in one phase."""

    theta: Array  # the parameters the edges are drawn with (old, or new in the update)
    # each edge's label: (name, value, whether it is a gradient); drawn "name = value"
    edges: dict[str, tuple[str, float, bool]]
    changed: frozenset[str]  # labels shown as changed (the update)
    # the two lines of neuron (layer, row): (name, value); None: not computed yet ("?")
    neurons: dict[tuple[int, int], tuple[tuple[str, float | None], ...]]
    glow: tuple[str, tuple[int, ...]]  # ("forward" | "error" | "backward" | "update", layers)
    title: str
    note: str  # HTML: the phase's arithmetic in a sentence or two


def phase_view(ex: StepExplanation, phase: Phase, compact: bool) -> PhaseView:
    """The diagram's numbers in `phase` of the step `ex`; `compact`: "f" for "f(s)"."""
    depth = len(ex.layers) - 1
    delta_rule = ex.config.rule == "delta"
    f = "f" if compact else "f(s)"
    neurons: dict[tuple[int, int], tuple[tuple[str, float | None], ...]] = {}
    for n in ex.forward.neurons:
        known = phase.kind != FORWARD or n.layer <= phase.layer
        neurons[n.layer, n.neuron - 1] = (
            (("s", n.s), (f, n.output)) if known else (("s", None), (f, None))
        )
    if phase.kind == BACKWARD:
        for key, signal in _error_signals(ex).items():
            if key[0] >= phase.layer:
                neurons[key] = (neurons[key][1], signal)
    edges: dict[str, tuple[str, float, bool]] = {}
    for p in ex.parameters:
        edges[p.name] = (p.name, p.new if phase.kind == UPDATE else p.old, False)
        if phase.kind == BACKWARD and p.layer >= phase.layer:
            if delta_rule:
                edges[p.name] = (f"Δ{p.name}", p.change, False)
            elif p.chain is not None:
                edges[p.name] = (f"∂E/∂{p.name}", p.chain.gradient, True)
    changed = frozenset(p.name for p in ex.parameters if phase.kind == UPDATE and p.new != p.old)
    theta = ex.new_parameters if phase.kind == UPDATE else ex.old_parameters
    layers = tuple(range(1, depth + 1)) if phase.kind == UPDATE else (phase.layer or depth,)
    title, note = _words(ex, phase)
    return PhaseView(theta, edges, changed, neurons, (phase.kind, layers), title, note)


def _error_signals(ex: StepExplanation) -> dict[tuple[int, int], tuple[str, float]]:
    """The second line of a neuron in the backward pass: δ (backprop) or d − Y (the
    lecture's rule, output neurons only)."""
    if ex.config.rule == "delta":
        output = len(ex.layers) - 1
        return {(output, u.neuron - 1): ("d − Y", u.samples[0].error) for u in ex.delta_rule}
    return {(d.layer, d.neuron - 1): ("δ", d.delta) for d in ex.deltas}


def _words(ex: StepExplanation, phase: Phase) -> tuple[str, str]:
    """The phase's title and its arithmetic, in the lecture's words."""
    depth = len(ex.layers) - 1
    sample = f" (sample {ex.forward.index + 1})" if ex.n_samples > 1 else ""
    still = "No weight has changed yet."
    if phase.kind == FORWARD:
        title = f"Forward pass, layer {phase.layer} of {depth}{sample}"
        layer = [n for n in ex.forward.neurons if n.layer == phase.layer]
        sums = "; ".join(
            f"{n.name}: s = {format_number(n.s)}, f(s) = {format_number(n.output)}"
            for n in layer[:NOTE_NEURONS]
        )
        more = f"; … {len(layer) - NOTE_NEURONS} more" if len(layer) > NOTE_NEURONS else ""
        note = f"s = Σ w·input + b with the old weights, then f(s): {sums}{more}. {still}"
    elif phase.kind == ERROR:
        title = f"The error{sample}"
        note = f"{_error_words(ex)} {still} Every layer waits for the backward pass."
    elif phase.kind == BACKWARD:
        title = f"Backward pass, layer {phase.layer} of {depth}"
        note = _backward_words(ex, phase.layer) + f" {still}"
    else:
        title = "Update: every layer at once"
        moved = [p for p in ex.parameters if not p.frozen]
        moves = ", ".join(
            f"{p.name}: {format_number(p.old)} → {format_number(p.new)}"
            for p in moved[:NOTE_PARAMETERS]
        )
        others = len(moved) - NOTE_PARAMETERS
        rest = f", … {others} more (yellow)" if others > 0 else ""
        note = (
            "Only now, after the whole forward and backward pass, do the weights change "
            f"(layer locking): {moves}{rest}. E: {format_number(ex.error_before)} → "
            f"{format_number(ex.error_after)}."
        )
    return title, note


def _error_words(ex: StepExplanation) -> str:
    sample = ex.forward
    if ex.config.loss == "squared_error" and len(sample.targets) == 1:
        d, y = target_and_output(sample.targets[0], sample.outputs[0])
        formula = f"E = ½(d − y)² = ½({d} − {y})² = {format_number(sample.error)}"
    elif ex.config.loss == "squared_error":
        formula = f"E = ½ Σ (d − y)² = {format_number(sample.error)}"
    else:
        formula = f"E = −Σ [d ln y + (1 − d) ln(1 − y)] = {format_number(sample.error)}"
    if ex.n_samples > 1:
        formula += f"; over all {ex.n_samples} samples E = {format_number(ex.error_before)}"
    return formula + "."


def _backward_words(ex: StepExplanation, layer: int) -> str:
    if ex.config.rule == "delta":
        eta = format_number(ex.config.learning_rate)
        errors = ", ".join(
            f"d − Y = {format_number(u.samples[0].error)}" for u in ex.delta_rule[:NOTE_NEURONS]
        )
        return (
            f"The lecture's rule sends the error back to each weight: {errors}; on the edges "
            f"the change η[d − Y]X (η = {eta}) of each weight."
        )
    deltas = [d for d in ex.deltas if d.layer == layer]
    listed = "; ".join(f"δ of {d.name} = {format_number(d.delta)}" for d in deltas[:NOTE_NEURONS])
    more = f"; … {len(deltas) - NOTE_NEURONS} more" if len(deltas) > NOTE_NEURONS else ""
    how = (
        "∂E/∂s from the error and f′(s)"
        if layer == len(ex.layers) - 1
        else "(Σ w·δ of the layer after it) · f′(s), with the old weights"
    )
    return f"δ = {how}: {listed}{more}. On the edges ∂E/∂w = δ · input."
