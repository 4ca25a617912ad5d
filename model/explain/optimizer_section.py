"""The optimizer's part of the document: how momentum, RMSProp or Adam (or plain descent
with a penalty) turned the step's direction g into the update, with the numbers."""

from __future__ import annotations

from model.explain.blocks import Block, EqualityChain, Heading, MathBlock, Paragraph
from model.explain.formatting import factor, number, plus
from model.explain.limits import FULL_PARAMETERS
from model.explain.markup import mark_name, subscript
from model.explain.records import OptimizerParameter, OptimizerUpdate, StepExplanation

# The bias-corrected means as m with a subscript: a combining circumflex (m̂) is drawn
# misplaced by Qt in DejaVu Sans, the default font of many Linux desktops.
M_HAT = f"m{subscript('c')}"
V_HAT = f"v{subscript('c')}"


def _value(o: OptimizerUpdate, key: str) -> float:
    value = o.settings[key]
    assert isinstance(value, int | float)
    return float(value)


def _title(o: OptimizerUpdate) -> str:
    if o.name == "momentum":
        kind = "Nesterov momentum" if o.settings.get("nesterov") else "momentum"
        return f"{kind} (μ = {number(_value(o, 'momentum'))})"
    if o.name == "rmsprop":
        return f"RMSProp (α = {number(_value(o, 'alpha'))}, ε = {number(_value(o, 'epsilon'))})"
    if o.name == "adam":
        b1, b2, eps = (number(_value(o, k)) for k in ("beta1", "beta2", "epsilon"))
        return f"Adam (β1 = {b1}, β2 = {b2}, ε = {eps})"
    return "plain gradient descent"


def _rules(o: OptimizerUpdate) -> str:
    """The optimizer's formulas, in words a student can follow."""
    if o.name == "momentum":
        move = "η·(g + μ·v)" if o.settings.get("nesterov") else "η·v"
        return (
            f"v ← μ·v + g keeps a running sum of the directions (it starts at 0), and "
            f"w ← w − {move}: along a valley the directions agree and v grows, across it "
            "they cancel."
        )
    if o.name == "rmsprop":
        return (
            "s ← α·s + (1 − α)·g² keeps a running mean of g², and w ← w − η·g/(√s + ε): "
            "each parameter's step is divided by the size of its recent gradients."
        )
    if o.name == "adam":
        return (
            "m ← β1·m + (1 − β1)·g and v ← β2·v + (1 − β2)·g² are running means of g and g² "
            f"(both start at 0); {M_HAT} = m/(1 − β1ᵗ) and {V_HAT} = v/(1 − β2ᵗ) correct for "
            f"that start; then w ← w − η·{M_HAT}/(√{V_HAT} + ε)."
        )
    return "w ← w − η·g."


def optimizer_section(ex: StepExplanation, doc: list[Block]) -> None:
    o = ex.optimizer
    if o is None:
        return
    eta = number(o.eta)
    count = f", update t = {o.t}" if o.name != "sgd" else ""
    doc.append(Heading(2, f"Update with {_title(o)}{count}"))
    direction = (
        "the lecture's rule as a direction, g = −[d − Y]X (the mean over the step's samples)"
        if ex.config.rule == "delta"
        else "g = ∂E/∂w from the backward pass"
    )
    terms = [f"{number(o.l2)}·w" if o.l2 else "", f"{number(o.l1)}·sign(w)" if o.l1 else ""]
    penalty = ""
    if o.l1 or o.l2:
        added = " + ".join(term for term in terms if term)
        penalty = f", plus the penalty on every weight (not the biases): g = ∂E/∂w + {added}"
    doc.append(Paragraph(f"The direction: {direction}{penalty}. {_rules(o)} η = {eta}."))
    if o.name == "adam" and o.t <= 3:
        b1 = _value(o, "beta1")
        doc.append(
            Paragraph(
                f"Bias correction: at update t = {o.t}, m holds only {number(1 - b1**o.t)} of "
                f"the directions so far (it started at 0), so {M_HAT} = m/{number(1 - b1**o.t)} "
                "restores their size; without it the first steps would be far too small."
            )
        )
    for p in o.parameters[:FULL_PARAMETERS]:
        doc.append(MathBlock(_parameter_chains(ex, o, p)))
    if len(o.parameters) > FULL_PARAMETERS:
        doc.append(
            Paragraph(
                f"The other {len(o.parameters) - FULL_PARAMETERS} parameters follow the same "
                "pattern; their values are in the table below."
            )
        )


def _parameter_chains(
    ex: StepExplanation, o: OptimizerUpdate, p: OptimizerParameter
) -> list[EqualityChain]:
    w = mark_name(p.name)
    if p.frozen:
        return [EqualityChain([f"{w} is frozen: it stays {number(p.old)}"])]
    chains = [_direction_chain(o, p, w)]
    eta = number(o.eta)
    if o.name == "sgd":
        chains.append(
            EqualityChain(
                [f"{w} ← {w} − η·g", f"{number(p.old)} − {eta}·{factor(p.g)}", number(p.new)]
            )
        )
    elif o.name == "momentum":
        mu = number(_value(o, "momentum"))
        v0, v1 = p.before["v"], p.after["v"]
        chains.append(EqualityChain(["v ← μ·v + g", f"{mu}·{factor(v0)}{plus(p.g)}", number(v1)]))
        if o.settings.get("nesterov"):
            move = f"{factor(p.g)} + {mu}·{factor(v1)}"
            chains.append(
                EqualityChain(
                    [f"{w} ← {w} − η·(g + μ·v)", f"{number(p.old)} − {eta}·({move})", number(p.new)]
                )
            )
        else:
            chains.append(
                EqualityChain(
                    [f"{w} ← {w} − η·v", f"{number(p.old)} − {eta}·{factor(v1)}", number(p.new)]
                )
            )
    elif o.name == "rmsprop":
        alpha, eps = _value(o, "alpha"), _value(o, "epsilon")
        s0, s1 = p.before["s"], p.after["s"]
        chains.append(
            EqualityChain(
                [
                    "s ← α·s + (1 − α)·g²",
                    f"{number(alpha)}·{factor(s0)} + {number(1 - alpha)}·{factor(p.g)}²",
                    number(s1),
                ]
            )
        )
        chains.append(
            EqualityChain(
                [
                    f"{w} ← {w} − η·g/(√s + ε)",
                    f"{number(p.old)} − {eta}·{factor(p.g)}/(√{number(s1)} + {number(eps)})",
                    number(p.new),
                ]
            )
        )
    else:
        chains += _adam_chains(o, p, w)
    return chains


def _direction_chain(o: OptimizerUpdate, p: OptimizerParameter, w: str) -> EqualityChain:
    if p.penalty == 0.0:
        return EqualityChain([f"g{subscript(w)}", number(p.g)])
    sign = 0.0 if p.old == 0 else (1.0 if p.old > 0 else -1.0)
    names, values = [f"∂E/∂{w}"], [number(p.gradient)]
    if o.l2:
        names.append(f"l2·{w}")
        values.append(f"{number(o.l2)}·{factor(p.old)}")
    if o.l1:
        names.append(f"l1·sign({w})")
        values.append(f"{number(o.l1)}·{factor(sign)}")
    return EqualityChain([f"g{subscript(w)}", " + ".join(names), " + ".join(values), number(p.g)])


def _adam_chains(o: OptimizerUpdate, p: OptimizerParameter, w: str) -> list[EqualityChain]:
    b1, b2, eps = (_value(o, k) for k in ("beta1", "beta2", "epsilon"))
    m0, m1, v0, v1 = p.before["m"], p.after["m"], p.before["v"], p.after["v"]
    c1, c2 = 1 - b1**o.t, 1 - b2**o.t
    m_hat, v_hat = m1 / c1, v1 / c2
    return [
        EqualityChain(
            [
                "m ← β1·m + (1 − β1)·g",
                f"{number(b1)}·{factor(m0)} + {number(1 - b1)}·{factor(p.g)}",
                number(m1),
            ]
        ),
        EqualityChain(
            [
                "v ← β2·v + (1 − β2)·g²",
                f"{number(b2)}·{factor(v0)} + {number(1 - b2)}·{factor(p.g)}²",
                number(v1),
            ]
        ),
        EqualityChain([f"{M_HAT} = m/(1 − β1ᵗ)", f"{factor(m1)}/{number(c1)}", number(m_hat)]),
        EqualityChain([f"{V_HAT} = v/(1 − β2ᵗ)", f"{factor(v1)}/{number(c2)}", number(v_hat)]),
        EqualityChain(
            [
                f"{w} ← {w} − η·{M_HAT}/(√{V_HAT} + ε)",
                f"{number(p.old)} − {number(o.eta)}·{factor(m_hat)}"
                f"/(√{number(v_hat)} + {number(eps)})",
                number(p.new),
            ]
        ),
    ]
