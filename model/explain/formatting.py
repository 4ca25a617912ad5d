"""Numbers, vectors and sums as the document writes them."""

from __future__ import annotations

import functools
import math

from model.explain.limits import FULL_TERMS
from model.numbers import format_number


@functools.lru_cache(maxsize=4096)
def number(x: float) -> str:
    """`format_number`, cached: the document writes the same numbers many times."""
    return format_number(x)


def factor(x: float) -> str:
    """A number inside a product or after a plus sign: negatives in parentheses."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def precise_number(x: float) -> str:
    """Nine significant digits where nine decimals would show fewer (the slide's
    η[d − Y] = -0.00844352143)."""
    if math.isfinite(x) and 1e-4 <= abs(x) < 0.1:
        return f"{x:.9g}"
    return format_number(x)


def two_digits(x: float) -> str:
    """Two significant digits, for the ≈ of a linear estimate."""
    text = f"{x:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return text


def vector(values: tuple[float, ...] | list[str], bias_first: bool = False) -> str:
    """[v1, v2, …] of numbers or of ready strings; `bias_first` writes +1 for the first."""
    items = [v if isinstance(v, str) else number(v) for v in values]
    if bias_first and items:
        items[0] = "+1"
    return "[" + ", ".join(items) + "]"


def capped_terms(items: list[str], cap: int = FULL_TERMS) -> list[str]:
    """The terms of a sum, or the first few, "…" and the last when there are more than `cap`."""
    if len(items) <= cap:
        return items
    return [*items[: cap - 2], "…", items[-1]]
