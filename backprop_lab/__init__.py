"""Backprop Lab as an installed application: its version, `python -m backprop_lab`, and the
desktop's application menu entry (desktop.py). Standard library only; the program itself is
main.py (the command line), gui/ (the window) and model/ (the numbers)."""

from __future__ import annotations

import functools
import importlib.metadata
import tomllib
from pathlib import Path

DISTRIBUTION = "backprop-lab"
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@functools.cache
def version() -> str:
    """The installed version; from a source tree that was never installed, pyproject.toml's."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return _source_version(_PYPROJECT)


def _source_version(pyproject: Path) -> str:
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    except (OSError, ValueError, KeyError):
        return "unknown"
    if project.get("name") != DISTRIBUTION:
        return "unknown"
    return str(project.get("version", "unknown"))
