"""How much of a large network or batch the document writes out in full."""

from __future__ import annotations

FULL_PARAMETERS = 12  # chain rule / sensitivity written out for this many parameters
FULL_NEURONS = 8  # forward sums written out per layer; the rest go in a table
FULL_TERMS = 8  # products shown in one sum (more: the first few, …, the last)
FULL_SAMPLES = 8  # per-sample lines of a batch delta rule
TABLE_ROWS = 20  # rows of the batch table of other samples
TABLE_PARAMETERS = 40  # rows of the new-parameters table: those that changed most
