"""The teaching views (gui/teaching/), driven through their real widgets: in pairs, the
view follows the model (what is drawn equals an independent computation from the model,
after Step, Back and a seek) and the model follows the view (choices in the view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gui_helpers import choose
from PySide6 import QtCore, QtGui, QtWidgets

from gui.lab import Lab
from gui.teaching import (
    HIGHLIGHT,
    PLAYGROUND,
    SURFACE_CONTOURS,
    ErrorSurfaceView,
    GradientCheckView,
    GradientFlowView,
    OutputMapView,
    contour_segments,
)
from gui.teaching.gradient_flow import steps_to_plot
from model.activations import get_activation
from model.gradcheck import numeric_gradient
from model.gradflow import layer_gradient_norms, operating_points
from model.network import Network
from model.session import lecture_session, load_example, parse_session
from model.surface import error_grid, grid_range

Qt = QtCore.Qt
VIEWS = (GradientFlowView, ErrorSurfaceView, OutputMapView, GradientCheckView)


def session(
    layers: list[int],
    activations: list[str],
    inputs: list[list[float]],
    targets: list[list[float]],
    rule: str = "backprop",
    **extra: Any,
) -> Any:
    return parse_session(
        {
            "format": "backprop-lab/session",
            "version": 1,
            "network": {"layers": layers, "activations": activations},
            "init": {"method": "uniform", "low": -1.0, "high": 1.0, "seed": 3},
            "data": {"inputs": inputs, "targets": targets},
            "training": {"rule": rule, "learning_rate": 0.5, "mode": "batch"},
            **extra,
        }
    )


def step_session() -> Any:
    """The lecture's perceptron: the step activation, trained by the delta rule."""
    return session(
        [2, 1], ["step"], [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [0], [0], [1]], rule="delta"
    )


def three_input_session() -> Any:
    return session([3, 2, 1], ["sigmoid", "sigmoid"], [[0, 0, 1], [1, 1, 0]], [[0], [1]])


def deep_session() -> Any:
    """2-3-3-1: the surface's two parameters can sit in any two layers."""
    return session(
        [2, 3, 3, 1],
        ["sigmoid", "tanh", "sigmoid"],
        [[0, 0], [0, 1], [1, 0], [1, 1]],
        [[0], [1], [1], [0]],
    )


def show(qtbot, view: Any) -> Any:
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def xor_lab(steps: int = 20) -> Lab:
    lab = Lab(load_example("xor"))
    lab.run_steps(steps)
    return lab


def flat_gradient(network: Network, X: np.ndarray, D: np.ndarray, loss: str) -> np.ndarray:
    """∂E/∂θ in get_flat order, straight from Network.gradients."""
    grads = network.gradients(X, D, loss)
    return np.concatenate(
        [part for dW, db in zip(grads.dW, grads.db, strict=True) for part in (dW.ravel(), db)]
    )


def moves(lab: Lab) -> list[tuple[str, Callable[[], None]]]:
    """Step, Step, Back, a seek back, a seek to the start, and a Step from there."""
    return [
        ("step", lab.step),
        ("step", lab.step),
        ("back", lab.step_back),
        ("seek 7", lambda: lab.seek(7)),
        ("seek 0", lambda: lab.seek(0)),
        ("step from 0", lab.step),
    ]


# -- what each view shows, next to the same thing computed from the model ---------------
def norms_expected(lab: Lab) -> np.ndarray:
    trainer = lab.trainer
    steps = steps_to_plot(len(trainer.history), trainer.data.n_samples)
    return layer_gradient_norms(
        trainer.network, trainer.data, trainer.config.loss, trainer.history.parameters[:, steps].T
    ).T


def flow_shown(view: GradientFlowView) -> np.ndarray:
    """The norm curves, the marker and the operating points."""
    return np.concatenate(
        [
            np.ravel([curve.yData for curve in view.norm_curves]),
            [view.marker.value()],
            *(dots.getData()[0] for dots in view.operating_dots),
        ]
    )


def flow_expected(lab: Lab) -> np.ndarray:
    return np.concatenate(
        [
            norms_expected(lab).ravel(),
            [lab.position],
            *operating_points(lab.trainer.network, lab.trainer.data),
        ]
    )


def surface_shown(view: ErrorSurfaceView) -> np.ndarray:
    return np.concatenate(
        [view.grid.ravel(), view.current_point, [view.path[0][-1], view.path[1][-1]]]
    )


def surface_expected(lab: Lab, view: ErrorSurfaceView) -> np.ndarray:
    trainer = lab.trainer
    i, j = 0, 1
    theta = trainer.history.row(trainer.position)
    columns = trainer.history.parameters[:, : trainer.position + 1]
    xs = np.linspace(*grid_range(theta[i], columns[i]), 200)
    ys = np.linspace(*grid_range(theta[j], columns[j]), 200)
    np.testing.assert_allclose(view.x_values, xs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(view.y_values, ys, rtol=0, atol=1e-12)
    grid = error_grid(trainer.network, trainer.data, trainer.config.loss, i, j, xs, ys)
    return np.concatenate([grid.ravel(), theta[[i, j]], theta[[i, j]]])


def map_shown(view: OutputMapView) -> np.ndarray:
    return view.image


def map_expected(lab: Lab) -> np.ndarray:
    X = lab.trainer.data.inputs
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 120)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 120)
    gx, gy = np.meshgrid(xs, ys)
    y = lab.trainer.network.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    return y[:, 0].reshape(120, 120)


def column(view: GradientCheckView, col: int) -> np.ndarray:
    model = view.model
    return np.array(
        [
            model.data(model.index(row, col), Qt.ItemDataRole.EditRole)
            for row in range(model.rowCount())
        ]
    )


def check_shown(view: GradientCheckView) -> np.ndarray:
    return np.concatenate([column(view, 1), column(view, 2)])


def check_expected(lab: Lab) -> np.ndarray:
    trainer = lab.trainer
    X, D, loss = trainer.data.inputs, trainer.data.targets, trainer.config.loss
    return np.concatenate(
        [
            flat_gradient(trainer.network, X, D, loss),
            numeric_gradient(trainer.network.copy(), trainer.data, loss, 1e-6),
        ]
    )


SHOWN_AND_EXPECTED: dict[
    type, tuple[Callable[[Any], np.ndarray], Callable[[Lab, Any], np.ndarray]]
] = {
    GradientFlowView: (flow_shown, lambda lab, _view: flow_expected(lab)),
    ErrorSurfaceView: (surface_shown, surface_expected),
    OutputMapView: (map_shown, lambda lab, _view: map_expected(lab)),
    GradientCheckView: (check_shown, lambda lab, _view: check_expected(lab)),
}


@pytest.mark.parametrize("view_class", VIEWS)
def test_each_view_follows_step_back_and_seek(qtbot, view_class: type) -> None:
    lab = xor_lab()
    view = show(qtbot, view_class(lab))
    shown, expected = SHOWN_AND_EXPECTED[view_class]
    np.testing.assert_allclose(shown(view), expected(lab, view), rtol=1e-12, atol=1e-15)
    for name, move in moves(lab):
        before = shown(view).copy()
        move()
        np.testing.assert_allclose(
            shown(view), expected(lab, view), rtol=1e-12, atol=1e-15, err_msg=name
        )
        assert not np.array_equal(before, shown(view)), f"{name} changed nothing"


@pytest.mark.parametrize("view_class", VIEWS)
def test_nothing_recomputes_while_hidden(qtbot, view_class: type) -> None:
    lab = xor_lab()
    view = show(qtbot, view_class(lab))
    shown, expected = SHOWN_AND_EXPECTED[view_class]
    count = view.recomputes
    view.hide()
    lab.step()
    lab.step()
    lab.seek(3)
    assert view.recomputes == count
    view.show()
    assert view.recomputes == count + 1  # caught up, once
    np.testing.assert_allclose(shown(view), expected(lab, view), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("view_class", VIEWS)
def test_a_step_recomputes_once_and_a_run_at_most_every_interval(
    qtbot, monkeypatch, view_class: type
) -> None:
    now = [1000.0]  # a clock the test moves, not the machine
    monkeypatch.setattr("gui.runner.clock", lambda: now[0])
    lab = xor_lab()
    view = show(qtbot, view_class(lab))
    count = view.recomputes
    lab.step()  # historyChanged and positionChanged: once
    assert view.recomputes == count + 1
    lab.emit_all()  # nothing changed: nothing to do
    assert view.recomputes == count + 1
    lab.running = True
    lab.step()  # in a Run, within the interval: not drawn
    assert view.recomputes == count + 1
    now[0] += view._throttle.interval + 0.01
    lab.step()  # a frame once the interval has passed ...
    lab.step()  # ... and not the next one, at the same time
    assert view.recomputes == count + 2
    lab.running = False  # the run loop's stop emits when it ends
    lab.emit_all()
    assert view.recomputes == count + 3


# -- 1. gradient flow -------------------------------------------------------------------
def test_norm_plot_has_one_curve_per_layer_named_by_its_side(qtbot) -> None:
    lab = Lab(deep_session())
    view = show(qtbot, GradientFlowView(lab))
    labels = [label.text for _sample, label in view.norm_legend.items]
    assert labels == ["layer 1 (input side)", "layer 2", "layer 3 (output)"]
    assert view.norm_plot.objectName() == "gradientNormPlot"
    assert view.norm_plot.getPlotItem().getAxis("left").logMode
    assert "0.25" in view.caption.text() and view.caption.wordWrap()


def test_long_histories_plot_sampled_steps_and_the_marker_follows(qtbot) -> None:
    lab = xor_lab(1000)
    view = show(qtbot, GradientFlowView(lab))
    steps = np.arange(0, 1001, 4)  # every 4th row: at most 400, the last one included
    for curve, expected in zip(view.norm_curves, norms_expected(lab), strict=True):
        np.testing.assert_array_equal(curve.xData, steps)
        np.testing.assert_allclose(curve.yData, expected, rtol=1e-12)
    assert view.marker.value() == 1000
    lab.seek(250)
    assert view.marker.value() == 250


def test_norms_of_earlier_rows_are_not_computed_again(qtbot, monkeypatch) -> None:
    import gui.teaching.gradient_flow

    computed: list[int] = []

    def counting(network: Network, data: Any, loss: str, thetas: np.ndarray) -> np.ndarray:
        computed.append(len(thetas))
        return layer_gradient_norms(network, data, loss, thetas)

    monkeypatch.setattr(gui.teaching.gradient_flow, "layer_gradient_norms", counting)
    lab = xor_lab(30)
    view = show(qtbot, GradientFlowView(lab))
    assert computed == [31]
    lab.step()  # one more row
    lab.seek(10)  # same rows, another position
    assert computed == [31, 1]
    lab.step()  # from step 10: a new history of 11 rows, then one more row
    assert computed == [31, 1, 11, 1]
    assert view.recomputes == 5


def test_operating_points_sit_on_their_layers_slope(qtbot) -> None:
    lab = Lab(deep_session())
    lab.run_steps(5)
    view = show(qtbot, GradientFlowView(lab))

    def check() -> None:
        network = lab.trainer.network
        points = operating_points(network, lab.trainer.data)
        for dots, s, name in zip(view.operating_dots, points, network.activations, strict=True):
            x, y = dots.getData()
            np.testing.assert_allclose(x, s, rtol=1e-12)
            np.testing.assert_allclose(y, get_activation(name).df(s), rtol=1e-12)

    check()
    lab.seek(0)
    check()
    f_curve, df_curve = view.activation_curves["sigmoid"]
    x, y = df_curve.getData()
    assert y.max() == pytest.approx(0.25, abs=1e-4) and x.min() <= -6 and x.max() >= 6
    np.testing.assert_allclose(f_curve.getData()[1], get_activation("sigmoid").f(x))
    assert set(view.activation_curves) == {"sigmoid", "tanh"}


def test_step_activation_shows_why_there_are_no_gradients(qtbot) -> None:
    lab = Lab(step_session())
    view = show(qtbot, GradientFlowView(lab))
    assert view.norm_message.isVisible() and not view.norm_plot.isVisible()
    assert "step activation" in view.norm_message.text()
    assert all(curve.yData is None or len(curve.yData) == 0 for curve in view.norm_curves)
    f_curve, df_curve = view.activation_curves["step"]
    x, f = f_curve.getData()
    np.testing.assert_array_equal(f, (x >= 0).astype(float))
    assert not df_curve.getData()[1].any()  # drawn as 0, never via df
    assert view.step_note.isVisible() and "no derivative at 0" in view.step_note.toPlainText()
    _x, y = view.operating_dots[0].getData()
    assert len(y) == 4 and not y.any()
    lab.step()  # and it keeps following
    assert view.marker.value() == 1
    lab.load(load_example("xor"))  # gradients again
    assert view.norm_plot.isVisible() and not view.norm_message.isVisible()
    np.testing.assert_allclose(flow_shown(view), flow_expected(lab), rtol=1e-12)


def test_dragging_the_marker_moves_the_lab_to_that_step(qtbot) -> None:
    lab = xor_lab(40)
    view = show(qtbot, GradientFlowView(lab))
    plot = view.norm_plot
    box = plot.getPlotItem().vb
    y_mid = box.sceneBoundingRect().center().y()

    def viewport_point(step: float) -> QtCore.QPoint:
        scene = box.mapViewToScene(QtCore.QPointF(step, box.viewRange()[1][0]))
        return plot.mapFromScene(QtCore.QPointF(scene.x(), y_mid))

    # pyqtgraph fits the view to the curves when it paints: wait for the first paint.
    qtbot.waitUntil(lambda: plot.viewport().rect().contains(viewport_point(40)))
    qtbot.mousePress(plot.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(40))
    for step in (38, 30, 20):
        qtbot.mouseMove(plot.viewport(), viewport_point(step))
        qtbot.wait(5)
    qtbot.mouseRelease(plot.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(20))
    assert lab.position == 20
    assert view.marker.value() == 20


# -- 2. the error surface ----------------------------------------------------------------
@pytest.mark.parametrize("example", ["lecture", "xor", "deep"])
def test_surface_at_the_current_parameters_is_the_current_error(qtbot, example: str) -> None:
    lab = Lab(
        {"lecture": lecture_session, "xor": lambda: load_example("xor"), "deep": deep_session}[
            example
        ]()
    )
    lab.run_steps(7)
    view = show(qtbot, ErrorSurfaceView(lab))
    if example == "deep":  # a weight of the first and one of the last layer
        names = lab.trainer.network.parameter_names()
        choose(qtbot, view.x_combo, names.index("L1.W2_1"))
        choose(qtbot, view.y_combo, names.index("L3.W1_3"))
    trainer = lab.trainer
    i, j = view.selection
    x, y = view.current_point
    assert (x, y) == (trainer.network.get_flat()[i], trainer.network.get_flat()[j])
    at_point = error_grid(
        trainer.network, trainer.data, trainer.config.loss, i, j, np.array([x]), np.array([y])
    )[0, 0]
    assert at_point == pytest.approx(trainer.history.error_at(trainer.position), abs=1e-12)
    # The nearest cell of the grid shown: E there differs by the slope times the distance.
    c = int(np.argmin(np.abs(view.x_values - x)))
    r = int(np.argmin(np.abs(view.y_values - y)))
    g = flat_gradient(
        trainer.network, trainer.data.inputs, trainer.data.targets, trainer.config.loss
    )
    bound = abs(g[i]) * abs(view.x_values[c] - x) + abs(g[j]) * abs(view.y_values[r] - y)
    assert abs(view.grid[r, c] - at_point) <= 1.5 * bound + 1e-9
    assert view.grid.shape == (200, 200)


def test_path_runs_from_step_0_to_the_current_point(qtbot) -> None:
    lab = xor_lab(3000)
    view = show(qtbot, ErrorSurfaceView(lab))
    xs, ys = view.path
    history = lab.trainer.history
    assert len(xs) == 2000  # 3001 states, downsampled
    assert (xs[0], ys[0]) == (history.row(0)[0], history.row(0)[1])
    assert (xs[-1], ys[-1]) == view.current_point
    lab.seek(1234)
    xs, ys = view.path
    assert (xs[-1], ys[-1]) == view.current_point == tuple(history.row(1234)[:2])
    assert len(xs) == 1235
    x, y = view.path_curve.getData()
    np.testing.assert_array_equal(x, xs)
    np.testing.assert_array_equal(y, ys)
    assert tuple(view.current_dot.getData()[0]) == (view.current_point[0],)


def test_lecture_surface_starts_on_w1_and_w2_labelled(qtbot) -> None:
    lab = Lab(lecture_session())
    view = show(qtbot, ErrorSurfaceView(lab))
    assert (view.x_combo.currentText(), view.y_combo.currentText()) == ("W1", "W2")
    item = view.plot.getPlotItem()
    assert item.getAxis("bottom").labelText.startswith("W1")
    assert item.getAxis("left").labelText.startswith("W2")
    assert view.colour_bar.getAxis("left").labelText == "E"
    assert [view.x_combo.itemText(k) for k in range(view.x_combo.count())] == ["W1", "W2", "b"]


def test_choosing_parameters_changes_the_axes_and_the_grid(qtbot) -> None:
    lab = Lab(lecture_session())
    lab.run_steps(3)
    view = show(qtbot, ErrorSurfaceView(lab))
    before = view.grid.copy()
    choose(qtbot, view.x_combo, 2)  # b
    assert view.selection == (2, 1)
    assert view.plot.getPlotItem().getAxis("bottom").labelText.startswith("b (bias")
    assert not np.array_equal(before, view.grid)
    trainer = lab.trainer
    np.testing.assert_allclose(
        view.grid,
        error_grid(
            trainer.network, trainer.data, trainer.config.loss, 2, 1, view.x_values, view.y_values
        ),
        rtol=1e-12,
    )
    assert view.current_point[0] == trainer.network.biases[0][0]
    choose(qtbot, view.y_combo, 2)  # b on both axes: the axes swap instead
    assert view.selection == (1, 2)
    assert view.x_combo.currentText() == "W2" and view.y_combo.currentText() == "b"
    assert view.plot.getPlotItem().getAxis("left").labelText.startswith("b")


def test_log_colours_show_log10_of_the_grid(qtbot) -> None:
    lab = xor_lab(500)
    view = show(qtbot, ErrorSurfaceView(lab))
    np.testing.assert_allclose(view.image.image, view.grid)
    qtbot.mouseClick(view.log_check, Qt.MouseButton.LeftButton)
    assert view.log_check.isChecked()
    np.testing.assert_allclose(view.image.image, np.log10(view.grid), rtol=1e-12)
    assert view.colour_bar.getAxis("left").labelText == "log₁₀ E"
    levels = view.image.getLevels()
    assert levels[0] == pytest.approx(np.log10(view.grid.min()))


def test_contours_lie_on_their_level_of_the_grid(qtbot) -> None:
    view = show(qtbot, ErrorSurfaceView(xor_lab(500)))
    grid = view.grid
    levels = [contour.level for contour in view.contours]
    assert len(levels) == SURFACE_CONTOURS and grid.min() < min(levels) < max(levels) < grid.max()
    for contour in view.contours:
        x, y = contour_segments(view.x_values, view.y_values, grid, contour.level)
        assert x.size and not contour.path.isEmpty()
        c = np.clip(np.searchsorted(view.x_values, x), 1, 199)
        r = np.clip(np.searchsorted(view.y_values, y), 1, 199)
        # Each point lies between grid values on both sides of the level.
        lo = np.minimum.reduce([grid[r - 1, c - 1], grid[r, c], grid[r - 1, c], grid[r, c - 1]])
        hi = np.maximum.reduce([grid[r - 1, c - 1], grid[r, c], grid[r - 1, c], grid[r, c - 1]])
        assert np.all((lo <= contour.level) & (contour.level <= hi))


def test_contour_segments_trace_known_curves() -> None:
    xs = ys = np.linspace(-2, 2, 81)
    gx, gy = np.meshgrid(xs, ys)
    x, y = contour_segments(xs, ys, gx + 2 * gy, 0.3)  # linear: exact
    assert x.size > 100
    np.testing.assert_allclose(x + 2 * y, 0.3, atol=1e-12)
    x, y = contour_segments(xs, ys, gx**2 + gy**2, 1.0)  # a circle, to grid accuracy
    np.testing.assert_allclose(np.hypot(x, y), 1.0, atol=2e-3)
    assert (x.min(), x.max()) == pytest.approx((-1, 1), abs=1e-3)
    x, y = contour_segments(xs, ys, gx * gy, 0.0)  # saddles: the two axes
    assert np.all(np.isclose(x, 0, atol=1e-12) | np.isclose(y, 0, atol=1e-12))
    grid = gx + gy
    grid[40, :] = np.nan  # no segment through NaN
    assert np.isfinite(contour_segments(xs, ys, grid, 0.5)[0]).all()


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        # Centre (0.5) on the high corners' side: they join, the low corners are cut off.
        (0.5, {((0.5, 0.0), (1.0, 0.5)), ((0.5, 1.0), (0.0, 0.5))}),
        # Centre below the level: the high corners are cut off.
        (0.6, {((0.4, 0.0), (0.0, 0.4)), ((1.0, 0.6), (0.6, 1.0))}),
    ],
)
def test_a_saddle_cell_is_split_by_its_centre_value(level: float, expected: set) -> None:
    xs = ys = np.array([0.0, 1.0])
    x, y = contour_segments(xs, ys, np.array([[1.0, 0.0], [0.0, 1.0]]), level)
    points = np.round(np.column_stack([x, y]), 12).reshape(-1, 2, 2)
    assert {tuple(sorted(map(tuple, seg))) for seg in points.tolist()} == {
        tuple(sorted(seg)) for seg in expected
    }


def image_pixel_centre(image: Any, col: float, row: float) -> tuple[float, float]:
    """Where the centre of pixel (col, row) of an ImageItem is, in plot coordinates."""
    point = image.mapToParent(QtCore.QPointF(col + 0.5, row + 0.5))
    return point.x(), point.y()


def test_each_pixel_is_centred_on_its_grid_point(qtbot) -> None:
    view = show(qtbot, ErrorSurfaceView(xor_lab(100)))
    xs, ys = view.x_values, view.y_values
    for col, row in ((0, 0), (199, 0), (57, 123), (199, 199)):
        assert image_pixel_centre(view.image, col, row) == pytest.approx(
            (xs[col], ys[row]), abs=1e-9
        )
    output_map = show(qtbot, OutputMapView(xor_lab(100)))
    xs, ys = output_map.x_values, output_map.y_values
    for col, row in ((0, 0), (119, 7), (119, 119)):
        assert image_pixel_centre(output_map.image_item, col, row) == pytest.approx(
            (xs[col], ys[row]), abs=1e-9
        )


def test_surface_follows_a_new_session_with_other_parameters(qtbot) -> None:
    lab = Lab(lecture_session())
    view = show(qtbot, ErrorSurfaceView(lab))
    lab.load(load_example("xor"))
    names = lab.trainer.network.parameter_names()
    assert [view.x_combo.itemText(k) for k in range(view.x_combo.count())] == names
    assert view.selection == (0, 1)
    assert view.plot.getPlotItem().getAxis("bottom").labelText.startswith("L1.W1_1")
    assert view.current_point == tuple(lab.trainer.network.get_flat()[:2])


# -- 3. the output map -------------------------------------------------------------------
def test_output_map_spans_the_data_and_draws_the_samples_by_target(qtbot) -> None:
    lab = xor_lab(2000)
    view = show(qtbot, OutputMapView(lab))
    assert view.extent == ((-0.5, 1.5), (-0.5, 1.5))
    assert view.image.shape == (120, 120)
    x, y = view.samples.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), lab.trainer.data.inputs)
    fills = [spot.brush().color().name() for spot in view.samples.points()]
    expected = [
        PLAYGROUND.map(float(t), mode="qcolor").name() for t in lab.trainer.data.targets[:, 0]
    ]
    assert fills == expected
    assert view.colour_bar.getAxis("left").labelText == "y"
    assert not view.output_combo.isEnabled()


def test_decision_boundary_is_where_the_output_is_one_half(qtbot) -> None:
    lab = xor_lab(2000)
    view = show(qtbot, OutputMapView(lab))
    assert view.boundary.isVisible() and not view.boundary.path.isEmpty()
    x, y = contour_segments(view.x_values, view.y_values, view.image, 0.5)
    assert x.size
    out = lab.trainer.network.predict(np.column_stack([x, y]))[:, 0]
    np.testing.assert_allclose(out, 0.5, atol=0.02)  # linear interpolation on a 120² grid


def test_choosing_another_output_neuron_shows_it(qtbot) -> None:
    lab = Lab(load_example("mazur_2_2_2"))
    lab.run_steps(3)
    view = show(qtbot, OutputMapView(lab))
    assert view.output_combo.isEnabled() and view.output_combo.count() == 2
    choose(qtbot, view.output_combo, 1)
    X = lab.trainer.data.inputs
    gx, gy = np.meshgrid(
        np.linspace(X[0, 0] - 0.5, X[0, 0] + 0.5, 120),
        np.linspace(X[0, 1] - 0.5, X[0, 1] + 0.5, 120),
    )
    out = lab.trainer.network.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_allclose(view.image, out[:, 1].reshape(120, 120), rtol=1e-12)
    assert view.colour_bar.getAxis("left").labelText == "y2"
    lab.step()
    out = lab.trainer.network.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_allclose(view.image, out[:, 1].reshape(120, 120), rtol=1e-12)


def test_a_network_without_two_inputs_gets_a_message_instead(qtbot) -> None:
    lab = Lab(three_input_session())
    view = show(qtbot, OutputMapView(lab))
    assert view.pages.currentWidget() is view.message
    assert view.message.isVisible() and "exactly 2 inputs" in view.message.text()
    assert "3 inputs" in view.message.text()
    assert view.image.size == 0
    lab.step()  # stepping on shows no crash, still the note
    assert view.pages.currentWidget() is view.message
    lab.load(load_example("xor"))  # a 2-input network: the map again
    assert view.pages.currentWidget() is not view.message
    np.testing.assert_allclose(view.image, map_expected(lab), rtol=1e-12)


# -- 4. the gradient check ---------------------------------------------------------------
def test_gradient_check_lists_every_parameter_and_agrees(qtbot) -> None:
    lab = xor_lab(50)
    view = show(qtbot, GradientCheckView(lab))
    model = view.model
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names == lab.trainer.network.parameter_names()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers[1].startswith("analytic") and headers[2].startswith("numeric")
    relative = column(view, 3)
    assert relative.max() < 1e-5
    assert not any(
        model.data(model.index(r, 3), Qt.ItemDataRole.BackgroundRole)
        for r in range(model.rowCount())
    )
    summary = view.findChild(QtWidgets.QLabel, "gradientCheckSummary").text()
    assert "Largest relative difference" in summary and "agree" in summary
    index = model.index(0, 1)
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == repr(float(column(view, 1)[0]))
    assert float(model.data(index)) == pytest.approx(column(view, 1)[0], rel=1e-8)


def test_a_relu_at_its_kink_is_highlighted(qtbot) -> None:
    # s = w·0 + 0 = 0: backprop takes relu'(0) = 0, finite differences see half a slope.
    lab = Lab(
        parse_session(
            {
                "format": "backprop-lab/session",
                "version": 1,
                "network": {"layers": [1, 1], "activations": ["relu"]},
                "parameters": {"weights": [[[0.5]]], "biases": [[0.0]]},
                "data": {"inputs": [[0.0]], "targets": [[1.0]]},
                "training": {"rule": "backprop", "learning_rate": 0.1, "mode": "batch"},
            }
        )
    )
    view = show(qtbot, GradientCheckView(lab))
    model = view.model
    assert model.data(model.index(1, 0)) == "b"
    assert model.data(model.index(1, 3), Qt.ItemDataRole.BackgroundRole) == HIGHLIGHT
    assert model.data(model.index(0, 3), Qt.ItemDataRole.BackgroundRole) is None
    summary = view.summary.text()
    assert "(b, highlighted)" in summary and "disagree" in summary


def test_step_activation_explains_why_there_is_no_gradient(qtbot) -> None:
    lab = Lab(step_session())
    view = show(qtbot, GradientCheckView(lab))
    assert view.model.rowCount() == 0
    with pytest.raises(ValueError, match="step") as reason:
        lab.trainer.network.gradients(
            lab.trainer.data.inputs, lab.trainer.data.targets, "squared_error"
        )
    assert str(reason.value) in view.summary.text()
    lab.load(load_example("xor"))
    assert view.model.rowCount() == 9 and "agree" in view.summary.text()


# -- comparing the two rules on the error surface -------------------------------------------
def test_compare_rules_draws_the_other_rules_path_from_the_same_start(qtbot) -> None:
    lab = Lab(lecture_session())
    view = ErrorSurfaceView(lab)
    qtbot.addWidget(view)
    view.show()
    lab.run_steps(300)
    assert view.other_path[0].size == 0
    check = view.findChild(QtWidgets.QCheckBox, "surfaceCompareCheck")
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    backprop = lecture_session().to_trainer()
    backprop.set_config(rule="backprop")
    backprop.run(300)
    xs, ys = view.other_path
    assert (xs[0], ys[0]) == (0.5, 0.2)  # the same step 0
    assert (xs[-1], ys[-1]) == tuple(backprop.network.get_flat()[:2])
    assert (xs[-1], ys[-1]) != view.current_point  # a different path
    legend = " ".join(label.text for _, label in view.legend.items)
    assert "path with backprop" in legend
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert view.other_path[0].size == 0 and "path with" not in " ".join(
        label.text for _, label in view.legend.items
    )


def test_compare_rules_is_off_where_only_one_rule_applies(qtbot) -> None:
    lab = Lab(load_example("xor"))
    view = ErrorSurfaceView(lab)
    qtbot.addWidget(view)
    view.show()
    assert not view.findChild(QtWidgets.QCheckBox, "surfaceCompareCheck").isEnabled()


# -- what a student sees: markers, tick labels, large data ---------------------------------
def test_a_correctly_classified_sample_stands_out_from_the_plane_under_it(qtbot) -> None:
    lab = xor_lab(3000)
    view = show(qtbot, OutputMapView(lab))
    data = lab.trainer.data
    outputs = lab.trainer.network.predict(data.inputs)[:, 0]
    assert (np.abs(outputs - data.targets[:, 0]) < 0.2).all()  # all four learnt
    plane = view.colour_bar.colorMap()
    for spot, y in zip(view.samples.points(), outputs, strict=True):
        fill = spot.brush().color()
        under = plane.map(float(y), mode="qcolor")
        # a solid dot of its class's colour, darker than the pale plane of that class
        assert under.lightness() - fill.lightness() >= 40, (fill.name(), under.name())
        assert abs(fill.hueF() - under.hueF()) < 0.05


def test_many_samples_are_drawn_as_a_selection_and_the_legend_says_so(qtbot) -> None:
    from model.datasets import make_dataset

    lab = Lab(load_example("xor"))
    assert lab.set_dataset(make_dataset("circle", 100_000, 0, 0.1), "Dataset: circle")
    view = show(qtbot, OutputMapView(lab))
    x, _y = view.samples.getData()
    assert len(x) == 2000
    label = view.legend.getLabel(view.samples).text
    assert "2,000 of 100,000 drawn" in label
    lab.set_dataset(make_dataset("circle", 40, 0, 0.1), "Dataset: circle")
    assert len(view.samples.getData()[0]) == 40
    assert view.legend.getLabel(view.samples).text == "samples (fill: target d)"


def test_a_gradient_norm_inside_one_decade_has_tick_labels(qtbot) -> None:
    lab = Lab(lecture_session())
    lab.run_steps(5)
    view = show(qtbot, GradientFlowView(lab))
    norms = view.norms[:, 0]
    assert norms.max() / norms.min() < 10  # inside one decade
    axis = view.norm_plot.getPlotItem().getAxis("left")
    qtbot.waitUntil(lambda: axis.range[1] < 0)  # the view has fitted the norms (< 1)
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        texts = [text for _rect, _flags, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()
    assert len(texts) >= 2
    spread = norms.max() - norms.min()
    assert all(norms.min() - spread <= float(t) <= norms.max() + spread for t in texts), texts


def test_a_step_with_100000_samples_computes_one_new_gradient(qtbot, monkeypatch) -> None:
    import gui.teaching.gradient_flow
    from model.datasets import make_dataset

    computed: list[int] = []

    def counting(network: Network, data: Any, loss: str, thetas: np.ndarray) -> np.ndarray:
        computed.append(len(thetas))
        return layer_gradient_norms(network, data, loss, thetas)

    monkeypatch.setattr(gui.teaching.gradient_flow, "layer_gradient_norms", counting)
    lab = Lab(load_example("xor"))
    assert lab.set_dataset(make_dataset("circle", 100_000, 0, 0.1), "Dataset: circle")
    lab.run_steps(300)
    view = show(qtbot, GradientFlowView(lab))
    # each row is a pass over 100,000 samples: a couple of dozen rows, not 400
    assert computed[0] <= 40 and len(view.steps) == computed[0]
    assert view.steps[0] == 0 and view.steps[-1] == 300
    for _ in range(3):
        lab.step()
    assert computed[1:] == [1, 1, 1]  # the new row only: the others stay where they were


def test_a_thinned_history_plots_its_stored_states_at_their_own_steps(qtbot) -> None:
    from model.budget import MemoryBudget

    lab = xor_lab(0)
    lab.trainer.set_budget(MemoryBudget(24 << 10))  # a few hundred of its 10-value rows
    lab.run_steps(3000)
    history = lab.trainer.history
    assert not history.dense
    view = show(qtbot, GradientFlowView(lab))
    x = view.norm_curves[0].xData
    assert len(x) > 50 and x[-1] == 3000
    assert all(history.stored(int(s)) for s in x)
    plain = xor_lab(3000).trainer  # no budget: every state stored
    expected = layer_gradient_norms(
        plain.network, plain.data, plain.config.loss, plain.history.parameters[:, x.astype(int)].T
    ).T
    for curve, norms in zip(view.norm_curves, expected, strict=True):
        np.testing.assert_array_equal(curve.xData, x)
        np.testing.assert_allclose(curve.yData, norms, rtol=1e-12)
