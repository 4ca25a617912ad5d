"""The live plots, driven through the window: one curve per loss when the loss changed
mid-history, legends that hide no curve, tick labels on a narrow logarithmic range, and
at most MAX_CURVES parameter curves (which ones: the selected, the largest-moving, or
those ticked in the chooser)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import choose, click, table
from PySide6 import QtCore, QtGui, QtWidgets

from gui.curve_chooser import MAX_CURVES, largest_moving
from model.session import parse_session

Qt = QtCore.Qt


def error_plot(window):
    return window.findChild(QtWidgets.QWidget, "errorPlot")


def weights_plot(window):
    return window.findChild(QtWidgets.QWidget, "weightsPlot")


def legend_names(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def drawn_tick_labels(axis) -> list[str]:
    """The tick labels the axis paints now."""
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


def big_session(n_inputs: int, hidden: int) -> object:
    rng = np.random.default_rng(1)
    return parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": [n_inputs, hidden, 1], "activations": ["sigmoid", "sigmoid"]},
            "init": {"method": "uniform", "low": -0.5, "high": 0.5, "seed": 3},
            "data": {
                "inputs": rng.normal(size=(8, n_inputs)).round(3).tolist(),
                "targets": [[0.0], [1.0]] * 4,
            },
            "training": {"rule": "backprop", "learning_rate": 0.5, "mode": "batch"},
        }
    )


# -- item 9: the loss changed mid-history ---------------------------------------------------
def test_a_loss_changed_mid_history_draws_one_curve_per_loss(qtbot, window) -> None:
    for _ in range(3):
        click(qtbot, window, "stepButton")
    choose(qtbot, window.findChild(QtWidgets.QComboBox, "lossCombo"), "cross_entropy")
    for _ in range(3):
        click(qtbot, window, "stepButton")
    trainer = window.lab.trainer
    assert [trainer.config_for_step(k).loss for k in (3, 4)] == ["squared_error", "cross_entropy"]
    plot = error_plot(window)
    assert legend_names(plot) == ["E (squared error)", "E (binary cross-entropy)"]
    assert len(plot.curves) == 2
    x0, y0 = plot.curves[0].getOriginalDataset()
    x1, y1 = plot.curves[1].getOriginalDataset()
    np.testing.assert_array_equal(x0, [0, 1, 2, 3])
    np.testing.assert_array_equal(y0, trainer.history.errors[:4])
    np.testing.assert_array_equal(x1, [4, 5, 6])
    np.testing.assert_array_equal(y1, trainer.history.errors[4:])
    assert [line.value() for line in plot.change_markers] == [3.5]
    assert plot.change_markers[0].label.textItem.toPlainText() == "loss changed"
    assert "legend" in plot.getPlotItem().getAxis("left").labelText
    assert plot.curves[0].opts["pen"].color() != plot.curves[1].opts["pen"].color()
    assert plot.describe(5).endswith("(binary cross-entropy)")
    window.undo_action.trigger()  # the three cross-entropy steps
    assert len(plot.curves) == 1 and not plot.change_markers
    assert legend_names(plot) == ["E (squared error)"]


def test_going_back_to_the_first_loss_gives_a_third_segment_of_its_colour(qtbot, window) -> None:
    combo = window.findChild(QtWidgets.QComboBox, "lossCombo")
    for loss in ("cross_entropy", "squared_error"):
        click(qtbot, window, "stepButton")
        choose(qtbot, combo, loss)
    click(qtbot, window, "stepButton")
    plot = error_plot(window)
    assert [label for _a, _b, label in plot.segments] == [
        "squared error",
        "binary cross-entropy",
        "squared error",
    ]
    assert legend_names(plot) == ["E (squared error)", "E (binary cross-entropy)"]
    assert plot.curves[0].opts["pen"].color() == plot.curves[2].opts["pen"].color()


# -- item 17: legends, log ticks --------------------------------------------------------------
@pytest.mark.parametrize("example", ["lecture", "deep_xor"])
def test_no_legend_covers_the_curves(qtbot, window, example) -> None:
    window.open_example(example)
    for _ in range(5):
        click(qtbot, window, "stepButton")
    window.resize(1366, 700)
    qtbot.wait(10)
    for plot in (error_plot(window), weights_plot(window)):
        view = plot.getPlotItem().vb.sceneBoundingRect()
        legend = plot.legend.sceneBoundingRect()
        assert legend.height() > 0 and not legend.intersects(view), plot.objectName()
        # the whole legend is inside the widget: no entry cut off
        assert plot.sceneRect().contains(legend), plot.objectName()


def test_a_log_axis_inside_one_decade_has_tick_labels(qtbot, window) -> None:
    for _ in range(3):
        click(qtbot, window, "stepButton")
    check = window.findChild(QtWidgets.QCheckBox, "logScaleCheck")
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(8, check.height() // 2))
    axis = error_plot(window).getPlotItem().getAxis("left")
    assert axis.logMode
    labels = drawn_tick_labels(axis)
    errors = window.lab.trainer.history.errors
    assert len(labels) >= 2
    values = [float(text) for text in labels]
    spread = errors.max() - errors.min()
    assert all(errors.min() - spread <= v <= errors.max() + spread for v in values)


# -- item 7: at most MAX_CURVES parameter curves, and which ---------------------------------
def test_deep_xor_draws_the_largest_moving_parameters_and_says_how_many(qtbot, window) -> None:
    window.open_example("deep_xor")
    for _ in range(5):
        click(qtbot, window, "stepButton")
    plot = weights_plot(window)
    history = window.lab.trainer.history
    assert len(plot.curves) == MAX_CURVES == len(plot.legend.items)
    assert plot.shown == largest_moving(history.parameters, MAX_CURVES)
    assert f"{MAX_CURVES} of 77 drawn" in plot.getPlotItem().titleLabel.text
    assert plot.chooser_button.isVisible()
    names = history.parameter_names
    assert legend_names(plot) == [names[i] for i in plot.shown]


def test_the_parameter_selected_in_a_table_is_drawn_thick(qtbot, window) -> None:
    window.open_example("deep_xor")
    click(qtbot, window, "stepButton")
    plot = weights_plot(window)
    view = table(window, "biasTable")
    index = view.model().index(3, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    flat = window.lab.trainer.network.layout.index(1, "b", 3, 0)
    assert flat in plot.shown and len(plot.curves) == MAX_CURVES
    curve = plot.curves[plot.shown.index(flat)]
    assert curve.opts["pen"].widthF() == 3.0


def test_the_chooser_draws_the_ticked_parameters_and_refuses_a_thirteenth(qtbot, window) -> None:
    window.open_example("deep_xor")
    plot = weights_plot(window)
    qtbot.mouseClick(plot.chooser_button, Qt.MouseButton.LeftButton)
    chooser = plot.findChild(QtWidgets.QDialog, "curveChooser")
    assert chooser is not None and chooser.isVisible()
    qtbot.mouseClick(
        chooser.findChild(QtWidgets.QRadioButton, "curvesTicked"), Qt.MouseButton.LeftButton
    )
    names_model = chooser.names
    for index in list(names_model.ticked):  # start from none
        names_model.ticked.remove(index)
    chooser.findChild(QtWidgets.QLineEdit, "curvesFilter").setText("L3.b")
    listing = chooser.findChild(QtWidgets.QListView, "curvesList")
    assert listing.model().rowCount() == 4
    for row in range(4):
        rect = listing.visualRect(listing.model().index(row, 0))
        box = QtCore.QPoint(rect.left() + 10, rect.center().y())
        qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert len(names_model.ticked) == 4
    chooser.findChild(QtWidgets.QDialogButtonBox).button(
        QtWidgets.QDialogButtonBox.StandardButton.Ok
    ).click()
    assert legend_names(plot) == ["L3.b1", "L3.b2", "L3.b3", "L3.b4"]
    # Ticking more than MAX_CURVES is refused with the reason
    qtbot.mouseClick(plot.chooser_button, Qt.MouseButton.LeftButton)
    chooser = plot.chooser
    chooser.filter.setText("L2.W")
    for row in range(MAX_CURVES):
        chooser.names.setData(
            chooser.names.index(row, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
        )
    assert len(chooser.names.ticked) == MAX_CURVES
    assert "At most 12 curves" in chooser.message.text()
    chooser.reject()
    assert legend_names(plot) == ["L3.b1", "L3.b2", "L3.b3", "L3.b4"]


def test_a_ten_thousand_parameter_network_opens_with_a_few_curves(qtbot, window) -> None:
    window.load(big_session(100, 100))
    assert window.lab.trainer.network.n_parameters == 10_201
    plot = weights_plot(window)
    assert len(plot.curves) == MAX_CURVES
    assert len(plot.getPlotItem().listDataItems()) == MAX_CURVES
    click(qtbot, window, "stepButton")
    assert len(plot.curves) == MAX_CURVES and window.lab.position == 1
    assert plot.shown == largest_moving(window.lab.trainer.history.parameters, MAX_CURVES)


def test_largest_moving_keeps_the_pinned_and_breaks_ties_by_index() -> None:
    parameters = np.zeros((30, 3))
    parameters[[5, 17, 2], -1] = [3.0, -2.0, 1.0]
    assert largest_moving(parameters, 4, first=[29]) == [2, 5, 17, 29]
    assert largest_moving(parameters, 5) == [0, 1, 2, 5, 17]
    assert largest_moving(parameters[:3], 12) == [0, 1, 2]


def test_the_plots_right_click_menus_are_there_after_the_first_paint(qtbot, window) -> None:
    for plot in (window.plots_panel.error_plot, window.plots_panel.weights_plot):
        qtbot.waitUntil(lambda plot=plot: plot.getPlotItem().vb.menu is not None, timeout=5000)
        view_box = plot.getPlotItem().vb
        assert view_box.menuEnabled() and plot.getPlotItem().menuEnabled()
        assert "View All" in [action.text() for action in view_box.menu.actions()]
