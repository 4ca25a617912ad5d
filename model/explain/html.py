"""`to_html`: the document of a step as an HTML fragment in Qt's rich-text subset.

Everything is escaped first; then a marked name gets its index subscripted (W<sub>1</sub>,
L2.W<sub>1_2</sub>) and the subscript and superscript markers become <sub> and <sup>.
"""

from __future__ import annotations

import functools
import html  # the standard library's (absolute import), not this module
import re

from model.explain.blocks import EqualityChain, Heading, MathBlock, Paragraph, Table
from model.explain.document import document_blocks
from model.explain.markup import (
    MARKED_NAME,
    SUB_END,
    SUB_START,
    SUP_END,
    SUP_START,
    unbreakable_brackets,
)
from model.explain.records import StepExplanation

_NAME_WITH_INDEX = re.compile(r"^((?:L\d+\.)?)([A-Za-z]+)(\d+(?:_\d+)?)$")


def _subscripted_name_match(match: re.Match[str]) -> str:
    return _subscripted_name(match.group(1))


@functools.lru_cache(maxsize=1024)
def _subscripted_name(name: str) -> str:
    """W1 → W<sub>1</sub>, L2.W1_2 → L2.W<sub>1_2</sub>; other names (b, y) as they are."""
    parts = _NAME_WITH_INDEX.match(name)
    if parts is None:
        return name
    return f"{parts.group(1)}{parts.group(2)}<sub>{parts.group(3)}</sub>"


def _rich_text(text: str, openers: str = "[") -> str:
    """A document string as HTML: escaped, names subscripted, markers as <sub>/<sup>;
    no line break inside a vector (or, with `openers` "[(", inside any bracket)."""
    text = html.escape(unbreakable_brackets(text, openers))
    text = MARKED_NAME.sub(_subscripted_name_match, text)
    return (
        text.replace(SUB_START, "<sub>")
        .replace(SUB_END, "</sub>")
        .replace(SUP_START, "<sup>")
        .replace(SUP_END, "</sup>")
    )


# A math line: the first line of a chain starts at MATH_LEFT, its "= …" lines a little
# further in, and a line too long for the panel wraps (between terms, never inside a
# bracket) with a hanging indent, so that a continuation never looks like a new line.
MATH_LEFT, EQUALS_INDENT, HANGING_INDENT = 8, 12, 18


def _math_line(text: str, indent: int, first: bool, last: bool) -> str:
    margin = MATH_LEFT + HANGING_INDENT
    top, bottom = (3 if first else 0), (3 if last else 0)
    return (
        f'<p style="margin-top:{top}px; margin-bottom:{bottom}px; margin-left:{margin}px; '
        f'text-indent:-{HANGING_INDENT - indent}px">{text}</p>'
    )


def _chain_lines(chain: EqualityChain) -> list[tuple[str, int]]:
    """(HTML, indent) of each line of a chain: one line, or one per "= …" (the slide's)."""
    parts = [_rich_text(p, "[(") for p in chain.parts]
    if not chain.each_line or len(parts) < 3:
        return [(" = ".join(parts), 0)]
    return [(f"{parts[0]} = {parts[1]}", 0), *((f"= {p}", EQUALS_INDENT) for p in parts[2:])]


def _math_block(block: MathBlock) -> str:
    lines = [line for chain in block.chains for line in _chain_lines(chain)]
    return "".join(
        _math_line(text, indent, k == 0, k == len(lines) - 1)
        for k, (text, indent) in enumerate(lines)
    )


def to_html(ex: StepExplanation) -> str:
    """The explanation as an HTML fragment for a QTextBrowser (Qt's rich-text subset)."""
    out: list[str] = []
    for block in document_blocks(ex):
        if isinstance(block, Heading):
            tag = "h3" if block.level == 1 else "h4"
            out.append(f"<{tag}>{_rich_text(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_rich_text(block.text)}</p>")
        elif isinstance(block, MathBlock):
            out.append(_math_block(block))
        elif isinstance(block, Table):
            head = "".join(f"<th>{_rich_text(c)}</th>" for c in block.header)
            body = "".join(
                f"<tr><td>{_rich_text(row[0])}</td>"
                + "".join(f'<td align="right">{_rich_text(c)}</td>' for c in row[1:])
                + "</tr>"
                for row in block.rows
            )
            out.append(
                f'<table border="1" cellspacing="0" cellpadding="2"><tr>{head}</tr>{body}</table>'
            )
        else:
            items = "".join(f"<li>{_rich_text(item)}</li>" for item in block.items)
            out.append(f"<ul>{items}</ul>")
    return "\n".join(out)
