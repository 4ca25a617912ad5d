"""Medium networks on the numpy engine: steps per second against references, in one run.

    python benchmarks/bench_medium.py [--runs 5] [--seconds 0.4] [--case SUBSTRING]

For each case (the built-in circle and spiral datasets with a few hidden layers, a
one-sample 2-16-16-1, a 10-100-100-10 on random data) it times, interleaved, each run
training from the same start:

  * app: `Trainer.run(n)` — the engine the app picks, the history included (within the
    default memory budget, as a session has);
  * lean: a plain numpy loop written for speed that records the same rows (parameters
    and the dataset error of each new state): one forward pass per step in batch mode
    (and online on one sample, where it is the same step), whose y − d gives the new
    state's error and the next gradient; online on many samples, one sample's step plus
    a full forward pass for the new error; the parameters in one vector, so a row is one
    copy; a tanh-form sigmoid (the cheapest stable one);
  * readable: the previous engine, one `parameter_update` and one `Network.error` per
    step (two forward passes), as the formulas read;
  * torch (when installed): the same training with PyTorch autograd, float64, recording
    the same rows.

It prints the median steps/s of `--runs` runs (≥ 5), their spread (min–max), and the
ratios app ÷ lean, app ÷ readable and app ÷ torch of the medians, with the BLAS thread
count. The app's rows are checked against the lean loop's first (to 1e-12).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from model.budget import session_budget  # noqa: E402
from model.datasets import make_dataset  # noqa: E402
from model.network import Network, initial_weights  # noqa: E402
from model.state import Trainer  # noqa: E402
from model.training import Dataset, TrainingConfig, engine_for, parameter_update  # noqa: E402

Loop = Callable[[int], np.ndarray]


@dataclass
class Case:
    label: str
    layers: list[int]
    data: Dataset
    mode: str

    def network(self) -> Network:
        weights, biases = initial_weights(self.layers, "xavier", seed=1)
        return Network(self.layers, ["sigmoid"] * (len(self.layers) - 1), weights, biases)

    def config(self) -> TrainingConfig:
        return TrainingConfig(rule="backprop", learning_rate=0.1, mode=self.mode)


def cases() -> list[Case]:
    rng = np.random.default_rng(0)
    return [
        Case("circle 200, 2-8-8-1, batch", [2, 8, 8, 1], make_dataset("circle", 200), "batch"),
        Case(
            "spiral 400, 2-16-16-16-1, batch",
            [2, 16, 16, 16, 1],
            make_dataset("spiral", 400),
            "batch",
        ),
        Case("spiral 200, 2-8-8-1, online", [2, 8, 8, 1], make_dataset("spiral", 200), "online"),
        Case("2-16-16-1, one sample", [2, 16, 16, 1], Dataset([[0.1, 0.3]], [[0.03]]), "online"),
        Case(
            "10-100-100-10, 200, batch",
            [10, 100, 100, 10],
            Dataset(rng.uniform(-1, 1, (200, 10)), rng.uniform(0, 1, (200, 10))),
            "batch",
        ),
    ]


# -- the loops ----------------------------------------------------------------------------------
def app(case: Case) -> Loop:
    # Within the memory budget a session has (the default: a quarter of the memory), as
    # the window and --headless train: the run reserves its rows up front within it.
    budget = session_budget()

    def run(n: int) -> np.ndarray:
        trainer = Trainer(case.network(), case.data, case.config(), budget=budget)
        trainer.run(n)
        return trainer.history.rows_view(n + 1)[1:]

    return run


def readable(case: Case) -> Loop:
    def run(n: int) -> np.ndarray:
        network, data, config = case.network(), case.data, case.config()
        rows = np.empty((n, network.n_parameters + 1))
        for step in range(n):
            dW, db = parameter_update(network, data, config, step)
            for W, b, dWl, dbl in zip(network.weights, network.biases, dW, db, strict=True):
                W[...] += dWl
                b[...] += dbl
            rows[step, :-1] = network.get_flat()
            rows[step, -1] = network.error(data.inputs, data.targets, config.loss)
        return rows

    return run


def _sigmoid(s: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * s))  # the cheapest stable sigmoid here


def _forward(Ws: list[np.ndarray], bs: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    outs = [x]
    for W, b in zip(Ws, bs, strict=True):
        outs.append(_sigmoid(outs[-1] @ W.T + b))
    return outs


def _step(
    Ws: list[np.ndarray], bs: list[np.ndarray], outs: list[np.ndarray], y_minus_d: np.ndarray
) -> None:
    P = y_minus_d.shape[0]
    y = outs[-1]
    delta = y_minus_d * y * (1.0 - y)
    for l in range(len(Ws) - 1, -1, -1):
        gW = delta.T @ outs[l] / P
        gb = delta.sum(axis=0) / P
        if l:
            a = outs[l]
            delta = (delta @ Ws[l]) * a * (1.0 - a)
        Ws[l] -= 0.1 * gW
        bs[l] -= 0.1 * gb


def lean(case: Case) -> Loop:
    """Plain numpy written for speed, with no work the rows do not need: the parameters
    live in one vector (W and b are views of it, so a row is one copy); in batch mode, and
    online on one sample, the forward pass at the new state gives both its error and the
    next step's activations, and y − d serves the error and the next gradient; online on
    many samples, one sample's step, then one forward pass over all for the error."""

    def run(n: int) -> np.ndarray:
        network = case.network()
        theta = network.get_flat()
        Ws, bs, offset = [], [], 0
        for W, b in zip(network.weights, network.biases, strict=True):
            Ws.append(theta[offset : offset + W.size].reshape(W.shape))
            offset += W.size
            bs.append(theta[offset : offset + b.size])
            offset += b.size
        X, D = case.data.inputs, case.data.targets
        P = X.shape[0]
        whole = case.mode == "batch" or P == 1
        rows = np.empty((n, network.n_parameters + 1))
        outs = _forward(Ws, bs, X)
        y_minus_d = outs[-1] - D
        for step in range(n):
            if whole:
                _step(Ws, bs, outs, y_minus_d)
            else:
                p = step % P
                one = _forward(Ws, bs, X[p : p + 1])
                _step(Ws, bs, one, one[-1] - D[p : p + 1])
            outs = _forward(Ws, bs, X)
            y_minus_d = outs[-1] - D
            rows[step, :-1] = theta
            rows[step, -1] = 0.5 * np.mean(np.sum(y_minus_d * y_minus_d, axis=1))
        return rows

    return run


def torch_loop(case: Case) -> Loop | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run(n: int) -> np.ndarray:
        network = case.network()
        params = []
        for W, b in zip(network.weights, network.biases, strict=True):
            params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
        X, D = torch.tensor(case.data.inputs), torch.tensor(case.data.targets)
        P = X.shape[0]
        rows = torch.empty((n, network.n_parameters + 1), dtype=torch.float64)

        def forward(x: torch.Tensor) -> torch.Tensor:
            for i in range(0, len(params), 2):
                x = torch.sigmoid(x @ params[i].T + params[i + 1])
            return x

        for step in range(n):
            p = slice(None) if case.mode == "batch" else slice(step % P, step % P + 1)
            x, d = X[p], D[p]
            loss = 0.5 * ((forward(x) - d) ** 2).sum(dim=1).mean()
            loss.backward()
            with torch.no_grad():
                for param in params:
                    param.sub_(0.1 * param.grad)
                    param.grad = None
                rows[step, :-1] = torch.cat([param.reshape(-1) for param in params])
                rows[step, -1] = 0.5 * ((forward(X) - D) ** 2).sum(dim=1).mean()
        return rows.numpy()

    return run


# -- timing -------------------------------------------------------------------------------------
def steps_for(loop: Loop, seconds: float) -> int:
    n = 16
    while True:
        start = time.perf_counter()
        loop(n)
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 4 or n > 1 << 22:
            return max(16, int(n * seconds / max(elapsed, 1e-9)))
        n *= 4


def rate(loop: Loop, n: int) -> float:
    start = time.perf_counter()
    loop(n)
    return n / (time.perf_counter() - start)


def blas_threads() -> str:
    return ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info())


def report(label: str, engine: str, rates: dict[str, list[float]]) -> None:
    medians = {name: statistics.median(r) for name, r in rates.items()}

    def cell(name: str) -> str:
        if name not in rates:
            return f"{'—':>16s}"
        r = rates[name]
        return f"{medians[name] / 1e3:7.1f}k ({min(r) / 1e3:.1f}–{max(r) / 1e3:.1f})"

    def ratio(name: str, width: int) -> str:
        if name not in medians:
            return " " * (width - 1) + "—"
        return f"{medians['app'] / medians[name]:{width}.2f}"

    print(
        f"{label:34s} {engine:6s} {cell('app'):>18s} {cell('lean'):>16s} "
        f"{cell('readable'):>16s} {cell('torch'):>16s}   "
        f"{ratio('lean', 8)} {ratio('readable', 12)} {ratio('torch', 9)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.4)
    parser.add_argument("--case", default="", help="only the cases whose label contains this")
    args = parser.parse_args()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, numpy "
        f"{np.__version__}, {platform.machine()}, {os.cpu_count()} cores, BLAS: "
        f"{blas_threads()} threads; median (min–max) of {args.runs} runs"
    )
    print(
        f"{'case':34s} {'engine':6s} {'app steps/s':>18s} {'lean':>16s} {'readable':>16s} "
        f"{'torch':>16s}   app÷lean app÷readable app÷torch"
    )
    for case in (c for c in cases() if args.case in c.label):
        loops = {"app": app(case), "lean": lean(case), "readable": readable(case)}
        torch_run = torch_loop(case)
        if torch_run is not None:
            loops["torch"] = torch_run
        check = 50
        np.testing.assert_allclose(loops["app"](check), loops["lean"](check), rtol=1e-9, atol=1e-12)
        # The references get what the app's engine gives itself for products this small:
        # one BLAS thread (model/numpy_engine.py decides it per network). The number of
        # steps is chosen under the same limit: with two threads on a busy machine 256
        # steps of 10-100-100-10 took 0.8 s instead of 0.1, and a run of 40 steps
        # measured the Trainer's setup more than its steps.
        with threadpool_limits(limits=1, user_api="blas"):
            n = steps_for(loops["lean"], args.seconds)
        rates: dict[str, list[float]] = {name: [] for name in loops}
        for _ in range(args.runs):
            for name, loop in loops.items():
                with threadpool_limits(limits=1, user_api="blas"):
                    rates[name].append(rate(loop, n))
        report(case.label, engine_for(case.network(), case.data.n_samples), rates)


if __name__ == "__main__":
    main()
