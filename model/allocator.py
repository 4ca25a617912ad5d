"""The C allocator's settings for a process that keeps within a memory budget.

glibc's malloc, left to itself, does two things a budget (model/budget.py) cannot see:
- every thread that allocates gets its own arena, which reserves 64 MB of address space
  (the window has a few: Qt's, the autosave's); under an address-space limit
  (`prlimit --as`) three of them took 190 MB of a 640 MB margin, unused;
- a block larger than the mmap threshold is mapped on its own and unmapped when freed,
  but the threshold rises to the size of each such block freed (up to 32 MB), so that
  the rows the Run worker hands over each frame (megabytes) came from the heap, which
  fragments and keeps what it once held (180 MB after a minute of 10-100-100-10).

`tune()` caps the arenas and fixes the threshold at 1 MB, so large arrays go back to the
system as soon as they are freed. Elsewhere (not glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20  # blocks from this size are mapped on their own
ARENA_MAX = 2

_done: list[bool] = []


def tune() -> bool:
    """Apply the settings above once per process (before threads start, ideally); True
    if the allocator took them."""
    if _done:
        return _done[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):
            pass
        else:
            mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            mallopt.restype = ctypes.c_int
            ok = bool(mallopt(M_ARENA_MAX, ARENA_MAX)) and bool(
                mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            )
    _done.append(ok)
    return ok
