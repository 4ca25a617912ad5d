"""Training: the lecture's and Mazur's worked steps, the rules and modes against
hand-written references, the Trainer's time travel, settings, and divergence.

Every Trainer test runs on both engines: the plain-float fast path the Trainer picks for
small networks and the numpy one it uses for large ones (`model.state.DEFAULT_ENGINE`)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model.state
from model.network import Network, initial_weights
from model.state import RESERVE_BYTES, Trainer
from model.training import (
    Dataset,
    DivergenceError,
    TrainingConfig,
    parameter_update,
    sample_indices,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
ENGINES = ("fast", "numpy")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every Trainer made in the test uses this engine ("fast" = auto: floats when small)."""
    monkeypatch.setattr(
        model.state, "DEFAULT_ENGINE", "numpy" if request.param == "numpy" else "auto"
    )
    return request.param


def lecture_trainer(**config: object) -> Trainer:
    net = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset([[0.1, 0.3]], [[0.03]])
    return Trainer(net, data, TrainingConfig(**config))  # type: ignore[arg-type]


def mazur_trainer(**config: object) -> Trainer:
    """Built by hand from resources/examples/mazur_2_2_2.json (no session module)."""
    obj = json.loads((EXAMPLES / "mazur_2_2_2.json").read_text(encoding="utf-8"))
    net = Network(
        obj["network"]["layers"],
        obj["network"]["activations"],
        [np.array(W) for W in obj["parameters"]["weights"]],
        [np.array(b) for b in obj["parameters"]["biases"]],
    )
    data = Dataset(obj["data"]["inputs"], obj["data"]["targets"])
    settings_ = {**obj["training"], **config}
    return Trainer(net, data, TrainingConfig(**settings_))


def random_trainer(
    rng: np.random.Generator,
    layers: list[int],
    activations: list[str],
    n_samples: int,
    **config: object,
) -> Trainer:
    weights, biases = initial_weights(layers, "uniform", int(rng.integers(1 << 30)), -1, 1)
    net = Network(layers, activations, weights, biases)
    X = rng.uniform(-1, 1, size=(n_samples, layers[0]))
    D = rng.uniform(0, 1, size=(n_samples, layers[-1]))
    return Trainer(net, Dataset(X, D), TrainingConfig(**config))  # type: ignore[arg-type]


def nine(x: float) -> str:
    return f"{x:.9f}"


# -- the worked examples --------------------------------------------------------------------------
def test_lecture_delta_rule_step(engine: str) -> None:
    trainer = lecture_trainer()
    assert trainer.history.columns == ["step", "W1", "W2", "b", "error"]
    assert nine(trainer.current_error()) == "0.356465271"
    error = trainer.step()
    W1, W2, b = trainer.network.get_flat()
    assert [nine(b), nine(W1), nine(W2)] == ["1.821556479", "0.499155648", "0.197466944"]
    assert nine(error) == "0.355601244"
    assert error == trainer.current_error() == trainer.history.error_at(1)
    # W(n+1) = W(n) + η [d − y] x with y from s = 1.94, written out
    y = 1 / (1 + math.exp(-1.94))
    np.testing.assert_allclose(
        trainer.network.get_flat(),
        [0.5 + 0.01 * (0.03 - y) * 0.1, 0.2 + 0.01 * (0.03 - y) * 0.3, 1.83 + 0.01 * (0.03 - y)],
        rtol=1e-15,
    )


def test_lecture_backprop_step(engine: str) -> None:
    trainer = lecture_trainer(rule="backprop")
    trainer.step()
    W1, W2, b = trainer.network.get_flat()
    np.testing.assert_allclose(
        [b, W1, W2], [1.82907239074, 0.499907239074, 0.199721717223], rtol=0, atol=5e-12
    )


def test_mazur_backprop_step(engine: str) -> None:
    trainer = mazur_trainer()
    assert trainer.config == TrainingConfig("backprop", "squared_error", 0.5, "batch", False)
    assert nine(trainer.current_error()) == "0.298371109"
    names = trainer.network.parameter_names()
    before = dict(zip(names, trainer.network.get_flat(), strict=True))
    trainer.step()
    after = dict(zip(names, trainer.network.get_flat(), strict=True))
    assert f"{after['L2.W1_1']:.8f}" == "0.35891648"  # Mazur's w5+
    assert nine(after["L1.W1_1"]) == "0.149780716"  # Mazur's w1+
    # his other updates: w2+ = 0.19956143, w3+ = 0.24975114, w4+ = 0.29950229,
    # w6+ = 0.408666186, w7+ = 0.511301270, w8+ = 0.561370121
    expected = {
        "L1.W1_2": 0.19956143,
        "L1.W2_1": 0.24975114,
        "L1.W2_2": 0.29950229,
        "L2.W1_2": 0.408666186,
        "L2.W2_1": 0.511301270,
        "L2.W2_2": 0.561370121,
    }
    for name, value in expected.items():
        assert after[name] == pytest.approx(value, abs=5e-9), name
    for name in names:
        if ".b" in name:
            assert after[name] == before[name], name


# -- rules and modes against references -----------------------------------------------------------
def sigmoid(s: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-s))


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_delta_rule_on_sigmoid_is_backprop_on_cross_entropy(engine: str, mode: str) -> None:
    rng = np.random.default_rng(3)
    for n_in, n_out, P in [(2, 1, 1), (3, 2, 4), (1, 3, 5)]:
        seed = int(rng.integers(1 << 30))
        delta = random_trainer(
            np.random.default_rng(seed),
            [n_in, n_out],
            ["sigmoid"],
            P,
            rule="delta",
            learning_rate=0.7,
            mode=mode,
        )
        backprop = random_trainer(
            np.random.default_rng(seed),
            [n_in, n_out],
            ["sigmoid"],
            P,
            rule="backprop",
            loss="cross_entropy",
            learning_rate=0.7,
            mode=mode,
        )
        np.testing.assert_array_equal(delta.network.get_flat(), backprop.network.get_flat())
        dW_delta, db_delta = parameter_update(delta.network, delta.data, delta.config, 0)
        dW_bp, db_bp = parameter_update(backprop.network, backprop.data, backprop.config, 0)
        np.testing.assert_allclose(dW_delta[0], dW_bp[0], rtol=1e-14, atol=1e-17)
        np.testing.assert_allclose(db_delta[0], db_bp[0], rtol=1e-14, atol=1e-17)
        delta.run(12)
        backprop.run(12)
        np.testing.assert_allclose(
            delta.history.parameters, backprop.history.parameters, rtol=1e-12, atol=1e-15
        )


def reference_delta(
    theta: np.ndarray, X: np.ndarray, D: np.ndarray, eta: float, n_in: int
) -> np.ndarray:
    """One delta-rule update of a single-layer sigmoid net; the mean over the rows given."""
    n_out = D.shape[1]
    W = theta[: n_out * n_in].reshape(n_out, n_in)
    b = theta[n_out * n_in :]
    Y = sigmoid(X @ W.T + b)
    W_new = W + eta * np.mean([np.outer(d - y, x) for x, d, y in zip(X, D, Y, strict=True)], axis=0)
    b_new = b + eta * np.mean(D - Y, axis=0)
    return np.concatenate([W_new.ravel(), b_new])


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_delta_rule_modes_follow_the_reference(engine: str, mode: str) -> None:
    rng = np.random.default_rng(11)
    trainer = random_trainer(
        rng, [3, 2], ["sigmoid"], 4, rule="delta", learning_rate=0.9, mode=mode
    )
    X, D = trainer.data.inputs, trainer.data.targets
    theta = trainer.network.get_flat()
    trainer.run(10)
    for k in range(10):
        rows = slice(k % 4, k % 4 + 1) if mode == "online" else slice(0, 4)
        theta = reference_delta(theta, X[rows], D[rows], 0.9, 3)
        np.testing.assert_allclose(trainer.history.row(k + 1), theta, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_backprop_modes_follow_the_gradients(engine: str, mode: str) -> None:
    """Online step k is a step down sample (k mod P)'s gradient, in table order; batch
    steps go down the mean gradient. Gradients from Network.gradients (checked against
    finite differences in test_network.py), evaluated on a separate copy."""
    rng = np.random.default_rng(12)
    trainer = random_trainer(
        rng, [2, 3, 2], ["tanh", "sigmoid"], 3, rule="backprop", learning_rate=0.8, mode=mode
    )
    X, D = trainer.data.inputs, trainer.data.targets
    probe = trainer.network.copy()
    trainer.run(9)
    for k in range(9):
        rows = slice(k % 3, k % 3 + 1) if mode == "online" else slice(0, 3)
        grads = probe.gradients(X[rows], D[rows], "squared_error")
        probe.set_flat(
            probe.get_flat()
            - 0.8
            * np.concatenate(
                [
                    part
                    for dW, db in zip(grads.dW, grads.db, strict=True)
                    for part in (dW.ravel(), db)
                ]
            )
        )
        np.testing.assert_allclose(
            trainer.history.row(k + 1), probe.get_flat(), rtol=1e-12, atol=1e-15
        )
        assert trainer.history.error_at(k + 1) == pytest.approx(
            probe.error(X, D, "squared_error"), rel=1e-12
        )


def test_online_uses_table_order_not_another_order() -> None:
    assert [sample_indices(k, "online", 3) for k in range(5)] == [
        slice(0, 1),
        slice(1, 2),
        slice(2, 3),
        slice(0, 1),
        slice(1, 2),
    ]
    assert sample_indices(7, "batch", 3) == slice(0, 3)
    # the same data in another order trains differently: order matters, and is the table's
    rng = np.random.default_rng(5)
    a = random_trainer(rng, [2, 1], ["sigmoid"], 3, learning_rate=2.0)
    b = Trainer(a.network.copy(), Dataset(a.data.inputs[::-1], a.data.targets[::-1]), a.config)
    a.run(2)
    b.run(2)
    assert not np.allclose(a.network.get_flat(), b.network.get_flat())


@pytest.mark.parametrize(
    ("rule", "layers", "activations"),
    [
        ("delta", [2, 2], ["sigmoid"]),
        ("delta", [3, 1], ["step"]),
        ("backprop", [2, 3, 2], ["leaky_relu", "linear"]),
        ("backprop", [3, 2, 2, 1], ["tanh", "relu", "sigmoid"]),
    ],
)
@pytest.mark.parametrize("mode", ["online", "batch"])
def test_update_biases_false_freezes_every_bias(
    engine: str, rule: str, layers: list[int], activations: list[str], mode: str
) -> None:
    trainer = random_trainer(
        np.random.default_rng(2),
        layers,
        activations,
        3,
        rule=rule,
        learning_rate=0.3,
        mode=mode,
        update_biases=False,
    )
    trainer.run(8)
    names = trainer.history.parameter_names
    params = trainer.history.parameters
    for i, name in enumerate(names):
        series = params[i]
        if name == "b" or ".b" in name:
            assert np.all(series == series[0]), name
    assert not np.all(params == params[:, :1])  # the weights did move
    trainer.set_config(update_biases=True)
    trainer.run(3)
    bias_rows = [i for i, n in enumerate(names) if n == "b" or ".b" in n]
    assert not np.all(
        trainer.history.parameters[bias_rows, -1] == trainer.history.parameters[bias_rows, 0]
    )


def test_engines_agree() -> None:
    rng = np.random.default_rng(21)
    cases = [
        ([2, 1], ["sigmoid"], "delta", "online", "squared_error"),
        ([2, 2, 1], ["sigmoid", "sigmoid"], "backprop", "batch", "squared_error"),
        ([3, 3, 2], ["tanh", "sigmoid"], "backprop", "online", "cross_entropy"),
        ([2, 4, 1], ["leaky_relu", "linear"], "backprop", "batch", "squared_error"),
    ]
    for layers, activations, rule, mode, loss in cases:
        seed = int(rng.integers(1 << 30))
        runs = []
        for numpy_on in (False, True):
            trainer = random_trainer(
                np.random.default_rng(seed),
                layers,
                activations,
                4,
                rule=rule,
                mode=mode,
                loss=loss,
                learning_rate=0.2,
            )
            trainer.engine = "numpy" if numpy_on else "auto"
            trainer.run(40)
            runs.append(trainer.history.table())
        np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10, atol=1e-13)


# -- the Trainer's time travel --------------------------------------------------------------------
def test_step_back_reset_and_seek(engine: str) -> None:
    trainer = lecture_trainer(learning_rate=0.5)
    start = trainer.network.get_flat()
    assert not trainer.step_back()
    assert trainer.run(5) == 5
    assert trainer.position == trainer.step_count == 5
    assert len(trainer.history) == 6
    five = trainer.network.get_flat()
    np.testing.assert_array_equal(five, trainer.history.row(5))

    assert trainer.step_back()
    assert trainer.position == 4
    assert len(trainer.history) == 5
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(4))
    trainer.step()
    np.testing.assert_array_equal(trainer.network.get_flat(), five)  # deterministic

    trainer.seek(2)
    assert trainer.position == 2
    assert len(trainer.history) == 6  # kept, for now
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(2))
    old_three = trainer.history.row(3)
    trainer.set_config(learning_rate=2.0)
    trainer.step()  # discards 3..5
    assert trainer.position == 3
    assert len(trainer.history) == 4
    assert not np.array_equal(trainer.history.row(3), old_three)
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(3))

    with pytest.raises(IndexError):
        trainer.seek(4)
    assert trainer.position == 3

    trainer.reset()
    assert trainer.position == 0
    assert len(trainer.history) == 1
    np.testing.assert_array_equal(trainer.network.get_flat(), start)
    assert trainer.config.learning_rate == 2.0  # settings stay


def test_run_callback_and_report_every(engine: str) -> None:
    trainer = lecture_trainer()
    seen: list[int] = []
    assert trainer.run(10, seen.append, report_every=3) == 10
    assert seen == [3, 6, 9, 10]
    assert trainer.position == 10

    seen.clear()

    def stop_at_six(done: int) -> bool:
        seen.append(done)
        return done < 6

    assert trainer.run(100, stop_at_six, report_every=2) == 6
    assert seen == [2, 4, 6]
    assert trainer.position == 16
    assert len(trainer.history) == 17
    assert trainer.run(0) == 0
    assert trainer.run(-3) == 0
    assert trainer.position == 16


def test_run_refuses_report_every_below_one() -> None:
    trainer = lecture_trainer()
    with pytest.raises(ValueError, match="report_every"):
        trainer.run(5, report_every=0)
    assert trainer.position == 0


def test_config_changes_are_recorded_per_step(engine: str) -> None:
    trainer = lecture_trainer()
    first = trainer.config
    trainer.run(3)
    trainer.set_config(learning_rate=0.5)
    trainer.run(2)
    trainer.set_config(rule="backprop", mode="batch")
    trainer.step()
    assert [trainer.config_for_step(s).learning_rate for s in range(1, 7)] == [
        0.01,
        0.01,
        0.01,
        0.5,
        0.5,
        0.5,
    ]
    assert trainer.config_for_step(3) == first
    assert trainer.config_for_step(6).rule == "backprop"
    assert trainer.config_for_step(5).rule == "delta"
    # stepping back and stepping again with other settings rewrites the record
    trainer.step_back()
    trainer.step_back()
    trainer.set_config(learning_rate=0.1)
    trainer.step()
    assert trainer.config_for_step(5).learning_rate == 0.1
    assert trainer.config_for_step(4).learning_rate == 0.5


def test_config_changed_by_the_callback_mid_run_is_recorded(engine: str) -> None:
    trainer = lecture_trainer()

    def speed_up(done: int) -> None:
        if done == 2:
            trainer.set_config(learning_rate=1.0)

    trainer.run(4, speed_up)
    assert [trainer.config_for_step(s).learning_rate for s in range(1, 5)] == [0.01, 0.01, 1.0, 1.0]
    # and step 3 really was made with η = 1
    probe = lecture_trainer(learning_rate=1.0)
    probe.set_parameters(trainer.history.row(2))
    probe.step()
    np.testing.assert_array_equal(probe.network.get_flat(), trainer.history.row(3))


def test_set_config_validates_first(engine: str) -> None:
    trainer = lecture_trainer()
    with pytest.raises(ValueError, match="learning rate"):
        trainer.set_config(learning_rate=-1.0)
    with pytest.raises(TypeError):
        trainer.set_config(momentum=0.9)
    assert trainer.config == TrainingConfig()


def test_restart_history(engine: str) -> None:
    trainer = lecture_trainer(learning_rate=0.3)
    trainer.run(4)
    trainer.set_config(learning_rate=0.2)
    trainer.step()
    now = trainer.network.get_flat()
    edited = trainer.network.copy()
    edited.biases[0][0] = 0.25
    trainer.replace_setup(edited, trainer.data, trainer.config)
    assert trainer.position == 0
    assert len(trainer.history) == 1
    np.testing.assert_array_equal(trainer.history.row(0), [now[0], now[1], 0.25])
    assert trainer.history.error_at(0) == trainer.current_error()
    assert trainer.config_for_step(1).learning_rate == 0.2
    trainer.step()
    trainer.reset()
    np.testing.assert_array_equal(trainer.network.get_flat(), [now[0], now[1], 0.25])


def test_a_snapshot_restores_the_state_after_a_reset() -> None:
    lecture = lecture_trainer()
    lecture.run(3)
    lecture.seek(2)
    saved = lecture.snapshot()
    lecture.reset()
    lecture.restore(saved)
    assert lecture.position == 2
    assert len(lecture.history) == 4
    np.testing.assert_array_equal(lecture.network.get_flat(), lecture.history.row(2))


def test_trainer_starts_from_a_given_history() -> None:
    first = lecture_trainer()
    first.run(3)
    net = Network([2, 1], ["sigmoid"], [np.zeros((1, 2))], [np.zeros(1)])
    second = Trainer(net, first.data, first.config, first.history)
    assert second.position == 3
    np.testing.assert_array_equal(second.network.get_flat(), first.history.row(3))


def test_data_must_fit_the_network() -> None:
    net = Network([2, 1], ["sigmoid"], [np.zeros((1, 2))], [np.zeros(1)])
    with pytest.raises(ValueError, match="expects 2 and 1"):
        Trainer(net, Dataset([[1.0, 2.0, 3.0]], [[0.0]]), TrainingConfig())
    with pytest.raises(ValueError, match="expects 2 and 1"):
        Trainer(net, Dataset([[1.0, 2.0]], [[0.0, 1.0]]), TrainingConfig())
    with pytest.raises(ValueError, match="2 input rows but 1 target rows"):
        Dataset([[1.0, 2.0], [3.0, 4.0]], [[0.0]])
    with pytest.raises(ValueError, match="at least one sample"):
        Dataset(np.zeros((0, 2)), np.zeros((0, 1)))
    with pytest.raises(ValueError, match="finite"):
        Dataset([[1.0, math.nan]], [[0.0]])
    with pytest.raises(ValueError, match="finite"):
        Dataset([[1.0, 2.0]], [[math.inf]])


# -- validation -----------------------------------------------------------------------------------
def hidden_network(activations: tuple[str, str] = ("sigmoid", "sigmoid")) -> Network:
    return Network(
        [2, 2, 1],
        list(activations),
        [np.zeros((2, 2)), np.zeros((1, 2))],
        [np.zeros(2), np.zeros(1)],
    )


def test_validate_delta_rule_needs_no_hidden_layers() -> None:
    with pytest.raises(ValueError, match="hidden layers") as info:
        TrainingConfig(rule="delta").validate(hidden_network())
    assert "backprop" in str(info.value)
    TrainingConfig(rule="backprop").validate(hidden_network())


@pytest.mark.parametrize("activations", [("step", "sigmoid"), ("sigmoid", "step")])
def test_validate_backprop_needs_differentiable_activations(activations: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="differentiable"):
        TrainingConfig(rule="backprop").validate(hidden_network(activations))
    single = Network([2, 1], ["step"], [np.zeros((1, 2))], [np.zeros(1)])
    with pytest.raises(ValueError, match="differentiable"):
        TrainingConfig(rule="backprop").validate(single)
    TrainingConfig(rule="delta").validate(single)  # the perceptron: allowed


@pytest.mark.parametrize(
    "rate",
    [0, 0.0, -0.01, -math.inf, math.inf, math.nan, True, False, "0.1", None, np.float64(math.nan)],
)
def test_validate_learning_rate(rate: object) -> None:
    with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
        TrainingConfig(learning_rate=rate).validate(hidden_network())  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [1, 1e-300, 0.01, 1e6, np.float64(0.5)])
def test_validate_accepts_learning_rates(rate: object) -> None:
    TrainingConfig(rule="backprop", learning_rate=rate).validate(  # type: ignore[arg-type]
        hidden_network()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rule", "hebb", "unknown rule 'hebb'"),
        ("loss", "hinge", "unknown loss 'hinge'"),
        ("mode", "mini", "unknown mode 'mini'"),
    ],
)
def test_validate_names(field: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**{field: value}).validate(hidden_network())  # type: ignore[arg-type]


def test_trainer_refuses_an_invalid_config() -> None:
    with pytest.raises(ValueError, match="hidden layers"):
        Trainer(hidden_network(), Dataset([[0.0, 0.0]], [[0.0]]), TrainingConfig())


def test_delta_rule_trains_a_perceptron(engine: str) -> None:
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    net = Network([2, 1], ["step"], [np.array([[0.3, -0.1]])], [np.array([0.2])])
    trainer = Trainer(net, Dataset(X, [[0], [0], [0], [1]]), TrainingConfig(learning_rate=0.1))
    trainer.run(80)
    assert trainer.current_error() == 0.0
    np.testing.assert_array_equal(trainer.network.predict(np.array(X)), [[0], [0], [0], [1]])


# -- divergence -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("layers", "eta"), [([2, 1], 100.0), ([2, 3, 1], 1e3), ([8, 8, 1], 100.0)])
def test_divergence_keeps_the_last_finite_state(engine: str, layers: list[int], eta: float) -> None:
    rng = np.random.default_rng(4)
    trainer = random_trainer(
        rng,
        layers,
        ["linear"] * (len(layers) - 1),
        3,
        rule="backprop",
        learning_rate=eta,
        mode="online",
    )
    trainer.replace_data(Dataset(trainer.data.inputs * 3.0, trainer.data.targets))
    seen: list[int] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DivergenceError, match="non-finite") as info:
            trainer.run(100_000, seen.append, report_every=7)
    assert caught == []
    error = info.value
    assert error.step == trainer.position + 1
    assert "learning rate" in str(error)
    assert len(trainer.history) == trainer.position + 1
    assert trainer.position > 0
    assert np.isfinite(trainer.history.table()).all()
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(trainer.position))
    # (the fast path's error sum may round differently from numpy's in the last bit)
    assert trainer.current_error() == pytest.approx(
        trainer.history.error_at(trainer.position), rel=1e-14
    )
    assert all(done % 7 == 0 for done in seen)
    # the trainer is usable afterwards
    trainer.step_back()
    trainer.set_config(learning_rate=1e-6)
    trainer.step()
    assert np.isfinite(trainer.history.errors).all()


def test_first_step_diverging_keeps_step_zero(engine: str) -> None:
    net = Network([2, 1], ["linear"], [np.array([[1e150, 1e150]])], [np.array([0.0])])
    linear = Trainer(
        net, Dataset([[1.0, 1.0]], [[0.0]]), TrainingConfig(rule="backprop", learning_rate=1e200)
    )
    assert linear.history.error_at(0) == pytest.approx(2e300)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DivergenceError) as info:
            linear.step()
    assert caught == []
    assert info.value.step == 1
    assert linear.position == 0
    assert len(linear.history) == 1
    np.testing.assert_array_equal(linear.network.get_flat(), [1e150, 1e150, 0.0])


# -- the engine, as a property --------------------------------------------------------------------
@st.composite
def engine_cases(draw: st.DrawFn) -> tuple[Trainer, int, bool]:
    depth = draw(st.integers(1, 2))
    layers = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    rule = draw(st.sampled_from(["delta", "backprop"] if depth == 1 else ["backprop"]))
    names = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    if rule == "delta":
        names.append("step")
    activations = [draw(st.sampled_from(names)) for _ in range(depth)]
    loss = draw(st.sampled_from(["squared_error", "cross_entropy"]))
    if loss == "cross_entropy":
        activations[-1] = "sigmoid"
    n_samples = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    config = TrainingConfig(
        rule=rule,
        loss=loss,
        mode=draw(st.sampled_from(["online", "batch"])),
        learning_rate=draw(st.sampled_from([1e-3, 0.1, 1.0, 10.0, 1e3, 1e6])),
        update_biases=draw(st.booleans()),
    )
    weights, biases = initial_weights(layers, "uniform", seed, -2, 2)
    net = Network(layers, activations, weights, biases)
    data = Dataset(
        rng.uniform(-3, 3, (n_samples, layers[0])), rng.uniform(0, 1, (n_samples, layers[-1]))
    )
    return Trainer(net, data, config), draw(st.integers(1, 40)), draw(st.booleans())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(engine_cases())
def test_run_then_step_back_returns_exactly(case: tuple[Trainer, int, bool]) -> None:
    trainer, k, use_numpy = case
    start = trainer.network.get_flat()
    trainer.engine = "numpy" if use_numpy else "auto"
    try:
        done = trainer.run(k, report_every=3)
    except DivergenceError as error:
        diverged_at = error.step
        done = trainer.position
    else:
        assert done == k
        diverged_at = done + 1
    assert diverged_at == done + 1
    assert trainer.position == done
    assert len(trainer.history) == trainer.position + 1
    assert np.isfinite(trainer.history.parameters).all()
    assert np.isfinite(trainer.history.errors[1:]).all()
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(trainer.position))
    for _ in range(done):
        assert trainer.step_back()
    assert not trainer.step_back()
    assert len(trainer.history) == 1
    np.testing.assert_array_equal(trainer.network.get_flat(), start)


def test_a_run_that_stops_early_keeps_a_bounded_reservation() -> None:
    layers = [20, 20, 20, 1]
    weights, biases = initial_weights(layers, seed=0)
    network = Network(layers, ["tanh", "tanh", "sigmoid"], weights, biases)
    data = Dataset(np.zeros((1, 20)), np.zeros((1, 1)))
    trainer = Trainer(network, data, TrainingConfig(rule="backprop"))
    trainer.run(10**6, callback=lambda done: done < 10, report_every=1)
    assert trainer.position == 10
    assert trainer.history.nbytes <= RESERVE_BYTES + 2 * 8 * (network.n_parameters + 1) * 1024
