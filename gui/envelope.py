"""Peak envelopes of long series, kept up to date as the history grows.

pyqtgraph's own peak downsampling scans every row of every curve on every redraw: at
10 million rows that is ~40 ms a curve, each frame. Here each series is summarised once
per block of BLOCK rows (its min and max), the summary is extended with only the rows
appended since the last frame, and a frame draws at most ~2 × MAX_BUCKETS points per
curve, built from the block summaries. A plot may draw some series of many (12 of
10,000 parameters): `pick` chooses them, and only their rows are ever read. Pure numpy,
no Qt.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

BLOCK = 64  # rows summarised by one (min, max) pair
MAX_BUCKETS = 700  # (min, max) pairs drawn per curve: more than a plot's pixel width


def take(series: Array, pick: NDArray[np.intp] | None, start: int, stop: int) -> Array:
    """Columns start..stop-1 of the series `pick` (all when None), copying only those."""
    window = series[:, start:stop]
    return window if pick is None else window[pick]


class PeakEnvelope:
    """Min/max per block of every series of one plot; see the module's docstring."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self._source: object = None
        self._blocks = 0
        self._mins: Array = np.empty((0, 0))
        self._maxs: Array = np.empty((0, 0))

    def _update(self, source: object, series: Array, pick: NDArray[np.intp] | None) -> None:
        n = series.shape[1]
        k = series.shape[0] if pick is None else len(pick)
        full = n // BLOCK
        if source != self._source or full < self._blocks or self._mins.shape[0] != k:
            self.forget()
            self._source = source
        if full <= self._blocks:
            return
        if full > self._mins.shape[1]:
            grown_min = np.empty((k, max(full, 2 * self._mins.shape[1], 64)))
            grown_max = np.empty_like(grown_min)
            if self._blocks:
                grown_min[:, : self._blocks] = self._mins[:, : self._blocks]
                grown_max[:, : self._blocks] = self._maxs[:, : self._blocks]
            self._mins, self._maxs = grown_min, grown_max
        chunk = take(series, pick, self._blocks * BLOCK, full * BLOCK).reshape(k, -1, BLOCK)
        self._mins[:, self._blocks : full] = chunk.min(axis=2)
        self._maxs[:, self._blocks : full] = chunk.max(axis=2)
        self._blocks = full

    def view(
        self,
        source: object,
        series: Array,
        first: int,
        last: int,
        pick: NDArray[np.intp] | None = None,
        steps: NDArray[np.int64] | None = None,
    ) -> tuple[Array, Array]:
        """x, shape (m,), and y, shape (k, m), that draw rows first..last of `series`
        (shape (K, n); of its series `pick` only, k of them, when given) faithfully: every
        row when they are few, else each bucket's min and max. `source` identifies the
        data, the series picked included: when it changes (compares unequal), or there
        are fewer rows than last time, the summary starts afresh. `steps`: the step of
        each row where they are not 0, 1, 2, … (a history within its memory budget
        stores some states only): first and last are then steps, and so is x."""
        if steps is not None:
            lo = int(np.searchsorted(steps, first))
            hi = int(np.searchsorted(steps, last, side="right")) - 1
            k = series.shape[0] if pick is None else len(pick)
            if hi < lo:
                return np.empty(0), np.empty((k, 0))
            x, y = self.view(source, series, lo, hi, pick)
            # x holds row indices (a bucket's middle may fall between two): to steps,
            # reading only the rows drawn (an interpolation table would copy them all)
            below = np.clip(np.floor(x).astype(np.intp), 0, len(steps) - 1)
            above = np.minimum(below + 1, len(steps) - 1)
            at_below = steps[below].astype(np.float64)
            return at_below + (x - below) * (steps[above] - steps[below]), y
        count = last - first + 1
        if count <= 2 * MAX_BUCKETS:
            # A copy (at most 2 × MAX_BUCKETS values a curve): a view handed to a curve
            # would keep the history's array referenced until the next frame, and the
            # history could then only grow by copying every row (History._reserve).
            rows = take(series, pick, first, last + 1)
            return np.arange(first, last + 1, dtype=np.float64), (
                rows.copy() if pick is None else rows
            )
        k = series.shape[0] if pick is None else len(pick)
        if count < BLOCK * MAX_BUCKETS:
            # Buckets smaller than a block: straight from the rows (a few ms at most).
            per = -(-count // MAX_BUCKETS)
            buckets = count // per
            start, stop = first, first + buckets * per
            chunk = take(series, pick, start, stop).reshape(k, buckets, per)
            lows, highs = chunk.min(axis=2), chunk.max(axis=2)
        else:
            self._update(source, series, pick)
            b0 = -(-first // BLOCK)  # first whole block inside the range
            b1 = min((last + 1) // BLOCK, self._blocks)
            per_bucket = max(1, -(-(b1 - b0) // MAX_BUCKETS))
            buckets = (b1 - b0) // per_bucket
            per = per_bucket * BLOCK
            start, stop = b0 * BLOCK, (b0 + buckets * per_bucket) * BLOCK
            b_stop = b0 + buckets * per_bucket
            lows = self._mins[:, b0:b_stop].reshape(k, buckets, per_bucket).min(axis=2)
            highs = self._maxs[:, b0:b_stop].reshape(k, buckets, per_bucket).max(axis=2)
        starts = start + np.arange(buckets) * per
        x_parts = [np.repeat(starts + (per - 1) / 2, 2).astype(np.float64)]
        y_parts = [np.stack([lows, highs], axis=2).reshape(k, 2 * buckets)]
        for lo, hi in ((first, start), (stop, last + 1)):
            if hi > lo:  # rows outside whole buckets
                x_parts.append(np.array([lo, hi - 1], dtype=np.float64))
                edge = take(series, pick, lo, hi)
                y_parts.append(np.stack([edge.min(axis=1), edge.max(axis=1)], axis=1))
        order = np.argsort(np.concatenate([p[:1] for p in x_parts]), kind="stable")
        x = np.concatenate([x_parts[i] for i in order])
        y = np.concatenate([y_parts[i] for i in order], axis=1)
        # End exactly at the last row's value: that is the number the student is watching.
        end = take(series, pick, last, last + 1)
        return np.append(x, float(last)), np.concatenate([y, end], axis=1)
