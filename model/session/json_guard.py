"""Reading a session file's bytes and decoding them as JSON, safely.

A file can be hostile (huge, deeply nested, binary, NaN): these refuse what would take
long or crash `json` (it recurses once per level of nesting) with a SessionError on the
field ``file``, and never take long themselves. The messages do not repeat the path: the
caller shows it.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np

from model.files import FileTooLargeError, NotARegularFileError, read_regular
from model.session import limits
from model.session.errors import SessionError
from model.session.messages import describe

# A JSON string, or an unterminated one up to the end: from any quote the pattern matches
# at the first attempt, without backtracking, so stripping strings takes linear time.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_BRACKET_DEPTH_CHANGE = np.zeros(256, dtype=np.int8)
_BRACKET_DEPTH_CHANGE[[ord("["), ord("{")]] = 1
_BRACKET_DEPTH_CHANGE[[ord("]"), ord("}")]] = -1
_SCAN_BLOCK_BYTES = 1 << 20


def read_bytes_within_limit(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The file's bytes; SessionError if it cannot be read, is not a regular file (a FIFO
    or a device would block or never end: refused before opening) or is larger than
    `max_bytes` (default limits.MAX_FILE_BYTES; checked before reading)."""
    max_bytes = limits.MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        raw = read_regular(path, max_bytes)
    except FileTooLargeError as error:
        raise SessionError(
            "file",
            f"{error.size / 2**20:.1f} MB, larger than a session can be ({max_bytes // 2**20} MB)",
        ) from None
    except NotARegularFileError as error:
        raise SessionError("file", f"{error.kind}, not a session file") from None
    except IsADirectoryError:
        raise SessionError("file", "a folder, not a session file") from None
    except OSError as error:
        raise SessionError("file", f"cannot read it ({error.strerror or error})") from None
    if len(raw) > max_bytes:  # it grew after it was opened
        raise SessionError("file", f"larger than a session can be ({max_bytes // 2**20} MB)")
    return raw


def decode_json(raw: bytes) -> object:
    """Bytes of a JSON document → Python objects, refusing what would crash `json`."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark, as some Windows editors write
    if not raw.strip():
        raise SessionError("file", "the file is empty, not a session")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1].hex()
        raise SessionError(
            "file", f"not UTF-8 text (byte 0x{bad} at offset {error.start}): not a session file"
        ) from None
    depth = nesting_depth(raw)
    if depth > limits.MAX_NESTING:
        raise SessionError(
            "file",
            f"lists and objects nested {depth} deep; "
            f"a session never needs more than {limits.MAX_NESTING}",
        )
    try:
        return json.loads(
            text, parse_constant=_parse_non_finite_constant, object_pairs_hook=_unique_keys
        )
    except _DuplicateKeyError:
        raise _duplicate_key_error(text) from None
    except json.JSONDecodeError as error:
        raise SessionError(
            "file", f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of 5000 digits
        reason = str(error).split(";")[0]
        raise SessionError("file", f"not valid JSON ({reason})") from None


class _DuplicateKeyError(Exception):
    """An object of the document has a key twice (found again, with its path, later)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKeyError
    return obj


class _Pairs(list[tuple[str, object]]):
    """An object kept as its pairs, duplicates included (to find the duplicate's path)."""


def _duplicate_key_error(text: str) -> SessionError:
    """The SessionError naming the first key that appears twice in one object, with its
    path (``training.learning_rate``) and both values."""
    document = json.loads(text, parse_constant=_parse_non_finite_constant, object_pairs_hook=_Pairs)
    found = _find_duplicate(document, "")
    if found is None:  # cannot happen: the first parse found one
        return SessionError("file", "a key appears twice in one object")
    path, first, second = found
    return SessionError(
        path,
        f"appears twice in the same object (first {_shown(first)}, then {_shown(second)}); "
        "a key may appear only once: delete one of them",
    )


def _shown(value: object) -> str:
    return "{…}" if isinstance(value, _Pairs) else describe(value)


def _find_duplicate(value: object, path: str) -> tuple[str, object, object] | None:
    # Iterative, depth-first in document order (the nesting is at most MAX_NESTING).
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        children: list[tuple[object, str]] = []
        if isinstance(item, _Pairs):
            seen: dict[str, object] = {}
            for key, child in item:
                child_path = f"{where}.{key}" if where else key
                if key in seen:
                    return child_path, seen[key], child
                seen[key] = child
                children.append((child, child_path))
        elif isinstance(item, list):
            children = [(child, f"{where}[{i}]") for i, child in enumerate(item)]
        stack.extend(reversed(children))
    return None


def nesting_depth(raw: bytes) -> int:
    """Deepest nesting of [ and { outside strings (vectorised, in 1 MB blocks).

    Counting every bracket is fast and overestimates; only when that exceeds
    MAX_NESTING (brackets in strings, or a hostile file) are the strings taken out first.
    """
    rough = _deepest_bracket_level(raw)
    if rough <= limits.MAX_NESTING:
        return rough
    return _deepest_bracket_level(_JSON_STRING.sub(b"", raw))


def _deepest_bracket_level(text: bytes) -> int:
    """The highest count of open [ and { at any point of `text`, strings not excepted."""
    codes = np.frombuffer(text, dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, codes.size, _SCAN_BLOCK_BYTES):
        levels = np.cumsum(
            _BRACKET_DEPTH_CHANGE[codes[start : start + _SCAN_BLOCK_BYTES]], dtype=np.int64
        )
        deepest = max(deepest, depth + int(levels.max()))
        depth += int(levels[-1])
    return deepest


def _parse_non_finite_constant(name: str) -> float:
    # JSON has no NaN/Infinity, but Python's json reads them; keep them as floats so
    # that validation can name the field that holds one.
    return float(name.replace("Infinity", "inf"))
