"""The gradient check: analytic against the lecture's closed form, numeric against
finite differences written out here, and a wrong gradient must show up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.gradcheck import GradientCheck, gradient_check, relative_difference
from model.losses import LOSS_NAMES
from model.network import Gradients, Network, check_differentiable, initial_weights
from model.training import Dataset

LECTURE = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
LECTURE_DATA = Dataset([[0.1, 0.3]], [[0.03]])


def make_case(
    layers: list[int], activations: list[str], seed: int, n_samples: int = 4
) -> tuple[Network, Dataset]:
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    rng = np.random.default_rng(seed + 100)
    data = Dataset(
        rng.uniform(-1, 1, (n_samples, layers[0])), rng.uniform(0.1, 0.9, (n_samples, layers[-1]))
    )
    return Network(layers, activations, weights, biases), data


def test_lecture_gradient_matches_the_closed_form() -> None:
    # ∂E/∂W_i = (y − d)·y(1 − y)·x_i and ∂E/∂b = (y − d)·y(1 − y), with s = 1.94.
    y = 1 / (1 + math.exp(-1.94))
    delta = (y - 0.03) * y * (1 - y)
    checks = gradient_check(LECTURE, LECTURE_DATA, "squared_error")
    assert [c.name for c in checks] == ["W1", "W2", "b"]
    for check, expected in zip(checks, [delta * 0.1, delta * 0.3, delta], strict=True):
        assert check.analytic == pytest.approx(expected, rel=1e-13)
        assert check.numeric == pytest.approx(expected, rel=1e-7)
        assert check.relative_difference == pytest.approx(
            abs(check.analytic - check.numeric) / abs(check.analytic), rel=1e-12
        )
        assert check.relative_difference < 1e-6


SMOOTH = [
    ([2, 2, 1], ["sigmoid", "sigmoid"]),
    ([3, 4, 2], ["tanh", "sigmoid"]),
    ([2, 3, 3, 1], ["tanh", "linear", "sigmoid"]),
    ([2, 3, 2, 2], ["sigmoid", "tanh", "sigmoid"]),
    ([1, 3, 1], ["tanh", "sigmoid"]),
]


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize(("layers", "activations"), SMOOTH)
def test_smooth_networks_pass(layers: list[int], activations: list[str], loss: str) -> None:
    net, data = make_case(layers, activations, seed=len(layers))
    checks = gradient_check(net, data, loss)
    assert [c.name for c in checks] == net.parameter_names()
    worst = max(checks, key=lambda c: c.relative_difference)
    assert worst.relative_difference < 1e-6, worst


def test_vanishing_gradients_are_checked_to_the_finite_differences_own_accuracy() -> None:
    # Deep sigmoid layers: the first layer's gradient is ~1e-5. A central difference
    # of E loses about ε·E/h ≈ 1e-11 to rounding, which is ~1e-6 of such a gradient,
    # so only an absolute bound holds there (this is the finite difference's limit,
    # not backprop's).
    net, data = make_case([2, 4, 4, 4, 4, 1], ["sigmoid"] * 5, seed=6)
    checks = gradient_check(net, data, "squared_error")
    assert min(abs(c.analytic) for c in checks if c.name.startswith("L1.")) < 1e-4
    for check in checks:
        assert abs(check.analytic - check.numeric) < 1e-9, check
        if abs(check.analytic) > 1e-3:
            assert check.relative_difference < 1e-6, check


def test_numeric_is_a_central_difference_of_the_error() -> None:
    net, data = make_case([2, 3, 1], ["tanh", "sigmoid"], seed=4)
    h = 1e-5
    checks = gradient_check(net, data, "cross_entropy", h=h)
    # By hand for L1.W2_1 (row 1, column 0 of W[1]) and L2.b1.
    for name, array, index in [("L1.W2_1", net.weights[0], (1, 0)), ("L2.b1", net.biases[1], (0,))]:
        probe = net.copy()
        target = probe.weights[0] if array is net.weights[0] else probe.biases[1]
        value = target[index]
        target[index] = value + h
        up = probe.error(data.inputs, data.targets, "cross_entropy")
        target[index] = value - h
        down = probe.error(data.inputs, data.targets, "cross_entropy")
        (check,) = [c for c in checks if c.name == name]
        assert check.numeric == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_a_wrong_gradient_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    net, data = make_case([2, 3, 1], ["sigmoid", "sigmoid"], seed=2)
    right = Network.gradients

    def one_percent_off(self: Network, *args: object, **kwargs: object) -> Gradients:
        grads = right(self, *args, **kwargs)  # type: ignore[arg-type]
        return Gradients([g * 1.01 for g in grads.dW], grads.db, grads.delta)

    monkeypatch.setattr(Network, "gradients", one_percent_off)
    checks = gradient_check(net, data, "squared_error")
    weights = [c for c in checks if ".W" in c.name]
    biases = [c for c in checks if ".b" in c.name]
    assert all(c.relative_difference == pytest.approx(0.01 / 1.01, rel=1e-4) for c in weights)
    assert all(c.relative_difference < 1e-6 for c in biases)


def test_step_activation_is_refused_with_the_networks_message() -> None:
    net = Network(
        [2, 2, 1],
        ["step", "sigmoid"],
        [np.ones((2, 2)), np.ones((1, 2))],
        [np.zeros(2), np.zeros(1)],
    )
    with pytest.raises(ValueError, match="differentiable") as expected:
        check_differentiable(net.activations)
    with pytest.raises(ValueError, match="step activation") as info:
        gradient_check(net, Dataset([[0, 1]], [[1]]), "squared_error")
    assert str(info.value) == str(expected.value)


def test_network_is_not_modified() -> None:
    net, data = make_case([2, 3, 2], ["tanh", "sigmoid"], seed=9)
    before = net.get_flat()
    arrays = [*net.weights, *net.biases]
    gradient_check(net, data, "squared_error")
    np.testing.assert_array_equal(net.get_flat(), before)
    assert all(a is b for a, b in zip(arrays, [*net.weights, *net.biases], strict=True))


def test_zero_gradient_gives_zero_difference() -> None:
    # A saturated hidden neuron (s = ±800) passes back exactly 0 to its weights.
    net = Network(
        [1, 1, 1],
        ["sigmoid", "sigmoid"],
        [np.array([[800.0]]), np.ones((1, 1))],
        [np.zeros(1), np.zeros(1)],
    )
    checks = gradient_check(net, Dataset([[1.0]], [[0.5]]), "squared_error")
    first = checks[0]
    assert (first.analytic, first.numeric, first.relative_difference) == (0.0, 0.0, 0.0)


def test_relative_difference() -> None:
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(2.0, 1.0) == 0.5
    assert relative_difference(-1.0, 1.0) == 2.0
    assert relative_difference(1e-310, 0.0) == pytest.approx(1e-10)  # the 1e-300 floor


def test_gradient_check_is_frozen_and_h_must_be_positive() -> None:
    check = GradientCheck("W1", 1.0, 1.0, 0.0)
    with pytest.raises(AttributeError):
        check.name = "W2"  # type: ignore[misc]
    with pytest.raises(ValueError, match="h must be > 0"):
        gradient_check(LECTURE, LECTURE_DATA, "squared_error", h=0.0)
