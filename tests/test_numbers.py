"""model.numbers.format_number: the lecture's way of printing numbers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.numbers import format_number, format_significant


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1.94, "1.94"),
        (0.8743521434, "0.874352143"),
        (0.3564652711035652, "0.356465271"),
        (0.3556012437880609, "0.355601244"),
        (1.8215564785651535, "1.821556479"),
        (0.49915564785651534, "0.499155648"),
        (0.19746694356954606, "0.197466944"),  # the slide truncates to ...943
        (1.83, "1.83"),
        (0.03, "0.03"),
        (-2.0, "-2"),
        (100.0, "100"),
        (0.0, "0"),
        (-0.0, "0"),
        (-0.000844352143, "-0.000844352"),
        (0.0001, "0.0001"),
        (999999.0, "999999"),
        (1.5e-7, "1.5e-7"),
        (-2.5e-12, "-2.5e-12"),
        (1e6, "1e+6"),
        (2.5e12, "2.5e+12"),
        (1.23456789012e300, "1.23456789e+300"),
        (1.7976931348623157e308, "1.79769313e+308"),
        (1.7976931345e308, "1.79769313e+308"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
    ],
)
def test_known_values(x: float, text: str) -> None:
    assert format_number(x) == text


def test_accepts_numpy_and_int() -> None:
    import numpy as np

    assert format_number(np.float64(0.5)) == "0.5"
    assert format_number(3) == "3"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_reads_back_close_and_is_trimmed(x: float) -> None:
    text = format_number(x)
    back = float(text)
    if "e" in text:
        mantissa = text.split("e")[0]
        # 9 decimals, but 8 next to the largest float64 (rounding up would overflow)
        assert math.isclose(back, x, rel_tol=1e-9 if abs(x) < 1.79e308 else 1e-8)
        assert not (abs(x) >= 1e-4 and abs(x) < 1e6 - 1e-3)
    else:
        mantissa = text
        assert abs(back - x) <= 5e-10 * max(1.0, abs(x)) + 1e-15
        assert len(mantissa.split(".")[-1]) <= 9 or "." not in mantissa
    assert not mantissa.endswith(".")
    if "." in mantissa:
        assert not mantissa.endswith("0")
    assert text != "-0"
    assert " " not in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.00927609255818, "0.00927609256"),
        (8.84808301e-5, "8.84808301e-5"),
        (-1.5e-12, "-1.5e-12"),
        (123456789012.0, "1.23456789e+11"),
        (0.0, "0"),
        (float("nan"), "nan"),
        (1.25, "1.25"),
    ],
)
def test_format_significant(value: float, text: str) -> None:
    assert format_significant(value) == text
