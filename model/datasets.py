"""Built-in datasets (two inputs, one 0/1 target) and reading samples from a CSV file.

`read_samples_csv` is written for files a student makes in a spreadsheet: a UTF-8 byte
order mark, `,` `;` or tab between values (decimal commas where the separator is not a
comma), an optional header row, blank lines. Everything else it refuses with a
`DataImportError` whose text is one line saying what to fix and where (line, column).
Like session errors, the messages do not repeat the path: the caller shows it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from array import array
from collections.abc import Callable, Iterator
from itertools import islice

import numpy as np
from numpy.typing import NDArray

from model.session import MAX_LAYER_SIZE
from model.training import Dataset

Array = NDArray[np.float64]

DATASETS: dict[str, str] = {
    "lecture": "Lecture: the single sample X = (0.1, 0.3), d = 0.03",
    "and": "AND: logical and of two inputs (4 samples)",
    "or": "OR: logical or of two inputs (4 samples)",
    "xor": "XOR: exclusive or, not linearly separable (4 samples)",
    "blobs": "Blobs: two Gaussian clouds, one per class",
    "circle": "Circle: inside (1) or outside (0) a circle",
    "spiral": "Spiral: two interleaved spirals",
}
"""Built-in datasets: name → title."""

MAX_IMPORT_BYTES = 20 * 1024 * 1024

_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_LOGIC = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}


# -- built-in datasets ----------------------------------------------------------------------
def make_dataset(name: str, n_samples: int = 100, seed: int = 0, noise: float = 0.1) -> Dataset:
    """The dataset `name` (a key of DATASETS): inputs (P, 2), targets (P, 1).

    The random sets have `n_samples` samples (half per class for blobs and spiral, in
    shuffled order), drawn from `seed`, with Gaussian jitter of standard deviation
    `noise` added to the inputs; the lecture and logic sets ignore all three.
    """
    if name == "lecture":
        return Dataset(np.array([[0.1, 0.3]]), np.array([[0.03]]))
    if name in _LOGIC:
        return Dataset(_CORNERS.copy(), np.array(_LOGIC[name], dtype=np.float64)[:, None])
    if name not in _RANDOM:
        raise ValueError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be a whole number ≥ 2, got {n_samples!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    inputs, labels = _RANDOM[name](rng, n_samples)
    inputs = inputs + rng.normal(0.0, noise, size=inputs.shape)
    order = rng.permutation(n_samples)  # mixed classes: online training sees both
    return Dataset(inputs[order], labels[order, None].astype(np.float64))


def _blobs(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    labels = _halves(n)
    centres = np.where(labels[:, None] == 1, 1.0, -1.0)  # (−1, −1) and (1, 1)
    return centres + rng.normal(0.0, 0.5, size=(n, 2)), labels


def _circle(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    # Radius √(2/π): the circle covers half of the square, so the classes are balanced
    # on average.
    inside = np.hypot(points[:, 0], points[:, 1]) < math.sqrt(2 / math.pi)
    return points, inside.astype(np.int64)


def _spiral(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    labels = _halves(n)
    # Evenly along each arm: radius grows from 0.1 to 1 over one and a half turns; the
    # second arm is the first turned by half a turn.
    t = np.concatenate([np.linspace(0.1, 1.0, np.count_nonzero(labels == k)) for k in (0, 1)])
    angle = 3 * math.pi * t + math.pi * labels
    return np.column_stack([t * np.cos(angle), t * np.sin(angle)]), labels


def _halves(n: int) -> Array:
    return np.repeat([0, 1], [n // 2, n - n // 2])


_RANDOM: dict[str, Callable[[np.random.Generator, int], tuple[Array, Array]]] = {
    "blobs": _blobs,
    "circle": _circle,
    "spiral": _spiral,
}


# -- CSV import -----------------------------------------------------------------------------
class DataImportError(ValueError):
    """A samples file that cannot be used; `str()` is one line saying what and where."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.splitlines()))


_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def read_samples_csv(
    path: str | os.PathLike[str], n_inputs: int | None = None, n_targets: int = 1
) -> Dataset:
    """Samples from a CSV file: one row per sample, the inputs then `n_targets` targets.

    With `n_inputs` (the network's input count) every row must have exactly
    n_inputs + n_targets values; without it the inputs are all columns but the last
    n_targets. DataImportError for anything wrong with the file.
    """
    if n_targets < 1 or (n_inputs is not None and n_inputs < 1):
        raise ValueError(f"need at least one input and one target, got {n_inputs} and {n_targets}")
    table = _numeric_rows(_decode(_read_bounded(path)), n_inputs, n_targets)
    split = table.shape[1] - n_targets
    return Dataset(table[:, :split], table[:, split:])


def _read_bounded(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes; refuses folders, special files and anything over the limit
    before reading it, and never holds more than MAX_IMPORT_BYTES + 1 bytes."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise DataImportError("this is a folder, not a CSV file: choose a file inside it")
        if not stat.S_ISREG(info.st_mode):
            raise DataImportError(
                "this is not a regular file (a device or a pipe): choose a CSV file"
            )
        if info.st_size > MAX_IMPORT_BYTES:
            raise DataImportError(_too_large(f"{info.st_size / 2**20:.1f} MB"))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_IMPORT_BYTES + 1)  # the file may grow after stat
    except FileNotFoundError:
        raise DataImportError("the file does not exist (was it moved or renamed?)") from None
    except IsADirectoryError:
        raise DataImportError("this is a folder, not a CSV file: choose a file inside it") from None
    except OSError as error:
        raise DataImportError(f"cannot read the file ({error.strerror or error})") from None
    if len(raw) > MAX_IMPORT_BYTES:
        raise DataImportError(_too_large(f"more than {MAX_IMPORT_BYTES // 2**20} MB"))
    return raw


def _too_large(size: str) -> str:
    return (
        f"the file is {size}, larger than a samples file can be "
        f"({MAX_IMPORT_BYTES // 2**20} MB): use fewer samples"
    )


def _decode(raw: bytes) -> bytes:
    """The file's UTF-8 text without its byte order mark, still as bytes (it is read
    line by line later); DataImportError for binary data or another encoding."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataImportError(
            "the file is UTF-16 text: save it as CSV in UTF-8 (in a spreadsheet: CSV UTF-8)"
        )
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # as Excel writes "CSV UTF-8"
    if b"\x00" in raw:
        raise DataImportError(
            "this is not a text file (it contains binary data): choose a CSV file"
        )
    try:
        raw.decode("utf-8")  # checked here, where the offset of a bad byte is known
    except UnicodeDecodeError as error:
        head = raw[: error.start]  # line breaks: \n, \r, and \r\n counted once
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        raise DataImportError(
            f"line {line}: not UTF-8 text (byte 0x{raw[error.start]:02x}): "
            "save the file as CSV in UTF-8"
        ) from None
    return raw


def _text_lines(raw: bytes) -> io.TextIOWrapper:
    """The lines of UTF-8 bytes, decoded a block at a time (a whole 20 MB file as one str
    and its lines would take several times its size)."""
    # Universal newlines: only \n, \r\n and \r end a line (str.splitlines would also
    # split at \x0c, \u2028, ...), so the line numbers are the ones an editor shows.
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline=None)


def _separator(raw: bytes) -> str:
    """Tab, `;` or `,`, whichever the first line that has one uses (first two non-blank
    lines: a header may be a single name)."""
    for line in islice((line for line in _text_lines(raw) if line.strip()), 2):
        for candidate in ("\t", ";", ","):  # `;` files use `,` as the decimal point
            if candidate in line:
                return candidate
    return ","


def _records(raw: bytes, separator: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank row; trailing empty cells dropped."""
    reader = csv.reader(_text_lines(raw), delimiter=separator)
    try:
        for cells in reader:
            while cells and not cells[-1].strip():
                cells.pop()  # "1,2,3," as some spreadsheets write it
            if cells:
                yield reader.line_num, [cell.strip() for cell in cells]
    except csv.Error as error:
        # In the default (non-strict) dialect, with NUL refused earlier, the one error
        # left is a cell over the field size limit.
        raise DataImportError(
            f"line {reader.line_num}: cannot be read as CSV ({error}): "
            "this does not look like a table of numbers"
        ) from None


def _numeric_rows(raw: bytes, n_inputs: int | None, n_targets: int) -> Array:
    """The data rows as a (P, columns) array; the header row (if any) skipped. The
    first data row sets the number of columns."""
    separator = _separator(raw)
    parse = _parser(decimal_comma=separator != ",")
    records = _records(raw, separator)
    first = next(records, None)
    if first is None:
        raise DataImportError("the file is empty: it needs one row per sample")
    if all(parse(cell) is None for cell in first[1]):
        # A header: skipped whatever it holds (names, or a one-line title).
        first = next(records, None)
        if first is None:
            raise DataImportError(
                "the file has only a header row: it needs one row per sample below it"
            )
    line, cells = first
    width = len(cells)
    _check_width(width, n_inputs, n_targets)
    # One flat float64 buffer, not a list per row: 8 bytes a value for a 20 MB file.
    values = array("d", _row(line, cells, parse))
    for line, cells in records:
        if len(cells) != width:
            raise DataImportError(f"line {line}: {len(cells)} values, expected {width}")
        values.extend(_row(line, cells, parse))
    return np.frombuffer(values, dtype=np.float64).reshape(-1, width)  # Dataset copies it


def _check_width(width: int, n_inputs: int | None, n_targets: int) -> None:
    outputs = f"{n_targets} output{'s' if n_targets != 1 else ''}"
    if n_inputs is not None and width != n_inputs + n_targets:
        inputs = f"{n_inputs} input{'s' if n_inputs != 1 else ''}"
        raise DataImportError(
            f"the network has {inputs} and {outputs}, so each row needs "
            f"{n_inputs + n_targets} values; this file has {width}"
        )
    if width <= n_targets:
        raise DataImportError(
            f"each row needs at least {n_targets + 1} values (the inputs, "
            f"then {outputs}); this file has {width}"
        )
    if width - n_targets > MAX_LAYER_SIZE:
        raise DataImportError(
            f"{width - n_targets} inputs per row; a network takes at most {MAX_LAYER_SIZE}"
        )


def _row(line: int, cells: list[str], parse: Callable[[str], float | None]) -> list[float]:
    """A row's values; DataImportError naming the first cell that is not a number."""
    try:
        values = list(map(float, cells))
        # Fast path for plain rows. A non-finite sum (NaN, inf, or finite values that
        # overflow when added) sends the row through the cell-by-cell check below.
        if math.isfinite(sum(values)):
            return values
    except ValueError:
        pass
    values = []
    for column, cell in enumerate(cells, start=1):
        value = parse(cell)
        if value is None:
            raise DataImportError(f"line {line}, column {column}: {_describe(cell)}")
        values.append(value)
    return values


def _parser(decimal_comma: bool) -> Callable[[str], float | None]:
    """cell → float, or None if the cell is not a finite number."""

    def parse(cell: str) -> float | None:
        if decimal_comma and "," in cell and "." not in cell:
            cell = cell.replace(",", ".", 1)
        try:
            value = float(cell)
        except ValueError:
            return None
        return value if math.isfinite(value) else None  # NaN, inf, and 1e999 → inf

    return parse


def _describe(cell: str) -> str:
    """Why a cell is not a number, for the error message."""
    if not cell:
        return "the cell is empty, expected a number"
    shown = repr(cell if len(cell) <= 40 else cell[:37] + "...")
    if _NON_FINITE.fullmatch(cell):
        return f"{shown} is not a finite number (NaN and infinity cannot be trained on)"
    try:
        float(cell.replace(",", ".", 1))
    except ValueError:
        return f"{shown} is not a number"
    if "," in cell:
        return f"{shown} is not a number: with `,` between values the decimal point must be `.`"
    return f"{shown} is too large a number (beyond ±1.8e308)"
