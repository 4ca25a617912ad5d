"""Render the application icon's PNG sizes and the Windows .ico from backprop-lab.svg.

    python resources/icons/render_icons.py        (after editing the SVG; commit the output)

Qt's own SVG renderer draws each size from the vector image (QSvgRenderer → QImage), so a
16-pixel icon is drawn at 16 pixels, not scaled down from 256. The .ico holds the same
PNGs (Windows Vista and later read PNG entries), for the Start-menu shortcut.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the source tree, for `resources`

from resources import ICON_NAME, ICON_SIZES  # noqa: E402

ICO_SIZES = ICON_SIZES  # 16 … 256: every size Windows asks for in menus and Explorer


def render_png(svg: Path, size: int, out: Path) -> None:
    from PySide6 import QtCore, QtGui, QtSvg  # noqa: PLC0415  (only when rendering)

    renderer = QtSvg.QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG")
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QtCore.QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out), b"PNG"):
        raise SystemExit(f"error: cannot write {out}")


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .ico file whose images are the given PNGs (size → PNG bytes), smallest first."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtGui  # noqa: PLC0415

    _app = QtGui.QGuiApplication(sys.argv[:1])
    svg = HERE / f"{ICON_NAME}.svg"
    pngs: dict[int, bytes] = {}
    for size in ICON_SIZES:
        out = HERE / f"{ICON_NAME}-{size}.png"
        render_png(svg, size, out)
        pngs[size] = out.read_bytes()
        print(f"wrote {out.relative_to(HERE.parents[1])}")
    ico = HERE / f"{ICON_NAME}.ico"
    ico.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    print(f"wrote {ico.relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
