"""How the diagram writes its numbers: the texts of the inputs, targets and neurons, the
room a neuron's label reserves, the styles a rebuild tries (the label font, then smaller
and condensed, then four significant digits) and the digits a number falls back to when
it is too wide for the room its label was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

from model.numbers import format_number, format_significant

SHORT_DIGITS = 4  # significant digits of a neuron's numbers where nine decimals do not fit
# ... and, for a number too wide for its label's room, fewer still
FEWER_DIGITS: tuple[Callable[[float], str], ...] = (
    lambda x: format_significant(x, SHORT_DIGITS),
    lambda x: format_significant(x, 2),
)
WIDEST = "-0.000000000"  # the widest number a neuron's label reserves room for
EDGE_WIDEST = "-0.00012345678"  # ... and an edge's (a gradient has nine significant digits)


def input_text(i: int, x: float) -> str:
    return f"X{i + 1} = {format_number(x)}"


def target_text(k: int, d: float, n_out: int) -> str:
    name = "d" if n_out == 1 else f"d{k + 1}"
    return f"{name} = {format_number(d)}"


def neuron_text(s: str, y: str, compact: bool) -> str:
    return f"s = {s}\nf = {y}" if compact else f"s = {s}\nf(s) = {y}"


def neuron_label_size(
    font: QtGui.QFont, compact: bool, short: bool, one_layer: bool
) -> QtCore.QSizeF:
    """The room a neuron's two lines of numbers take at most (with the box's rim): in the
    state and in the walk-through's backward pass, which writes δ, or for a network of
    one layer (the lecture's rule) d − Y."""
    metrics = QtGui.QFontMetricsF(font)
    widest = "-0.0001234" if short else WIDEST
    signal = "d − Y" if one_layer else "δ"
    lines = [*neuron_text(widest, widest, compact).splitlines(), f"{signal} = {widest}"]
    width = max(metrics.horizontalAdvance(line) for line in lines)
    return QtCore.QSizeF(width + 6, 2 * metrics.height() + 2)


@dataclass(frozen=True)
class LabelStyle:
    """How a rebuild writes the numbers: the font, "f =" for "f(s) =", the digits, and
    whether neighbouring layers take turns in height."""

    font: QtGui.QFont
    compact: bool
    short: bool
    stagger: bool
