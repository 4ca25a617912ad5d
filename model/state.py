"""The one owner of the training state: the `Trainer`.

Everything a step depends on — the network (its architecture and the parameters of the
state shown), the data, the settings and the log of which settings made which step, the
history of states and the position in it — lives here, and changes only through the
operations below. Each operation gives it a new `revision` (unique in the process), so a
watcher (the Run loop, a view) knows that something changed without comparing states.

`snapshot()` captures the state cheaply (the history by reference and length, plus the
current row); `restore(snapshot)` brings it back exactly. Undo commands hold a snapshot
from before and one from after their operation and restore one or the other. Rows that a
restore removes from the end of the history are handed back to the caller, which gives
them to the restore that needs them again (see `Snapshot`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from model.budget import MemoryBudget
from model.config import (
    Dataset,
    DivergenceError,
    TrainingConfig,
    check_fits,
    divergence_error,
)
from model.history import History, Rows
from model.network import Network
from model.optimizer_memory import MAX_CHECKPOINTS, OptimizerMemory
from model.optimizers import OptimizerState, zero_state
from model.snapshot import (
    Snapshot,
    error_of,
    network_like,
    new_history,
    test_errors,
)
from model.training import ENGINES, advance

Array = NDArray[np.float64]
RESERVE_BYTES = 32 << 20  # history a run reserves at most, before growing as usual
CHECKPOINT_EVERY = 1024  # within a budget: the optimizer's state kept at least this often
DETACHED_SHARE = 4  # an export's copy of a thinned history: at most 1/4 of its rows

# The engine a Trainer made without naming one uses ("auto", "numpy" or "floats").
DEFAULT_ENGINE = "auto"

# Revisions are unique across every Trainer of the process, so a watcher that compares
# one number also notices that it is looking at another Trainer.
_REVISIONS = itertools.count(1)

ProgressCallback = Callable[[int], bool | None]


class Trainer:
    """Trains a network on a dataset and keeps the history of every state.

    `position` is the state the network is at; it is the last history row except after
    `seek` moved back in time, in which case the next `run` discards the later states.
    Read the state through the properties; change it only through the methods (the
    objects the properties return must not be modified).
    """

    def __init__(
        self,
        network: Network,
        data: Dataset,
        config: TrainingConfig,
        history: History | None = None,
        engine: str | None = None,
        optimizer_state: OptimizerState | None = None,
        budget: MemoryBudget | None = None,
    ) -> None:
        """`optimizer_state`: the optimizer's state at the last state of `history`, where
        it is not zero (a session saved mid-run, a Run worker taking over). `budget`: the
        memory the history may hold (model/budget.py); past its share the history keeps
        checkpoints and replays the states between them. None: no bound."""
        config.validate(network, data.n_samples)
        check_fits(network, data)
        self._network = network
        self._data = data
        self._config = config
        self.engine = DEFAULT_ENGINE if engine is None else engine
        if history is None or len(history) == 0:
            history = new_history(network, data, config)
        elif data.has_test_set != ("test_error" in history.extra_columns):
            raise ValueError(
                "the history does not fit the data: it has a test_error column exactly "
                "when the data has a test set"
            )
        if len(history) > 1 and history.dense and history.replayer is None:
            history.pin_all()  # rows given from outside (a session): replay cannot make them
        self._history = history
        self._position = len(history) - 1
        # (first step that used it, config): how every recorded step was made
        self._config_log: list[tuple[int, TrainingConfig]] = [(0, config)]
        self._optimizer_memory = OptimizerMemory()
        self.budget = budget
        self._attach(history)
        self._network.set_flat(history.row(self._position))
        if optimizer_state is not None and self._position > 0:
            self._optimizer_memory.keep(self._position, optimizer_state.copy())
        self.revision = next(_REVISIONS)

    # -- reading ----------------------------------------------------------------------------
    @property
    def network(self) -> Network:
        return self._network

    @property
    def data(self) -> Dataset:
        return self._data

    @property
    def config(self) -> TrainingConfig:
        return self._config

    @property
    def history(self) -> History:
        return self._history

    @property
    def position(self) -> int:
        return self._position

    @property
    def step_count(self) -> int:
        """Number of updates made to reach the current state."""
        return self._position

    @property
    def last_step(self) -> int:
        return len(self._history) - 1

    @property
    def engine(self) -> str:
        """ "auto" (the faster engine for the network), "numpy" or "floats"."""
        return self._engine

    @engine.setter
    def engine(self, engine: str) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
        self._engine = engine

    @property
    def config_log(self) -> list[tuple[int, TrainingConfig]]:
        """(first step that used it, settings) for every change of settings; a copy."""
        return list(self._config_log)

    def config_for_step(self, step: int) -> TrainingConfig:
        """The settings the update from state `step - 1` to `step` was made with."""
        used = self._config_log[0][1]
        for first, config in self._config_log:
            if first <= step - 1:
                used = config
        return used

    def current_error(self) -> float:
        """E at the current parameters (may be inf or NaN for a state that diverged)."""
        return error_of(self._network, self._data, self._config.loss)

    def reached(self, target_error: float) -> bool:
        """True when a target error is set (> 0) and the current state meets it."""
        return target_error > 0 and self._history.error_at(self._position) <= target_error

    # -- snapshots --------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        row = self._history.full_row(self._position)
        return Snapshot(
            tuple(self._network.layers),
            tuple(self._network.activations),
            self._data,
            self._config,
            tuple(self._config_log),
            self._history,
            len(self._history),
            self._position,
            row,
            self._history.full_row(0),
            self._optimizer_memory.copy(),
        )

    def restore(self, snapshot: Snapshot, tail: Rows | None = None) -> Rows | None:
        """Return to `snapshot` exactly. `tail` holds the rows it had beyond those its
        history holds now (given back by an earlier restore); returns the rows this one
        removed from the end of the history, if any, for the restore that needs them."""
        history = snapshot.history
        removed = None
        if len(history) < snapshot.length and (
            tail is None or len(history) + len(tail) != snapshot.length
        ):
            raise ValueError("restoring that state needs the rows it had at the end")
        if (
            list(snapshot.layers) != self._network.layers
            or list(snapshot.activations) != self._network.activations
        ):
            self._network = network_like(snapshot.layers, snapshot.activations)
        # The settings and the history first: a row the history does not store is
        # replayed with them.
        self._data = snapshot.data
        self._config = snapshot.config
        self._config_log = list(snapshot.config_log)
        self._optimizer_memory = snapshot.optimizer_memory.copy()
        self._history = history
        self._attach(history)
        if len(history) > snapshot.length:
            removed = history.rows_after(snapshot.length - 1)
            history.truncate(snapshot.length)
        elif len(history) < snapshot.length and tail is not None:
            history.extend(tail)
        n = len(history.parameter_names)
        for step, row in ((0, snapshot.first_row), (snapshot.position, snapshot.row)):
            # A state the history no longer stores was never edited since (an edit
            # stores and pins it): its replay is the snapshot's row.
            if history.stored(step) and not np.array_equal(history.full_row(step), row):
                history.set_row(step, row[:n], float(row[n]), row[n + 1 :])
        self._move_to(snapshot.position)
        return removed

    # -- navigation -------------------------------------------------------------------------
    def seek(self, step: int) -> None:
        """Show the state after `step` updates, keeping the later states for now."""
        if not 0 <= step < len(self._history):
            raise IndexError(f"step {step} is not in the history (0..{self.last_step})")
        self._move_to(step)

    def step_back(self) -> bool:
        """Forget the current state and show the previous one; False at step 0."""
        if self._position == 0:
            return False
        self.truncate(self._position - 1)
        return True

    def truncate(self, step: int) -> Rows:
        """Forget the states after `step` (showing `step` if a later one was shown);
        returns a copy of the rows removed."""
        if not 0 <= step < len(self._history):
            raise IndexError(f"step {step} is not in the history (0..{self.last_step})")
        removed = self._history.rows_after(step)
        self._history.truncate(step + 1)
        self._forget_settings_after(step)
        self._optimizer_memory.forget_after(step)
        self._move_to(min(self._position, step))
        return removed

    def reset(self) -> None:
        """Back to the initial state, with a new history of that one state."""
        first = self._history.copy_prefix(1)
        self._history = first
        self._attach(first)
        self._set_log([(0, self._config)])
        self._optimizer_memory.clear()
        self._move_to(0)

    # -- edits ------------------------------------------------------------------------------
    def set_config(self, **changes: object) -> None:
        """Change settings (validated first); later steps use them, earlier ones keep theirs."""
        new = replace(self._config, **changes)  # type: ignore[arg-type]
        new.validate(self._network, self._data.n_samples)
        self._config = new
        self._changed()

    def set_parameters(self, theta: Array) -> Rows:
        """Make `theta` the current state (an edit): the later states are forgotten and
        returned. ValueError if it would make the error non-finite."""
        theta = np.asarray(theta, dtype=np.float64)
        if not np.isfinite(theta).all():
            raise ValueError("parameters must be finite numbers: kept the old values.")
        candidate = self._network.copy()
        candidate.set_flat(theta)
        # Under the loss of the step that made this state, as the rest of its row.
        loss = self._row_loss(self._position)
        error = error_of(candidate, self._data, loss)
        if not np.isfinite(error):
            raise ValueError(
                "That value would make the error infinite (the outputs overflow or the "
                "loss is undefined): kept the old value."
            )
        removed = self.truncate(self._position)
        extras = test_errors(candidate, self._data, loss, candidate.get_flat()[None])[0]
        self._history.set_row(self._position, candidate.get_flat(), error, extras)
        self._move_to(self._position)
        return removed

    def replace_data(self, data: Dataset) -> None:
        """New samples; the current parameters become step 0 of a new history."""
        self.replace_setup(self._network, data, self._config)

    def set_activation(self, layer: int, name: str) -> None:
        """Layer `layer`'s activation (1-based); a new history starts from here."""
        activations = list(self._network.activations)
        activations[layer - 1] = name
        network = self._network.copy()
        network = Network(network.layers, activations, network.weights, network.biases)
        self.replace_setup(network, self._data, self._config)

    def replace_setup(self, network: Network, data: Dataset, config: TrainingConfig) -> None:
        """A new network, data and settings; the network's parameters become step 0 of a
        new history. ValueError (nothing changed) if they do not fit together or make the
        error non-finite."""
        config.validate(network, data.n_samples)
        check_fits(network, data)
        if self.budget is not None:  # BudgetError, a ValueError: nothing changed
            width = network.n_parameters + 2 + int(data.has_test_set)
            self.budget.check_network(network.n_parameters, width)
        error = error_of(network, data, config.loss)
        if not np.isfinite(error):
            raise ValueError(
                "Those values would make the error infinite (the outputs overflow or the "
                "loss is undefined): nothing was changed."
            )
        history = new_history(network, data, config)
        self._network, self._data, self._config = network.copy(), data, config
        self._history = history
        self._config_log = [(0, config)]
        self._optimizer_memory.clear()
        self._attach(history)
        self._move_to(0)

    # -- training ---------------------------------------------------------------------------
    def step(self) -> float:
        """One update; returns the new error. DivergenceError if it is not finite."""
        self.run(1)
        return self._history.error_at(self._position)

    def run(
        self,
        n: int,
        callback: ProgressCallback | None = None,
        report_every: int = 1,
        target_error: float = 0.0,
    ) -> int:
        """Make up to n updates from the current state; returns how many were kept.

        States after the current one are forgotten first. `callback(done)` is called
        after every `report_every` updates; returning False stops the run. The run also
        stops at the first state whose error is at or below `target_error` (when > 0).
        DivergenceError stops it too, after recording the finite states before it.
        """
        if report_every < 1:
            raise ValueError(f"report_every must be at least 1, got {report_every}")
        if self._position < self.last_step:
            self.truncate(self._position)
        # Up to a bound: run(10**9) until a divergence must not claim memory for 10**9,
        # nor a run that stops early keep more than it did not use: within a budget, its
        # history's share (the rows then arrive in place, with no growth on the way: a
        # new array's pages come as they are written); without one, RESERVE_BYTES.
        width = self._network.n_parameters + 1
        stored = self._history.stored_count
        bound = RESERVE_BYTES if self.budget is None else self.budget.history_bytes
        self._history.reserve(stored + min(n, bound // (8 * width)))
        done = 0
        while done < n:
            self._log_config(self._position)  # the callback may have changed the settings
            # Without a callback there is nobody to report to: one chunk, one setup.
            chunk = n - done if callback is None else min(report_every, n - done)
            made = self._advance(chunk, target_error)
            done += made
            if made < chunk:  # the target was met
                break
            if callback is not None and callback(done) is False:
                break
        return done

    def adopt(
        self,
        rows: Array,
        target_error: float = 0.0,
        optimizer_state: OptimizerState | None = None,
    ) -> int:
        """Append states computed elsewhere (by a Trainer in another process) from the
        current state with the current settings, up to the first that meets
        `target_error` (when > 0); returns how many were kept. `optimizer_state` is the
        optimizer's after the last of `rows`, where the other process knows it."""
        if not len(rows):
            return 0
        if self._position < self.last_step:
            self.truncate(self._position)
        self._log_config(self._position)
        kept = self._record(rows, target_error)
        if optimizer_state is not None and kept == len(rows):
            self._optimizer_memory.keep(self._position, optimizer_state.copy())
        return kept

    def _advance(self, n: int, target_error: float) -> int:
        first = self._position
        state = self.next_optimizer_state()
        # Within a budget, an optimizer with a state keeps it every few strides, so that
        # a replay never starts far back (the rows between are recomputed from there).
        every = n
        if self.budget is not None and self._config.optimizer.stateful:
            every = max(CHECKPOINT_EVERY, 4 * self._history.stride)
        while self._position < first + n:
            start = self._position
            chunk = min(every, first + n - start)
            blocks = advance(
                self._network, self._data, self._config, start, chunk, self._engine, state
            )
            for block in blocks:
                kept = self._record(block, target_error)
                if kept < len(block):
                    return self._position - first
            if self._position < start + chunk:
                raise divergence_error(self._position + 1, self._config)
            if self._config.optimizer.stateful:
                self._optimizer_memory.keep(self._position, state)
                if self._position < first + n:
                    state = state.copy()
        return n

    # -- the optimizer's state --------------------------------------------------------------
    def optimizer_state(self, step: int | None = None) -> OptimizerState:
        """The optimizer's state after the updates that led to state `step` (default: the
        current one), for the optimizer that made them; recomputed from the nearest
        checkpoint where it is not kept (model/optimizer_memory.py). A copy."""
        step = self._position if step is None else step
        n = self._network.n_parameters
        if step == 0:
            return zero_state(self._config_log[0][1].optimizer, n)
        made = self.config_for_step(step).optimizer
        kept = self._optimizer_memory.states.get(step)
        if not made.stateful or kept is not None:
            return zero_state(made, n) if kept is None else kept.copy()
        start, state = self._replay_start(step - 1)
        self._walk(self._history, start, state, step, step + 1)
        return state

    def next_optimizer_state(self) -> OptimizerState:
        """The state the next update from the current state starts from, with the
        current settings: zero where they name another optimizer than the one that made
        the current state (or other settings of it), and at step 0. A copy."""
        optimizer = self._config.optimizer
        if not optimizer.stateful:
            return zero_state(optimizer, self._network.n_parameters)
        if self._position == 0 or self.config_for_step(self._position).optimizer != optimizer:
            return zero_state(optimizer, self._network.n_parameters)
        return self.optimizer_state()

    def _record(self, rows: Array, target_error: float) -> int:
        """The one way new states enter the history; returns how many did."""
        n = self._network.n_parameters
        if target_error > 0:
            hits = np.flatnonzero(rows[:, n] <= target_error)
            if hits.size:
                rows = rows[: int(hits[0]) + 1]
        if rows.shape[1] < self._history.width:  # an engine's rows: add the test error
            extra = test_errors(self._network, self._data, self._config.loss, rows[:, :n])
            rows = np.column_stack([rows, extra])
        self._history.extend(rows)
        self._move_to(len(self._history) - 1)
        return len(rows)

    # -- internals --------------------------------------------------------------------------
    def _changed(self) -> None:
        self.revision = next(_REVISIONS)

    def _move_to(self, step: int) -> None:
        self._position = step
        self._network.set_flat(self._history.row(step))
        self._changed()

    def _log_config(self, step: int) -> None:
        self._forget_settings_after(step)
        if self._config_log[-1][1] != self._config:
            if step == 0:  # the settings of the history's start: row 0's too
                self._set_log([(0, self._config)])
            else:
                self._config_log.append((step, self._config))
                self._history.pin(step)  # a replay starts each settings' block there
            self._fit_budget()

    def _forget_settings_after(self, step: int) -> None:
        # Entries from `step` on described updates that are forgotten or made again.
        kept = [(s, c) for s, c in self._config_log if s < step]
        self._set_log(kept or [(0, self._config)])

    def _set_log(self, log: list[tuple[int, TrainingConfig]]) -> None:
        """A new settings log. Row k's error is of the loss that made it (row 0: the first
        logged settings' loss): where the first entry's loss changes, so does row 0's."""
        before = self._config_log[0][1].loss
        self._config_log = log
        if log[0][1].loss != before:
            self._recompute_row(0)

    def _row_loss(self, step: int) -> str:
        """The loss row `step`'s error is of."""
        return self._config_log[0][1].loss if step == 0 else self.config_for_step(step).loss

    def _recompute_row(self, step: int) -> None:
        network = self._network.copy()
        theta = self._history.row(step)
        network.set_flat(theta)
        loss = self._row_loss(step)
        extras = test_errors(network, self._data, loss, theta[None])[0]
        self._history.set_row(step, theta, error_of(network, self._data, loss), extras)

    def set_config_log(self, log: list[tuple[int, TrainingConfig]]) -> None:
        """The settings of the recorded steps, as a saved session tells them."""
        if not log:
            raise ValueError("the settings log needs at least one entry")
        self._config_log = list(log)
        for first, _config in log:
            self._history.pin(first)
        self._changed()

    # -- the memory budget: states kept, and the others replayed ---------------------------
    def set_budget(self, budget: MemoryBudget | None) -> None:
        """A new memory budget (None: no bound); the history thins now if it must."""
        self.budget = budget
        self._attach(self._history)
        self._history.thin()
        self._changed()

    def detached(self) -> Trainer:
        """A Trainer of its own over a copy of the stored rows, the settings log and the
        optimizer's checkpoints: it replays the states not stored without touching this
        one (an export in another thread while the Run goes on). A thinned history's copy
        keeps at most a quarter of the rows the history may hold (DETACHED_SHARE), the
        others replayed: the copy is not counted in the budget, so it must be small. (A
        dense history is copied whole: it holds at most its share.)"""
        history = self._history
        max_rows = None if history.max_rows is None else max(4, history.max_rows // DETACHED_SHARE)
        clone = Trainer(
            self._network.copy(),
            self._data,
            self._config,
            history.copy_prefix(len(history), max_rows),
            self._engine,
            budget=self.budget,
        )
        clone._config_log = list(self._config_log)
        clone._optimizer_memory = self._optimizer_memory.copy()
        clone._move_to(min(self._position, clone.last_step))
        return clone

    @property
    def optimizer_checkpoints(self) -> dict[int, OptimizerState]:
        """The optimizer's kept states (state number → state, not copied: never changed
        in place): what a saved thinned history carries so that its replays start near."""
        return dict(self._optimizer_memory.states)

    def keep_optimizer_checkpoints(self, states: dict[int, OptimizerState]) -> None:
        """Checkpoints read from a file (each the state after the updates that led to
        its step, for the optimizer that made them); those at stored states only."""
        for step in sorted(states):
            if 0 < step <= self._position and self._history.stored(step):
                self._optimizer_memory.keep(step, states[step].copy())
        self._changed()

    def replay_mismatch(self, steps: list[int]) -> int | None:
        """The first of `steps` whose replay (from the stored state before it, as Back
        would recompute it) differs from the row this history stores; None when every one
        agrees bit for bit. How a reopened thinned history is checked against its file."""
        history = self._history
        for step in steps:
            stored = history.steps
            i = int(np.searchsorted(stored, step)) - 1
            if step <= 0 or step >= len(history) or i < 0 or step < history.pinned_below:
                continue
            if step in history.pinned:  # (an edit: replay does not make it)
                continue
            before = int(stored[i])
            start, state = self._replay_start(before, history)
            row = self._walk(history, start, state, step, step)[0]
            if row.tobytes() != history.full_row(step).tobytes():
                return step
        return None

    def first_not_replayed(self, start: int, stop: int) -> int | None:
        """The first of states start + 1 … stop that replay from state `start` (stored)
        does not make bit for bit, or None: a file's dense rows checked a block at a
        time (model/session/fitting.py), where each row that training does not give from
        the one before it (an edit) is pinned and the replay goes on from there."""
        history = self._history
        begin, state = self._replay_start(start, history)
        replayed = self._walk(history, begin, state, stop, start + 1)
        given = history.rows(start + 1, stop + 1)
        differ = (replayed.view(np.uint64) != given.view(np.uint64)).any(axis=1)
        found = np.flatnonzero(differ)
        return start + 1 + int(found[0]) if found.size else None

    @property
    def held_bytes(self) -> int:
        """Bytes the history and the optimizer's checkpoints hold."""
        states = self._optimizer_memory.states.values()
        return self._history.nbytes + sum(a.nbytes for s in states for a in s.slots.values())

    def _attach(self, history: History) -> None:
        """Make `history` the one this Trainer replays and thins within its budget."""
        history.replayer = self._replay_block
        history.onward = self._replay_onward
        history.protected = self._protected
        self._fit_budget(history)

    def _protected(self) -> list[int]:
        return list(self._optimizer_memory.states)

    def _fit_budget(self, history: History | None = None) -> None:
        history = self._history if history is None else history
        if self.budget is None:
            history.limit(None)
            self._optimizer_memory.limit = MAX_CHECKPOINTS
            return
        n = self._network.n_parameters
        slots = len(zero_state(self._config.optimizer, n).slots)
        rows = self.budget.history_rows(n, history.width, slots)
        history.limit(max(rows, 4))
        history.cache_rows = self.budget.cache_rows(history.width)
        self._optimizer_memory.limit = max(2, rows // 4)

    def _replay_block(self, history: History, step: int) -> tuple[int, Array]:
        """A block of states around `step` (which `history` does not store), replayed
        from the nearest state before it that it stores with a known optimizer state."""
        steps = history.steps
        i = int(np.searchsorted(steps, step, side="right")) - 1
        lo = int(steps[i])
        hi = int(steps[i + 1]) if i + 1 < len(steps) else len(history)
        size = history.cache_rows
        stop = min(hi, step + 1 + size // 4)
        first = max(lo + 1, stop - size)
        start, state = self._replay_start(lo, history)
        return first, self._walk(history, start, state, stop - 1, first)

    def _replay_start(
        self, step: int, history: History | None = None
    ) -> tuple[int, OptimizerState]:
        """The latest stored state at or before `step` from which a replay can start,
        and the optimizer's state the update from there starts with (a copy)."""
        history = self._history if history is None else history
        n = self._network.n_parameters
        optimizer = self.config_for_step(step + 1).optimizer
        if not optimizer.stateful:
            if history.stored(step):
                return step, zero_state(optimizer, n)
            raise RuntimeError(f"state {step} is not stored")
        # where an optimizer began from zero, and where its state was kept
        zeros = [0] + [
            first
            for first, config in self._config_log
            if 0 < first <= step and self.config_for_step(first).optimizer != config.optimizer
        ]
        kept = [k for k in self._optimizer_memory.states if k <= step and history.stored(k)]
        start = max([*zeros, *kept])
        started = self.config_for_step(start + 1).optimizer
        saved = self._optimizer_memory.states.get(start)
        if saved is not None and start > 0 and self.config_for_step(start).optimizer == started:
            return start, saved.copy()
        return start, zero_state(started, n)

    def _walk(
        self, history: History, start: int, state: OptimizerState, stop: int, first: int
    ) -> Array:
        """Replay the recorded updates from state `start` (stored) to state `stop`, each
        with the settings that made it, starting again from the stored row wherever
        replay cannot make it (an edit, a reopened session's rows); `state` (the
        optimizer's at `start`) is advanced in place. Returns the rows of states
        `first` … `stop` as the run recorded them, bit for bit."""
        out: Array = np.empty((max(0, stop - first + 1), history.width))
        for at, rows in self._walk_blocks(history, start, state, stop, first):
            out[at - first : at - first + len(rows)] = rows
        return out

    def _walk_blocks(
        self, history: History, start: int, state: OptimizerState, stop: int, first: int
    ) -> Iterator[tuple[int, Array]]:
        """`_walk`, a block of rows at a time as the engine makes them: (the first
        state's number, rows of states from it), for the states first … stop."""
        n = self._network.n_parameters
        restarts = {s for s in history.pinned if start < s < stop}
        restarts.update(range(start + 1, min(stop, history.pinned_below)))
        restarts.update(f for f, _ in self._config_log if start < f < stop)
        marks = sorted(restarts)
        at = self._network.copy()
        theta = history.row(start)
        step = start
        for end in [*marks, stop]:
            if end <= step:
                continue
            if step in restarts and history.stored(step):
                theta = history.row(step)
            config = self.config_for_step(step + 1)
            if step > start and self.config_for_step(step).optimizer != config.optimizer:
                state = zero_state(config.optimizer, n)
            at.set_flat(theta)
            done = step
            for block in advance(at, self._data, config, step, end - step, self._engine, state):
                rows = block
                if rows.shape[1] < history.width:
                    extra = test_errors(self._network, self._data, config.loss, rows[:, :n])
                    rows = np.column_stack([rows, extra])
                lo, hi = max(done + 1, first), min(done + len(rows), stop)
                if lo <= hi:
                    yield lo, rows[lo - done - 1 : hi - done].copy()
                theta = rows[-1, :n].copy()
                done += len(rows)
            if done < end:
                raise RuntimeError(f"the replay from state {start} diverged at {done + 1}")
            step = end

    def _replay_onward(self, history: History, first: int) -> Iterator[tuple[int, Array]]:
        """States first … the last, replayed in one walk from the stored state before
        `first` (or an earlier one with the optimizer's state), in blocks: how an export
        reaches every state of a thinned history at the cost of one replay of it, where
        a replay per gap between stored rows cost a setup each (millions of them at a
        small stride) or a walk from the gap's start per block (at a large one)."""
        start, state = self._replay_start(first - 1, history)
        yield from self._walk_blocks(history, start, state, len(history) - 1, first)


__all__ = ["DivergenceError", "Snapshot", "Trainer"]
