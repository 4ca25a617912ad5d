"""Which number of the parameter vector is which weight: defined here, once.

The flat order (the history's columns, `Network.get_flat`) is, layer by layer from the
input side: the weights W[l] row by row (neuron j, then input i), then the biases b[l].
Every other module asks this one instead of doing the index arithmetic again.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload


@dataclass(frozen=True)
class Parameter:
    """One weight or bias of the flat vector."""

    name: str  # the history's column name: "W1", "b", "L2.W1_3", "L1.b2"
    index: int  # position in the flat vector
    layer: int  # 1-based
    kind: str  # "W" or "b"
    row: int  # neuron of `layer`, 0-based
    col: int  # input of the neuron, 0-based (0 for a bias)

    @property
    def is_bias(self) -> bool:
        return self.kind == "b"


class ParameterLayout:
    """The flat order of a network with `layers` = [n_in, n_1, ..., n_out]."""

    def __init__(self, layers: tuple[int, ...]) -> None:
        self.layers = tuple(int(n) for n in layers)
        self.lecture_names = len(self.layers) == 2 and self.layers[1] == 1
        self.offsets: list[int] = [0]  # where layer l's block starts (index l - 1)
        for n_prev, n in zip(self.layers[:-1], self.layers[1:], strict=True):
            self.offsets.append(self.offsets[-1] + n * n_prev + n)
        self.parameters = Parameters(self)

    def _enumerate(self) -> Iterator[Parameter]:
        for l in range(1, len(self.layers)):
            n_prev, n = self.layers[l - 1], self.layers[l]
            for j in range(n):
                for i in range(n_prev):
                    yield Parameter(
                        self._name(l, "W", j, i), self.index(l, "W", j, i), l, "W", j, i
                    )
            for j in range(n):
                yield Parameter(self._name(l, "b", j, 0), self.index(l, "b", j, 0), l, "b", j, 0)

    def parameter(self, index: int) -> Parameter:
        """The parameter at flat `index` (0 ≤ index < len)."""
        if not 0 <= index < len(self):
            raise IndexError(f"parameter {index} of {len(self)}")
        l = bisect.bisect_right(self.offsets, index)  # 1-based layer
        n_prev, n = self.layers[l - 1], self.layers[l]
        k = index - self.offsets[l - 1]
        if k < n * n_prev:
            j, i = divmod(k, n_prev)
            return Parameter(self._name(l, "W", j, i), index, l, "W", j, i)
        j = k - n * n_prev
        return Parameter(self._name(l, "b", j, 0), index, l, "b", j, 0)

    def _name(self, layer: int, kind: str, row: int, col: int) -> str:
        if self.lecture_names:  # the lecture's single neuron: W1, W2, …, b
            return f"W{col + 1}" if kind == "W" else "b"
        return f"L{layer}.W{row + 1}_{col + 1}" if kind == "W" else f"L{layer}.b{row + 1}"

    def __len__(self) -> int:
        return self.offsets[-1]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def index(self, layer: int, kind: str, row: int, col: int = 0) -> int:
        """Flat index of W[layer][row, col] (kind "W") or b[layer][row] (kind "b")."""
        n_prev, n = self.layers[layer - 1], self.layers[layer]
        start = self.offsets[layer - 1]
        if kind == "W":
            return start + row * n_prev + col
        if kind == "b":
            return start + n * n_prev + row
        raise ValueError(f"kind must be 'W' or 'b', got {kind!r}")

    def weights_slice(self, layer: int) -> slice:
        """W[layer] raveled row by row, as a slice of the flat vector."""
        start = self.offsets[layer - 1]
        return slice(start, start + self.layers[layer] * self.layers[layer - 1])

    def biases_slice(self, layer: int) -> slice:
        end = self.offsets[layer]
        return slice(end - self.layers[layer], end)

    def by_name(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"no parameter {name!r} in a network with layers {list(self.layers)}")


class Parameters(Sequence[Parameter]):
    """Every parameter of a layout in flat order, each made when asked: a million-
    parameter network's would otherwise be a million objects (~240 MB) held for as long
    as its layout is cached."""

    def __init__(self, layout: ParameterLayout) -> None:
        self._layout = layout

    def __len__(self) -> int:
        return len(self._layout)

    @overload
    def __getitem__(self, index: int) -> Parameter: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Parameter]: ...
    def __getitem__(self, index: int | slice) -> Parameter | Sequence[Parameter]:
        if isinstance(index, slice):
            return [self._layout.parameter(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        return self._layout.parameter(index + n if index < 0 else index)

    def __iter__(self) -> Iterator[Parameter]:
        return self._layout._enumerate()


@functools.lru_cache(maxsize=64)
def layout_of(layers: tuple[int, ...]) -> ParameterLayout:
    """The (cached) layout of a network with these layer sizes."""
    return ParameterLayout(layers)
