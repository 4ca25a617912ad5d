"""Package data that travels with the wheel: the example sessions (examples/*.json) and the
application icon (icons/: the SVG it is drawn in, PNGs at ICON_SIZES and a Windows .ico,
made by icons/render_icons.py). Standard library only: `--headless` and the desktop entry
find the files without loading Qt."""

from __future__ import annotations

from pathlib import Path

ICON_NAME = "backprop-lab"  # also the icon's name in the desktop's icon theme
ICON_SIZES = (16, 32, 48, 64, 128, 256)
ICONS_DIR = Path(__file__).resolve().parent / "icons"


def icon_png(size: int) -> Path:
    """The icon drawn at `size` × `size` pixels (one of ICON_SIZES)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}-pixel icon; the sizes are {ICON_SIZES}")
    return ICONS_DIR / f"{ICON_NAME}-{size}.png"


def icon_svg() -> Path:
    """The icon as drawn, scalable."""
    return ICONS_DIR / f"{ICON_NAME}.svg"


def icon_ico() -> Path:
    """Every size in one Windows .ico file (for the Start-menu shortcut)."""
    return ICONS_DIR / f"{ICON_NAME}.ico"
