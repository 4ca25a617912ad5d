"""`to_text`: the document of a step as plain Unicode text for an 80-column terminal.

Names and subscripts lose their markers (W1, E_p), superscripts get a caret (e^−1.94);
paragraphs and chains of equalities wrap at WIDTH, a continued chain lines up its "=".
"""

from __future__ import annotations

import textwrap

from model.explain.blocks import EqualityChain, Heading, MathBlock, Paragraph, Table
from model.explain.document import document_blocks
from model.explain.markup import (
    MARKED_NAME,
    MARKED_SUBSCRIPT,
    MARKED_SUPERSCRIPT,
    NO_BREAK_SPACE,
    unbreakable_brackets,
)
from model.explain.records import StepExplanation

WIDTH = 80  # the terminal's width


def _plain_text(text: str, openers: str = "[") -> str:
    """A document string without markers: E_p, e^−1.94, W1; its spaces inside brackets
    (`unbreakable_brackets`) do not break a line."""
    text = unbreakable_brackets(text, openers)
    text = MARKED_SUBSCRIPT.sub(r"_\1", text)
    text = MARKED_SUPERSCRIPT.sub(r"^\1", text)
    return MARKED_NAME.sub(r"\1", text)


def _wrapped(text: str, indent: str, subsequent: str) -> list[str]:
    if len(indent) + len(text) <= WIDTH:
        return [indent + text]
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def _chain_lines(chain: EqualityChain) -> list[str]:
    parts = [_plain_text(p, "[(") for p in chain.parts]
    head = "  " + parts[0]
    align = len(head) + 1 if len(head) <= 30 else 6
    cont = " " * align + "= "
    if len(parts) == 1:
        lines = [head]
    elif chain.each_line:
        lines = [f"{head} = {parts[1]}", *(cont + part for part in parts[2:])]
    else:
        lines = []
        current = f"{head} = {parts[1]}"
        for part in parts[2:]:
            joined = f"{current} = {part}"
            if len(joined) <= WIDTH:
                current = joined
            else:
                lines.append(current)
                current = cont + part
        lines.append(current)
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(
            _wrapped(line.lstrip(" "), line[: len(line) - len(line.lstrip(" "))], " " * (align + 4))
        )
    return wrapped


def _table_lines(table: Table) -> list[str]:
    cells = [[_plain_text(c) for c in row] for row in [table.header, *table.rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(table.header))]
    lines = []
    for r, row in enumerate(cells):
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
        if r == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def to_text(ex: StepExplanation) -> str:
    """The explanation as plain Unicode text for an 80-column terminal."""
    out: list[str] = []
    for block in document_blocks(ex):
        if isinstance(block, Heading):
            title = _plain_text(block.text)
            if out:
                out.append("")
            out.extend([title, ("=" if block.level == 1 else "-") * min(len(title), WIDTH)])
        elif isinstance(block, Paragraph):
            out.extend(_wrapped(_plain_text(block.text), "", ""))
        elif isinstance(block, MathBlock):
            for chain in block.chains:
                out.extend(_chain_lines(chain))
        elif isinstance(block, Table):
            out.extend(_table_lines(block))
        else:
            for item in block.items:
                out.extend(_wrapped(_plain_text(item), "  • ", "    "))
    return "\n".join(out).replace(NO_BREAK_SPACE, " ") + "\n"
