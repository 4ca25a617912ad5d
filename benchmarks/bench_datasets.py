"""Speed of refusing a too-large samples file, as ratios against references measured in
this run.

    python benchmarks/bench_datasets.py [--repeats N]

`model.datasets.read_samples_csv` on a sparse file one byte over MAX_IMPORT_BYTES (20 MB,
taking no disk space) must refuse it from its size alone, before reading it: what
tests/test_datasets.py's test_too_large_is_refused_before_reading checks (it used to
assert "under 0.1 s" as well; the memory bound and the message are still checked there).
References, in the same process:
- importing a 2-row file: the least any import costs (the refusal should cost about as
  much, or less: a ratio near or under 1×);
- importing a 1 MB file of 3-column rows, scaled to 20 MB: what reading the whole file
  before refusing it would cost (the refusal should be thousands of times cheaper).

Figures: the median of N runs (default 9, at least 5) and their spread (lowest and
highest, and highest − lowest over the median); a run of the small operations makes
BATCH calls and reports the time per call. Ratios are what to compare between machines.
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

from model.datasets import MAX_IMPORT_BYTES, DataImportError, read_samples_csv  # noqa: E402

BATCH = 200  # calls per timed run of a sub-millisecond operation
OLD_LIMIT_S = 0.1  # the bound tests/test_datasets.py used to assert
WIDTH = 46


def timings(run: Callable[[], object], repeats: int, batch: int = 1) -> list[float]:
    """Seconds per call: `repeats` runs of `batch` calls each, after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            run()
        times.append((time.perf_counter() - start) / batch)
    return times


def refuse(path: Path) -> None:
    try:
        read_samples_csv(path)
    except DataImportError as error:
        if "larger than a samples file can be" not in str(error):
            raise
        return
    raise SystemExit(f"{path.name} was not refused")


def line(figure: str, times: list[float], scale: float = 1.0) -> str:
    values = [t * scale * 1e6 for t in times]
    median = statistics.median(values)
    low, high = min(values), max(values)
    return (
        f"{figure:<{WIDTH}}{median:>12,.1f}  {low:>11,.1f} – {high:<11,.1f}"
        f"{(high - low) / median:>7.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs per figure (at least 5)")
    args = parser.parse_args()
    repeats = max(5, args.repeats)

    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as folder:
        huge = Path(folder) / "huge.csv"
        with huge.open("wb") as handle:
            handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: takes no disk space
        tiny = Path(folder) / "tiny.csv"
        tiny.write_text("0.1,0.3,0.03\n0.2,0.4,0.05\n", encoding="utf-8")
        rows = np.random.default_rng(0).uniform(-1, 1, (40_000, 3))
        text = "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in rows.tolist())
        encoded = text.encode("utf-8")
        cut = encoded.rindex(b"\n", 0, 2**20) + 1  # whole rows, at most 1 MB
        medium = Path(folder) / "medium.csv"
        medium.write_bytes(encoded[:cut])
        if read_samples_csv(medium).inputs.shape[0] != encoded[:cut].count(b"\n"):
            raise SystemExit("medium.csv did not read back whole")

        refusal = timings(lambda: refuse(huge), repeats, BATCH)
        small = timings(lambda: read_samples_csv(tiny), repeats, BATCH)
        whole = timings(lambda: read_samples_csv(medium), repeats)
    scale = MAX_IMPORT_BYTES / cut  # 1 MB → 20 MB

    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; {repeats} runs each")
    header = (
        f"{'figure (µs per call)':<{WIDTH}}{'median':>12}  {'lowest – highest':^25}{'spread':>7}"
    )
    print(header)
    print("-" * len(header))
    print(line("refuse a 20 MB file (sparse)", refusal))
    print(line("reference: import a 2-row file", small))
    print(line("reference: import 1 MB, scaled to 20 MB", whole, scale))
    refusal_s = statistics.median(refusal)
    ratios = [
        ("refusal / importing 2 rows", refusal_s / statistics.median(small), "×"),
        ("reading 20 MB / refusal", statistics.median(whole) * scale / refusal_s, "×"),
        ("refusal / the old test bound of 100 ms", refusal_s / OLD_LIMIT_S, ""),
    ]
    for figure, value, unit in ratios:
        print(f"{figure:<{WIDTH}}{value:>12,.4g}{unit}")


if __name__ == "__main__":
    main()
