"""Each optimizer's speed against plain gradient descent, in one run.

    python benchmarks/bench_optimizers.py [--runs 5] [--seconds 0.3]

For the lecture net (2-1, one sample), XOR (2-2-1, batch of 4) and the circle dataset
(2-8-8-1, 200 samples, batch and mini-batches of 20) it times `Trainer.run(n)` with sgd,
momentum, Nesterov momentum, RMSProp and Adam (and sgd with L2), interleaved, and
prints the median steps/s of `--runs` runs (≥ 5) with their spread, and each as a
multiple of plain sgd on the same case measured in the same run. Plain sgd keeps the
plain-float fast path where the network is small; the others run on the numpy engine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.datasets import make_dataset  # noqa: E402
from model.network import Network, initial_weights  # noqa: E402
from model.optimizers import Optimizer  # noqa: E402
from model.state import Trainer  # noqa: E402
from model.training import Dataset, TrainingConfig, engine_for  # noqa: E402

VARIANTS: dict[str, dict[str, object]] = {
    "sgd": {},
    "sgd + L2": {"l2": 1e-3},
    "momentum": {"optimizer": Optimizer("momentum")},
    "nesterov": {"optimizer": Optimizer("momentum", nesterov=True)},
    "rmsprop": {"optimizer": Optimizer("rmsprop")},
    "adam": {"optimizer": Optimizer("adam")},
}


def cases() -> list[tuple[str, Network, Dataset, TrainingConfig]]:
    lecture = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    weights, biases = initial_weights([2, 2, 1], "uniform", seed=1)
    xor = Network([2, 2, 1], ["sigmoid", "sigmoid"], weights, biases)
    weights, biases = initial_weights([2, 8, 8, 1], "xavier", seed=1)
    circle_net = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], weights, biases)
    circle = make_dataset("circle", 200)
    backprop = TrainingConfig(rule="backprop", learning_rate=0.1)
    return [
        ("lecture 2-1, one sample", lecture, Dataset([[0.1, 0.3]], [[0.03]]), backprop),
        (
            "XOR 2-2-1, batch of 4",
            xor,
            Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]),
            replace(backprop, mode="batch"),
        ),
        ("circle 2-8-8-1, batch of 200", circle_net, circle, replace(backprop, mode="batch")),
        (
            "circle 2-8-8-1, mini-batches of 20",
            circle_net,
            circle,
            replace(backprop, mode="minibatch", batch_size=20),
        ),
    ]


def rate(network: Network, data: Dataset, config: TrainingConfig, n: int) -> float:
    trainer = Trainer(network.copy(), data, config)
    start = time.perf_counter()
    trainer.run(n)
    return n / (time.perf_counter() - start)


def steps_for(network: Network, data: Dataset, config: TrainingConfig, seconds: float) -> int:
    n = 64
    while True:
        r = rate(network, data, config, n)
        if n / r > seconds / 4 or n > 1 << 22:
            return max(64, int(r * seconds))
        n *= 4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.3)
    args = parser.parse_args()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, numpy "
        f"{np.__version__}; median (min–max) steps/s of {args.runs} runs, and ÷ plain sgd"
    )
    for label, network, data, base in cases():
        configs = {name: replace(base, **changes) for name, changes in VARIANTS.items()}  # type: ignore[arg-type]
        sizes = {name: steps_for(network, data, c, args.seconds) for name, c in configs.items()}
        rates: dict[str, list[float]] = {name: [] for name in configs}
        for _ in range(args.runs):
            for name, config in configs.items():
                rates[name].append(rate(network, data, config, sizes[name]))
        sgd = statistics.median(rates["sgd"])
        print(f"\n{label}")
        for name, r in rates.items():
            engine = engine_for(network, data.n_samples, "auto", configs[name])
            median = statistics.median(r)
            print(
                f"  {name:10s} {engine:6s} {median / 1e3:9.1f}k ({min(r) / 1e3:.1f}–"
                f"{max(r) / 1e3:.1f})   ÷ sgd {median / sgd:5.2f}"
            )


if __name__ == "__main__":
    main()
