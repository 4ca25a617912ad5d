"""The parameter history: one row per state (step 0 = the initial state), plus its export.

Storage is one row-major float64 array (capacity × columns). Capacity grows by a factor
of 1.1, so appends are O(1) amortised and the memory held never exceeds 1.1× the raw
float64 size of the rows (once past the first block). Growing tries `ndarray.resize`
first: for a large array that is a realloc the kernel does by remapping pages, with no
copy — a copy of 70 MB stalled the window for 170 ms. numpy refuses it while any view of
the array is alive, and then the rows are copied. numpy zero-fills the new capacity, in
the window's thread: 1.1 rather than 1.2 halves that pause (16 ms instead of 32 at 10M
lecture rows, measured), and keeps the resident memory closer to the rows.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from model import files
from model.files import Progress, open_regular

Array = NDArray[np.float64]

GROWTH = 1.1
MIN_CAPACITY = 1024
MIN_CAPACITY_BYTES = 8 << 20  # a first block is at most this large, whatever the width
CSV_BLOCK_ROWS = 8192  # rows formatted per chunk: each holds the GIL, the window waits


class History:
    """Rows of (parameters..., error, extras...); the step number is the row index.

    parameter_names : the column names of the parameters, in `Network.get_flat` order
    extra_columns : further columns after the error, e.g. ["test_error"] (docs/file-formats.md)
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
            # A first block of MIN_CAPACITY rows, unless the rows are so wide (a million
            # parameters) that it would claim gigabytes before the first step.
            capacity = min(MIN_CAPACITY, max(1, MIN_CAPACITY_BYTES // (8 * self._n_cols)))
        self._data: Array = np.empty((max(capacity, 1), self._n_cols), dtype=np.float64)
        self._n = 0
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
        """Bytes held by the arrays (allocated, not just used)."""
        return self._data.nbytes

    @property
    def raw_nbytes(self) -> int:
        """Bytes the rows themselves need as float64, without the step column."""
        return self._n * self._n_cols * 8

    # -- views (no copies) ----------------------------------------------------------------
    @property
    def parameters(self) -> Array:
        """Shape (n_parameters, n_rows): row i of this view is one parameter's series."""
        return self._data[: self._n, : self._n_params].T

    @property
    def errors(self) -> Array:
        """The dataset error at each state, shape (n_rows,)."""
        return self._data[: self._n, self._n_params]

    def column(self, name: str) -> Array:
        """An extra column (e.g. "test_error") at each state, shape (n_rows,): a view."""
        return self._data[: self._n, self._n_params + 1 + self.extra_columns.index(name)]

    def rows_view(self, n_rows: int) -> Array:
        """The first n_rows states, shape (n_rows, width): parameters, error, extras. A
        view, not a copy (copy it if it must outlive a change of the history)."""
        if not 0 <= n_rows <= self._n:
            raise IndexError(f"{n_rows} rows asked, the history has {self._n}")
        return self._data[:n_rows]

    def row(self, step: int) -> Array:
        """Parameters at `step` (a copy), shape (n_parameters,)."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        return self._data[step, : self._n_params].copy()

    def error_at(self, step: int) -> float:
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        return float(self._data[step, self._n_params])

    def full_row(self, step: int) -> Array:
        """Everything at `step` (a copy): parameters, error, extras."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        row: Array = self._data[step].copy()
        return row

    # -- growth ---------------------------------------------------------------------------
    def _reserve(self, n_rows: int) -> None:
        if n_rows <= self.capacity:
            return
        first_block = max(1, MIN_CAPACITY_BYTES // (8 * self._n_cols))
        new_capacity = max(n_rows, int(self.capacity * GROWTH) + 1, min(MIN_CAPACITY, first_block))
        try:
            self._data.resize((new_capacity, self._n_cols), refcheck=True)
        except ValueError:  # a view of the array is alive: it must stay valid
            grown = np.empty((new_capacity, self._n_cols), dtype=np.float64)
            grown[: self._n] = self._data[: self._n]
            self._data = grown

    def reserve(self, n_rows: int) -> None:
        """Room for n_rows states in all (a run that knows its length grows once, not
        in the ~50 steps of 1.1 from the first block to 200 000 rows)."""
        if n_rows > self.capacity:
            self._reserve(n_rows)

    def append(self, parameters: Array, error: float, extras: Sequence[float] | Array = ()) -> None:
        """Add one state."""
        self._reserve(self._n + 1)
        self._write(self._n, parameters, error, extras)
        self._n += 1

    def _write(
        self, step: int, parameters: Array, error: float, extras: Sequence[float] | Array
    ) -> None:
        if len(extras) != len(self.extra_columns):
            raise ValueError(f"expected {len(self.extra_columns)} extra values, got {len(extras)}")
        n = self._n_params
        self._data[step, :n] = parameters
        self._data[step, n] = error
        self._data[step, n + 1 :] = extras

    def extend(self, rows: Array) -> None:
        """Add many states at once; rows has shape (k, width): parameters, error, extras."""
        k = rows.shape[0]
        if k == 0:
            return
        if rows.shape[1] != self._n_cols:
            raise ValueError(f"expected rows of {self._n_cols} values, got {rows.shape[1]}")
        self._reserve(self._n + k)
        self._data[self._n : self._n + k] = rows
        self._n += k

    def truncate(self, n_rows: int) -> None:
        """Keep the first n_rows states (step back, or Step from an earlier point)."""
        if not 0 <= n_rows <= self._n:
            raise ValueError(f"cannot truncate {self._n} rows to {n_rows}")
        if n_rows < self._n:
            self.revision += 1
        self._n = n_rows

    def clear(self) -> None:
        self._n = 0
        self.revision += 1

    def set_row(
        self, step: int, parameters: Array, error: float, extras: Sequence[float] | Array = ()
    ) -> None:
        """Overwrite one existing state (a parameter edit replaces the current state)."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        self._write(step, parameters, error, extras)
        self.revision += 1

    def rows_after(self, step: int) -> Array:
        """A copy of the states after `step`, shape (k, width), for `extend`."""
        return self._data[step + 1 : self._n].copy()

    def copy_prefix(self, n_rows: int) -> History:
        """A new History holding copies of the first n_rows states."""
        prefix = History(self.parameter_names, max(n_rows, MIN_CAPACITY), self.extra_columns)
        prefix.extend(self._data[:n_rows])
        return prefix

    def table(self) -> Array:
        """The whole table (step, parameters, error, extras) as a new array."""
        steps = np.arange(self._n, dtype=np.float64)
        return np.column_stack([steps, self._data[: self._n]])

    # -- export (docs/file-formats.md, "History") ----------------------------------------
    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as CSV atomically; floats as repr (exact round trip)."""
        write_atomically(path, self._csv_chunks())

    def _csv_chunks(self) -> Iterator[str]:
        return csv_chunks(self.columns, self._data[: self._n])

    def to_json_dict(self) -> dict[str, object]:
        """{"columns": [...], "rows": [[...], ...]}, as the history export and the session
        file use."""
        rows = [[step, *values] for step, values in enumerate(self._data[: self._n].tolist())]
        return {"columns": self.columns, "rows": rows}

    def to_json(self, path: str | os.PathLike[str]) -> None:
        write_atomically(path, json_chunks(self.columns, self._data[: self._n]))

    def export(
        self,
        path: str | os.PathLike[str],
        progress: Progress | None = None,
        keep: Iterable[str | os.PathLike[str] | None] = (),
        streams: bool = False,
    ) -> None:
        """CSV, or JSON when the path ends in .json (see `export_table`)."""
        export_table(path, self.columns, self._data[: self._n], progress, keep, streams)

    @classmethod
    def from_table(cls, columns: Sequence[str], rows: Sequence[Sequence[float]] | Array) -> History:
        """Rebuild a History from the table's columns and rows (validated by the caller):
        step, the parameters, error, then any extra columns."""
        columns = list(columns)
        at = columns.index("error")
        history = cls(columns[1:at], max(len(rows), MIN_CAPACITY), columns[at + 1 :])
        if len(rows):
            history.extend(np.asarray(rows, dtype=np.float64)[:, 1:])
        return history


def csv_chunks(
    columns: Sequence[str], rows: Array, progress: Progress | None = None
) -> Iterator[str]:
    """The history CSV for `rows` (no step column; the step is the row index)."""
    yield ",".join(columns) + "\n"
    # One %-format per row, driven by map and zip in C: the floats' repr (%r) is then
    # most of the cost. A Python expression per row (f-string, join of map(repr)) took
    # ~25% longer, and made the export slower than numpy.savetxt.
    row_format = "%d" + ",%r" * rows.shape[1] + "\n"
    for start in range(0, rows.shape[0], CSV_BLOCK_ROWS):
        stop = min(start + CSV_BLOCK_ROWS, rows.shape[0])
        columns_of_block = rows[start:stop].T.tolist()
        block = zip(range(start, stop), *columns_of_block, strict=True)
        yield "".join(map(row_format.__mod__, block))
        if progress is not None:
            progress.advance(stop - start)


def json_chunks(
    columns: Sequence[str], rows: Array, progress: Progress | None = None
) -> Iterator[str]:
    """The history JSON {"columns", "rows"} for `rows`, exactly as json.dumps writes it,
    block by block (a list of every row of a long history would take gigabytes).
    ValueError, before anything is yielded, if a number is not finite (JSON has none)."""
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    if bad.size:
        raise ValueError(
            f"Out of range float values are not JSON compliant (row {int(bad[0])}): "
            "export the history as CSV"
        )
    yield '{"columns": ' + json.dumps(list(columns)) + ', "rows": ['
    row_format = "[%d" + ", %r" * rows.shape[1] + "]"
    for start in range(0, rows.shape[0], CSV_BLOCK_ROWS):
        stop = min(start + CSV_BLOCK_ROWS, rows.shape[0])
        block = zip(range(start, stop), *rows[start:stop].T.tolist(), strict=True)
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
