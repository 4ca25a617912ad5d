"""The window's centre: the curves, then the teaching views, one tab each.

A teaching view is built (and its module imported) the first time its tab is shown.
Building all of them with the window (four plots with colour bars, the diagram's scene)
made its first paint twice as slow as a bare pyqtgraph window; most lessons start on the
curves.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab

ViewFactory = Callable[[Lab], QtWidgets.QWidget]


def _diagram(lab: Lab) -> QtWidgets.QWidget:
    from gui.diagram import NetworkDiagram  # noqa: PLC0415  (imported when first shown)

    return NetworkDiagram(lab)


def _teaching(name: str) -> ViewFactory:
    def make(lab: Lab) -> QtWidgets.QWidget:
        import gui.teaching  # noqa: PLC0415  (imported when first shown)

        view_class: Callable[[Lab], QtWidgets.QWidget] = getattr(gui.teaching, name)
        return view_class(lab)

    return make


# (key, tab title, tooltip, what builds the view)
TEACHING_VIEWS: tuple[tuple[str, str, str, ViewFactory], ...] = (
    (
        "diagram",
        "Network",
        "The network with its numbers; Step animates the forward and backward sweeps; click a "
        "weight to select it, double-click to edit it",
        _diagram,
    ),
    (
        "gradient_flow",
        "Gradients",
        "Gradient size per layer over time, and where each layer's neurons sit on their "
        "activation's slope (vanishing gradients)",
        _teaching("GradientFlowView"),
    ),
    (
        "error_surface",
        "Error surface",
        "E over two parameters, with the path the training took",
        _teaching("ErrorSurfaceView"),
    ),
    (
        "output_map",
        "Output map",
        "The network's output over the input plane, with the samples",
        _teaching("OutputMapView"),
    ),
    (
        "gradient_check",
        "Gradient check",
        "Backprop's gradients against finite differences",
        _teaching("GradientCheckView"),
    ),
)


class LazyTab(QtWidgets.QWidget):
    """A tab page that builds its view when first shown (or first asked for)."""

    def __init__(
        self, build: Callable[[], QtWidgets.QWidget], built: Callable[[QtWidgets.QWidget], None]
    ) -> None:
        super().__init__()
        self._build = build
        self._built = built
        self._view: QtWidgets.QWidget | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._view is not None

    def view(self) -> QtWidgets.QWidget:
        if self._view is None:
            self._view = self._build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._view)
            # A child added after its parent was shown stays hidden until shown itself; it
            # appears with the page in any case.
            self._view.show()
            self._built(self._view)
        return self._view

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self.view()
        super().showEvent(event)


class ViewTabs(QtWidgets.QTabWidget):
    """The curves' tab, then one lazily built tab per teaching view.

    Signals
    -------
    viewBuilt(str, QWidget) : a teaching view (by key, see TEACHING_VIEWS) was just built
    """

    viewBuilt = QtCore.Signal(str, QtWidgets.QWidget)

    def __init__(
        self, lab: Lab, curves: QtWidgets.QWidget, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("viewTabs")
        # In a narrow window every tab stays in sight, its title shortened ("Gradie…";
        # the tooltip has the whole), rather than some hidden behind scroll arrows.
        self.setElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.setUsesScrollButtons(False)
        self.setTabToolTip(
            self.addTab(curves, "Curves"), "The error and every parameter against the step"
        )
        self.pages: dict[str, LazyTab] = {}
        for key, title, tip, make in TEACHING_VIEWS:
            page = LazyTab(self._builder(make, lab), self._announcer(key))
            self.pages[key] = page
            self.setTabToolTip(self.addTab(page, title), tip)
        self.viewBuilt.connect(self._link_views)

    @staticmethod
    def _builder(make: ViewFactory, lab: Lab) -> Callable[[], QtWidgets.QWidget]:
        return lambda: make(lab)

    def _announcer(self, key: str) -> Callable[[QtWidgets.QWidget], None]:
        return lambda view: self.viewBuilt.emit(key, view)

    def view(self, key: str) -> QtWidgets.QWidget:
        """The teaching view `key`, built now if it was not yet."""
        return self.pages[key].view()

    def built(self, key: str) -> bool:
        return self.pages[key].is_built

    def current_view(self) -> QtWidgets.QWidget:
        """What the current tab shows (the view itself, not its page)."""
        page = self.currentWidget()
        return page.view() if isinstance(page, LazyTab) else page

    def show_neuron(self, layer: int, row: int) -> None:
        """The Output map's tab, showing neuron `row` (0-based) of `layer` (1-based)."""
        self.view("output_map").show_neuron(layer, row)  # type: ignore[attr-defined]
        self.setCurrentWidget(self.pages["output_map"])

    def _link_views(self, key: str, view: QtWidgets.QWidget) -> None:
        if key == "diagram":  # a click on a neuron's picture opens it large
            view.neuronChosen.connect(self.show_neuron)  # type: ignore[attr-defined]
