"""What a quiz asks (docs/file-formats.md, "quiz"): the kinds of question, one neuron or
all, and how many decimals must be right; a session file keeps them under "quiz"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from model.explain.units import unit_names

QUESTION_KINDS: dict[str, str] = {
    "s": "s, the sum of each neuron",
    "y": "y = f(s), its output",
    "E": "E, the error",
    "delta": "δ of each neuron",
    "gradient": "∂E/∂w, the gradients",
    "new": "the new weights and biases",
}
DEFAULT_KINDS = ("s", "y", "E", "new")
DEFAULT_DECIMALS = 9
MAX_DECIMALS = 12


@dataclass(frozen=True)
class QuizSettings:
    """Whether Step first asks, what, about which neuron (None: all), to how many decimals."""

    on: bool = False
    questions: tuple[str, ...] = DEFAULT_KINDS
    decimals: int = DEFAULT_DECIMALS
    neuron: str | None = None

    @property
    def tolerance(self) -> float:
        return tolerance(self.decimals)

    def to_json(self) -> dict[str, object]:
        """The session file's "quiz" object."""
        entry: dict[str, object] = {
            "on": self.on,
            "questions": list(self.questions),
            "decimals": self.decimals,
        }
        if self.neuron is not None:
            entry["neuron"] = self.neuron
        return entry


def tolerance(decimals: int) -> float:
    """Half a unit of the last decimal asked: 9 decimals → 0.5e-9."""
    return 0.5 * 10.0**-decimals


def neuron_names(layers: Sequence[int]) -> list[str]:
    """The names of the neurons a quiz can be about: h1, h2, y (every non-input unit)."""
    return [name for names in unit_names(list(layers))[1:] for name in names]


def quiz_settings(value: object, neurons: Sequence[str]) -> QuizSettings:
    """A session file's "quiz" object, checked; ValueError "quiz.field: what is wrong"."""
    if not isinstance(value, Mapping):
        raise ValueError(
            f'quiz: expected {{"on": true, "questions": [...], "decimals": 9}}, got {value!r:.40}'
        )
    on = value.get("on", True)
    if not isinstance(on, bool):
        raise ValueError(f"quiz.on: expected true or false, got {on!r}")
    kinds = value.get("questions", list(DEFAULT_KINDS))
    known = ", ".join(QUESTION_KINDS)
    if not isinstance(kinds, list) or not kinds:
        raise ValueError(f"quiz.questions: expected a list of some of {known}")
    for i, kind in enumerate(kinds):
        if kind not in QUESTION_KINDS:
            raise ValueError(f"quiz.questions[{i}]: unknown question {kind!r} (known: {known})")
    decimals = value.get("decimals", DEFAULT_DECIMALS)
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise ValueError(f"quiz.decimals: expected a whole number, got {decimals!r}")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise ValueError(f"quiz.decimals: expected 0 to {MAX_DECIMALS}, got {decimals}")
    neuron = value.get("neuron")
    if neuron is not None and neuron not in neurons:
        raise ValueError(
            f"quiz.neuron: expected null (all) or one of {', '.join(neurons)}, got {neuron!r}"
        )
    ordered = tuple(kind for kind in QUESTION_KINDS if kind in kinds)
    return QuizSettings(on, ordered, decimals, neuron)
