"""Where the optimizer's state of every recorded step comes from, without storing it for
every step.

Momentum, RMSProp and Adam carry a state from step to step; continuing from a state of
the history (after Back, the timeline, undo or a reopened session) needs the state the
optimizer had there. Storing it with every row would double or triple the history's
memory, so the `Trainer` keeps it at a few states only — checkpoints, where a run ended —
and recomputes it between them by replaying the deterministic training from the nearest
checkpoint before: the same engine, the same settings, the same floats.

Keys are state numbers: `states[k]` is the optimizer's state after the updates that led
to state k, for the optimizer that made them (`config_for_step(k)`). The state an update
from k starts from is that one — or zero, where the optimizer (or one of its settings)
differs from the one that made state k, and at state 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from model.config import Dataset, TrainingConfig
from model.history import History
from model.network import Network
from model.optimizers import OptimizerState, zero_state
from model.training import advance

Array = NDArray[np.float64]
MAX_CHECKPOINTS = 256  # beyond this, every other one goes (the replays get longer)


class OptimizerMemory:
    """Checkpoints of the optimizer's state, keyed by state number."""

    def __init__(
        self, states: dict[int, OptimizerState] | None = None, limit: int = MAX_CHECKPOINTS
    ) -> None:
        self.states: dict[int, OptimizerState] = dict(states or {})
        self.limit = limit  # at most this many (the memory budget may set fewer or more)

    def copy(self) -> OptimizerMemory:
        """A copy of the mapping; the states themselves are never changed in place."""
        return OptimizerMemory(self.states, self.limit)

    def keep(self, step: int, state: OptimizerState) -> None:
        self.states[step] = state
        if len(self.states) > self.limit:
            steps = sorted(self.states)
            for old in steps[:-1:2]:  # thin the older ones, keep the newest
                del self.states[old]

    def forget_after(self, step: int) -> None:
        for later in [k for k in self.states if k > step]:
            del self.states[later]

    def clear(self) -> None:
        self.states.clear()

    def state_at(
        self,
        step: int,
        history: History,
        config_log: list[tuple[int, TrainingConfig]],
        network: Network,
        data: Dataset,
        engine: str,
    ) -> OptimizerState:
        """The optimizer's state after the updates that led to state `step` (a copy), as
        the settings log says they were made."""
        n = network.n_parameters
        if step == 0:
            return zero_state(config_log[0][1].optimizer, n)
        made = [(first, config) for first, config in config_log if first <= step - 1]
        optimizer = made[-1][1].optimizer
        if not optimizer.stateful:
            return zero_state(optimizer, n)
        zeroed = made[-1][0]  # where this optimizer began, with a zero state
        for first, config in reversed(made):
            if config.optimizer != optimizer:
                break
            zeroed = first
        kept = [k for k in self.states if zeroed < k <= step]
        start = max(kept, default=zeroed)
        state = self.states[start].copy() if kept else zero_state(optimizer, n)

        def config_for_step(k: int) -> TrainingConfig:
            return [config for first, config in config_log if first <= k - 1][-1]

        replay(start, step, state, history, config_for_step, network, data, engine)
        return state


def replay(
    start: int,
    stop: int,
    state: OptimizerState,
    history: History,
    config_for_step: Callable[[int], TrainingConfig],
    network: Network,
    data: Dataset,
    engine: str,
) -> None:
    """Advance `state` (the optimizer's at state `start`) through the recorded updates
    start → stop, each with the settings that made it."""
    at = network.copy()
    step = start
    while step < stop:
        config = config_for_step(step + 1)
        end = step + 1
        while end < stop and config_for_step(end + 1) == config:
            end += 1
        at.set_flat(history.row(step))
        for _ in advance(at, data, config, step, end - step, engine, state):
            pass  # the rows are the history's own; only the state is wanted
        step = end
