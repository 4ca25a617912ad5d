"""The lessons among the examples show what their titles promise."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.optimizers import Optimizer
from model.session import EXAMPLE_NAMES, load_example


def test_the_valley_momentum_beats_plain_descent_at_the_same_learning_rate() -> None:
    session = load_example("valley")
    assert session.config.optimizer.name == "momentum"
    with_momentum = session.to_trainer()
    with_momentum.run(100)
    plain = replace(session, config=replace(session.config, optimizer=Optimizer("sgd")))
    without = plain.to_trainer()
    without.run(100)
    adam = replace(
        session, config=replace(session.config, learning_rate=0.1, optimizer=Optimizer("adam"))
    )
    with_adam = adam.to_trainer()
    with_adam.run(100)
    e_momentum = with_momentum.history.error_at(100)
    e_plain = without.history.error_at(100)
    e_adam = with_adam.history.error_at(100)
    assert e_momentum < e_plain / 1000  # ~1e-7 against ~1e-2
    assert e_adam < e_plain / 1000
    # plain descent has done the steep direction (W1) and crawls along the shallow one
    W1, W2, _ = without.history.row(100)
    assert abs(W1 - 0.5) < 1e-3 < abs(W2 - 4.0)


def test_overfitting_the_test_error_rises_while_the_training_error_falls() -> None:
    trainer = load_example("overfitting").to_trainer()
    trainer.run(4000)
    train = trainer.history.errors
    test = trainer.history.column("test_error")
    best = int(np.argmin(test))
    assert 100 < best < 2000
    assert test[-1] > 10 * test[best]  # the test error turned back up …
    assert train[-1] < train[best] / 10  # … while the training error kept falling


def test_the_lessons_are_in_new_from_example() -> None:
    assert {"valley", "overfitting"} <= set(EXAMPLE_NAMES)
