"""Backprop Lab's entry point (docs/file-formats.md, "Command line").

    python main.py [FILE.json|FILE.bplab]            the window
    python main.py --headless [FILE] --steps N --export OUT.csv|OUT.json [--explain]
    python main.py --headless [FILE] --steps N --handout OUT.html|OUT.pdf [--handout-steps A:B]
    python main.py [FILE] --exercises N --seed S --out DIR

Invalid input never ends in a traceback: one line on stderr starting with ``error:``,
exit code 2. A run that diverges writes the finite part of the history, exit code 3.
SIGTERM and SIGHUP end a headless run like Ctrl+C does: nothing half-written is left.
"""

from __future__ import annotations

import gc

if __name__ == "__main__":
    # Until the window's first paint (gui.app.after_first_paint), or until main() sees no
    # window is wanted: start-up makes ~70,000 objects that live as long as the program
    # (modules, classes, widgets), and Python's cyclic garbage collector went through them
    # ~170 times before the first paint, 20-35 ms of a ~375 ms start.
    gc.disable()

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import NoReturn

from model import allocator
from model.budget import BudgetError, MemoryBudget, session_budget
from model.budget import choose as choose_budget
from model.files import remove_temporaries
from model.network import check_differentiable
from model.session import SessionError, lecture_session, load_session
from model.session.fitting import trainer_within
from model.state import Trainer
from model.training import DivergenceError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
MAX_STEPS = 100_000_000
MAX_EXERCISES = 200

DESCRIPTION = """\
Backprop Lab: train a small neural network one step at a time and see every number
that backpropagation computes. Without --headless it opens the window, with the
lecture's worked example or with FILE.json (or a large session, FILE.bplab)."""

EPILOG = """\
examples:
  python main.py                          the window, on the lecture's worked example
  python main.py session.json             the window, on a saved session
  python main.py --headless --steps 100 --export history.csv
  python main.py --headless resources/examples/xor.json --steps 5000 --export xor.json
  python main.py --headless --explain     one lecture step, with its arithmetic
  python main.py --headless --handout step.pdf   that step as a handout (or .html)
  python main.py --exercises 10 --seed 3 --out sheets   exercise sheets and answers

headless mode:
  --headless trains without a window (the lecture example when no FILE is given),
  prints one summary line, e.g.
    trained 1 step(s): error 0.356465271 -> 0.355601244; parameters W1=0.499155648 ...
  and, with --export, writes the history: one row per state (step 0 = the start),
  columns step, the parameters, error; CSV, or JSON {"columns", "rows"} when OUT ends
  in .json. Numbers in the file read back to the identical float64; the file is written
  atomically (a failed export leaves no partial file). A session that carries a history
  continues from its last state.

  --export never replaces the session file being read; into a named pipe or a
  terminal (--export /dev/stdout) it writes as the shell's > would.

session files:
  FILE.json: JSON, "format": "backprop-lab/session", "version": 1 (see
  resources/examples). FILE.bplab: the same session with any history and data, as one
  zip archive (session.json and .npy arrays); the window saves one when a session is
  too large for .json.

exit codes:
  0  success
  1  internal error (a part of the program is missing or broken)
  2  invalid input: bad arguments, an unreadable or invalid session file, or an
     export path that cannot be written; one line on stderr starting with "error:"
     that names the problem (and the offending field of the session)
  3  the run diverged (NaN or infinity): the history up to the last finite state is
     written to --export, and stderr explains what happened
  130  interrupted (Ctrl+C); nothing is exported
  143, 129  stopped by SIGTERM, SIGHUP; nothing is exported
"""


class UsageError(Exception):
    """Bad command-line input; the message is the one line to print after "error:"."""


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt, so that a write in
    progress removes its temporary file (model/files.py)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE.json",
        help="session to open, .json or .bplab (default: the lecture's worked example)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="train without a window, print a summary line"
    )
    parser.add_argument(
        "--steps",
        type=_steps,
        default=None,
        metavar="N",
        help=f"headless: number of training steps, 0 to {MAX_STEPS} (default 1)",
    )
    parser.add_argument(
        "--export",
        metavar="OUT",
        default=None,
        help='headless: write the history to OUT.csv, or OUT.json ({"columns", "rows"})',
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="headless: after the run, print the arithmetic of the last step in plain text",
    )
    parser.add_argument(
        "--save",
        metavar="OUT.json",
        default=None,
        help="headless: after the run, write the session (with its history and the "
        "optimizer's state) to OUT.json, or OUT.bplab; opening it goes on exactly",
    )
    parser.add_argument(
        "--gradients",
        action="store_true",
        help="headless, with --export: add a grad.NAME column per parameter, the gradient "
        "of the dataset error at each state",
    )
    parser.add_argument(
        "--handout",
        metavar="OUT",
        default=None,
        help="headless: after the run, write the last step worked out, with the network, "
        "the curves and the settings, to OUT.html (images inside) or OUT.pdf",
    )
    parser.add_argument(
        "--handout-steps",
        metavar="A:B",
        default=None,
        help="with --handout: the steps A to B instead of the last one (K: step K alone)",
    )
    parser.add_argument(
        "--exercises",
        type=_exercise_count,
        default=None,
        metavar="N",
        help="write N variants of FILE's network with new numbers (exercise-01.json ...), "
        "their questions and answers (exercises.pdf, answers.pdf, and .html) into --out DIR",
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, metavar="S", help="with --exercises: the seed (0)"
    )
    parser.add_argument(
        "--out", metavar="DIR", default=None, help="with --exercises: the folder to write into"
    )
    parser.add_argument(
        "--memory-budget",
        type=_memory_budget,
        default=None,
        metavar="SIZE",
        help="the memory a session may hold (history, undo, autosave), e.g. 512M or 2G "
        "(default: a quarter of the memory); past it, states are recomputed when needed",
    )
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Backprop Lab, with its icon, to the desktop's application menu (Linux: "
        "a .desktop entry under $XDG_DATA_HOME; Windows: a Start-menu shortcut), then exit",
    )
    desktop.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added, then exit",
    )
    return parser


def _steps(text: str) -> int:
    try:
        n = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of steps, got {text!r}"
        ) from None
    if not 0 <= n <= MAX_STEPS:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_STEPS}, got {n}")
    return n


def _memory_budget(text: str) -> MemoryBudget:
    try:
        return MemoryBudget.parse(text)
    except ValueError as error:
        message = str(error).removeprefix(f"memory budget {text!r}: ")
        raise argparse.ArgumentTypeError(message) from None


def _exercise_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_EXERCISES:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_EXERCISES} exercises, got {text!r}")
    return int(text)


def _seed(text: str) -> int:
    if not text.isdigit() or int(text) >= 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911  (one per outcome)
    """Run the program; returns the exit code (docs/file-formats.md, "Exit codes")."""
    gc.enable()  # paused while `python main.py` imported its modules (see the top)
    allocator.tune()  # large arrays back to the system when freed (model/allocator.py)
    try:
        args = build_parser().parse_args(argv)
        choose_budget(args.memory_budget)
        if args.install_desktop_entry or args.uninstall_desktop_entry:
            return _desktop_entry(args)
        if args.exercises is not None or args.seed is not None or args.out is not None:
            return _exercises(args)
        if not args.headless:
            used = _headless_options(args)
            if used:
                raise UsageError(
                    f"{', '.join(used)}: only with --headless (without it, the window opens)"
                )
            return _gui(args.file)
        if args.gradients and args.export is None:
            raise UsageError("--gradients: only with --export (it adds columns to the export)")
        steps = 1 if args.steps is None else args.steps
        handout = _handout_request(args.handout, args.handout_steps)
        return _headless(
            args.file, steps, args.export, args.explain, args.save, args.gradients, handout
        )
    except UsageError as error:
        return _fail(str(error), EXIT_INVALID)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_OK
    except KeyboardInterrupt:
        remove_temporaries()
        return _fail("interrupted", EXIT_INTERRUPTED)
    except MemoryError:
        remove_temporaries()
        return _fail(
            "not enough memory for this run: try fewer --steps or a smaller network",
            EXIT_INVALID,
        )
    except Stopped as stop:
        remove_temporaries()
        return _fail(f"stopped by {stop.name}: nothing was exported", 128 + stop.signum)
    except BrokenPipeError:
        # The reader went away (`… --explain | head`): what it wanted, it has. Point stdout
        # at /dev/null so that Python's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _headless_options(args: argparse.Namespace) -> list[str]:
    """The options given that only a headless run takes."""
    given = (
        ("--steps", args.steps is not None),
        ("--export", args.export is not None),
        ("--explain", args.explain),
        ("--save", args.save is not None),
        ("--gradients", args.gradients),
        ("--handout", args.handout is not None),
        ("--handout-steps", args.handout_steps is not None),
    )
    return [flag for flag, value in given if value]


def _desktop_entry(args: argparse.Namespace) -> int:
    flag = "--install-desktop-entry" if args.install_desktop_entry else "--uninstall-desktop-entry"
    if args.file or args.headless or args.steps is not None or args.export or args.explain:
        raise UsageError(f"{flag}: takes no other argument")
    from backprop_lab.desktop import DesktopEntryError, install, uninstall  # noqa: PLC0415

    try:
        lines = install() if args.install_desktop_entry else uninstall()
    except DesktopEntryError as error:
        return _fail(f"{flag}: {error}", EXIT_INVALID)
    print("\n".join(lines))
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return code


def _gui(path: str | None) -> int:
    if path is not None:
        try:  # an invalid file is reported here, like on the command line
            load_session(path)
        except SessionError as error:
            return _fail(f"{path}: {error}", EXIT_INVALID)
    gc.disable()  # again, while the window's modules load and it is built (see the top)
    try:
        try:
            from gui.app import run_gui  # noqa: PLC0415  (Qt loads only for the window)
        except ImportError as error:
            return _fail(
                f"the window cannot open ({error}); --headless works without it", EXIT_INTERNAL
            )
        return run_gui(path)
    finally:
        gc.enable()  # whatever happened (run_gui resumes it after the first paint)


def _headless(
    path: str | None,
    steps: int,
    export: str | None,
    explain: bool,
    save: str | None = None,
    gradients: bool = False,
    handout: Handout | None = None,
) -> int:
    """Train and export; SIGTERM and SIGHUP unwind like Ctrl+C meanwhile (`Stopped`), so
    that an export in progress removes its temporary. The handlers are put back after."""
    signums = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, _stop) for signum in signums}
    try:
        return _train_and_export(path, steps, export, explain, save, gradients, handout)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _train_and_export(  # noqa: PLR0911  (one per outcome)
    path: str | None,
    steps: int,
    export: str | None,
    explain: bool,
    save: str | None = None,
    gradients: bool = False,
    handout: Handout | None = None,
) -> int:
    # Only here: the window does not need them (~6 ms of its start).
    from model.headless_outputs import (  # noqa: PLC0415
        outputs_problem,
        print_summary,
        write_outputs,
    )

    problem = outputs_problem(path, export, save, handout and handout[0])
    if problem:
        return _fail(problem, EXIT_INVALID)
    try:
        session = lecture_session() if path is None else load_session(path)
        if gradients:
            check_differentiable(session.network.activations)
    except SessionError as error:
        return _fail(f"{path or 'lecture example'}: {error}", EXIT_INVALID)
    except ValueError as error:
        return _fail(f"--gradients: {error}", EXIT_INVALID)
    budget = session_budget()
    try:  # refused before anything large is made
        budget.check_network(session.network.n_parameters, session.network.n_parameters + 2)
    except BudgetError as error:
        return _fail(f"{path or 'lecture example'}: {error}", EXIT_INVALID)
    try:  # a history larger than the budget: thinned to it, or refused
        trainer = trainer_within(session, budget)
    except SessionError as error:
        return _fail(f"{path}: {error}", EXIT_INVALID)
    start = trainer.position
    error_before = trainer.history.error_at(start)
    diverged: DivergenceError | None = None
    try:
        trainer.run(steps, report_every=max(steps, 1))
    except DivergenceError as error:
        diverged = error
    problem = write_outputs(trainer, session.title, path, export, save, gradients)
    if problem:
        return _fail(problem, EXIT_INVALID)
    print_summary(trainer, start, error_before)
    if diverged is not None:
        return _fail(str(diverged), EXIT_DIVERGED)
    if handout is not None:
        from gui.teaching_cli import write_handout_file  # noqa: PLC0415  (Qt: only if asked)

        problem = write_handout_file(trainer, session.title, path, *handout)
        if problem:
            return _fail(problem, EXIT_INVALID)
    if explain:
        return _explain(trainer)
    return EXIT_OK


def _explain(trainer: Trainer) -> int:
    if trainer.step_count == 0:
        print("No step to explain: the network is still at step 0 (use --steps 1 or more).")
        return EXIT_OK
    try:
        from model.explain import explain_step, to_text  # noqa: PLC0415  (only if asked)
    except ImportError as error:
        return _fail(f"--explain is not available ({error})", EXIT_INTERNAL)
    print(to_text(explain_step(trainer)))
    return EXIT_OK


Handout = tuple[str, int | None, int | None]  # --handout OUT, --handout-steps A:B


def _handout_request(out: str | None, steps: str | None) -> Handout | None:
    """--handout and --handout-steps, checked before anything is trained."""
    if out is None:
        if steps is not None:
            raise UsageError("--handout-steps: only with --handout")
        return None
    if Path(out).suffix.lower() not in {".html", ".htm", ".pdf"}:
        raise UsageError(f"--handout {out}: expected a file name ending in .html or .pdf")
    if steps is None:
        return out, None, None
    from model.handout import parse_steps  # noqa: PLC0415  (only if asked)

    try:
        first, last = parse_steps(steps)
    except ValueError as error:
        raise UsageError(f"--handout-steps: {error}") from None
    return out, first, last


def _exercises(args: argparse.Namespace) -> int:
    """--exercises N --seed S --out DIR: the sheets, without training (gui/teaching_cli.py)."""
    used = _headless_options(args)
    if args.exercises is None:
        raise UsageError("--seed, --out: only with --exercises N")
    if used:
        raise UsageError(f"--exercises: writes exercise sheets and trains nothing: no {used[0]}")
    if args.out is None:
        raise UsageError("--exercises: needs --out DIR, the folder to write the sheets into")
    try:
        session = lecture_session() if args.file is None else load_session(args.file)
    except SessionError as error:
        return _fail(f"{args.file}: {error}", EXIT_INVALID)
    from gui.teaching_cli import write_exercises  # noqa: PLC0415  (Qt: only if asked)

    seed = 0 if args.seed is None else args.seed
    lines, problem = write_exercises(session.to_trainer(), args.exercises, seed, args.out)
    if problem:
        return _fail(problem, EXIT_INVALID)
    print(lines)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
