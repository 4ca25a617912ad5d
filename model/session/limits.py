"""What a session file is and how large it may be: its format tag and version, the known
`init` methods, the size limits, and `check_size` for networks built elsewhere.

The readers and the writer look the limits up here when they run (``limits.MAX_...``), so
setting one on this module changes what all of them accept and write.
"""

from __future__ import annotations

from itertools import pairwise

FORMAT = "backprop-lab/session"
VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NESTING = 64  # a session needs 5; json would recurse once per level
MAX_LAYERS = 20  # entries of network.layers, the input layer included
MAX_LAYER_SIZE = 1000
MAX_PARAMETERS = 1_000_000
INIT_METHODS: tuple[str, ...] = ("uniform", "xavier", "he")

# The .bplab container (docs/file-formats.md, "Large sessions: .bplab"): a zip archive of a
# session.json whose arrays are .npy members. Its sizes are uncompressed sizes.
ARCHIVE_SUFFIX = ".bplab"
ARCHIVE_SESSION = "session.json"
MAX_ARCHIVE_BYTES = 16 * 1024**3  # all members together
MAX_ARCHIVE_MEMBERS = 64  # a session needs at most 2 + 2 × 19 layers + 3
MAX_COMPRESSION_RATIO = 100  # a compressed member's size beyond its first MAX_FILE_BYTES
MAX_NPY_HEADER_BYTES = 10_000


def check_size(layers: list[int]) -> None:
    """ValueError if a network of these layer sizes is larger than a session may hold
    (what the window builds must open again)."""
    if not 2 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"a network has 2 to {MAX_LAYERS} layers, not {len(layers)}")
    if max(layers) > MAX_LAYER_SIZE:
        raise ValueError(
            f"a layer has at most {MAX_LAYER_SIZE} neurons (or inputs), not {max(layers)}"
        )
    n_parameters = sum(a * b + b for a, b in pairwise(layers))
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(f"{n_parameters:,} parameters, more than {MAX_PARAMETERS:,}")
