"""Vanishing gradients: how large ∂E/∂W is in each layer, and where the neurons operate.

A deep sigmoid network multiplies one f'(s) ≤ ¼ per layer on the way back, so the
first layers' gradients are orders of magnitude smaller than the last one's. These
functions give the numbers behind that picture: per-layer gradient norms over the
training history, and the sums s[l] (a neuron far out on the flat part of its
activation passes almost nothing back).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from model.network import Network
from model.training import Dataset

Array = NDArray[np.float64]


def layer_gradient_norms(network: Network, data: Dataset, loss: str, thetas: Array) -> Array:
    """‖∂E/∂W[l]‖ (Frobenius, weights only, whole dataset), shape (k, depth).

    thetas : shape (k, n_parameters), one parameter vector per row in `get_flat` order
    (e.g. rows of the history). The network is not modified.
    """
    thetas = np.asarray(thetas, dtype=np.float64)
    if thetas.ndim != 2 or thetas.shape[1] != network.n_parameters:
        raise ValueError(
            f"expected parameter vectors of shape (k, {network.n_parameters}), got {thetas.shape}"
        )
    net = network.copy()  # set_flat writes in place
    norms = np.empty((thetas.shape[0], net.depth))
    for row, theta in enumerate(thetas):
        net.set_flat(theta)
        grads = net.gradients(data.inputs, data.targets, loss)
        norms[row] = [np.linalg.norm(dW) for dW in grads.dW]
    return norms


def sample_steps(n_rows: int, limit: int = 400) -> NDArray[np.int64]:
    """At most `limit` row indices spread evenly over 0..n_rows-1, the last one always
    included, ascending (int64): the states to plot from a long history."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if n_rows <= limit:
        return np.arange(max(n_rows, 0), dtype=np.int64)
    if limit == 1:
        return np.array([n_rows - 1], dtype=np.int64)
    # Spacing (n_rows − 1)/(limit − 1) > 1, so rounding never merges two indices.
    return np.rint(np.linspace(0, n_rows - 1, limit)).astype(np.int64)


def operating_points(network: Network, data: Dataset) -> list[Array]:
    """Per layer l, the sums s[l] of every sample and neuron, flattened (P·n_l values)."""
    return [s.ravel() for s in network.forward(data.inputs).s]
