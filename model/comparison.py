"""Runs compared side by side: the window's run and up to three more, forked from one of
its states with other settings, kept at the same step.

The window's own Trainer is run 1. Each other run is a Trainer of its own, made from the
state run 1 was at when the comparison began (its *origin*): the same weights — or fresh
ones drawn with another seed — the same data, and its own settings and activations. Its
state k is run 1's step origin + k.

A compared run *follows* run 1: `Comparison.follow(main)` moves every run to run 1's
step (forward by training, back by seeking or forgetting states), so Step, Run, Back, the
timeline and undo of run 1 drive them all. Training is deterministic, so a run brought
back to a step it had forgotten gets the very same floats again. A run that diverges stops
at its last finite state with a message and waits there; it goes on, should run 1 go back
before that step and forward again, only to diverge again in the same place.

Everything here is numpy and the Trainer; the window (gui/compare/) draws it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from model.config import Dataset, DivergenceError, TrainingConfig, divergence_error
from model.files import Progress
from model.history import History, block_rows
from model.network import Network, initial_weights
from model.numbers import format_number as fmt
from model.optimizers import OptimizerState
from model.state import Trainer

Array = NDArray[np.float64]

MAX_RUNS = 4  # run 1 (the window's) and three more: four curves stay readable
RUN_COLUMN = "run"
_SERIALS = itertools.count(1)


@dataclass(frozen=True)
class RunPlan:
    """How one compared run differs from the state it is forked from.

    config : its training settings (η, rule, loss, mode and batch size, optimizer, L1/L2)
    activations : one per layer
    seed : None — the forked state's weights; a number — weights drawn afresh with it
        (`initial_weights(layers, "uniform", seed)`, as a session's "init" does)
    """

    config: TrainingConfig
    activations: tuple[str, ...]
    seed: int | None = None


@dataclass
class ComparedRun:
    """A run of the comparison other than run 1, and why it stopped short, if it did."""

    plan: RunPlan
    trainer: Trainer
    stopped_at: int | None = None  # the state it diverged after (its own numbering)
    message: str = ""


@dataclass(frozen=True)
class RunSummary:
    """One line of the runs table."""

    number: int  # 1 = the window's run
    label: str
    step: int  # run 1's numbering
    error: float
    distance: float  # ‖θ − θ of run 1‖ at that step
    message: str = ""


@dataclass
class Comparison:
    """Up to MAX_RUNS − 1 runs kept at run 1's step (see the module's docstring)."""

    origin: int
    start: Array  # run 1's parameters at the origin, which the runs were forked from
    runs: list[ComparedRun] = field(default_factory=list)
    # Unique in the process: a watcher (the Run worker's job) tells comparisons apart.
    serial: int = field(default_factory=lambda: next(_SERIALS), compare=False)

    # -- making one -------------------------------------------------------------------------
    @classmethod
    def fork(cls, main: Trainer, plans: Sequence[RunPlan], origin: int | None = None) -> Comparison:
        """Runs forked from run 1's state `origin` (default: its current state).
        ValueError naming the run if a plan cannot train this network on this data."""
        if not plans:
            raise ValueError("a comparison needs at least one run besides run 1")
        if len(plans) > MAX_RUNS - 1:
            raise ValueError(f"at most {MAX_RUNS} runs can be compared (run 1 and {MAX_RUNS - 1})")
        origin = main.position if origin is None else origin
        if not 0 <= origin <= main.last_step:
            raise ValueError(f"run 1 has no state {origin} to fork from (0..{main.last_step})")
        start = main.history.row(origin)
        runs = []
        for number, plan in enumerate(plans, start=2):
            try:
                runs.append(ComparedRun(plan, _forked_trainer(main, start, plan)))
            except ValueError as error:
                raise ValueError(f"run {number}: {error}") from None
        return cls(origin, start, runs)

    def plans(self) -> list[RunPlan]:
        return [run.plan for run in self.runs]

    def fits(self, main: Trainer) -> bool:
        """False once run 1's network shape or data changed: the runs no longer compare."""
        if not self.runs:
            return False
        other = self.runs[0].trainer
        return other.network.layers == main.network.layers and _same_data(other.data, main.data)

    def forked_elsewhere(self, main: Trainer) -> bool:
        """True when run 1's state at the origin is no longer the one the runs were forked
        from (it was edited, or made again with other settings after Back): they must
        start afresh from the new one."""
        return main.last_step >= self.origin and not np.array_equal(
            main.history.row(self.origin), self.start
        )

    # -- following run 1 --------------------------------------------------------------------
    def target(self, main: Trainer) -> tuple[int, int]:
        """(the state each run should show, the last it may keep), in a run's numbering."""
        return max(0, main.position - self.origin), max(0, main.last_step - self.origin)

    def follow(self, main: Trainer, max_steps: int | None = None) -> bool:
        """Bring every run to run 1's step; True when all are there (or stopped short by
        a divergence). `max_steps` bounds the training done per run in this call."""
        position, keep = self.target(main)
        caught_up = True
        for run in self.runs:
            self._forget_beyond(run, keep)
            if position > run.trainer.last_step and run.stopped_at is None:
                n = position - run.trainer.last_step
                if max_steps is not None and n > max_steps:
                    n, caught_up = max_steps, False
                run.trainer.seek(run.trainer.last_step)
                self._train(run, n)
            run.trainer.seek(min(position, run.trainer.last_step))
        return caught_up

    def behind(self, main: Trainer) -> int:
        """Steps the furthest-behind run still has to train to reach run 1."""
        position, _ = self.target(main)
        lags = [position - r.trainer.last_step for r in self.runs if r.stopped_at is None]
        return max([0, *lags])

    def adopt(
        self,
        index: int,
        rows: Array,
        divergence: str | None,
        optimizer_state: OptimizerState | None = None,
    ) -> None:
        """States of run `index` (0 = run 2) trained elsewhere (the Run worker) from its
        last state; a divergence message stops it there."""
        run = self.runs[index]
        run.trainer.seek(run.trainer.last_step)
        if len(rows):
            run.trainer.adopt(rows, 0.0, optimizer_state)
        if divergence is not None:
            self._stop(run)

    def resume(self, index: int) -> None:
        """Forget run `index`'s states after its current one, and a divergence among
        them, as run 1's Run forgets its later states: rows trained elsewhere from its
        current state are adopted next."""
        run = self.runs[index]
        self._forget_beyond(run, run.trainer.position)

    def _forget_beyond(self, run: ComparedRun, keep: int) -> None:
        if run.trainer.last_step > keep:
            run.trainer.truncate(keep)
        if run.stopped_at is not None and run.trainer.last_step < run.stopped_at:
            run.stopped_at, run.message = None, ""

    def _train(self, run: ComparedRun, n: int) -> None:
        try:
            run.trainer.run(n)
        except DivergenceError:
            self._stop(run)

    def _stop(self, run: ComparedRun) -> None:
        """Run `run` diverged after its last state: the message counts steps as run 1."""
        run.stopped_at = run.trainer.last_step
        step = self.origin + run.stopped_at + 1
        run.message = str(divergence_error(step, run.trainer.config))

    # -- reading ----------------------------------------------------------------------------
    def labels(self, main: Trainer) -> list[str]:
        """ "Run 1: η = 0.01", "Run 2: η = 0.1", …: each run named by the settings in which
        the runs differ."""
        plans = [_plan_of(main), *self.plans()]
        described = [_describe(plan) for plan in plans]
        varying = [key for key in described[0] if len({str(d[key]) for d in described}) > 1]
        names = []
        for number, d in enumerate(described, start=1):
            shown = ", ".join(
                f"{key} {d[key]}" if key == "seed" else f"{key} = {d[key]}" for key in varying
            )
            names.append(f"Run {number}: {shown}" if shown else f"Run {number}")
        return names

    def summaries(self, main: Trainer) -> list[RunSummary]:
        """Run 1 then each compared run: settings, step, error, distance from run 1."""
        labels = self.labels(main)
        theta = main.network.get_flat()
        lines = [RunSummary(1, labels[0], main.position, main.history.error_at(main.position), 0.0)]
        for number, run in enumerate(self.runs, start=2):
            trainer = run.trainer
            distance = float(np.linalg.norm(trainer.network.get_flat() - theta))
            error = trainer.history.error_at(trainer.position)
            step = self.origin + trainer.position
            lines.append(RunSummary(number, labels[number - 1], step, error, distance, run.message))
        return lines

    def trainers(self, main: Trainer) -> list[Trainer]:
        return [main, *(run.trainer for run in self.runs)]

    def first_steps(self) -> list[int]:
        """Run 1's step of each run's state 0: run 1 starts at 0, the others at the origin."""
        return [0, *(self.origin for _ in self.runs)]

    def plan(self) -> ComparisonPlan:
        """What a session file keeps of the comparison (docs/file-formats.md): the origin
        and each run's settings; the runs' states are trained again when it is opened."""
        return ComparisonPlan(self.origin, tuple(self.plans()))


@dataclass(frozen=True)
class ComparisonPlan:
    """A comparison as a session carries it: fork at `origin` with these plans."""

    origin: int
    plans: tuple[RunPlan, ...]


# -- exports ------------------------------------------------------------------------------
def run_rows(comparison: Comparison, main: Trainer) -> list[tuple[int, Array]]:
    """Each run's (first step in run 1's numbering, rows up to its current state): run 1
    from step 0, the others from the origin."""
    out = []
    for first, trainer in zip(comparison.first_steps(), comparison.trainers(main), strict=True):
        out.append((first, trainer.history.rows_view(trainer.position + 1)))
    return out


def runs_csv_chunks(comparison: Comparison, main: Trainer) -> Iterator[str]:
    """One CSV of every run's history with a first column `run` (1 = the window's run),
    then the history's columns (docs/file-formats.md, "Compared runs")."""
    yield from rows_csv_chunks(main.history.columns, run_rows(comparison, main))


def rows_csv_chunks(
    columns: Sequence[str], runs: Sequence[tuple[int, Array]], progress: Progress | None = None
) -> Iterator[str]:
    """`runs_csv_chunks` of rows taken before (`run_rows`, copied when the runs may move
    while it is written): `columns` are the history's (step first). `progress` counts
    rows and can cancel."""
    yield ",".join([RUN_COLUMN, *columns]) + "\n"
    for number, (first, rows) in enumerate(runs, start=1):
        row_format = f"{number},%d" + ",%r" * rows.shape[1] + "\n"
        yield from _blocks(row_format, first, rows, progress)


def run_csv_chunks(
    columns: Sequence[str], first: int, rows: Array, progress: Progress | None = None
) -> Iterator[str]:
    """One run's history CSV, as File → Export history writes it, the step in run 1's
    numbering (from `first`): one file per run."""
    yield ",".join(columns) + "\n"
    yield from _blocks("%d" + ",%r" * rows.shape[1] + "\n", first, rows, progress)


def _blocks(row_format: str, first: int, rows: Array, progress: Progress | None) -> Iterator[str]:
    per = block_rows(rows.shape[1])
    for start in range(0, rows.shape[0], per):
        stop = min(start + per, rows.shape[0])
        block = zip(range(first + start, first + stop), *rows[start:stop].T.tolist(), strict=True)
        yield "".join(map(row_format.__mod__, block))
        if progress is not None:
            progress.advance(stop - start)


def run_history(comparison: Comparison, main: Trainer, number: int) -> tuple[int, History]:
    """Run `number`'s (1-based) first step and history up to its current state."""
    trainers = comparison.trainers(main)
    if not 1 <= number <= len(trainers):
        raise IndexError(f"there is no run {number} (1..{len(trainers)})")
    trainer = trainers[number - 1]
    return comparison.first_steps()[number - 1], trainer.history.copy_prefix(trainer.position + 1)


# -- helpers ------------------------------------------------------------------------------
def _forked_trainer(main: Trainer, start: Array, plan: RunPlan) -> Trainer:
    layers = list(main.network.layers)
    if plan.seed is None:
        network = main.network.copy()
        network.set_flat(start)
        weights, biases = network.weights, network.biases
    else:
        weights, biases = initial_weights(layers, "uniform", plan.seed)
    network = Network(layers, list(plan.activations), weights, biases)
    if not math.isfinite(network.error(main.data.inputs, main.data.targets, plan.config.loss)):
        raise ValueError("the error at the start is not a finite number with these settings")
    return Trainer(network, main.data, plan.config, engine=main.engine)


def _plan_of(main: Trainer) -> RunPlan:
    return RunPlan(main.config, tuple(main.network.activations), None)


def _describe(plan: RunPlan) -> dict[str, str]:
    """Every setting a run can change, as the legend shows it."""
    config = plan.config
    mode = config.mode if config.mode != "minibatch" else f"mini-batch of {config.batch_size}"
    optimizer = config.optimizer
    settings = ", ".join(f"{k} {_shown(v)}" for k, v in optimizer.settings().items())
    return {
        "η": fmt(config.learning_rate),
        "rule": config.rule,
        "loss": config.loss.replace("_", " "),
        "mode": mode,
        "optimizer": f"{optimizer.name} ({settings})" if settings else optimizer.name,
        "L1": fmt(config.l1),
        "L2": fmt(config.l2),
        "activations": "/".join(plan.activations),
        "seed": "forked weights" if plan.seed is None else str(plan.seed),
    }


def _same_data(a: Dataset, b: Dataset) -> bool:
    pairs: list[tuple[Array | None, Array | None]] = [(a.inputs, b.inputs), (a.targets, b.targets)]
    pairs += [(a.test_inputs, b.test_inputs), (a.test_targets, b.test_targets)]
    return a is b or all(_equal(x, y) for x, y in pairs)


def _equal(x: Array | None, y: Array | None) -> bool:
    return (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))


def _shown(value: object) -> str:
    return fmt(value) if isinstance(value, float) else str(value).lower()


def with_learning_rate(main: Trainer, rate: float) -> RunPlan:
    """Run 1's settings with another η (the lesson and the dialog's first guess)."""
    return RunPlan(replace(main.config, learning_rate=rate), tuple(main.network.activations))
