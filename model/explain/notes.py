"""What a step's numbers mean for the lecture: the remarks shown under the update."""

from __future__ import annotations

import math

from model.explain.records import StepExplanation
from model.numbers import format_number


def teaching_notes(ex: StepExplanation) -> tuple[str, ...]:
    """Remarks on the rule, the output activation and the loss of `ex`, on frozen biases
    and on a diverging update."""
    notes: list[str] = []
    out = ex.activations[-1]
    squared = ex.config.loss == "squared_error"
    if ex.config.rule == "delta":
        if out == "sigmoid":
            notes.append(
                "For a sigmoid output this rule is exactly gradient descent on the "
                "cross-entropy error: there ∂E/∂s = y − d, so −η·∂E/∂w = η[d − Y]X."
            )
            if squared:
                y = ex.forward.outputs[0]
                notes.append(
                    "With the squared error, gradient descent (backprop) would also multiply "
                    "[d − Y] by the sigmoid's slope f'(s) = y(1 − y) "
                    f"(here {format_number(y * (1 - y))}); the delta rule omits that factor."
                )
        elif out == "linear":
            notes.append(
                "For a linear output this rule is exactly gradient descent on the "
                "squared error (the Widrow–Hoff LMS rule): ∂E/∂s = y − d."
            )
        elif out == "step":
            notes.append(
                "With the step activation this is the perceptron learning rule. "
                "Backprop cannot train a step: its derivative f'(s) is 0 for every "
                "s ≠ 0 and undefined at s = 0, so the chain rule would multiply "
                "every gradient by 0 and no weight would ever move. That is why "
                "only the lecture's rule is offered while a layer uses the step."
            )
        else:
            notes.append(
                f"For a {out} output this is not exactly gradient descent: the "
                "gradient of the squared error would also multiply [d − Y] by f'(s)."
            )
    elif out == "sigmoid" and not squared:
        notes.append(
            "With a sigmoid output and cross-entropy the factors cancel: "
            "δ = ∂E/∂s = y − d, the lecture's delta rule."
        )
    if not ex.config.update_biases:
        notes.append("Biases are frozen (update_biases is off): every bias keeps its value.")
    finite = all(math.isfinite(p.new) for p in ex.parameters) and math.isfinite(ex.error_after)
    if not finite:
        notes.append(
            "This update gives a non-finite number (NaN or infinity): it diverges. "
            "A smaller learning rate η usually helps."
        )
    return tuple(notes)
