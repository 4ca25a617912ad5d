"""Files as a student expects them (docs/file-formats.md, "Safe reads and writes").

Reading: `open_regular` opens regular files only. A named pipe (FIFO), a device or a socket
is refused *before* anything could block on it (a FIFO without a writer would block `open`
forever), and checked again on the open descriptor, so a file swapped in between is caught.

Writing: `write_atomically` writes to a temporary file beside the target and renames it over
the target, so a failure or an interruption leaves the old file untouched and no partial
file. The target is checked first: a folder, a FIFO, a device or a socket is never replaced
by a regular file (`streams=True` writes into a pipe or a terminal instead, as a shell's
`>` would); a symbolic link is followed, so the file it points to is updated and the link
stays. Temporaries carry the writer's process id in their name, and every write first
removes the temporaries of the same target left by a process that no longer runs (a kill
-9 or a power cut). A write can report progress and be cancelled (`Progress`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

PathLike = str | os.PathLike[str]
TEMP_SUFFIX = ".tmp"
OLD_TEMP_AGE_SECONDS = 24 * 3600  # temporaries of earlier versions (no pid) older than this
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)

_in_progress: set[str] = set()  # temporaries being written now, by any thread
_in_progress_lock = threading.Lock()


class NotARegularFileError(OSError):
    """A path that names a FIFO, a device or a socket, where a file was meant; `kind`
    says which ("a named pipe (FIFO)")."""

    def __init__(self, kind: str, filename: str) -> None:
        super().__init__(errno.EINVAL, f"{kind}, not a regular file", filename)
        self.kind = kind


class SameFileError(OSError):
    """A write that would replace a file that must stay (the session being read)."""


class WriteCancelledError(Exception):
    """The student cancelled a long write: nothing was written, the old file is intact."""


class Progress:
    """How far a long write is, shared between the thread that writes and the one that
    shows it; `cancel()` makes the writer stop at its next `advance`."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self._cancel = threading.Event()

    def start(self, total: int) -> None:
        self.total, self.done = max(total, 0), 0

    def advance(self, amount: int) -> None:
        """`amount` more units written; raises WriteCancelledError once `cancel` was called."""
        if self._cancel.is_set():
            raise WriteCancelledError
        self.done += amount

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


# -- what a path is ---------------------------------------------------------------------------
def kind_of(mode: int) -> str:
    """What a file of this st_mode is, for messages ("a named pipe (FIFO)")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(mode: int, path: PathLike) -> OSError:
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, "is a folder, not a file", os.fspath(path))
    return NotARegularFileError(kind_of(mode), os.fspath(path))


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name the same file (through links, hard links included)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.realpath(a) == os.path.realpath(b)


# -- reading ----------------------------------------------------------------------------------
def open_regular(path: PathLike) -> BinaryIO:
    """Open a regular file for reading, never blocking: NotARegularFileError for a FIFO,
    a device or a socket, IsADirectoryError for a folder, FileNotFoundError (a dangling
    link too) and the other OSErrors of `open`."""
    mode = os.stat(path).st_mode  # follows links; cheap and never blocks
    if not stat.S_ISREG(mode):
        raise _not_regular(mode, path)
    flags = os.O_RDONLY | _O_NONBLOCK | _O_NOCTTY | _O_BINARY
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode  # what was opened (it may have been swapped meanwhile)
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, path)
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: PathLike, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a regular file (one more than allowed tells the caller
    it is too large; the size it had when opened is checked first, without reading)."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise FileTooLargeError(size, limit, os.fspath(path))
        return handle.read(limit + 1)


class FileTooLargeError(OSError):
    """A file larger than the reader accepts (`size` and `limit` in bytes)."""

    def __init__(self, size: int, limit: int, filename: str) -> None:
        super().__init__(errno.EFBIG, f"{size / 2**20:.1f} MB, more than {limit // 2**20} MB")
        self.size, self.limit, self.filename = size, limit, filename


# -- writing ----------------------------------------------------------------------------------
def resolve_target(path: PathLike, streams: bool = False) -> tuple[Path, bool]:
    """Where a write to `path` goes, and whether it is a stream (written into, not
    replaced). A symbolic link to a file (or to nothing yet) is followed, so the file it
    names is replaced and the link stays. Refuses folders (IsADirectoryError), devices,
    sockets and, unless `streams`, FIFOs (NotARegularFileError); with `streams`, a FIFO
    or pipe, a terminal and the null device are streams (`/dev/stdout` included)."""
    if not os.path.basename(os.fspath(path)):
        raise IsADirectoryError(errno.EISDIR, "not a file name", os.fspath(path))
    try:
        info: os.stat_result | None = os.stat(path)  # follows links
    except (FileNotFoundError, NotADirectoryError):  # (the write says what is missing)
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if streams and (stat.S_ISFIFO(info.st_mode) or _is_terminal_or_null(info)):
            return Path(path), True
        raise _not_regular(info.st_mode, path)
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    return target, False


def _is_terminal_or_null(info: os.stat_result) -> bool:
    """A character device that is the null device or one of this process's own terminal
    streams (`--export /dev/stdout` in a terminal): never another device."""
    if not stat.S_ISCHR(info.st_mode):
        return False
    devices = set()
    with contextlib.suppress(OSError):
        devices.add(os.stat(os.devnull).st_rdev)
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            own = os.fstat(fd)
            if stat.S_ISCHR(own.st_mode):
                devices.add(own.st_rdev)
    return info.st_rdev in devices


def write_atomically(
    path: PathLike,
    write: Callable[[BinaryIO], None],
    *,
    keep: Iterable[PathLike | None] = (),
    streams: bool = False,
) -> None:
    """Call `write(handle)` on a temporary file beside the target, then rename it over the
    target (see the module's text). `keep`: files the write must not replace (the session
    being read): SameFileError. Any exception, WriteCancelledError or a signal turned into one
    included, removes the temporary and leaves an existing target untouched."""
    target, is_stream = resolve_target(path, streams)
    for kept in keep:
        if kept is not None and same_file(target, kept):
            raise SameFileError(errno.EEXIST, "the file being read", os.fspath(path))
    if is_stream:
        _write_stream(target, write)
        return
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", os.fspath(target))
    folder = target.parent if str(target.parent) else Path(".")
    sweep_temporaries(folder / target.name)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f"~{os.getpid()}{TEMP_SUFFIX}", dir=folder
    )
    with _in_progress_lock:
        _in_progress.add(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    finally:
        with _in_progress_lock:
            _in_progress.discard(tmp_name)


def _write_stream(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Into a FIFO or a terminal, as `>` would; a FIFO needs a reader already (ENXIO)."""
    try:
        fd = os.open(target, os.O_WRONLY | _O_NONBLOCK | _O_NOCTTY | _O_BINARY)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise OSError(
                errno.ENXIO, "a named pipe (FIFO) that no program reads", str(target)
            ) from None
        raise
    if _O_NONBLOCK:
        os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as handle:
        write(handle)


def write_chunks(chunks: Iterable[bytes | memoryview]) -> Callable[[BinaryIO], None]:
    """A `write` for `write_atomically` that writes these byte strings in order."""

    def write(handle: BinaryIO) -> None:
        for chunk in chunks:
            handle.write(chunk)

    return write


def remove_temporaries() -> None:
    """Remove the temporaries being written now (a signal ends the program: the writes
    will not finish). Safe to call from a signal handler's aftermath in any thread."""
    with _in_progress_lock:
        names = list(_in_progress)
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(name)


def temporaries_in_progress() -> list[str]:
    with _in_progress_lock:
        return sorted(_in_progress)


_OURS = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]{8}(?:~(?P<pid>\d+))?\.tmp\Z", re.DOTALL)


def sweep_temporaries(target: PathLike) -> list[Path]:
    """Remove the temporaries of writes to `target` that will never finish: those of a
    process that no longer runs, and those of earlier versions (no process id in the
    name) older than a day. Returns what was removed."""
    target = Path(target)
    return _sweep(target.parent if str(target.parent) else Path("."), target.name)


def sweep_folder(folder: PathLike) -> list[Path]:
    """Remove every temporary of ours in `folder` whose process no longer runs (for a
    folder only this program writes in, such as the autosave folder)."""
    return _sweep(Path(folder), None)


def _sweep(folder: Path, name: str | None) -> list[Path]:
    removed: list[Path] = []
    try:
        candidates = list(folder.iterdir())
    except OSError:
        return removed
    for path in candidates:
        match = _OURS.match(path.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        pid = match["pid"]
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            if pid is None:
                stale = name is not None and time.time() - info.st_mtime > OLD_TEMP_AGE_SECONDS
            else:
                stale = int(pid) != os.getpid() and not process_alive(int(pid))
            if stale:
                path.unlink()
                removed.append(path)
        except (OSError, ValueError):
            continue
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (someone else's counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except (OSError, OverflowError):
        return False
    return True


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
