"""The error surface: E as a function of two parameters, the others held where they are.

`error_grid` evaluates E = mean_p E_p on a whole grid of (parameter i, parameter j) values
in one batched forward pass: the grid points become a leading batch axis G in front of
the samples axis P, so activations have shape (G, P, n_l). Layers before the first
varied parameter do not depend on the grid and are computed once.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from model.activations import get_activation
from model.config import check_fits
from model.losses import get_loss
from model.network import Network
from model.state import Trainer
from model.training import Dataset, DivergenceError

Array = NDArray[np.float64]

FLOAT_MAX = float(np.finfo(np.float64).max)
CHUNK_BYTES = 50 * 1024 * 1024
"""Upper bound for one chunk's activations (G × P × widest layer float64 values)."""


def error_grid(
    network: Network, data: Dataset, loss: str, i: int, j: int, xs: Array, ys: Array
) -> Array:
    """E over a grid, shape (len(ys), len(xs)): entry [r, c] is the dataset error with
    flat parameter i (`network.get_flat()` index) set to xs[c] and j set to ys[r].

    Non-finite errors (an overflowing region of the grid) come back as inf/NaN without
    warnings. The network is not modified.
    """
    xs, ys = _axis(xs, "xs"), _axis(ys, "ys")
    _check_indices(network, i, j)
    check_fits(network, data)
    grid_x, grid_y = np.meshgrid(xs, ys)  # row r = ys[r], column c = xs[c]
    values = np.stack([grid_x.ravel(), grid_y.ravel()])  # shape (2, G)
    chunk = chunk_size(network, data.n_samples)
    out = np.empty(values.shape[1])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, out.size, chunk):
            stop = start + chunk
            out[start:stop] = _errors(network, data, loss, (i, j), values[:, start:stop])
    return out.reshape(len(ys), len(xs))


def _errors(
    network: Network, data: Dataset, loss: str, indices: tuple[int, int], values: Array
) -> Array:
    """E at G grid points, shape (G,); values[k] holds parameter indices[k]'s G values."""
    varied = [
        (*_locate(network, index), column) for index, column in zip(indices, values, strict=True)
    ]  # (layer, row, col, values)
    a: Array = data.inputs  # (P, n_0), later (G, P, n_l)
    for l, (W, b, name) in enumerate(
        zip(network.weights, network.biases, network.activations, strict=True)
    ):
        s = _affine(a, W, b)
        rows = sorted({row for layer, row, _, _ in varied if layer == l})
        if rows and s.ndim == 2:
            s = np.repeat(s[None], values.shape[1], axis=0)  # from here on, per grid point
        for row in rows:
            # Only the rows holding a varied parameter differ between grid points: the
            # rest of s comes from one BLAS product for the whole grid.
            w, bias = _row_parameters(
                W[row],
                b[row],
                values.shape[1],
                [(col, column) for layer, r, col, column in varied if (layer, r) == (l, row)],
            )
            s[..., row] = _row_sums(a, w) + bias[:, None]
        a = get_activation(name).f(s)
    mean_errors: Array = np.mean(get_loss(loss).per_sample(a, data.targets), axis=-1)
    return mean_errors


def _affine(a: Array, W: Array, b: Array) -> Array:
    """s = a Wᵀ + b over the last axis of a, shape (..., P, n_l), as one matrix product."""
    # A 3-D @ 2-D matmul would run one tiny product per grid point; flattening the
    # leading axes makes it a single (G·P, n) @ (n, m) call.
    return (a.reshape(-1, a.shape[-1]) @ W.T + b).reshape(*a.shape[:-1], W.shape[0])


def _row_parameters(
    w_row: Array, b_row: float, n_points: int, changes: list[tuple[int | None, Array]]
) -> tuple[Array, Array]:
    """One neuron's weights (G, n_{l-1}) and bias (G,) at every grid point: the current
    values, with each (column or None for the bias, its G values) of `changes` applied."""
    w = np.repeat(w_row[None], n_points, axis=0)
    bias = np.full(n_points, b_row)
    for col, column in changes:
        if col is None:
            bias = column
        else:
            w[:, col] = column
    return w, bias


def _row_sums(a: Array, w: Array) -> Array:
    """Σ_i a[g, p, i] w[g, i], shape (G, P); a may also be (P, n), shared by every g."""
    return w @ a.T if a.ndim == 2 else np.einsum("gpi,gi->gp", a, w)


def _locate(network: Network, index: int) -> tuple[int, int, int | None]:
    """(layer l, 0-based, neuron row, input column or None for the bias) of a flat index."""
    parameter = network.layout.parameters[index]
    return parameter.layer - 1, parameter.row, None if parameter.is_bias else parameter.col


def chunk_size(network: Network, n_samples: int) -> int:
    """Grid points per chunk so that one (G, P, widest layer) array fits CHUNK_BYTES."""
    per_point = n_samples * max(network.layers) * 8
    return max(1, CHUNK_BYTES // per_point)


def _axis(values: Array, name: str) -> Array:
    axis = np.asarray(values, dtype=np.float64)
    if axis.ndim != 1 or axis.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {axis.shape}")
    return axis


def _check_indices(network: Network, i: int, j: int) -> None:
    n = network.n_parameters
    for name, index in (("i", i), ("j", j)):
        if not 0 <= index < n:
            raise ValueError(
                f"parameter {name}={index} is out of range: the network has {n} parameters"
            )
    if i == j:
        raise ValueError(f"the two axes must be different parameters, got {i} twice")


def grid_range(
    current: float, path: Array, margin: float = 0.25, minimum_span: float = 1.0
) -> tuple[float, float]:
    """(low, high) for one axis of the surface: contains `current` and every finite value
    of `path` (that parameter's training trajectory), widened by `margin` × their span
    on each side, and at least `minimum_span` wide (centred on what it must contain)."""
    if not math.isfinite(current):
        raise ValueError(f"the current value must be finite, got {current}")
    values = np.asarray(path, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    low = min(current, float(values.min())) if values.size else current
    high = max(current, float(values.max())) if values.size else current
    # Written so that nothing overflows for parameters near ±1.8e308 (margin × high −
    # margin × low, not margin × (high − low)), and clipped to the finite floats.
    pad = margin * high - margin * low
    low, high = max(low - pad, -FLOAT_MAX), min(high + pad, FLOAT_MAX)
    if high - low < minimum_span:
        centre = low / 2 + high / 2
        low, high = centre - minimum_span / 2, centre + minimum_span / 2
    return low, high


def path_with_rule(trainer: Trainer, rule: str, n_steps: int) -> Array:
    """The states a run from the trainer's step 0 visits with `rule` instead of the one it
    used (the other settings as for its first step): shape (k + 1, n_parameters), k ≤
    n_steps — fewer if that run diverges. For the error surface's comparison of the
    lecture's rule with backprop on the same start."""
    config = replace(trainer.config_for_step(1), rule=rule)
    network = trainer.network.copy()
    network.set_flat(trainer.history.row(0))
    other = Trainer(network, trainer.data.copy(), config)
    with contextlib.suppress(DivergenceError):  # its finite states are kept
        other.run(n_steps)
    return other.history.parameters.T.copy()
