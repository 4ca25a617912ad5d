"""The records of one explained training step: frozen dataclasses, numbers only.

`build.explain_step` fills them in from a trainer; the document and its renderers only
read them. Every number is a float64 from the same functions the trainer uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from model.training import TrainingConfig

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Term:
    """One product input·weight of a neuron's sum s."""

    input_name: str  # "X1", "h2", "a1_3"
    input_value: float
    weight_name: str  # as in Network.parameter_names: "W1", "L2.W1_2"
    weight_value: float


@dataclass(frozen=True)
class NeuronForward:
    """s = Σ input·weight + b and its activation f(s), for one neuron and one sample."""

    layer: int  # 1-based
    neuron: int  # 1-based
    name: str  # its output: "y", "y2", "h1", "a1_2"
    terms: tuple[Term, ...]
    bias_name: str
    bias: float
    s: float
    activation: str
    output: float  # f(s)


@dataclass(frozen=True)
class SampleForward:
    """One sample's way through the network and its error E_p."""

    index: int  # 0-based row of the data table
    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    outputs: tuple[float, ...]
    error: float  # E_p
    neurons: tuple[NeuronForward, ...]  # in full for the first sample used, else ()


@dataclass(frozen=True)
class DeltaSample:
    """One sample's share of the delta rule for one output neuron: η[d − Y]X."""

    index: int  # 0-based sample
    inputs: tuple[float, ...]  # X(n): +1 for the bias first (left out if frozen)
    target: float  # d
    output: float  # Y
    error: float  # d − Y
    scaled: float  # η[d − Y]
    change: tuple[float, ...]  # η[d − Y]X


@dataclass(frozen=True)
class DeltaRuleUpdate:
    """W(n+1) = W(n) + η[d − Y]X for one output neuron, in the slide's order [b, W1, …]."""

    neuron: int  # 1-based output neuron
    names: tuple[str, ...]
    old: tuple[float, ...]  # W(n)
    samples: tuple[DeltaSample, ...]
    change: tuple[float, ...]  # the mean of the samples' η[d − Y]X
    new: tuple[float, ...]  # W(n+1)


@dataclass(frozen=True)
class BackpropTerm:
    """w_kj·δ_k: how a hidden neuron j gets its share of neuron k's error."""

    weight_name: str
    weight: float
    neuron_name: str  # neuron k, one layer further on
    delta: float  # δ_k


@dataclass(frozen=True)
class NeuronDelta:
    """δ = ∂E/∂s = ∂E/∂a · f'(s) of one neuron, for the first sample used."""

    layer: int
    neuron: int
    name: str
    activation: str
    s: float
    output: float  # a = f(s)
    target: float | None  # d, for an output neuron
    dE_da: float  # ∂E/∂a (= Σ_k w_kj δ_k for a hidden neuron)
    downstream: tuple[BackpropTerm, ...]  # the terms of that sum; () for an output
    da_ds: float  # f'(s)
    delta: float  # δ


@dataclass(frozen=True)
class ChainRule:
    """∂E/∂w = ∂E/∂a · ∂a/∂s · ∂s/∂w for one parameter."""

    neuron_name: str
    input_name: str  # "X1", "h2", or "+1" for a bias
    dE_da: float
    da_ds: float
    ds_dw: float
    product: float  # ∂E_p/∂w of the first sample used (= δ·∂s/∂w)
    gradient: float  # ∂E/∂w the update used (the batch mean in batch mode)


@dataclass(frozen=True)
class ParameterStep:
    """One parameter before and after the step."""

    name: str
    layer: int
    neuron: int
    input: int  # 1-based input; 0 for the bias
    old: float
    change: float  # the update as computed (0 for a frozen bias)
    new: float  # the state after the step (the history row)
    frozen: bool
    chain: ChainRule | None  # backprop only
    sensitivity: float | None  # ∂E/∂w of the dataset error at `old`; None if undefined


@dataclass(frozen=True)
class OptimizerParameter:
    """One parameter's way through the optimizer: the direction g (the data gradient,
    plus the penalty on a weight), the optimizer's slots before and after, the move."""

    name: str
    old: float
    gradient: float  # ∂E_step/∂θ, or for the delta rule −mean [d − y]x̃ (0 if frozen)
    penalty: float  # l2·w + l1·sign(w) on a weight; 0 on a bias
    g: float  # gradient + penalty
    before: dict[str, float]  # the optimizer's slots before this update ("m", "v", "s")
    after: dict[str, float]
    new: float
    frozen: bool


@dataclass(frozen=True)
class OptimizerUpdate:
    """How the optimizer turned the step's direction into the update."""

    name: str  # sgd, momentum, rmsprop, adam
    settings: dict[str, object]  # μ, Nesterov; α, ε; β1, β2, ε
    t: int  # this update's count since the state was last zeroed (1 on the first)
    eta: float
    l1: float
    l2: float
    parameters: tuple[OptimizerParameter, ...]


@dataclass(frozen=True)
class StepExplanation:
    """Everything one step computed, with the names the tables and the CSV use."""

    step: int  # the state after the update
    pending: bool  # True: the update the next Step would make
    config: TrainingConfig
    layers: tuple[int, ...]
    activations: tuple[str, ...]
    n_samples: int  # samples in the data table
    samples: tuple[SampleForward, ...]  # the samples this step used
    error_before: float  # dataset E at state step − 1
    delta_rule: tuple[DeltaRuleUpdate, ...]  # delta rule only
    deltas: tuple[NeuronDelta, ...]  # backprop only, output layer first
    parameters: tuple[ParameterStep, ...]  # in Network.get_flat order
    error_after: float  # dataset E at state step
    notes: tuple[str, ...]
    sensitivity_note: str  # why the sensitivities are missing; "" if present
    optimizer: OptimizerUpdate | None = None  # beyond plain gradient descent

    @property
    def forward(self) -> SampleForward:
        """The sample shown in full."""
        return self.samples[0]

    @property
    def old_parameters(self) -> Array:
        return np.array([p.old for p in self.parameters])

    @property
    def new_parameters(self) -> Array:
        return np.array([p.new for p in self.parameters])

    def parameter(self, name: str) -> ParameterStep:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)
