"""The window: widgets, Qt table models and plots over `model` (docs/architecture.md).

Importing this package imports PySide6 and makes its import hook cheap (see
`quick_pyside_module_check`) before pyqtgraph and the window's modules are imported.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (starts PySide6's import hook, which is replaced below)


def quick_pyside_module_check() -> bool:
    """PySide6 asks of every module imported after it whether its source mentions
    "PySide6" (its `__feature__` switches apply only to such modules). It asks through
    `inspect.getsource`, which reads, decodes and splits each file into lines kept in
    `linecache`: about 30 ms of the window's start for pyqtgraph's and our ~500 modules.
    The same question asked of the file's bytes gives the same answer. Where PySide6's
    internals differ (another version), nothing is changed; True if the check is ours."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None:
        return False
    if getattr(original, "quick", False):
        return True

    def mentions_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(original(module))

    mentions_pyside.quick = True  # type: ignore[attr-defined]
    mentions_pyside.original = original  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
    return True


quick_pyside_module_check()
