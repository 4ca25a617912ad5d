"""A test set: never trained on; its error recorded beside the training error at every
state, by the window's Trainer and the Run worker alike."""

from __future__ import annotations

import time

import numpy as np
import pytest

from model.background import BackgroundTrainer
from model.datasets import make_dataset
from model.network import Network, initial_weights
from model.optimizers import Optimizer
from model.state import Trainer
from model.training import Dataset, TrainingConfig


def circle_trainer(test: bool = True, **changes: object) -> Trainer:
    data = make_dataset("circle", 60, seed=3).split(0.25, seed=1)
    if not test:
        data = data.without_test_set()
    weights, biases = initial_weights([2, 6, 1], "xavier", seed=2)
    network = Network([2, 6, 1], ["tanh", "sigmoid"], weights, biases)
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch", **changes)  # type: ignore[arg-type]
    return Trainer(network, data, config)


def test_the_history_has_a_test_error_column_of_the_test_samples_error() -> None:
    trainer = circle_trainer()
    trainer.run(30)
    history = trainer.history
    assert history.columns[-2:] == ["error", "test_error"]
    network = trainer.network.copy()
    data = trainer.data
    assert data.test_inputs is not None and data.test_targets is not None
    for step in (0, 1, 17, 30):
        network.set_flat(history.row(step))
        expected = network.error(data.test_inputs, data.test_targets, "squared_error")
        assert history.column("test_error")[step] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("optimizer", [Optimizer("sgd"), Optimizer("adam")])
def test_the_test_set_is_never_trained_on(optimizer: Optimizer) -> None:
    with_test = circle_trainer(optimizer=optimizer)
    without = circle_trainer(test=False, optimizer=optimizer)
    with_test.run(40)
    without.run(40)
    np.testing.assert_array_equal(with_test.history.table()[:, :-1], without.history.table())


def test_a_split_is_drawn_from_its_seed_and_keeps_every_sample_once() -> None:
    data = make_dataset("spiral", 40, seed=0)
    a, b, c = data.split(0.3, 5), data.split(0.3, 5), data.split(0.3, 6)
    assert a.test_inputs is not None and b.test_inputs is not None and c.test_inputs is not None
    np.testing.assert_array_equal(a.test_inputs, b.test_inputs)
    assert not np.array_equal(a.test_inputs, c.test_inputs)
    assert (a.n_samples, len(a.test_inputs)) == (28, 12)
    together = np.vstack([a.inputs, a.test_inputs])
    assert sorted(map(tuple, together.tolist())) == sorted(map(tuple, data.inputs.tolist()))
    with pytest.raises(ValueError, match="leaves no test"):
        data.split(0.001, 1)


def test_test_data_of_the_wrong_width_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^data\.test_inputs: 3 values per sample"):
        Dataset([[0.1, 0.2]], [[0.5]], [[0.1, 0.2, 0.3]], [[0.5]])
    with pytest.raises(ValueError, match=r"^data\.test_targets: 2 values per sample"):
        Dataset([[0.1, 0.2]], [[0.5]], [[0.1, 0.2]], [[0.5, 0.1]])
    with pytest.raises(ValueError, match="both test_inputs and test_targets"):
        Dataset([[0.1, 0.2]], [[0.5]], [[0.1, 0.2]], None)


def test_an_edit_undo_and_going_back_keep_the_column_right() -> None:
    trainer = circle_trainer(optimizer=Optimizer("momentum"))
    trainer.run(10)
    saved = trainer.snapshot()
    theta = trainer.network.get_flat()
    theta[0] += 0.5
    trainer.set_parameters(theta)
    network = trainer.network.copy()
    data = trainer.data
    assert data.test_inputs is not None and data.test_targets is not None
    assert trainer.history.column("test_error")[-1] == pytest.approx(
        network.error(data.test_inputs, data.test_targets, "squared_error"), rel=1e-12
    )
    trainer.restore(saved)
    trainer.truncate(4)
    trainer.run(6)
    whole = circle_trainer(optimizer=Optimizer("momentum"))
    whole.run(10)
    np.testing.assert_array_equal(trainer.history.table(), whole.history.table())


def test_the_run_worker_records_the_test_error_too() -> None:
    worker = BackgroundTrainer(ring_bytes=1 << 20)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not worker.ready:
            assert time.monotonic() < deadline, "the worker process did not start"
            time.sleep(0.01)
        trainer = circle_trainer(optimizer=Optimizer("adam"))
        trainer.run(3)
        job = worker.begin(trainer)
        while trainer.position < 200:
            assert time.monotonic() < deadline, "the worker stopped delivering states"
            collected = worker.collect(job)
            trainer.adopt(collected.rows, optimizer_state=collected.optimizer_state)
            time.sleep(0.001)
        worker.cancel(job)
        n = trainer.position
        trainer.run(5)  # on from the worker's last state, with its optimizer state
        whole = circle_trainer(optimizer=Optimizer("adam"))
        whole.run(n + 5)
        np.testing.assert_array_equal(trainer.history.table(), whole.history.table())
    finally:
        worker.close()


def test_an_autosave_restores_the_optimizer_and_the_test_set_exactly(tmp_path) -> None:
    import subprocess
    import sys

    from model.recovery import AutosaveFile, read_autosave

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    crashed = AutosaveFile(tmp_path, f"{child.pid}-1")  # the autosave of a process gone
    trainer = circle_trainer(optimizer=Optimizer("adam"), l2=0.01)
    trainer.run(25)
    crashed.prepare(trainer, "homework", None, True).run()
    recovered = read_autosave(crashed.json_path)
    assert recovered is not None
    restored = recovered.session.to_trainer()
    np.testing.assert_array_equal(restored.history.table(), trainer.history.table())
    restored.run(15)
    whole = circle_trainer(optimizer=Optimizer("adam"), l2=0.01)
    whole.run(40)
    np.testing.assert_array_equal(restored.history.table(), whole.history.table())
