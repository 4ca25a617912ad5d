"""The command line's teaching files: `--handout OUT` and `--exercises N --seed S --out DIR`.

main.py imports this module only when one of them is asked for, so `--headless` alone
never loads Qt. Here Qt runs without a display (gui/handout.py, `ensure_application`).
Each function returns what to say: a problem is one line for main.py's "error:".
"""

from __future__ import annotations

from gui.exercise_sheets import write_exercise_sheets
from gui.handout import write_handout
from model.handout import check_steps
from model.state import Trainer


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def write_handout_file(
    trainer: Trainer,
    title: str,
    source: str | None,
    out: str,
    first: int | None,
    last: int | None,
) -> str:
    """--handout OUT [--handout-steps A:B] after the run (default: its last step);
    the problem, or ""."""
    if first is None or last is None:
        if trainer.position == 0:
            return (
                f"--handout {out}: no step to put on a handout: the network is still at "
                "step 0 (use --steps 1 or more)"
            )
        first = last = trainer.position
    try:
        check_steps(first, last, trainer.last_step)
    except ValueError as error:
        return f"--handout-steps {first}:{last}: {error}"
    try:
        write_handout(trainer, out, title, first, last, keep=[source])
    except (OSError, ValueError) as error:
        return f"--handout {out}: cannot write it ({_reason(error)})"
    return ""


def write_exercises(trainer: Trainer, count: int, seed: int, out: str) -> tuple[str, str]:
    """--exercises N --seed S --out DIR: (what was written, the problem or "")."""
    try:
        written = write_exercise_sheets(trainer, count, seed, out)
    except (OSError, ValueError) as error:
        return "", f"--out {out}: cannot write the exercise sheets ({_reason(error)})"
    sessions = [p.name for p in written if p.suffix == ".json"]
    sheets = [p.name for p in written if p.suffix != ".json"]
    shown = sessions[0] if len(sessions) == 1 else f"{sessions[0]} ... {sessions[-1]}"
    return f"wrote {count} exercise(s) (seed {seed}) to {out}: {shown}, {', '.join(sheets)}", ""
