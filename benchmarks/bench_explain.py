"""Time to explain one step (what the Explain panel does on every step), against a
reference measured in the same run.

    python benchmarks/bench_explain.py [--quick]

For the lecture neuron, the 5-5-3 network the panel redraws on every step (the old
unit test's case) and a 20-30-5 network (capped output) it times `explain_step`, `to_html`
of its result, `to_text` of it, and both together as the panel does them
(`to_html(explain_step(trainer))`). The reference is the forward pass of the same
network on its whole data set: the cheapest thing the step itself computes. Prints the
median of the repeats, their spread (min .. max and the interquartile range) and the
ratio of the medians. The redraw's target is 5 ms; nothing here asserts it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.explain import explain_step, to_html, to_text  # noqa: E402
from model.network import Network, initial_weights  # noqa: E402
from model.state import Trainer  # noqa: E402
from model.training import Dataset, TrainingConfig  # noqa: E402


def trainer_for(
    layers: list[int], activations: list[str], n_samples: int, **settings: object
) -> Trainer:
    rng = np.random.default_rng(0)
    weights, biases = initial_weights(layers, "uniform", seed=0, low=-1.0, high=1.0)
    net = Network(layers, activations, weights, biases)
    data = Dataset(
        rng.uniform(-1, 1, (n_samples, layers[0])),
        rng.uniform(0.05, 0.95, (n_samples, layers[-1])),
    )
    trainer = Trainer(net, data, TrainingConfig(**settings))  # type: ignore[arg-type]
    trainer.run(5)
    return trainer


def cases() -> list[tuple[str, Trainer]]:
    return [
        ("lecture 2-1 delta", trainer_for([2, 1], ["sigmoid"], 1, rule="delta")),
        (
            "5-5-3 backprop",
            trainer_for([5, 5, 3], ["sigmoid", "sigmoid"], 4, rule="backprop"),
        ),
        (
            "20-30-5 backprop",
            trainer_for([20, 30, 5], ["sigmoid", "sigmoid"], 4, rule="backprop"),
        ),
    ]


def timings_ms(action: Callable[[], object], repeats: int) -> list[float]:
    action()  # warm up: imports, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - start))
    return times


def summary(times: list[float]) -> str:
    quartiles = statistics.quantiles(times, n=4)
    return (
        f"median {statistics.median(times):8.3f} ms   "
        f"min..max {min(times):7.3f} .. {max(times):7.3f}   "
        f"IQR {quartiles[2] - quartiles[0]:6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 9 if args.quick else 101
    for name, trainer in cases():
        net, data = trainer.network, trainer.data
        ex = explain_step(trainer)
        reference = timings_ms(lambda net=net, data=data: net.forward(data.inputs), repeats)
        reference_ms = statistics.median(reference)
        print(f"{name} ({net.n_parameters} parameters), {repeats} runs each")
        print(f"  reference: forward pass        {summary(reference)}")
        for label, action in (
            ("explain_step", lambda trainer=trainer: explain_step(trainer)),
            ("to_html", lambda ex=ex: to_html(ex)),
            ("to_text", lambda ex=ex: to_text(ex)),
            ("to_html(explain_step)", lambda trainer=trainer: to_html(explain_step(trainer))),
        ):
            times = timings_ms(action, repeats)
            ratio = statistics.median(times) / reference_ms
            print(f"  {label:<29} {summary(times)}   {ratio:8.0f}x the reference")


if __name__ == "__main__":
    main()
