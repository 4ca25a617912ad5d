"""Crash safety: the open session, autosaved so that the next start can restore it.

Two files per window (the process id in their names, so that two windows never write
the same file, and a file whose process is gone was left by a crash):

- `autosave-<pid>-<n>-<generation>.f64`: the history's rows, raw float64, appended as
  training goes on. Only the new rows are written each time: a 10-million-step run is not
  rewritten every few seconds. A change other than appending (Back, Reset, an edit)
  writes them whole into the next generation's file; the previous one is deleted only
  once the JSON names the new one.
- `autosave-<pid>-<n>.json`: the session (the session file's JSON, without the history), which rows
  file holds its history and how many of its rows belong to it. It is written atomically
  *after* the rows, so it never counts rows that are not on disk: a crash in the middle
  of a save — an append or a rewrite — leaves the previous save intact.
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np

from model.files import open_regular, process_alive, read_regular
from model.history import History, write_atomically, write_bytes_atomically
from model.session import (
    Session,
    SessionError,
    attach_history,
    decode_json,
    parse_session,
    session_to_dict,
    training_log_entries,
)
from model.session.sections import read_optimizer_state
from model.session.writing import optimizer_state_entry, state_lists
from model.state import Trainer

PREFIX = "autosave-"
SAVE_BYTES = 8 * 1024 * 1024  # new rows one autosave copies at most (~3 ms)
KEY = "autosave"
DAMAGED = "damaged"  # the subfolder damaged autosaves are set aside in
MAX_JSON_BYTES = 256 * 1024 * 1024  # an autosave's JSON holds the data: it may be large
DAMAGED_KEEP_SECONDS = 30 * 24 * 3600  # set-aside autosaves older than this are deleted
LATEST_PLAUSIBLE_TIME = 1e11  # seconds since 1970, year 5138: later means damaged


@dataclass(frozen=True)
class Recovered:
    """A session left behind by an app that did not close properly."""

    session: Session
    source: str | None  # the file it had been opened from or saved to
    saved_at: float  # time.time() of the autosave
    path: Path  # its .json file

    def discard(self) -> None:
        remove_pair(self.path)


@dataclass(frozen=True)
class AutosaveJob:
    """One autosave, prepared in the GUI thread (the rows are a copy), written by `run`
    in any thread."""

    json_path: Path
    rows_path: Path
    session: dict[str, object]  # a session file's JSON, plus KEY: which rows belong to it
    rows: np.ndarray  # the rows to write from row `first` on
    first: int  # 0: a new rows file, written whole
    replaced: Path | None = None  # the previous generation, deleted after the JSON

    def run(self) -> None:
        """Rows first, then the JSON that names and counts them, then the old rows."""
        self.json_path.parent.mkdir(parents=True, exist_ok=True)
        if self.first:
            with open(self.rows_path, "r+b") as handle:
                handle.seek(self.first * self.rows.shape[1] * 8)
                handle.write(self.rows.data)
        else:
            write_bytes_atomically(self.rows_path, self.rows.data)
        write_atomically(self.json_path, [json.dumps(self.session, allow_nan=False)])
        if self.replaced is not None and self.replaced != self.rows_path:
            with contextlib.suppress(OSError):
                self.replaced.unlink()


class AutosaveFile:
    """The autosave of this running app: what its rows file already holds."""

    def __init__(self, folder: Path, name: str | None = None) -> None:
        """`name`: "<process id>-<n>" (default: this process's id, then 0). Every name has
        this two-part form, so one autosave's rows files ("<name>-<generation>.f64")
        never match another's pattern."""
        self.name = f"{PREFIX}{name if name is not None else f'{os.getpid()}-0'}"
        self.json_path = folder / f"{self.name}.json"
        self._generation = 0
        self._history: History | None = None  # the rows file holds a prefix of it
        self._revision = -1
        self._rows_on_disk = 0

    @property
    def rows_path(self) -> Path:
        """The rows file of the latest save."""
        return self.json_path.with_name(f"{self.name}-{self._generation}.f64")

    def prepare(
        self, trainer: Trainer, title: str, source: str | None, unsaved: bool
    ) -> AutosaveJob:
        """The job that saves the trainer's session up to its current state — or, when
        more than SAVE_BYTES of rows are new (a fast Run), up to the state those bytes
        reach: the rows are copied in the GUI thread, and 90 MB at once stalled it for
        tens of ms. `behind` then says another save should follow soon."""
        history = trainer.history
        appendable = (
            history is self._history
            and history.revision == self._revision
            and self._rows_on_disk > 0
        )
        replaced = None
        if not appendable:
            replaced = self.rows_path
            self._generation += 1
        first = min(self._rows_on_disk, trainer.position + 1) if appendable else 0
        per_save = max(1, SAVE_BYTES // (8 * (len(history.parameter_names) + 1)))
        n_rows = min(trainer.position + 1, first + per_save)
        rows = history.rows(first, n_rows)  # a copy; replayed where not stored
        self._history, self._revision = history, history.revision
        self._rows_on_disk = max(self._rows_on_disk, n_rows) if appendable else n_rows
        session = session_to_dict(trainer, title, include_history=False)
        if n_rows < trainer.position + 1:  # the state the saved rows reach
            network = trainer.network.copy()
            network.set_flat(history.row(n_rows - 1))
            session["parameters"] = {
                "weights": [W.tolist() for W in network.weights],
                "biases": [b.tolist() for b in network.biases],
            }
        log = [
            entry
            for entry in training_log_entries(trainer)
            if cast(int, entry["from_step"]) < n_rows - 1
        ]
        state = optimizer_state_entry(trainer, n_rows - 1)
        if state is not None:
            session["optimizer_state"] = state_lists(state)
        session[KEY] = {
            "rows": n_rows,
            "rows_file": self.rows_path.name,
            "source": source,
            "unsaved": unsaved,
            "saved_at": time.time(),
            "training_log": log,
        }
        return AutosaveJob(self.json_path, self.rows_path, session, rows, first, replaced)

    def behind(self, trainer: Trainer) -> bool:
        """The last job saved an earlier state than the trainer's (see `prepare`)."""
        return (
            trainer.history is self._history
            and trainer.history.revision == self._revision
            and self._rows_on_disk < trainer.position + 1
        )

    def forget(self) -> None:
        """After a failed write: the next job writes the rows whole, into a new file."""
        self._history, self._rows_on_disk = None, 0

    def remove(self) -> None:
        remove_pair(self.json_path)
        self.forget()


def remove_pair(json_path: Path) -> None:
    """The JSON and every rows file of its autosave."""
    # Best effort: a file that cannot be removed must not stop the window from closing.
    for path in _pair(json_path):
        with contextlib.suppress(OSError):
            path.unlink()


def _pair(json_path: Path) -> list[Path]:
    """An autosave's files: its JSON and its rows files (of any generation)."""
    return [
        json_path,
        json_path.with_suffix(".f64"),  # (the first format's)
        *json_path.parent.glob(f"{glob.escape(json_path.stem)}-*.f64"),
    ]


def left_behind(folder: Path) -> list[Path]:
    """Autosaves whose app is no longer running, newest first (anything with an
    autosave's name counts, a link or a pipe included: reading it says it is damaged)."""
    found = []
    for path in folder.glob(f"{PREFIX}*.json"):
        pid = path.stem.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            found.append(path)
    return sorted(found, key=_modified, reverse=True)


def _modified(path: Path) -> float:
    try:
        return path.lstat().st_mtime  # (a dangling link has a time too)
    except OSError:
        return 0.0


def read_autosave(json_path: Path) -> Recovered | None:
    """The session an autosave holds; None if it holds nothing unsaved (it is then
    removed). SessionError if it is damaged, whatever the damage: nothing in the folder
    can make this crash, block or take long."""
    try:
        raw = read_regular(json_path, MAX_JSON_BYTES)
    except OSError as error:
        raise SessionError(
            "file", f"the autosave cannot be read ({error.strerror or error})"
        ) from None
    obj = decode_json(raw)
    meta = obj.get(KEY) if isinstance(obj, dict) else None
    if not isinstance(meta, dict):
        raise SessionError(KEY, "missing or damaged")
    n_rows = meta.get("rows")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 1:
        raise SessionError(
            f"{KEY}.rows", f"expected a number of rows from 1 up, got {n_rows!r:.40}"
        )
    if not meta.get("unsaved"):
        remove_pair(json_path)
        return None
    session = parse_session(obj)
    extras = ["test_error"] if session.data.has_test_set else []
    n_cols = session.network.n_parameters + 1 + len(extras)
    rows_file = meta.get("rows_file", json_path.with_suffix(".f64").name)  # 1st format
    if (
        not isinstance(rows_file, str)
        or Path(rows_file).name != rows_file
        or not (rows_file == f"{json_path.stem}.f64" or rows_file.startswith(f"{json_path.stem}-"))
    ):
        raise SessionError(KEY, f"names no rows file of its own: {rows_file!r:.60}")
    rows = read_rows(json_path.with_name(rows_file), n_rows, n_cols)
    history = History(session.network.parameter_names(), len(rows), extras)
    history.extend(rows)
    session = attach_history(session, history, meta.get("training_log"))
    assert isinstance(obj, dict)  # (it held the autosave's meta)
    if obj.get("optimizer_state") is not None and len(history) > 1:
        made = session.config_log[-1][1] if session.config_log else session.config
        state = read_optimizer_state(obj["optimizer_state"], made, session.network.n_parameters)
        session = replace(session, optimizer_state=state)
    source = meta.get("source") if isinstance(meta.get("source"), str) else None
    return Recovered(session, source, _plausible_time(meta.get("saved_at")), json_path)


def _plausible_time(value: object) -> float:
    """`saved_at` as a time the clock can show, else 0.0 (unknown)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        seconds = float(value)
    except OverflowError:
        return 0.0
    return seconds if math.isfinite(seconds) and 0 < seconds < LATEST_PLAUSIBLE_TIME else 0.0


def read_rows(path: Path, n_rows: int, n_cols: int) -> np.ndarray:
    """The first n_rows rows of a rows file; SessionError, before reading, if the file
    cannot hold them (a damaged count never makes this claim memory)."""
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            held = size // (8 * max(n_cols, 1))
            if n_rows < 1 or n_rows > held:
                raise SessionError(
                    "history", f"expected {n_rows} autosaved rows, the file holds {held}"
                )
            rows = np.fromfile(handle, dtype=np.float64, count=n_rows * n_cols)
    except OSError as error:
        raise SessionError(
            "history", f"the autosaved rows cannot be read ({error.strerror or error})"
        ) from None
    if rows.size != n_rows * n_cols:
        raise SessionError(
            "history",
            f"expected {n_rows} autosaved rows, the file holds {rows.size // max(n_cols, 1)}",
        )
    return rows.reshape(n_rows, n_cols)


def set_aside(json_path: Path) -> Path:
    """Move a damaged autosave (its JSON and rows files) into the `damaged` subfolder, so
    that it is reported once and can still be looked at; returns that folder. Removes
    what cannot be moved, and set-aside files older than DAMAGED_KEEP_SECONDS."""
    folder = json_path.parent / DAMAGED
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
    for path in _pair(json_path):
        try:
            os.replace(path, folder / path.name)
        except FileNotFoundError:
            continue
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
    now = time.time()
    with contextlib.suppress(OSError):
        for old in folder.iterdir():
            if now - _modified(old) > DAMAGED_KEEP_SECONDS:
                with contextlib.suppress(OSError):
                    old.unlink()
    return folder
