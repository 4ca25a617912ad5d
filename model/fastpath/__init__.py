"""Plain-float twin of the numpy engine (`training.numpy_rows`) for small networks.

On the lecture's single neuron numpy spends nearly all its time creating tiny arrays;
Python floats do the same arithmetic far faster (benchmarks/bench_engine.py). This
module repeats the mathematics of `model.network` and `model.training`, sample by sample:

    forward   s[l] = W[l] a[l-1] + b[l],   a[l] = f_l(s[l]),   a[0] = x
    backward  δ[L] = ∂E_p/∂y ⊙ f_L'(s[L]),  δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ f_l'(s[l])
    gradient  ∂E_p/∂W[l] = δ[l] a[l-1]ᵀ,   ∂E_p/∂b[l] = δ[l]
    update    θ ← θ − η g,  g = ∂E_p/∂θ (online) or the mean over the samples (batch)

The lecture's delta rule W + η[d − y]x is that update with δ = y − d at the output
(W + η(d − y)x = W − η(y − d)x exactly, since negation is exact), so both rules share it.

A neuron's parameters are one list [w_1, …, w_n, b]: the bias is the weight of a constant
+1 input, as in the lecture. Each step's error pass at the new parameters yields every
sample's activations there, and the next step's gradient needs exactly those, so a state
is forwarded once. Three variants, chosen by `variant`:

  * "single layer" (no hidden layer: the lecture, AND, OR). Each output neuron sees only
    its own error, so the neurons learn independently: one tight loop per neuron.
  * "one hidden layer" (2-2-1 XOR and the like): one loop over lists, gradients summed
    in place.
  * "generic" (deeper networks): the phases of a step as functions over layers.

The results equal numpy's to the last bits: only the order of a few float additions
differs (numpy's BLAS may fuse a multiply and an add), which tests/test_fastpath.py
bounds by 1e-12 over whole runs, divergence included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from model.fastpath.generic import generic_rows
from model.fastpath.one_hidden_layer import one_hidden_layer_rows
from model.fastpath.plan import DERIVATIVE_FROM_OUTPUT, plan_for
from model.fastpath.single_layer import single_layer_rows

if TYPE_CHECKING:
    from model.config import Dataset, TrainingConfig
    from model.network import Network

__all__ = [
    "DERIVATIVE_FROM_OUTPUT",
    "FLUSH_ROWS",
    "MAX_PARAMETERS",
    "MAX_WORK",
    "generic_rows",
    "one_hidden_layer_rows",
    "rows",
    "single_layer_rows",
    "suitable",
    "variant",
]

# Where plain floats stop beating numpy (measured: a step costs floats about 1 µs per
# parameter and sample, numpy about 80 µs plus little per sample).
MAX_PARAMETERS = 60
MAX_WORK = 200  # parameters × samples
FLUSH_ROWS = 4096  # rows collected before they are yielded as one block


def suitable(network: Network, n_samples: int = 1) -> bool:
    """True when plain floats beat numpy for this network and this many samples."""
    n = network.n_parameters
    return n <= MAX_PARAMETERS and n * n_samples <= MAX_WORK


def variant(network: Network) -> str:
    """Which loop `advance` runs for this network (see the module docstring)."""
    return {1: "single layer", 2: "one hidden layer"}.get(network.depth, "generic")


def rows(
    network: Network, data: Dataset, config: TrainingConfig, first_step: int, n: int
) -> Iterator[np.ndarray]:
    """Up to n updates from state `first_step`, as the numpy engine makes them: blocks of
    new rows (parameters in `get_flat` order, then the error). `network` is not changed.

    Every new state is checked like numpy's engine does: the rows stop before the first
    state with a non-finite parameter or error (or a float operation that overflows).
    """
    loop = {
        "single layer": single_layer_rows,
        "one hidden layer": one_hidden_layer_rows,
    }.get(variant(network), generic_rows)
    return loop(network, plan_for(network, data, config, FLUSH_ROWS), first_step, n)
