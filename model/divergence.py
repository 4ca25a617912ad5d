"""Where a diverging run went wrong: the last state still worth going back to.

After a divergence the trainer keeps the last *finite* state, but that one is usually
already absurd (parameters near 1e151, an error near 1e302): halving η there, the next
step diverges again. The state to go back to is the one before the error started to
explode:

1. the last *sane* state: its error E is at most ERROR_GROWTH (10) times the lowest error
   of the states up to it, and every parameter is within ±PARAMETER_LIMIT, which is
   PARAMETER_GROWTH (1000) times the largest |parameter| of state 0 (at least 1);
2. and, if the error was already climbing into it, the state where that climb began:
   the earliest state from which E only rose up to the sane one.

State 0 always qualifies. Pure numpy, on the history's arrays; a long history is read
from the end back, a block at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ERROR_GROWTH = 10.0
PARAMETER_GROWTH = 1000.0
CHUNK = 4096  # states checked at a time, from the end back


@dataclass(frozen=True)
class SaneState:
    """The state to go back to after a divergence, and the bounds it was judged by."""

    step: int
    error: float  # E at `step`
    lowest_error: float  # the lowest E of the states up to `step`
    parameter_limit: float  # sane parameters are within ±this


def parameter_limit(first: Array) -> float:
    """±this bounds a sane parameter, from the parameters of state 0."""
    largest = float(np.max(np.abs(first), initial=0.0))
    return PARAMETER_GROWTH * max(1.0, largest if np.isfinite(largest) else 1.0)


def _last_where(end: int, test: Callable[[int, int], BoolArray]) -> int | None:
    """The last index i < end for which test(start, stop)[i - start] holds, or None."""
    while end > 0:
        start = max(0, end - CHUNK)
        found = np.flatnonzero(test(start, end))
        if len(found):
            return start + int(found[-1])
        end = start
    return None


def last_sane_state(errors: Array, parameters: Array) -> SaneState:
    """The state before the error started to explode (see the module's docstring).
    `errors`: one E per state, shape (n,); `parameters`: one row per state, shape
    (n, n_parameters)."""
    n = len(errors)
    if n == 0 or parameters.shape[0] != n:
        raise ValueError("one error and one row of parameters per state, at least one")
    limit = parameter_limit(parameters[0])
    with np.errstate(invalid="ignore", over="ignore"):
        lowest = np.fmin.accumulate(errors)  # the lowest E up to each state (NaN skipped)

        def sane(start: int, stop: int) -> BoolArray:
            e = errors[start:stop]
            ok: BoolArray = np.isfinite(e) & (e <= ERROR_GROWTH * lowest[start:stop])
            bounded: BoolArray = np.all(np.abs(parameters[start:stop]) <= limit, axis=1)
            return ok & bounded

        last = _last_where(n, sane)
        if last is None:
            return SaneState(0, float(errors[0]), float(errors[0]), limit)

        def no_rise(start: int, stop: int) -> BoolArray:
            # state i (≥ 1) did not rise from i − 1; state 0 starts every climb
            previous = errors[max(start - 1, 0) : stop - 1]
            rose = errors[max(start, 1) : stop] > previous
            return np.concatenate([[True] * (start == 0), ~rose])

        step = _last_where(last + 1, no_rise) or 0
    return SaneState(step, float(errors[step]), float(lowest[step]), limit)
