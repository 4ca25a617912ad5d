"""The network, its activations and losses, checked against independent references: the
lecture's worked numbers, central finite differences of `Network.error`, and the closed
forms of f, f' and ∂E/∂y."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.activations import ACTIVATION_NAMES, ACTIVATIONS, LEAKY_SLOPE, get_activation
from model.losses import LOSS_NAMES, LOSSES, get_loss
from model.network import Network, check_architecture, initial_weights

DIFFERENTIABLE = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
KINKED = ("relu", "leaky_relu")  # f' jumps at s = 0: finite differences must avoid it
KINK_MARGIN = 1e-3

FD_STEP = 1e-6
FD_RTOL = 1e-6
# Central differences of E lose about ε·|E|/h to rounding (≈ 2e-10·|E| for h = 1e-6) and
# gain h²/6·|E'''| of truncation; 1e-8·max(1, |E|) leaves a 50× margin on the first.
FD_ATOL_PER_E = 1e-8


def lecture_network() -> Network:
    return Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])


LECTURE_X = np.array([[0.1, 0.3]])
LECTURE_D = np.array([[0.03]])


# -- the lecture's numbers ------------------------------------------------------------------
def test_lecture_forward_pass() -> None:
    fp = lecture_network().forward(LECTURE_X)
    assert fp.s[0][0, 0] == pytest.approx(1.94, abs=1e-15)
    assert f"{fp.output[0, 0]:.9f}" == "0.874352143"
    error = lecture_network().error(LECTURE_X, LECTURE_D, "squared_error")
    assert f"{error:.9f}" == "0.356465271"
    assert error == pytest.approx(0.5 * (0.03 - 1 / (1 + math.exp(-1.94))) ** 2, rel=1e-15)


def test_lecture_gradients() -> None:
    grads = lecture_network().gradients(LECTURE_X, LECTURE_D, "squared_error")
    np.testing.assert_allclose(
        grads.dW[0], [[0.00927609255818, 0.0278282776746]], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(grads.db[0], [0.0927609255818], rtol=0, atol=1e-12)
    # δ = (y − d) y (1 − y), and ∂E/∂W = δ x: the chain rule spelled out by hand.
    y = 1 / (1 + math.exp(-1.94))
    delta = (y - 0.03) * y * (1 - y)
    assert grads.delta[0][0, 0] == pytest.approx(delta, rel=1e-14)
    np.testing.assert_allclose(grads.dW[0], [[0.1 * delta, 0.3 * delta]], rtol=1e-14)


def test_mazur_forward_error() -> None:
    net = mazur_network()
    X, D = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    fp = net.forward(X)
    # Mazur: out_h1 = 0.593269992, out_h2 = 0.596884378, out_o1 = 0.75136507, out_o2 = 0.772928465
    np.testing.assert_allclose(fp.a[1][0], [0.593269992, 0.596884378], atol=5e-10)
    np.testing.assert_allclose(fp.a[2][0], [0.75136507, 0.772928465], atol=5e-9)
    assert f"{net.error(X, D, 'squared_error'):.9f}" == "0.298371109"


def mazur_network() -> Network:
    return Network(
        [2, 2, 2],
        ["sigmoid", "sigmoid"],
        [np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])],
        [np.array([0.35, 0.35]), np.array([0.60, 0.60])],
    )


# -- gradients against central finite differences -------------------------------------------
def finite_differences(net: Network, X: np.ndarray, D: np.ndarray, loss: str) -> np.ndarray:
    theta = net.get_flat()
    probe = net.copy()
    fd = np.empty_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += FD_STEP
        minus[i] -= FD_STEP
        probe.set_flat(plus)
        e_plus = probe.error(X, D, loss)
        probe.set_flat(minus)
        e_minus = probe.error(X, D, loss)
        fd[i] = (e_plus - e_minus) / (plus[i] - minus[i])  # the step actually taken
    return fd


def flat_gradient(net: Network, X: np.ndarray, D: np.ndarray, loss: str) -> np.ndarray:
    grads = net.gradients(X, D, loss)
    parts: list[np.ndarray] = []
    for dW, db in zip(grads.dW, grads.db, strict=True):
        assert dW.shape in {W.shape for W in net.weights}
        parts.extend((dW.ravel(), db))
    return np.concatenate(parts)


def assert_matches_finite_differences(
    net: Network, X: np.ndarray, D: np.ndarray, loss: str
) -> None:
    g = flat_gradient(net, X, D, loss)
    fd = finite_differences(net, X, D, loss)
    E = net.error(X, D, loss)
    assert np.isfinite(E)
    atol = FD_ATOL_PER_E * max(1.0, abs(E))
    bad = np.abs(g - fd) > FD_RTOL * np.abs(fd) + atol
    assert not bad.any(), (
        f"{net.layers} {net.activations} {loss}: backprop {g[bad]} vs FD {fd[bad]} "
        f"for {np.array(net.parameter_names())[bad]}"
    )


def steer_clear_of_kinks(net: Network, X: np.ndarray) -> bool:
    """Shift the biases of relu-family neurons until no sample's s lies within
    KINK_MARGIN of 0, layer by layer. Each shift (0.01) moves a given s past the
    (−1e-3, 1e-3) window at most once, so P + 1 shifts always suffice."""
    a = X
    for W, b, name in zip(net.weights, net.biases, net.activations, strict=True):
        if name in KINKED:
            for j in range(b.size):
                for _ in range(X.shape[0] + 2):
                    if np.all(np.abs(a @ W[j] + b[j]) >= KINK_MARGIN):
                        break
                    b[j] += 0.01
                else:
                    return False
        a = get_activation(name).f(a @ W.T + b)
    return True


def random_case(
    rng: np.random.Generator, layers: list[int], activations: list[str], loss: str, n_samples: int
) -> tuple[Network, np.ndarray, np.ndarray]:
    weights = [rng.uniform(-1.5, 1.5, size=(n, m)) for m, n in itertools.pairwise(layers)]
    biases = [rng.uniform(-1.0, 1.0, size=n) for n in layers[1:]]
    net = Network(layers, activations, weights, biases)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, layers[0]))
    if loss == "cross_entropy":
        D = rng.uniform(0.0, 1.0, size=(n_samples, layers[-1]))
        D[rng.random(D.shape) < 0.3] = 1.0  # hard labels too
    else:
        D = rng.uniform(-1.0, 1.0, size=(n_samples, layers[-1]))
    assert steer_clear_of_kinks(net, X)
    return net, X, D


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("activation", DIFFERENTIABLE)
def test_gradients_match_finite_differences_sweep(activation: str, loss: str) -> None:
    """Every activation in every position, 2-4 layers, sizes 1-4, batches of 1-5."""
    rng = np.random.default_rng([DIFFERENTIABLE.index(activation), LOSS_NAMES.index(loss)])
    for depth in (1, 2, 3):
        for _ in range(6):
            layers = [int(n) for n in rng.integers(1, 5, size=depth + 1)]
            others = rng.choice(DIFFERENTIABLE, size=depth).tolist()
            # `activation` sits in a random layer (all of them, once in a while)
            activations = others if rng.random() > 0.3 else [activation] * depth
            activations[int(rng.integers(depth))] = activation
            if loss == "cross_entropy":
                activations[-1] = "sigmoid"
            net, X, D = random_case(rng, layers, activations, loss, int(rng.integers(1, 6)))
            assert_matches_finite_differences(net, X, D, loss)


@st.composite
def fd_cases(draw: st.DrawFn) -> tuple[Network, np.ndarray, np.ndarray, str]:
    depth = draw(st.integers(1, 3))
    layers = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(LOSS_NAMES))
    activations = [draw(st.sampled_from(DIFFERENTIABLE)) for _ in range(depth)]
    if loss == "cross_entropy":
        activations[-1] = "sigmoid"
    n_samples = draw(st.integers(1, 5))
    value = st.floats(-1.5, 1.5, allow_subnormal=False)
    weights = [
        draw(arrays(np.float64, (n, m), elements=value)) for m, n in itertools.pairwise(layers)
    ]
    biases = [draw(arrays(np.float64, (n,), elements=value)) for n in layers[1:]]
    X = draw(arrays(np.float64, (n_samples, layers[0]), elements=st.floats(-1, 1)))
    target = st.floats(0, 1) if loss == "cross_entropy" else st.floats(-1, 1)
    D = draw(arrays(np.float64, (n_samples, layers[-1]), elements=target))
    net = Network(layers, activations, weights, biases)
    assume(steer_clear_of_kinks(net, X))
    if loss == "cross_entropy":
        # Near y = 1, E = −ln(1 − y) is only as precise as 1 − y (eps/(1 − y) relative),
        # which makes the finite difference, not backprop, inaccurate.
        y = net.predict(X)
        assume(bool(np.all((y > 1e-4) & (y < 1 - 1e-4))))
    return net, X, D, loss


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fd_cases())
def test_gradients_match_finite_differences_property(
    case: tuple[Network, np.ndarray, np.ndarray, str],
) -> None:
    net, X, D, loss = case
    assert_matches_finite_differences(net, X, D, loss)


def test_batch_gradient_is_the_mean_of_sample_gradients() -> None:
    rng = np.random.default_rng(7)
    net, X, D = random_case(rng, [3, 4, 2], ["tanh", "sigmoid"], "squared_error", 5)
    batch = flat_gradient(net, X, D, "squared_error")
    per_sample = [flat_gradient(net, X[p : p + 1], D[p : p + 1], "squared_error") for p in range(5)]
    np.testing.assert_allclose(batch, np.mean(per_sample, axis=0), rtol=1e-13, atol=1e-16)


def test_sigmoid_cross_entropy_output_delta_is_y_minus_d_even_when_saturated() -> None:
    # s = ±800: y is exactly 1 or 0, where (y − d)/(y(1 − y)) · y(1 − y) would be 0/0.
    net = Network([1, 2], ["sigmoid"], [np.array([[800.0], [-800.0]])], [np.zeros(2)])
    X, D = np.array([[1.0]]), np.array([[0.0, 0.0]])
    grads = net.gradients(X, D, "cross_entropy")
    np.testing.assert_array_equal(grads.delta[-1], [[1.0, 0.0]])
    np.testing.assert_array_equal(grads.dW[0], [[1.0], [0.0]])


def test_backprop_refuses_the_step_activation() -> None:
    net = Network(
        [2, 2, 1],
        ["step", "sigmoid"],
        [np.ones((2, 2)), np.ones((1, 2))],
        [np.zeros(2), np.zeros(1)],
    )
    with pytest.raises(ValueError, match="differentiable") as info:
        net.gradients(np.ones((1, 2)), np.ones((1, 1)), "squared_error")
    assert "layer 1" in str(info.value)


# -- structure: shapes, the parameter vector, names -------------------------------------------
def test_parameter_vector_order_and_names() -> None:
    layers = [3, 2, 2]
    weights, biases = initial_weights(layers, seed=3)
    net = Network(layers, ["tanh", "linear"], weights, biases)
    names = net.parameter_names()
    theta = net.get_flat()
    assert len(names) == theta.size == net.n_parameters == 2 * 4 + 2 * 3
    assert names[:8] == [
        "L1.W1_1",
        "L1.W1_2",
        "L1.W1_3",
        "L1.W2_1",
        "L1.W2_2",
        "L1.W2_3",
        "L1.b1",
        "L1.b2",
    ]
    for name, value in zip(names, theta, strict=True):
        layer, rest = name.split(".")
        index = int(layer[1:]) - 1
        if rest.startswith("W"):
            j, i = (int(k) for k in rest[1:].split("_"))
            assert value == net.weights[index][j - 1, i - 1]
        else:
            assert value == net.biases[index][int(rest[1:]) - 1]


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([2, 1], ["W1", "W2", "b"]),
        ([4, 1], ["W1", "W2", "W3", "W4", "b"]),
        ([1, 2], ["L1.W1_1", "L1.W2_1", "L1.b1", "L1.b2"]),
        ([1, 1, 1], ["L1.W1_1", "L1.b1", "L2.W1_1", "L2.b1"]),
    ],
)
def test_parameter_names(layers: list[int], expected: list[str]) -> None:
    weights, biases = initial_weights(layers)
    net = Network(layers, ["sigmoid"] * (len(layers) - 1), weights, biases)
    assert net.parameter_names() == expected


def test_set_flat_round_trip_and_copy_independence() -> None:
    net = mazur_network()
    theta = np.arange(12, dtype=np.float64) - 5.5
    net.set_flat(theta)
    np.testing.assert_array_equal(net.get_flat(), theta)
    np.testing.assert_array_equal(net.weights[0], [[-5.5, -4.5], [-3.5, -2.5]])
    np.testing.assert_array_equal(net.biases[1], [4.5, 5.5])
    twin = net.copy()
    twin.weights[0][0, 0] = 99.0
    twin.biases[1][0] = 99.0
    np.testing.assert_array_equal(net.get_flat(), theta)
    with pytest.raises(ValueError, match="expected 12 parameters"):
        net.set_flat(np.zeros(11))


def test_network_copies_its_arrays_and_makes_them_float64() -> None:
    W = np.array([[1, 2]])
    net = Network([2, 1], ["linear"], [W], [np.array([0])])
    W[0, 0] = 7
    assert net.weights[0].dtype == np.float64
    assert net.weights[0][0, 0] == 1.0


def test_forward_shapes_and_single_sample() -> None:
    net = mazur_network()
    fp = net.forward(np.zeros((5, 2)))
    assert [s.shape for s in fp.s] == [(5, 2), (5, 2)]
    assert [a.shape for a in fp.a] == [(5, 2), (5, 2), (5, 2)]
    np.testing.assert_array_equal(
        net.predict(np.array([0.05, 0.10])), net.predict(np.array([[0.05, 0.10]]))
    )
    assert net.sample_errors(np.zeros((5, 2)), np.zeros((5, 2)), "squared_error").shape == (5,)


@pytest.mark.parametrize(
    ("layers", "activations", "message"),
    [
        ([2], [], "at least two"),
        ([2, 0], ["linear"], "positive"),
        ([2, 1.5], ["linear"], "positive"),
        ([2, 1], [], "expected 1 activations"),
        ([2, 1], ["sigmoid", "sigmoid"], "expected 1 activations"),
        ([2, 1], ["softmax"], "unknown activation 'softmax'"),
    ],
)
def test_bad_architecture(layers: list, activations: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_architecture(layers, activations)


def test_weights_must_fit_the_layers() -> None:
    with pytest.raises(ValueError, match="layer 1"):
        Network([2, 1], ["linear"], [np.zeros((2, 1))], [np.zeros(1)])
    with pytest.raises(ValueError, match="layer 2"):
        Network(
            [2, 2, 1],
            ["linear", "linear"],
            [np.zeros((2, 2)), np.zeros((1, 2))],
            [np.zeros(2), np.zeros(2)],
        )
    with pytest.raises(ValueError, match="expected 2 weight matrices"):
        Network([2, 2, 1], ["linear", "linear"], [np.zeros((2, 2))], [np.zeros(2)])
    with pytest.raises(ValueError, match="expected 2 weight matrices"):
        Network(
            [2, 2, 1], ["linear", "linear"], [np.zeros((2, 2)), np.zeros((1, 2))], [np.zeros(2)]
        )


@pytest.mark.parametrize("method", ["uniform", "xavier", "he"])
def test_initial_weights(method: str) -> None:
    layers = [3, 4, 2]
    weights, biases = initial_weights(layers, method, seed=11)
    again, again_b = initial_weights(layers, method, seed=11)
    other, _ = initial_weights(layers, method, seed=12)
    assert [W.shape for W in weights] == [(4, 3), (2, 4)]
    assert [b.shape for b in biases] == [(4,), (2,)]
    for W, W2, W3 in zip(weights, again, other, strict=True):
        np.testing.assert_array_equal(W, W2)
        assert not np.array_equal(W, W3)
    for b, b2 in zip(biases, again_b, strict=True):
        np.testing.assert_array_equal(b, b2)
    if method == "uniform":
        assert all(np.all((W >= -0.5) & (W < 0.5)) for W in weights)
    else:
        assert all(not b.any() for b in biases)
    with pytest.raises(ValueError, match="unknown init method"):
        initial_weights(layers, "zeros")


# -- activations ------------------------------------------------------------------------------
def test_sigmoid_is_exact_and_silent_at_large_sums() -> None:
    sigmoid = get_activation("sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sigmoid.f(np.array([-1000.0, 1000.0, -np.inf, np.inf]))
        dy = sigmoid.df(np.array([-1000.0, 1000.0]))
        floats = [sigmoid.f_float(-1000.0), sigmoid.f_float(1000.0)]
        dfloats = [sigmoid.df_float(-1000.0), sigmoid.df_float(1000.0)]
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(dy, [0.0, 0.0])
    assert floats == [0.0, 1.0]
    assert dfloats == [0.0, 0.0]
    assert sigmoid.f(np.array([0.0]))[0] == 0.5
    assert sigmoid.df(np.array([0.0]))[0] == 0.25


def special_sums() -> np.ndarray:
    rng = np.random.default_rng(5)
    specials = [
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
        20.0,
        -20.0,
        36.7,
        -36.7,
        709.0,
        -709.0,
        710.0,
        -710.0,
        1000.0,
        -1000.0,
        1e300,
        -1e300,
        np.inf,
        -np.inf,
        np.nan,
    ]
    return np.concatenate([specials, rng.normal(0, 3, 3000), rng.uniform(-50, 50, 3000)])


def same(a: np.ndarray, b: np.ndarray, ulps: float) -> np.ndarray:
    """a == b within `ulps` units in the last place (NaN matches NaN)."""
    scale = np.spacing(np.maximum(np.abs(a), np.abs(b)))
    with np.errstate(invalid="ignore"):
        close = (a == b) | (np.abs(a - b) <= ulps * np.maximum(scale, np.spacing(1.0)))
    return close | (np.isnan(a) & np.isnan(b))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_float_twins_equal_the_array_versions(name: str) -> None:
    """The fast path's plain-float f and f' are the numpy ones, to within the last bit
    numpy's own SIMD exp/tanh round differently from libm's (≤ 1 ulp of f, ≤ 2 ulp of
    1.0 for f'); exactly for the piecewise-linear ones."""
    act = ACTIVATIONS[name]
    s = special_sums()
    ulps = 2.0 if name in ("sigmoid", "tanh") else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = act.f(s)
        f_float = np.array([act.f_float(float(v)) for v in s])
    assert f.shape == s.shape
    assert f.dtype == np.float64
    mismatch = ~same(f, f_float, ulps)
    assert not mismatch.any(), f"{name}: s={s[mismatch]} f={f[mismatch]} {f_float[mismatch]}"
    if act.differentiable:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            df = act.df(s)
            df_float = np.array([act.df_float(float(v)) for v in s])
        mismatch = ~same(df, df_float, ulps)
        assert not mismatch.any(), f"{name}: s={s[mismatch]} {df[mismatch]} {df_float[mismatch]}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivatives_match_finite_differences(name: str) -> None:
    act = get_activation(name)
    s = np.linspace(-6, 6, 241)
    s = s[np.abs(s) > 1e-3]
    h = 1e-6
    fd = (act.f(s + h) - act.f(s - h)) / (2 * h)
    np.testing.assert_allclose(act.df(s), fd, rtol=1e-7, atol=1e-9)


def test_closed_forms() -> None:
    s = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(get_activation("relu").f(s), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(get_activation("relu").df(s), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(
        get_activation("leaky_relu").f(s), [-2 * LEAKY_SLOPE, -0.5 * LEAKY_SLOPE, 0, 0.5, 2]
    )
    np.testing.assert_array_equal(get_activation("step").f(s), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(get_activation("linear").f(s), s)
    np.testing.assert_allclose(get_activation("tanh").f(s), np.tanh(s), rtol=0)
    np.testing.assert_allclose(get_activation("sigmoid").f(s), 1 / (1 + np.exp(-s)), rtol=1e-15)
    linear_out = get_activation("linear").f(s)
    linear_out[0] = 99.0
    assert s[0] == -2.0  # f returns a new array, not a view of s


def test_step_derivative_is_refused() -> None:
    step = get_activation("step")
    assert not step.differentiable
    with pytest.raises(ValueError, match="derivative"):
        step.df(np.array([0.5]))
    with pytest.raises(ValueError, match="derivative"):
        step.df_float(0.5)
    assert all(ACTIVATIONS[name].differentiable for name in DIFFERENTIABLE)


def test_unknown_activation_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*sigmoid.*step"):
        get_activation("swish")


# -- losses ---------------------------------------------------------------------------------------
def test_cross_entropy_saturated_outputs() -> None:
    ce = get_loss("cross_entropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = ce.per_sample(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]))
        wrong = ce.per_sample(np.array([[1.0], [0.0], [1.0]]), np.array([[0.0], [1.0], [0.5]]))
    np.testing.assert_array_equal(right, [0.0])
    np.testing.assert_array_equal(wrong, [np.inf, np.inf, np.inf])
    assert ce.per_output_float(1.0, 1.0) == 0.0
    assert ce.per_output_float(0.0, 0.0) == 0.0
    assert ce.per_output_float(1.0, 0.0) == math.inf
    assert ce.per_output_float(0.0, 1.0) == math.inf
    assert ce.per_output_float(1.0, 0.5) == math.inf


def test_loss_values() -> None:
    y, d = np.array([[0.2, 0.7], [0.9, 0.4]]), np.array([[0.0, 1.0], [1.0, 0.5]])
    np.testing.assert_allclose(
        get_loss("squared_error").per_sample(y, d),
        [0.5 * (0.04 + 0.09), 0.5 * (0.01 + 0.01)],
        rtol=1e-15,
    )
    expected = [
        -(math.log(0.8) + math.log(0.7)),
        -(math.log(0.9) + 0.5 * math.log(0.4) + 0.5 * math.log(0.6)),
    ]
    np.testing.assert_allclose(get_loss("cross_entropy").per_sample(y, d), expected, rtol=1e-15)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_derivatives_match_finite_differences(name: str) -> None:
    loss = LOSSES[name]
    rng = np.random.default_rng(1)
    y = rng.uniform(0.02, 0.98, size=(50, 3))
    d = rng.uniform(0.0, 1.0, size=(50, 3))
    d[:10] = 1.0
    d[10:20] = 0.0
    h = 1e-6
    for k in range(3):
        bump = np.zeros_like(y)
        bump[:, k] = h
        fd = (loss.per_sample(y + bump, d) - loss.per_sample(y - bump, d)) / (2 * h)
        np.testing.assert_allclose(loss.dE_dy(y, d)[:, k], fd, rtol=1e-7, atol=1e-9)
    floats = np.array(
        [
            [loss.dE_dy_float(float(a), float(b)) for a, b in zip(ry, rd, strict=True)]
            for ry, rd in zip(y, d, strict=True)
        ]
    )
    np.testing.assert_allclose(floats, loss.dE_dy(y, d), rtol=1e-15)
    per_output = np.array(
        [
            [loss.per_output_float(float(a), float(b)) for a, b in zip(ry, rd, strict=True)]
            for ry, rd in zip(y, d, strict=True)
        ]
    )
    np.testing.assert_allclose(per_output.sum(axis=1), loss.per_sample(y, d), rtol=1e-14)


def test_unknown_loss_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*squared_error.*cross_entropy"):
        get_loss("hinge")


def _silence(fn: Callable[[], object]) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def test_network_error_with_a_saturated_right_answer_is_zero() -> None:
    net = Network([1, 1], ["sigmoid"], [np.array([[1000.0]])], [np.zeros(1)])
    right = _silence(lambda: net.error(np.array([[1.0]]), np.array([[1.0]]), "cross_entropy"))
    assert right == 0.0
    wrong = _silence(lambda: net.error(np.array([[1.0]]), np.array([[0.0]]), "cross_entropy"))
    assert wrong == math.inf
