"""The explanation panel as a student reads it: at the window's default layout no vector
is split over two lines and nothing needs scrolling sideways; no "+ -x"."""

from __future__ import annotations

import re

import pytest
from gui_helpers import click, explanation
from PySide6 import QtGui, QtWidgets

NO_BREAK_SPACE = "\u00a0"


def lines_of(view: QtWidgets.QTextBrowser) -> list[str]:
    """Every laid-out line of the panel's document, as drawn."""
    lines = []
    block = view.document().begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for k in range(layout.lineCount()):
            line = layout.lineAt(k)
            lines.append(text[line.textStart() : line.textStart() + line.textLength()])
        block = block.next()
    return lines


VECTOR = re.compile(r"\[[^\[\]]*\]")  # [1.83, 0.5, 0.2], [d − Y]: brackets without brackets


def split_vectors(view: QtWidgets.QTextBrowser) -> list[str]:
    """The vectors (and bracketed differences like [d − Y]) drawn over two lines; a
    bracketed sum may break between its terms."""
    split = []
    block = view.document().begin()
    while block.isValid():
        layout = block.layout()
        for match in VECTOR.finditer(block.text()):
            if " + " in match.group().replace(NO_BREAK_SPACE, " "):
                continue
            first = layout.lineForTextPosition(match.start()).lineNumber()
            last = layout.lineForTextPosition(match.end() - 1).lineNumber()
            if first != last:
                split.append(match.group())
        block = block.next()
    return split


@pytest.mark.parametrize("example", ["lecture", "mazur_2_2_2", "xor"])
def test_vectors_are_never_split_at_the_default_width(qtbot, window, example, tmp_path) -> None:
    window.resize(1366, 768)
    window.open_example(example)
    click(qtbot, window, "stepButton")
    view = window.findChild(QtWidgets.QTextBrowser, "explainView")
    qtbot.waitUntil(lambda: "Step 1" in view.toPlainText())
    assert view.viewport().width() < 400  # the narrow panel of the default layout
    assert split_vectors(view) == []
    assert view.horizontalScrollBar().maximum() == 0, "a line is wider than the panel"
    assert view.wordWrapMode() == QtGui.QTextOption.WrapMode.WordWrap  # no mid-number break
    if example == "lecture":
        vectors = [v for line in lines_of(view) for v in VECTOR.findall(line)]
        assert "[-0.008443521,\xa0-0.000844352,\xa0-0.002533056]" in vectors
        assert "[1.821556479,\xa00.499155648,\xa00.197466944]" in vectors
    # For the eye: the panel as it is at 1366×768.
    view.grab().save(str(tmp_path / f"explanation-{example}.png"))


def test_the_lecture_numbers_and_no_plus_minus(qtbot, window) -> None:
    click(qtbot, window, "stepButton")
    text = explanation(window).replace(NO_BREAK_SPACE, " ")
    for number in ("1.94", "0.874352143", "0.356465271", "1.821556479", "0.499155648"):
        assert number in text
    assert "= [1.83, 0.5, 0.2] − 0.00844352143[+1, 0.1, 0.3]" in text
    assert "+ -" not in text
