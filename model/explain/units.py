"""The names of a network's units (its inputs and its neurons' outputs)."""

from __future__ import annotations


def unit_names(layers: list[int] | tuple[int, ...]) -> list[list[str]]:
    """Names of a[0] .. a[L]: X1.., then h1.. (one hidden layer) or a{l}_{j}, then y/y1.."""
    depth = len(layers) - 1
    names = [[f"X{i}" for i in range(1, layers[0] + 1)]]
    for l in range(1, depth + 1):
        n = layers[l]
        if l == depth:
            names.append(["y"] if n == 1 else [f"y{j}" for j in range(1, n + 1)])
        elif depth == 2:
            names.append([f"h{j}" for j in range(1, n + 1)])
        else:
            names.append([f"a{l}_{j}" for j in range(1, n + 1)])
    return names
