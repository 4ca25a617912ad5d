"""The private markers in the document's strings, shared by its writer and its renderers.

A string of the document marks a name (W1, L1.W2_1, X1, h1), a subscript or a
superscript with characters from Unicode's private use area; the plain-text renderer
turns them into W1, E_p and e^−1.94, the HTML renderer into W<sub>1</sub>,
E<sub>p</sub> and e<sup>−1.94</sup>.
"""

from __future__ import annotations

import html
import re

NAME_START, NAME_END = "\ue000", "\ue001"  # a name: W1, L1.W2_1, X1, h1
SUB_START, SUB_END = "\ue002", "\ue003"  # subscript
SUP_START, SUP_END = "\ue004", "\ue005"  # superscript

MARKED_NAME = re.compile(f"{NAME_START}(.*?){NAME_END}")  # group 1: the name
MARKED_SUBSCRIPT = re.compile(f"{SUB_START}(.*?){SUB_END}")
MARKED_SUPERSCRIPT = re.compile(f"{SUP_START}(.*?){SUP_END}")


def mark_name(name: str) -> str:
    """A parameter's or a unit's name, which HTML shows with its index subscripted."""
    return f"{NAME_START}{name}{NAME_END}"


def subscript(text: str) -> str:
    return f"{SUB_START}{text}{SUB_END}"


def formula_markup(formula: str) -> str:
    """An HTML formula with <sup> and <sub> (Activation.formula) in the document's markup."""
    text = formula.replace("<sup>", SUP_START).replace("</sup>", SUP_END)
    text = text.replace("<sub>", SUB_START).replace("</sub>", SUB_END)
    return html.unescape(re.sub(r"<[^>]*>", "", text))


NO_BREAK_SPACE = "\u00a0"


def unbreakable_brackets(text: str, openers: str = "[") -> str:
    """`text` with the spaces inside brackets made non-breaking, so that a vector
    [1.83, 0.5, 0.2] or η[d − Y] is never split over two lines. `openers` "[(" also keeps
    (d − y) whole (in formulas; prose in parentheses must still wrap). A bracket holding a
    sum (" + " at its own level) may still break between its terms, never inside them."""
    pairs = {"[": "]", "(": ")"}
    closers = {pairs[o]: o for o in openers}
    chars = list(text)
    groups: list[tuple[str, list[int], bool]] = []  # (opener, its spaces, holds a sum)
    for k, char in enumerate(chars):
        if char in openers:
            groups.append((char, [], False))
        elif char in closers and groups and groups[-1][0] == closers[char]:
            _, spaces, is_sum = groups.pop()
            if not is_sum:
                for at in spaces:
                    chars[at] = NO_BREAK_SPACE
        elif char == " " and groups:
            groups[-1][1].append(k)
        elif char == "+" and groups and text[k - 1 : k + 2] == " + ":
            opener, spaces, _ = groups[-1]
            groups[-1] = (opener, spaces, True)
    return "".join(chars)
