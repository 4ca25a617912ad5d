"""The document model both renderers share: headings, paragraphs, chains of equalities,
tables and bullets. Their strings carry the markers of `markup`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Heading:
    level: int  # 1: the step's title, 2: a section
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class EqualityChain:
    """a = b = c …; `each_line` puts every "= …" on its own line (the slide's layout)."""

    parts: list[str]
    each_line: bool = False


@dataclass
class MathBlock:
    """Chains of equalities shown together, indented."""

    chains: list[EqualityChain]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Bullets:
    items: list[str]


Block = Heading | Paragraph | MathBlock | Table | Bullets
