"""Put Backprop Lab in the desktop's application menu, with its icon
(`backprop-lab-cli --install-desktop-entry`; `--uninstall-desktop-entry` takes it out).

- Linux and other freedesktop.org desktops: a desktop entry
  $XDG_DATA_HOME/applications/backprop-lab.desktop, and the icon in the user's hicolor icon
  theme, $XDG_DATA_HOME/icons/hicolor/<N>x<N>/apps/backprop-lab.png and scalable/apps/
  (XDG_DATA_HOME defaults to ~/.local/share). Nothing outside the user's folders.
- Windows: a shortcut "Backprop Lab.lnk" in the user's Start-menu Programs folder
  (%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs), made by PowerShell through the
  WScript.Shell COM object, with the .ico the wheel ships.
- macOS: no menu entry; the error says how to start it.

Both start the window through the `backprop-lab` gui-script of the environment that runs
this code (or, where there is none, this Python with `-m backprop_lab`), so the entry
opens the installation it was made from.
"""

from __future__ import annotations

import base64
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from resources import ICON_NAME, ICON_SIZES, ICONS_DIR, icon_ico, icon_png, icon_svg

APP_NAME = "Backprop Lab"
COMMENT = "See backpropagation happen: step a small neural network and watch every number"
DESKTOP_FILE = f"{ICON_NAME}.desktop"
SHORTCUT_FILE = f"{APP_NAME}.lnk"
GUI_SCRIPT = "backprop-lab"
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # site-packages, or the source tree


class DesktopEntryError(Exception):
    """The entry could not be made or removed; the message says why, in one line."""


@dataclass(frozen=True)
class Launcher:
    """How the menu entry starts the window: `program args…`, in `workdir` if given."""

    program: Path
    args: tuple[str, ...] = ()
    workdir: Path | None = None


def find_launcher(platform: str | None = None) -> Launcher:
    """The `backprop-lab` gui-script installed with this code, else `python -m backprop_lab`."""
    windows = (platform or sys.platform) == "win32"
    name = GUI_SCRIPT + (".exe" if windows else "")
    python = Path(os.path.abspath(sys.executable))  # not resolved: a venv's python is a link
    folders = [Path(sysconfig.get_path("scripts")), python.parent]
    user_site = Path(site.getusersitepackages())
    if user_site.resolve() == _PACKAGE_ROOT:  # `pip install --user`: ~/.local/bin and the like
        folders.append(Path(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user"))))
    for folder in folders:
        if (folder / name).is_file():
            return Launcher(folder / name)
    if windows and python.with_name("pythonw.exe").is_file():
        python = python.with_name("pythonw.exe")  # no console window beside the app's
    source_tree = (_PACKAGE_ROOT / "pyproject.toml").is_file()
    return Launcher(python, ("-m", "backprop_lab"), _PACKAGE_ROOT if source_tree else None)


def install(platform: str | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Make the menu entry for `platform` (default: this one); returns the lines to tell the
    user (what was written where)."""
    platform = platform or sys.platform
    shipped = [icon_ico(), icon_svg(), *(icon_png(n) for n in ICON_SIZES)]
    missing = [path.name for path in shipped if not path.is_file()]
    if missing:
        raise DesktopEntryError(f"the installation has no {', '.join(missing)} in {ICONS_DIR}")
    launcher = find_launcher(platform)
    if platform == "win32":
        link = _powershell(windows_shortcut_script(launcher, icon_ico()))
        return [f"added {APP_NAME} to the Start menu: {link}", f"it starts {_describe(launcher)}"]
    if platform == "darwin":
        raise DesktopEntryError(
            "macOS has no desktop entries: start the window with backprop-lab in a Terminal "
            "(docs/install.md)"
        )
    home = data_home(environ)
    entry = home / "applications" / DESKTOP_FILE
    try:
        for path, source in icon_files(home).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(desktop_entry_text(launcher), encoding="utf-8")
    except OSError as error:
        raise DesktopEntryError(f"cannot write in {home}: {error.strerror or error}") from None
    return [
        f"wrote the desktop entry {entry}",
        f"and the icon in {home / 'icons' / 'hicolor'} ({len(ICON_SIZES)} sizes and the SVG)",
        f"it starts {_describe(launcher)}",
    ]


def uninstall(platform: str | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Remove what install() made; returns the lines to tell the user."""
    platform = platform or sys.platform
    if platform == "win32":
        link = _powershell(windows_shortcut_script(None, None))
        return [f"removed {link}" if link else f"there was no {SHORTCUT_FILE} in the Start menu"]
    if platform == "darwin":
        return ["macOS has no desktop entries: nothing to remove"]
    home = data_home(environ)
    removed = []
    for path in [home / "applications" / DESKTOP_FILE, *icon_files(home)]:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise DesktopEntryError(f"cannot remove {path}: {error.strerror or error}") from None
        removed.append(path)
    if not removed:
        return [f"there was no {DESKTOP_FILE} or icon under {home}"]
    return [f"removed {path}" for path in removed]


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME if it is an absolute path (the specification ignores others), else
    ~/.local/share."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".local" / "share"


def icon_files(home: Path) -> dict[Path, Path]:
    """Where the icon goes in the user's hicolor theme → the shipped file it is copied from."""
    theme = home / "icons" / "hicolor"
    files = {theme / f"{n}x{n}" / "apps" / f"{ICON_NAME}.png": icon_png(n) for n in ICON_SIZES}
    files[theme / "scalable" / "apps" / f"{ICON_NAME}.svg"] = icon_svg()
    return files


def desktop_entry_text(launcher: Launcher) -> str:
    """The .desktop file (Desktop Entry Specification 1.0 keys) that starts `launcher`."""
    command = " ".join(_exec_argument(a) for a in (str(launcher.program), *launcher.args))
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        f"Name={APP_NAME}",
        "GenericName=Backpropagation trainer",
        f"Comment={COMMENT}",
        f"Exec={command} %f",  # %f: a session file, when one is opened with the app
        f"TryExec={_escape_value(str(launcher.program))}",  # hidden once the program is gone
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Education;ArtificialIntelligence;",
        "Keywords=neural network;backpropagation;gradient descent;perceptron;",
        f"StartupWMClass={APP_NAME}",  # Qt's WM_CLASS class is the application name
    ]
    if launcher.workdir is not None:
        lines.append(f"Path={_escape_value(str(launcher.workdir))}")
    return "\n".join(lines) + "\n"


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _exec_argument(argument: str) -> str:
    """One argument of an Exec key: quoted if it needs it, with `"`, `` ` ``, `$` and `\\`
    escaped inside the quotes; then the string-value escapes, and % doubled."""
    if any(c in _RESERVED for c in argument):
        argument = '"' + "".join("\\" + c if c in '"`$\\' else c for c in argument) + '"'
    return _escape_value(argument).replace("%", "%%")


def _escape_value(value: str) -> str:
    """A desktop entry string value: backslash, newline, tab and return escaped."""
    escapes = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    return "".join(escapes.get(c, c) for c in value)


def windows_shortcut_script(launcher: Launcher | None, icon: Path | None) -> str:
    """PowerShell that makes the Start-menu shortcut to `launcher` (or, given None, removes
    it) and prints the shortcut's path; on failure it prints "error: …" and exits 1 (its
    stderr would be CLIXML under -EncodedCommand). Every value is a single-quoted literal."""
    body = [
        "$link = Join-Path ([Environment]::GetFolderPath('Programs')) "
        + _ps_literal(SHORTCUT_FILE),
    ]
    if launcher is None:
        body.append("if (Test-Path -LiteralPath $link) { Remove-Item -LiteralPath $link; $link }")
    else:
        body += [
            "$shortcut = (New-Object -ComObject WScript.Shell).CreateShortcut($link)",
            f"$shortcut.TargetPath = {_ps_literal(str(launcher.program))}",
            f"$shortcut.Arguments = {_ps_literal(subprocess.list2cmdline(launcher.args))}",
            f"$shortcut.WorkingDirectory = {_ps_literal(str(launcher.workdir or Path.home()))}",
            f"$shortcut.Description = {_ps_literal(COMMENT)}",
        ]
        if icon is not None:
            body.append(f"$shortcut.IconLocation = {_ps_literal(f'{icon},0')}")
        body += ["$shortcut.Save()", "$link"]
    return "\n".join(
        [
            "$ErrorActionPreference = 'Stop'",
            "try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } "
            "catch { }",
            "try {",
            *("    " + line for line in body),
            "} catch {",
            "    'error: ' + $_.Exception.Message",
            "    exit 1",
            "}",
            "",
        ]
    )


def _ps_literal(text: str) -> str:
    """A PowerShell single-quoted string: nothing inside is expanded; ' is doubled (so are
    the typographic quotes PowerShell also accepts as single quotes)."""
    return "'" + "".join(c * 2 if c in "'\u2018\u2019\u201a\u201b" else c for c in text) + "'"


def _powershell(script: str) -> str:
    """Run `script` in Windows PowerShell; its output, stripped. -EncodedCommand (base64 of
    UTF-16LE) carries the script intact, whatever quotes or spaces it holds."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    command = ["powershell.exe", "-NoProfile", "-NonInteractive", "-OutputFormat", "Text"]
    command += ["-EncodedCommand", encoded]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except OSError as error:
        raise DesktopEntryError(f"cannot run PowerShell ({error})") from None
    out = done.stdout.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if done.returncode != 0:
        problem = out.removeprefix("error: ") or f"exit code {done.returncode}"
        raise DesktopEntryError(f"PowerShell could not change the Start menu: {problem}")
    return out


def _describe(launcher: Launcher) -> str:
    return subprocess.list2cmdline([str(launcher.program), *launcher.args])
