"""gui/__init__.py: PySide6's check of each imported module, made cheap, answers as its own."""

from __future__ import annotations

import sys

import gui
import gui.app  # (a module of ours that uses PySide6)


def test_the_quick_check_is_installed_and_answers_as_pysides_own() -> None:
    assert gui.quick_pyside_module_check()
    feature = sys.modules["shibokensupport.feature"]
    quick = feature._mod_uses_pyside
    original = quick.original
    modules = [
        m
        for name, m in sorted(sys.modules.items())
        if isinstance(getattr(m, "__file__", None), str) and m.__file__.endswith(".py")
    ]
    assert len(modules) > 100
    answers = [quick(m) for m in modules]
    assert answers == [original(m) for m in modules]
    assert any(answers) and not all(answers)  # gui.* mention PySide6; model.* do not
    assert quick(sys.modules["gui.app"]) and not quick(sys.modules["numpy"])
