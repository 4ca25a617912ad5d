"""The numpy engine against a direct transcription of the rules: `parameter_update` and
`Network.error` once per step, as the formulas in model/network.py read."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import numpy_engine
from model.activations import ACTIVATION_NAMES, get_activation
from model.network import Network, initial_weights
from model.numpy_engine import numpy_rows, sigmoid_into
from model.training import Dataset, TrainingConfig, parameter_update

DIFFERENTIABLE = [name for name in ACTIVATION_NAMES if get_activation(name).differentiable]


def reference_rows(network: Network, data: Dataset, config: TrainingConfig, first: int, n: int):
    """One step at a time, straight from the formulas; stops before a non-finite state."""
    network = network.copy()
    rows = []
    with np.errstate(all="ignore"):
        for step in range(first, first + n):
            dW, db = parameter_update(network, data, config, step)
            for W, b, dWl, dbl in zip(network.weights, network.biases, dW, db, strict=True):
                W[...] += dWl
                b[...] += dbl
            error = network.error(data.inputs, data.targets, config.loss)
            row = np.append(network.get_flat(), error)
            if not np.isfinite(row).all():
                break
            rows.append(row)
    return np.array(rows).reshape(-1, network.n_parameters + 1)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Network, Dataset, TrainingConfig, int, int]:
    depth = draw(st.integers(1, 3))
    layers = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    rule = draw(st.sampled_from(["delta", "backprop"])) if depth == 1 else "backprop"
    names = ACTIVATION_NAMES if rule == "delta" else DIFFERENTIABLE
    activations = [draw(st.sampled_from(names)) for _ in range(depth)]
    loss = draw(st.sampled_from(["squared_error", "cross_entropy"]))
    if loss == "cross_entropy":
        activations[-1] = "sigmoid"
    seed = draw(st.integers(0, 2**31))
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    rng = np.random.default_rng(seed)
    P = draw(st.integers(1, 12))
    data = Dataset(rng.uniform(-2, 2, (P, layers[0])), rng.uniform(0, 1, (P, layers[-1])))
    config = TrainingConfig(
        rule=rule,
        loss=loss,
        learning_rate=draw(st.sampled_from([0.01, 0.3, 2.0])),
        mode=draw(st.sampled_from(["online", "batch"])),
        update_biases=draw(st.booleans()),
    )
    network = Network(layers, activations, weights, biases)
    return network, data, config, draw(st.integers(0, 7)), draw(st.integers(1, 40))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_engine_makes_the_rows_the_formulas_make(case) -> None:
    network, data, config, first, n = case
    expected = reference_rows(network, data, config, first, n)
    blocks = list(numpy_rows(network, data, config, first, n))
    got = np.vstack(blocks) if blocks else np.empty((0, network.n_parameters + 1))
    assert got.shape == expected.shape
    # The parameters are the same floats; online mode computes the errors of a chunk of
    # states in one stacked product, whose sums may round differently in the last bit.
    np.testing.assert_array_equal(got[:, :-1], expected[:, :-1])
    if config.mode == "batch":
        np.testing.assert_array_equal(got[:, -1], expected[:, -1])
    else:
        np.testing.assert_allclose(got[:, -1], expected[:, -1], rtol=1e-13, atol=1e-300)


def test_the_network_passed_in_is_not_changed() -> None:
    weights, biases = initial_weights([2, 3, 1], seed=1)
    network = Network([2, 3, 1], ["tanh", "sigmoid"], weights, biases)
    before = network.get_flat()
    data = Dataset([[0.0, 1.0], [1.0, 0.0]], [[1.0], [0.0]])
    list(numpy_rows(network, data, TrainingConfig(rule="backprop", mode="batch"), 0, 10))
    np.testing.assert_array_equal(network.get_flat(), before)


def test_a_divergence_ends_the_rows_before_the_first_non_finite_state() -> None:
    network = Network([1, 1], ["linear"], [np.array([[1.0]])], [np.array([0.0])])
    data = Dataset([[10.0]], [[0.0]])
    config = TrainingConfig(rule="backprop", learning_rate=50.0, mode="batch")
    rows = np.vstack(list(numpy_rows(network, data, config, 0, 10_000)))
    assert 0 < len(rows) < 10_000
    assert np.isfinite(rows).all()
    np.testing.assert_array_equal(rows, reference_rows(network, data, config, 0, 10_000))


@pytest.mark.parametrize("s", [-1000.0, -30.0, -1.0, -0.0, 0.0, 1e-300, 2.5, 40.0, 1000.0])
def test_the_sigmoid_into_a_buffer_equals_the_activation(s: float) -> None:
    values = np.array([[s, -s]])
    expected = get_activation("sigmoid").f(values)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning at ±1000
        got = sigmoid_into(values.copy(), np.empty_like(values))
        in_place = values.copy()
        sigmoid_into(in_place, in_place)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(in_place, expected)


def test_the_caller_keeps_its_floating_point_error_state() -> None:
    network = Network([1, 1], ["linear"], [np.array([[1.0]])], [np.array([0.0])])
    data = Dataset([[10.0]], [[0.0]])
    config = TrainingConfig(rule="backprop", learning_rate=50.0)
    rows = numpy_rows(network, data, config, 0, 10_000)
    before = np.geterr()
    for _ in rows:
        assert np.geterr() == before  # between the engine's yields, too


@pytest.mark.parametrize(
    ("P", "layers", "activation"),
    [(64, [2, 8, 8, 1], "sigmoid"), (200, [3, 16, 2], "tanh"), (401, [2, 5, 3], "sigmoid")],
)
def test_many_samples_sum_the_bias_gradients_as_the_formulas_do(
    P: int, layers: list[int], activation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From EINSUM_ROWS samples the columns of δ are summed by einsum, not by the reduction.
    calls: list[str] = []
    real_einsum = np.einsum

    def counted(subscripts: str, *operands: object, **options: object) -> object:
        calls.append(subscripts)
        return real_einsum(subscripts, *operands, **options)

    monkeypatch.setattr(numpy_engine.np, "einsum", counted)
    weights, biases = initial_weights(layers, "uniform", P, -3.0, 3.0)
    rng = np.random.default_rng(P)
    network = Network(layers, [activation] * (len(layers) - 1), weights, biases)
    inputs = rng.normal(0, 1, (P, layers[0])) * np.exp(rng.normal(0, 4, (P, layers[0])))
    data = Dataset(inputs, rng.uniform(0, 1, (P, layers[-1])))
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch")
    got = np.vstack(list(numpy_rows(network, data, config, 0, 30)))
    assert calls.count("ij->j") >= 30  # the branch under test was taken
    monkeypatch.undo()
    np.testing.assert_array_equal(got, reference_rows(network, data, config, 0, 30))


@pytest.mark.parametrize("shape", [(64, 2), (65, 16), (400, 16), (1000, 3)])
def test_einsum_adds_the_rows_in_the_order_the_reduction_does(shape: tuple[int, int]) -> None:
    # What the engine's column sums rely on, down to the sign of a zero sum.
    rng = np.random.default_rng(shape[0])
    delta = rng.normal(0, 1, shape) * np.exp(rng.normal(0, 20, shape))
    delta[:, 0] = -0.0
    expected = np.add.reduce(delta, axis=0)
    got = np.einsum("ij->j", delta, out=np.empty(shape[1]))
    assert got.tobytes() == expected.tobytes()
