"""The memory budget: how many bytes a session may hold, and how they are shared.

Everything a session holds grows with the steps trained: the history (one float64 row per
state, model/history.py), the undo stack (rows that Back or a Reset took away, kept for
undo) and the autosave on disk. A budget caps all three. Past its share, the history keeps
exact checkpoints only — every `stride`-th state, plus the states that replay cannot
reproduce (an edit, a change of settings, the start of a reopened session) — and
recomputes any state in between by replaying the deterministic training from the nearest
checkpoint before it (`Trainer.replay_rows`, model/state.py). A replayed row equals, bit
for bit, the row the run recorded.

The default is a quarter of the physical memory; `--memory-budget SIZE` on the command
line and Preferences → Memory budget in the window change it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DEFAULT_FRACTION = 4  # the default budget: physical memory // DEFAULT_FRACTION
FALLBACK_BYTES = 2 << 30  # where the physical memory is unknown
MIN_BYTES = 16 << 20  # a budget below this is refused (the window alone needs more)
MIN_STATES = 8  # a network is refused when fewer states than this fit in the history's share
HISTORY_SHARE = 0.6  # of the budget: the history (rows, the optimizer's checkpoints)
UNDO_SHARE = 0.2  # the rows the undo stack holds
AUTOSAVE_SHARE = 0.2  # the autosave file on disk
CACHE_SHARE = 0.05  # of the history's share: the block of replayed rows kept for Back
MIN_CACHE_ROWS = 16  # the replayed block holds at least this many rows

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


class BudgetError(ValueError):
    """A request that cannot fit the memory budget (refused before anything changes)."""


def physical_memory() -> int | None:
    """Bytes of physical memory, where the system says (Linux, macOS)."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    if pages <= 0 or size <= 0:
        return None
    return int(pages) * int(size)


def default_budget_bytes() -> int:
    """A quarter of the physical memory (2 GiB where it is unknown)."""
    total = physical_memory()
    return max(MIN_BYTES, total // DEFAULT_FRACTION) if total else FALLBACK_BYTES


def parse_size(text: str) -> int:
    """Bytes from "512M", "2G", "1.5GB", "300MiB" or a plain number of bytes (powers of
    1024). ValueError, naming the text, for anything else or below the minimum."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(
            f"memory budget {text!r}: expected a size such as 512M or 2G (K, M, G, T: "
            "powers of 1024)"
        )
    value = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if value < MIN_BYTES:
        raise ValueError(f"memory budget {text!r}: at least {format_size(MIN_BYTES)}")
    return value


def format_size(n_bytes: float) -> str:
    """A size as the window and the messages show it: "120 MB", "2.0 GB" (powers of 1024)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(n_bytes)} bytes"


@dataclass(frozen=True)
class MemoryBudget:
    """A budget of `total` bytes, shared between the history, the undo stack and the
    autosave on disk."""

    total: int

    @classmethod
    def default(cls) -> MemoryBudget:
        return cls(default_budget_bytes())

    @classmethod
    def parse(cls, text: str) -> MemoryBudget:
        return cls(parse_size(text))

    @property
    def history_bytes(self) -> int:
        return int(self.total * HISTORY_SHARE)

    @property
    def undo_bytes(self) -> int:
        return int(self.total * UNDO_SHARE)

    @property
    def autosave_bytes(self) -> int:
        return int(self.total * AUTOSAVE_SHARE)

    def state_bytes(self, n_parameters: int, width: int, optimizer_slots: int = 0) -> int:
        """Bytes one kept state costs: its row (`width` floats and its step number) and,
        for an optimizer with a state, that state (`optimizer_slots` vectors of the
        parameters) where the state is kept as a checkpoint."""
        return 8 * (width + 1) + 8 * optimizer_slots * n_parameters

    def history_rows(self, n_parameters: int, width: int, optimizer_slots: int = 0) -> int:
        """How many states the history may keep within its share (the replay cache
        and the optimizer's checkpoints counted)."""
        per_state = self.state_bytes(n_parameters, width, optimizer_slots)
        return int(self.history_bytes * (1 - CACHE_SHARE)) // per_state

    def cache_rows(self, width: int) -> int:
        """Rows of one replayed block kept so that stepping back is cheap."""
        return max(MIN_CACHE_ROWS, int(self.history_bytes * CACHE_SHARE) // (8 * width))

    def check_network(self, n_parameters: int, width: int, optimizer_slots: int = 2) -> None:
        """BudgetError when fewer than MIN_STATES states of a network that size (with
        the largest optimizer state, Adam's two vectors) fit in the history's share."""
        fits = self.history_rows(n_parameters, width, optimizer_slots)
        if fits < MIN_STATES:
            need = MIN_STATES * self.state_bytes(n_parameters, width, optimizer_slots)
            need_total = int(need / (HISTORY_SHARE * (1 - CACHE_SHARE))) + 1
            raise BudgetError(
                f"a network of {n_parameters:,} parameters needs a memory budget of at "
                f"least {format_size(need_total)} to hold {MIN_STATES} states "
                f"(the budget is {format_size(self.total)}): choose a smaller network "
                "or a larger budget (--memory-budget)"
            )

    def describe(self, held: int) -> str:
        """ "history 120 MB of 2.0 GB" for the status bar."""
        return f"history {format_size(held)} of {format_size(self.total)}"


_chosen: MemoryBudget | None = None


def choose(budget: MemoryBudget | None) -> None:
    """The budget the command line chose (`--memory-budget`): it wins over the default
    and over the window's saved preference for this process. None: no choice."""
    global _chosen  # noqa: PLW0603  (one choice per process, made by main.py)
    _chosen = budget


def chosen() -> MemoryBudget | None:
    """The command line's budget, if it named one."""
    return _chosen


def session_budget() -> MemoryBudget:
    """The budget a session without a window works within: the command line's, or the
    default."""
    return _chosen if _chosen is not None else MemoryBudget.default()
