"""The update sections of the document: the delta rule W(n+1) = W(n) + η[d − Y]X per
output neuron, or backprop's chain rule, δ by δ and parameter by parameter."""

from __future__ import annotations

from model.explain.blocks import Block, EqualityChain, Heading, MathBlock, Paragraph
from model.explain.formatting import (
    capped_terms,
    factor,
    number,
    parenthesized,
    plus,
    precise_number,
    target_and_output,
    vector,
)
from model.explain.limits import FULL_PARAMETERS, FULL_SAMPLES
from model.explain.markup import mark_name, subscript
from model.explain.records import NeuronDelta, StepExplanation
from model.explain.units import unit_names


def delta_rule_section(ex: StepExplanation, doc: list[Block]) -> None:
    """The lecture's vector form per output neuron; in batch mode sample by sample and the mean."""
    eta = number(ex.config.learning_rate)
    bias = ex.config.update_biases
    doc.append(Heading(2, "Update: W(n+1) = W(n) + η[d − Y]X"))
    if not bias:
        doc.append(Paragraph("The biases are frozen, so W and X leave out the bias and its +1."))
    many = len(ex.delta_rule) > 1
    for update in ex.delta_rule:
        names = vector([mark_name(name) for name in update.names])
        X_names = [mark_name(name) for name in unit_names(ex.layers)[0]]
        X_symbols = vector(["+1", *X_names] if bias else X_names)
        y = f"Y{update.neuron}" if many else "Y"
        d = f"d{update.neuron}" if many else "d"
        if many:
            doc.append(Paragraph(f"Output neuron y{update.neuron}:"))
        if len(update.samples) == 1:
            share = update.samples[0]
            old, x = vector(update.old), vector(share.inputs, bias)
            target, output = target_and_output(share.target, share.output)
            doc.append(
                Paragraph(
                    f"W(n) = {names} = {vector(update.old)}, X(n) = {X_symbols} = "
                    f"{vector(share.inputs, bias)}"
                    + (" (the +1 is the bias input)" if bias else "")
                    + f", {d} = {target}, {y} = {output}, η = {eta}."
                )
            )
            doc.append(
                MathBlock(
                    [
                        EqualityChain(
                            [
                                "W(n+1)",
                                f"W(n) + η[{d} − {y}]X",
                                f"{old} + {eta}[{target} − {parenthesized(output)}]{x}",
                                f"{old} + {eta}[{number(share.error)}]{x}",
                                f"{old}{plus(share.scaled, precise_number(share.scaled))}{x}",
                                f"{old} + {vector(share.change)}",
                                vector(update.new),
                            ],
                            each_line=True,
                        )
                    ]
                )
            )
            continue
        doc.append(
            Paragraph(
                f"W(n) = {names} = {vector(update.old)}; batch: the mean of "
                f"η[{d} − {y}]X over the {len(update.samples)} samples."
            )
        )
        chains = [
            EqualityChain(
                [
                    f"sample {s.index + 1}: η[{d} − {y}]X",
                    _scaled_error(eta, s.target, s.output) + vector(s.inputs, bias),
                    vector(s.change),
                ]
            )
            for s in update.samples[:FULL_SAMPLES]
        ]
        if len(update.samples) > FULL_SAMPLES:
            chains.append(
                EqualityChain([f"… and {len(update.samples) - FULL_SAMPLES} more samples"])
            )
        chains.append(EqualityChain(["mean", vector(update.change)]))
        chains.append(
            EqualityChain(
                [
                    "W(n+1)",
                    "W(n) + mean",
                    f"{vector(update.old)} + {vector(update.change)}",
                    vector(update.new),
                ],
                each_line=True,
            )
        )
        doc.append(MathBlock(chains))


def _scaled_error(eta: str, d: float, y: float) -> str:
    """η[d − Y] with the numbers put in, as precise as d − Y needs them."""
    target, output = target_and_output(d, y)
    return f"{eta}[{target} − {parenthesized(output)}]"


_SLOPES = {
    "sigmoid": "{a}(1 − {a})",
    "tanh": "(1 − {a}²)",
    "relu": "(1 if s > 0 else 0)",
    "leaky_relu": "(1 if s > 0 else 0.01)",
    "linear": "1",
}


def _slope_formula(activation: str, a: str) -> str:
    """f'(s) written with the neuron's output `a` where it can be: a(1 − a) for a sigmoid."""
    return _SLOPES.get(activation, "f'(s)").format(a=a)


def _delta_chain(ex: StepExplanation, neuron: NeuronDelta) -> EqualityChain:
    """δ = ∂E/∂a · f'(s) of one neuron, ∂E/∂a from the target or from the next layer's δ."""
    a = mark_name(neuron.name)
    slope = _slope_formula(neuron.activation, a)
    name = f"δ{subscript(mark_name(neuron.name))}"
    if neuron.target is not None:
        d = "d" if ex.layers[-1] == 1 else f"d{neuron.neuron}"
        dE = f"({a} − {d})" if ex.config.loss == "squared_error" else f"({a} − {d})/({a}(1 − {a}))"
        return EqualityChain(
            [
                name,
                f"∂E/∂{a} · ∂{a}/∂s",
                f"{dE} · {slope}",
                f"{factor(neuron.dE_da)} · {factor(neuron.da_ds)}",
                number(neuron.delta),
            ]
        )
    symbols = [
        f"{mark_name(t.weight_name)}·δ{subscript(mark_name(t.neuron_name))}"
        for t in neuron.downstream
    ]
    values = [f"{factor(t.weight)}·{factor(t.delta)}" for t in neuron.downstream]
    return EqualityChain(
        [
            name,
            "(Σ w·δ) · f'(s)",
            f"({' + '.join(capped_terms(symbols))}) · {slope}",
            f"({' + '.join(capped_terms(values))}) · {factor(neuron.da_ds)}",
            f"{factor(neuron.dE_da)} · {factor(neuron.da_ds)}",
            number(neuron.delta),
        ]
    )


def backprop_section(ex: StepExplanation, doc: list[Block]) -> None:
    """δ of the neurons from the output back, then ∂E/∂w and the update per parameter."""
    eta = number(ex.config.learning_rate)
    doc.append(Heading(2, "Backward pass: the chain rule"))
    sample = f" of sample {ex.forward.index + 1}" if ex.n_samples > 1 else ""
    hidden = (
        f"; a hidden neuron collects δ{subscript('j')} = (Σ{subscript('k')} w{subscript('kj')} "
        f"δ{subscript('k')}) · f'(s{subscript('j')}) from the layer after it"
        if len(ex.layers) > 2
        else ""
    )
    doc.append(
        Paragraph(
            f"Every gradient is taken at the parameters before the step. First "
            f"δ = ∂E/∂s of each neuron{sample}, from the output back{hidden}."
        )
    )
    shown = ex.deltas[:FULL_PARAMETERS]
    doc.append(MathBlock([_delta_chain(ex, neuron) for neuron in shown]))
    if len(ex.deltas) > len(shown):
        doc.append(Paragraph(f"(… {len(ex.deltas) - len(shown)} more neurons in the same way.)"))
    then = (
        f"then w ← w − η·∂E/∂w with η = {eta}"
        if ex.optimizer is None
        else "then the optimizer below turns the gradients into the update"
    )
    doc.append(Paragraph(f"Each parameter: ∂E/∂w = ∂E/∂a · ∂a/∂s · ∂s/∂w, {then}."))
    batch = len(ex.samples) > 1
    for p in ex.parameters[:FULL_PARAMETERS]:
        chain = p.chain
        if chain is None:
            continue
        chains: list[EqualityChain] = []
        w, a = mark_name(p.name), mark_name(chain.neuron_name)
        lead = f"∂E{subscript(str(ex.forward.index + 1))}/∂{w}" if batch else f"∂E/∂{w}"
        chains.append(
            EqualityChain(
                [
                    lead,
                    f"∂E/∂{a} · ∂{a}/∂s · ∂s/∂{w}",
                    f"{factor(chain.dE_da)} · {factor(chain.da_ds)} · {factor(chain.ds_dw)}",
                    number(chain.product),
                ]
            )
        )
        if batch:
            chains.append(
                EqualityChain(
                    [f"∂E/∂{w} (mean over {len(ex.samples)} samples)", number(chain.gradient)]
                )
            )
        if ex.optimizer is not None:
            pass  # the update: see the optimizer's section
        elif p.frozen:
            chains.append(EqualityChain([f"{w} is frozen: it stays {number(p.old)}"]))
        else:
            chains.append(
                EqualityChain(
                    [
                        f"{w} ← {w} − η·∂E/∂{w}",
                        f"{number(p.old)} − {eta}·{factor(chain.gradient)}",
                        number(p.new),
                    ]
                )
            )
        doc.append(MathBlock(chains))  # one block per parameter: a gap between them in HTML
    if len(ex.parameters) > FULL_PARAMETERS:
        doc.append(
            Paragraph(
                f"The other {len(ex.parameters) - FULL_PARAMETERS} parameters follow "
                "the same pattern; their values are in the table below."
            )
        )
