"""What every neuron computes over the input plane, for a network with two inputs: the
output a[l]_j of each hidden and output neuron at every point of a grid of (x1, x2).

TensorFlow Playground draws each neuron as such a picture: the first hidden layer's
neurons each split the plane along a line (s = 0), the next layers combine those splits
into curves, and the output neuron's picture is the network's output map. One forward
pass of the whole grid gives every layer's a[l] at once, so all the pictures together
cost one batched pass.

The plane is the one the Output map draws: the range of every sample (the test samples
too) with a margin on each side (`samples_plane`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from model.config import Dataset
from model.network import Network

Array = NDArray[np.float64]
Range = tuple[float, float]
PLANE_MARGIN = 0.5  # data units beyond the samples on each side of the plane


class NeuronMap(NamedTuple):
    """The output of neuron `neuron` (0-based) of layer `layer` (1-based) over the grid:
    `values[r, c]` at x1 = xs[c], x2 = ys[r] (row 0 at the lowest x2)."""

    layer: int
    neuron: int
    values: Array


def plane_range(inputs: Array, margin: float = PLANE_MARGIN) -> tuple[Range, Range]:
    """The input plane of samples `inputs` (shape (P, 2)): each input's range, widened
    by `margin` on each side."""
    low = inputs.min(axis=0) - margin
    high = inputs.max(axis=0) + margin
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def samples_plane(data: Dataset, margin: float = PLANE_MARGIN) -> tuple[Range, Range]:
    """The input plane of every sample of `data`, the test samples too (`plane_range`)."""
    if data.test_inputs is None:
        return plane_range(data.inputs, margin)
    return plane_range(np.vstack([data.inputs, data.test_inputs]), margin)


def plane_grid(x_range: Range, y_range: Range, resolution: int) -> tuple[Array, Array]:
    """The grid's coordinates: `resolution` evenly spaced values per axis, ends included."""
    return np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)


def neuron_maps(
    network: Network, x_range: Range, y_range: Range, resolution: int
) -> list[NeuronMap]:
    """Every hidden and output neuron's output over a `resolution` × `resolution` grid
    of the plane x_range × y_range, layer by layer, from one forward pass of the grid.
    Values may be inf or nan where a diverged network's are."""
    if network.layers[0] != 2:
        raise ValueError(
            f"a neuron's map needs a network with 2 inputs; this one has {network.layers[0]}"
        )
    if resolution < 1:
        raise ValueError(f"the resolution must be at least 1, got {resolution}")
    with np.errstate(all="ignore"):  # a plane near the float limit: nan, not a warning
        xs, ys = plane_grid(x_range, y_range, resolution)
        gx, gy = np.meshgrid(xs, ys)
        fp = network.forward(np.column_stack([gx.ravel(), gy.ravel()]))
    shape = (resolution, resolution)
    return [
        NeuronMap(l, j, np.ascontiguousarray(fp.a[l][:, j]).reshape(shape))
        for l in range(1, network.depth + 1)
        for j in range(network.layers[l])
    ]


def neuron_map(
    network: Network, layer: int, neuron: int, x_range: Range, y_range: Range, resolution: int
) -> Array:
    """The map of one neuron (`layer` 1-based, `neuron` 0-based); see `neuron_maps`."""
    if not 1 <= layer <= network.depth or not 0 <= neuron < network.layers[layer]:
        raise ValueError(f"no neuron {neuron + 1} in layer {layer} of {network.layers}")
    maps = neuron_maps(network, x_range, y_range, resolution)
    return maps[sum(network.layers[1:layer]) + neuron].values
