#!/usr/bin/env python3
"""Set up, run and test Backprop Lab with nothing installed but Python 3.11 or later.

    python3 bootstrap.py run [ARGS...]     the window; ARGS go to the program (try --help)
    python3 bootstrap.py test [ARGS...]    every check CI runs; ARGS go to pytest
    python3 bootstrap.py lint              the checks without pytest
    python3 bootstrap.py setup             only create or update the environment

On Windows type `py` instead of `python3`. The first call creates the virtual environment
.venv beside this file and installs the project into it (editable, with the test tools);
later calls reinstall only when pyproject.toml has changed. `make run` and `make test` call
this script, and CI calls `make test`: CHECKS below is the one definition of the checks.
Standard library only, and runs on any OS: the environment's programs are in .venv/bin, or
.venv\\Scripts on Windows. The exit code is the failing step's (pytest's 5, "no tests ran",
included), 0 when every step passed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"  # the Makefile's stamp too: lint, bench and screenshots use it
MIN_PYTHON = (3, 11)
INSTALL = ("-e", ".[test]")  # the project, editable, with its test tools

# What `test` runs, in order, in ROOT, stopping at the first failure. Each is a program in
# the environment ("python" is its interpreter), then its arguments; pytest also gets the
# command line's and runs with QT_QPA_PLATFORM=offscreen. `lint` runs all but pytest.
CHECKS: tuple[tuple[str, ...], ...] = (
    ("python", "-m", "ruff", "check", "."),
    ("python", "-m", "ruff", "format", "--check", "."),
    ("python", "-m", "mypy"),
    ("lint-imports",),
    ("python", "-m", "pytest"),
)
COMMANDS = ("run", "test", "lint", "setup")
USAGE = (__doc__ or "").split("\n\n")[1]  # the four lines at the top


def venv_program(name: str, venv: Path | None = None, windows: bool | None = None) -> Path:
    """A program of the virtual environment: Scripts\\NAME.exe on Windows, bin/NAME elsewhere."""
    venv = VENV if venv is None else venv
    windows = os.name == "nt" if windows is None else windows
    if windows:
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def wanted_stamp() -> str:
    """What the stamp holds once the environment matches pyproject.toml."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"pyproject.toml sha256 {digest}\ninstall {' '.join(INSTALL)}\n"


def setup() -> int:
    """Create .venv if needed; (re)install the project if pyproject.toml changed since."""
    python = venv_program("python")
    stamp = wanted_stamp()
    if python.exists() and STAMP.is_file() and STAMP.read_text(encoding="utf-8") == stamp:
        os.utime(STAMP)  # newer than pyproject.toml again, for make's own rule
        return 0
    if not python.exists() or _call([python, "-m", "pip", "--version"], quiet=True) != 0:
        print(f"creating the virtual environment {VENV} with Python {_version(sys.version_info)}")
        # --clear: a half-made .venv (ensurepip was missing) would keep failing otherwise
        code = _call([sys.executable, "-m", "venv", "--clear", str(VENV)])
        if code != 0 or not python.exists():
            print(
                "error: could not create the virtual environment. On Debian or Ubuntu, "
                "install the venv module first: sudo apt install python3-venv",
                file=sys.stderr,
            )
            return code or 1
    print("installing Backprop Lab and its dependencies into .venv (the first time: minutes)")
    steps: tuple[list[str | Path], ...] = (
        [python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [python, "-m", "pip", "install", "--quiet", *INSTALL],
    )
    for step in steps:
        code = _call(step, cwd=ROOT)
        if code != 0:
            return code
    STAMP.write_text(stamp, encoding="utf-8")
    return 0


def run(args: list[str]) -> int:
    """The program (main.py) in the environment; relative paths in ARGS are the caller's."""
    return _call([venv_program("python"), ROOT / "main.py", *args])


def check(pytest_args: list[str], with_pytest: bool = True) -> int:
    """CHECKS in order; the first failing one's exit code, or 0."""
    for command in CHECKS if with_pytest else CHECKS[:-1]:
        program, *args = command
        env = None
        if command == CHECKS[-1]:
            args += pytest_args
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        print("+ " + " ".join([program, *args]), flush=True)
        code = _call([venv_program(program), *args], cwd=ROOT, env=env)
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        print(
            f"error: Backprop Lab needs Python {_version(MIN_PYTHON)} or later; this is "
            f"{_version(sys.version_info)} ({sys.executable}). On Windows, `py -0` lists the "
            "installed versions and `py -3.12 bootstrap.py …` picks one.",
            file=sys.stderr,
        )
        return 2
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command not in COMMANDS or (command in {"lint", "setup"} and args):
        print(f"usage:\n{USAGE}", file=sys.stderr)
        return 2
    code = setup()
    if code != 0 or command == "setup":
        return code
    if command == "run":
        return run(args)
    return check(args, with_pytest=command == "test")


def _call(
    command: list[str | Path],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = False,
) -> int:
    """Run `command` and wait for it; its exit code as a shell gives it (127: the program
    does not exist; 128 + N: signal N ended it). Ctrl+C in the terminal reaches the program
    too, which decides what to do (pytest stops with its report, the window closes): this
    script goes on waiting for it, rather than killing it as subprocess.call would. SIGTERM
    and SIGHUP sent to this script are passed on to it."""
    output = subprocess.DEVNULL if quiet else None
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
    except FileNotFoundError:
        if not quiet:
            print(f"error: {command[0]} does not exist", file=sys.stderr)
        return 127
    previous: dict[signal.Signals, Any] = {}  # the handlers to put back
    if sys.platform != "win32":  # Windows sends Ctrl+C and closing to the whole console
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, lambda n, _f: process.send_signal(n))
    try:
        while True:
            try:
                code = process.wait()
                return 128 - code if code < 0 else code  # killed by signal N: 128 + N
            except KeyboardInterrupt:
                continue
    finally:
        for forwarded, handler in previous.items():
            signal.signal(forwarded, handler)


def _version(info: tuple[object, ...]) -> str:
    return ".".join(str(part) for part in info[:3])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # between two steps
        sys.exit(130)
