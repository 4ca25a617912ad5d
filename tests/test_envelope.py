"""The plots' peak envelope: faithful (every row's extremes are drawn) and incremental."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.envelope import BLOCK, MAX_BUCKETS, PeakEnvelope


def walk(k: int, n: int, seed: int = 0) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(size=(k, n)), axis=1)


def test_few_rows_are_drawn_as_they_are() -> None:
    series = walk(2, 100)
    x, y = PeakEnvelope().view("h", series, 0, 99)
    np.testing.assert_array_equal(x, np.arange(100))
    np.testing.assert_array_equal(y, series)


def test_many_rows_keep_every_extreme_and_the_last_value() -> None:
    series = walk(3, 2_000_000)
    x, y = PeakEnvelope().view("h", series, 0, series.shape[1] - 1)
    assert x.size <= 2 * MAX_BUCKETS + 8
    np.testing.assert_array_equal(y.min(axis=1), series.min(axis=1))
    np.testing.assert_array_equal(y.max(axis=1), series.max(axis=1))
    np.testing.assert_array_equal(y[:, -1], series[:, -1])
    assert x[-1] == series.shape[1] - 1
    assert np.all(np.diff(x) >= 0)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 300 * BLOCK), min_size=1, max_size=5), st.integers(0, 2**16))
def test_growing_step_by_step_equals_starting_afresh(appends: list[int], seed: int) -> None:
    # From just below the size where block summaries take over, growing past it.
    start = BLOCK * MAX_BUCKETS - 2 * BLOCK
    full = walk(2, start + sum(appends) + 1, seed)
    growing = PeakEnvelope()
    n = start
    for extra in appends:
        n += extra
        x, y = growing.view("h", full[:, :n], 0, n - 1)
        x_fresh, y_fresh = PeakEnvelope().view("h", full[:, :n], 0, n - 1)
        np.testing.assert_array_equal(x, x_fresh)
        np.testing.assert_array_equal(y, y_fresh)


def test_a_window_in_the_middle_covers_exactly_its_rows() -> None:
    series = walk(1, 1_000_000)
    first, last = 123_457, 876_543
    x, y = PeakEnvelope().view("h", series, first, last)
    assert x[0] >= first and x[-1] == last
    np.testing.assert_array_equal(y.min(), series[:, first : last + 1].min())
    np.testing.assert_array_equal(y.max(), series[:, first : last + 1].max())


def test_fewer_rows_or_another_source_starts_afresh() -> None:
    series = walk(1, 500_000)
    envelope = PeakEnvelope()
    envelope.view("a", series, 0, 499_999)
    shorter = series[:, :300_000].copy()
    shorter[0, -10] = 1e9
    _x, y = envelope.view("a", shorter, 0, 299_999)
    assert y.max() == 1e9
    other = -series
    _x, y = envelope.view("b", other, 0, 499_999)
    assert y.min() == other.min()
