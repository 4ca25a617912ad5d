"""File → Export plots: each plot of the view shown, as its own file, without the controls
around it (a screen grab of the tab had the "Logarithmic error axis" check box in it).

PNG at a chosen width (the plot is drawn anew at that size, its text and lines scaled
alike, the height following its shape) and PDF (vector: the plot's scene painted on a
page of the plot's size). SVG is not offered: Qt's SVG generator misplaces pyqtgraph's
axes against the curves (checked by eye on the output), and pyqtgraph's own SVG
exporter fails on current PySide6.

What counts as a plot: every pyqtgraph plot shown in the view; without one, a diagram
(a graphics view: what it shows), else a table, else the view itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6 import QtCore, QtGui, QtWidgets

from gui.cell_text import plural
from model.history import write_bytes_atomically

FORMATS = {"png": "PNG image (*.png)", "pdf": "PDF document (*.pdf)"}
DEFAULT_WIDTH = 1600
MAX_WIDTH = 10000
SCREEN_DPI = 96  # a PDF page is as large as the plot on a 96-dpi screen
Report = Callable[[str, int], None]


@dataclass(frozen=True)
class Exportable:
    """One thing to export: a title for the list, a slug for the file name, the widget."""

    title: str
    slug: str
    widget: QtWidgets.QWidget


def slug_of(widget: QtWidgets.QWidget, index: int) -> str:
    """'errorPlot' → 'error', 'gradientNormPlot' → 'gradient-norm'."""
    name = re.sub(r"(Plot|View|Table)$", "", widget.objectName())
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower().strip("-")
    return words or f"plot-{index + 1}"


def exportables(view: QtWidgets.QWidget) -> list[Exportable]:
    """The plots shown in `view` (see the module's docstring), in the order laid out."""
    for kind in (pg.PlotWidget, QtWidgets.QGraphicsView, QtWidgets.QAbstractItemView):
        found = [w for w in view.findChildren(kind) if w.isVisible() and w.width() > 0]
        if isinstance(view, kind):
            found.insert(0, view)
        if kind is QtWidgets.QAbstractItemView:
            found = [w for w in found if not isinstance(w, QtWidgets.QHeaderView)]
        if found:
            break
    else:
        found = [view]
    found.sort(
        key=lambda w: (
            w.mapTo(view, QtCore.QPoint(0, 0)).y(),
            w.mapTo(view, QtCore.QPoint(0, 0)).x(),
        )
    )
    return [Exportable(_title(w, i), slug_of(w, i), w) for i, w in enumerate(dict.fromkeys(found))]


def _title(widget: QtWidgets.QWidget, index: int) -> str:
    if isinstance(widget, pg.PlotWidget):
        text = widget.getPlotItem().titleLabel.text
        if text:
            return re.sub(r"<[^>]+>", "", text)
    if widget.accessibleName():
        return widget.accessibleName()
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", widget.objectName()).lower()  # "gradient check table"
    return words.capitalize() or f"Plot {index + 1}"


# -- drawing ------------------------------------------------------------------------------------
def _source(widget: QtWidgets.QWidget) -> tuple[QtWidgets.QGraphicsScene | None, QtCore.QRectF]:
    """The scene and the part of it to draw (None: draw the widget itself)."""
    if isinstance(widget, pg.PlotWidget):
        item = widget.getPlotItem()
        return widget.scene(), item.sceneBoundingRect()
    if isinstance(widget, QtWidgets.QGraphicsView) and widget.scene() is not None:
        shown = widget.mapToScene(widget.viewport().rect()).boundingRect()
        return widget.scene(), shown
    return None, QtCore.QRectF(widget.rect())


def _paint(widget: QtWidgets.QWidget, painter: QtGui.QPainter, target: QtCore.QRectF) -> None:
    scene, source = _source(widget)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    if scene is None:
        painter.save()
        painter.translate(target.topLeft())
        painter.scale(target.width() / source.width(), target.height() / source.height())
        widget.render(painter, QtCore.QPoint(0, 0), QtGui.QRegion(widget.rect()))
        painter.restore()
        return
    exporter = ImageExporter(widget.getPlotItem()) if isinstance(widget, pg.PlotWidget) else None
    if exporter is not None:  # pyqtgraph's items draw themselves for export (no hover marks)
        scale = target.width() / source.width()
        exporter.setExportMode(
            True,
            {"antialias": True, "background": "w", "painter": painter, "resolutionScale": scale},
        )
    try:
        scene.render(painter, target, source)
    finally:
        if exporter is not None:
            exporter.setExportMode(False)


def png_bytes(widget: QtWidgets.QWidget, width: int) -> bytes:
    """The plot drawn `width` pixels wide (the height in proportion), as PNG."""
    _scene, source = _source(widget)
    height = max(1, round(width * source.height() / max(source.width(), 1.0)))
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    try:
        _paint(widget, painter, QtCore.QRectF(0, 0, width, height))
    finally:
        painter.end()
    return _encoded(image)


def pdf_bytes(widget: QtWidgets.QWidget, title: str) -> bytes:
    """The plot on a PDF page of its own size (vector: lines and text stay sharp)."""
    _scene, source = _source(widget)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    writer.setResolution(SCREEN_DPI)
    writer.setTitle(title)
    writer.setCreator("Backprop Lab")
    points = QtCore.QSizeF(source.width() * 72 / SCREEN_DPI, source.height() * 72 / SCREEN_DPI)
    writer.setPageSize(QtGui.QPageSize(points, QtGui.QPageSize.Unit.Point, "plot"))
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0), QtGui.QPageLayout.Unit.Point)
    painter = QtGui.QPainter(writer)
    try:
        _paint(widget, painter, QtCore.QRectF(0, 0, writer.width(), writer.height()))
    finally:
        painter.end()
    buffer.close()
    return bytes(buffer.data().data())


def _encoded(image: QtGui.QImage) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    # The stubs ask for bytes as the format; PySide6 itself takes only a str.
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def file_names(base: str, fmt: str, plots: list[Exportable]) -> list[Path]:
    """`base` with the format's suffix; with several plots, one file each: plots-error.png,
    plots-weights.png."""
    path = Path(base).expanduser()
    if not path.name or path.name in {".", ".."}:
        raise ValueError(f"{base!r} names a folder, not a file")
    stem = path.with_suffix("") if path.suffix.lower() in {".png", ".pdf", ".svg"} else path
    if len(plots) == 1:
        return [stem.with_name(f"{stem.name}.{fmt}")]
    return [stem.with_name(f"{stem.name}-{plot.slug}.{fmt}") for plot in plots]


def export(
    plots: list[Exportable],
    base: str,
    fmt: str,
    width: int,
    keep: Sequence[str | None] = (),
) -> list[Path]:
    """Write every plot (never over a file of `keep`: the session's own); the files
    written. OSError from the first that fails."""
    written = []
    for plot, path in zip(plots, file_names(base, fmt, plots), strict=True):
        payload = (
            png_bytes(plot.widget, width) if fmt == "png" else pdf_bytes(plot.widget, plot.title)
        )
        write_bytes_atomically(path, payload, keep=keep)
        written.append(path)
    return written


# -- the dialog ---------------------------------------------------------------------------------
class ExportPlotsDialog(QtWidgets.QDialog):
    """Which plots, which format, how wide, where; Export writes them (and says where in
    the status bar through `report`), a problem is said in the dialog, which stays."""

    def __init__(
        self,
        plots: list[Exportable],
        folder: str,
        report: Report,
        parent: QtWidgets.QWidget | None = None,
        keep: Sequence[str | None] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportPlotsDialog")
        self._keep = keep
        self.setWindowTitle("Export plots")
        self.plots = plots
        self._report = report
        self.written: list[Path] = []
        self.list = self._plot_list(plots)
        self.format = QtWidgets.QComboBox()
        self.format.setObjectName("exportFormatCombo")
        for key, label in FORMATS.items():
            self.format.addItem(label, key)
        self.width_spin = self._width_spin()
        self.path = QtWidgets.QLineEdit(str(Path(folder) / "plots.png"))
        self.path.setObjectName("exportPathEdit")
        browse = QtWidgets.QPushButton("Browse…")
        browse.setObjectName("exportBrowseButton")
        browse.clicked.connect(self.browse)
        where = QtWidgets.QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.names = QtWidgets.QLabel()
        self.names.setObjectName("exportNamesLabel")
        self.names.setWordWrap(True)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B22222;")
        form = QtWidgets.QFormLayout()
        form.addRow("Plots", self.list)
        form.addRow("Format", self.format)
        form.addRow("Size (PNG)", self.width_spin)
        form.addRow("File", where)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton(
            "Export", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setObjectName("exportButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.names)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for signal in (
            self.format.currentIndexChanged,
            self.path.textChanged,
            self.list.itemChanged,
        ):
            signal.connect(self._update)
        self._update()

    @staticmethod
    def _plot_list(plots: list[Exportable]) -> QtWidgets.QListWidget:
        listing = QtWidgets.QListWidget()
        listing.setObjectName("exportPlotsList")
        for plot in plots:
            entry = QtWidgets.QListWidgetItem(plot.title)
            entry.setFlags(entry.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(QtCore.Qt.CheckState.Checked)
            listing.addItem(entry)
        listing.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        listing.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        row = max(listing.sizeHintForRow(0), listing.fontMetrics().height() + 4)
        listing.setFixedHeight(row * min(len(plots), 5) + 2 * listing.frameWidth() + 4)
        return listing

    @staticmethod
    def _width_spin() -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox()
        spin.setObjectName("exportWidthSpin")
        spin.setRange(200, MAX_WIDTH)
        spin.setSingleStep(100)
        spin.setValue(DEFAULT_WIDTH)
        spin.setSuffix(" px wide")
        spin.setToolTip("The height follows each plot's shape")
        return spin

    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    def chosen(self) -> list[Exportable]:
        return [
            plot
            for row, plot in enumerate(self.plots)
            if self.list.item(row).checkState() == QtCore.Qt.CheckState.Checked
        ]

    def _update(self) -> None:
        self.width_spin.setEnabled(self.fmt == "png")
        chosen, base = self.chosen(), self.path.text().strip()
        try:
            names = [p.name for p in file_names(base, self.fmt, chosen)] if chosen else []
        except ValueError:
            names = []
        self.names.setText(f"Writes {', '.join(names)}" if names else "")
        self.message.setText("")

    def browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export plots", self.path.text(), FORMATS[self.fmt]
        )
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        chosen, base = self.chosen(), self.path.text().strip()
        if not chosen:
            self.message.setText("Tick at least one plot to export.")
            return
        try:
            file_names(base, self.fmt, chosen)
        except ValueError:
            self.message.setText("Give the name of the file to write.")
            return
        folder = Path(base).expanduser().parent
        if not folder.is_dir():
            self.message.setText(f"The folder {folder} does not exist: nothing was written.")
            return
        try:
            self.written = export(chosen, base, self.fmt, self.width_spin.value(), self._keep)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            self.message.setText(f"Nothing more was written: {where}{error.strerror or error}")
            return
        names = ", ".join(p.name for p in self.written)
        self._report(f"Saved {plural(len(self.written), 'plot')} in {folder}: {names}", 8000)
        super().accept()


def open_export_dialog(
    parent: QtWidgets.QWidget,
    view: QtWidgets.QWidget,
    folder: str,
    report: Report,
    keep: Sequence[str | None] = (),
) -> ExportPlotsDialog:
    """File → Export plots: the dialog for the plots of `view` (window-modal; returns at
    once, Export writes the files, never over a file of `keep`)."""
    dialog = ExportPlotsDialog(exportables(view), folder, report, parent, keep)
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
