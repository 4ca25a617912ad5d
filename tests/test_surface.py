"""The error surface, checked against a plain loop of `Network.error` (one grid point at a
time, on a copy of the network): the vectorised grid must give the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import surface
from model.losses import LOSS_NAMES
from model.network import Network, initial_weights
from model.session import lecture_session
from model.state import Trainer
from model.surface import error_grid, grid_range, path_with_rule
from model.training import Dataset, TrainingConfig

XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])


def make_network(layers: list[int], activations: list[str], seed: int = 0) -> Network:
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    return Network(layers, activations, weights, biases)


def random_data(layers: list[int], n_samples: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(
        rng.uniform(-1, 1, (n_samples, layers[0])), rng.uniform(0.05, 0.95, (n_samples, layers[-1]))
    )


def naive_grid(
    network: Network, data: Dataset, loss: str, i: int, j: int, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """The definition, one point at a time."""
    net = network.copy()
    theta = network.get_flat()
    out = np.empty((len(ys), len(xs)))
    for r, y in enumerate(ys):
        for c, x in enumerate(xs):
            point = theta.copy()
            point[i], point[j] = x, y
            net.set_flat(point)
            out[r, c] = net.error(data.inputs, data.targets, loss)
    return out


def axis_around(value: float, n: int, half_width: float = 2.0) -> np.ndarray:
    """n values around `value`, `value` itself among them."""
    return np.sort(np.append(np.linspace(value - half_width, value + half_width, n - 1), value))


CASES = [
    ([2, 1], ["sigmoid"]),
    ([2, 4, 1], ["sigmoid", "sigmoid"]),
    ([3, 3, 2], ["tanh", "sigmoid"]),
    ([2, 3, 3, 1], ["relu", "leaky_relu", "sigmoid"]),
    ([2, 2, 2, 2], ["linear", "tanh", "sigmoid"]),
    ([2, 3, 1], ["step", "sigmoid"]),  # no gradient needed for a surface
]


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize(("layers", "activations"), CASES)
def test_grid_equals_a_loop_of_network_error(
    layers: list[int], activations: list[str], loss: str
) -> None:
    net = make_network(layers, activations, seed=len(layers))
    data = random_data(layers, 5, seed=3)
    n = net.n_parameters
    rng = np.random.default_rng(11)
    # First and last parameter, two in one layer, a bias with a weight, i after j.
    pairs = {
        (0, n - 1),
        (0, 1),
        (n - 1, 0),
        *(tuple(rng.choice(n, 2, replace=False)) for _ in range(3)),
    }
    theta = net.get_flat()
    for i, j in pairs:
        xs, ys = axis_around(theta[i], 7), axis_around(theta[j], 5, 3.0)
        grid = error_grid(net, data, loss, int(i), int(j), xs, ys)
        assert grid.shape == (5, 7)
        expected = naive_grid(net, data, loss, int(i), int(j), xs, ys)
        np.testing.assert_allclose(grid, expected, rtol=1e-12, atol=1e-12)


def test_centre_is_the_current_error_and_the_network_is_untouched() -> None:
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"], seed=5)
    before = [W.copy() for W in net.weights] + [b.copy() for b in net.biases]
    theta = net.get_flat()
    i, j = 2, 9
    xs, ys = axis_around(theta[i], 41), axis_around(theta[j], 31)
    grid = error_grid(net, XOR, "squared_error", i, j, xs, ys)
    r, c = int(np.flatnonzero(ys == theta[j])[0]), int(np.flatnonzero(xs == theta[i])[0])
    assert abs(grid[r, c] - net.error(XOR.inputs, XOR.targets, "squared_error")) <= 1e-12
    after = net.weights + net.biases
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_lecture_surface_point_by_hand() -> None:
    # E(W1, W2) = ½ (d − σ(W1·0.1 + W2·0.3 + b))², written out.
    net = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset([[0.1, 0.3]], [[0.03]])
    xs, ys = np.array([0.5, -1.0, 3.0]), np.array([0.2, 2.0])
    grid = error_grid(net, data, "squared_error", 0, 1, xs, ys)
    for r, w2 in enumerate(ys):
        for c, w1 in enumerate(xs):
            y = 1 / (1 + np.exp(-(w1 * 0.1 + w2 * 0.3 + 1.83)))
            assert grid[r, c] == pytest.approx(0.5 * (0.03 - y) ** 2, rel=1e-13)
    assert f"{grid[0, 0]:.9f}" == "0.356465271"  # the slide's E at the start


def test_chunked_grid_equals_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    net = make_network([2, 4, 3, 1], ["tanh", "sigmoid", "sigmoid"], seed=2)
    xs, ys = np.linspace(-3, 3, 23), np.linspace(-2, 2, 17)
    whole = error_grid(net, XOR, "cross_entropy", 4, 20, xs, ys)
    monkeypatch.setattr(surface, "CHUNK_BYTES", 3 * 4 * 4 * 8)  # 3 grid points a chunk
    np.testing.assert_array_equal(error_grid(net, XOR, "cross_entropy", 4, 20, xs, ys), whole)


def test_chunk_size_keeps_to_the_memory_bound() -> None:
    net = make_network([2, 200, 1], ["tanh", "sigmoid"])
    per_point = 1000 * 200 * 8
    chunk = surface.chunk_size(net, 1000)
    assert chunk * per_point <= surface.CHUNK_BYTES < (chunk + 1) * per_point


def test_200_by_200_on_xor() -> None:
    # Its speed is measured by benchmarks/bench_surface.py, not asserted here.
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"], seed=1)
    xs, ys = np.linspace(-5, 5, 200), np.linspace(-5, 5, 200)
    grid = error_grid(net, XOR, "squared_error", 0, 1, xs, ys)
    assert grid.shape == (200, 200) and np.isfinite(grid).all()
    rows, cols = slice(None, None, 13), slice(5, None, 17)  # 16×12 points spread over it
    expected = naive_grid(net, XOR, "squared_error", 0, 1, xs[cols], ys[rows])
    np.testing.assert_allclose(grid[rows, cols], expected, rtol=1e-12, atol=1e-12)


def test_overflowing_region_gives_what_network_error_gives_without_warnings() -> None:
    # filterwarnings = error: an overflow warning would fail this test. The hidden sum
    # overflows to ±inf; the sigmoid output then saturates to a finite error, or not.
    net = Network(
        [1, 1, 1],
        ["linear", "sigmoid"],
        [np.ones((1, 1)), np.ones((1, 1))],
        [np.zeros(1), np.zeros(1)],
    )
    data = Dataset([[1e200]], [[0.0]])
    xs, ys = np.array([1.0, 1e200, -1e200]), np.array([1.0, 0.0, -1.0])
    grid = error_grid(net, data, "squared_error", 0, 2, xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = naive_grid(net, data, "squared_error", 0, 2, xs, ys)
    np.testing.assert_array_equal(grid, expected)
    assert np.isnan(grid[1, 1]) and grid[2, 1] == 0.0 and grid[0, 1] == 0.5


@pytest.mark.parametrize(
    ("i", "j", "message"),
    [(0, 0, "different parameters"), (-1, 0, "out of range"), (0, 17, "out of range")],
)
def test_bad_parameter_indices(i: int, j: int, message: str) -> None:
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"])
    with pytest.raises(ValueError, match=message):
        error_grid(net, XOR, "squared_error", i, j, np.zeros(2), np.zeros(2))


def test_bad_axes_and_data() -> None:
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"])
    with pytest.raises(ValueError, match="xs must be a non-empty 1-D array"):
        error_grid(net, XOR, "squared_error", 0, 1, np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="ys must be a non-empty 1-D array"):
        error_grid(net, XOR, "squared_error", 0, 1, np.zeros(2), np.zeros(0))
    with pytest.raises(ValueError, match="the network expects 2 and 1"):
        error_grid(
            net, Dataset([[0, 0, 0]], [[1]]), "squared_error", 0, 1, np.zeros(2), np.zeros(2)
        )


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[Network, Dataset, str, int, int]:
    depth = draw(st.integers(1, 3))
    layers = draw(st.lists(st.integers(1, 4), min_size=depth + 1, max_size=depth + 1))
    hidden = st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear", "step"])
    activations = [*draw(st.lists(hidden, min_size=depth - 1, max_size=depth - 1)), "sigmoid"]
    net = make_network(layers, activations, seed=draw(st.integers(0, 2**16)))
    data = random_data(layers, draw(st.integers(1, 6)), seed=draw(st.integers(0, 2**16)))
    n = net.n_parameters
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(0, n - 1).filter(lambda k: k != i))
    return net, data, draw(st.sampled_from(LOSS_NAMES)), i, j


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases(), st.integers(1, 5), st.integers(1, 5))
def test_centre_equals_network_error_property(
    case: tuple[Network, Dataset, str, int, int], nx: int, ny: int
) -> None:
    net, data, loss, i, j = case
    theta = net.get_flat()
    xs = np.concatenate([theta[i] + np.arange(nx, dtype=float), [theta[i]]])
    ys = np.concatenate([[theta[j]], theta[j] - np.arange(ny, dtype=float)])
    grid = error_grid(net, data, loss, i, j, xs, ys)
    assert grid.shape == (ny + 1, nx + 1)
    assert abs(grid[0, -1] - net.error(data.inputs, data.targets, loss)) <= 1e-12
    np.testing.assert_array_equal(net.get_flat(), theta)


# -- grid_range ----------------------------------------------------------------------------
def test_grid_range_contains_the_path_with_margin() -> None:
    low, high = grid_range(0.5, np.array([0.0, 2.0, -1.0]), margin=0.25)
    assert (low, high) == (-1.75, 2.75)  # span 3, 0.75 either side


def test_grid_range_has_a_minimum_span_centred_on_the_values() -> None:
    assert grid_range(3.0, np.array([])) == (2.5, 3.5)
    assert grid_range(0.0, np.array([0.2]), margin=0.0, minimum_span=2.0) == pytest.approx(
        (-0.9, 1.1)
    )


def test_grid_range_ignores_non_finite_path_values_and_refuses_a_non_finite_current() -> None:
    assert grid_range(0.0, np.array([np.nan, 4.0, np.inf]), margin=0.0) == (0.0, 4.0)
    with pytest.raises(ValueError, match="finite"):
        grid_range(np.nan, np.array([1.0]))


@given(
    st.floats(-1e6, 1e6),
    st.lists(st.floats(-1e6, 1e6), max_size=20),
    st.floats(0, 2),
    st.floats(1e-3, 10),
)
def test_grid_range_property(current: float, path: list[float], margin: float, span: float) -> None:
    low, high = grid_range(current, np.array(path), margin, span)
    values = [current, *path]
    assert low <= min(values) and max(values) <= high
    # centre ± span/2 is rounded at the values' magnitude
    assert high - low >= span - 1e-12 * max(1.0, *map(abs, values))


def test_path_with_the_other_rule_starts_at_step_0_and_stops_before_a_divergence() -> None:
    trainer = lecture_session().to_trainer()
    trainer.run(50)
    states = path_with_rule(trainer, "backprop", 50)
    reference = lecture_session().to_trainer()
    reference.set_config(rule="backprop")
    reference.run(50)
    np.testing.assert_array_equal(states, reference.history.parameters.T)
    session = lecture_session()
    session.network.activations[:] = ["linear"]
    wild = Trainer(session.network, session.data, TrainingConfig(learning_rate=1000.0))
    states = path_with_rule(wild, "backprop", 1000)
    assert 1 <= len(states) < 1001 and np.isfinite(states).all()


def test_grid_range_stays_finite_for_the_largest_parameters() -> None:
    low, high = grid_range(1.7e308, np.array([-1.7e308, 1.7e308]))
    assert math.isfinite(low) and math.isfinite(high) and low <= -1.7e308 < 1.7e308 <= high
    low, high = grid_range(1.7e308, np.array([1.7e308]))
    assert math.isfinite(low) and math.isfinite(high) and low <= 1.7e308 <= high
