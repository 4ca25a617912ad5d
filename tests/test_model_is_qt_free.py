"""model/ is pure numpy: importing all of it, sub-packages included, must not import Qt or
pyqtgraph. (`lint-imports` checks the same from the source; this checks what really loads.)"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parents[1]
QT_NAMES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph")


def _model_module_names() -> list[str]:
    """Every module and package under model/, at any depth (walk_packages imports the
    packages it descends into, which is harmless: they are pure numpy by this test)."""
    return sorted(m.name for m in pkgutil.walk_packages(model.__path__, prefix="model."))


def _model_sources() -> list[Path]:
    return sorted((ROOT / "model").rglob("*.py"))


def test_every_model_module_and_source_is_found() -> None:
    names = _model_module_names()
    assert {"model.network", "model.fastpath.plan", "model.session.reading"} <= set(names)
    assert any(name.startswith("model.explain.") for name in names)
    sources = {path.relative_to(ROOT).as_posix() for path in _model_sources()}
    assert {"model/network.py", "model/fastpath/plan.py", "model/explain/html.py"} <= sources


def test_importing_every_model_module_imports_no_qt() -> None:
    modules = _model_module_names()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT_NAMES!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_model_source_mentions_a_qt_import() -> None:
    for path in _model_sources():
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert not any(name in stripped for name in QT_NAMES), (path, stripped)
