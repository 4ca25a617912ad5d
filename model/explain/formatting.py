"""Numbers, vectors and sums as the document writes them."""

from __future__ import annotations

import functools
import math

from model.explain.limits import FULL_TERMS
from model.numbers import format_number, format_significant

# The difference a − b read off two printed numbers must agree with the true one to this
# relative precision (three significant digits), or they are printed with more digits.
DIFFERENCE_PRECISION = 1e-3
MAX_DIGITS = 17  # a float64 reads back exactly from 17 significant digits


@functools.lru_cache(maxsize=4096)
def number(x: float) -> str:
    """`format_number`, cached: the document writes the same numbers many times."""
    return format_number(x)


def factor(x: float) -> str:
    """A number inside a product or after a plus sign: negatives in parentheses."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def parenthesized(text: str) -> str:
    """A printed number in parentheses if it is negative (after − or in a product)."""
    return f"({text})" if text.startswith("-") else text


def plus(x: float, text: str | None = None) -> str:
    """Writes " + x", or " − |x|" for a negative x: a sum never reads "+ -0.5"; `text` is how
    x is printed (default `number`); a negative one loses its sign here."""
    shown = number(x) if text is None else text
    if shown.startswith("-"):
        return f" − {shown[1:]}"
    return f" + {shown}"


def precise_number(x: float) -> str:
    """Nine significant digits where nine decimals would show fewer (the slide's
    η[d − Y] = -0.00844352143)."""
    if math.isfinite(x) and 1e-4 <= abs(x) < 0.1:
        return f"{x:.9g}"
    return format_number(x)


def digits_to_tell_apart(a: float, b: float) -> int:
    """The significant digits a and b need for a − b to be read off them; 0 if the
    usual nine decimals do. Late in a run y is 0.03 to nine decimals while d − y is
    1.2e-14: then y is written 0.0300000000000119."""
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        return 0
    difference = a - b

    def readable(a_text: str, b_text: str) -> bool:
        shown = float(a_text) - float(b_text)
        return abs(shown - difference) <= DIFFERENCE_PRECISION * abs(difference)

    if readable(number(a), number(b)):
        return 0
    for digits in range(10, MAX_DIGITS):
        if readable(with_digits(a, digits), with_digits(b, digits)):
            return digits
    return MAX_DIGITS


def with_digits(x: float, digits: int) -> str:
    """`number(x)`, or up to `digits` significant digits when that is more (see
    `digits_to_tell_apart`): as few as write x exactly (0.03, not 0.029999999999999999)."""
    if digits == 0 or not math.isfinite(x):
        return number(x)
    exact = next((k for k in range(1, digits) if float(f"{x:.{k}g}") == x), digits)
    return format_significant(x, exact)


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


def target_and_output(d: float, y: float, cross_entropy: bool = False) -> tuple[str, str]:
    """d and y written so that d − y (and 1 − y for the cross-entropy) can be read off."""
    digits = digits_to_tell_apart(d, y)
    if cross_entropy:
        digits = max(digits, digits_to_tell_apart(1.0, y))
    return with_digits(d, digits), with_digits(y, digits)
