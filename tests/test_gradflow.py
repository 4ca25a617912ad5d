"""Vanishing-gradient numbers: per-layer gradient norms against sums of squares of
`Network.gradients` (and finite differences), steps to plot, and the sums s[l] against
the forward pass written out in loops."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.gradflow import layer_gradient_norms, operating_points, sample_steps
from model.network import Network, initial_weights
from model.session import load_session
from model.training import Dataset

XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
DEEP_XOR = Path(__file__).resolve().parent.parent / "resources" / "examples" / "deep_xor.json"


def make_network(layers: list[int], activations: list[str], seed: int = 0) -> Network:
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    return Network(layers, activations, weights, biases)


def test_norms_equal_sums_of_squares_of_the_gradients() -> None:
    net = make_network([2, 3, 4, 1], ["tanh", "sigmoid", "sigmoid"], seed=3)
    rng = np.random.default_rng(0)
    thetas = net.get_flat() + rng.normal(0, 0.5, size=(5, net.n_parameters))
    norms = layer_gradient_norms(net, XOR, "cross_entropy", thetas)
    assert norms.shape == (5, 3)
    probe = net.copy()
    for k, theta in enumerate(thetas):
        probe.set_flat(theta)
        grads = probe.gradients(XOR.inputs, XOR.targets, "cross_entropy")
        for l, dW in enumerate(grads.dW):
            expected = math.sqrt(sum(float(g) ** 2 for g in dW.ravel()))
            assert norms[k, l] == pytest.approx(expected, rel=1e-14)


def test_norms_match_finite_differences_and_leave_out_the_biases() -> None:
    # One hidden neuron: ∂E/∂W[l] has one or two entries, each a difference quotient.
    net = Network(
        [2, 1, 1],
        ["tanh", "sigmoid"],
        [np.array([[0.3, -0.7]]), np.array([[1.5]])],
        [np.array([0.9]), np.array([-2.0])],
    )
    theta = net.get_flat()  # W1_1, W1_2, b1 | W2, b2
    h = 1e-6

    def dE(k: int) -> float:
        probe = net.copy()
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        probe.set_flat(up)
        e_up = probe.error(XOR.inputs, XOR.targets, "squared_error")
        probe.set_flat(down)
        return (e_up - probe.error(XOR.inputs, XOR.targets, "squared_error")) / (2 * h)

    norms = layer_gradient_norms(net, XOR, "squared_error", theta[None])
    assert norms[0, 0] == pytest.approx(math.hypot(dE(0), dE(1)), rel=1e-6)
    assert norms[0, 1] == pytest.approx(abs(dE(3)), rel=1e-6)


def test_network_is_not_modified() -> None:
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"])
    before = net.get_flat()
    layer_gradient_norms(net, XOR, "squared_error", np.zeros((3, net.n_parameters)))
    np.testing.assert_array_equal(net.get_flat(), before)


def test_bad_parameter_vectors_are_refused() -> None:
    net = make_network([2, 4, 1], ["sigmoid", "sigmoid"])
    with pytest.raises(ValueError, match=r"shape \(k, 17\)"):
        layer_gradient_norms(net, XOR, "squared_error", np.zeros((2, 16)))
    with pytest.raises(ValueError, match=r"shape \(k, 17\)"):
        layer_gradient_norms(net, XOR, "squared_error", np.zeros(17))


def test_deep_xor_example_shows_vanishing_gradients() -> None:
    session = load_session(DEEP_XOR)
    assert session.network.layers == [2, 4, 4, 4, 4, 1]
    assert session.title.startswith("Deep XOR")
    trainer = session.to_trainer()
    norms = layer_gradient_norms(
        trainer.network, trainer.data, trainer.config.loss, trainer.history.row(0)[None]
    )[0]
    # The lesson of the example: each layer back from the output gets a smaller
    # gradient (one more f' ≤ ¼ factor), the first over 100× smaller than the last.
    assert (np.diff(norms) > 0).all()
    assert norms[-1] > 100 * norms[0]


# -- sample_steps ------------------------------------------------------------------------------
def test_sample_steps_small_histories_are_kept_whole() -> None:
    assert sample_steps(0).tolist() == []
    assert sample_steps(1).tolist() == [0]
    assert sample_steps(400).tolist() == list(range(400))


def test_sample_steps_long_history() -> None:
    steps = sample_steps(1_000_001)
    assert len(steps) == 400 and steps[0] == 0 and steps[-1] == 1_000_000
    gaps = np.diff(steps)
    assert gaps.min() >= 2506 and gaps.max() <= 2507  # 1e6 / 399 = 2506.3
    assert sample_steps(10, limit=1).tolist() == [9]
    with pytest.raises(ValueError, match="at least 1"):
        sample_steps(10, limit=0)


@given(st.integers(0, 10**7), st.integers(1, 1000))
def test_sample_steps_property(n_rows: int, limit: int) -> None:
    steps = sample_steps(n_rows, limit)
    assert len(steps) == min(n_rows, limit)
    assert (np.diff(steps) > 0).all()
    if n_rows:
        assert steps[-1] == n_rows - 1 and steps.min() >= 0
        assert limit == 1 or steps[0] == 0


# -- operating_points ---------------------------------------------------------------------------
def test_operating_points_are_the_sums_of_every_sample_and_neuron() -> None:
    net = make_network([2, 3, 2], ["tanh", "sigmoid"], seed=8)
    points = operating_points(net, XOR)
    assert [p.shape for p in points] == [(12,), (8,)]
    for p, x in enumerate(XOR.inputs.tolist()):
        a = x
        for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            s = [
                sum(w * v for w, v in zip(row, a, strict=True)) + bias
                for row, bias in zip(W.tolist(), b.tolist(), strict=True)
            ]
            n = len(s)
            assert points[l][p * n : (p + 1) * n] == pytest.approx(s, rel=1e-14, abs=1e-15)
            a = [math.tanh(v) if l == 0 else 1 / (1 + math.exp(-v)) for v in s]
