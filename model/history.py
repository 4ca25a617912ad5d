"""The parameter history: one row per state (step 0 = the initial state), plus its export.

Storage is one row-major float64 array (capacity × columns). Capacity grows by a factor
of 1.1, so appends are O(1) amortised and the memory held never exceeds 1.1× the raw
float64 size of the rows (once past the first block). Growing tries `ndarray.resize`
first: for a large array that is a realloc the kernel does by remapping pages, with no
copy — a copy of 70 MB stalled the window for 170 ms. numpy refuses it while any view of
the array is alive, and then the rows are copied. numpy zero-fills the new capacity, in
the window's thread: 1.1 rather than 1.2 halves that pause (16 ms instead of 32 at 10M
lecture rows, measured), and keeps the resident memory closer to the rows.

Within a memory budget (model/budget.py) the history stores only some states and
recomputes the others by replaying the training (see `History`, and `Trainer.replay_rows`
in model/state.py).
"""

from __future__ import annotations

import io
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from model import files
from model.files import Progress, open_regular

Array = NDArray[np.float64]
Steps = NDArray[np.int64]
# (history, step) -> (first step, rows): a block of recomputed states that holds `step`
Replayer = Callable[["History", int], tuple[int, Array]]
# (history, first) -> (first step, rows) blocks of every state from `first` on, replayed
Onward = Callable[["History", int], Iterator[tuple[int, Array]]]

GROWTH = 1.1
MIN_CAPACITY = 1024
MIN_CAPACITY_BYTES = 8 << 20  # a first block is at most this large, whatever the width
CSV_BLOCK_ROWS = 8192  # rows formatted per chunk: each holds the GIL, the window waits
CSV_BLOCK_BYTES = 4 << 20  # ... and at most this many bytes of floats (wide rows)
FRESH_RATIO = 4  # growing this many times over: a new array (see History._reserve)


def block_rows(width: int) -> int:
    """Rows an export formats (or a thinned history replays) at a time: CSV_BLOCK_ROWS,
    fewer for wide rows. 8,192 rows of 10-100-100-10 were 800 MB of floats and 2 GB of
    text at once: an export took the window's process to 4.7 GB."""
    return max(1, min(CSV_BLOCK_ROWS, CSV_BLOCK_BYTES // (8 * max(width, 1))))


def first_capacity(width: int, n_rows: int = 0) -> int:
    """Rows a new history of `width` values a row reserves for `n_rows` states: a first
    block of MIN_CAPACITY rows, unless the rows are so wide (a million parameters) that
    it would claim gigabytes before the first step (then at most MIN_CAPACITY_BYTES)."""
    return max(n_rows, min(MIN_CAPACITY, max(1, MIN_CAPACITY_BYTES // (8 * width))))


class Rows:
    """States taken off the end of a history (for undo), as `History.rows_after` gives
    them: the stored rows with their step numbers, which of them replay cannot
    reproduce (`pinned`), and how many states they stand for in all (`len`)."""

    def __init__(self, steps: Steps, rows: Array, pinned: Iterable[int], count: int) -> None:
        self.steps = steps
        self.rows = rows
        self.pinned = frozenset(pinned)
        self.count = count

    def __len__(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        return int(self.rows.nbytes + self.steps.nbytes)

    @property
    def dense(self) -> bool:
        return len(self.steps) == self.count

    def thinned(self, keep: Iterable[int] = ()) -> Rows:
        """The same states, keeping only the rows replay needs: the pinned ones, those
        in `keep` (the optimizer's checkpoints) and the last. The others are recomputed
        when the rows are back in a history (an undo stack over its share gives these)."""
        needed = set(self.pinned) | set(keep)
        mask = np.isin(self.steps, np.fromiter(needed, dtype=np.int64, count=len(needed)))
        if len(mask):
            mask[-1] = True
        return Rows(self.steps[mask].copy(), self.rows[mask].copy(), self.pinned, self.count)


class History:
    """Rows of (parameters..., error, extras...), one per state; step 0 = the initial state.

    parameter_names : the column names of the parameters, in `Network.get_flat` order
    extra_columns : further columns after the error, e.g. ["test_error"] (docs/file-formats.md)

    Within a memory budget (`max_rows`, set by the `Trainer`) the history keeps only some
    states: every `stride`-th, the last, the `pinned` ones (an edit, a change of settings,
    a reopened session's rows: replay cannot make them) and those the owner protects
    (`protected`: the optimizer's checkpoints). `len` counts every state; `steps` tells
    which are stored, and `row`, `error_at`, `full_row` and `rows` reach every state:
    one not stored comes from `replayer` (the Trainer's deterministic replay), a block at
    a time, the last block cached. While every state is stored (`dense`), `steps` is
    0, 1, 2, … and the array views below are indexed by the step.
    """

    def __init__(
        self,
        parameter_names: Sequence[str],
        capacity: int | None = None,
        extra_columns: Sequence[str] = (),
    ) -> None:
        self.parameter_names: list[str] = list(parameter_names)
        self.extra_columns: list[str] = list(extra_columns)
        self._n_params = len(self.parameter_names)
        self._n_cols = self._n_params + 1 + len(self.extra_columns)
        if capacity is None:
            capacity = first_capacity(self._n_cols)
        self._data: Array = np.empty((max(capacity, 1), self._n_cols), dtype=np.float64)
        # The step of each stored row; None while they are 0, 1, 2, … (dense): no memory.
        self._steps: Steps | None = None
        self._n = 0  # states in all
        self._k = 0  # states stored
        self.stride = 1
        self.max_rows: int | None = None  # at most this many stored rows (the budget)
        self._pinned: set[int] = set()
        self.pinned_below = 0  # every state before this one is pinned (a reopened session)
        self.replayer: Replayer | None = None
        self.onward: Onward | None = None
        self.protected: Callable[[], Iterable[int]] | None = None
        self.cache_rows = 1024  # rows of the replayed block kept
        self._cache: tuple[int, Array] | None = None
        # Counts changes other than appends, so a view caching a summary of the rows
        # (the plots' envelopes) knows when to start afresh.
        self.revision = 0

    # -- size -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> list[str]:
        """The table's header: step, the parameters, error, any extra columns."""
        return ["step", *self.parameter_names, "error", *self.extra_columns]

    @property
    def width(self) -> int:
        """Values in a row (without the step): parameters, error, extras."""
        return self._n_cols

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (allocated, not just used), the replayed block too."""
        cached = 0 if self._cache is None else self._cache[1].nbytes
        steps = 0 if self._steps is None else self._steps.nbytes
        return int(self._data.nbytes + steps + cached)

    @property
    def raw_nbytes(self) -> int:
        """Bytes the stored rows themselves need as float64, without the step column."""
        return self._k * self._n_cols * 8

    @property
    def stored_count(self) -> int:
        return self._k

    @property
    def dense(self) -> bool:
        """True while every state is stored (the row index is the step)."""
        return self._k == self._n

    @property
    def steps(self) -> Steps:
        """The step of each stored row, increasing (a view, or a new range while dense)."""
        if self._steps is None:
            return np.arange(self._k, dtype=np.int64)
        return self._steps[: self._k]

    @property
    def sparse_steps(self) -> Steps | None:
        """`steps` where the history does not store every state; None while it does (the
        row index is then the step)."""
        return None if self.dense else self.steps

    def stored_index(self, steps: Steps | Sequence[int]) -> NDArray[np.intp]:
        """For each step, the index of the stored row at or before it (the view arrays'
        column): where a picture samples the history and a nearby state will do."""
        wanted = np.asarray(steps, dtype=np.int64)
        if self.dense:
            return wanted.astype(np.intp)
        found = np.searchsorted(self.steps, wanted, side="right") - 1
        return np.maximum(found, 0).astype(np.intp)

    def extra_at(self, step: int, name: str) -> float:
        """An extra column's value (e.g. "test_error") at `step`."""
        return float(self._get(step)[self._n_params + 1 + self.extra_columns.index(name)])

    def _explicit_steps(self) -> Steps:
        """The step column, made explicit (the history is about to lose its density)."""
        if self._steps is None:
            self._steps = np.empty(self.capacity, dtype=np.int64)
            self._steps[: self._k] = np.arange(self._k)
        return self._steps

    @property
    def pinned(self) -> frozenset[int]:
        return frozenset(self._pinned)

    def stored(self, step: int) -> bool:
        """True when state `step` is stored, False when it is recomputed by replay."""
        return self._index(step) is not None

    def _index(self, step: int) -> int | None:
        if self._steps is None:
            return step if 0 <= step < self._n else None
        i = int(np.searchsorted(self._steps[: self._k], step))
        return i if i < self._k and self._steps[i] == step else None

    # -- views of the stored rows (no copies) ---------------------------------------------
    @property
    def parameters(self) -> Array:
        """Shape (n_parameters, n_stored): row i of this view is one parameter's series
        over the stored states (`steps`; every step while `dense`)."""
        return self._data[: self._k, : self._n_params].T

    @property
    def errors(self) -> Array:
        """The dataset error at each stored state, shape (n_stored,)."""
        return self._data[: self._k, self._n_params]

    def column(self, name: str) -> Array:
        """An extra column (e.g. "test_error") at each stored state: a view."""
        return self._data[: self._k, self._n_params + 1 + self.extra_columns.index(name)]

    @property
    def stored_rows(self) -> Array:
        """The stored rows, shape (n_stored, width): a view."""
        return self._data[: self._k]

    def rows_view(self, n_rows: int) -> Array:
        """The first n_rows states, shape (n_rows, width): parameters, error, extras. A
        view while the history is dense (copy it if it must outlive a change of the
        history); otherwise every state, the missing ones replayed (a new array)."""
        if not 0 <= n_rows <= self._n:
            raise IndexError(f"{n_rows} rows asked, the history has {self._n}")
        if self.dense:
            return self._data[:n_rows]
        return self.rows(0, n_rows)

    def rows(self, start: int, stop: int) -> Array:
        """States start … stop - 1, every one (replayed where not stored): a new array."""
        if not 0 <= start <= stop <= self._n:
            raise IndexError(f"states {start}..{stop - 1} are not all in the history")
        if self.dense:  # (the autosave asks this in the window's thread during a Run)
            dense: Array = self._data[start:stop].copy()
            return dense
        out: Array = np.empty((stop - start, self._n_cols), dtype=np.float64)
        stored = self.steps
        step = start
        while step < stop:
            i = self._index(step)
            if i is not None:
                # the run of consecutive stored rows from here: one search, not a loop
                span = stored[i : min(self._k, i + stop - step)]
                breaks = np.flatnonzero(np.diff(span) != 1)
                j = i + (int(breaks[0]) if breaks.size else len(span) - 1)
                end = min(stop, int(stored[j]) + 1)
                out[step - start : end - start] = self._data[i : i + end - step]
                step = end
                continue
            first, block = self._replayed(step)
            end = min(stop, first + len(block))
            out[step - start : end - start] = block[step - first : end - first]
            step = end
        return out

    def _get(self, step: int) -> Array:
        """The row of `step` (a view of the stored row or of the replayed block)."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        i = self._index(step)
        if i is not None:
            stored: Array = self._data[i]
            return stored
        first, block = self._replayed(step)
        replayed: Array = block[step - first]
        return replayed

    def _replayed(self, step: int) -> tuple[int, Array]:
        cache = self._cache
        if cache is not None and cache[0] <= step < cache[0] + len(cache[1]):
            return cache
        if self.replayer is None:
            raise IndexError(f"step {step} is not stored and nothing can recompute it")
        first, block = self.replayer(self, step)
        if not first <= step < first + len(block):
            raise RuntimeError(f"the replay of step {step} gave steps {first}..")
        self._cache = (first, block)
        return self._cache

    def row(self, step: int) -> Array:
        """Parameters at `step` (a copy), shape (n_parameters,)."""
        return self._get(step)[: self._n_params].copy()

    def error_at(self, step: int) -> float:
        return float(self._get(step)[self._n_params])

    def full_row(self, step: int) -> Array:
        """Everything at `step` (a copy): parameters, error, extras."""
        row: Array = self._get(step).copy()
        return row

    # -- growth ---------------------------------------------------------------------------
    def _reserve(self, n_rows: int) -> None:
        if n_rows <= self.capacity:
            return
        first_block = max(1, MIN_CAPACITY_BYTES // (8 * self._n_cols))
        new_capacity = max(n_rows, int(self.capacity * GROWTH) + 1, min(MIN_CAPACITY, first_block))
        if self.max_rows is not None:  # never more than the budget's rows
            new_capacity = max(n_rows, min(new_capacity, self.max_rows + 1))
        if self.capacity * FRESH_RATIO <= new_capacity:
            # Much larger (a run reserving its rows): a new array, whose pages the system
            # provides as the rows arrive, and a copy of the few rows so far (`resize`
            # would write zeros over all of it first, every page resident at once).
            self._data = self._grown(new_capacity)
        elif sys.getrefcount(self._data) <= 2 and self._data.base is None:
            # No view of it is alive (the attribute and the argument are the two
            # references): numpy's own check would also count the bound method a
            # profiler makes of `resize`, and copy every row under cProfile.
            self._data.resize((new_capacity, self._n_cols), refcheck=False)
        else:  # a view of the array is alive: it must stay valid
            self._data = self._grown(new_capacity)
        self._reserve_steps(new_capacity)

    def _grown(self, capacity: int) -> Array:
        grown = np.empty((capacity, self._n_cols), dtype=np.float64)
        grown[: self._k] = self._data[: self._k]
        return grown

    def _reserve_steps(self, new_capacity: int) -> None:
        if self._steps is not None:
            steps = np.empty(new_capacity, dtype=np.int64)
            steps[: self._k] = self._steps[: self._k]
            self._steps = steps

    def reserve(self, n_rows: int) -> None:
        """Room for n_rows states in all (a run that knows its length grows once, not
        in the ~50 steps of 1.1 from the first block to 200 000 rows); within the
        budget, never more than it allows."""
        if self.max_rows is not None:
            n_rows = min(n_rows, self.max_rows + 1)
        if n_rows > self.capacity:
            self._reserve(n_rows)

    def append(self, parameters: Array, error: float, extras: Sequence[float] | Array = ()) -> None:
        """Add one state."""
        if len(extras) != len(self.extra_columns):
            raise ValueError(f"expected {len(self.extra_columns)} extra values, got {len(extras)}")
        row = np.empty((1, self._n_cols))
        n = self._n_params
        row[0, :n] = parameters
        row[0, n] = error
        row[0, n + 1 :] = extras
        self.extend(row)

    def extend(self, rows: Array | Rows) -> None:
        """Add many states at once: rows of shape (k, width) (parameters, error, extras),
        or states an earlier `rows_after` took off. Past `max_rows`, the history thins."""
        if isinstance(rows, Rows):
            self._extend_rows(rows)
            return
        k = rows.shape[0]
        if k == 0:
            return
        if rows.shape[1] != self._n_cols:
            raise ValueError(f"expected rows of {self._n_cols} values, got {rows.shape[1]}")
        if self.stride == 1 and (self.max_rows is None or self._k + k <= self.max_rows):
            self._reserve(self._k + k)
            self._data[self._k : self._k + k] = rows
            if self._steps is not None:
                self._steps[self._k : self._k + k] = np.arange(self._n, self._n + k)
            self._k += k
            self._n += k
            return
        self._drop_replayable_last()
        steps = np.arange(self._n, self._n + k, dtype=np.int64)
        needed = self._needed(steps)
        while True:
            mask = (steps % self.stride == 0) | needed
            mask[-1] = True
            if self.max_rows is None or self._k + int(mask.sum()) <= self.max_rows:
                break
            if self.stride > self._n + k:  # only rows replay cannot make are left
                break
            self._thin_stored(self.stride * 2)
        self._put(steps[mask], rows[mask] if not mask.all() else rows)
        self._n += k

    def _drop_replayable_last(self) -> None:
        """The last stored row may be kept only because its state was the last one (each
        chunk of rows a Run adopts ends there). Once more rows follow, it goes, unless the
        stride or replay needs it: otherwise every chunk's end stayed, they filled the
        budget, each time the stride doubled, until it passed the number of states, and
        from then on the history grew past its budget without bound (2.4 MB/s on
        10-100-100-10 after 4M steps). A plot's summary of the stored rows may keep the
        dropped row's values, a state of the run all the same."""
        if self._k == 0 or self._steps is None:  # dense: every state is on the stride 1
            return
        step = int(self._steps[self._k - 1])
        if step % self.stride == 0 or self._needed(np.array([step], dtype=np.int64))[0]:
            return
        self._k -= 1

    def _extend_rows(self, tail: Rows) -> None:
        if tail.rows.shape[1:] != (self._n_cols,):
            raise ValueError(f"expected rows of {self._n_cols} values")
        if len(tail.steps) and tail.steps[0] < self._n:
            raise ValueError("those rows do not follow this history's last state")
        self._pinned.update(tail.pinned)
        if tail.dense:  # rows that follow on: as any others
            self.extend(tail.rows)
            return
        self._put(tail.steps, tail.rows)
        self._n += tail.count
        if self.max_rows is not None and self._k > self.max_rows:
            self.thin()

    def _put(self, steps: Steps, rows: Array) -> None:
        m = len(steps)
        self._reserve(self._k + m)
        self._data[self._k : self._k + m] = rows
        self._explicit_steps()[self._k : self._k + m] = steps
        self._k += m

    # -- thinning -------------------------------------------------------------------------
    def limit(self, max_rows: int | None) -> None:
        """Store at most `max_rows` rows from now on (None: no bound); an allocation
        larger than that (the first block) shrinks to it."""
        self.max_rows = max_rows
        if max_rows is not None and self.capacity > max_rows + 1 and self._k <= max_rows:
            size = max_rows + 1
            self._data = self._data[:size].copy()
            if self._steps is not None:
                self._steps = self._steps[:size].copy()

    def pin(self, step: int) -> None:
        """State `step` (stored) stays stored: replay cannot reproduce it."""
        if step < self._n:
            self._pinned.add(step)

    def pin_all(self) -> None:
        """Every state so far stays stored (the rows of a reopened session)."""
        self.pinned_below = self._n

    def thin(self) -> None:
        """Within `max_rows` again: drop the rows replay can make, doubling the stride
        until the kept ones take at most three quarters of it."""
        if self.max_rows is None:
            return
        self._thin_stored(self.stride)
        while self._k > self.max_rows * 3 // 4 and self.stride < max(self._n, 1):
            before = self._k
            self._thin_stored(self.stride * 2)
            if self._k == before and self._k <= self.max_rows:
                break  # only rows replay cannot make are left

    def _needed(self, steps: Steps) -> NDArray[np.bool_]:
        """Which of `steps` replay cannot make, or the owner protects."""
        keep = set(self._pinned)
        if self.protected is not None:
            keep.update(self.protected())
        mask: NDArray[np.bool_] = steps < self.pinned_below
        if keep:
            mask |= np.isin(steps, np.fromiter(keep, dtype=np.int64, count=len(keep)))
        return mask

    def _keep_mask(self, stride: int) -> NDArray[np.bool_]:
        if self._steps is None:  # dense: the index is the step (no range of k steps made)
            mask = np.zeros(self._k, dtype=bool)
            mask[::stride] = True
            mask[: min(self.pinned_below, self._k)] = True
            keep = set(self._pinned)
            if self.protected is not None:
                keep.update(self.protected())
            mask[[s for s in keep if 0 <= s < self._k]] = True
        else:
            steps = self.steps
            mask = (steps % stride == 0) | self._needed(steps)
        if self._k:
            mask[self._k - 1] = True  # the last stored row (the last state)
        kept: NDArray[np.bool_] = mask
        return kept

    def _thin_stored(self, stride: int) -> None:
        self.stride = stride
        kept = np.flatnonzero(self._keep_mask(stride))
        if len(kept) == self._k:
            return
        # In place, a block at a time (sources never come before their destinations):
        # no second copy of the rows while memory is short.
        if self._steps is None:  # dense: the kept indices are the kept steps
            n_kept = len(kept)
            dense_steps = np.empty(self.capacity, dtype=np.int64)
            dense_steps[:n_kept] = kept
            del kept
            per = block_rows(self._n_cols)
            for at in range(0, n_kept, per):
                block = dense_steps[at : min(at + per, n_kept)]
                self._data[at : at + len(block)] = self._data[block]
            self._steps = dense_steps
            self._k = n_kept
            self.revision += 1
            return
        steps = self._explicit_steps()
        per = block_rows(self._n_cols)
        for at in range(0, len(kept), per):
            block = kept[at : at + per]
            self._data[at : at + len(block)] = self._data[block]
            steps[at : at + len(block)] = steps[block]
        self._k = len(kept)
        self.revision += 1

    # -- changes --------------------------------------------------------------------------
    def truncate(self, n_rows: int) -> None:
        """Keep the first n_rows states (step back, or Step from an earlier point); the
        new last state is stored (replayed first if it was not)."""
        if not 0 <= n_rows <= self._n:
            raise ValueError(f"cannot truncate {self._n} rows to {n_rows}")
        if n_rows == self._n:
            return
        last = self.full_row(n_rows - 1) if n_rows and not self.stored(n_rows - 1) else None
        self._k = int(np.searchsorted(self.steps, n_rows)) if self._steps is not None else n_rows
        self._n = n_rows
        if last is not None:
            self._put(np.array([n_rows - 1], dtype=np.int64), last[None, :])
        self._pinned = {step for step in self._pinned if step < n_rows}
        self.pinned_below = min(self.pinned_below, n_rows)
        self._cache = None
        self.revision += 1

    def clear(self) -> None:
        self._n = self._k = 0
        self._pinned.clear()
        self.pinned_below = 0
        self.stride = 1
        self._cache = None
        self.revision += 1

    def set_row(
        self, step: int, parameters: Array, error: float, extras: Sequence[float] | Array = ()
    ) -> None:
        """Overwrite one existing state (a parameter edit replaces the current state); it
        is pinned: replay would not make it."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        if len(extras) != len(self.extra_columns):
            raise ValueError(f"expected {len(self.extra_columns)} extra values, got {len(extras)}")
        i = self._index(step)
        if i is None:  # make room for it among the stored rows
            i = int(np.searchsorted(self.steps, step))
            self._reserve(self._k + 1)
            steps = self._explicit_steps()
            self._data[i + 1 : self._k + 1] = self._data[i : self._k].copy()
            steps[i + 1 : self._k + 1] = steps[i : self._k].copy()
            steps[i] = step
            self._k += 1
        n = self._n_params
        self._data[i, :n] = parameters
        self._data[i, n] = error
        self._data[i, n + 1 :] = extras
        if step > 0:
            self._pinned.add(step)
        self._cache = None
        self.revision += 1

    def rows_after(self, step: int) -> Rows:
        """A copy of the states after `step`, for `extend`."""
        stored = self.steps
        i = int(np.searchsorted(stored, step, side="right"))
        pinned = [s for s in self._pinned if s > step]
        if self.pinned_below > step + 1:  # those rows are stored: pin them one by one
            pinned.extend(range(step + 1, self.pinned_below))
        return Rows(
            stored[i:].copy(),
            self._data[i : self._k].copy(),
            pinned,
            self._n - step - 1,
        )

    def copy_prefix(self, n_rows: int, max_rows: int | None = None) -> History:
        """A new History holding copies of the first n_rows states (as they are stored;
        the copy replays the others with this history's replayer). `max_rows`: a thinned
        history's copy keeps at most about that many of its rows, those replay needs and
        every stride-th for a larger stride (an export's copy, which a Run must not
        change, then costs a fraction of the budget instead of the history's share)."""
        stride = self.stride
        if self.dense:
            capacity = first_capacity(self._n_cols, n_rows)
            prefix = History(self.parameter_names, capacity, self.extra_columns)
            prefix.extend(self._data[:n_rows])
        else:
            stored = self.steps
            k = int(np.searchsorted(stored, n_rows))
            kept, stride = self._kept_for_copy(stored[:k], max_rows)
            # Room for those rows and the last state's: one copy of each row, no more.
            prefix = History(self.parameter_names, len(kept) + 1, self.extra_columns)
            per = block_rows(self._n_cols)
            for at in range(0, len(kept), per):
                block = kept[at : at + per]
                prefix._put(stored[block], self._data[block])
            prefix._n = n_rows
            if n_rows and prefix.steps[prefix._k - 1] != n_rows - 1:
                prefix._put(np.array([n_rows - 1]), self.full_row(n_rows - 1)[None, :])
        prefix._pinned = {s for s in self._pinned if s < n_rows}
        prefix.pinned_below = min(self.pinned_below, n_rows)
        prefix.stride = stride
        prefix.max_rows = self.max_rows
        prefix.replayer = self.replayer
        prefix.onward = self.onward
        prefix.cache_rows = self.cache_rows
        return prefix

    def _kept_for_copy(self, steps: Steps, max_rows: int | None) -> tuple[NDArray[np.intp], int]:
        """Which of the stored `steps` a copy of at most `max_rows` rows keeps (all of
        them when it fits), and the stride it has then."""
        stride = self.stride
        mask = np.ones(len(steps), dtype=bool)
        if max_rows is not None and len(steps) > max_rows:
            needed = self._needed(steps)
            while int(mask.sum()) > max_rows and stride <= max(self._n, 1):
                stride *= 2
                mask = (steps % stride == 0) | needed
        return np.flatnonzero(mask), stride

    @classmethod
    def from_stored(
        cls,
        parameter_names: Sequence[str],
        extra_columns: Sequence[str],
        steps: Steps,
        rows: Array,
        n_states: int,
        pinned: Iterable[int] = (),
        pinned_below: int = 0,
        stride: int = 1,
    ) -> History:
        """A thinned history from its stored rows (a session or an autosave that kept
        only those): `steps` increasing from 0, the last n_states - 1. The states between
        them are replayed by the Trainer it is given to; `pinned` (and every state below
        `pinned_below`) replay cannot make."""
        history = cls(parameter_names, max(1, len(steps)), extra_columns)
        if len(steps) == n_states:  # every state: as dense as any other
            history.extend(np.asarray(rows, dtype=np.float64))
        else:
            history._put(np.asarray(steps, dtype=np.int64), np.asarray(rows, dtype=np.float64))
            history._n = n_states
        history._pinned = {int(s) for s in pinned if 0 < s < n_states}
        history.pinned_below = min(int(pinned_below), n_states)
        history.stride = max(1, int(stride))
        return history

    def table(self) -> Array:
        """The whole table (step, parameters, error, extras) as a new array."""
        steps = np.arange(self._n, dtype=np.float64)
        return np.column_stack([steps, self.rows_view(self._n)])

    def blocks(self, size: int | None = None) -> Iterator[tuple[int, Array]]:
        """(first step, rows) for every state, `size` at a time (default: `block_rows`),
        replayed where not stored: how an export writes a thinned history without
        holding it whole."""
        size = block_rows(self._n_cols) if size is None else size
        if self.dense or self.onward is None:
            for start in range(0, self._n, size):
                stop = min(start + size, self._n)
                yield start, self._data[start:stop] if self.dense else self.rows(start, stop)
            return
        # The states below `pinned_below` are all stored; from there, one replay.
        below = max(1, min(self.pinned_below, self._n))
        for start in range(0, below, size):
            yield start, self._data[start : min(start + size, below)]
        for first, rows in self.onward(self, below):
            self._stored_over(first, rows)
            for at in range(0, len(rows), size):
                yield first + at, rows[at : at + size]

    def _stored_over(self, first: int, rows: Array) -> None:
        """The stored rows among states first … first + len(rows) - 1 written over
        their replay: an edit's row is the stored one (replay gives the state before it)."""
        steps = self.steps
        lo = int(np.searchsorted(steps, first))
        hi = int(np.searchsorted(steps, first + len(rows)))
        if hi > lo:
            rows[steps[lo:hi] - first] = self._data[lo:hi]

    # -- export (docs/file-formats.md, "History") ----------------------------------------
    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as CSV atomically; floats as repr (exact round trip)."""
        write_atomically(path, self._csv_chunks())

    def _csv_chunks(self) -> Iterator[str]:
        return blocks_csv_chunks(self.columns, self.blocks())

    def to_json_dict(self) -> dict[str, object]:
        """{"columns": [...], "rows": [[...], ...]}, as the history export and the session
        file use."""
        rows = [[step, *values] for step, values in enumerate(self.rows_view(self._n).tolist())]
        return {"columns": self.columns, "rows": rows}

    def to_json(self, path: str | os.PathLike[str]) -> None:
        write_atomically(path, blocks_json_chunks(self.columns, self.blocks()))

    def export(
        self,
        path: str | os.PathLike[str],
        progress: Progress | None = None,
        keep: Iterable[str | os.PathLike[str] | None] = (),
        streams: bool = False,
    ) -> None:
        """CSV, or JSON when the path ends in .json (see `export_table`); a thinned
        history replays the states it does not store, a block at a time."""
        if self.dense:
            export_table(path, self.columns, self._data[: self._n], progress, keep, streams)
            return
        if progress is not None:
            progress.start(self._n)
        make = blocks_json_chunks if str(path).lower().endswith(".json") else blocks_csv_chunks
        chunks = make(self.columns, self.blocks(), progress)
        write_atomically(path, chunks, keep=keep, streams=streams)

    @classmethod
    def from_table(cls, columns: Sequence[str], rows: Sequence[Sequence[float]] | Array) -> History:
        """Rebuild a History from the table's columns and rows (validated by the caller):
        step, the parameters, error, then any extra columns."""
        columns = list(columns)
        at = columns.index("error")
        # Room for the rows, or the first block a new history has (never 1,024 rows of
        # a million parameters: 7.6 GiB before a step is trained).
        history = cls(columns[1:at], first_capacity(len(columns) - 1, len(rows)), columns[at + 1 :])
        if len(rows):
            history.extend(np.asarray(rows, dtype=np.float64)[:, 1:])
        return history


def blocks_csv_chunks(
    columns: Sequence[str], blocks: Iterable[tuple[int, Array]], progress: Progress | None = None
) -> Iterator[str]:
    """`csv_chunks` over (first step, rows) blocks."""
    yield ",".join(columns) + "\n"
    for first, rows in blocks:
        chunks = csv_chunks(columns, rows, progress, first)
        next(chunks)  # the header, once
        yield from chunks


def blocks_json_chunks(
    columns: Sequence[str], blocks: Iterable[tuple[int, Array]], progress: Progress | None = None
) -> Iterator[str]:
    """`json_chunks` over (first step, rows) blocks."""
    yield '{"columns": ' + json.dumps(list(columns)) + ', "rows": ['
    for first, rows in blocks:
        parts = list(json_chunks(columns, rows, progress, first))[1:-1]
        yield (", " if first else "") + "".join(parts)
    yield "]}"


def csv_chunks(
    columns: Sequence[str], rows: Array, progress: Progress | None = None, first: int = 0
) -> Iterator[str]:
    """The history CSV for `rows` (no step column; the step is `first` + the row index)."""
    yield ",".join(columns) + "\n"
    # One %-format per row, driven by map and zip in C: the floats' repr (%r) is then
    # most of the cost. A Python expression per row (f-string, join of map(repr)) took
    # ~25% longer, and made the export slower than numpy.savetxt.
    row_format = "%d" + ",%r" * rows.shape[1] + "\n"
    per = block_rows(rows.shape[1])
    for start in range(0, rows.shape[0], per):
        stop = min(start + per, rows.shape[0])
        columns_of_block = rows[start:stop].T.tolist()
        block = zip(range(first + start, first + stop), *columns_of_block, strict=True)
        yield "".join(map(row_format.__mod__, block))
        if progress is not None:
            progress.advance(stop - start)


def json_chunks(
    columns: Sequence[str], rows: Array, progress: Progress | None = None, first: int = 0
) -> Iterator[str]:
    """The history JSON {"columns", "rows"} for `rows`, exactly as json.dumps writes it,
    block by block (a list of every row of a long history would take gigabytes).
    ValueError, before anything is yielded, if a number is not finite (JSON has none)."""
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    if bad.size:
        raise ValueError(
            f"Out of range float values are not JSON compliant (row {first + int(bad[0])}): "
            "export the history as CSV"
        )
    yield '{"columns": ' + json.dumps(list(columns)) + ', "rows": ['
    row_format = "[%d" + ", %r" * rows.shape[1] + "]"
    per = block_rows(rows.shape[1])
    for start in range(0, rows.shape[0], per):
        stop = min(start + per, rows.shape[0])
        block = zip(range(first + start, first + stop), *rows[start:stop].T.tolist(), strict=True)
        yield (", " if start else "") + ", ".join(map(row_format.__mod__, block))
        if progress is not None:
            progress.advance(stop - start)
    yield "]}"


def export_table(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Array,
    progress: Progress | None = None,
    keep: Iterable[str | os.PathLike[str] | None] = (),
    streams: bool = False,
) -> None:
    """Write `rows` (no step column) as CSV, or JSON when the path ends in .json,
    atomically (model/files.py): never over a file in `keep` (the session being read),
    a folder, a FIFO or a device (`streams`: into a FIFO or a terminal instead).
    `progress` counts rows and can cancel (WriteCancelledError; nothing is written)."""
    if progress is not None:
        progress.start(rows.shape[0])
    make = json_chunks if str(path).lower().endswith(".json") else csv_chunks
    write_atomically(path, make(columns, rows, progress), keep=keep, streams=streams)


def read_csv(path: str | os.PathLike[str]) -> tuple[list[str], Array]:
    """Read a history CSV back: its header and its numbers, shape (n_rows, n_columns)."""
    with (
        open_regular(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as handle,
        warnings.catch_warnings(),
    ):
        # a history without rows is a header alone, which loadtxt would warn about
        warnings.filterwarnings("ignore", "loadtxt: input contained no data", UserWarning)
        header = handle.readline().rstrip("\n").split(",")
        values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    return header, values.reshape(-1, len(header))


def write_atomically(
    path: str | os.PathLike[str],
    chunks: Iterable[str],
    keep: Iterable[str | os.PathLike[str] | None] = (),
    streams: bool = False,
) -> None:
    """Write text to a temporary file beside `path`, then rename it over `path`
    (model/files.py, `write_atomically`: the checks of the target, `keep`, `streams`).

    A failure at any point (missing folder, no permission, disk full, an interruption)
    raises and leaves any existing file at `path` untouched, with no partial file beside it.
    """
    encoded = (chunk.encode("utf-8") for chunk in chunks)
    files.write_atomically(path, files.write_chunks(encoded), keep=keep, streams=streams)


def write_bytes_atomically(
    path: str | os.PathLike[str],
    payload: bytes | memoryview,
    keep: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """`write_atomically` for binary content (PNG images, raw rows)."""
    files.write_atomically(path, files.write_chunks((payload,)), keep=keep)
