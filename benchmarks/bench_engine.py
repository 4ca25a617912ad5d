"""Engine speed: training steps per second against an autograd reference, in one run.

    python benchmarks/bench_engine.py [--quick]

For the lecture network (2-1 sigmoid, one sample, η = 0.01, the delta rule and backprop)
a 2-2-1 sigmoid network on the lecture sample (backprop, the ≥ 50× target) and on
XOR (4 samples a step, batch; for scale) it times

  * the reference: a PyTorch autograd loop (float64, one thread): forward over the
    samples, loss, backward, SGD update under no_grad, loss and parameters recorded every
    step. Without torch, a scalar autograd in plain Python (micrograd-style) stands in.
  * the engine: `Trainer.run(n)` in one chunk, the history included (the fast path);
  * the engine's numpy path (`Trainer(..., engine="numpy")`), for comparison;

interleaved, several runs each (each loop keeps its states as it naturally would, a
tensor or the history's array; turning them into lists is left out of the timing), and
prints the median steps/s with the spread, and the ratio of the medians to the
reference next to the targets (≥ 100× on the lecture net, ≥ 50× on 2-2-1). The
reference's parameters are checked against the engine's first, so both
really do the same training.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model import fastpath  # noqa: E402
from model.network import Network  # noqa: E402
from model.state import Trainer  # noqa: E402
from model.training import Dataset, TrainingConfig  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

# n steps -> the parameters after each, in whatever form the loop keeps them (a tensor,
# the history's array, lists): `as_lists` converts outside the timed region.
Loop = Callable[[int], object]


@dataclass(frozen=True)
class Case:
    label: str
    layers: list[int]
    weights: list[list[list[float]]]
    biases: list[list[float]]
    inputs: list[list[float]]
    targets: list[list[float]]
    config: TrainingConfig
    target: float  # the speed target, as a multiple of the reference

    def trainer(self) -> Trainer:
        network = Network(
            list(self.layers),
            ["sigmoid"] * (len(self.layers) - 1),
            [np.array(W) for W in self.weights],
            [np.array(b) for b in self.biases],
        )
        return Trainer(network, Dataset(self.inputs, self.targets), self.config)


LECTURE = {
    "layers": [2, 1],
    "weights": [[[0.5, 0.2]]],
    "biases": [[1.83]],
    "inputs": [[0.1, 0.3]],
    "targets": [[0.03]],
}
CASES = [
    Case("lecture 2-1, delta rule", **LECTURE, config=TrainingConfig("delta"), target=100),
    Case("lecture 2-1, backprop", **LECTURE, config=TrainingConfig("backprop"), target=100),
    Case(
        "2-2-1 on the lecture sample",
        [2, 2, 1],
        [[[0.5, -0.4], [0.3, 0.8]], [[-0.6, 0.7]]],
        [[0.1, -0.2], [0.05]],
        [[0.1, 0.3]],
        [[0.03]],
        TrainingConfig("backprop", learning_rate=0.5),
        target=50,
    ),
    # Four samples a step: torch's cost is per call, ours per sample (for scale only).
    Case(
        "XOR 2-2-1, batch backprop",
        [2, 2, 1],
        [[[0.5, -0.4], [0.3, 0.8]], [[-0.6, 0.7]]],
        [[0.1, -0.2], [0.05]],
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        [[0.0], [1.0], [1.0], [0.0]],
        TrainingConfig("backprop", "squared_error", 0.5, "batch"),
        target=0,
    ),
]


# -- the reference loops -------------------------------------------------------------------
def torch_loop(case: Case) -> Loop:
    """The same training with PyTorch autograd, written as a PyTorch user would."""
    assert torch is not None
    torch.set_num_threads(1)
    f64 = torch.float64
    X = torch.tensor(case.inputs, dtype=f64)
    D = torch.tensor(case.targets, dtype=f64)
    eta = case.config.learning_rate
    # The delta rule on a sigmoid output is gradient descent on cross-entropy.
    cross_entropy = case.config.rule == "delta"

    def run(n: int) -> list[list[float]]:
        params: list[torch.Tensor] = []
        for W, b in zip(case.weights, case.biases, strict=True):
            params += [
                torch.tensor(W, dtype=f64, requires_grad=True),
                torch.tensor(b, dtype=f64, requires_grad=True),
            ]
        losses: list[float] = []
        states: list[torch.Tensor] = []
        for _ in range(n):
            y = X
            for W, b in zip(params[::2], params[1::2], strict=True):
                y = torch.sigmoid(y @ W.T + b)
            if cross_entropy:
                loss = torch.nn.functional.binary_cross_entropy(y, D, reduction="sum") / len(X)
            else:
                loss = (0.5 * ((D - y) ** 2).sum(dim=1)).mean()
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.sub_(eta * p.grad)
                    p.grad = None
            losses.append(loss.item())
            states.append(torch.cat([p.detach().ravel() for p in params]))
        return torch.stack(states)

    return run


class Value:
    """A scalar with a gradient: the smallest autograd (after karpathy/micrograd)."""

    __slots__ = ("backward_fn", "data", "grad", "parents")

    def __init__(self, data: float, parents: tuple[Value, ...] = ()) -> None:
        self.data, self.grad, self.parents = data, 0.0, parents
        self.backward_fn: Callable[[], None] = lambda: None

    def __add__(self, other: Value) -> Value:
        out = Value(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out.backward_fn = backward
        return out

    def __mul__(self, other: Value) -> Value:
        out = Value(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.backward_fn = backward
        return out

    def sigmoid(self) -> Value:
        y = 1.0 / (1.0 + math.exp(-self.data))
        out = Value(y, (self,))

        def backward() -> None:
            self.grad += y * (1.0 - y) * out.grad

        out.backward_fn = backward
        return out

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()

        def visit(v: Value) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for parent in v.parents:
                    visit(parent)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v.backward_fn()


def python_loop(case: Case) -> Loop:
    """The same training with the scalar autograd above (when torch is missing)."""
    eta = case.config.learning_rate
    cross_entropy = case.config.rule == "delta"

    def run(n: int) -> list[list[float]]:
        layers = [
            ([[Value(w) for w in row] for row in W], [Value(b) for b in bs])
            for W, bs in zip(case.weights, case.biases, strict=True)
        ]
        params = [p for W, bs in layers for p in [*(w for row in W for w in row), *bs]]
        states: list[list[float]] = []
        for _ in range(n):
            total = Value(0.0)
            for x, d in zip(case.inputs, case.targets, strict=True):
                a = [Value(v) for v in x]
                for W, bs in layers:
                    sums = []
                    for row, b in zip(W, bs, strict=True):
                        s = b
                        for w, v in zip(row, a, strict=True):
                            s = s + w * v
                        sums.append(s)
                    a = [s.sigmoid() for s in sums]
                for y, t in zip(a, d, strict=True):
                    if cross_entropy:  # ∂/∂s of cross-entropy through σ is y − d
                        total = total + Value(y.data - t) * y.parents[0]
                    else:
                        e = y + Value(-t)
                        total = total + Value(0.5) * e * e
            total = total * Value(1.0 / len(case.inputs))
            total.backward()
            for p in params:
                p.data -= eta * p.grad
                p.grad = 0.0
            states.append([p.data for p in params])
        return states

    return run


# -- timing -----------------------------------------------------------------------------------
def engine(case: Case) -> Loop:
    def run(n: int) -> list[list[float]]:
        trainer = case.trainer()
        trainer.run(n, report_every=n)  # one chunk, as `main.py --headless` runs
        return trainer.history.parameters[:, 1:]

    return run


def numpy_path(case: Case) -> Loop:
    def run(n: int) -> list[list[float]]:
        trainer = case.trainer()
        trainer.engine = "numpy"
        trainer.run(n, report_every=n)
        return trainer.history.parameters[:, 1:]

    return run


def engine_step_by_step(case: Case) -> Loop:
    def run(n: int) -> list[list[float]]:
        trainer = case.trainer()
        trainer.run(n)  # report_every=1: one engine call per step
        return trainer.history.parameters[:, 1:]

    return run


def steps_for(loop: Loop, seconds: float) -> int:
    """How many steps of `loop` take about `seconds` (from a short trial run)."""
    n = 20
    while True:
        start = time.perf_counter()
        loop(n)
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 10:
            return max(int(n * seconds / elapsed), 20)
        n *= 4


def rates_of(loops: dict[str, Loop], seconds: float, runs: int) -> dict[str, list[float]]:
    """Steps/s of each loop in `runs` runs of about `seconds`, interleaved."""
    steps = {name: steps_for(loop, seconds) for name, loop in loops.items()}
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(runs):
        for name, loop in loops.items():
            start = time.perf_counter()
            loop(steps[name])
            rates[name].append(steps[name] / (time.perf_counter() - start))
    return rates


def as_lists(states: object) -> list[list[float]]:
    """A loop's result as lists, one per state."""
    if isinstance(states, np.ndarray):  # the history: one row per parameter
        return states.T.tolist()
    return states.tolist() if hasattr(states, "tolist") else states  # type: ignore[return-value]


def check_same_training(case: Case, reference: Loop) -> None:
    ours = np.array(as_lists(engine(case)(50)))
    theirs = np.array(as_lists(reference(50)))
    if not np.allclose(ours, theirs, rtol=1e-9, atol=1e-12):
        raise SystemExit(f"{case.label}: the reference does not train like the engine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (about 10 s)")
    parser.add_argument(
        "--reference",
        choices=["auto", "torch", "python"],
        default="auto",
        help="the autograd loop to compare with (auto: torch if installed)",
    )
    args = parser.parse_args()
    seconds, runs = (0.05, 5) if args.quick else (0.25, 7)
    use_torch = torch is not None and args.reference != "python"
    if args.reference == "torch" and torch is None:
        raise SystemExit("torch is not installed")
    reference_name = "torch" if use_torch else "python autograd"
    make_reference = torch_loop if use_torch else python_loop

    print(
        f"reference: {reference_name}"
        + (f" {torch.__version__}, 1 thread" if use_torch else "")
        + f"; Python {sys.version.split()[0]}; median (min–max) of {runs} runs; "
        "× ref is the ratio of the medians"
    )
    header = f"{'network':28s} {'loop':28s} {'steps/s (min–max)':>30s} {'× ref':>8s}  target"
    print(header)
    print("-" * len(header))
    for case in CASES:
        reference = make_reference(case)
        check_same_training(case, reference)
        print(f"{case.label:28s} fast-path variant: {fastpath.variant(case.trainer().network)}")
        loops = {
            reference_name: reference,
            "Trainer.run (fast path)": engine(case),
            "numpy path": numpy_path(case),
            "Trainer.run, report_every=1": engine_step_by_step(case),
        }
        rates = rates_of(loops, seconds, runs)
        ref = statistics.median(rates[reference_name])
        for name, measured in rates.items():
            median = statistics.median(measured)
            ratio = median / ref
            target = ""
            if name == "Trainer.run (fast path)" and use_torch and case.target:
                met = "met" if ratio >= case.target else "MISSED"
                target = f"≥{case.target:.0f}× {met}"
            spread = f"{median:,.0f} ({min(measured):,.0f}–{max(measured):,.0f})"
            print(f"{case.label:28s} {name:28s} {spread:>30s} {ratio:7.1f}× {target}")
        print()
    if not use_torch:
        print("(the targets are multiples of torch's speed: none shown without it)")


if __name__ == "__main__":
    main()
