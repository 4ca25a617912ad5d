"""The arithmetic of one training step as data, and its rendering as text or HTML.

`explain_step(trainer, step)` describes the update from state `step - 1` to `step`:
the forward pass at the parameters before it (the lecture's s = 1.94, y = 0.874352143,
E = 0.356465271), the update (the lecture's vector form for the delta rule, the chain
rule factor by factor for backprop), what the gradient says about each parameter, and
the new parameters with their own error. Every number is a float64 from the same
functions the trainer uses; `to_text` and `to_html` only format them.

The modules, each with one job:
  records          the frozen dataclasses of one explained step (StepExplanation, …)
  build            explain_step: those records, computed from a trainer
  backward         backprop's δ of every neuron and chain rule of every parameter
  notes            the remarks on rule, activation, loss, frozen biases, divergence
  units            the names of the inputs and neurons (X1, h1, a2_3, y)
  document         the document both renderers show, as blocks (see blocks, markup)
  update_sections  its delta-rule or chain-rule section
  formatting       numbers, vectors and capped sums as the document writes them
  limits           how much of a large network the document writes out in full
  text, html       the two renderers: to_text and to_html
"""

from __future__ import annotations

from model.explain.build import explain_step
from model.explain.html import to_html
from model.explain.records import (
    BackpropTerm,
    ChainRule,
    DeltaRuleUpdate,
    DeltaSample,
    NeuronDelta,
    NeuronForward,
    ParameterStep,
    SampleForward,
    StepExplanation,
    Term,
)
from model.explain.text import to_text
from model.explain.units import unit_names

__all__ = [
    "BackpropTerm",
    "ChainRule",
    "DeltaRuleUpdate",
    "DeltaSample",
    "NeuronDelta",
    "NeuronForward",
    "ParameterStep",
    "SampleForward",
    "StepExplanation",
    "Term",
    "explain_step",
    "to_html",
    "to_text",
    "unit_names",
]
