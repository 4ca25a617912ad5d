"""Teaching views: why deep sigmoid nets learn slowly, what the error surface looks like,
what the network computes over its input plane, and evidence that backprop is right.

Each view follows the Lab like the other panels: it listens to every Lab signal,
recomputes only when the state it shows changed (a Step emits two signals; the second
costs nothing), at most every REDRAW_INTERVAL_S during a Run, and not at all while it is
hidden (a tab in the background): it catches up when shown. The shared machinery is in
`common` (and the contour lines in `contours`); each view has its own module.
"""

from __future__ import annotations

from gui.teaching.common import REDRAW_INTERVAL_S
from gui.teaching.contours import ContourItem, contour_segments
from gui.teaching.error_surface import SURFACE_CONTOURS, ErrorSurfaceView
from gui.teaching.gradient_check import HIGHLIGHT, GradientCheckView
from gui.teaching.gradient_flow import GradientFlowView
from gui.teaching.output_map import PLAYGROUND, OutputMapView

__all__ = [
    "HIGHLIGHT",
    "PLAYGROUND",
    "REDRAW_INTERVAL_S",
    "SURFACE_CONTOURS",
    "ContourItem",
    "ErrorSurfaceView",
    "GradientCheckView",
    "GradientFlowView",
    "OutputMapView",
    "contour_segments",
]
