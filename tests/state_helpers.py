"""What tests compare of a training state: everything a step depends on, as bytes."""

from __future__ import annotations

from model.state import Trainer


def training_state(trainer: Trainer) -> tuple[object, ...]:
    """History, position, data, parameters, activations, settings and their log."""
    return (
        trainer.history.table().tobytes(),
        trainer.position,
        trainer.data.inputs.tobytes(),
        trainer.data.targets.tobytes(),
        trainer.network.get_flat().tobytes(),
        tuple(trainer.network.activations),
        trainer.config,
        tuple(trainer.config_log),
    )
