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

import errno
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

GROWTH = 1.1
MIN_CAPACITY = 1024
CSV_BLOCK_ROWS = 65536  # rows formatted per chunk of the CSV export


class History:
    """Rows of (parameters..., error); the step number is the row index.

    parameter_names : the column names of the parameters, in `Network.get_flat` order
    """

    def __init__(self, parameter_names: Sequence[str], capacity: int = MIN_CAPACITY) -> None:
        self.parameter_names: list[str] = list(parameter_names)
        self._n_cols = len(self.parameter_names) + 1
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
        """Contract 2's header: step, the parameters, error."""
        return ["step", *self.parameter_names, "error"]

    @property
    def capacity(self) -> int:
        return self._data.shape[0]

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
        return self._data[: self._n, :-1].T

    @property
    def errors(self) -> Array:
        """The dataset error at each state, shape (n_rows,)."""
        return self._data[: self._n, -1]

    def rows_view(self, n_rows: int) -> Array:
        """The first n_rows states, shape (n_rows, n_parameters + 1), error last: a view,
        not a copy (copy it if it must outlive a change of the history)."""
        if not 0 <= n_rows <= self._n:
            raise IndexError(f"{n_rows} rows asked, the history has {self._n}")
        return self._data[:n_rows]

    def row(self, step: int) -> Array:
        """Parameters at `step` (a copy), shape (n_parameters,)."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        return self._data[step, :-1].copy()

    def error_at(self, step: int) -> float:
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        return float(self._data[step, -1])

    # -- growth ---------------------------------------------------------------------------
    def _reserve(self, n_rows: int) -> None:
        if n_rows <= self.capacity:
            return
        new_capacity = max(n_rows, int(self.capacity * GROWTH) + 1, MIN_CAPACITY)
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

    def append(self, parameters: Array, error: float) -> None:
        """Add one state."""
        self._reserve(self._n + 1)
        self._data[self._n, :-1] = parameters
        self._data[self._n, -1] = error
        self._n += 1

    def extend(self, rows: Array) -> None:
        """Add many states at once; rows has shape (k, n_parameters + 1), error last."""
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

    def set_row(self, step: int, parameters: Array, error: float) -> None:
        """Overwrite one existing state (a parameter edit replaces the current state)."""
        if not 0 <= step < self._n:
            raise IndexError(f"step {step} is not in the history (0..{self._n - 1})")
        self._data[step, :-1] = parameters
        self._data[step, -1] = error
        self.revision += 1

    def rows_after(self, step: int) -> Array:
        """A copy of the states after `step`, shape (k, n_parameters + 1), for `extend`."""
        return self._data[step + 1 : self._n].copy()

    def copy_prefix(self, n_rows: int) -> History:
        """A new History holding copies of the first n_rows states."""
        prefix = History(self.parameter_names, capacity=max(n_rows, MIN_CAPACITY))
        prefix.extend(self._data[:n_rows])
        return prefix

    def table(self) -> Array:
        """The whole table of Contract 2 (step, parameters, error) as a new array."""
        steps = np.arange(self._n, dtype=np.float64)
        return np.column_stack([steps, self._data[: self._n]])

    # -- export (Contract 2) ----------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the CSV of Contract 2 atomically; floats as repr (exact round trip)."""
        write_atomically(path, self._csv_chunks())

    def _csv_chunks(self) -> Iterator[str]:
        yield ",".join(self.columns) + "\n"
        # One %-format per row, driven by map and zip in C: the floats' repr (%r) is then
        # most of the cost. A Python expression per row (f-string, join of map(repr)) took
        # ~25% longer, and made the export slower than numpy.savetxt.
        row_format = "%d" + ",%r" * self._n_cols + "\n"
        for start in range(0, self._n, CSV_BLOCK_ROWS):
            stop = min(start + CSV_BLOCK_ROWS, self._n)
            columns = self._data[start:stop].T.tolist()
            rows = zip(range(start, stop), *columns, strict=True)
            yield "".join(map(row_format.__mod__, rows))

    def to_json_dict(self) -> dict[str, object]:
        """{"columns": [...], "rows": [[...], ...]}, as Contract 2 and the session use."""
        rows = [[step, *values] for step, values in enumerate(self._data[: self._n].tolist())]
        return {"columns": self.columns, "rows": rows}

    def to_json(self, path: str | os.PathLike[str]) -> None:
        write_atomically(path, [json.dumps(self.to_json_dict(), allow_nan=False)])

    def export(self, path: str | os.PathLike[str]) -> None:
        """CSV, or JSON when the path ends in .json."""
        if str(path).lower().endswith(".json"):
            self.to_json(path)
        else:
            self.to_csv(path)

    @classmethod
    def from_table(cls, columns: Sequence[str], rows: Sequence[Sequence[float]]) -> History:
        """Rebuild a History from Contract 2's columns and rows (validated by the caller)."""
        names = list(columns)[1:-1]
        history = cls(names, capacity=max(len(rows), MIN_CAPACITY))
        if len(rows):
            history.extend(np.asarray(rows, dtype=np.float64)[:, 1:])
        return history


def read_csv(path: str | os.PathLike[str]) -> tuple[list[str], Array]:
    """Read a history CSV back: its header and its numbers, shape (n_rows, n_columns)."""
    with open(path, encoding="utf-8") as handle, warnings.catch_warnings():
        # a history without rows is a header alone, which loadtxt would warn about
        warnings.filterwarnings("ignore", "loadtxt: input contained no data", UserWarning)
        header = handle.readline().rstrip("\n").split(",")
        values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    return header, values.reshape(-1, len(header))


def write_atomically(path: str | os.PathLike[str], chunks: Iterable[str]) -> None:
    """Write text to a temporary file beside `path`, then rename it over `path`.

    A failure at any point (missing folder, no permission, disk full) raises OSError and
    leaves any existing file at `path` untouched, with no partial file beside it.
    """
    _write_atomically(path, (chunk.encode("utf-8") for chunk in chunks))


def write_bytes_atomically(path: str | os.PathLike[str], payload: bytes) -> None:
    """`write_atomically` for binary content (PNG images)."""
    _write_atomically(path, iter((payload,)))


def _write_atomically(path: str | os.PathLike[str], chunks: Iterator[bytes]) -> None:
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else "."
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _file_mode(target: Path) -> int:
    """Keep an existing file's mode; give a new one the usual umask-based mode (mkstemp
    would leave it private, 0600)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def _read_umask() -> int:
    # Reading the umask means setting it; done once at import, before any thread exists.
    umask = os.umask(0)
    os.umask(umask)
    return umask


_UMASK = _read_umask()
