"""What `pip install .` ships and declares: every package, the package data (example sessions,
the icon), the two launchers, the version; and the icon as the window and About box show it.

pyproject.toml lists packages and package data explicitly, so a new subpackage or data file
that is not listed would be missing from the install (an ImportError or a missing file
there, while every test here passes from the source tree). tests/test_install.py builds
and installs the wheel itself."""

from __future__ import annotations

import fnmatch
import gc
import importlib.metadata
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import resources
from backprop_lab import _source_version, version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("gui", "model", "resources", "backprop_lab")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"


def test_every_data_file_is_package_data() -> None:
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["resources"]
    shipped = [
        path.relative_to(ROOT / "resources").as_posix()
        for folder in ("examples", "icons")
        for path in (ROOT / "resources" / folder).iterdir()
        if path.suffix != ".py" and path.name != "__pycache__"
    ]
    missing = [name for name in shipped if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert not missing, f"not in pyproject.toml's package-data: {missing}"
    assert len(shipped) >= 6 + len(resources.ICON_SIZES) + 2  # examples, PNGs, SVG, ICO


def test_a_window_launcher_and_a_command_line_launcher() -> None:
    # On Windows a gui-script has no console: --help and --headless need the other one.
    project = PYPROJECT["project"]
    assert project["gui-scripts"] == {"backprop-lab": "main:main"}
    assert project["scripts"] == {"backprop-lab-cli": "main:main"}


def test_pyside6_stays_below_6_12_on_python_3_11() -> None:
    pins = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("PySide6")]
    assert "PySide6-Essentials>=6.11,<6.12; python_version < '3.12'" in pins


# -- the version -----------------------------------------------------------------------------
def test_the_version_is_pyprojects() -> None:
    assert version() == PYPROJECT["project"]["version"]


def test_without_metadata_the_version_comes_from_pyproject(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    version.cache_clear()
    try:
        assert version() == PYPROJECT["project"]["version"]
    finally:
        version.cache_clear()
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "something-else"\nversion = "9"\n', encoding="utf-8")
    assert _source_version(other) == "unknown"
    assert _source_version(tmp_path / "missing.toml") == "unknown"


# -- the icon --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_each_png_is_drawn_at_its_size(size: int) -> None:
    assert png_size(resources.icon_png(size).read_bytes()) == (size, size)


def test_the_ico_holds_every_size_as_png() -> None:
    data = resources.icon_ico().read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(resources.ICON_SIZES))
    sizes = []
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        sizes.append(png_size(data[offset : offset + length])[0])
        assert width == sizes[-1] % 256  # 0 stands for 256
    assert sizes == list(resources.ICON_SIZES)


def test_the_pngs_are_rendered_from_the_svg(qapp: object) -> None:
    """Someone who edits the SVG runs resources/icons/render_icons.py too."""
    from PySide6 import QtCore, QtGui, QtSvg

    renderer = QtSvg.QSvgRenderer(str(resources.icon_svg()))
    assert renderer.isValid()
    image = QtGui.QImage(64, 64, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QtCore.QRectF(0, 0, 64, 64))
    painter.end()
    shipped = QtGui.QImage(str(resources.icon_png(64))).convertToFormat(image.format())
    differences = [
        abs(a - b)
        for y in range(64)
        for x in range(64)
        for a, b in zip(
            QtGui.QColor(image.pixel(x, y)).getRgb(),
            QtGui.QColor(shipped.pixel(x, y)).getRgb(),
            strict=True,
        )
    ]
    assert sum(differences) / len(differences) < 2.0  # anti-aliasing may differ a little


@pytest.fixture
def made_application(qapp: object) -> Iterator[object]:
    """gui.app.make_application() on the tests' QApplication; its names and icon put back
    afterwards, so that no later test depends on the order."""
    from PySide6 import QtGui, QtWidgets

    from gui.app import make_application

    app = QtWidgets.QApplication
    before = (
        app.organizationName(),
        app.applicationName(),
        app.applicationDisplayName(),
        app.applicationVersion(),
        app.desktopFileName(),
        QtGui.QIcon(app.windowIcon()),
    )
    yield make_application()
    app.setOrganizationName(before[0])
    app.setApplicationName(before[1])
    app.setApplicationDisplayName(before[2])
    app.setApplicationVersion(before[3])
    app.setDesktopFileName(before[4])
    app.setWindowIcon(before[5])


def test_the_application_and_its_window_have_the_icon(made_application: object) -> None:
    app = made_application
    sizes = sorted(s.width() for s in app.windowIcon().availableSizes())
    assert sizes == list(resources.ICON_SIZES)
    assert app.applicationVersion() == version()
    assert app.desktopFileName() == "backprop-lab"  # the .desktop entry's name


def test_run_gui_sets_the_version_and_resumes_collection_just_after_the_first_paint(
    made_application: object, qtbot: object, dialogs: object
) -> None:
    """As run_gui does: importlib.metadata (~20 ms of imports) and Python's garbage
    collector (paused by main.py) wait until the window is on screen; `firstPainted` comes
    once."""
    from gui.app import after_first_paint, make_application
    from gui.main_window import MainWindow

    app = made_application
    app.setApplicationVersion("")
    gc.disable()
    try:
        assert make_application(version_now=False) is app
        assert app.applicationVersion() == ""
        window = MainWindow()
        qtbot.addWidget(window)
        painted: list[bool] = []
        window.firstPainted.connect(lambda: painted.append(window.isVisible()))
        window.firstPainted.connect(lambda: after_first_paint(app))
        assert not gc.isenabled()
        window.show()
        qtbot.waitUntil(lambda: painted == [True])
        assert app.applicationVersion() == version()
        assert gc.isenabled()
        window.update()
        qtbot.wait(50)
        assert painted == [True]
        window.runner.stop()
    finally:
        gc.enable()


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_main_py_pauses_the_collector_until_main_runs() -> None:
    """`python main.py` imports its modules with the collector paused; main() resumes it
    at once when no window opens (here: --help), and importing main changes nothing."""
    imported = _python("import gc, main; print(gc.isenabled())")
    assert imported.stdout.strip() == "True", imported.stderr
    script = (
        "import gc, runpy, sys\n"
        "sys.argv = ['main.py', '--help']\n"
        "states = []\n"
        "real_enable = gc.enable\n"
        "gc.enable = lambda: (states.append(gc.isenabled()), real_enable())\n"
        "try:\n"
        "    runpy.run_path('main.py', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(states, gc.isenabled())\n"
    )
    ran = _python(script)
    assert ran.stdout.strip().splitlines()[-1] == "[False] True", ran.stderr


def test_the_about_box_shows_the_version_and_the_icon(
    made_application: object, window: object, qtbot: object
) -> None:
    """As run_gui makes it: the application's icon, which the window shows."""
    from PySide6 import QtWidgets

    about = next(a for a in window.actions() if a.objectName() == "aboutAction")
    about.trigger()  # window-modal, not blocking: the test goes on with the box open
    box = window.findChild(QtWidgets.QMessageBox, "aboutBox")
    assert box is not None
    qtbot.waitExposed(box)
    assert f"Version {version()}" in box.text()
    assert not box.iconPixmap().isNull()
    box.close()
