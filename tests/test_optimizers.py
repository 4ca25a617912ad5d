"""Optimizers, penalties and mini-batches against an independent transcription of the
formulas (one parameter at a time, in plain Python floats), exact resumption through
every way of leaving a state, and the refusals of impossible settings."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.network import Network, initial_weights
from model.optimizers import Optimizer
from model.state import Trainer
from model.training import Dataset, TrainingConfig

OPTIMIZERS = [
    Optimizer("sgd"),
    Optimizer("momentum", momentum=0.9),
    Optimizer("momentum", momentum=0.5, nesterov=True),
    Optimizer("rmsprop", alpha=0.9, epsilon=1e-6),
    Optimizer("adam", beta1=0.8, beta2=0.99, epsilon=1e-7),
]


def samples_of(step: int, mode: str, k: int | None, P: int) -> list[int]:
    if mode == "batch":
        return list(range(P))
    size = k if mode == "minibatch" else 1
    return [(step * size + i) % P for i in range(size)]


def direction(network: Network, data: Dataset, config: TrainingConfig, step: int) -> list[float]:
    """g at the current parameters: the chain rule's gradient (model/network.py) of the
    mean error over the step's samples, or −mean [d − y]x̃ for the delta rule."""
    used = samples_of(step, config.mode, config.batch_size, data.n_samples)
    X, D = data.inputs[used], data.targets[used]
    if config.rule == "delta":
        error = D - network.predict(X)
        dW = [-(error.T @ X) / len(used)]
        db = [-error.mean(axis=0)]
    else:
        grads = network.gradients(X, D, config.loss)
        dW, db = grads.dW, grads.db
    g: list[float] = []
    for W, b, gW, gb in zip(network.weights, network.biases, dW, db, strict=True):
        g += [
            gw + config.l2 * w + config.l1 * math.copysign(w != 0, w)
            for gw, w in zip(gW.ravel().tolist(), W.ravel().tolist(), strict=True)
        ]
        g += gb.tolist() if config.update_biases else [0.0] * len(b)
    return g


def reference_run(
    network: Network, data: Dataset, config: TrainingConfig, n: int
) -> list[list[float]]:
    """The optimizer's formulas, parameter by parameter (docs/file-formats.md)."""
    network = network.copy()
    o = config.optimizer
    size = network.n_parameters
    m, v = [0.0] * size, [0.0] * size
    rows = []
    for step in range(n):
        g = direction(network, data, config, step)
        theta = network.get_flat().tolist()
        t = step + 1
        for i in range(size):
            if o.name == "sgd":
                theta[i] -= config.learning_rate * g[i]
            elif o.name == "momentum":
                v[i] = o.momentum * v[i] + g[i]
                move = g[i] + o.momentum * v[i] if o.nesterov else v[i]
                theta[i] -= config.learning_rate * move
            elif o.name == "rmsprop":
                v[i] = o.alpha * v[i] + (1 - o.alpha) * (g[i] * g[i])
                theta[i] -= config.learning_rate * g[i] / (math.sqrt(v[i]) + o.epsilon)
            else:
                m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i]
                v[i] = o.beta2 * v[i] + (1 - o.beta2) * (g[i] * g[i])
                m_hat = m[i] / (1 - o.beta1**t)
                v_hat = v[i] / (1 - o.beta2**t)
                theta[i] -= config.learning_rate * m_hat / (math.sqrt(v_hat) + o.epsilon)
        network.set_flat(np.array(theta))
        rows.append([*theta, network.error(data.inputs, data.targets, config.loss)])
    return rows


def xor_network(layers: list[int], seed: int = 3) -> Network:
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    return Network(layers, ["tanh"] * (len(layers) - 2) + ["sigmoid"], weights, biases)


XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])


@pytest.mark.parametrize(
    "optimizer", OPTIMIZERS, ids=lambda o: f"{o.name}{'-nesterov' * o.nesterov}"
)
@pytest.mark.parametrize(
    ("mode", "batch_size"), [("online", None), ("batch", None), ("minibatch", 3)]
)
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.01, 0.0), (0.0, 0.05), (0.02, 0.03)])
def test_every_optimizer_mode_and_penalty_follows_the_formulas(optimizer, mode, batch_size, l1, l2):
    config = TrainingConfig(
        rule="backprop",
        loss="cross_entropy",
        learning_rate=0.3,
        mode=mode,
        batch_size=batch_size,
        optimizer=optimizer,
        l1=l1,
        l2=l2,
    )
    network = xor_network([2, 3, 1])
    trainer = Trainer(network.copy(), XOR, config)
    trainer.run(30)
    got = trainer.history.rows_view(31)[1:]
    np.testing.assert_allclose(got, reference_run(network, XOR, config, 30), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o.name)
def test_the_delta_rule_direction_and_frozen_biases(optimizer):
    config = TrainingConfig(
        rule="delta",
        learning_rate=0.2,
        mode="minibatch",
        batch_size=2,
        optimizer=optimizer,
        update_biases=False,
        l2=0.01,
    )
    network = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset([[0.1, 0.3], [0.5, 0.2], [0.9, 0.4]], [[0.03], [0.5], [0.9]])
    trainer = Trainer(network.copy(), data, config)
    trainer.run(20)
    got = trainer.history.rows_view(21)
    np.testing.assert_allclose(got[1:], reference_run(network, data, config, 20), rtol=1e-12)
    assert (got[:, 2] == 1.83).all()  # the frozen bias never moves


def test_plain_sgd_is_the_lecture_rule_and_keeps_the_fast_path() -> None:
    network = Network([2, 1], ["sigmoid"], [np.array([[0.5, 0.2]])], [np.array([1.83])])
    data = Dataset([[0.1, 0.3]], [[0.03]])
    trainer = Trainer(network, data, TrainingConfig(optimizer=Optimizer("sgd")))
    trainer.step()
    W1, W2, b = trainer.history.row(1)
    assert [round(b, 9), round(W1, 9), round(W2, 9)] == [1.821556479, 0.499155648, 0.197466944]


def test_minibatches_wrap_round_the_samples_in_table_order() -> None:
    from model.training import sample_indices

    assert list(range(5)[sample_indices(0, "minibatch", 5, 2)]) == [0, 1]
    assert list(np.arange(5)[sample_indices(2, "minibatch", 5, 2)]) == [4, 0]
    assert list(np.arange(5)[sample_indices(7, "minibatch", 5, 3)]) == [1, 2, 3]
    assert list(np.arange(5)[sample_indices(3, "minibatch", 5, 1)]) == [3]  # k = 1: online
    assert list(np.arange(5)[sample_indices(3, "minibatch", 5, 5)]) == [0, 1, 2, 3, 4]


# -- exact resumption ---------------------------------------------------------------------------
def adam_trainer(**changes: object) -> Trainer:
    config = TrainingConfig(
        rule="backprop",
        learning_rate=0.05,
        mode="online",
        optimizer=Optimizer("adam"),
        l2=0.001,
    )
    return Trainer(xor_network([2, 4, 1]), XOR, replace(config, **changes))


def test_continuing_after_going_back_equals_one_longer_run() -> None:
    whole = adam_trainer()
    whole.run(60)
    for back_to in (0, 1, 17, 40, 59):
        trainer = adam_trainer()
        trainer.run(60)
        trainer.truncate(back_to)  # Back / the timeline, then Step
        trainer.run(60 - back_to)
        np.testing.assert_array_equal(trainer.history.table(), whole.history.table())


def test_continuing_after_an_undo_or_a_snapshot_equals_one_longer_run() -> None:
    whole = adam_trainer(optimizer=Optimizer("momentum", nesterov=True))
    whole.run(50)
    trainer = adam_trainer(optimizer=Optimizer("momentum", nesterov=True))
    trainer.run(20)
    saved = trainer.snapshot()
    trainer.run(7)
    trainer.reset()
    trainer.run(3)
    trainer.restore(saved)
    trainer.run(30)
    np.testing.assert_array_equal(trainer.history.table(), whole.history.table())


def test_a_trainer_given_the_optimizer_state_continues_exactly() -> None:
    """The Run worker and a reopened session start a Trainer from a history's last state
    and the optimizer's state there."""
    whole = adam_trainer()
    whole.run(40)
    first = adam_trainer()
    first.run(25)
    second = Trainer(
        first.network.copy(),
        XOR,
        first.config,
        first.history.copy_prefix(len(first.history)),
        optimizer_state=first.optimizer_state(),
    )
    second.run(15)
    np.testing.assert_array_equal(second.history.table(), whole.history.table())


def test_changing_the_optimizer_zeroes_its_state_from_that_step() -> None:
    trainer = adam_trainer()
    trainer.run(10)
    before = trainer.optimizer_state()
    assert before.t == 10
    trainer.set_config(optimizer=Optimizer("adam", beta1=0.5))
    assert trainer.next_optimizer_state().t == 0
    trainer.run(5)
    assert trainer.optimizer_state().t == 5
    # A change of η alone keeps the state going.
    trainer.set_config(learning_rate=0.01)
    assert trainer.next_optimizer_state().t == 5
    trainer.run(2)
    assert trainer.optimizer_state().t == 7
    # ... and going back before the change finds the old optimizer's state there.
    assert trainer.optimizer_state(8).t == 8


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=6),
    st.lists(st.integers(0, 40), min_size=1, max_size=6),
)
def test_any_way_through_the_history_continues_exactly(chunks: list[int], backs: list[int]) -> None:
    trainer = adam_trainer(mode="minibatch", batch_size=3, optimizer=Optimizer("rmsprop"))
    for chunk, back in zip(chunks, backs, strict=False):
        trainer.run(chunk)
        trainer.truncate(min(back, trainer.last_step))
    position = trainer.position
    trainer.run(30)
    whole = adam_trainer(mode="minibatch", batch_size=3, optimizer=Optimizer("rmsprop"))
    whole.run(position + 30)
    np.testing.assert_array_equal(trainer.history.table(), whole.history.table())


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mode": "minibatch", "batch_size": 0}, "training.batch_size"),
        ({"mode": "minibatch", "batch_size": -2}, "training.batch_size"),
        ({"mode": "minibatch", "batch_size": 5}, "training.batch_size"),  # 4 samples
        ({"mode": "minibatch", "batch_size": None}, "training.batch_size"),
        ({"optimizer": Optimizer("adam", beta1=1.0)}, "training.optimizer.beta1"),
        ({"optimizer": Optimizer("adam", beta2=1.5)}, "training.optimizer.beta2"),
        ({"optimizer": Optimizer("rmsprop", alpha=-0.1)}, "training.optimizer.alpha"),
        ({"optimizer": Optimizer("adam", epsilon=0.0)}, "training.optimizer.epsilon"),
        ({"optimizer": Optimizer("adam", epsilon=-1e-8)}, "training.optimizer.epsilon"),
        ({"optimizer": Optimizer("momentum", momentum=1.0)}, "training.optimizer.momentum"),
        ({"optimizer": Optimizer("adagrad")}, "training.optimizer.name"),
        ({"l1": -0.1}, "training.l1"),
        ({"l2": math.inf}, "training.l2"),
    ],
)
def test_impossible_settings_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    trainer = adam_trainer()
    with pytest.raises(ValueError, match=f"^{field.replace('.', '[.]')}:"):
        trainer.set_config(**changes)
    with pytest.raises(ValueError, match=f"^{field.replace('.', '[.]')}:"):
        Trainer(xor_network([2, 4, 1]), XOR, replace(trainer.config, **changes))


# -- against torch.optim (where torch is installed; it stays optional) ---------------------------
@pytest.mark.parametrize(
    "optimizer", OPTIMIZERS, ids=lambda o: f"{o.name}{'-nesterov' * o.nesterov}"
)
@pytest.mark.parametrize(("mode", "batch_size"), [("batch", None), ("minibatch", 3)])
def test_every_optimizer_against_torch_optim(
    optimizer: Optimizer, mode: str, batch_size: int | None
) -> None:
    torch = pytest.importorskip("torch")
    config = TrainingConfig(
        rule="backprop",
        learning_rate=0.1,
        mode=mode,
        batch_size=batch_size,
        optimizer=optimizer,
        l1=0.002,
        l2=0.01,
    )
    network = xor_network([2, 3, 1])
    trainer = Trainer(network.copy(), XOR, config)
    trainer.run(40)

    params = []
    for W, b in zip(network.weights, network.biases, strict=True):
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    lr = config.learning_rate
    o = optimizer
    if o.name == "sgd":
        opt = torch.optim.SGD(params, lr=lr)
    elif o.name == "momentum":
        opt = torch.optim.SGD(params, lr=lr, momentum=o.momentum, nesterov=o.nesterov)
    elif o.name == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=lr, alpha=o.alpha, eps=o.epsilon)
    else:
        opt = torch.optim.Adam(params, lr=lr, betas=(o.beta1, o.beta2), eps=o.epsilon)
    X, D = torch.tensor(XOR.inputs), torch.tensor(XOR.targets)
    for step in range(40):
        used = samples_of(step, mode, batch_size, 4)
        a = X[used]
        for i in range(0, len(params), 2):
            s = a @ params[i].T + params[i + 1]
            a = torch.tanh(s) if i < len(params) - 2 else torch.sigmoid(s)
        loss = 0.5 * ((D[used] - a) ** 2).sum(dim=1).mean()
        weights = params[0::2]
        loss = loss + sum(
            0.5 * config.l2 * (w**2).sum() + config.l1 * w.abs().sum() for w in weights
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    expected = torch.cat([p.detach().reshape(-1) for p in params]).numpy()
    np.testing.assert_allclose(trainer.network.get_flat(), expected, rtol=1e-9, atol=1e-12)
