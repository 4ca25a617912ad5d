"""The explanation of a step as a document: the blocks both renderers show.

`document_blocks` writes the title, the forward pass, the error, the update (see
`update_sections`), the notes, what the gradient says about each parameter and the new
parameters, in the markup of `markup`. Numbers are formatted here, once, for both renderers.
"""

from __future__ import annotations

import heapq
import re

from model.activations import get_activation
from model.explain.blocks import Block, Bullets, EqualityChain, Heading, MathBlock, Paragraph, Table
from model.explain.formatting import (
    capped_terms,
    factor,
    number,
    parenthesized,
    plus,
    target_and_output,
    two_digits,
    vector,
)
from model.explain.limits import FULL_NEURONS, FULL_PARAMETERS, TABLE_PARAMETERS, TABLE_ROWS
from model.explain.markup import formula_markup, mark_name, subscript
from model.explain.optimizer_section import optimizer_section
from model.explain.records import SampleForward, StepExplanation
from model.explain.units import unit_names
from model.explain.update_sections import backprop_section, delta_rule_section
from model.losses import get_loss

SENSITIVITY_STEP = 0.1  # the change of a parameter whose effect on E is estimated


def document_blocks(ex: StepExplanation) -> list[Block]:
    """The whole explanation of `ex`, block by block, in reading order."""
    doc: list[Block] = []
    config = ex.config
    if ex.pending:
        doc.append(Heading(1, f"Next step (not taken yet): state {ex.step - 1} → {ex.step}"))
    else:
        doc.append(Heading(1, f"Step {ex.step}: state {ex.step - 1} → {ex.step}"))
    rule = "the lecture's delta rule" if config.rule == "delta" else "backpropagation"
    first = ex.samples[0].index + 1
    if config.mode == "online":
        mode = f"online: this step uses sample {first} of {ex.n_samples}"
    elif config.mode == "minibatch":
        numbers = ", ".join(str(sample.index + 1) for sample in ex.samples)
        mode = f"mini-batch of {len(ex.samples)}: this step uses samples {numbers}"
    elif ex.n_samples > 1:
        mode = f"batch: one update from all {ex.n_samples} samples"
    else:
        mode = "batch: one update from the one sample"
    doc.append(
        Paragraph(
            f"Rule: {rule} · loss: {get_loss(config.loss).label} · "
            f"η = {number(config.learning_rate)} · {mode}."
        )
    )
    _forward_section(ex, doc)
    _error_section(ex, doc)
    if config.rule == "delta":
        if ex.optimizer is None:
            delta_rule_section(ex, doc)
    else:
        backprop_section(ex, doc)
    optimizer_section(ex, doc)
    if ex.notes:
        doc.append(Bullets(list(ex.notes)))
    _sensitivity_section(ex, doc)
    _new_parameters_section(ex, doc)
    verb = "would be" if ex.pending else "="
    doc.append(
        Paragraph(
            f"Error after the step: E {verb} {number(ex.error_after)} "
            f"(before: {number(ex.error_before)})."
        )
    )
    return doc


def _new_parameters_section(ex: StepExplanation, doc: list[Block]) -> None:
    """Every parameter before and after; on a large network only the TABLE_PARAMETERS
    that changed most (12,210 rows of 10-100-100-10 were 1.8 MB of HTML, which took the
    window a second to lay out at every redraw of a Run)."""
    doc.append(Heading(2, "New parameters"))
    shown = list(ex.parameters)
    if len(shown) > TABLE_PARAMETERS:
        largest = heapq.nlargest(
            TABLE_PARAMETERS, range(len(shown)), lambda i: abs(shown[i].change)
        )
        shown = [shown[i] for i in sorted(largest)]
        doc.append(
            Paragraph(
                f"The {TABLE_PARAMETERS} of {len(ex.parameters):,} parameters that changed "
                "most, in the network's order. The Gradients view shows every one, and "
                "File → Export history… writes them all."
            )
        )
    rows = [
        [
            mark_name(p.name),
            number(p.old),
            "frozen" if p.frozen else number(p.change),
            number(p.new),
        ]
        for p in shown
    ]
    doc.append(Table(["parameter", "before", "change", "after"], rows))


def _forward_section(ex: StepExplanation, doc: list[Block]) -> None:
    sample = ex.forward
    title = "Forward pass"
    if ex.n_samples > 1:
        title += f" (sample {sample.index + 1})"
    doc.append(Heading(2, title))
    units = unit_names(ex.layers)
    inputs = zip(units[0], sample.inputs, strict=True)
    given = ", ".join(capped_terms([f"{mark_name(name)} = {number(x)}" for name, x in inputs]))
    d_names = (
        ["d"] if len(sample.targets) == 1 else [f"d{k}" for k in range(1, len(sample.targets) + 1)]
    )
    wanted = ", ".join(
        f"{name} = {number(d)}" for name, d in zip(d_names, sample.targets, strict=True)
    )
    doc.append(Paragraph(f"Inputs {given}; desired {wanted}."))
    if len(set(ex.activations)) == 1:
        where = [""]
    else:
        where = [f"layer {l} " for l in range(1, len(ex.activations) + 1)]
    activations = "; ".join(
        f"{w}{name}: f(s) = {formula_markup(get_activation(name).formula)}"
        for w, name in zip(where, ex.activations, strict=False)
    )
    doc.append(Paragraph(f"Activation {activations}."))
    single = len(ex.layers) == 2 and ex.layers[1] == 1
    rest: list[list[str]] = []
    for neuron in sample.neurons:
        if neuron.neuron > FULL_NEURONS:
            rest.append([mark_name(neuron.name), number(neuron.s), number(neuron.output)])
            continue
        symbols = [f"{mark_name(t.input_name)}·{mark_name(t.weight_name)}" for t in neuron.terms]
        values = [f"{factor(t.input_value)}·{factor(t.weight_value)}" for t in neuron.terms]
        sum_parts = [
            " + ".join([*capped_terms(symbols), mark_name(neuron.bias_name)]),
            " + ".join(capped_terms(values)) + plus(neuron.bias),
        ]
        lead = "s" if single else f"{mark_name(neuron.name)}: s"
        output = number(neuron.output)
        if neuron.layer == len(ex.layers) - 1:  # as precise as the error needs it
            output = _output_texts(ex, sample)[neuron.neuron - 1][1]
        doc.append(
            MathBlock(
                [
                    EqualityChain([lead, *sum_parts, number(neuron.s)]),
                    EqualityChain(
                        [
                            f"{mark_name(neuron.name)} = f(s)",
                            _activation_with_value(neuron.activation, neuron.s),
                            output,
                        ]
                    ),
                ]
            )
        )
    if rest:
        doc.append(Paragraph(f"The other neurons (more than {FULL_NEURONS} in a layer):"))
        doc.append(Table(["neuron", "s", "f(s)"], rest))


def _error_chain(ex: StepExplanation, sample: SampleForward) -> EqualityChain:
    """E_p = the loss with the sample's numbers put in = its value."""
    pairs = _output_texts(ex, sample)
    if ex.config.loss == "squared_error":
        items = [f"({d} − {parenthesized(y)})²" for d, y in pairs]
        body = f"½{items[0]}" if len(items) == 1 else f"½[{' + '.join(capped_terms(items))}]"
    else:
        items = [
            f"{parenthesized(d)}·ln {parenthesized(y)} + (1 − {parenthesized(d)})"
            f"·ln(1 − {parenthesized(y)})"
            for d, y in pairs
        ]
        body = f"−[{' + '.join(capped_terms(items, 4))}]"
    name = "E" if ex.n_samples == 1 else f"E{subscript(str(sample.index + 1))}"
    return EqualityChain([name, body, number(sample.error)])


def _output_texts(ex: StepExplanation, sample: SampleForward) -> list[tuple[str, str]]:
    """(d, y) of each output as the document writes them: with the digits that d − y
    (and 1 − y for the cross-entropy) needs to be read off, wherever y appears."""
    cross_entropy = ex.config.loss == "cross_entropy"
    return [
        target_and_output(d, y, cross_entropy)
        for d, y in zip(sample.targets, sample.outputs, strict=True)
    ]


def _error_section(ex: StepExplanation, doc: list[Block]) -> None:
    loss = get_loss(ex.config.loss)
    doc.append(Heading(2, "Error"))
    doc.append(Paragraph(f"{loss.label.capitalize()}: {loss.formula}"))
    doc.append(MathBlock([_error_chain(ex, ex.forward)]))
    others = ex.samples[1:]
    if others:
        doc.append(Paragraph("The other samples of this batch:"))
        rows = [
            [
                str(s.index + 1),
                vector(s.inputs),
                vector(s.targets),
                vector(s.outputs),
                number(s.error),
            ]
            for s in others[:TABLE_ROWS]
        ]
        if len(others) > TABLE_ROWS:
            rows.append([f"… {len(others) - TABLE_ROWS} more", "", "", "", ""])
        doc.append(Table(["sample", "X", "d", "y", f"E{subscript('p')}"], rows))
    if ex.n_samples > 1:
        doc.append(
            Paragraph(
                f"Error over all {ex.n_samples} samples (the mean of E{subscript('p')}): "
                f"E = {number(ex.error_before)}."
            )
        )


def _sensitivity_section(ex: StepExplanation, doc: list[Block]) -> None:
    doc.append(Heading(2, "What the gradient says"))
    if ex.sensitivity_note:
        doc.append(Paragraph(ex.sensitivity_note))
        return
    over = f"over all {ex.n_samples} samples " if ex.n_samples > 1 else ""
    doc.append(
        Paragraph(
            f"From ∂E/∂w of the error {over}at the parameters before the step "
            f"(E = {number(ex.error_before)}), a linear estimate:"
        )
    )
    step = number(SENSITIVITY_STEP)
    items: list[str] = []
    for p in ex.parameters[:FULL_PARAMETERS]:
        gradient = p.sensitivity
        if gradient is None:
            continue
        w = mark_name(p.name)
        effect = SENSITIVITY_STEP * gradient
        if effect > 0:
            verdict = f"raises E by ≈ {two_digits(effect)}, so a smaller {w} is better"
        elif effect < 0:
            verdict = f"lowers E by ≈ {two_digits(-effect)}, so a larger {w} is better"
        else:
            verdict = "leaves E unchanged (to first order)"
        items.append(f"increasing {w} by {step} {verdict} (∂E/∂{w} = {number(gradient)})")
    if len(ex.parameters) > FULL_PARAMETERS:
        items.append(f"… and {len(ex.parameters) - FULL_PARAMETERS} more parameters")
    doc.append(Bullets(items))


_MINUS_S = re.compile(r"−s(?![A-Za-z])")
_LONE_S = re.compile(r"(?<![A-Za-z])s(?![A-Za-z])")


def _activation_with_value(activation: str, s: float) -> str:
    """f(s) with the number put in for s: 1/(1+e^−1.94), tanh(-0.5), max(0.01·(-2), -2)."""
    formula = formula_markup(get_activation(activation).formula)
    formula = _MINUS_S.sub(lambda _: "−" + number(s) if s >= 0 else number(-s), formula)
    return _LONE_S.sub(
        lambda m: factor(s) if formula[max(m.start() - 1, 0)] == "·" else number(s), formula
    )
