"""How error messages show what a file holds: short, one-line, JSON-like renderings of
values (`describe`), quoted names (`quote`) and counted nouns (`plural`)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np


def plural(n: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def quote(text: str, limit: int = 40) -> str:
    """`text` in single quotes, cut at `limit` characters, anything unprintable escaped."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return "'" + shown.encode("unicode_escape").decode("ascii").replace("'", "\\'") + "'"


def describe(value: object, limit: int = 60) -> str:
    """A short, one-line, JSON-like rendering of a value for error messages."""
    text = _render_json_like(value, depth=0)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render_json_like(value: object, depth: int) -> str:
    if isinstance(value, list | tuple):
        if depth >= 3:
            return "[…]"
        items = [_render_json_like(item, depth + 1) for item in value[:6]]
        return "[" + ", ".join(items) + (", …" if len(value) > 6 else "") + "]"
    if isinstance(value, Mapping):
        return "{…}" if value else "{}"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "…")
    return _render_scalar(value)


def _render_scalar(value: object) -> str:
    if value is None or isinstance(value, bool | np.bool_):
        return {None: "null", True: "true", False: "false"}[None if value is None else bool(value)]
    if isinstance(value, int | np.integer):
        return repr(int(value)) if abs(int(value)) < 10**30 else "a very large integer"
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        return repr(x) if math.isfinite(x) else ("Infinity" if x > 0 else "-Infinity")
    return type(value).__name__
