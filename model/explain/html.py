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
from model.explain.markup import MARKED_NAME, SUB_END, SUB_START, SUP_END, SUP_START
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


def _rich_text(text: str) -> str:
    """A document string as HTML: escaped, names subscripted, markers as <sub>/<sup>."""
    text = html.escape(text)
    text = MARKED_NAME.sub(_subscripted_name_match, text)
    return (
        text.replace(SUB_START, "<sub>")
        .replace(SUB_END, "</sub>")
        .replace(SUP_START, "<sup>")
        .replace(SUP_END, "</sup>")
    )


def _chain_html(chain: EqualityChain) -> str:
    parts = [_rich_text(p) for p in chain.parts]
    if not chain.each_line:
        return " = ".join(parts)
    indent = "&nbsp;" * 8
    return "<br/>".join(
        [
            f"{parts[0]} = {parts[1]}" if len(parts) > 1 else parts[0],
            *(f"{indent}= {p}" for p in parts[2:]),
        ]
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
            lines = "<br/>".join(_chain_html(c) for c in block.chains)
            out.append(
                f'<p style="margin-left:12px; margin-top:3px; margin-bottom:3px">{lines}</p>'
            )
        elif isinstance(block, Table):
            head = "".join(f"<th>{_rich_text(c)}</th>" for c in block.header)
            body = "".join(
                f"<tr><td>{_rich_text(row[0])}</td>"
                + "".join(f'<td align="right">{_rich_text(c)}</td>' for c in row[1:])
                + "</tr>"
                for row in block.rows
            )
            out.append(
                f'<table border="1" cellspacing="0" cellpadding="3"><tr>{head}</tr>{body}</table>'
            )
        else:
            items = "".join(f"<li>{_rich_text(item)}</li>" for item in block.items)
            out.append(f"<ul>{items}</ul>")
    return "\n".join(out)
