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

Within a memory budget the autosave stays within its share on disk (model/budget.py). A
history that stores every state, and fits the share, is saved as above. Otherwise the
rows file holds only kept rows, each with its step number in front (the session file's
"thinned history", docs/file-formats.md), every `stride`-th state and those replay cannot
make; the JSON's autosave entry then carries the history's `states`, `stride`, `pinned`,
`pinned_below` (and `last_row`, the current state, where no kept row is it) and the JSON
the optimizer's `optimizer_checkpoints`. Restoring replays every other state exactly.
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

from model.budget import format_size
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
from model.session.fields import expect_vector
from model.session.reading import _read_checkpoints, check_replay
from model.session.sections import read_history, read_optimizer_state
from model.session.writing import (
    checkpoints_entry,
    optimizer_state_entry,
    sorted_contains,
    state_lists,
)
from model.state import Trainer

PREFIX = "autosave-"
SAVE_BYTES = 8 * 1024 * 1024  # new rows one autosave copies at most (~3 ms)
KEY = "autosave"
DAMAGED = "damaged"  # the subfolder damaged autosaves are set aside in
MAX_JSON_BYTES = 256 * 1024 * 1024  # an autosave's JSON holds the data: it may be large
DAMAGED_KEEP_SECONDS = 30 * 24 * 3600  # set-aside autosaves older than this are deleted
LATEST_PLAUSIBLE_TIME = 1e11  # seconds since 1970, year 5138: later means damaged
THINNED_KEYS = ("states", "stride", "pinned", "pinned_below")  # the autosave entry's
CHECKPOINT_VALUE_BYTES = 25  # a float of the optimizer's checkpoints as JSON text, at most


class AutosaveTooLargeError(OSError):
    """The rows the autosave must keep exceed its share of the memory budget: nothing is
    written, the previous autosave stays."""

    def __init__(self, needed: int, share: int) -> None:
        super().__init__(
            f"Autosave paused: the history's kept rows need {format_size(needed)} on disk, "
            f"more than the autosave's share of the memory budget ({format_size(share)}); "
            "the last autosave is kept. Save your work with File → Save, or raise the "
            "memory budget."
        )


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
    share: int | None = None  # the rows file and the checkpoints fit in this many bytes
    file_rows: int = 0  # rows the rows file holds once written

    def run(self) -> None:
        """Rows first, then the JSON that names and counts them, then the old rows."""
        text = json.dumps(self.session, allow_nan=False)
        if self.share is not None:  # measured before anything is written
            checkpoints = self.session.get("optimizer_checkpoints")
            needed = self.file_rows * self.rows.shape[1] * 8
            if checkpoints is not None:
                needed += len(json.dumps(checkpoints, allow_nan=False))
            if needed > self.share:
                raise AutosaveTooLargeError(needed, self.share)
        self.json_path.parent.mkdir(parents=True, exist_ok=True)
        if self.first:
            with open(self.rows_path, "r+b") as handle:
                handle.seek(self.first * self.rows.shape[1] * 8)
                handle.write(self.rows.data)
        else:
            write_bytes_atomically(self.rows_path, self.rows.data)
        write_atomically(self.json_path, [text])
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
        # The step of each row of the rows file (None: every state, 0, 1, 2, …) and the
        # stride its rows were picked at.
        self._steps_on_disk: np.ndarray | None = None
        self._stride = 1

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
        tens of ms. `behind` then says another save should follow soon. AutosaveTooLargeError
        (nothing changed) when the rows the autosave must keep exceed its share."""
        history = trainer.history
        budget = trainer.budget
        share = None if budget is None else budget.autosave_bytes
        n_states = trainer.position + 1
        if history.dense and (share is None or n_states * history.width * 8 <= share):
            return self._prepare_dense(trainer, title, source, unsaved)
        return self._prepare_thinned(trainer, title, source, unsaved, share)

    def _prepare_dense(
        self, trainer: Trainer, title: str, source: str | None, unsaved: bool
    ) -> AutosaveJob:
        """Every state's row, raw (the format of a history that stores every state)."""
        history = trainer.history
        appendable = (
            history is self._history
            and history.revision == self._revision
            and self._rows_on_disk > 0
            and self._steps_on_disk is None
        )
        replaced = None
        if not appendable:
            replaced = self.rows_path
            self._generation += 1
        first = min(self._rows_on_disk, trainer.position + 1) if appendable else 0
        per_save = max(1, SAVE_BYTES // (8 * (len(history.parameter_names) + 1)))
        n_rows = min(trainer.position + 1, first + per_save)
        rows = history.rows(first, n_rows)  # a copy
        self._history, self._revision = history, history.revision
        self._rows_on_disk = max(self._rows_on_disk, n_rows) if appendable else n_rows
        self._steps_on_disk = None
        session = self._session(trainer, title, n_rows - 1)
        session[KEY] = {
            "rows": n_rows,
            "rows_file": self.rows_path.name,
            "source": source,
            "unsaved": unsaved,
            "saved_at": time.time(),
            "training_log": _log_before(trainer, n_rows - 1),
        }
        budget = trainer.budget
        share = None if budget is None else budget.autosave_bytes
        return self._job(session, rows, first, replaced, share)

    def _job(
        self,
        session: dict[str, object],
        rows: np.ndarray,
        first: int,
        replaced: Path | None,
        share: int | None,
    ) -> AutosaveJob:
        paths = (self.json_path, self.rows_path)
        return AutosaveJob(*paths, session, rows, first, replaced, share, self._rows_on_disk)

    def _prepare_thinned(
        self,
        trainer: Trainer,
        title: str,
        source: str | None,
        unsaved: bool,
        share: int | None,
    ) -> AutosaveJob:
        """Kept rows with their steps: those the history stores up to the current state,
        every `stride`-th of them and those replay cannot make (the stride doubled, and
        the file rewritten, while they would not fit the share)."""
        history = trainer.history
        position = trainer.position
        stored = history.steps
        candidates = stored[: int(np.searchsorted(stored, position, side="right"))]
        row_bytes = 8 * (history.width + 1)
        base, new, stride, appendable = self._choose(trainer, candidates, share)
        replaced = None
        if not appendable:
            replaced = self.rows_path
            self._generation += 1
            self._steps_on_disk = np.empty(0, dtype=np.int64)
            self._rows_on_disk = 0
        assert self._steps_on_disk is not None
        first = self._rows_on_disk
        written = new[: max(1, SAVE_BYTES // row_bytes)]
        last_kept = int(written[-1]) if len(written) else int(base[-1])
        end = last_kept if len(written) < len(new) else position
        rows = np.column_stack(
            [written.astype(np.float64), history.stored_rows[history.stored_index(written)]]
        )
        self._history, self._revision, self._stride = history, history.revision, stride
        self._steps_on_disk = np.concatenate([self._steps_on_disk[:first], written])
        self._rows_on_disk = len(self._steps_on_disk)
        session = self._session(trainer, title, end)
        entry = None
        if trainer.optimizer_checkpoints:  # (plain descent has none: skip the search)
            steps = np.concatenate([base, written])
            entry = checkpoints_entry(trainer, steps[: int(np.searchsorted(steps, end))])
        if entry is not None:
            session["optimizer_checkpoints"] = state_lists(entry)
        meta: dict[str, object] = {
            "rows": len(base) + len(written),
            "rows_file": self.rows_path.name,
            "source": source,
            "unsaved": unsaved,
            "saved_at": time.time(),
            "training_log": _log_before(trainer, end),
            "states": end + 1,
            "stride": stride,
            "pinned": sorted(int(s) for s in history.pinned if s <= end),
            "pinned_below": min(int(history.pinned_below), end + 1),
        }
        if last_kept != end:  # the current state is not kept: its row goes here
            meta["last_row"] = [end, *history.full_row(end).tolist()]
        session[KEY] = meta
        return self._job(session, rows, first, replaced, share)

    def _choose(
        self, trainer: Trainer, candidates: np.ndarray, share: int | None
    ) -> tuple[np.ndarray, np.ndarray, int, bool]:
        """The steps of the rows file's rows that stay (`base`) and of the rows to write
        after them (`new`), the stride they were picked at, and whether the rows file is
        appended to (else: a new one)."""
        history = trainer.history
        position = trainer.position
        row_bytes = 8 * (history.width + 1)
        checkpoints = np.fromiter(trainer.optimizer_checkpoints, dtype=np.int64)
        slot_bytes = CHECKPOINT_VALUE_BYTES * len(history.parameter_names)
        per_checkpoint = slot_bytes * max(
            (len(s.slots) for s in trainer.optimizer_checkpoints.values()), default=0
        )

        def needed_bytes(*parts: np.ndarray) -> int:
            """Bytes of rows at these steps (increasing parts, one after the other) and of
            the checkpoints among them but the last: searches, not a pass over them all."""
            n = sum(len(part) for part in parts)
            last = next((int(part[-1]) for part in reversed(parts) if len(part)), None)
            kept = sum(
                any(sorted_contains(part, int(c)) for part in parts) and int(c) != last
                for c in checkpoints
            )
            return n * row_bytes + int(kept) * per_checkpoint

        if (
            history is self._history
            and history.revision == self._revision
            and self._rows_on_disk > 0
            and self._steps_on_disk is not None
        ):
            disk = self._steps_on_disk[: self._rows_on_disk]
            base = disk[: int(np.searchsorted(disk, position, side="right"))]
            after = int(np.searchsorted(candidates, disk[-1], side="right"))
            new = candidates[after:] if len(base) == len(disk) else candidates[:0]
            new = new[_pick(history, new, self._stride)]
            if share is None or needed_bytes(base, new) <= share:
                return base, new, self._stride, True
        # A new rows file, at a stride that leaves room to append.
        stride = max(1, history.stride)
        new = candidates[_pick(history, candidates, stride)]
        target = None if share is None else share * 3 // 4
        while target is not None and needed_bytes(new) > target and stride < position:
            stride *= 2
            new = candidates[_pick(history, candidates, stride)]
        if share is not None and needed_bytes(new) > share:
            raise AutosaveTooLargeError(needed_bytes(new), share)
        return candidates[:0], new, stride, False

    def _session(self, trainer: Trainer, title: str, end: int) -> dict[str, object]:
        """The session file's JSON without the history, at state `end`."""
        history = trainer.history
        session = session_to_dict(trainer, title, include_history=False)
        if end < trainer.position:  # the state the saved rows reach
            network = trainer.network.copy()
            network.set_flat(history.row(end))
            session["parameters"] = {
                "weights": [W.tolist() for W in network.weights],
                "biases": [b.tolist() for b in network.biases],
            }
        state = optimizer_state_entry(trainer, end)
        if state is not None:
            session["optimizer_state"] = state_lists(state)
        return session

    def behind(self, trainer: Trainer) -> bool:
        """The last job saved an earlier state than the trainer's (see `prepare`)."""
        if trainer.history is not self._history or trainer.history.revision != self._revision:
            return False
        if self._steps_on_disk is None:
            return self._rows_on_disk < trainer.position + 1
        stored = trainer.history.steps
        last = int(self._steps_on_disk[-1]) if self._rows_on_disk else -1
        kept = stored[: int(np.searchsorted(stored, trainer.position, side="right"))]
        return bool(len(kept)) and last < int(kept[-1])

    def forget(self) -> None:
        """After a failed write: the next job writes the rows whole, into a new file."""
        self._history, self._rows_on_disk = None, 0

    def remove(self) -> None:
        remove_pair(self.json_path)
        self.forget()


def _pick(history: History, steps: np.ndarray, stride: int) -> np.ndarray | slice:
    """Which of `steps` (stored, increasing) a thinned autosave keeps: every `stride`-th
    state, those replay cannot make (step 0, edits, changes of settings, a reopened
    session's) and the last."""
    if stride == 1:  # every stored state: a view, not a pass over millions of steps
        return slice(None)
    mask = (steps % stride == 0) | (steps < max(1, history.pinned_below))
    if history.pinned:
        mask |= np.isin(steps, np.fromiter(history.pinned, dtype=np.int64))
    if len(mask):
        mask[-1] = True
    picked: np.ndarray = mask
    return picked


def _log_before(trainer: Trainer, end: int) -> list[dict[str, object]]:
    """The training log's entries of the settings that made states up to `end`."""
    return [entry for entry in training_log_entries(trainer) if cast(int, entry["from_step"]) < end]


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
    thinned = any(key in meta for key in THINNED_KEYS)  # (absent before: every state)
    rows = read_rows(json_path.with_name(rows_file), n_rows, n_cols + int(thinned))
    if thinned:
        history = _thinned_history(meta, rows, session)
    else:
        history = History(session.network.parameter_names(), len(rows), extras)
        history.extend(rows)
    session = attach_history(session, history, meta.get("training_log"))
    assert isinstance(obj, dict)  # (it held the autosave's meta)
    if obj.get("optimizer_state") is not None and len(history) > 1:
        made = session.config_log[-1][1] if session.config_log else session.config
        state = read_optimizer_state(obj["optimizer_state"], made, session.network.n_parameters)
        session = replace(session, optimizer_state=state)
    if thinned:
        checkpoints = _read_checkpoints(obj, history, session.config, session.config_log)
        session = replace(session, optimizer_checkpoints=checkpoints)
        check_replay(session)
    source = meta.get("source") if isinstance(meta.get("source"), str) else None
    return Recovered(session, source, _plausible_time(meta.get("saved_at")), json_path)


def _thinned_history(meta: dict[str, object], rows: np.ndarray, session: Session) -> History:
    """The kept rows (step, values…) and the autosave entry's keys of a thinned history,
    read as a session file's thinned history is (`last_row`: the current state's row,
    where no kept row is it)."""
    network = session.network
    columns = ["step", *network.parameter_names(), "error"]
    if session.data.has_test_set:
        columns.append("test_error")
    if meta.get("last_row") is not None:
        last = expect_vector(meta["last_row"], f"{KEY}.last_row", len(columns))
        rows = np.vstack([rows, last])
    value = {key: meta[key] for key in THINNED_KEYS if key in meta}
    value.update(columns=columns, rows=rows)
    return read_history(value, network, session.data.has_test_set)


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
