"""File → Export compared runs…: every run's history as CSV, written in the background.

Two forms, chosen by the save dialog's file type (docs/file-formats.md, "Compared runs"):
one file with a first column `run` (1 = the window's run), or one file per run beside
the name chosen (runs.csv → runs-run1.csv, runs-run2.csv, …), each as File → Export
history writes a history. Steps are run 1's in both: a compared run's rows start at the
step the comparison began. The rows are copied first (a Run may go on meanwhile) and the
files are written atomically, never over the session's own file, a folder or a device.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from gui import file_dialogs
from gui.document import Document, _file_problem
from gui.file_jobs import run_with_progress
from gui.lab import Lab
from model.comparison import rows_csv_chunks, run_csv_chunks, run_rows
from model.files import Progress, WriteCancelledError
from model.history import write_atomically

ONE_FILE = "One CSV file with a run column (*.csv)"
PER_RUN = "One CSV file per run: name-run1.csv, name-run2.csv, … (*.csv)"


def per_run_paths(path: str, n_runs: int) -> list[str]:
    """runs.csv → runs-run1.csv, runs-run2.csv, … beside it."""
    target = Path(path)
    stem = target.stem
    return [str(target.with_name(f"{stem}-run{k}{target.suffix}")) for k in range(1, n_runs + 1)]


def ask_target(parent: QtWidgets.QWidget, folder: str) -> tuple[str, bool]:
    """(the file chosen, whether one file per run was chosen); ("", …) if cancelled."""
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(
        parent,
        "Export compared runs",
        str(Path(folder) / "runs.csv"),
        f"{ONE_FILE};;{PER_RUN}",
    )
    if path and not Path(path).suffix:
        path += ".csv"
    return path, chosen == PER_RUN


def export_compared_runs(lab: Lab, document: Document) -> list[str]:
    """Ask where, then write; the files written (none if cancelled or refused)."""
    comparison = lab.compared.comparison
    parent = document.dialog_parent
    if comparison is None:
        document.report("No runs are compared: Run → Compare… first.")
        return []
    path, per_run = ask_target(parent, document.folder())
    if not path:
        return []
    main = lab.trainer
    columns = main.history.columns
    runs = [(first, rows.copy()) for first, rows in run_rows(comparison, main)]
    targets = per_run_paths(path, len(runs)) if per_run else [path]
    total = sum(len(rows) for _first, rows in runs)
    keep = [document.path]

    def work(progress: Progress) -> None:
        progress.start(total)
        if not per_run:
            write_atomically(path, rows_csv_chunks(columns, runs, progress), keep=keep)
            return
        for target, (first, rows) in zip(targets, runs, strict=True):
            write_atomically(target, run_csv_chunks(columns, first, rows, progress), keep=keep)

    try:
        run_with_progress(parent, f"Exporting {len(runs)} runs, {total:,} rows…", work)
    except WriteCancelledError:
        document.report(f"Export cancelled: nothing more was written to {path}.")
        return []
    except (OSError, ValueError) as error:
        where = getattr(error, "filename", None) or path
        text = _file_problem(str(where), error)
        document.report(text)
        file_dialogs.warn(parent, "Cannot export compared runs", text)
        return []
    written = ", ".join(Path(t).name for t in targets)
    document.report(f"Exported {len(runs)} runs ({total:,} rows) to {written}", 8000)
    return targets
