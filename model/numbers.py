"""Numbers as the lecture prints them: 9 digits after the decimal point, trailing zeros
trimmed (0.499155648, 1.83, 0.03), and scientific notation (1.5e-7, 2.5e+12) where nine
decimals would hide the digits that matter or claim more digits than a float64 holds.

Used by the command-line summary, the tables, the plots and the explanation, so every
place shows the same digits. The text always reads back with `float()`.
"""

from __future__ import annotations

import math

DECIMALS = 9
SMALL = 1e-4  # below this (and not 0) nine decimals keep at most five significant digits
LARGE = 1e6  # from here on, nine decimals would claim more digits than float64 has


def format_number(x: float) -> str:
    """`x` with 9 decimals, trailing zeros (and a trailing point) trimmed.

    >>> format_number(0.4991556478), format_number(1.83), format_number(-2.0)
    ('0.499155648', '1.83', '-2')
    >>> format_number(1.5e-07), format_number(2.5e12), format_number(float("nan"))
    ('1.5e-7', '2.5e+12', 'nan')
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"  # also -0.0: a minus sign on zero only confuses
    magnitude = abs(x)
    if magnitude < SMALL or magnitude >= LARGE:
        return _scientific(x)
    return _trim(f"{x:.{DECIMALS}f}")


def _scientific(x: float) -> str:
    text = f"{x:.{DECIMALS}e}"
    if math.isinf(float(text)):  # next to the largest float64, rounding up overflows
        text = f"{x:.{DECIMALS - 1}e}"
    mantissa, exponent = text.split("e")
    sign = exponent[0]
    digits = exponent[1:].lstrip("0") or "0"
    return f"{_trim(mantissa)}e{sign}{digits}"


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_significant(x: float, digits: int = 9) -> str:
    """`x` to `digits` significant digits: gradients are often tiny, and the nine decimals
    of `format_number` would keep few of their digits. 0, NaN and ±inf as format_number
    writes them; the exponent without leading zeros (8.8e-5, not 8.8e-05)."""
    x = float(x)
    if x == 0.0 or not math.isfinite(x):
        return format_number(x)
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return text
