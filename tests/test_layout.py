"""The parameter layout is the order of Network.get_flat and of the history's columns."""

from __future__ import annotations

import numpy as np
import pytest

from model.layout import ParameterLayout, layout_of
from model.network import Network, initial_weights


@pytest.mark.parametrize("layers", [[2, 1], [3, 2], [2, 2, 1], [2, 4, 3, 2], [1, 1]])
def test_every_parameter_sits_where_get_flat_puts_it(layers):
    weights, biases = initial_weights(layers, seed=3)
    network = Network(layers, ["sigmoid"] * (len(layers) - 1), weights, biases)
    flat = network.get_flat()
    layout = layout_of(tuple(layers))
    assert len(layout) == flat.size == network.n_parameters
    assert layout.names == network.parameter_names()
    for p in layout.parameters:
        value = (
            network.weights[p.layer - 1][p.row, p.col]
            if p.kind == "W"
            else (network.biases[p.layer - 1][p.row])
        )
        assert flat[p.index] == value
        assert layout.index(p.layer, p.kind, p.row, p.col) == p.index
        assert layout.by_name(p.name) == p
    for l in range(1, len(layers)):
        np.testing.assert_array_equal(flat[layout.weights_slice(l)], network.weights[l - 1].ravel())
        np.testing.assert_array_equal(flat[layout.biases_slice(l)], network.biases[l - 1])


def test_the_lecture_neuron_keeps_the_lecture_names():
    assert ParameterLayout((2, 1)).names == ["W1", "W2", "b"]
    assert ParameterLayout((2, 2)).names[:3] == ["L1.W1_1", "L1.W1_2", "L1.W2_1"]


def test_an_unknown_name_or_kind_is_refused():
    layout = layout_of((2, 1))
    with pytest.raises(KeyError, match="no parameter 'W9'"):
        layout.by_name("W9")
    with pytest.raises(ValueError, match="kind"):
        layout.index(1, "x", 0, 0)
