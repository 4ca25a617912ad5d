"""A fully connected network: the forward pass and the chain rule, in plain numpy.

Layer l (1-based) has weights W[l], shape (n_l, n_{l-1}), and biases b[l], shape (n_l,).
Forward:   s[l] = W[l] @ a[l-1] + b[l],   a[l] = f_l(s[l]),   a[0] = x.
Backward:  δ[L] = ∂E/∂y ⊙ f_L'(s[L]),     δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ f_l'(s[l]),
           ∂E/∂W[l] = δ[l] a[l-1]ᵀ,       ∂E/∂b[l] = δ[l].
Everything here works on a batch: x has shape (P, n_in), one row per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from model.activations import get_activation
from model.layout import ParameterLayout, layout_of
from model.losses import get_loss

Array = NDArray[np.float64]


@dataclass
class ForwardPass:
    """Sums s[l] and activations a[l] for every layer; a[0] is the input batch."""

    s: list[Array]
    a: list[Array]

    @property
    def output(self) -> Array:
        return self.a[-1]


@dataclass
class Gradients:
    """∂E/∂W[l] and ∂E/∂b[l] (index 0 is layer 1), plus δ[l] = ∂E/∂s[l] per sample."""

    dW: list[Array]
    db: list[Array]
    delta: list[Array] = field(default_factory=list)


@dataclass
class Network:
    """Parameters and activations of a fully connected network.

    layers : [n_in, n_1, ..., n_out]
    activations : one name per non-input layer
    weights : W[l] for l = 1..L, each ndarray shape (n_l, n_{l-1})
    biases : b[l] for l = 1..L, each ndarray shape (n_l,)
    """

    layers: list[int]
    activations: list[str]
    weights: list[Array]
    biases: list[Array]

    def __post_init__(self) -> None:
        check_architecture(self.layers, self.activations)
        if len(self.weights) != self.depth or len(self.biases) != self.depth:
            raise ValueError(
                f"expected {self.depth} weight matrices and bias vectors for "
                f"layers {self.layers}, got {len(self.weights)} and "
                f"{len(self.biases)}"
            )
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            expected = (self.layers[l], self.layers[l - 1])
            if W.shape != expected or b.shape != (self.layers[l],):
                raise ValueError(
                    f"layer {l}: weights {W.shape} / biases {b.shape} "
                    f"do not fit layers {self.layers}"
                )
        self.weights = [np.array(W, dtype=np.float64) for W in self.weights]
        self.biases = [np.array(b, dtype=np.float64) for b in self.biases]

    @property
    def depth(self) -> int:
        """Number of layers with parameters (hidden layers + the output layer)."""
        return len(self.layers) - 1

    @property
    def n_parameters(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases, strict=True))

    def copy(self) -> Network:
        return Network(
            list(self.layers),
            list(self.activations),
            [W.copy() for W in self.weights],
            [b.copy() for b in self.biases],
        )

    # -- the parameter vector: the order of the history columns (model/layout.py) -------
    def get_flat(self) -> Array:
        """All parameters as one vector: per layer, W row by row, then b."""
        parts: list[Array] = []
        for W, b in zip(self.weights, self.biases, strict=True):
            parts.extend((W.ravel(), b))
        return np.concatenate(parts)

    def set_flat(self, theta: Array) -> None:
        """Write a vector in `get_flat` order back into W and b (in place)."""
        if theta.shape != (self.n_parameters,):
            raise ValueError(f"expected {self.n_parameters} parameters, got {theta.shape}")
        offset = 0
        for W, b in zip(self.weights, self.biases, strict=True):
            W[...] = theta[offset : offset + W.size].reshape(W.shape)
            offset += W.size
            b[:] = theta[offset : offset + b.size]
            offset += b.size

    @property
    def layout(self) -> ParameterLayout:
        """Which flat index is which weight or bias (`model.layout`)."""
        return layout_of(tuple(self.layers))

    def parameter_names(self) -> list[str]:
        """Names of `get_flat`'s entries: W1, W2, …, b for the lecture's single neuron,
        L{l}.W{j}_{i} and L{l}.b{j} otherwise (all 1-based)."""
        return self.layout.names

    # -- the mathematics ------------------------------------------------------------------
    def forward(self, X: Array) -> ForwardPass:
        """Forward pass of a batch X, shape (P, n_in)."""
        a = np.atleast_2d(np.asarray(X, dtype=np.float64))
        sums: list[Array] = []
        outs: list[Array] = [a]
        for W, b, name in zip(self.weights, self.biases, self.activations, strict=True):
            s = a @ W.T + b
            a = get_activation(name).f(s)
            sums.append(s)
            outs.append(a)
        return ForwardPass(sums, outs)

    def predict(self, X: Array) -> Array:
        return self.forward(X).output

    def sample_errors(self, X: Array, D: Array, loss: str) -> Array:
        """E_p for every sample, shape (P,)."""
        return get_loss(loss).per_sample(self.predict(X), np.atleast_2d(D))

    def error(self, X: Array, D: Array, loss: str) -> float:
        """The dataset error E = mean_p E_p."""
        return float(np.mean(self.sample_errors(X, D, loss)))

    def gradients(self, X: Array, D: Array, loss: str, fp: ForwardPass | None = None) -> Gradients:
        """∂E/∂W and ∂E/∂b of the mean error over the batch, by the chain rule."""
        check_differentiable(self.activations)
        fp = fp if fp is not None else self.forward(X)
        D = np.atleast_2d(D)
        P = fp.output.shape[0]
        delta = output_delta(fp, D, self.activations[-1], loss)
        deltas = [delta]
        dW: list[Array] = []
        db: list[Array] = []
        for l in range(self.depth, 0, -1):
            dW.append(delta.T @ fp.a[l - 1] / P)
            db.append(delta.sum(axis=0) / P)
            if l > 1:
                df = get_activation(self.activations[l - 2]).df(fp.s[l - 2])
                delta = (delta @ self.weights[l - 1]) * df
                deltas.append(delta)
        return Gradients(dW[::-1], db[::-1], deltas[::-1])


def output_delta(fp: ForwardPass, D: Array, activation: str, loss: str) -> Array:
    """δ[L] = ∂E_p/∂y ⊙ f'(s[L]) per sample, shape (P, n_out)."""
    y = fp.output
    if activation == "sigmoid" and loss == "cross_entropy":
        # The factors y(1−y) cancel exactly; computing them would lose precision (and
        # give 0/0) where the sigmoid saturates. This is also why the delta rule is
        # gradient descent on cross-entropy.
        return y - D
    with np.errstate(invalid="ignore", over="ignore"):
        return get_loss(loss).dE_dy(y, D) * get_activation(activation).df(fp.s[-1])


def check_architecture(layers: list[int], activations: list[str]) -> None:
    if len(layers) < 2 or any(int(n) != n or n < 1 for n in layers):
        raise ValueError(f"layers must be at least two positive sizes, got {layers}")
    if len(activations) != len(layers) - 1:
        raise ValueError(
            f"expected {len(layers) - 1} activations (one per non-input layer), "
            f"got {len(activations)}"
        )
    for name in activations:
        get_activation(name)


def check_differentiable(activations: list[str]) -> None:
    for l, name in enumerate(activations, start=1):
        if not get_activation(name).differentiable:
            raise ValueError(
                f"layer {l} uses the {name} activation, whose derivative is 0 everywhere "
                "and undefined at 0: backprop cannot pass an error through it "
                "(the lecture's drawback: activations must be differentiable). "
                "Use the lecture's delta rule on a single-layer network instead."
            )


def initial_weights(
    layers: list[int], method: str = "uniform", seed: int = 0, low: float = -0.5, high: float = 0.5
) -> tuple[list[Array], list[Array]]:
    """Random W (uniform, Xavier/Glorot uniform or He normal) and zero biases, seeded."""
    rng = np.random.default_rng(seed)
    weights: list[Array] = []
    biases: list[Array] = []
    for n_prev, n in pairwise(layers):
        if method == "uniform":
            W = rng.uniform(low, high, size=(n, n_prev))
            b = rng.uniform(low, high, size=n)
        elif method == "xavier":
            limit = np.sqrt(6.0 / (n_prev + n))
            W, b = rng.uniform(-limit, limit, size=(n, n_prev)), np.zeros(n)
        elif method == "he":
            W, b = rng.normal(0.0, np.sqrt(2.0 / n_prev), size=(n, n_prev)), np.zeros(n)
        else:
            raise ValueError(f"unknown init method {method!r} (known: uniform, xavier, he)")
        weights.append(W)
        biases.append(b)
    return weights, biases
