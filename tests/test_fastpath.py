"""The plain-float fast path against the numpy engine: same history, same divergence.

Every check runs the same training twice, once with the Trainer's engine "numpy" and once
with "floats" (`model.fastpath`), and compares every history cell to 1e-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model import fastpath
from model.activations import ACTIVATION_NAMES, get_activation
from model.fastpath.plan import DERIVATIVE_FROM_OUTPUT, flat_order, layers_of
from model.losses import LOSS_NAMES
from model.network import Network, initial_weights
from model.state import Trainer
from model.training import Dataset, DivergenceError, TrainingConfig

DIFFERENTIABLE = tuple(name for name in ACTIVATION_NAMES if get_activation(name).differentiable)
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Case:
    layers: list[int]
    activations: list[str]
    seed: int
    n_samples: int
    config: TrainingConfig
    scale: float = 1.0  # of the inputs

    def trainer(self, engine: str = "floats") -> Trainer:
        rng = np.random.default_rng(self.seed)
        weights, biases = initial_weights(
            self.layers, "uniform", seed=self.seed, low=-1.0, high=1.0
        )
        network = Network(list(self.layers), list(self.activations), weights, biases)
        inputs = self.scale * rng.uniform(-1.0, 1.0, size=(self.n_samples, self.layers[0]))
        targets = rng.uniform(0.0, 1.0, size=(self.n_samples, self.layers[-1]))
        return Trainer(network, Dataset(inputs, targets), self.config, engine=engine)


@dataclass
class Outcome:
    table: np.ndarray
    error: DivergenceError | None
    parameters: np.ndarray
    position: int


def outcome(trainer: Trainer, n: int) -> Outcome:
    error = None
    try:
        assert trainer.run(n) == n
    except DivergenceError as caught:
        error = caught
    return Outcome(trainer.history.table(), error, trainer.network.get_flat(), trainer.position)


def assert_same_training(case: Case, n: int) -> Outcome:
    expected = outcome(case.trainer("numpy"), n)
    got = outcome(case.trainer("floats"), n)
    assert got.table.shape == expected.table.shape
    np.testing.assert_allclose(got.table, expected.table, rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(got.parameters, expected.parameters, rtol=TOLERANCE, atol=TOLERANCE)
    assert got.position == expected.position == len(expected.table) - 1
    if expected.error is None:
        assert got.error is None
    else:
        assert got.error is not None
        assert type(got.error) is type(expected.error)
        assert got.error.step == expected.error.step
        assert str(got.error) == str(expected.error)
    return got


# -- random networks --------------------------------------------------------------------------
@st.composite
def cases(draw: st.DrawFn) -> Case:
    depth = draw(st.integers(1, 3))
    layers = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    rule = draw(st.sampled_from(["delta", "backprop"])) if depth == 1 else "backprop"
    names = ACTIVATION_NAMES if rule == "delta" else DIFFERENTIABLE
    activations = [draw(st.sampled_from(names)) for _ in range(depth)]
    loss = draw(st.sampled_from(LOSS_NAMES))
    if loss == "cross_entropy":
        # ln y and ln(1 − y) need 0 < y < 1; elsewhere the error is ill-conditioned
        # (or NaN) and last-bit differences of summation order are not bounded by 1e-12
        activations[-1] = "sigmoid"
    config = TrainingConfig(
        rule=rule,
        loss=loss,
        learning_rate=draw(st.sampled_from([0.01, 0.05, 0.1, 0.25])),
        mode=draw(st.sampled_from(["online", "batch"])),
        update_biases=draw(st.booleans()),
    )
    return Case(
        layers, activations, draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 5)), config
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), n=st.integers(1, 30))
def test_random_networks_train_exactly_like_numpy(case: Case, n: int) -> None:
    # Where the weights explode, the last-bit differences of summation order (numpy's
    # BLAS may fuse multiply-adds) grow with them: divergence has tests of its own below.
    reference = outcome(case.trainer("numpy"), n)
    assume(reference.error is None and np.abs(reference.table).max() < 1e3)
    assert_same_training(case, n)


def sweep() -> list[Case]:
    """Every activation with every loss, mode, rule and bias setting, deterministically
    (cross-entropy only where its output layer is a sigmoid, the one it accepts)."""
    found: list[Case] = []
    seed = 0
    for loss in LOSS_NAMES:
        for mode in ("online", "batch"):
            for update_biases in (True, False):
                for name in ACTIVATION_NAMES:
                    seed += 1
                    output = "sigmoid" if loss == "cross_entropy" else name
                    config = TrainingConfig("delta", loss, 0.5, mode, update_biases)
                    found.append(Case([3, 2], [output], seed, 4, config))
                    if name in DIFFERENTIABLE:
                        config = TrainingConfig("backprop", loss, 0.5, mode, update_biases)
                        found.append(Case([3, 2], [output], seed, 4, config))
                        found.append(Case([2, 1], [output], seed, 1, config))
                        found.append(Case([2, 3, 2], [name, output], seed, 3, config))
                        found.append(Case([2, 4, 3, 1], [name, name, "sigmoid"], seed, 5, config))
    return found


@pytest.mark.parametrize(
    "case",
    sweep(),
    ids=lambda c: (
        f"{c.config.rule}-{'x'.join(map(str, c.layers))}-{'-'.join(c.activations)}-"
        f"{c.config.loss}-{c.config.mode}-{'b' if c.config.update_biases else 'frozen'}"
    ),
)
def test_every_setting_trains_exactly_like_numpy(case: Case) -> None:
    assert_same_training(case, 40)


def test_frozen_biases_do_not_move() -> None:
    config = TrainingConfig("backprop", "squared_error", 0.5, "batch", update_biases=False)
    case = Case([2, 2, 2], ["sigmoid", "sigmoid"], 7, 1, config)
    got = assert_same_training(case, 25)
    names = case.trainer().network.parameter_names()
    for i, name in enumerate(names):
        column = got.table[:, 1 + i]
        assert (np.all(column == column[0])) == (".b" in name)


def test_online_mode_cycles_through_the_samples_from_any_position() -> None:
    config = TrainingConfig("backprop", "squared_error", 0.3, "online")
    case = Case([2, 3, 1], ["tanh", "sigmoid"], 3, 3, config)
    by_numpy, by_floats = case.trainer("numpy"), case.trainer("floats")
    for k in (1, 2, 4, 3):  # chunks starting at every sample
        by_numpy.run(k)
        by_floats.run(k)
    np.testing.assert_allclose(
        by_floats.history.table(), by_numpy.history.table(), rtol=TOLERANCE, atol=TOLERANCE
    )
    assert by_floats.position == by_numpy.position == 10


def test_history_is_written_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "FLUSH_ROWS", 3)
    config = TrainingConfig("backprop", "cross_entropy", 0.2, "batch")
    got = assert_same_training(Case([3, 2, 2], ["relu", "sigmoid"], 11, 4, config), 20)
    assert len(got.table) == 21


def test_zero_steps_change_nothing() -> None:
    trainer = Case([2, 1], ["sigmoid"], 1, 2, TrainingConfig()).trainer()
    before = trainer.network.get_flat()
    assert trainer.run(0) == 0
    assert trainer.position == 0
    assert len(trainer.history) == 1
    np.testing.assert_array_equal(trainer.network.get_flat(), before)


# -- divergence ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("layers", "activations", "loss", "rate"),
    [
        ([2, 1], ["linear"], "squared_error", 40.0),  # the weights grow to inf
        ([2, 3, 1], ["relu", "linear"], "squared_error", 25.0),
        ([2, 2, 1], ["linear", "linear"], "squared_error", 1e10),  # inf − inf: NaN
        ([2, 3, 2], ["leaky_relu", "linear"], "squared_error", 1e60),
        ([2, 1], ["sigmoid"], "cross_entropy", 20.0),  # y = 1 exactly, d < 1
        ([3, 2, 1], ["sigmoid", "sigmoid"], "cross_entropy", 1e3),
        ([2, 3], ["linear"], "squared_error", 40.0),  # one neuron goes first
        ([2, 2, 2, 1], ["tanh", "relu", "linear"], "squared_error", 30.0),
    ],
)
@pytest.mark.parametrize("mode", ["online", "batch"])
def test_divergence_keeps_the_same_states(
    layers: list[int], activations: list[str], loss: str, rate: float, mode: str
) -> None:
    rule = "delta" if len(layers) == 2 else "backprop"
    config = TrainingConfig(rule, loss, rate, mode)
    got = assert_same_training(Case(layers, activations, 5, 3, config, scale=10.0), 2000)
    assert got.error is not None
    assert got.position == got.error.step - 1
    assert np.isfinite(got.table).all()


# (With several output neurons and no hidden layer the neurons run one after the other,
# so "the 4th step's first exp" is no single call: the numeric divergence tests cover it.)
@pytest.mark.parametrize("layers", [[2, 1], [2, 2, 1], [2, 2, 2, 1]])
def test_an_overflowing_float_operation_is_a_divergence(
    monkeypatch: pytest.MonkeyPatch, layers: list[int]
) -> None:
    case = Case(
        layers, ["sigmoid"] * (len(layers) - 1), 2, 2, TrainingConfig("backprop", learning_rate=0.1)
    )
    exp = math.exp
    calls = 0

    def counting(s: float) -> float:
        nonlocal calls
        calls += 1
        return exp(s)

    monkeypatch.setattr(math, "exp", counting)
    reference = case.trainer()
    reference.run(3)
    calls_for_three_steps = calls

    def overflowing(s: float) -> float:  # the first exp of step 4 overflows
        nonlocal calls
        calls += 1
        if calls > calls_for_three_steps:
            raise OverflowError("math range error")
        return exp(s)

    calls = 0
    monkeypatch.setattr(math, "exp", overflowing)
    trainer = case.trainer()
    with pytest.raises(DivergenceError) as caught:
        trainer.run(10)
    assert caught.value.step == 4
    assert trainer.position == 3
    np.testing.assert_array_equal(trainer.history.table(), reference.history.table())
    np.testing.assert_array_equal(trainer.network.get_flat(), reference.network.get_flat())


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([2, 1], "single layer"),
        ([4, 3], "single layer"),
        ([2, 2, 1], "one hidden layer"),
        ([3, 4, 2], "one hidden layer"),
        ([2, 2, 2, 1], "generic"),
        ([1, 1, 1, 1, 1], "generic"),
    ],
)
def test_each_shape_runs_its_own_loop(
    monkeypatch: pytest.MonkeyPatch, layers: list[int], expected: str
) -> None:
    loops = {
        "single layer": "single_layer_rows",
        "one hidden layer": "one_hidden_layer_rows",
        "generic": "generic_rows",
    }
    ran: list[str] = []
    for name, attribute in loops.items():
        original = getattr(fastpath, attribute)

        def spy(
            *args: object,
            name: str = name,
            original: Callable[..., Iterator[np.ndarray]] = original,
        ) -> Iterator[np.ndarray]:
            ran.append(name)
            return original(*args)

        monkeypatch.setattr(fastpath, attribute, spy)
    case = Case(layers, ["tanh"] * (len(layers) - 1), 1, 3, TrainingConfig("backprop"))
    trainer = case.trainer()
    assert fastpath.variant(trainer.network) == expected
    trainer.run(5)
    assert ran == [expected]
    assert trainer.position == 5


# -- the lecture ----------------------------------------------------------------------------------
def lecture(rule: str = "delta", engine: str = "auto") -> Trainer:
    network = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    config = TrainingConfig(rule=rule, learning_rate=0.01)
    return Trainer(network, Dataset([[0.1, 0.3]], [[0.03]]), config, engine=engine)


def test_the_lecture_step_through_the_fast_path() -> None:
    trainer = lecture(engine="floats")
    assert fastpath.suitable(trainer.network)
    assert trainer.run(1) == 1
    W1, W2, b = trainer.history.row(1)
    assert [round(b, 9), round(W1, 9), round(W2, 9)] == [1.821556479, 0.499155648, 0.197466944]
    assert round(trainer.history.error_at(0), 9) == 0.356465271
    assert round(trainer.history.error_at(1), 9) == 0.355601244
    assert trainer.position == 1
    np.testing.assert_array_equal(trainer.network.get_flat(), trainer.history.row(1))


@pytest.mark.parametrize("rule", ["delta", "backprop"])
def test_the_lecture_trains_exactly_like_numpy(rule: str) -> None:
    by_numpy, by_floats = lecture(rule, "numpy"), lecture(rule, "floats")
    by_numpy.run(300)
    by_floats.run(300)
    np.testing.assert_allclose(
        by_floats.history.table(), by_numpy.history.table(), rtol=TOLERANCE, atol=TOLERANCE
    )


def test_the_trainer_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[int] = []
    rows = fastpath.rows

    def spy(*args: object) -> Iterator[np.ndarray]:
        used.append(int(args[-1]))  # type: ignore[call-overload]
        return rows(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(fastpath, "rows", spy)
    trainer = lecture()
    trainer.step()
    assert used == [1]
    assert round(trainer.network.get_flat()[2], 9) == 1.821556479


# -- pieces -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DERIVATIVE_FROM_OUTPUT))
def test_derivatives_from_the_output_equal_df_float(name: str) -> None:
    activation = get_activation(name)
    df = DERIVATIVE_FROM_OUTPUT[name]
    values = [
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        1e-300,
        -1e-300,
        1e-8,
        -1e-8,
        0.5,
        -0.5,
        1.0,
        -1.0,
        3.7,
        -3.7,
        20.0,
        -20.0,
        40.0,
        -40.0,
        710.0,
        -710.0,
        1000.0,
        -1000.0,
    ]
    values += np.random.default_rng(0).normal(0.0, 10.0, 2000).tolist()
    for s in values:
        expected = activation.df_float(s)
        got = df(activation.f_float(s))
        assert got == expected or (math.isnan(got) and math.isnan(expected)), s


def test_suitable_for_small_networks_only() -> None:
    small = Network([2, 2, 1], ["sigmoid", "sigmoid"], *initial_weights([2, 2, 1]))
    large = Network([8, 8, 4], ["tanh", "sigmoid"], *initial_weights([8, 8, 4]))
    assert fastpath.suitable(small)
    assert fastpath.suitable(small, n_samples=4)
    assert not fastpath.suitable(small, n_samples=1000)
    assert not fastpath.suitable(large)


def test_flat_order_matches_get_flat() -> None:
    network = Network([3, 2, 2], ["tanh", "sigmoid"], *initial_weights([3, 2, 2], seed=4))
    laid_out = [v for layer in layers_of(network) for row in layer for v in row]
    reordered = [laid_out[i] for i in flat_order(network)]
    assert reordered == network.get_flat().tolist()
