"""Session files (docs/file-formats.md, "Session file"): load, validate, save.

A session is everything needed to carry on where a student left off: the network and its
current parameters, the data, the training settings and, optionally, the history of
states (docs/file-formats.md, "History") so that Step back and Reset still work after
reopening.

Every problem in a file is reported as a `SessionError` whose text is one line naming
the offending field, e.g. ``parameters.weights[0]: expected 1x2, got 2x2``. A file can be
hostile (huge, deeply nested, binary, NaN): loading never crashes and never takes long.

The modules, each with one job:

* `errors`: SessionError.
* `limits`: the format tag and version, the size limits, `check_size`. The other modules
  read the limits from there when they run: to change one, set it on
  `model.session.limits` (setting the copy on this package changes nothing).
* `json_guard`: reading a file's bytes and decoding them as JSON, safely.
* `messages`: how error messages show values (`describe`).
* `fields`: small validating readers for single fields.
* `sections`: one reader per section of the file (network, parameters, data, ...).
* `state`: the `Session` dataclass.
* `archive`: the .bplab container (a zip of session.json and .npy arrays), read and written.
* `consistency`: whether a history's error column is the error of its parameters.
* `reading`: `load_session` (.json and .bplab), `parse_session`, `attach_history`.
* `writing`: `copy_session` and `write_session` (a copy taken at once, written in any
  thread), `save_session`, `session_to_dict`, `training_log_entries`.
* `examples`: the shipped examples and the lecture's worked example.
"""

from __future__ import annotations

from model.session.errors import SessionError
from model.session.examples import EXAMPLE_NAMES, EXAMPLES, lecture_session, load_example
from model.session.json_guard import decode_json, nesting_depth
from model.session.limits import (
    ARCHIVE_SUFFIX,
    FORMAT,
    INIT_METHODS,
    MAX_ARCHIVE_BYTES,
    MAX_FILE_BYTES,
    MAX_LAYER_SIZE,
    MAX_LAYERS,
    MAX_NESTING,
    MAX_PARAMETERS,
    VERSION,
    check_size,
)
from model.session.messages import describe
from model.session.reading import attach_history, load_session, parse_session
from model.session.state import Session
from model.session.writing import (
    SessionCopy,
    SessionTooLargeError,
    copy_session,
    is_archive_path,
    save_session,
    session_to_dict,
    training_log_entries,
    write_session,
)

__all__ = [
    "ARCHIVE_SUFFIX",
    "EXAMPLES",
    "EXAMPLE_NAMES",
    "FORMAT",
    "INIT_METHODS",
    "MAX_ARCHIVE_BYTES",
    "MAX_FILE_BYTES",
    "MAX_LAYERS",
    "MAX_LAYER_SIZE",
    "MAX_NESTING",
    "MAX_PARAMETERS",
    "VERSION",
    "Session",
    "SessionCopy",
    "SessionError",
    "SessionTooLargeError",
    "attach_history",
    "check_size",
    "copy_session",
    "decode_json",
    "describe",
    "is_archive_path",
    "lecture_session",
    "load_example",
    "load_session",
    "nesting_depth",
    "parse_session",
    "save_session",
    "session_to_dict",
    "training_log_entries",
    "write_session",
]
