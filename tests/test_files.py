"""Safe reads and writes (model/files.py): a FIFO, a device or a socket is never opened in a
way that blocks and never replaced by a regular file; a link is written through; the file
being read is never replaced; an interrupted or cancelled write leaves no temporary; stale
temporaries of our own are swept."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model import files
from model.files import (
    NotARegularFileError,
    Progress,
    SameFileError,
    WriteCancelledError,
    open_regular,
    read_regular,
    resolve_target,
    sweep_folder,
    sweep_temporaries,
    write_atomically,
    write_chunks,
)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- reading ---------------------------------------------------------------------------------
@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "session.json"
    os.mkfifo(fifo)  # nobody writes to it: open() would wait for ever
    with pytest.raises(NotARegularFileError) as info:
        open_regular(fifo)
    assert info.value.kind == "a named pipe (FIFO)"
    with pytest.raises(NotARegularFileError):
        read_regular(fifo, 100)


def test_a_device_a_socket_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFileError, match="a device"):
        open_regular(os.devnull)
    with pytest.raises(IsADirectoryError):
        open_regular(tmp_path)
    if hasattr(socket, "AF_UNIX"):
        path = tmp_path / "s.sock"
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(path))
            with pytest.raises(NotARegularFileError, match="a socket"):
                open_regular(path)


def test_a_regular_file_and_a_link_to_one_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"{}")
    (tmp_path / "link.json").symlink_to(path)
    assert read_regular(tmp_path / "link.json", 10) == b"{}"
    with pytest.raises(files.FileTooLargeError):
        read_regular(path, 1)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone.json")
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "dangling.json")


# -- writing: what the target is -------------------------------------------------------------
@needs_fifo
def test_a_write_never_replaces_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFileError, match="FIFO"):
        write_atomically(fifo, write_chunks([b"data"]))
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert listing(tmp_path) == ["out.csv"]


def test_a_write_never_replaces_a_device(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFileError, match="device"):
        write_atomically(os.devnull, write_chunks([b"data"]))
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    # ... nor does a stream-writing caller write into a device other than null or a terminal
    if os.path.exists("/dev/zero"):
        with pytest.raises(NotARegularFileError, match="device"):
            resolve_target("/dev/zero", streams=True)
    assert resolve_target(os.devnull, streams=True)[1]  # the null device is a stream


@needs_fifo
def test_a_stream_write_goes_into_a_fifo_with_a_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomically(fifo, write_chunks([b"step,W1\n"]), streams=True)
        assert os.read(reader, 100) == b"step,W1\n"
    finally:
        os.close(reader)
    with pytest.raises(OSError, match="no program reads"):  # no reader now: never blocks
        write_atomically(fifo, write_chunks([b"x"]), streams=True)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    write_atomically(link, write_chunks([b"new"]))
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert listing(tmp_path) == ["link.csv", "real.csv"]


def test_the_file_being_read_is_never_replaced(tmp_path: Path) -> None:
    session = tmp_path / "s.json"
    session.write_text("session", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(session)
    os.link(session, tmp_path / "hard.json")
    for target in (session, tmp_path / "link.json", tmp_path / "hard.json"):
        with pytest.raises(SameFileError):
            write_atomically(target, write_chunks([b"history"]), keep=[str(session)])
    assert session.read_text(encoding="utf-8") == "session"
    write_atomically(tmp_path / "other.csv", write_chunks([b"h"]), keep=[session, None])
    assert (tmp_path / "other.csv").read_bytes() == b"h"


# -- writing: interrupted, cancelled, stale -------------------------------------------------
def test_a_cancelled_write_leaves_nothing_and_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "h.csv"
    target.write_text("old", encoding="utf-8")
    progress = Progress()
    seen: list[list[str]] = []

    def chunks():
        yield b"part"
        progress.advance(1)
        seen.append(files.temporaries_in_progress())
        progress.cancel()
        yield b"more"
        progress.advance(1)  # raises
        yield b"never"

    with pytest.raises(WriteCancelledError):
        write_atomically(target, write_chunks(chunks()))
    assert len(seen[0]) == 1 and Path(seen[0][0]).parent == tmp_path  # it was there ...
    assert listing(tmp_path) == ["h.csv"]  # ... and is gone
    assert target.read_text(encoding="utf-8") == "old"
    assert files.temporaries_in_progress() == []


def test_remove_temporaries_removes_the_writes_in_progress(tmp_path: Path) -> None:
    def write(handle: object) -> None:
        files.remove_temporaries()  # what a signal handler does while this write runs
        assert listing(tmp_path) == []
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "h.csv", write)
    assert listing(tmp_path) == []


def test_stale_temporaries_of_ours_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "h.csv"
    dead = tmp_path / f".h.csv.abcd1234~{dead_pid()}.tmp"  # a kill -9 left it
    alive = tmp_path / f".h.csv.efgh5678~{os.getppid()}.tmp"  # a running write's
    old = tmp_path / ".h.csv.ijkl9012.tmp"  # an earlier version's, two days old
    recent = tmp_path / ".h.csv.mnop3456.tmp"  # an earlier version's, still being written?
    other = tmp_path / f".other.csv.qrst7890~{dead_pid()}.tmp"  # another target's
    unrelated = tmp_path / ".h.csv.notes.tmp"  # not ours
    for path in (dead, alive, old, recent, other, unrelated):
        path.write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    write_atomically(target, write_chunks([b"new"]))
    assert listing(tmp_path) == sorted(p.name for p in (alive, recent, other, unrelated, target))
    assert sweep_temporaries(target) == []
    assert sweep_folder(tmp_path) == [other]  # a folder of our own: any target's
