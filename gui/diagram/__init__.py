"""The network as the lecture draws it, with the numbers of one sample on it.

Columns of neurons, inputs X1..Xn on the left; every layer also gets a "+1" input whose
edge weight is the bias b (the lecture: "the bias is treated as a new input neuron ...
which has a fixed value +1 and a weight b"). Edge width ∝ |w| (or |∂E/∂w|), colour by
sign. A Step is animated as a forward sweep over the layers and then a backward one.

Items are built once per architecture and size (`scene`); a redraw only changes their
texts and pens (`drawing`), which keeps a redraw during a Run cheap. Where things go is
in `geometry` and `labels`, the item classes and colours in `items`, and the widget that
ties them to the Lab in `widget`.
"""

from __future__ import annotations

from gui.diagram.items import NEGATIVE, NEUTRAL, POSITIVE, DiagramView, EdgeItem, Tag
from gui.diagram.widget import NetworkDiagram

__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE", "DiagramView", "EdgeItem", "NetworkDiagram", "Tag"]
