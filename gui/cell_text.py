"""What a cell's text means: a finite float64, or a reason a student understands.

No Qt here. Text quoted back in a message is cut to a short prefix, so that a pasted
megabyte never ends up in the status bar.
"""

from __future__ import annotations

import math

QUOTE_LIMIT = 24  # characters of a refused text quoted back in a message
EXAMPLES = "type a number such as 0.25, -1.5 or 2e-3"


def quote(text: object, limit: int = QUOTE_LIMIT) -> str:
    """`text` stripped and quoted as Python would ('abc'), cut after `limit` characters
    with the full length said: '0.10.20.30.40.50.60.70.8'… (10,000,000 characters)."""
    stripped = str(text).strip()
    if len(stripped) <= limit:
        return repr(stripped)
    return f"{stripped[:limit]!r}… ({len(stripped):,} characters)"


def plural(count: int, noun: str) -> str:
    """'1 neuron', '2 neurons', '10,000 samples' (nouns that take an s)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def parse_number(text: object) -> float:
    """The float a cell's text means; ValueError with a reason a student understands."""
    if isinstance(text, bool):
        raise ValueError("expected a number")
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:
            raise ValueError("too large for a 64-bit float (overflow)") from None
    else:
        cleaned = str(text).strip().replace("−", "-")
        if not cleaned:
            raise ValueError(f"a cell cannot be empty: {EXAMPLES}")
        if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
            cleaned = cleaned.replace(",", ".")  # decimal comma, as many locales type it
        try:
            value = float(cleaned)
        except ValueError:
            raise ValueError(f"{quote(text)} is not a number: {EXAMPLES}") from None
        if math.isinf(value) and "inf" not in cleaned.lower():
            raise ValueError(f"{quote(cleaned)} is too large for a 64-bit float (overflow)")
    if math.isnan(value):
        raise ValueError("NaN is not allowed: type a finite number")
    if math.isinf(value):
        raise ValueError("infinity is not allowed: type a finite number")
    return value
