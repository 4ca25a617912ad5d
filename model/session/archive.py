"""The .bplab session (docs/file-formats.md, "Large sessions: .bplab"): one zip archive that
holds any history and data the program can hold, and that a student can e-mail.

Members: `session.json`, a session file with the usual keys in which each large array is
the name of a member instead of a list (``"rows": "history.npy"``), and those members as
NumPy `.npy` files of float64: `history.npy` (the history table, the step column first),
`inputs.npy`, `targets.npy`, `weights-<l>.npy` and `biases-<l>.npy`. The arrays are
stored uncompressed (float64 from training hardly compresses; writing stays fast).

Reading trusts nothing: the archive's listing is checked before anything is unpacked
(member count, plain names, no duplicates or encryption, sizes within
limits.MAX_ARCHIVE_BYTES and a compression ratio that no real session has); an `.npy`
header must describe exactly the bytes that follow; pickles are never loaded; members are
read by name into memory, never extracted, so no path can point outside the archive.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO, cast

import numpy as np
from numpy.typing import NDArray

from model.files import Progress
from model.session import limits
from model.session.errors import SessionError
from model.session.json_guard import decode_json
from model.session.messages import describe

Array = NDArray[np.float64]
BLOCK_BYTES = 4 << 20  # written (and counted for progress) in blocks of about this size
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")


def is_archive(head: bytes) -> bool:
    """Whether a file starting with these bytes is a zip archive (a .bplab session)."""
    return head.startswith(ZIP_MAGIC)


# -- writing ----------------------------------------------------------------------------------
def write_archive(
    handle: BinaryIO,
    session_json: bytes,
    arrays: Mapping[str, tuple[Array, bool]],
    progress: Progress | None = None,
) -> None:
    """The archive into `handle`: `session_json` (whose arrays are member names), then
    each array as the member `<name>`, with a step column first when its flag says so.
    `progress` counts rows; WriteCancelledError stops it."""
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        info = zipfile.ZipInfo(limits.ARCHIVE_SESSION, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, session_json)
        for name, (array, with_steps) in arrays.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            n_rows = array.shape[0] if array.ndim else 1
            width = (array.shape[1] + 1 if with_steps else array.shape[1]) if array.ndim > 1 else 0
            shape = (n_rows, width) if array.ndim > 1 else array.shape
            size = 8 * int(np.prod(shape)) + 128
            with archive.open(info, "w", force_zip64=size > 2**31) as member:
                np.lib.format.write_array_header_1_0(
                    member, {"descr": "<f8", "fortran_order": False, "shape": shape}
                )
                for block in _blocks(array, with_steps):
                    member.write(block.astype("<f8", copy=False).tobytes())
                    if progress is not None:
                        progress.advance(len(block))


def _blocks(array: Array, with_steps: bool) -> Iterator[Array]:
    if array.ndim < 2:
        yield array
        return
    per_block = max(1, BLOCK_BYTES // (8 * (array.shape[1] + 1)))
    for start in range(0, array.shape[0], per_block):
        block = array[start : start + per_block]
        if with_steps:
            steps = np.arange(start, start + len(block), dtype=np.float64)
            block = np.column_stack([steps, block])
        yield block


# -- reading ----------------------------------------------------------------------------------
def read_archive(handle: BinaryIO) -> object:
    """The session document of a .bplab archive, each array reference replaced by the
    validated float64 array it names. SessionError for anything wrong."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise SessionError("file", f"not a readable .bplab archive ({error})") from None
    with archive:
        members = _checked_listing(archive)
        if limits.ARCHIVE_SESSION not in members:
            raise SessionError("file", f"a .bplab archive without {limits.ARCHIVE_SESSION}")
        info = members[limits.ARCHIVE_SESSION]
        if info.file_size > limits.MAX_FILE_BYTES:
            raise SessionError(
                limits.ARCHIVE_SESSION,
                f"{info.file_size / 2**20:.1f} MB, larger than a session can be "
                f"({limits.MAX_FILE_BYTES // 2**20} MB)",
            )
        document = decode_json(_read_member(archive, info))
        if isinstance(document, dict):  # (parse_session names what else it could be)
            _resolve_arrays(document, lambda name, path: _read_array(archive, members, name, path))
        return document


def _checked_listing(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.MAX_ARCHIVE_MEMBERS:
        raise SessionError(
            "file",
            f"{len(infos)} members, more than a .bplab session has (at most "
            f"{limits.MAX_ARCHIVE_MEMBERS})",
        )
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        where = f"member {describe(info.filename)}"
        if not _MEMBER_NAME.match(info.filename) or ".." in info.filename:
            raise SessionError("file", f"{where}: not a plain name (no folders, no '..')")
        if info.filename in members:
            raise SessionError("file", f"{where}: appears twice in the archive")
        if info.flag_bits & 0x1:
            raise SessionError("file", f"{where}: encrypted; a session is never encrypted")
        if info.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
            raise SessionError("file", f"{where}: compressed with an unsupported method")
        allowed = limits.MAX_FILE_BYTES + limits.MAX_COMPRESSION_RATIO * info.compress_size
        if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > allowed:
            raise SessionError(
                "file",
                f"{where}: unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}, more than any session (a zip bomb?)",
            )
        total += info.file_size
        members[info.filename] = info
    if total > limits.MAX_ARCHIVE_BYTES:
        raise SessionError(
            "file",
            f"unpacks to {total / 2**30:.1f} GB, more than a session can be "
            f"({limits.MAX_ARCHIVE_BYTES // 2**30} GB)",
        )
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as member:
            raw = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
        raise SessionError(info.filename, f"cannot be unpacked ({error})") from None
    if len(raw) != info.file_size:
        raise SessionError(info.filename, "is damaged (its size is not the one listed)")
    return raw


def _resolve_arrays(document: dict[str, Any], load: Callable[[str, str], Array]) -> None:
    """Replace the member names at the places a session holds arrays by the arrays."""
    data = document.get("data")
    if isinstance(data, dict):
        for key in ("inputs", "targets", "test_inputs", "test_targets"):
            if isinstance(data.get(key), str):
                data[key] = load(data[key], f"data.{key}")
    _resolve_optimizer(document, load)
    history = document.get("history")
    if isinstance(history, dict) and isinstance(history.get("rows"), str):
        history["rows"] = load(history["rows"], "history.rows")
    parameters = document.get("parameters")
    if isinstance(parameters, dict):
        for key in ("weights", "biases"):
            values = parameters.get(key)
            if isinstance(values, list):
                parameters[key] = [
                    load(value, f"parameters.{key}[{k}]") if isinstance(value, str) else value
                    for k, value in enumerate(values)
                ]


def _resolve_optimizer(document: dict[str, Any], load: Callable[[str, str], Array]) -> None:
    """The optimizer's state and checkpoints (a thinned history's) named as members."""
    state = document.get("optimizer_state")
    if isinstance(state, dict):
        for key, value in state.items():
            if key != "optimizer" and isinstance(value, str):
                state[key] = load(value, f"optimizer_state.{key}").ravel()
    checkpoints = document.get("optimizer_checkpoints")
    if isinstance(checkpoints, dict):
        for key, value in checkpoints.items():
            if key not in ("steps", "t") and isinstance(value, str):
                checkpoints[key] = load(value, f"optimizer_checkpoints.{key}")


def _read_array(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, path: str
) -> Array:
    """Member `name` as a float64 array: an .npy file whose header describes exactly the
    bytes that follow (no pickles, at most 2 dimensions)."""
    info = members.get(name)
    if info is None:
        raise SessionError(path, f"names {describe(name)}, which is not in the archive")
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(member, max_header_size=limits.MAX_NPY_HEADER_BYTES)
            header_bytes = member.tell()
            if dtype.kind != "f" or dtype.itemsize != 8 or dtype.hasobject or len(shape) > 2:
                raise SessionError(
                    path,
                    f"{name}: expected float64 numbers in 1 or 2 dimensions, got "
                    f"{dtype} of {len(shape)} dimensions",
                )
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if header_bytes + 8 * count != info.file_size:
                raise SessionError(path, f"{name}: its header does not match its size")
            array = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
            view = array.reshape(-1).view(np.uint8).data
            filled = 0
            while filled < len(view):
                got = cast(io.BufferedIOBase, member).readinto(view[filled:])
                if not got:
                    raise SessionError(path, f"{name}: ends early")
                filled += got
    except SessionError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
        raise SessionError(path, f"{name}: not a readable .npy array ({error})") from None
    if fortran:
        array = array.T
    return np.ascontiguousarray(array, dtype=np.float64)
