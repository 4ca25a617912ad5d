"""model.explain: the lecture's numbers in the data and in both renderings, and for any
network the explanation's arithmetic equals what the trainer really did."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.explain import StepExplanation, explain_step, to_html, to_text
from model.network import Network, initial_weights
from model.state import Trainer
from model.training import Dataset, TrainingConfig

NO_BREAK_SPACE = "\u00a0"  # inside a vector in HTML: it never breaks over two lines
LECTURE_SUM = "s = X1·W1 + X2·W2 + b = 0.1·0.5 + 0.3·0.2 + 1.83 = 1.94"
LECTURE_NUMBERS = (
    "1.94",
    "0.874352143",
    "0.356465271",
    "1.821556479",
    "0.499155648",
    "0.197466944",
    "0.355601244",
)


def lecture(**settings: object) -> Trainer:
    net = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset(np.array([[0.1, 0.3]]), np.array([[0.03]]))
    return Trainer(net, data, TrainingConfig(**settings))  # type: ignore[arg-type]


def mazur() -> Trainer:
    """Matt Mazur's 2-2-2 example (resources/examples/mazur_2_2_2.json)."""
    net = Network(
        [2, 2, 2],
        ["sigmoid", "sigmoid"],
        [np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])],
        [np.array([0.35, 0.35]), np.array([0.60, 0.60])],
    )
    data = Dataset(np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]))
    config = TrainingConfig(rule="backprop", learning_rate=0.5, mode="batch", update_biases=False)
    return Trainer(net, data, config)


def random_trainer(
    layers: list[int], activations: list[str], n_samples: int, seed: int, **settings: object
) -> Trainer:
    rng = np.random.default_rng(seed)
    weights, biases = initial_weights(layers, "uniform", seed=seed, low=-1.0, high=1.0)
    net = Network(layers, activations, weights, biases)
    data = Dataset(
        rng.uniform(-1, 1, (n_samples, layers[0])), rng.uniform(0.05, 0.95, (n_samples, layers[-1]))
    )
    return Trainer(net, data, TrainingConfig(**settings))  # type: ignore[arg-type]


# -- the lecture ----------------------------------------------------------------------------
def test_lecture_forward_pass_and_error_in_the_data() -> None:
    trainer = lecture()
    trainer.step()
    ex = explain_step(trainer)
    assert (ex.step, ex.pending) == (1, False)
    (neuron,) = ex.forward.neurons
    assert [(t.input_name, t.input_value, t.weight_name, t.weight_value) for t in neuron.terms] == [
        ("X1", 0.1, "W1", 0.5),
        ("X2", 0.3, "W2", 0.2),
    ]
    assert (neuron.bias_name, neuron.bias) == ("b", 1.83)
    assert neuron.s == pytest.approx(1.94, abs=1e-15)
    assert neuron.output == pytest.approx(0.874352143, abs=5e-10)
    assert ex.forward.error == pytest.approx(0.356465271, abs=5e-10)
    assert ex.error_before == pytest.approx(0.356465271, abs=5e-10)
    assert ex.error_after == trainer.history.error_at(1)
    assert ex.error_after == pytest.approx(0.355601244, abs=5e-10)


def test_lecture_delta_rule_in_the_slide_order() -> None:
    trainer = lecture()
    trainer.step()
    (update,) = explain_step(trainer).delta_rule
    assert update.names == ("b", "W1", "W2")
    assert update.old == (1.83, 0.5, 0.2)
    (share,) = update.samples
    assert share.inputs == (1.0, 0.1, 0.3)
    assert share.error == pytest.approx(-0.844352143, abs=5e-10)
    assert share.scaled == pytest.approx(-0.00844352143, abs=5e-12)
    assert np.allclose(share.change, [-0.008443521, -0.000844352, -0.002533056], atol=5e-10)
    assert np.allclose(update.new, [1.821556479, 0.499155648, 0.197466944], atol=5e-10)


def test_lecture_delta_rule_text_follows_the_slide() -> None:
    trainer = lecture()
    trainer.step()
    text = to_text(explain_step(trainer))
    assert LECTURE_SUM in text
    assert "f(s) = 1/(1+e^−1.94) = 0.874352143" in text
    assert "E = ½(0.03 − 0.874352143)² = 0.356465271" in text
    for line in (
        "W(n+1) = W(n) + η[d − Y]X",
        "= [1.83, 0.5, 0.2] + 0.01[0.03 − 0.874352143][+1, 0.1, 0.3]",
        "= [1.83, 0.5, 0.2] + 0.01[-0.844352143][+1, 0.1, 0.3]",
        "= [1.83, 0.5, 0.2] − 0.00844352143[+1, 0.1, 0.3]",
        "= [1.83, 0.5, 0.2] + [-0.008443521, -0.000844352, -0.002533056]",
        "= [1.821556479, 0.499155648, 0.197466944]",
    ):
        assert line in text, line
    for number in LECTURE_NUMBERS:
        assert number in text, number
    assert all(len(line) <= 80 for line in text.splitlines())


def test_lecture_delta_rule_html() -> None:
    trainer = lecture()
    trainer.step()
    page = to_html(explain_step(trainer)).replace(NO_BREAK_SPACE, " ")
    for number in LECTURE_NUMBERS:
        assert number in page, number
    assert "W<sub>1</sub>" in page and "X<sub>2</sub>" in page
    assert "e<sup>−1.94</sup>" in page
    assert "0.01[0.03 − 0.874352143][+1, 0.1, 0.3]" in page
    assert "<table" in page and "<h3>" in page


def test_a_negative_term_is_subtracted_not_added() -> None:
    """A sum never reads "+ -0.00844352143" but "− 0.00844352143"; nor a negative bias."""
    trainer = lecture()
    trainer.set_parameters(np.array([0.5, 0.2, -1.83]))
    trainer.step()
    ex = explain_step(trainer)
    text = to_text(ex)
    assert "s = X1·W1 + X2·W2 + b = 0.1·0.5 + 0.3·0.2 − 1.83 = -1.72" in text
    assert "= [-1.83, 0.5, 0.2] − 0.00" in text
    page = to_html(ex).replace(NO_BREAK_SPACE, " ")
    for rendered in (text, page):
        assert "+ -" not in rendered and "+ (-" not in rendered
        assert "− -" not in rendered


def test_y_has_the_digits_that_d_minus_y_needs() -> None:
    """Late in a run y = 0.03 to nine decimals while E = ½(d − y)² = 1e-32: y is then
    written with enough digits that d − y, and so E, can be read off the page."""
    trainer = lecture(learning_rate=1.0)
    trainer.run(2000)
    ex = explain_step(trainer)
    y = ex.forward.outputs[0]
    assert 0 < abs(0.03 - y) < 1e-15 and ex.forward.error < 1e-30
    text = to_text(ex)
    (shown,) = re.findall(r"E = ½\(0\.03 − ([0-9.e-]+)\)² = ", text)
    assert shown != "0.03"
    assert 0.5 * (0.03 - float(shown)) ** 2 == pytest.approx(ex.forward.error, rel=1e-2)
    assert f"= {shown}\n" in text  # the forward pass's y, the same digits
    assert f"[0.03 − {shown}]" in text  # and the delta rule's [d − Y]
    # Early on nine decimals tell d and y apart: the lecture's numbers stay as they are.
    assert "E = ½(0.03 − 0.874352143)² = 0.356465271" in to_text(explain_step(lecture()))


def test_delta_rule_notes_cross_entropy_and_the_missing_slope() -> None:
    trainer = lecture()
    ex = explain_step(trainer)
    notes = " ".join(ex.notes)
    assert "sigmoid" in notes and "cross-entropy" in notes and "∂E/∂s = y − d" in notes
    assert "y(1 − y)" in notes and "0.10986047" in notes  # 0.874352143 · 0.125647857
    for rendered in (to_text(ex), to_html(ex)):
        assert "exactly gradient descent on the cross-entropy" in " ".join(rendered.split())
    ce = explain_step(lecture(loss="cross_entropy"))
    assert not any("omits" in note for note in ce.notes)
    assert "∂E/∂s = y − d" in " ".join(ce.notes)


def test_lecture_backprop_chain_rule() -> None:
    trainer = lecture(rule="backprop")
    trainer.step()
    ex = explain_step(trainer)
    expected = {
        "W1": (0.00927609255818, 0.1, 0.499907239074),
        "W2": (0.0278282776746, 0.3, 0.199721717223),
        "b": (0.0927609255818, 1.0, 1.82907239074),
    }
    for name, (gradient, ds_dw, new) in expected.items():
        p = ex.parameter(name)
        assert p.chain is not None
        assert p.chain.dE_da == pytest.approx(0.874352143 - 0.03, abs=5e-10)
        assert p.chain.da_ds == pytest.approx(0.874352143 * (1 - 0.874352143), abs=1e-9)
        assert p.chain.ds_dw == ds_dw
        assert p.chain.product == pytest.approx(gradient, rel=1e-11)
        assert p.chain.gradient == p.chain.product
        assert p.new == pytest.approx(new, abs=1e-11)
        assert p.sensitivity == pytest.approx(gradient, rel=1e-11)
    (delta,) = ex.deltas
    assert delta.name == "y" and delta.delta == pytest.approx(0.0927609255818, rel=1e-11)
    text = to_text(ex)
    assert LECTURE_SUM in text
    for number in (
        "0.009276093",
        "0.027828278",
        "0.092760926",
        "0.499907239",
        "0.199721717",
        "1.829072391",
        "0.844352143",
    ):
        assert number in text, number
    assert "∂E/∂W1 = ∂E/∂y · ∂y/∂s · ∂s/∂W1" in text
    assert "W1 ← W1 − η·∂E/∂W1 = 0.5 − 0.01·0.009276093 = 0.499907239" in text
    page = to_html(ex)
    assert "∂E/∂W<sub>1</sub>" in page and "0.499907239" in page


def test_sensitivity_in_words() -> None:
    ex = explain_step(lecture())
    text = to_text(ex)
    assert "increasing W1 by 0.1 raises E by ≈ 0.00093" in text
    assert "smaller W1 is better" in text
    # a parameter whose increase lowers the error
    trainer = lecture()
    trainer.replace_data(Dataset(np.array([[0.1, 0.3]]), np.array([[0.99]])))
    assert "increasing W2 by 0.1 lowers E by ≈" in to_text(explain_step(trainer))


# -- Mazur's 2-2-2: hidden layers, two outputs, frozen biases --------------------------------
def test_mazur_first_step() -> None:
    trainer = mazur()
    trainer.step()
    ex = explain_step(trainer)
    assert ex.parameter("L2.W1_1").new == pytest.approx(0.35891648, abs=5e-9)  # w5
    assert ex.parameter("L1.W1_1").new == pytest.approx(0.149780716, abs=5e-10)  # w1
    assert ex.forward.error == pytest.approx(0.298371109, abs=5e-10)
    names = [n.name for n in ex.forward.neurons]
    assert names == ["h1", "h2", "y1", "y2"]
    assert ex.forward.neurons[2].terms[0].input_name == "h1"
    for p in ex.parameters:
        if p.input == 0:
            assert p.frozen and p.change == 0.0 and p.new == p.old
    text = to_text(ex)
    assert "frozen" in text and "0.35891648" in text and "0.149780716" in text
    assert any("frozen" in note for note in ex.notes)


def test_hidden_layer_delta_is_backpropagated() -> None:
    trainer = mazur()
    ex = explain_step(trainer)
    grads = trainer.network.gradients(trainer.data.inputs, trainer.data.targets, "squared_error")
    by_name = {d.name: d for d in ex.deltas}
    assert [d.name for d in ex.deltas] == ["y1", "y2", "h1", "h2"]
    for j, name in enumerate(("h1", "h2")):
        hidden = by_name[name]
        assert [t.neuron_name for t in hidden.downstream] == ["y1", "y2"]
        assert [t.weight_name for t in hidden.downstream] == [f"L2.W1_{j + 1}", f"L2.W2_{j + 1}"]
        total = sum(t.weight * by_name[t.neuron_name].delta for t in hidden.downstream)
        assert hidden.dE_da == pytest.approx(total, rel=1e-14)
        assert hidden.da_ds == pytest.approx(hidden.output * (1 - hidden.output), rel=1e-14)
        assert hidden.delta == pytest.approx(hidden.dE_da * hidden.da_ds, rel=1e-14)
        assert hidden.delta == grads.delta[0][0, j]
    assert by_name["h1"].delta == pytest.approx(0.000438568 / 0.05, rel=1e-6)
    text = to_text(ex)
    assert "δ_h1 = (Σ w·δ) · f'(s) = (L2.W1_1·δ_y1 + L2.W2_1·δ_y2) · h1(1 − h1)" in text
    assert "δ<sub>h<sub>1</sub></sub>" in to_html(ex)


# -- any network: the explanation is the trainer's real update --------------------------------
CASES = [
    ([2, 1], ["sigmoid"], 1, {"rule": "delta"}),
    ([3, 2], ["sigmoid"], 4, {"rule": "delta", "mode": "batch", "loss": "cross_entropy"}),
    ([2, 1], ["step"], 4, {"rule": "delta", "update_biases": False}),
    ([2, 3], ["tanh"], 3, {"rule": "delta", "mode": "batch", "update_biases": False}),
    ([2, 1], ["linear"], 5, {"rule": "delta", "learning_rate": 0.1}),
    ([2, 2, 1], ["sigmoid", "sigmoid"], 4, {"rule": "backprop", "learning_rate": 0.5}),
    (
        [2, 3, 2],
        ["tanh", "sigmoid"],
        3,
        {"rule": "backprop", "mode": "batch", "loss": "cross_entropy"},
    ),
    (
        [3, 4, 3, 1],
        ["relu", "leaky_relu", "linear"],
        5,
        {"rule": "backprop", "learning_rate": 0.05},
    ),
    ([2, 3, 2], ["sigmoid", "tanh"], 2, {"rule": "backprop", "update_biases": False}),
    ([5, 5, 3], ["sigmoid", "sigmoid"], 10, {"rule": "backprop", "mode": "batch"}),  # numpy path
    ([4, 20, 3], ["tanh", "sigmoid"], 6, {"rule": "backprop"}),
]


@pytest.mark.parametrize(("layers", "activations", "n_samples", "settings"), CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_explanation_equals_the_trainers_update(
    layers: list[int],
    activations: list[str],
    n_samples: int,
    settings: dict[str, object],
    seed: int,
) -> None:
    trainer = random_trainer(layers, activations, n_samples, seed, **settings)
    trainer.run(3)
    config = trainer.config
    for step in (1, 2, 3):
        ex = explain_step(trainer, step)
        assert not ex.pending
        assert np.array_equal(ex.old_parameters, trainer.history.row(step - 1))
        assert np.array_equal(ex.new_parameters, trainer.history.row(step))
        changes = np.array([p.change for p in ex.parameters])
        assert np.allclose(ex.old_parameters + changes, ex.new_parameters, rtol=1e-12, atol=1e-15)
        assert ex.error_after == trainer.history.error_at(step)
        assert ex.error_before == trainer.history.error_at(step - 1)
        assert [p.name for p in ex.parameters] == trainer.network.parameter_names()
        used = [s.index for s in ex.samples]
        expected = list(range(n_samples)) if config.mode == "batch" else [(step - 1) % n_samples]
        assert used == expected
        check_forward(trainer, ex)
        if config.rule == "backprop":
            check_chain_rule(trainer, ex)
        else:
            check_delta_rule(ex)
        for rendered in (to_text(ex), to_html(ex)):
            assert rendered.strip()


@st.composite
def configurations(draw: st.DrawFn) -> tuple[list[int], list[str], int, dict[str, object]]:
    rule = draw(st.sampled_from(["delta", "backprop"]))
    differentiable = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    if rule == "delta":
        layers = [draw(st.integers(1, 4)), draw(st.integers(1, 3))]
        activations = [draw(st.sampled_from([*differentiable, "step"]))]
    else:
        layers = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
        activations = [draw(st.sampled_from(differentiable)) for _ in layers[1:]]
    loss = (
        "cross_entropy" if activations[-1] == "sigmoid" and draw(st.booleans()) else "squared_error"
    )
    return (
        layers,
        activations,
        draw(st.integers(1, 5)),
        {
            "rule": rule,
            "loss": loss,
            "mode": draw(st.sampled_from(["online", "batch"])),
            "update_biases": draw(st.booleans()),
            "learning_rate": draw(st.sampled_from([0.01, 0.1, 0.5])),
        },
    )


@settings(max_examples=40, deadline=None)
@given(configurations(), st.integers(0, 2**16))
def test_random_configurations(
    case: tuple[list[int], list[str], int, dict[str, object]], seed: int
) -> None:
    layers, activations, n_samples, config = case
    trainer = random_trainer(layers, activations, n_samples, seed, **config)
    pending = explain_step(trainer)
    trainer.run(2)
    assert np.array_equal(pending.new_parameters, trainer.history.row(1)) or np.allclose(
        pending.new_parameters, trainer.history.row(1), rtol=1e-12, atol=1e-15
    )
    for step in (1, 2):
        ex = explain_step(trainer, step)
        assert np.array_equal(ex.new_parameters, trainer.history.row(step))
        changes = np.array([p.change for p in ex.parameters])
        assert np.allclose(ex.old_parameters + changes, ex.new_parameters, rtol=1e-12, atol=1e-15)
        check_forward(trainer, ex)
        if config["rule"] == "backprop":
            check_chain_rule(trainer, ex)
        else:
            check_delta_rule(ex)
        parser = TagBalance()
        parser.feed(to_html(ex))
        assert parser.errors == [] and parser.stack == []
        assert to_text(ex).endswith("\n")


def check_forward(trainer: Trainer, ex: StepExplanation) -> None:
    net = trainer.network.copy()
    net.set_flat(ex.old_parameters)
    p = ex.forward.index
    fp = net.forward(trainer.data.inputs[p : p + 1])
    for neuron in ex.forward.neurons:
        total = sum(t.input_value * t.weight_value for t in neuron.terms) + neuron.bias
        assert neuron.s == pytest.approx(total, rel=1e-12, abs=1e-14)
        assert neuron.s == pytest.approx(
            fp.s[neuron.layer - 1][0, neuron.neuron - 1], rel=1e-13, abs=1e-15
        )
        assert neuron.output == pytest.approx(
            fp.a[neuron.layer][0, neuron.neuron - 1], rel=1e-13, abs=1e-15
        )
    assert np.allclose(ex.forward.outputs, fp.output[0], rtol=1e-13, atol=1e-15)
    assert all(s.neurons == () for s in ex.samples[1:])


def check_chain_rule(trainer: Trainer, ex: StepExplanation) -> None:
    net = trainer.network.copy()
    net.set_flat(ex.old_parameters)
    loss = ex.config.loss
    X, D = trainer.data.inputs, trainer.data.targets
    p = ex.forward.index
    first = net.gradients(X[p : p + 1], D[p : p + 1], loss)
    used = [s.index for s in ex.samples]
    mean = net.gradients(X[used], D[used], loss)
    flat_first = np.concatenate(
        [a for W, b in zip(first.dW, first.db, strict=True) for a in (W.ravel(), b)]
    )
    flat_mean = np.concatenate(
        [a for W, b in zip(mean.dW, mean.db, strict=True) for a in (W.ravel(), b)]
    )
    for k, param in enumerate(ex.parameters):
        chain = param.chain
        assert chain is not None
        assert chain.product == pytest.approx(flat_first[k], rel=1e-12, abs=1e-15)
        assert chain.gradient == pytest.approx(flat_mean[k], rel=1e-12, abs=1e-15)
        assert chain.product == pytest.approx(
            chain.dE_da * chain.da_ds * chain.ds_dw, rel=1e-9, abs=1e-15
        )
        if param.frozen:
            assert param.change == 0.0
        else:
            assert param.change == pytest.approx(
                -ex.config.learning_rate * chain.gradient, rel=1e-12, abs=1e-15
            )
    assert len(ex.deltas) == sum(ex.layers[1:])


def check_delta_rule(ex: StepExplanation) -> None:
    assert len(ex.delta_rule) == ex.layers[-1]
    eta = ex.config.learning_rate
    for update in ex.delta_rule:
        assert len(update.samples) == len(ex.samples)
        for share in update.samples:
            assert share.error == share.target - share.output
            assert share.scaled == eta * share.error
        mean = np.mean([share.change for share in update.samples], axis=0)
        assert np.allclose(update.change, mean, rtol=1e-12, atol=1e-15)
        assert np.allclose(np.add(update.old, update.change), update.new, rtol=1e-12, atol=1e-15)
        assert (
            update.names[0].endswith("b" if ex.layers[-1] == 1 else f"b{update.neuron}")
            == ex.config.update_biases
        )


def test_settings_of_each_step_are_the_ones_it_was_made_with() -> None:
    trainer = lecture()
    trainer.step()
    trainer.set_config(rule="backprop", learning_rate=0.5)
    trainer.step()
    first, second = explain_step(trainer, 1), explain_step(trainer, 2)
    assert (first.config.rule, first.config.learning_rate) == ("delta", 0.01)
    assert (second.config.rule, second.config.learning_rate) == ("backprop", 0.5)
    assert first.delta_rule and not second.delta_rule
    assert np.array_equal(second.new_parameters, trainer.history.row(2))


# -- batch mode -------------------------------------------------------------------------------
def test_batch_shows_the_first_sample_in_full_and_the_rest_as_a_table() -> None:
    trainer = random_trainer(
        [2, 2, 1], ["sigmoid", "sigmoid"], 30, 3, rule="backprop", mode="batch"
    )
    trainer.step()
    ex = explain_step(trainer)
    assert len(ex.samples) == 30 and len(ex.forward.neurons) == 3
    errors = trainer.network.copy()
    errors.set_flat(ex.old_parameters)
    assert np.allclose(
        [s.error for s in ex.samples],
        errors.sample_errors(trainer.data.inputs, trainer.data.targets, "squared_error"),
        rtol=1e-14,
    )
    text = to_text(ex)
    assert "The other samples of this batch" in text
    assert "… 9 more" in text  # 29 others, 20 rows shown
    assert "mean over 30 samples" in text
    assert text.count(" s = ") == 3  # only sample 1 in full


def test_batch_delta_rule_is_the_mean_of_the_samples_updates() -> None:
    trainer = lecture(mode="batch")
    trainer.replace_data(Dataset(np.array([[0.1, 0.3], [0.5, -0.2]]), np.array([[0.03], [0.9]])))
    trainer.step()
    ex = explain_step(trainer)
    (update,) = ex.delta_rule
    assert [s.index for s in update.samples] == [0, 1]
    text = to_text(ex)
    assert "sample 1: η[d − Y]X" in text and "sample 2: η[d − Y]X" in text
    assert "mean = [" in text


# -- pending: the step the next press of Step would make ----------------------------------------
def test_position_zero_explains_the_next_step() -> None:
    trainer = lecture()
    before = (trainer.position, len(trainer.history), trainer.network.get_flat().copy())
    ex = explain_step(trainer)
    assert ex.pending and ex.step == 1
    assert ex.forward.neurons[0].output == pytest.approx(0.874352143, abs=5e-10)
    assert ex.error_after == pytest.approx(0.355601244, abs=5e-10)
    assert (trainer.position, len(trainer.history)) == before[:2]
    assert np.array_equal(trainer.network.get_flat(), before[2])
    text = to_text(ex)
    assert "not taken yet" in text and "would be 0.355601244" in text
    assert LECTURE_SUM in text
    trainer.step()
    assert np.array_equal(trainer.history.row(1), ex.new_parameters)


def test_after_seeking_back_to_zero_the_next_step_uses_the_current_settings() -> None:
    trainer = lecture()
    trainer.run(2)
    trainer.seek(0)
    trainer.set_config(learning_rate=0.1)
    pending = explain_step(trainer)
    assert pending.pending and pending.config.learning_rate == 0.1
    recorded = explain_step(trainer, 1)
    assert not recorded.pending and recorded.config.learning_rate == 0.01
    assert np.array_equal(recorded.new_parameters, trainer.history.row(1))


def test_steps_that_cannot_be_explained() -> None:
    trainer = lecture()
    trainer.run(2)
    for step in (0, -1, 4):
        with pytest.raises(IndexError):
            explain_step(trainer, step)
    assert explain_step(trainer, 3).pending  # the next one


def test_a_diverging_update_is_explained_without_warnings() -> None:
    net = Network([2, 1], ["linear"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset(np.array([[0.1, 0.3]]), np.array([[0.03]]))
    trainer = Trainer(net, data, TrainingConfig(rule="backprop", learning_rate=1e308))
    ex = explain_step(trainer)
    assert ex.pending
    assert any("non-finite" in note for note in ex.notes)
    assert "inf" in to_text(ex) or "nan" in to_text(ex)


# -- rendering ----------------------------------------------------------------------------------
class TagBalance(HTMLParser):
    VOID = frozenset({"br", "hr", "img"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        pass  # <br/>: opens and closes itself

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            self.errors.append(f"</{tag}>")
        elif not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


@pytest.mark.parametrize(
    "make",
    [
        lecture,
        lambda: lecture(rule="backprop"),
        mazur,
        lambda: random_trainer(
            [3, 4, 3, 1],
            ["relu", "tanh", "sigmoid"],
            5,
            0,
            rule="backprop",
            loss="cross_entropy",
            mode="batch",
        ),
        lambda: random_trainer([2, 1], ["step"], 3, 0, rule="delta"),
    ],
)
def test_html_tags_are_balanced(make: object) -> None:
    trainer = make()  # type: ignore[operator]
    trainer.step()
    page = to_html(explain_step(trainer))
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert set(re.findall(r"<(\w+)", page)) <= {
        "h3",
        "h4",
        "p",
        "br",
        "sub",
        "sup",
        "table",
        "tr",
        "th",
        "td",
        "ul",
        "li",
    }
    assert "\ue000" not in page and "\ue002" not in page  # no internal markers left


def test_html_escapes_everything() -> None:
    ex = explain_step(lecture())
    ex = replace(ex, notes=('<script>alert("x")</script> & more',))
    page = to_html(ex)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "<script>" in to_text(ex)  # plain text keeps it as it is


def test_step_activation_has_no_sensitivity() -> None:
    trainer = random_trainer([2, 1], ["step"], 3, 0, rule="delta")
    trainer.step()
    ex = explain_step(trainer)
    assert all(p.sensitivity is None for p in ex.parameters)
    assert "no derivative" in ex.sensitivity_note
    assert "no derivative" in to_text(ex) and "increasing" not in to_text(ex)
    assert any("perceptron" in note for note in ex.notes)


def test_wide_networks_are_capped() -> None:
    trainer = random_trainer([20, 30, 5], ["sigmoid", "sigmoid"], 4, 0, rule="backprop")
    trainer.step()
    ex = explain_step(trainer)
    assert len(ex.parameters) == 20 * 30 + 30 + 30 * 5 + 5
    text = to_text(ex)
    # the chain rule in full for 12 parameters
    assert len(re.findall(r"^\s+\S+ ← ", text, flags=re.MULTILINE)) == 12
    assert "The other 773 parameters" in text
    assert "… and 773 more parameters" in text
    assert "The other neurons" in text  # 30 hidden neurons: 8 in full
    assert text.count("L2.W5_30") >= 1  # every parameter is in the final table
    assert max(len(line) for line in text.splitlines()) <= 120


def test_mazur_text_fits_a_terminal() -> None:
    trainer = mazur()
    trainer.step()
    lines = to_text(explain_step(trainer)).splitlines()
    assert max(len(line) for line in lines) <= 80


def test_the_panels_redraw_case_renders_the_same_each_time() -> None:
    """The Explain panel redraws this on every step; its speed is measured by
    benchmarks/bench_explain.py, not asserted here."""
    trainer = random_trainer([5, 5, 3], ["sigmoid", "sigmoid"], 4, 0, rule="backprop")
    assert trainer.network.n_parameters <= 50
    trainer.run(5)
    page = to_html(explain_step(trainer))
    assert "<h3>Step 5: state 4 → 5</h3>" in page
    assert to_html(explain_step(trainer)) == page


def test_a_large_network_lists_the_parameters_that_changed_most() -> None:
    weights, biases = initial_weights([2, 8, 8, 1], "uniform", 4, -1.0, 1.0)
    network = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], weights, biases)
    data = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    trainer = Trainer(network, data, TrainingConfig(rule="backprop", learning_rate=0.5))
    trainer.step()
    ex = explain_step(trainer)
    text = to_text(ex)
    table = text.split("New parameters")[1]
    listed = [p for p in ex.parameters if re.search(rf"^\s*{re.escape(p.name)}\s", table, re.M)]
    assert len(ex.parameters) == 105
    assert len(listed) == 40
    assert "The 40 of 105 parameters that changed most" in text
    smallest_listed = min(abs(p.change) for p in listed)
    assert all(abs(p.change) <= smallest_listed for p in ex.parameters if p not in listed)
    assert [p.name for p in listed] == [p.name for p in ex.parameters if p in listed]
