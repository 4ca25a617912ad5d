"""The records of how an optimizer (momentum, RMSProp, Adam, or sgd with a penalty)
turned a step's direction g into the update (docs/file-formats.md, "Optimizers")."""

from __future__ import annotations

import numpy as np

from model.config import TrainingConfig
from model.explain.records import Array, OptimizerParameter, OptimizerUpdate
from model.network import Network
from model.numpy_engine import step_direction
from model.optimizers import OptimizerState, apply, zero_state
from model.state import Trainer


def state_before(trainer: Trainer, step: int, config: TrainingConfig) -> OptimizerState:
    """The optimizer's state the update from state `step` started from."""
    n = trainer.network.n_parameters
    if step == 0 or trainer.config_for_step(step).optimizer != config.optimizer:
        return zero_state(config.optimizer, n)
    return trainer.optimizer_state(step)


def optimizer_update(
    trainer: Trainer, net: Network, config: TrainingConfig, step: int, old: Array
) -> tuple[OptimizerUpdate, Array]:
    """The update from state `step − 1` (parameters `old`, in `net`): its records, and
    the change of every parameter as the optimizer computes it."""
    gradient, penalty, g = step_direction(net, trainer.data, config, step - 1)
    before = state_before(trainer, step - 1, config)
    after = before.copy()
    theta = old.copy()
    with np.errstate(all="ignore"):
        apply(config.optimizer, after, theta, g, config.learning_rate)
    parameters = tuple(
        OptimizerParameter(
            name=p.name,
            old=float(old[p.index]),
            gradient=float(gradient[p.index]),
            penalty=float(penalty[p.index]),
            g=float(g[p.index]),
            before={k: float(v[p.index]) for k, v in before.slots.items()},
            after={k: float(v[p.index]) for k, v in after.slots.items()},
            new=float(theta[p.index]),
            frozen=p.is_bias and not config.update_biases,
        )
        for p in net.layout.parameters
    )
    record = OptimizerUpdate(
        name=config.optimizer.name,
        settings=config.optimizer.settings(),
        t=after.t,
        eta=config.learning_rate,
        l1=config.l1,
        l2=config.l2,
        parameters=parameters,
    )
    return record, theta - old
