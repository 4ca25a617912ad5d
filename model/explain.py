"""The arithmetic of one training step as data, and its rendering as text or HTML.

`explain_step(trainer, step)` describes the update from state `step - 1` to `step`:
the forward pass at the parameters before it (the lecture's s = 1.94, y = 0.874352143,
E = 0.356465271), the update (the lecture's vector form for the delta rule, the chain
rule factor by factor for backprop), what the gradient says about each parameter, and
the new parameters with their own error. Every number is a float64 from the same
functions the trainer uses; `to_text` and `to_html` only format them.

Both renderers share one small document model (headings, paragraphs, chains of
equalities, tables, bullets) whose strings carry private markers for names, subscripts
and superscripts: plain text shows W1 and e^−1.94, HTML shows W<sub>1</sub> and
e<sup>−1.94</sup>.
"""

from __future__ import annotations

import functools
import html
import math
import re
import textwrap
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from model.activations import get_activation
from model.losses import get_loss
from model.network import ForwardPass, Network
from model.numbers import format_number
from model.training import Trainer, TrainingConfig, parameter_update, sample_indices

Array = NDArray[np.float64]

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

FULL_PARAMETERS = 12  # chain rule / sensitivity written out for this many parameters
FULL_NEURONS = 8  # forward sums written out per layer; the rest go in a table
FULL_TERMS = 8  # products shown in one sum (more: the first few, …, the last)
FULL_SAMPLES = 8  # per-sample lines of a batch delta rule
TABLE_ROWS = 20  # rows of the batch table of other samples
WIDTH = 80  # the text renderer's terminal width
SENSITIVITY_STEP = 0.1


# -- the data ----------------------------------------------------------------------------
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


# -- building it -------------------------------------------------------------------------
def unit_names(layers: list[int] | tuple[int, ...]) -> list[list[str]]:
    """Names of a[0] .. a[L]: X1.., then h1.. (one hidden layer) or a{l}_{j}, then y/y1.."""
    depth = len(layers) - 1
    names = [[f"X{i}" for i in range(1, layers[0] + 1)]]
    for l in range(1, depth + 1):
        n = layers[l]
        if l == depth:
            names.append(["y"] if n == 1 else [f"y{j}" for j in range(1, n + 1)])
        elif depth == 2:
            names.append([f"h{j}" for j in range(1, n + 1)])
        else:
            names.append([f"a{l}_{j}" for j in range(1, n + 1)])
    return names


def _flat(dW: list[Array], db: list[Array]) -> Array:
    return np.concatenate([part for W, b in zip(dW, db, strict=True) for part in (W.ravel(), b)])


def _layout(network: Network) -> list[tuple[int, int, int]]:
    """(layer, neuron, input) of every `get_flat` entry, all 1-based, input 0 = bias."""
    where: list[tuple[int, int, int]] = []
    for l in range(1, network.depth + 1):
        n, n_prev = network.layers[l], network.layers[l - 1]
        where.extend((l, j, i) for j in range(1, n + 1) for i in range(1, n_prev + 1))
        where.extend((l, j, 0) for j in range(1, n + 1))
    return where


def explain_step(trainer: Trainer, step: int | None = None) -> StepExplanation:
    """The update from state `step - 1` to `step` (default: the current state).

    At state 0 (and for `step = position + 1` when that state is not recorded yet) it
    explains the update the next Step would make, with `pending=True`. The trainer is
    not changed.
    """
    history = trainer.history
    step, pending = _which_step(trainer, step)
    config = trainer.config if pending else trainer.config_for_step(step)
    old = history.row(step - 1)
    net = trainer.network.copy()
    net.set_flat(old)
    data = trainer.data
    n_samples = data.n_samples
    rows = sample_indices(step - 1, config.mode, n_samples)
    used = list(range(n_samples)[rows])
    X, D = data.inputs[rows], data.targets[rows]
    names = net.parameter_names()
    units = unit_names(net.layers)
    loss = get_loss(config.loss)
    # Overflow on the way to a divergence is reported as inf/nan in the text, not raised.
    with np.errstate(all="ignore"):
        fp = net.forward(X)
        errors = loss.per_sample(fp.output, D)
        change = _flat(*parameter_update(net, data, config, step - 1))
        if pending:
            new = old + change
            after = net.copy()
            after.set_flat(new)
            error_after = after.error(data.inputs, data.targets, config.loss)
        else:
            new = history.row(step)
            error_after = history.error_at(step)
        # Under this step's loss: the history's row may have been made under another one.
        if trainer.config_for_step(step - 1).loss == config.loss:
            error_before = history.error_at(step - 1)
        else:
            error_before = net.error(data.inputs, data.targets, config.loss)
        samples = _samples(net, fp, errors, used, X, D, names, units)
        differentiable = all(get_activation(a).differentiable for a in net.activations)
        sensitivity: Array | None = None
        sensitivity_note = ""
        if differentiable:
            full = net.gradients(data.inputs, data.targets, config.loss)
            sensitivity = _flat(full.dW, full.db)
        else:
            sensitivity_note = (
                "The step activation has no derivative (0 everywhere, undefined at 0), so "
                "how the error responds to a small change of a parameter is not defined: "
                "one of the drawbacks of backpropagation the lecture lists."
            )
        deltas: tuple[NeuronDelta, ...] = ()
        chains: list[ChainRule | None] = [None] * len(names)
        if config.rule == "backprop":
            deltas, chains = _backprop(net, fp, X, D, config.loss, names, units)
    layout = _layout(net)
    parameters = tuple(
        ParameterStep(
            name=name,
            layer=l,
            neuron=j,
            input=i,
            old=float(old[k]),
            change=float(change[k]),
            new=float(new[k]),
            frozen=i == 0 and not config.update_biases,
            chain=chains[k],
            sensitivity=None if sensitivity is None else float(sensitivity[k]),
        )
        for k, (name, (l, j, i)) in enumerate(zip(names, layout, strict=True))
    )
    delta_rule = (
        _delta_rule(net, fp, used, X, D, config, names, parameters)
        if config.rule == "delta"
        else ()
    )
    explanation = StepExplanation(
        step=step,
        pending=pending,
        config=config,
        layers=tuple(net.layers),
        activations=tuple(net.activations),
        n_samples=n_samples,
        samples=samples,
        error_before=error_before,
        delta_rule=delta_rule,
        deltas=deltas,
        parameters=parameters,
        error_after=error_after,
        notes=(),
        sensitivity_note=sensitivity_note,
    )
    return replace(explanation, notes=_notes(explanation))


def _which_step(trainer: Trainer, step: int | None) -> tuple[int, bool]:
    """(step, pending): a recorded step, or the one the next Step would make."""
    n_rows = len(trainer.history)
    if step is None:
        return max(trainer.position, 1), trainer.position == 0
    pending = step >= n_rows
    if step < 1 or (pending and step != trainer.position + 1):
        raise IndexError(
            f"cannot explain step {step}: the recorded steps are 1..{n_rows - 1}"
            f" and the next one is {trainer.position + 1}"
        )
    return step, pending


def _samples(
    net: Network,
    fp: ForwardPass,
    errors: Array,
    used: list[int],
    X: Array,
    D: Array,
    names: list[str],
    units: list[list[str]],
) -> tuple[SampleForward, ...]:
    neurons: list[NeuronForward] = []
    k = 0
    for l in range(1, net.depth + 1):
        W, b = net.weights[l - 1], net.biases[l - 1]
        n, n_prev = W.shape
        inputs = fp.a[l - 1][0].tolist()
        s_row, a_row = fp.s[l - 1][0].tolist(), fp.a[l][0].tolist()
        W_rows = W.tolist()
        for j in range(n):
            terms = tuple(
                Term(units[l - 1][i], inputs[i], names[k + j * n_prev + i], W_rows[j][i])
                for i in range(n_prev)
            )
            neurons.append(
                NeuronForward(
                    l,
                    j + 1,
                    units[l][j],
                    terms,
                    names[k + n * n_prev + j],
                    float(b[j]),
                    s_row[j],
                    net.activations[l - 1],
                    a_row[j],
                )
            )
        k += n * (n_prev + 1)
    inputs_list, targets_list = X.tolist(), D.tolist()
    outputs_list, errors_list = fp.output.tolist(), errors.tolist()
    return tuple(
        SampleForward(
            p,
            tuple(inputs_list[r]),
            tuple(targets_list[r]),
            tuple(outputs_list[r]),
            errors_list[r],
            tuple(neurons) if r == 0 else (),
        )
        for r, p in enumerate(used)
    )


def _backprop(
    net: Network,
    fp: ForwardPass,
    X: Array,
    D: Array,
    loss_name: str,
    names: list[str],
    units: list[list[str]],
) -> tuple[tuple[NeuronDelta, ...], list[ChainRule | None]]:
    grads = net.gradients(X, D, loss_name, fp)
    loss = get_loss(loss_name)
    depth = net.depth
    deltas: list[NeuronDelta] = []
    dE_da_layers: list[list[float]] = [[] for _ in range(depth)]
    da_ds_layers: list[list[float]] = [[] for _ in range(depth)]
    offsets = np.cumsum(
        [0] + [W.size + b.size for W, b in zip(net.weights, net.biases, strict=True)]
    ).tolist()
    for l in range(depth, 0, -1):
        act = get_activation(net.activations[l - 1])
        s = fp.s[l - 1][:1]
        a = fp.a[l][0].tolist()
        da_ds = act.df(s)[0].tolist()
        delta = grads.delta[l - 1][0].tolist()
        if l == depth:
            dE_da = loss.dE_dy(fp.output[:1], D[:1])[0].tolist()
        else:
            dE_da = (grads.delta[l][0] @ net.weights[l]).tolist()
        dE_da_layers[l - 1], da_ds_layers[l - 1] = dE_da, da_ds
        n_next = net.layers[l + 1] if l < depth else 0
        for j in range(net.layers[l]):
            downstream: tuple[BackpropTerm, ...] = ()
            if l < depth:
                next_delta = grads.delta[l][0].tolist()
                W_next = net.weights[l]
                downstream = tuple(
                    BackpropTerm(
                        names[offsets[l] + k * net.layers[l] + j],
                        float(W_next[k, j]),
                        units[l + 1][k],
                        next_delta[k],
                    )
                    for k in range(n_next)
                )
            deltas.append(
                NeuronDelta(
                    l,
                    j + 1,
                    units[l][j],
                    net.activations[l - 1],
                    float(s[0, j]),
                    a[j],
                    float(D[0, j]) if l == depth else None,
                    dE_da[j],
                    downstream,
                    da_ds[j],
                    delta[j],
                )
            )
    chains: list[ChainRule | None] = []
    for l in range(1, depth + 1):
        inputs = fp.a[l - 1][0].tolist()
        delta = grads.delta[l - 1][0].tolist()
        dW, db = grads.dW[l - 1].tolist(), grads.db[l - 1].tolist()
        for j in range(net.layers[l]):
            for i, x in enumerate(inputs):
                chains.append(
                    ChainRule(
                        units[l][j],
                        units[l - 1][i],
                        dE_da_layers[l - 1][j],
                        da_ds_layers[l - 1][j],
                        x,
                        delta[j] * x,
                        dW[j][i],
                    )
                )
        chains.extend(
            ChainRule(
                units[l][j],
                "+1",
                dE_da_layers[l - 1][j],
                da_ds_layers[l - 1][j],
                1.0,
                delta[j],
                db[j],
            )
            for j in range(net.layers[l])
        )
    return tuple(deltas), chains


def _delta_rule(
    net: Network,
    fp: ForwardPass,
    used: list[int],
    X: Array,
    D: Array,
    config: TrainingConfig,
    names: list[str],
    parameters: tuple[ParameterStep, ...],
) -> tuple[DeltaRuleUpdate, ...]:
    n_in, n_out = net.layers[0], net.layers[1]
    eta = config.learning_rate
    with_bias = config.update_biases
    Y, X_rows, D_rows = fp.output.tolist(), X.tolist(), D.tolist()
    updates: list[DeltaRuleUpdate] = []
    for j in range(n_out):
        indices = ([n_out * n_in + j] if with_bias else []) + [j * n_in + i for i in range(n_in)]
        shares: list[DeltaSample] = []
        for r, p in enumerate(used):
            x = ([1.0] if with_bias else []) + X_rows[r]
            d, y = D_rows[r][j], Y[r][j]
            scaled = eta * (d - y)
            shares.append(
                DeltaSample(p, tuple(x), d, y, d - y, scaled, tuple(scaled * v for v in x))
            )
        mean = tuple(
            sum(column) / len(shares) for column in zip(*(s.change for s in shares), strict=True)
        )
        updates.append(
            DeltaRuleUpdate(
                j + 1,
                tuple(names[k] for k in indices),
                tuple(parameters[k].old for k in indices),
                tuple(shares),
                mean,
                tuple(parameters[k].new for k in indices),
            )
        )
    return tuple(updates)


def _notes(ex: StepExplanation) -> tuple[str, ...]:
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


# -- the document model shared by both renderers -------------------------------------------
_N0, _N1 = "\ue000", "\ue001"  # a name: W1, L1.W2_1, X1, h1
_B0, _B1 = "\ue002", "\ue003"  # subscript
_P0, _P1 = "\ue004", "\ue005"  # superscript


def _n(name: str) -> str:
    return f"{_N0}{name}{_N1}"


def _sub(text: str) -> str:
    return f"{_B0}{text}{_B1}"


@dataclass
class _Heading:
    level: int
    text: str


@dataclass
class _Para:
    text: str


@dataclass
class _Chain:
    """a = b = c …; `each_line` puts every "= …" on its own line (the slide's layout)."""

    parts: list[str]
    each_line: bool = False


@dataclass
class _Math:
    chains: list[_Chain]


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class _Bullets:
    items: list[str]


_Block = _Heading | _Para | _Math | _Table | _Bullets


@functools.lru_cache(maxsize=4096)
def _num(x: float) -> str:
    return format_number(x)


def _factor(x: float) -> str:
    """A number inside a product or after a plus sign: negatives in parentheses."""
    text = _num(x)
    return f"({text})" if text.startswith("-") else text


def _precise(x: float) -> str:
    """Nine significant digits where nine decimals would show fewer (the slide's
    η[d − Y] = -0.00844352143)."""
    if math.isfinite(x) and 1e-4 <= abs(x) < 0.1:
        return f"{x:.9g}"
    return format_number(x)


def _approx(x: float) -> str:
    """Two significant digits, for the ≈ of a linear estimate."""
    text = f"{x:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return text


def _vector(values: tuple[float, ...] | list[str], bias_first: bool = False) -> str:
    items = [v if isinstance(v, str) else _num(v) for v in values]
    if bias_first and items:
        items[0] = "+1"
    return "[" + ", ".join(items) + "]"


def _terms(items: list[str], cap: int = FULL_TERMS) -> list[str]:
    if len(items) <= cap:
        return items
    return [*items[: cap - 2], "…", items[-1]]


def _formula(ex_formula: str) -> str:
    """An Activation.formula (HTML with <sup>) in the document's markup."""
    text = ex_formula.replace("<sup>", _P0).replace("</sup>", _P1)
    text = text.replace("<sub>", _B0).replace("</sub>", _B1)
    return html.unescape(re.sub(r"<[^>]*>", "", text))


_S_MINUS = re.compile(r"−s(?![A-Za-z])")
_S_ALONE = re.compile(r"(?<![A-Za-z])s(?![A-Za-z])")


def _activation_with(activation: str, s: float) -> str:
    """f(s) with the number put in for s: 1/(1+e^−1.94), tanh(-0.5), max(0.01·(-2), -2)."""
    formula = _formula(get_activation(activation).formula)
    formula = _S_MINUS.sub(lambda _: "−" + _num(s) if s >= 0 else _num(-s), formula)
    return _S_ALONE.sub(
        lambda m: _factor(s) if formula[max(m.start() - 1, 0)] == "·" else _num(s), formula
    )


_SLOPES = {
    "sigmoid": "{a}(1 − {a})",
    "tanh": "(1 − {a}²)",
    "relu": "(1 if s > 0 else 0)",
    "leaky_relu": "(1 if s > 0 else 0.01)",
    "linear": "1",
}


def _slope(activation: str, a: str) -> str:
    return _SLOPES.get(activation, "f'(s)").format(a=a)


def _document(ex: StepExplanation) -> list[_Block]:
    doc: list[_Block] = []
    cfg = ex.config
    if ex.pending:
        doc.append(_Heading(1, f"Next step (not taken yet): state {ex.step - 1} → {ex.step}"))
    else:
        doc.append(_Heading(1, f"Step {ex.step}: state {ex.step - 1} → {ex.step}"))
    rule = "the lecture's delta rule" if cfg.rule == "delta" else "backpropagation"
    first = ex.samples[0].index + 1
    if cfg.mode == "online":
        mode = f"online: this step uses sample {first} of {ex.n_samples}"
    elif ex.n_samples > 1:
        mode = f"batch: one update from all {ex.n_samples} samples"
    else:
        mode = "batch: one update from the one sample"
    doc.append(
        _Para(
            f"Rule: {rule} · loss: {get_loss(cfg.loss).label} · "
            f"η = {_num(cfg.learning_rate)} · {mode}."
        )
    )
    _forward_section(ex, doc)
    _error_section(ex, doc)
    if cfg.rule == "delta":
        _delta_section(ex, doc)
    else:
        _backprop_section(ex, doc)
    if ex.notes:
        doc.append(_Bullets(list(ex.notes)))
    _sensitivity_section(ex, doc)
    doc.append(_Heading(2, "New parameters"))
    doc.append(
        _Table(
            ["parameter", "before", "change", "after"],
            [
                [_n(p.name), _num(p.old), "frozen" if p.frozen else _num(p.change), _num(p.new)]
                for p in ex.parameters
            ],
        )
    )
    verb = "would be" if ex.pending else "="
    doc.append(
        _Para(
            f"Error after the step: E {verb} {_num(ex.error_after)} "
            f"(before: {_num(ex.error_before)})."
        )
    )
    return doc


def _forward_section(ex: StepExplanation, doc: list[_Block]) -> None:
    sample = ex.forward
    title = "Forward pass"
    if ex.n_samples > 1:
        title += f" (sample {sample.index + 1})"
    doc.append(_Heading(2, title))
    units = unit_names(ex.layers)
    given = ", ".join(
        _terms([f"{_n(name)} = {_num(x)}" for name, x in zip(units[0], sample.inputs, strict=True)])
    )
    d_names = (
        ["d"] if len(sample.targets) == 1 else [f"d{k}" for k in range(1, len(sample.targets) + 1)]
    )
    wanted = ", ".join(
        f"{name} = {_num(d)}" for name, d in zip(d_names, sample.targets, strict=True)
    )
    doc.append(_Para(f"Inputs {given}; desired {wanted}."))
    if len(set(ex.activations)) == 1:
        where = [""]
    else:
        where = [f"layer {l} " for l in range(1, len(ex.activations) + 1)]
    activations = "; ".join(
        f"{w}{name}: f(s) = {_formula(get_activation(name).formula)}"
        for w, name in zip(where, ex.activations, strict=False)
    )
    doc.append(_Para(f"Activation {activations}."))
    single = len(ex.layers) == 2 and ex.layers[1] == 1
    rest: list[list[str]] = []
    for neuron in sample.neurons:
        if neuron.neuron > FULL_NEURONS:
            rest.append([_n(neuron.name), _num(neuron.s), _num(neuron.output)])
            continue
        symbols = [f"{_n(t.input_name)}·{_n(t.weight_name)}" for t in neuron.terms]
        values = [f"{_factor(t.input_value)}·{_factor(t.weight_value)}" for t in neuron.terms]
        sum_parts = [
            " + ".join([*_terms(symbols), _n(neuron.bias_name)]),
            " + ".join([*_terms(values), _factor(neuron.bias)]),
        ]
        lead = "s" if single else f"{_n(neuron.name)}: s"
        doc.append(
            _Math(
                [
                    _Chain([lead, *sum_parts, _num(neuron.s)]),
                    _Chain(
                        [
                            f"{_n(neuron.name)} = f(s)",
                            _activation_with(neuron.activation, neuron.s),
                            _num(neuron.output),
                        ]
                    ),
                ]
            )
        )
    if rest:
        doc.append(_Para(f"The other neurons (more than {FULL_NEURONS} in a layer):"))
        doc.append(_Table(["neuron", "s", "f(s)"], rest))


def _error_text(ex: StepExplanation, sample: SampleForward) -> _Chain:
    pairs = list(zip(sample.targets, sample.outputs, strict=True))
    if ex.config.loss == "squared_error":
        items = [f"({_num(d)} − {_num(y)})²" for d, y in pairs]
        body = f"½{items[0]}" if len(items) == 1 else f"½[{' + '.join(_terms(items))}]"
    else:
        items = [
            f"{_factor(d)}·ln {_factor(y)} + (1 − {_num(d)})·ln(1 − {_num(y)})" for d, y in pairs
        ]
        body = f"−[{' + '.join(_terms(items, 4))}]"
    name = "E" if ex.n_samples == 1 else f"E{_sub(str(sample.index + 1))}"
    return _Chain([name, body, _num(sample.error)])


def _error_section(ex: StepExplanation, doc: list[_Block]) -> None:
    doc.append(_Heading(2, "Error"))
    doc.append(
        _Para(f"{get_loss(ex.config.loss).label.capitalize()}: {get_loss(ex.config.loss).formula}")
    )
    doc.append(_Math([_error_text(ex, ex.forward)]))
    others = ex.samples[1:]
    if others:
        doc.append(_Para("The other samples of this batch:"))
        rows = [
            [
                str(s.index + 1),
                _vector(s.inputs),
                _vector(s.targets),
                _vector(s.outputs),
                _num(s.error),
            ]
            for s in others[:TABLE_ROWS]
        ]
        if len(others) > TABLE_ROWS:
            rows.append([f"… {len(others) - TABLE_ROWS} more", "", "", "", ""])
        doc.append(_Table(["sample", "X", "d", "y", f"E{_sub('p')}"], rows))
    if ex.n_samples > 1:
        doc.append(
            _Para(
                f"Error over all {ex.n_samples} samples (the mean of E{_sub('p')}): "
                f"E = {_num(ex.error_before)}."
            )
        )


def _delta_section(ex: StepExplanation, doc: list[_Block]) -> None:
    eta = _num(ex.config.learning_rate)
    bias = ex.config.update_biases
    doc.append(_Heading(2, "Update: W(n+1) = W(n) + η[d − Y]X"))
    if not bias:
        doc.append(_Para("The biases are frozen, so W and X leave out the bias and its +1."))
    many = len(ex.delta_rule) > 1
    for update in ex.delta_rule:
        names = _vector([_n(name) for name in update.names])
        X_names = [_n(name) for name in unit_names(ex.layers)[0]]
        X_symbols = _vector(["+1", *X_names] if bias else X_names)
        y = f"Y{update.neuron}" if many else "Y"
        d = f"d{update.neuron}" if many else "d"
        if many:
            doc.append(_Para(f"Output neuron y{update.neuron}:"))
        if len(update.samples) == 1:
            share = update.samples[0]
            old, x = _vector(update.old), _vector(share.inputs, bias)
            doc.append(
                _Para(
                    f"W(n) = {names} = {_vector(update.old)}, X(n) = {X_symbols} = "
                    f"{_vector(share.inputs, bias)}"
                    + (" (the +1 is the bias input)" if bias else "")
                    + f", {d} = {_num(share.target)}, {y} = {_num(share.output)}, η = {eta}."
                )
            )
            doc.append(
                _Math(
                    [
                        _Chain(
                            [
                                "W(n+1)",
                                f"W(n) + η[{d} − {y}]X",
                                f"{old} + {eta}[{_num(share.target)} − {_num(share.output)}]{x}",
                                f"{old} + {eta}[{_num(share.error)}]{x}",
                                f"{old} + {_precise(share.scaled)}{x}",
                                f"{old} + {_vector(share.change)}",
                                _vector(update.new),
                            ],
                            each_line=True,
                        )
                    ]
                )
            )
            continue
        doc.append(
            _Para(
                f"W(n) = {names} = {_vector(update.old)}; batch: the mean of "
                f"η[{d} − {y}]X over the {len(update.samples)} samples."
            )
        )
        chains = [
            _Chain(
                [
                    f"sample {s.index + 1}: η[{d} − {y}]X",
                    f"{eta}[{_num(s.target)} − {_num(s.output)}]{_vector(s.inputs, bias)}",
                    _vector(s.change),
                ]
            )
            for s in update.samples[:FULL_SAMPLES]
        ]
        if len(update.samples) > FULL_SAMPLES:
            chains.append(_Chain([f"… and {len(update.samples) - FULL_SAMPLES} more samples"]))
        chains.append(_Chain(["mean", _vector(update.change)]))
        chains.append(
            _Chain(
                [
                    "W(n+1)",
                    "W(n) + mean",
                    f"{_vector(update.old)} + {_vector(update.change)}",
                    _vector(update.new),
                ],
                each_line=True,
            )
        )
        doc.append(_Math(chains))


def _delta_chain(ex: StepExplanation, nd: NeuronDelta) -> _Chain:
    a = _n(nd.name)
    slope = _slope(nd.activation, a)
    name = f"δ{_sub(_n(nd.name))}"
    if nd.target is not None:
        d = "d" if ex.layers[-1] == 1 else f"d{nd.neuron}"
        dE = f"({a} − {d})" if ex.config.loss == "squared_error" else f"({a} − {d})/({a}(1 − {a}))"
        return _Chain(
            [
                name,
                f"∂E/∂{a} · ∂{a}/∂s",
                f"{dE} · {slope}",
                f"{_factor(nd.dE_da)} · {_factor(nd.da_ds)}",
                _num(nd.delta),
            ]
        )
    symbols = [f"{_n(t.weight_name)}·δ{_sub(_n(t.neuron_name))}" for t in nd.downstream]
    values = [f"{_factor(t.weight)}·{_factor(t.delta)}" for t in nd.downstream]
    return _Chain(
        [
            name,
            "(Σ w·δ) · f'(s)",
            f"({' + '.join(_terms(symbols))}) · {slope}",
            f"({' + '.join(_terms(values))}) · {_factor(nd.da_ds)}",
            f"{_factor(nd.dE_da)} · {_factor(nd.da_ds)}",
            _num(nd.delta),
        ]
    )


def _backprop_section(ex: StepExplanation, doc: list[_Block]) -> None:
    eta = _num(ex.config.learning_rate)
    doc.append(_Heading(2, "Backward pass: the chain rule"))
    sample = f" of sample {ex.forward.index + 1}" if ex.n_samples > 1 else ""
    hidden = (
        f"; a hidden neuron collects δ{_sub('j')} = (Σ{_sub('k')} w{_sub('kj')} "
        f"δ{_sub('k')}) · f'(s{_sub('j')}) from the layer after it"
        if len(ex.layers) > 2
        else ""
    )
    doc.append(
        _Para(
            f"Every gradient is taken at the parameters before the step. First "
            f"δ = ∂E/∂s of each neuron{sample}, from the output back{hidden}."
        )
    )
    shown = ex.deltas[:FULL_PARAMETERS]
    doc.append(_Math([_delta_chain(ex, nd) for nd in shown]))
    if len(ex.deltas) > len(shown):
        doc.append(_Para(f"(… {len(ex.deltas) - len(shown)} more neurons in the same way.)"))
    doc.append(
        _Para(
            f"Each parameter: ∂E/∂w = ∂E/∂a · ∂a/∂s · ∂s/∂w, then w ← w − η·∂E/∂w with η = {eta}."
        )
    )
    batch = len(ex.samples) > 1
    for p in ex.parameters[:FULL_PARAMETERS]:
        c = p.chain
        if c is None:
            continue
        chains: list[_Chain] = []
        w, a = _n(p.name), _n(c.neuron_name)
        lead = f"∂E{_sub(str(ex.forward.index + 1))}/∂{w}" if batch else f"∂E/∂{w}"
        chains.append(
            _Chain(
                [
                    lead,
                    f"∂E/∂{a} · ∂{a}/∂s · ∂s/∂{w}",
                    f"{_factor(c.dE_da)} · {_factor(c.da_ds)} · {_factor(c.ds_dw)}",
                    _num(c.product),
                ]
            )
        )
        if batch:
            chains.append(
                _Chain([f"∂E/∂{w} (mean over {len(ex.samples)} samples)", _num(c.gradient)])
            )
        if p.frozen:
            chains.append(_Chain([f"{w} is frozen: it stays {_num(p.old)}"]))
        else:
            chains.append(
                _Chain(
                    [
                        f"{w} ← {w} − η·∂E/∂{w}",
                        f"{_num(p.old)} − {eta}·{_factor(c.gradient)}",
                        _num(p.new),
                    ]
                )
            )
        doc.append(_Math(chains))  # one block per parameter: a gap between them in HTML
    if len(ex.parameters) > FULL_PARAMETERS:
        doc.append(
            _Para(
                f"The other {len(ex.parameters) - FULL_PARAMETERS} parameters follow "
                "the same pattern; their values are in the table below."
            )
        )


def _sensitivity_section(ex: StepExplanation, doc: list[_Block]) -> None:
    doc.append(_Heading(2, "What the gradient says"))
    if ex.sensitivity_note:
        doc.append(_Para(ex.sensitivity_note))
        return
    over = f"over all {ex.n_samples} samples " if ex.n_samples > 1 else ""
    doc.append(
        _Para(
            f"From ∂E/∂w of the error {over}at the parameters before the step "
            f"(E = {_num(ex.error_before)}), a linear estimate:"
        )
    )
    step = _num(SENSITIVITY_STEP)
    items: list[str] = []
    for p in ex.parameters[:FULL_PARAMETERS]:
        g = p.sensitivity
        if g is None:
            continue
        w = _n(p.name)
        effect = SENSITIVITY_STEP * g
        if effect > 0:
            verdict = f"raises E by ≈ {_approx(effect)}, so a smaller {w} is better"
        elif effect < 0:
            verdict = f"lowers E by ≈ {_approx(-effect)}, so a larger {w} is better"
        else:
            verdict = "leaves E unchanged (to first order)"
        items.append(f"increasing {w} by {step} {verdict} (∂E/∂{w} = {_num(g)})")
    if len(ex.parameters) > FULL_PARAMETERS:
        items.append(f"… and {len(ex.parameters) - FULL_PARAMETERS} more parameters")
    doc.append(_Bullets(items))


# -- plain text --------------------------------------------------------------------------
_NAME_RE = re.compile(f"{_N0}(.*?){_N1}")
_SUB_RE = re.compile(f"{_B0}(.*?){_B1}")
_SUP_RE = re.compile(f"{_P0}(.*?){_P1}")


def _plain(text: str) -> str:
    text = _SUB_RE.sub(r"_\1", text)
    text = _SUP_RE.sub(r"^\1", text)
    return _NAME_RE.sub(r"\1", text)


def _wrap(text: str, indent: str, subsequent: str) -> list[str]:
    if len(indent) + len(text) <= WIDTH:
        return [indent + text]
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def _text_chain(chain: _Chain) -> list[str]:
    parts = [_plain(p) for p in chain.parts]
    head = "  " + parts[0]
    align = len(head) + 1 if len(head) <= 30 else 6
    cont = " " * align + "= "
    if len(parts) == 1:
        lines = [head]
    elif chain.each_line:
        lines = [f"{head} = {parts[1]}", *(cont + part for part in parts[2:])]
    else:
        lines = []
        current = f"{head} = {parts[1]}"
        for part in parts[2:]:
            joined = f"{current} = {part}"
            if len(joined) <= WIDTH:
                current = joined
            else:
                lines.append(current)
                current = cont + part
        lines.append(current)
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(
            _wrap(line.lstrip(" "), line[: len(line) - len(line.lstrip(" "))], " " * (align + 4))
        )
    return wrapped


def _text_table(table: _Table) -> list[str]:
    cells = [[_plain(c) for c in row] for row in [table.header, *table.rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(table.header))]
    lines = []
    for r, row in enumerate(cells):
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
        if r == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def to_text(ex: StepExplanation) -> str:
    """The explanation as plain Unicode text for an 80-column terminal."""
    out: list[str] = []
    for block in _document(ex):
        if isinstance(block, _Heading):
            title = _plain(block.text)
            if out:
                out.append("")
            out.extend([title, ("=" if block.level == 1 else "-") * min(len(title), WIDTH)])
        elif isinstance(block, _Para):
            out.extend(_wrap(_plain(block.text), "", ""))
        elif isinstance(block, _Math):
            for chain in block.chains:
                out.extend(_text_chain(chain))
        elif isinstance(block, _Table):
            out.extend(_text_table(block))
        else:
            for item in block.items:
                out.extend(_wrap(_plain(item), "  • ", "    "))
    return "\n".join(out) + "\n"


# -- HTML (Qt's rich-text subset) ----------------------------------------------------------
_HTML_NAME = re.compile(r"^((?:L\d+\.)?)([A-Za-z]+)(\d+(?:_\d+)?)$")


def _html_name(match: re.Match[str]) -> str:
    return _html_name_of(match.group(1))


@functools.lru_cache(maxsize=1024)
def _html_name_of(name: str) -> str:
    parts = _HTML_NAME.match(name)
    if parts is None:
        return name
    return f"{parts.group(1)}{parts.group(2)}<sub>{parts.group(3)}</sub>"


def _rich(text: str) -> str:
    text = html.escape(text)
    text = _NAME_RE.sub(_html_name, text)
    return (
        text.replace(_B0, "<sub>")
        .replace(_B1, "</sub>")
        .replace(_P0, "<sup>")
        .replace(_P1, "</sup>")
    )


def _html_chain(chain: _Chain) -> str:
    parts = [_rich(p) for p in chain.parts]
    if not chain.each_line:
        return " = ".join(parts)
    indent = "&nbsp;" * 8
    return "<br/>".join(
        [
            f"{parts[0]} = {parts[1]}" if len(parts) > 1 else parts[0],
            *(f"{indent}= {p}" for p in parts[2:]),
        ]
    )


def to_html(ex: StepExplanation) -> str:
    """The explanation as an HTML fragment for a QTextBrowser (Qt's rich-text subset)."""
    out: list[str] = []
    for block in _document(ex):
        if isinstance(block, _Heading):
            tag = "h3" if block.level == 1 else "h4"
            out.append(f"<{tag}>{_rich(block.text)}</{tag}>")
        elif isinstance(block, _Para):
            out.append(f"<p>{_rich(block.text)}</p>")
        elif isinstance(block, _Math):
            lines = "<br/>".join(_html_chain(c) for c in block.chains)
            out.append(
                f'<p style="margin-left:12px; margin-top:3px; margin-bottom:3px">{lines}</p>'
            )
        elif isinstance(block, _Table):
            head = "".join(f"<th>{_rich(c)}</th>" for c in block.header)
            body = "".join(
                f"<tr><td>{_rich(row[0])}</td>"
                + "".join(f'<td align="right">{_rich(c)}</td>' for c in row[1:])
                + "</tr>"
                for row in block.rows
            )
            out.append(
                f'<table border="1" cellspacing="0" cellpadding="3"><tr>{head}</tr>{body}</table>'
            )
        else:
            items = "".join(f"<li>{_rich(item)}</li>" for item in block.items)
            out.append(f"<ul>{items}</ul>")
    return "\n".join(out)
