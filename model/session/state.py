"""`Session`: a validated session, everything needed to carry on where a student left off,
and the Trainer it restores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.comparison import ComparisonPlan
from model.history import History
from model.network import Network
from model.optimizers import OptimizerState
from model.quiz_settings import QuizSettings
from model.state import Trainer
from model.training import Dataset, TrainingConfig


@dataclass
class Session:
    """A validated session. `history`, when present, ends at the current parameters."""

    network: Network
    data: Dataset
    config: TrainingConfig
    history: History | None = None
    title: str = ""
    # (first step, settings) for every change of settings during the history; None when
    # every step used `config` (the file's optional "training_log": docs/file-formats.md,
    # "Session file"; readers that do not know it ignore it, as they do any unknown key).
    config_log: list[tuple[int, TrainingConfig]] | None = None
    # The optimizer's state at the current step, where it is not zero (a file's
    # "optimizer_state"): a reopened session goes on exactly as the run it came from.
    optimizer_state: OptimizerState | None = None
    # The quiz a teacher saved with the session (a file's "quiz"): opened, Step first asks.
    quiz: QuizSettings | None = None
    # Runs compared with this one (a file's "comparison"), trained again when opened.
    comparison: ComparisonPlan | None = None
    # The optimizer's states at some stored steps of a thinned history (a file's
    # "optimizer_checkpoints"): where its replays start.
    optimizer_checkpoints: dict[int, OptimizerState] | None = None

    def to_trainer(self) -> Trainer:
        """A Trainer at the session's state (copies: the session can be reused)."""
        history = None if self.history is None else self.history.copy_prefix(len(self.history))
        # Intermediate sums may overflow to ±inf on the way to a finite error.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            trainer = Trainer(
                self.network.copy(),
                self.data.copy(),
                self.config,
                history,
                optimizer_state=self.optimizer_state,
            )
        if self.config_log:
            trainer.set_config_log(self.config_log)
        if self.optimizer_checkpoints:
            trainer.keep_optimizer_checkpoints(self.optimizer_checkpoints)
        return trainer
