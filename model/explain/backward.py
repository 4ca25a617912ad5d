"""Backprop's backward pass for the first sample used, as records: every neuron's δ and
every parameter's chain rule ∂E/∂w = ∂E/∂a · ∂a/∂s · ∂s/∂w."""

from __future__ import annotations

from model.activations import get_activation
from model.explain.records import Array, BackpropTerm, ChainRule, NeuronDelta
from model.losses import get_loss
from model.network import ForwardPass, Network


def backward_pass(
    net: Network,
    forward: ForwardPass,
    X: Array,
    D: Array,
    loss_name: str,
    units: list[list[str]],
) -> tuple[tuple[NeuronDelta, ...], list[ChainRule | None]]:
    """(δ of every neuron, output layer first; the chain rule of every parameter in the
    layout's flat order). `forward` is the forward pass of the samples X; the products
    are the first sample's, the gradients those of all of X (the update's)."""
    grads = net.gradients(X, D, loss_name, forward)
    loss = get_loss(loss_name)
    layout = net.layout
    names = layout.names
    depth = net.depth
    deltas: list[NeuronDelta] = []
    dE_da_layers: list[list[float]] = [[] for _ in range(depth)]
    da_ds_layers: list[list[float]] = [[] for _ in range(depth)]
    for l in range(depth, 0, -1):
        activation = get_activation(net.activations[l - 1])
        s = forward.s[l - 1][:1]
        a = forward.a[l][0].tolist()
        da_ds = activation.df(s)[0].tolist()
        delta = grads.delta[l - 1][0].tolist()
        if l == depth:
            dE_da = loss.dE_dy(forward.output[:1], D[:1])[0].tolist()
        else:
            dE_da = (grads.delta[l][0] @ net.weights[l]).tolist()
        dE_da_layers[l - 1], da_ds_layers[l - 1] = dE_da, da_ds
        n_next = net.layers[l + 1] if l < depth else 0
        for j in range(net.layers[l]):
            downstream: tuple[BackpropTerm, ...] = ()
            if l < depth:
                next_delta = grads.delta[l][0].tolist()
                W_next = net.weights[l]
                downstream = tuple(
                    BackpropTerm(
                        names[layout.index(l + 1, "W", k, j)],
                        float(W_next[k, j]),
                        units[l + 1][k],
                        next_delta[k],
                    )
                    for k in range(n_next)
                )
            deltas.append(
                NeuronDelta(
                    l,
                    j + 1,
                    units[l][j],
                    net.activations[l - 1],
                    float(s[0, j]),
                    a[j],
                    float(D[0, j]) if l == depth else None,
                    dE_da[j],
                    downstream,
                    da_ds[j],
                    delta[j],
                )
            )
    inputs = [forward.a[l][0].tolist() for l in range(depth)]  # a[0] .. a[L-1]
    first_deltas = [grads.delta[l][0].tolist() for l in range(depth)]
    dW = [g.tolist() for g in grads.dW]
    db = [g.tolist() for g in grads.db]
    chains: list[ChainRule | None] = []
    for p in layout.parameters:
        l, j = p.layer, p.row
        delta_j = first_deltas[l - 1][j]
        if p.is_bias:
            input_name, x, product, gradient = "+1", 1.0, delta_j, db[l - 1][j]
        else:
            x = inputs[l - 1][p.col]
            input_name, product, gradient = units[l - 1][p.col], delta_j * x, dW[l - 1][j][p.col]
        chains.append(
            ChainRule(
                units[l][j],
                input_name,
                dE_da_layers[l - 1][j],
                da_ds_layers[l - 1][j],
                x,
                product,
                gradient,
            )
        )
    return tuple(deltas), chains
