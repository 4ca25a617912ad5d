"""model/ is pure numpy: importing all of it must not import Qt or pyqtgraph."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_model_module_imports_no_qt() -> None:
    modules = [f"model.{m.name}" for m in pkgutil.iter_modules(model.__path__)]
    assert "model.network" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_model_source_mentions_a_qt_import() -> None:
    for path in (ROOT / "model").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "PySide6" not in stripped and "pyqtgraph" not in stripped, path
