"""Speed of refusing hostile session files, as ratios against references measured in this run.

    python benchmarks/bench_session.py [--quick]

a. Hostile strings: files of 2 to 4 MB built so that a naive bracket count would be
   wrong and a backtracking regular expression would take quadratic time. Each is given
   to `load_session`, which refuses it; the time per MB is compared with loading a valid
   lecture session of about the same size (a long history). A ratio near 1× means the
   check is linear; the unit tests used to require each under 1.5 s.
b. A file larger than MAX_FILE_BYTES (sparse: nothing is written) is refused from its
   size, before reading; compared with reading its bytes (what refusing first avoids).
   The unit tests used to require it under 0.5 s.

Each figure is the median of several runs. Nothing here asserts: tests/test_session.py
checks what these files are refused with, this script how long that takes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.session import (  # noqa: E402
    MAX_FILE_BYTES,
    SessionError,
    lecture_session,
    load_session,
    save_session,
)

HOSTILE: list[tuple[str, bytes]] = [
    ("deep, then an escaped-quote run", b"[" * 100 + b'"' + b'\\"' * 1_000_000),
    ("the same, ending in a backslash", b"[" * 100 + b'"' + b'\\"' * 1_000_000 + b"\\"),
    ('"\\"[ repeated', b'"\\"[' * 1_000_000),
    ('"[" repeated', b'"["' * 1_000_000),
]
LECTURE_STEPS = 40_000  # a saved lecture history of about 3 MB
MB = 2**20

# (figure, value, unit, ratio to the reference, the former unit-test limit)
Row = tuple[str, float, str, str, str]


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refuse(path: Path) -> None:
    try:
        load_session(path)
    except SessionError:
        return
    raise SystemExit(f"{path.name} was accepted; it should have been refused")


def hostile_section(folder: Path, repeats: int) -> list[Row]:
    valid = folder / "valid.json"
    trainer = lecture_session().to_trainer()
    trainer.run(LECTURE_STEPS)
    save_session(trainer, valid)
    valid_size = valid.stat().st_size
    reference = median_seconds(lambda: load_session(valid), repeats) / (valid_size / MB)
    rows: list[Row] = [
        (f"valid session, {valid_size / MB:.1f} MB (reference)", reference * 1e3, "ms/MB", "", "")
    ]
    for i, (label, content) in enumerate(HOSTILE):
        path = folder / f"hostile-{i}.json"
        path.write_bytes(content)
        seconds = median_seconds(lambda path=path: refuse(path), repeats)
        per_mb = seconds / (len(content) / MB)
        figure = f"{label}, {len(content) / MB:.1f} MB"
        ratio = f"{per_mb / reference:.2f}×"
        rows.append((figure, per_mb * 1e3, "ms/MB", ratio, f"{seconds * 1e3:.0f} ms (was < 1500)"))
    return rows


def huge_file_section(folder: Path, repeats: int) -> list[Row]:
    path = folder / "huge.json"
    with open(path, "wb") as handle:  # sparse: no 20 MB written
        handle.truncate(MAX_FILE_BYTES + 1)
    reference = median_seconds(path.read_bytes, repeats)
    refused = median_seconds(lambda: refuse(path), repeats)
    size = f"{(MAX_FILE_BYTES + 1) / MB:.1f} MB"
    return [
        (f"reading its {size} (reference)", reference * 1e3, "ms", "", ""),
        (
            "refusing it from its size",
            refused * 1e3,
            "ms",
            f"{refused / reference:.4f}×",
            "was < 500 ms",
        ),
    ]


SECTIONS: list[tuple[str, Callable[[Path, int], list[Row]]]] = [
    ("a. hostile strings, refused, per MB", hostile_section),
    ("b. a file over MAX_FILE_BYTES", huge_file_section),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; median of {repeats}")
    header = f"{'figure':<48}{'value':>12}        {'ratio':>9}  total (former test limit)"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as name:
        for title, section in SECTIONS:
            print(f"[{title}]")
            for figure, value, unit, ratio, target in section(Path(name), repeats):
                print(f"{figure:<48}{value:>12,.2f} {unit:<6} {ratio:>9}  {target}")


if __name__ == "__main__":
    main()
