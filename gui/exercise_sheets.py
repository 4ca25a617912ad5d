"""Exercise sheets on disk: `--exercises N --seed S --out DIR` and File → Exercise sheets….

In DIR: exercise-01.json … (each variant as a session at step 0: open it, or train it
with `--headless`), exercises.html and .pdf (the questions), answers.html and .pdf (each
variant's first step worked out: the numbers `--headless DIR/exercise-k.json --steps 1
--explain` prints). The variants come from model/exercises.py; the PDFs are printed by
Qt (gui/handout.py). Every file is written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from gui.handout import pdf_bytes
from model.exercises import make_exercises, question_html, sheet_html
from model.history import write_bytes_atomically
from model.session import copy_session, write_session
from model.state import Trainer

NEW_PAGE = '<div style="page-break-before: always"></div>'


def exercise_name(number: int, count: int) -> str:
    """exercise-01.json … exercise-12.json (three digits from 100 exercises on)."""
    return f"exercise-{number:0{max(2, len(str(count)))}d}.json"


def write_exercise_sheets(
    trainer: Trainer,
    count: int,
    seed: int,
    folder: str | os.PathLike[str],
    keep: Iterable[str | os.PathLike[str] | None] = (),
) -> list[Path]:
    """Write `count` variants of the trainer's network drawn from `seed`, the questions
    and the answers into `folder` (made if missing); the files written. ValueError for a
    count out of range, OSError if a file cannot be written."""
    exercises = make_exercises(trainer, count, seed)
    target = Path(folder).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    kept = list(keep)
    written: list[Path] = []
    for exercise in exercises:
        path = target / exercise_name(exercise.number, count)
        title = f"Exercise {exercise.number} of {count} (seed {seed})"
        write_session(copy_session(exercise.trainer, title), path, keep=kept)
        written.append(path)
    questions = [question_html(e) for e in exercises]
    answers = [
        f"<h2>Exercise {e.number}: the first step worked out</h2>\n{e.answer_html}"
        for e in exercises
    ]
    printed_answers = [answers[0], *(NEW_PAGE + a for a in answers[1:])]
    sheets = (
        ("exercises", f"Exercises (seed {seed})", questions, questions),
        ("answers", f"Answers (seed {seed})", answers, printed_answers),
    )
    for name, title, bodies, printed in sheets:
        html_path, pdf_path = target / f"{name}.html", target / f"{name}.pdf"
        write_bytes_atomically(html_path, sheet_html(title, bodies).encode("utf-8"), keep=kept)
        write_bytes_atomically(pdf_path, pdf_bytes(sheet_html(title, printed), title), keep=kept)
        written += [html_path, pdf_path]
    return written
