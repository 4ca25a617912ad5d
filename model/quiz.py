"""Predict, then reveal: the questions a quiz asks about one step, and how answers are marked.

The teacher chooses which quantities to ask (`QUESTION_KINDS`: s, y, E, δ, a gradient,
the new weights and biases), for one neuron or all, and how many decimals must be right
(the lecture's 9 by default: |answer − true| ≤ 0.5·10⁻⁹). `pick_questions` reads them
off the explanation of the step about to be taken (`explain_step(trainer, position + 1)`,
pending at the last state), each with its true value and its working: the line of the
explanation that computes it. `check_answer` marks one answer; `marked_html` is the
explanation's HTML with the working of the wrong answers highlighted.

The settings (what to ask, how many decimals) are in model/quiz_settings.py.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from model.explain import ParameterStep, StepExplanation, to_html, unit_names
from model.explain.blocks import EqualityChain, MathBlock
from model.explain.document import document_blocks
from model.explain.formatting import factor, number
from model.explain.markup import (
    MARKED_NAME,
    NO_BREAK_SPACE,
    SUB_END,
    SUB_START,
    SUP_END,
    SUP_START,
)
from model.quiz_settings import tolerance

MAX_QUESTIONS = 40  # a round asks at most this many (choose a neuron for larger networks)
HIGHLIGHT = "#ffd6d6"  # the background of a wrong answer's working in the explanation

RIGHT, WRONG, NOT_A_NUMBER, NO_ANSWER = "right", "wrong", "not a number", "no answer"


# -- questions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Anchor:
    """Where a question's working is in the explanation's HTML: the `occurrence`-th
    element whose text starts with (`how` "start") or contains ("contains") `text`, or
    the table row whose first cell is `text` ("row")."""

    how: str
    text: str
    occurrence: int = 0


Working = tuple[str, tuple[Anchor, ...]]  # the line as plain text, and where it is


@dataclass(frozen=True)
class Question:
    key: str  # "s:y", "E", "delta:h1", "gradient:W1", "new:W1": the same in every round
    kind: str
    label: str  # what the student is asked: "s", "s of h1", "∂E/∂W1", "new W1"
    value: float  # the true value
    working: str  # the explanation's line for it, as plain text
    anchors: tuple[Anchor, ...] = ()


def _plain(markup: str) -> str:
    """A document string as the plain-text explanation writes it (δ_y, e^−1.94, W1)."""
    text = MARKED_NAME.sub(r"\1", markup).replace(NO_BREAK_SPACE, " ")
    text = re.sub(f"{SUB_START}(.*?){SUB_END}", r"_\1", text)
    return re.sub(f"{SUP_START}(.*?){SUP_END}", r"^\1", text)


def _bare(text: str) -> str:
    """Text without markers, tags or entities: what the matching compares."""
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return re.sub("[\ue000-\ue005]", "", text).replace(NO_BREAK_SPACE, " ")


class _Chains:
    """The explanation's chains of equalities, found by their first part."""

    def __init__(self, ex: StepExplanation) -> None:
        self.chains: list[EqualityChain] = [
            chain
            for block in document_blocks(ex)
            if isinstance(block, MathBlock)
            for chain in block.chains
        ]

    def find(self, head: str, occurrence: int = 0) -> Working | None:
        """The `occurrence`-th chain whose first part is `head` (markers ignored)."""
        found = [c for c in self.chains if _bare(c.parts[0]) == _bare(head)]
        if len(found) <= occurrence:
            return None
        chain = found[occurrence]
        working = " = ".join(_plain(part) for part in chain.parts)
        start = _bare(chain.parts[0]) + (" = " if len(chain.parts) > 1 else "")
        return working, (Anchor("start", start, occurrence),)


def _joined(first: Working | None, second: Working | None) -> Working | None:
    if first is None or second is None:
        return first or second
    return f"{first[0]}; {second[0]}", first[1] + second[1]


def _question(key: str, label: str, value: float, working: Working | None) -> Question:
    text, anchors = working if working is not None else (f"{label} = {number(value)}", ())
    return Question(key, key.partition(":")[0], label, value, text, anchors)


def pick_questions(
    ex: StepExplanation, kinds: Iterable[str], neuron: str | None = None
) -> list[Question]:
    """The questions of `kinds` about the step `ex` explains, in the order the lecture
    computes them (forward pass, error, δ, gradients, new parameters), at most
    MAX_QUESTIONS. `neuron` limits them to one neuron's (E is asked anyway)."""
    kinds = set(kinds)
    chains = _Chains(ex)
    units = unit_names(list(ex.layers))
    single = len(ex.layers) == 2 and ex.layers[1] == 1
    questions: list[Question] = []

    def wanted(name: str) -> bool:
        return neuron is None or name == neuron

    for n in ex.forward.neurons:
        if wanted(n.name) and "s" in kinds:
            head, label = ("s", "s") if single else (f"{n.name}: s", f"s of {n.name}")
            questions.append(_question(f"s:{n.name}", label, n.s, chains.find(head)))
        if wanted(n.name) and "y" in kinds:
            label = f"{n.name} = f(s)"
            questions.append(_question(f"y:{n.name}", label, n.output, chains.find(label)))
    if "E" in kinds:
        questions.append(_error_question(ex, chains))
    if "delta" in kinds:
        questions += _delta_questions(ex, chains, units, wanted)
    parameters = [p for p in ex.parameters if wanted(units[p.layer][p.neuron - 1])]
    if "gradient" in kinds:
        questions += _gradient_questions(ex, chains, parameters)
    if "new" in kinds:
        questions += _new_questions(ex, chains, parameters)
    return questions[:MAX_QUESTIONS]


def _gradient_questions(
    ex: StepExplanation, chains: _Chains, parameters: list[ParameterStep]
) -> list[Question]:
    """∂E/∂w as the update used it (backprop), or the error's gradient (the delta rule)."""
    batch = len(ex.samples) > 1
    questions = []
    for p in parameters:
        if p.chain is not None:
            lead = f"∂E{SUB_START}{ex.forward.index + 1}{SUB_END}/∂" if batch else "∂E/∂"
            found = chains.find(lead + p.name)
            if batch:
                mean = f"∂E/∂{p.name} (mean over {len(ex.samples)} samples)"
                found = _joined(found, chains.find(mean))
            value = p.chain.gradient
        elif p.sensitivity is not None:
            value = p.sensitivity
            found = (f"∂E/∂{p.name} = {number(value)}", (Anchor("contains", f"(∂E/∂{p.name} = "),))
        else:
            continue
        questions.append(_question(f"gradient:{p.name}", f"∂E/∂{p.name}", value, found))
    return questions


def _new_questions(
    ex: StepExplanation, chains: _Chains, parameters: list[ParameterStep]
) -> list[Question]:
    """Each parameter after the step: its update's chain and its row of the table."""
    questions = []
    for p in parameters:
        found = chains.find(f"{p.name} ← {p.name} − η·∂E/∂{p.name}")
        if p.frozen:
            frozen = f"{p.name} is frozen: it stays {number(p.old)}"
            found = (frozen, (Anchor("start", frozen),))
        for k, update in enumerate(ex.delta_rule):
            if p.name in update.names:
                vector = chains.find("W(n+1)", k)
                found = (_delta_rule_working(ex, k, p.name), vector[1] if vector else ())
        row = (Anchor("row", p.name),)
        text = f"{p.name}: {number(p.old)} + ({number(p.change)}) = {number(p.new)}"
        found = (text, row) if found is None else (found[0], found[1] + row)
        questions.append(_question(f"new:{p.name}", f"new {p.name}", p.new, found))
    return questions


def _delta_rule_working(ex: StepExplanation, k: int, name: str) -> str:
    """One weight of the lecture's W(n+1) = W(n) + η[d − Y]X, with its numbers."""
    update = ex.delta_rule[k]
    i = update.names.index(name)
    old, new = number(update.old[i]), number(update.new[i])
    if len(update.samples) == 1:
        share = update.samples[0]
        eta = number(ex.config.learning_rate)
        bias = i == 0 and ex.config.update_biases  # X(n) = [+1, X1, …]: the bias first
        x = "(+1)" if bias else factor(share.inputs[i])
        return f"{name} = {old} + {eta}·[{number(share.error)}]·{x} = {new}"
    change = factor(update.change[i])
    return f"{name} = {old} + {change} = {new} (the mean of η[d − Y]x over the samples)"


def _error_question(ex: StepExplanation, chains: _Chains) -> Question:
    """E of the sample the explanation works through (the lecture's E = ½(d − y)²)."""
    sample = ex.forward
    if ex.n_samples == 1:
        return _question("E", "E", sample.error, chains.find("E"))
    k = sample.index + 1
    head = f"E{SUB_START}{k}{SUB_END}"
    return _question("E", f"E_{k} (sample {k})", sample.error, chains.find(head))


def _delta_questions(
    ex: StepExplanation,
    chains: _Chains,
    units: list[list[str]],
    wanted: Callable[[str], bool],
) -> list[Question]:
    """δ = ∂E/∂s of each neuron (backprop), or the lecture's rule's d − Y."""
    single = len(ex.layers) == 2 and ex.layers[1] == 1
    questions = []
    for d in ex.deltas:
        if wanted(d.name):
            label = "δ" if single else f"δ of {d.name}"
            head = f"δ{SUB_START}{d.name}{SUB_END}"
            questions.append(_question(f"delta:{d.name}", label, d.delta, chains.find(head)))
    for k, update in enumerate(ex.delta_rule):
        name = units[-1][update.neuron - 1]
        if not wanted(name):
            continue
        share = update.samples[0]
        suffix = "" if len(ex.delta_rule) == 1 else str(update.neuron)
        label = f"δ = d{suffix} − Y{suffix}"
        if len(update.samples) == 1:
            anchor = Anchor("contains", f"[{number(share.error)}]", 0)
        else:
            label += f" (sample {share.index + 1})"
            anchor = Anchor("start", f"sample {share.index + 1}: η[", k)
        text = f"d − Y = {number(share.target)} − {number(share.output)} = {number(share.error)}"
        questions.append(_question(f"delta:{name}", label, share.error, (text, (anchor,))))
    return questions


# -- answers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mark:
    """One answer, marked."""

    question: Question
    answer: str
    verdict: str  # RIGHT, WRONG, NOT_A_NUMBER or NO_ANSWER

    @property
    def right(self) -> bool:
        return self.verdict == RIGHT


def parse_answer(text: str) -> float | None:
    """The number typed (a decimal comma, a − sign and spaces are fine); None if nothing
    was typed; ValueError if it is not a finite number."""
    cleaned = re.sub(r"\s", "", text).replace("−", "-")
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def is_close(value: float, true: float, decimals: int) -> bool:
    """|value − true| ≤ half a unit of the `decimals`-th decimal (with float64's slack)."""
    if not math.isfinite(true):
        return False
    slack = 4 * math.ulp(max(abs(value), abs(true), 1.0))
    return abs(value - true) <= tolerance(decimals) + slack


def check_answer(question: Question, text: str, decimals: int) -> Mark:
    try:
        value = parse_answer(text)
    except ValueError:
        return Mark(question, text, NOT_A_NUMBER)
    if value is None:
        return Mark(question, text, NO_ANSWER)
    verdict = RIGHT if is_close(value, question.value, decimals) else WRONG
    return Mark(question, text, verdict)


@dataclass(frozen=True)
class Score:
    """Right answers out of the questions asked, over a session."""

    right: int = 0
    asked: int = 0

    def add(self, marks: Sequence[Mark]) -> Score:
        return Score(self.right + sum(m.right for m in marks), self.asked + len(marks))

    def __str__(self) -> str:
        if not self.asked:
            return "no questions answered yet"
        return f"{self.right} of {self.asked} right ({100 * self.right / self.asked:.0f}%)"


# -- the explanation with the working of wrong answers marked ------------------------------
_ELEMENT = re.compile(r"<(p|li|tr)\b([^>]*)>(.*?)</\1>", re.S)
_FIRST_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _locate(anchor: Anchor, elements: list[re.Match[str]], texts: list[str]) -> int | None:
    seen = 0
    for i, (element, text) in enumerate(zip(elements, texts, strict=True)):
        if anchor.how == "row":
            cell = _FIRST_CELL.search(element.group(3))
            hit = (
                element.group(1) == "tr"
                and cell is not None
                and _bare(cell.group(1)) == anchor.text
            )
        elif anchor.how == "start":
            hit = text.startswith(anchor.text)
        else:
            hit = anchor.text in text
        if hit:
            if seen == anchor.occurrence:
                return i
            seen += 1
    return None


def marked_elements(
    source: str, questions: Iterable[Question]
) -> tuple[list[re.Match[str]], set[int]]:
    """The HTML's paragraphs, list items and table rows, and which of them hold the
    working of `questions` (a chain with its "= …" continuation lines)."""
    elements = list(_ELEMENT.finditer(source))
    texts = [_bare(e.group(3)) for e in elements]
    marked: set[int] = set()
    for question in questions:
        for anchor in question.anchors:
            i = _locate(anchor, elements, texts)
            if i is None:
                continue
            marked.add(i)
            j = i + 1
            while j < len(elements) and elements[j].group(1) == "p" and texts[j].startswith("= "):
                marked.add(j)
                j += 1
    return elements, marked


def marked_html(ex: StepExplanation, questions: Iterable[Question]) -> str:
    """`to_html(ex)` with the working of `questions` on a highlighted background."""
    source = to_html(ex)
    elements, marked = marked_elements(source, questions)
    out, at = [], 0
    for i in sorted(marked):
        element = elements[i]
        tag, attributes, inner = element.group(1), element.group(2), element.group(3)
        if tag == "tr":
            attributes += f' bgcolor="{HIGHLIGHT}"'
        elif 'style="' in attributes:
            attributes = attributes.replace('style="', f'style="background-color:{HIGHLIGHT}; ', 1)
        else:
            attributes += f' style="background-color:{HIGHLIGHT}"'
        out += [source[at : element.start()], f"<{tag}{attributes}>{inner}</{tag}>"]
        at = element.end()
    out.append(source[at:])
    return "".join(out)


def results_html(marks: Sequence[Mark]) -> str:
    """What the quiz panel says after Check: each wrong answer, its value, its working."""
    wrong = [m for m in marks if not m.right]
    if not wrong:
        return "<p><b>All right.</b> The explanation shows the step.</p>"
    parts = ["<p>The working of each wrong answer (highlighted in the explanation too):</p>"]
    for m in wrong:
        typed = m.answer.strip()
        wrote = f"you wrote {html.escape(typed)}" if typed else "no answer"
        parts.append(
            f"<p><b>{html.escape(m.question.label)}</b>: {wrote}; it is "
            f"<b>{number(m.question.value)}</b><br/>"
            f'<span style="background-color:{HIGHLIGHT}">'
            f"{html.escape(m.question.working)}</span></p>"
        )
    return "".join(parts)
