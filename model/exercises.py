"""Exercise sheets: variants of a network with fresh lecture-style numbers, the questions
a student answers by hand, and the answer key (the first step worked out).

Every variant keeps the network's layers, activations and training settings and draws
new numbers from the seed, with one or two decimals as the lecture's are: weights in
[−1, 1], biases in [−2, 2], inputs in [0, 1], desired outputs in [0, 1]. The answer key
is the explanation of the variant's first step — the same text as
`main.py --headless exercise-k.json --steps 1 --explain` prints.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from model.config import Dataset
from model.explain import explain_step, to_html, to_text
from model.network import Network
from model.numbers import format_number
from model.state import Trainer


@dataclass
class Exercise:
    number: int  # 1-based
    trainer: Trainer  # at step 0: the exercise as a session
    solved: Trainer  # after its first step: the answer

    @property
    def answer_text(self) -> str:
        return to_text(explain_step(self.solved))

    @property
    def answer_html(self) -> str:
        return to_html(explain_step(self.solved))


def _lecture_numbers(
    rng: np.random.Generator, shape: tuple[int, ...], low: float, high: float, decimals: int
) -> np.ndarray:
    """Numbers as a lecture writes them: rounded, and never 0 (a 0 weight teaches less)."""
    values = np.round(rng.uniform(low, high, size=shape), decimals)
    zero = values == 0
    while zero.any():
        values[zero] = np.round(rng.uniform(low, high, size=int(zero.sum())), decimals)
        zero = values == 0
    return values


def make_exercises(trainer: Trainer, count: int, seed: int) -> list[Exercise]:
    """`count` variants of the trainer's network and data, drawn from `seed`."""
    if not 1 <= count <= 200:
        raise ValueError(f"the number of exercises must be 1 to 200, got {count}")
    rng = np.random.default_rng(seed)
    network = trainer.network
    P = min(trainer.data.n_samples, 4)  # a hand calculation needs few samples
    exercises = []
    for number in range(1, count + 1):
        weights = [_lecture_numbers(rng, W.shape, -1.0, 1.0, 1) for W in network.weights]
        biases = [_lecture_numbers(rng, b.shape, -2.0, 2.0, 2) for b in network.biases]
        data = Dataset(
            _lecture_numbers(rng, (P, network.layers[0]), 0.0, 1.0, 1),
            _lecture_numbers(rng, (P, network.layers[-1]), 0.0, 1.0, 2),
        )
        variant = Network(list(network.layers), list(network.activations), weights, biases)
        exercise = Trainer(variant.copy(), data, trainer.config)
        solved = Trainer(variant.copy(), data, trainer.config)
        solved.step()
        exercises.append(Exercise(number, exercise, solved))
    return exercises


def _matrix_html(values: np.ndarray) -> str:
    rows = ["[" + ", ".join(format_number(float(v)) for v in row) + "]" for row in values]
    return "[" + ", ".join(rows) + "]" if values.ndim == 2 else rows[0]


def question_html(exercise: Exercise) -> str:
    """The exercise as a student reads it: the numbers, and what to compute."""
    t = exercise.trainer
    network, config = t.network, t.config
    parts = [f"<h2>Exercise {exercise.number}</h2>"]
    shape = "-".join(map(str, network.layers))
    rule = (
        "the lecture's rule W(n+1) = W(n) + η[d − Y]X"
        if config.rule == "delta"
        else ("backpropagation (gradient descent with the chain rule)")
    )
    parts.append(
        f"<p>A {shape} network, activations {', '.join(network.activations)}, "
        f"{config.loss.replace('_', ' ')}, η = {format_number(config.learning_rate)}, "
        f"{config.mode} mode, trained with {html.escape(rule)}.</p><ul>"
    )
    for l, (W, b) in enumerate(zip(network.weights, network.biases, strict=True), start=1):
        parts.append(f"<li>Layer {l}: W = {_matrix_html(W)}, b = {_matrix_html(b[None, :])}</li>")
    for p in range(t.data.n_samples):
        x = ", ".join(format_number(float(v)) for v in t.data.inputs[p])
        d = ", ".join(format_number(float(v)) for v in t.data.targets[p])
        parts.append(f"<li>Sample {p + 1}: inputs ({x}), desired output ({d})</li>")
    parts.append(
        "</ul><p>Compute one step by hand: for every neuron s and y = f(s), the error E, "
        "then the new weights and biases (9 decimals).</p>"
    )
    return "\n".join(parts)


def sheet_html(title: str, bodies: list[str]) -> str:
    """A standalone HTML page of several exercises or answers."""
    page = "\n<hr/>\n".join(bodies)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:50em;margin:2em auto}"
        "</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{page}\n</body></html>\n"
    )
