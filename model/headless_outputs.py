"""What the command line writes after a headless run (docs/file-formats.md, "Command
line"): the history export (with gradient columns where asked), the saved session, and
the checks, made before training, that each target can be written."""

from __future__ import annotations

import os
from pathlib import Path

from model.files import NotARegularFileError, resolve_target, same_file
from model.gradients_export import export_with_gradients
from model.numbers import format_number
from model.session import save_session
from model.state import Trainer

SUMMARY_PARAMETERS = 12  # a summary line lists at most this many parameters


def outputs_problem(
    path: str | None, export: str | None, save: str | None, handout: str | None = None
) -> str:
    """Why --export, --save or --handout could not be written, checked before training."""
    outputs = (("--export", export, path), ("--save", save, None), ("--handout", handout, path))
    for flag, target, source in outputs:
        if target is not None:
            problem = unwritable(target, source)
            if problem:
                return f"{flag} {target}: {problem}"
    return ""


def write_outputs(
    trainer: Trainer,
    title: str,
    path: str | None,
    export: str | None,
    save: str | None,
    gradients: bool,
) -> str:
    """The export and the saved session; the message of what failed, else ""."""

    def write_export(out: str) -> None:
        export_history(trainer, out, path, gradients)

    def write_session(out: str) -> None:
        save_session(trainer, out, title)

    writes = (("--export", export, write_export), ("--save", save, write_session))
    for flag, target, write in writes:
        if target is None:
            continue
        try:
            write(target)
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            return f"{flag} {target}: cannot write it ({reason})"
    return ""


def print_summary(trainer: Trainer, start: int, error_before: float) -> None:
    done = trainer.position - start
    error_after = trainer.history.error_at(trainer.position)
    names = trainer.network.parameter_names()
    values = trainer.network.get_flat()
    shown = " ".join(
        f"{name}={format_number(v)}"
        for name, v in zip(names[:SUMMARY_PARAMETERS], values, strict=False)
    )
    if len(names) > SUMMARY_PARAMETERS:
        shown += f" ... ({len(names)} parameters)"
    print(
        f"trained {done} step(s): error {format_number(error_before)} -> "
        f"{format_number(error_after)}; parameters {shown}"
    )


def export_history(trainer: Trainer, export: str, source: str | None, gradients: bool) -> None:
    """The history, with the grad.NAME columns where asked (docs/file-formats.md)."""
    history = trainer.history
    if not gradients:
        history.export(export, keep=[source], streams=True)
        return
    export_with_gradients(trainer, export, keep=[source], streams=True)


def unwritable(path: str, source: str | None = None) -> str:
    """Why `path` cannot be written, or "" if it probably can (checked before training).
    A symbolic link is followed (the file it names is written); a named pipe or a
    terminal is written into; the session file `source` is never replaced."""
    try:
        target, stream = resolve_target(path, streams=True)
    except OSError as error:
        return _refused(error)
    if source is not None and same_file(target, source):
        return (
            f"is the session file being read ({source}); exporting there would replace "
            "the session with its history: choose another name"
        )
    return "" if stream else _folder_problem(target.parent)


def _refused(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(error, NotARegularFileError):
        return f"is {error.kind}, not a file: choose a file name"
    return f"cannot be checked ({error.strerror or error})"


def _folder_problem(folder: Path) -> str:
    if not folder.is_dir():
        return f"the folder {os.fspath(folder)} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no permission to write in {os.fspath(folder)}"
    return ""
