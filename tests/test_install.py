"""Installing Backprop Lab: the README's set-up commands (bootstrap.py), the menu entry
(--install-desktop-entry), and the wheel, built from a copy of this tree and installed into
a fresh virtual environment outside it, then run from there as a student would."""

from __future__ import annotations

import ast
import base64
import configparser
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import bootstrap
import main
import resources
from backprop_lab import desktop

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LECTURE_STEP = (
    "trained 1 step(s): error 0.356465271 -> 0.355601244; "
    "parameters W1=0.499155648 W2=0.197466944 b=1.821556479"
)


# -- bootstrap.py: the README's two commands -------------------------------------------------
class Calls:
    """Stands in for bootstrap._call: records each command, answers with exit codes."""

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        self.codes = codes or {}
        self.commands: list[list[str]] = []
        self.envs: list[dict[str, str] | None] = []
        self.cwds: list[Path | None] = []

    def __call__(
        self,
        command: list[str | Path],
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        quiet: bool = False,
    ) -> int:
        words = [str(part) for part in command]
        self.commands.append(words)
        self.envs.append(env)
        self.cwds.append(cwd)
        line = " ".join(words)
        return next((code for key, code in self.codes.items() if key in line), 0)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    recorder = Calls()
    monkeypatch.setattr(bootstrap, "_call", recorder)
    monkeypatch.setattr(bootstrap, "setup", lambda: 0)
    return recorder


def test_the_environments_programs_per_os() -> None:
    venv = Path("env")
    assert bootstrap.venv_program("python", venv, windows=True) == venv / "Scripts/python.exe"
    assert bootstrap.venv_program("python", venv, windows=False) == venv / "bin/python"
    assert bootstrap.venv_program("lint-imports", venv, windows=True).name == "lint-imports.exe"


def test_test_runs_every_check_in_order_and_pytest_offscreen(calls: Calls) -> None:
    assert bootstrap.main(["test", "-k", "lecture"]) == 0
    programs = [Path(c[0]).name for c in calls.commands]
    assert programs == [bootstrap.venv_program(c[0]).name for c in bootstrap.CHECKS]
    assert [c[1:] for c in calls.commands[:-1]] == [list(c[1:]) for c in bootstrap.CHECKS[:-1]]
    assert calls.commands[-1][1:] == ["-m", "pytest", "-k", "lecture"]
    assert calls.envs[-1] is not None
    assert calls.envs[-1]["QT_QPA_PLATFORM"] == "offscreen"
    assert set(calls.cwds) == {bootstrap.ROOT}
    assert any("ruff format --check" in " ".join(c) for c in calls.commands)


def test_the_first_failing_check_stops_the_run_with_its_exit_code(calls: Calls) -> None:
    calls.codes = {"mypy": 1}
    assert bootstrap.main(["test"]) == 1
    assert "mypy" in calls.commands[-1]
    assert not any("pytest" in c for c in calls.commands)


def test_lint_is_the_checks_without_pytest(calls: Calls) -> None:
    assert bootstrap.main(["lint"]) == 0
    assert len(calls.commands) == len(bootstrap.CHECKS) - 1
    assert not any("pytest" in c for c in calls.commands)


def test_run_passes_its_arguments_to_the_program(calls: Calls) -> None:
    calls.codes = {"--headless": 3}
    assert bootstrap.main(["run", "--headless", "x.json"]) == 3  # the program's exit code
    assert calls.commands == [
        [str(bootstrap.venv_program("python")), str(ROOT / "main.py"), "--headless", "x.json"]
    ]
    assert calls.cwds == [None]  # x.json is relative to where the user is


def test_no_tests_ran_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest's exit code 5 comes through a real pytest run, not a stand-in."""
    monkeypatch.setattr(bootstrap, "CHECKS", (("python", "-m", "pytest"),))
    monkeypatch.setattr(bootstrap, "venv_program", lambda _name: Path(sys.executable))
    code = bootstrap.check(["-p", "no:cacheprovider", "-q", "tests/test_install.py", "-k", "x_y_z"])
    assert code == 5


def test_a_programs_exit_code_comes_through() -> None:
    assert bootstrap._call([sys.executable, "-c", "raise SystemExit(7)"]) == 7
    assert bootstrap._call([ROOT / "no-such-program"], quiet=True) == 127


def test_ctrl_c_waits_for_the_program_instead_of_killing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl+C in a terminal reaches the program as well; it may take its time to stop."""

    class Program:
        killed = False

        def __init__(self, *_args: object, **_kwargs: object) -> None:
            self.waits = 0

        def wait(self) -> int:
            self.waits += 1
            if self.waits == 1:
                raise KeyboardInterrupt
            return 130

        def kill(self) -> None:
            Program.killed = True

        def send_signal(self, _signum: int) -> None:
            pass

    monkeypatch.setattr(bootstrap.subprocess, "Popen", Program)
    assert bootstrap._call(["program"]) == 130
    assert not Program.killed


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap.main(["--help"]) == 0
    assert "bootstrap.py test" in capsys.readouterr().out
    for wrong in ([], ["install"], ["setup", "extra"]):
        assert bootstrap.main(wrong) == 2
        assert "usage:" in capsys.readouterr().err


def test_setup_installs_once_and_again_when_pyproject_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    venv = tmp_path / ".venv"
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    monkeypatch.setattr(bootstrap, "VENV", venv)
    monkeypatch.setattr(bootstrap, "STAMP", venv / ".installed")
    recorder = Calls()

    def fake_call(command: list[str | Path], **kwargs: object) -> int:
        if "venv" in [str(part) for part in command]:  # `python -m venv --clear .venv`
            python = bootstrap.venv_program("python")
            python.parent.mkdir(parents=True)
            python.touch()
            return recorder(command)
        return recorder(command, quiet=bool(kwargs.get("quiet")))

    monkeypatch.setattr(bootstrap, "_call", fake_call)
    assert bootstrap.setup() == 0
    assert [" ".join(c[1:]) for c in recorder.commands] == [
        f"-m venv --clear {venv}",
        "-m pip install --quiet --upgrade pip",
        "-m pip install --quiet -e .[test]",
    ]
    recorder.commands.clear()
    assert bootstrap.setup() == 0
    assert recorder.commands == []  # up to date: nothing runs
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'changed'\n", encoding="utf-8")
    assert bootstrap.setup() == 0
    assert [" ".join(c[1:]) for c in recorder.commands] == [
        "-m pip --version",
        "-m pip install --quiet --upgrade pip",
        "-m pip install --quiet -e .[test]",
    ]


def test_a_failed_install_is_not_stamped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    monkeypatch.setattr(bootstrap, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(bootstrap, "STAMP", tmp_path / ".venv" / ".installed")
    monkeypatch.setattr(bootstrap, "venv_program", lambda _name: python)
    monkeypatch.setattr(bootstrap, "_call", Calls({"-e .[test]": 1}))
    assert bootstrap.setup() == 1
    assert not (tmp_path / ".venv" / ".installed").exists()


def test_bootstrap_needs_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "bootstrap.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_make_test_and_ci_run_the_bootstraps_checks() -> None:
    """One definition of the checks: bootstrap.CHECKS. `make test` only calls it, and CI
    runs `make test` (so a check added to the Makefile instead would not run on Windows)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    assert recipe.group(1).strip() == "$(PYTHON) bootstrap.py test $(PYTEST_ARGS)"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


# -- the menu entry: --install-desktop-entry -------------------------------------------------
def exec_argv(value: str) -> list[str]:
    """An Exec value read back as the Desktop Entry Specification says: string escapes,
    then quoting; field codes dropped and %% made %."""
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    text = re.sub(r"\\([snrt\\])", lambda m: escapes[m.group(1)], value)
    words, word, quoted, i = [], "", False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and text[i + 1] in '"`$\\':
            word, i = word + text[i + 1], i + 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            words.append(word)
            word = ""
        else:
            word += c
        i += 1
    words.append(word)
    return [w.replace("%%", "%") for w in words if w and w not in {"%f", "%F", "%u", "%U"}]


@pytest.mark.parametrize(
    "program",
    ["/opt/lab/.venv/bin/backprop-lab", '/home/o\'neil/my lab/$HOME/a\\b%1"q"`x`/backprop-lab'],
)
def test_the_exec_line_reads_back_as_the_program(program: str) -> None:
    launcher = desktop.Launcher(Path(program), ("-m", "backprop_lab"))
    entry = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    entry.optionxform = str  # type: ignore[assignment,method-assign]  (keys keep their case)
    entry.read_string(desktop.desktop_entry_text(launcher))
    assert exec_argv(entry["Desktop Entry"]["Exec"]) == [program, "-m", "backprop_lab"]
    assert entry["Desktop Entry"]["Exec"].endswith(" %f")


def test_install_desktop_entry_writes_the_entry_and_the_icon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    assert main.main(["--install-desktop-entry"]) == 0
    assert str(tmp_path / "applications" / "backprop-lab.desktop") in capsys.readouterr().out
    entry = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(tmp_path / "applications" / "backprop-lab.desktop", encoding="utf-8")
    keys = entry["Desktop Entry"]
    assert (keys["Type"], keys["Name"], keys["Icon"]) == (
        "Application",
        "Backprop Lab",
        "backprop-lab",
    )
    assert Path(exec_argv(keys["Exec"])[0]).is_file()  # this environment's launcher or python
    theme = tmp_path / "icons" / "hicolor"
    for size in resources.ICON_SIZES:
        copied = theme / f"{size}x{size}" / "apps" / "backprop-lab.png"
        assert copied.read_bytes() == resources.icon_png(size).read_bytes()
    assert (theme / "scalable" / "apps" / "backprop-lab.svg").is_file()
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(
            ["desktop-file-validate", str(tmp_path / "applications" / "backprop-lab.desktop")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    assert main.main(["--uninstall-desktop-entry"]) == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert main.main(["--uninstall-desktop-entry"]) == 0  # nothing left: says so, no error
    assert "there was no" in capsys.readouterr().out


def test_xdg_data_home_must_be_absolute(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    assert desktop.data_home(home) == tmp_path / ".local" / "share"
    assert desktop.data_home({**home, "XDG_DATA_HOME": "relative/dir"}) == (
        tmp_path / ".local" / "share"
    )
    assert desktop.data_home({**home, "XDG_DATA_HOME": str(tmp_path / "d")}) == tmp_path / "d"


def test_the_desktop_entry_flags_stand_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--install-desktop-entry", "--headless"]) == 2
    assert main.main(["--install-desktop-entry", "--uninstall-desktop-entry"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --install-desktop-entry: takes no other argument")


def test_on_macos_the_error_says_how_to_start_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(desktop.DesktopEntryError, match="backprop-lab in a Terminal"):
        desktop.install(platform="darwin")


class FakePowerShell:
    def __init__(self, code: int = 0, out: str = "") -> None:
        self.code, self.out = code, out
        self.scripts: list[str] = []

    def __call__(self, command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[bytes]:
        assert command[:-1] == [
            "powershell.exe",
            "-NoProfile",
            "-NonInteractive",
            "-OutputFormat",
            "Text",
            "-EncodedCommand",
        ]
        self.scripts.append(base64.b64decode(command[-1]).decode("utf-16-le"))
        return subprocess.CompletedProcess(command, self.code, self.out.encode(), b"#< CLIXML")


def test_windows_start_menu_shortcut(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Reviewed, not run: there is no Windows here. The script PowerShell would get."""
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "backprop-lab.exe").touch()
    monkeypatch.setattr(desktop.sysconfig, "get_path", lambda *_a: str(scripts))
    link = r"C:\Users\o'neil\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Backprop Lab.lnk"
    shell = FakePowerShell(out="\ufeff" + link + "\r\n")
    monkeypatch.setattr(desktop.subprocess, "run", shell)
    lines = desktop.install(platform="win32")
    assert lines[0] == f"added Backprop Lab to the Start menu: {link}"
    script = shell.scripts[0]
    assert "[Environment]::GetFolderPath('Programs')" in script
    assert "New-Object -ComObject WScript.Shell" in script
    assert f"$shortcut.TargetPath = '{scripts / 'backprop-lab.exe'}'" in script
    assert f"$shortcut.IconLocation = '{resources.icon_ico()},0'" in script
    assert "$shortcut.Save()" in script
    assert desktop._ps_literal("C:\\o'neil\\x") == "'C:\\o''neil\\x'"

    monkeypatch.setattr(desktop.subprocess, "run", FakePowerShell(1, "error: Access is denied."))
    with pytest.raises(desktop.DesktopEntryError, match="could not change the Start menu: Access"):
        desktop.install(platform="win32")

    removal = FakePowerShell(out=link)
    monkeypatch.setattr(desktop.subprocess, "run", removal)
    assert desktop.uninstall(platform="win32") == [f"removed {link}"]
    assert "Remove-Item -LiteralPath $link" in removal.scripts[0]


def test_windows_without_a_gui_script_uses_pythonw(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(desktop.sysconfig, "get_path", lambda *_a: str(tmp_path / "none"))
    (tmp_path / "python.exe").touch()
    (tmp_path / "pythonw.exe").touch()
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python.exe"))
    launcher = desktop.find_launcher("win32")
    assert launcher.program == tmp_path / "pythonw.exe"  # no console window beside the app
    assert launcher.args == ("-m", "backprop_lab")
    assert launcher.workdir == ROOT  # the source tree, where backprop_lab can be imported


# -- the wheel, installed outside the source tree --------------------------------------------
WINDOW_CHECK = """
import json, sys
from PySide6 import QtCore
import main
from backprop_lab import version
from gui.app import make_application
from gui.menus import about_box

app = make_application()  # run_gui below makes no second one
seen = {}

def look():
    window = next(w for w in app.topLevelWidgets() if type(w).__name__ == "MainWindow")
    box = about_box(window)
    seen.update(
        title=window.windowTitle(),
        window_icon=sorted(s.width() for s in window.windowIcon().availableSizes()),
        app_version=app.applicationVersion(),
        version=version(),
        about=box.text(),
        about_icon=not box.iconPixmap().isNull(),
        saved=window.grab().save(sys.argv[1]),
    )
    window.close()
    app.quit()

QtCore.QTimer.singleShot(0, look)  # once run_gui's event loop runs, the window is shown
code = main.main([])  # the gui-script's own path: main -> gui.app.run_gui -> the window
print(json.dumps(seen))
sys.exit(code)
"""


def _copy_of_the_source(target: Path) -> Path:
    """The tree as a clean checkout has it (building in place would write build/ and
    *.egg-info into the working tree)."""
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
            "shots",
        ),
    )
    return target


def _run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_the_installed_wheel_runs_outside_the_source_tree(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    elsewhere = tmp_path / "elsewhere"  # the working folder: no source tree in sight
    elsewhere.mkdir()

    source = _copy_of_the_source(tmp_path / "source")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, source],
        elsewhere,
        env,
    )
    (wheel,) = tmp_path.glob("backprop_lab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        launchers = archive.read(entry_points).decode()
    icons = {f"resources/icons/{resources.icon_png(n).name}" for n in resources.ICON_SIZES}
    assert icons | {"resources/icons/backprop-lab.svg", "resources/icons/backprop-lab.ico"} <= names
    assert "resources/examples/xor.json" in names
    assert "backprop-lab = main:main" in launchers
    assert "backprop-lab-cli = main:main" in launchers

    # A fresh environment (no system site-packages); the dependencies come from the index or
    # pip's cache, at the versions this environment tests with.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], elsewhere, env)
    python = bootstrap.venv_program("python", venv)
    pins = tmp_path / "constraints.txt"
    pins.write_text(
        "".join(
            f"{d.metadata['Name']}=={d.version}\n"
            for d in importlib.metadata.distributions()
            if d.metadata["Name"] and d.metadata["Name"].lower() != "backprop-lab"
        ),
        encoding="utf-8",
    )
    _run([python, "-m", "pip", "install", "-q", "-c", pins, wheel], elsewhere, env)

    cli = bootstrap.venv_program("backprop-lab-cli", venv)
    assert bootstrap.venv_program("backprop-lab", venv).is_file()  # the window's launcher
    assert _run([cli, "--headless", "--steps", "1"], elsewhere, env).strip() == LECTURE_STEP
    assert "--install-desktop-entry" in _run([cli, "--help"], elsewhere, env)
    out = _run([python, "-m", "backprop_lab", "--headless", "--steps", "1"], elsewhere, env)
    assert out.strip() == LECTURE_STEP
    examples = (
        "import main, resources\n"
        "from model.session.examples import EXAMPLE_NAMES, load_example\n"
        "for name in EXAMPLE_NAMES: load_example(name)\n"
        "print(main.__file__, resources.icon_png(16).is_file())"
    )
    where = _run([python, "-c", examples], elsewhere, env)
    installed_main, icon_found = where.split()
    assert Path(installed_main).is_relative_to(venv)
    assert icon_found == "True"

    shot = tmp_path / "window.png"
    seen = json.loads(_run([python, "-c", WINDOW_CHECK, shot], elsewhere, env).splitlines()[-1])
    assert seen["saved"]
    assert shot.stat().st_size > 10_000
    assert seen["title"].endswith("Backprop Lab")
    assert seen["window_icon"] == list(resources.ICON_SIZES)
    assert seen["app_version"] == seen["version"] == PYPROJECT["project"]["version"]
    assert f"Version {seen['version']}" in seen["about"]
    assert seen["about_icon"]

    if not sys.platform.startswith("linux"):
        return  # elsewhere the entry would be a real Start-menu shortcut
    _run([cli, "--install-desktop-entry"], elsewhere, env)
    entry = (tmp_path / "data" / "applications" / "backprop-lab.desktop").read_text("utf-8")
    assert f"Exec={bootstrap.venv_program('backprop-lab', venv)} %f" in entry
    assert (
        tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / "backprop-lab.png"
    ).is_file()
