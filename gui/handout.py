"""Handouts and printed sheets: pictures drawn offscreen by the window's own views, and
HTML printed to PDF by Qt's rich text (QTextDocument + QPdfWriter), with or without a
display.

`write_handout` is File → Export step as handout… and `--headless … --handout OUT`: the
page of model/handout.py with the network picture (gui/diagram, at the state before the
first step, with that step's sample) and the error and parameter curves (gui/plots.py,
the marker on the last step), written atomically as .html (images embedded) or .pdf.
Nothing here touches the window's own Lab: the pictures are drawn by views of their own,
over copies of the history.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gui.diagram import NetworkDiagram
from gui.lab import Lab
from gui.panels import PlotsPanel
from gui.plot_export import png_bytes
from model.explain import explain_step
from model.handout import Figure, check_steps, handout_html, steps_title
from model.history import write_bytes_atomically
from model.session import Session
from model.state import Trainer

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
IMAGE_WIDTH = 1200  # pixels of each PNG (printed about 16 cm wide)
DIAGRAM_SIZE = QtCore.QSize(760, 520)
PLOTS_SIZE = QtCore.QSize(680, 640)  # printed 640 wide: their text nearly as on screen
PAGE_MARGIN_MM = 15
PRINT_FONT_PT = 10
CSS_DPI, MM_PER_INCH = 96, 25.4
QUIET = ("propagateSizeHints",)  # what the offscreen platform says about every window


def ensure_application() -> QtCore.QCoreApplication:
    """The running QApplication, or a new one; without a display (the command line) Qt
    draws offscreen: QT_QPA_PLATFORM=offscreen unless it was set."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QtWidgets.QApplication(["backprop-lab"])
    return app


@contextlib.contextmanager
def quiet_qt() -> Iterator[None]:
    """Qt's remarks on offscreen windows are not said on the command line's stderr."""

    def handler(mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext, text: str) -> None:
        if any(word in text for word in QUIET):
            return
        if previous is not None:
            previous(mode, context, text)

    previous = QtCore.qInstallMessageHandler(handler)
    try:
        yield
    finally:
        QtCore.qInstallMessageHandler(previous)


def _lab_over(trainer: Trainer, rows: int, step: int) -> Lab:
    """A Lab of its own over the first `rows` states of `trainer`, showing state `step`,
    with the settings of the step after it."""
    config = trainer.config_for_step(min(step + 1, trainer.last_step))
    history = trainer.history.copy_prefix(rows)
    session = Session(trainer.network.copy(), trainer.data, config, history)
    lab = Lab(session)
    lab.seek(step)
    return lab


def _drawn(widget: QtWidgets.QWidget, size: QtCore.QSize) -> None:
    widget.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen)
    widget.resize(size)
    widget.show()
    QtCore.QCoreApplication.sendPostedEvents()


def network_figure(trainer: Trainer, step: int) -> Figure:
    """The network as the Network view draws it before `step`, with that step's sample."""
    ex = explain_step(trainer, step)
    lab = _lab_over(trainer, step, step - 1)
    diagram = NetworkDiagram(lab)
    try:
        diagram.sample_combo.setCurrentIndex(ex.forward.index)
        _drawn(diagram, DIAGRAM_SIZE)
        diagram.refresh()
        png = png_bytes(diagram.view, IMAGE_WIDTH)
    finally:
        diagram.close()
        diagram.deleteLater()
        lab.deleteLater()
    sample = f"sample {ex.forward.index + 1}" if ex.n_samples > 1 else "the sample"
    return Figure(
        f"State {step - 1}, the numbers of the forward pass of step {step}",
        png,
        f"Each neuron's sum s and output f(s) for {sample}, at the parameters of state "
        f"{step - 1}. Line width ∝ |w|; blue: w > 0, orange: w < 0; the weight of the +1 "
        "input is the bias b.",
    )


def curve_figures(trainer: Trainer, last: int) -> list[Figure]:
    """The error and the parameters over the whole run, the marker on step `last`."""
    lab = _lab_over(trainer, len(trainer.history), last)
    panel = PlotsPanel(lab)
    try:
        _drawn(panel, PLOTS_SIZE)
        panel.refresh()
        error, weights = (png_bytes(p, IMAGE_WIDTH) for p in (panel.error_plot, panel.weights_plot))
    finally:
        panel.close()
        panel.deleteLater()
        lab.deleteLater()
    marker = f"The dashed red line marks step {last}."
    return [
        Figure("The error", error, marker),
        Figure("The weights and biases", weights, marker),
    ]


def handout_page(trainer: Trainer, title: str, first: int, last: int) -> str:
    """The handout of steps `first` … `last` as one HTML page, its pictures drawn now."""
    check_steps(first, last, trainer.last_step)
    ensure_application()
    with quiet_qt():
        before = [network_figure(trainer, first)]
        after = curve_figures(trainer, last)
    return handout_html(trainer, title, first, last, before, after)


def pdf_bytes(page: str, title: str) -> bytes:
    """`page` (HTML in Qt's rich-text subset, images as data: URIs) printed on A4."""
    ensure_application()
    document = QtGui.QTextDocument()
    font = document.defaultFont()
    font.setPointSize(PRINT_FONT_PT)
    document.setDefaultFont(font)
    document.setHtml(page)
    # Laid out on the page's printable area in CSS pixels (96 per inch), as a browser
    # would: a picture 640 pixels wide then fits, and 10 points print as 10 points.
    printable = QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4).size(
        QtGui.QPageSize.Unit.Millimeter
    ) - QtCore.QSizeF(2 * PAGE_MARGIN_MM, 2 * PAGE_MARGIN_MM)
    document.setPageSize(printable * (CSS_DPI / MM_PER_INCH))
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Backprop Lab")
    writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
    margin = float(PAGE_MARGIN_MM)
    writer.setPageMargins(
        QtCore.QMarginsF(margin, margin, margin, margin), QtGui.QPageLayout.Unit.Millimeter
    )
    with quiet_qt():
        document.print_(writer)
    buffer.close()
    return bytes(buffer.data().data())


def handout_format(path: str | os.PathLike[str]) -> str:
    """ "html" or "pdf" from the file name; ValueError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError("expected a file name ending in .html or .pdf")
    return FORMATS[suffix]


def write_handout(
    trainer: Trainer,
    path: str | os.PathLike[str],
    title: str,
    first: int,
    last: int,
    keep: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """Write the handout to `path` (.html or .pdf), atomically, never over a file of
    `keep`. ValueError for a bad range or name, OSError if it cannot be written."""
    fmt = handout_format(path)
    page = handout_page(trainer, title, first, last)
    heading = f"{title or 'Backprop Lab'}: {steps_title(first, last)}"
    payload = page.encode("utf-8") if fmt == "html" else pdf_bytes(page, heading)
    write_bytes_atomically(path, payload, keep=keep)
