"""Every neuron's map over the input plane (model/neuron_maps.py), checked point by point
against `Network.forward` of that one point: the batched grid must give the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from model.datasets import make_dataset
from model.network import Network, initial_weights
from model.neuron_maps import neuron_map, neuron_maps, plane_grid, plane_range, samples_plane


def make_network(layers: list[int], activations: list[str], seed: int = 0) -> Network:
    weights, biases = initial_weights(layers, "uniform", seed, -2.0, 2.0)
    return Network(layers, activations, weights, biases)


@pytest.mark.parametrize(
    ("layers", "activations"),
    [
        ([2, 4, 1], ["tanh", "sigmoid"]),
        ([2, 8, 8, 1], ["relu", "tanh", "sigmoid"]),
        ([2, 3, 2], ["sigmoid", "linear"]),
        ([2, 1], ["sigmoid"]),
    ],
)
def test_each_map_is_the_neurons_output_at_its_grid_point(
    layers: list[int], activations: list[str]
) -> None:
    network = make_network(layers, activations)
    x_range, y_range = (-1.5, 2.0), (0.25, 3.0)
    maps = neuron_maps(network, x_range, y_range, 9)
    # one map per hidden and output neuron, layer by layer
    assert [(m.layer, m.neuron) for m in maps] == [
        (l, j) for l in range(1, len(layers)) for j in range(layers[l])
    ]
    xs, ys = plane_grid(x_range, y_range, 9)
    assert xs[0] == -1.5 and xs[-1] == 2.0 and ys[0] == 0.25 and ys[-1] == 3.0
    for r, c in [(0, 0), (0, 8), (8, 0), (4, 5), (8, 8), (3, 1)]:
        fp = network.forward(np.array([[xs[c], ys[r]]]))
        for m in maps:
            assert m.values.shape == (9, 9)
            assert m.values[r, c] == pytest.approx(fp.a[m.layer][0, m.neuron], rel=1e-12)


def test_one_neurons_map_equals_its_entry_among_all() -> None:
    network = make_network([2, 3, 4, 2], ["tanh", "sigmoid", "sigmoid"])
    maps = neuron_maps(network, (0.0, 1.0), (0.0, 1.0), 5)
    for m in maps:
        np.testing.assert_array_equal(
            neuron_map(network, m.layer, m.neuron, (0.0, 1.0), (0.0, 1.0), 5), m.values
        )
    with pytest.raises(ValueError, match="no neuron 4 in layer 1"):
        neuron_map(network, 1, 3, (0.0, 1.0), (0.0, 1.0), 5)
    with pytest.raises(ValueError, match="no neuron 1 in layer 4"):
        neuron_map(network, 4, 0, (0.0, 1.0), (0.0, 1.0), 5)


def test_the_plane_is_the_samples_range_with_a_margin() -> None:
    data = make_dataset("circle", 50, seed=1)
    (x0, x1), (y0, y1) = plane_range(data.inputs)
    assert x0 == pytest.approx(data.inputs[:, 0].min() - 0.5)
    assert x1 == pytest.approx(data.inputs[:, 0].max() + 0.5)
    assert y0 == pytest.approx(data.inputs[:, 1].min() - 0.5)
    assert y1 == pytest.approx(data.inputs[:, 1].max() + 0.5)
    assert samples_plane(data) == ((x0, x1), (y0, y1))
    split = data.split(0.5, seed=2)  # the test samples are on the plane too
    assert samples_plane(split) == ((x0, x1), (y0, y1))
    assert samples_plane(split.without_test_set()) != ((x0, x1), (y0, y1))


def test_only_two_input_networks_have_maps() -> None:
    with pytest.raises(ValueError, match="2 inputs; this one has 3"):
        neuron_maps(make_network([3, 2, 1], ["tanh", "sigmoid"]), (0.0, 1.0), (0.0, 1.0), 4)


def test_a_diverged_network_gives_non_finite_values_without_warnings() -> None:
    network = make_network([2, 2, 1], ["linear", "linear"])
    network.weights[0][:] = 1e300
    network.weights[1][:] = 1e300
    maps = neuron_maps(network, (-1.0, 1.0), (-1.0, 1.0), 4)
    assert not np.isfinite(maps[-1].values).all()
