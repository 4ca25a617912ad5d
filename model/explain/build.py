"""`explain_step`: the records of one training step, computed from a trainer.

It describes the update from state `step - 1` to `step`: the forward pass at the
parameters before it, the update (the delta rule per output neuron, or backprop's chain
rule), what the gradient says about each parameter, and the new parameters with their
own error. Every number comes from the same functions the trainer uses.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.activations import get_activation
from model.explain.backward import backward_pass
from model.explain.notes import teaching_notes
from model.explain.optimizer import optimizer_update
from model.explain.records import (
    Array,
    ChainRule,
    DeltaRuleUpdate,
    DeltaSample,
    NeuronDelta,
    NeuronForward,
    OptimizerUpdate,
    ParameterStep,
    SampleForward,
    StepExplanation,
    Term,
)
from model.explain.units import unit_names
from model.layout import ParameterLayout
from model.losses import get_loss
from model.network import ForwardPass, Network
from model.state import Trainer
from model.training import TrainingConfig, parameter_update, sample_indices

NO_DERIVATIVE_NOTE = (
    "The step activation has no derivative (0 everywhere, undefined at 0), so "
    "how the error responds to a small change of a parameter is not defined: "
    "one of the drawbacks of backpropagation the lecture lists."
)


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
    layout = net.layout
    data = trainer.data
    n_samples = data.n_samples
    rows = sample_indices(step - 1, config.mode, n_samples, config.batch_size)
    used = [int(i) for i in np.arange(n_samples)[rows]]
    X, D = data.inputs[rows], data.targets[rows]
    units = unit_names(net.layers)
    loss = get_loss(config.loss)
    # Overflow on the way to a divergence is reported as inf/nan in the text, not raised.
    with np.errstate(all="ignore"):
        forward = net.forward(X)
        errors = loss.per_sample(forward.output, D)
        change, optimizer = _change(trainer, net, config, step, old)
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
        samples = _forward_samples(net, forward, errors, used, X, D, units)
        differentiable = all(get_activation(a).differentiable for a in net.activations)
        sensitivity: Array | None = None
        sensitivity_note = ""
        if differentiable:
            full = net.gradients(data.inputs, data.targets, config.loss)
            sensitivity = _in_flat_order(layout, full.dW, full.db)
        else:
            sensitivity_note = NO_DERIVATIVE_NOTE
        deltas: tuple[NeuronDelta, ...] = ()
        chains: list[ChainRule | None] = [None] * len(layout)
        if config.rule == "backprop":
            deltas, chains = backward_pass(net, forward, X, D, config.loss, units)
    parameters = tuple(
        ParameterStep(
            name=p.name,
            layer=p.layer,
            neuron=p.row + 1,
            input=0 if p.is_bias else p.col + 1,
            old=float(old[p.index]),
            change=float(change[p.index]),
            new=float(new[p.index]),
            frozen=p.is_bias and not config.update_biases,
            chain=chains[p.index],
            sensitivity=None if sensitivity is None else float(sensitivity[p.index]),
        )
        for p in layout.parameters
    )
    delta_rule = (
        _delta_rule_updates(net, forward, used, X, D, config, parameters)
        if config.rule == "delta" and optimizer is None
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
        optimizer=optimizer,
    )
    return replace(explanation, notes=teaching_notes(explanation))


def _change(
    trainer: Trainer, net: Network, config: TrainingConfig, step: int, old: Array
) -> tuple[Array, OptimizerUpdate | None]:
    """The update from state `step − 1`: the lecture's arithmetic for plain gradient
    descent, else the optimizer's (with its records)."""
    if config.plain:
        update = parameter_update(net, trainer.data, config, step - 1)
        return _in_flat_order(net.layout, *update), None
    optimizer, change = optimizer_update(trainer, net, config, step, old)
    return change, optimizer


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


def _in_flat_order(layout: ParameterLayout, dW: list[Array], db: list[Array]) -> Array:
    """Per-layer weight and bias arrays as one vector in the layout's (`get_flat`) order."""
    flat = np.empty(len(layout))
    for l, (W, b) in enumerate(zip(dW, db, strict=True), start=1):
        flat[layout.weights_slice(l)] = W.ravel()
        flat[layout.biases_slice(l)] = b
    return flat


def _forward_samples(
    net: Network,
    forward: ForwardPass,
    errors: Array,
    used: list[int],
    X: Array,
    D: Array,
    units: list[list[str]],
) -> tuple[SampleForward, ...]:
    """Every used sample's inputs, outputs and error; the first one neuron by neuron."""
    layout = net.layout
    names = layout.names
    neurons: list[NeuronForward] = []
    for l in range(1, net.depth + 1):
        W, b = net.weights[l - 1], net.biases[l - 1]
        n, n_prev = W.shape
        inputs = forward.a[l - 1][0].tolist()
        s_row, a_row = forward.s[l - 1][0].tolist(), forward.a[l][0].tolist()
        W_rows = W.tolist()
        for j in range(n):
            terms = tuple(
                Term(units[l - 1][i], inputs[i], names[layout.index(l, "W", j, i)], W_rows[j][i])
                for i in range(n_prev)
            )
            neurons.append(
                NeuronForward(
                    l,
                    j + 1,
                    units[l][j],
                    terms,
                    names[layout.index(l, "b", j)],
                    float(b[j]),
                    s_row[j],
                    net.activations[l - 1],
                    a_row[j],
                )
            )
    inputs_list, targets_list = X.tolist(), D.tolist()
    outputs_list, errors_list = forward.output.tolist(), errors.tolist()
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


def _delta_rule_updates(
    net: Network,
    forward: ForwardPass,
    used: list[int],
    X: Array,
    D: Array,
    config: TrainingConfig,
    parameters: tuple[ParameterStep, ...],
) -> tuple[DeltaRuleUpdate, ...]:
    """W(n+1) = W(n) + η[d − Y]X of every output neuron, sample by sample."""
    layout = net.layout
    n_in, n_out = net.layers[0], net.layers[1]
    eta = config.learning_rate
    with_bias = config.update_biases
    Y, X_rows, D_rows = forward.output.tolist(), X.tolist(), D.tolist()
    updates: list[DeltaRuleUpdate] = []
    for j in range(n_out):
        indices = ([layout.index(1, "b", j)] if with_bias else []) + [
            layout.index(1, "W", j, i) for i in range(n_in)
        ]
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
                tuple(parameters[k].name for k in indices),
                tuple(parameters[k].old for k in indices),
                tuple(shares),
                mean,
                tuple(parameters[k].new for k in indices),
            )
        )
    return tuple(updates)
