"""Small validating readers for the fields of a decoded JSON document.

Each takes the value (or the object holding it) and `path`, the field's name in the file
(``parameters.weights[0]``), and either returns the value in the type the program uses
or raises a SessionError naming that field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray

from model.session.errors import SessionError
from model.session.messages import describe, plural

Array = NDArray[np.float64]
Number = int | float | np.integer[Any] | np.floating[Any]

_PLAIN_NUMBER_TYPES = {int, float}


def require_key(obj: Mapping[str, object], key: str, path: str) -> object:
    """`obj[key]`; SessionError at `path` when it is missing."""
    if key not in obj:
        raise SessionError(path, "missing (required)")
    return obj[key]


def require_object(obj: Mapping[str, object], key: str, path: str) -> Mapping[str, object]:
    """`obj[key]`, which must be a JSON object."""
    value = require_key(obj, key, path)
    if not isinstance(value, Mapping):
        raise SessionError(path, f"expected an object {{...}}, got {describe(value)}")
    return value


def expect_list(value: object, path: str, what: str) -> Sequence[object]:
    """`value` if it is a list; else SessionError saying `what` was expected."""
    if not isinstance(value, list | tuple):
        raise SessionError(path, f"expected {what}, got {describe(value)}")
    return value


def expect_choice(value: object, path: str, what: str, known: Sequence[str]) -> str:
    """`value` if it is one of the `known` names of a `what` (a rule, a loss...)."""
    if not isinstance(value, str) or value not in known:
        raise SessionError(path, f"unknown {what} {describe(value)} (known: {', '.join(known)})")
    return value


def is_whole_number(value: object) -> TypeGuard[int | np.integer[Any]]:
    """An integer, and not a bool (true and false are not numbers in a session)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[Number]:
    """An integer or a float, and not a bool."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def is_finite(value: Number) -> bool:
    """Finite as a float64 (an integer beyond float64's range is not)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond float64's range
        return False


def expect_number(value: object, path: str) -> float:
    """`value` as a float, if it is a finite number."""
    if not is_number(value):
        raise SessionError(path, f"expected a number, got {describe(value)}")
    if not is_finite(value):
        raise SessionError(path, f"expected a finite number, got {describe(value)}")
    return float(value)


def _finite_array_if_plain(rows: Sequence[Sequence[object]]) -> Array | None:
    """The rows as an array if every value is a finite int or float, else None."""
    if not set(map(type, chain.from_iterable(rows))) <= _PLAIN_NUMBER_TYPES:
        return None
    try:
        array = np.array(rows, dtype=np.float64)
    except (OverflowError, ValueError):
        return None
    return array if np.isfinite(array).all() else None


def expect_rows(value: Sequence[object], path: str, width: int, what: str) -> Array:
    """A list of rows of `width` finite numbers each → array, shape (len(value), width).

    `what` is what one column stands for, for the message about a row of the wrong length.
    """
    rows: list[Sequence[object]] = []
    for i, row in enumerate(value):
        if not isinstance(row, list | tuple):
            raise SessionError(
                f"{path}[{i}]",
                f"expected a list of {plural(width, 'number')}, got {describe(row)}",
            )
        if len(row) != width:
            raise SessionError(
                f"{path}[{i}]",
                f"expected {plural(width, 'number')} (one per {what}), got {len(row)}",
            )
        rows.append(row)
    array = _finite_array_if_plain(rows)
    if array is None:  # find the offending value, to name it
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                expect_number(x, f"{path}[{i}][{j}]")
        array = np.array(rows, dtype=np.float64)
    return array.reshape(len(rows), width)


def expect_array(value: Array, path: str, shape: tuple[int | None, ...], what: str) -> Array:
    """An array read from a .bplab member (float64 already): of `shape` (None = any
    length) and finite, or a SessionError naming the first value that is not."""
    wanted = "x".join("n" if n is None else str(n) for n in shape)
    got = "x".join(str(n) for n in value.shape) or "a single number"
    if value.ndim != len(shape) or any(
        n is not None and n != m for n, m in zip(shape, value.shape, strict=True)
    ):
        raise SessionError(path, f"expected an array of {wanted} {what}, got {got}")
    bad = np.argwhere(~np.isfinite(value))
    if bad.size:
        where = "".join(f"[{int(i)}]" for i in bad[0])
        raise SessionError(
            f"{path}{where}", f"expected a finite number, got {describe(value[tuple(bad[0])])}"
        )
    return value


def expect_matrix(value: object, path: str, n_rows: int, n_cols: int) -> Array:
    """W[l]: n_rows neurons × n_cols inputs, as nested lists (rows = neurons)."""
    expected = f"{n_rows}x{n_cols}"
    if isinstance(value, np.ndarray):
        return expect_array(value, path, (n_rows, n_cols), "weights (neurons x inputs)")
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(row, list | tuple) for row in value)
    ):
        raise SessionError(
            path,
            f"expected a {expected} matrix (a list of "
            f"{plural(n_rows, 'row')} of {plural(n_cols, 'number')}), got "
            f"{describe(value)}",
        )
    lengths = sorted({len(row) for row in value if isinstance(row, list | tuple)})
    if len(value) != n_rows or lengths != [n_cols]:
        got = (
            f"{len(value)}x{lengths[0]}"
            if len(lengths) == 1
            else f"{plural(len(value), 'row')} of different lengths"
        )
        raise SessionError(path, f"expected {expected}, got {got}")
    return expect_rows(value, path, n_cols, "input of the layer")


def expect_vector(value: object, path: str, n: int) -> Array:
    """b[l]: a list of n finite numbers, one per neuron."""
    if isinstance(value, np.ndarray):
        return expect_array(value, path, (n,), "biases (one per neuron)")
    if not isinstance(value, list | tuple):
        raise SessionError(path, f"expected a list of {plural(n, 'number')}, got {describe(value)}")
    if len(value) != n:
        raise SessionError(
            path, f"expected {plural(n, 'number')} (one per neuron), got {len(value)}"
        )
    array = _finite_array_if_plain([value])
    if array is None:  # find the offending value, to name it
        for j, x in enumerate(value):
            expect_number(x, f"{path}[{j}]")
        array = np.array(value, dtype=np.float64)
    return array.reshape(n)
