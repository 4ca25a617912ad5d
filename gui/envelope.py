"""Peak envelopes of long series, kept up to date as the history grows.

pyqtgraph's own peak downsampling scans every row of every curve on every redraw: at
10 million rows that is ~40 ms a curve, each frame. Here each series is summarised once
per block of BLOCK rows (its min and max), the summary is extended with only the rows
appended since the last frame, and a frame draws at most ~2 × MAX_BUCKETS points per
curve, built from the block summaries. Pure numpy, no Qt.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

BLOCK = 64  # rows summarised by one (min, max) pair
MAX_BUCKETS = 700  # (min, max) pairs drawn per curve: more than a plot's pixel width


class PeakEnvelope:
    """Min/max per block of every series of one plot; see the module's docstring."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self._source: object = None
        self._blocks = 0
        self._mins: Array = np.empty((0, 0))
        self._maxs: Array = np.empty((0, 0))

    def _update(self, source: object, series: Array) -> None:
        k, n = series.shape
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
        chunk = series[:, self._blocks * BLOCK : full * BLOCK].reshape(k, -1, BLOCK)
        self._mins[:, self._blocks : full] = chunk.min(axis=2)
        self._maxs[:, self._blocks : full] = chunk.max(axis=2)
        self._blocks = full

    def view(self, source: object, series: Array, first: int, last: int) -> tuple[Array, Array]:
        """x, shape (m,), and y, shape (k, m), that draw rows first..last of `series`
        (shape (k, n)) faithfully: every row when they are few, else each bucket's min and
        max. `source` identifies the data: when it changes (compares unequal), or there are
        fewer rows than last time, the summary starts afresh."""
        count = last - first + 1
        if count <= 2 * MAX_BUCKETS:
            return np.arange(first, last + 1, dtype=np.float64), series[:, first : last + 1]
        k = series.shape[0]
        if count < BLOCK * MAX_BUCKETS:
            # Buckets smaller than a block: straight from the rows (a few ms at most).
            rows = -(-count // MAX_BUCKETS)
            buckets = count // rows
            start, stop = first, first + buckets * rows
            chunk = series[:, start:stop].reshape(k, buckets, rows)
            lows, highs = chunk.min(axis=2), chunk.max(axis=2)
        else:
            self._update(source, series)
            b0 = -(-first // BLOCK)  # first whole block inside the range
            b1 = min((last + 1) // BLOCK, self._blocks)
            per_bucket = max(1, -(-(b1 - b0) // MAX_BUCKETS))
            buckets = (b1 - b0) // per_bucket
            rows = per_bucket * BLOCK
            start, stop = b0 * BLOCK, (b0 + buckets * per_bucket) * BLOCK
            b_stop = b0 + buckets * per_bucket
            lows = self._mins[:, b0:b_stop].reshape(k, buckets, per_bucket).min(axis=2)
            highs = self._maxs[:, b0:b_stop].reshape(k, buckets, per_bucket).max(axis=2)
        starts = start + np.arange(buckets) * rows
        x_parts = [np.repeat(starts + (rows - 1) / 2, 2).astype(np.float64)]
        y_parts = [np.stack([lows, highs], axis=2).reshape(k, 2 * buckets)]
        for lo, hi in ((first, start), (stop, last + 1)):
            if hi > lo:  # rows outside whole buckets
                x_parts.append(np.array([lo, hi - 1], dtype=np.float64))
                edge = series[:, lo:hi]
                y_parts.append(np.stack([edge.min(axis=1), edge.max(axis=1)], axis=1))
        order = np.argsort(np.concatenate([p[:1] for p in x_parts]), kind="stable")
        x = np.concatenate([x_parts[i] for i in order])
        y = np.concatenate([y_parts[i] for i in order], axis=1)
        # End exactly at the last row's value: that is the number the student is watching.
        return np.append(x, float(last)), np.concatenate([y, series[:, last : last + 1]], axis=1)
