"""One colour per compared run, the same in the runs table, the error plot and the error
surface. Run 1 keeps the error curve's own colour; the others are Okabe–Ito colours
(readable by colour-blind students) in the order that keeps thin lines apart: blue and
green look alike at one pixel, so green comes last."""

from __future__ import annotations

RUN_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#009E73")


def run_colour(index: int) -> str:
    """The colour of run `index` + 1 (index 0 is run 1)."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]
