"""The memory budget without Qt: sizes, shares and refusals (model/budget.py), and the
history within a tiny budget, whose replayed states equal, bit for bit, the states a
Trainer with no budget stores: every optimizer, online / batch / mini-batch, with a test
set, with edits and changes of settings mid-run, through Back, undo and the export."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest

from model import budget as budget_module
from model.budget import BudgetError, MemoryBudget, format_size, parse_size
from model.history import History, read_csv
from model.network import Network, initial_weights
from model.optimizers import Optimizer
from model.session import save_session
from model.state import Trainer
from model.training import Dataset, TrainingConfig
from model.undo import Change

OPTIMIZERS = [
    Optimizer("sgd"),
    Optimizer("momentum", momentum=0.9),
    Optimizer("momentum", momentum=0.5, nesterov=True),
    Optimizer("rmsprop", alpha=0.9, epsilon=1e-6),
    Optimizer("adam", beta1=0.8, beta2=0.99, epsilon=1e-7),
]
MODES = [("online", None), ("batch", None), ("minibatch", 3)]


def xor_network(layers: list[int], seed: int = 3) -> Network:
    weights, biases = initial_weights(layers, "uniform", seed, -1.0, 1.0)
    return Network(layers, ["tanh"] * (len(layers) - 2) + ["sigmoid"], weights, biases)


XOR = Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
XOR_TEST = Dataset(
    [[0, 0], [0, 1], [1, 0], [1, 1]],
    [[0], [1], [1], [0]],
    test_inputs=[[0.1, 0.9], [0.9, 0.2]],
    test_targets=[[1], [1]],
)


def tiny(rows: int, width: int, slots: int = 0, n_parameters: int = 0) -> MemoryBudget:
    """A budget whose history keeps about `rows` states of that width."""
    per = MemoryBudget(1).state_bytes(n_parameters, width, slots)
    return MemoryBudget(int(rows * per / (0.6 * 0.95)) + 1)


def trainers(
    optimizer: Optimizer, mode: str, batch_size: int | None, data: Dataset, rows: int = 24
) -> tuple[Trainer, Trainer]:
    config = TrainingConfig(
        rule="backprop", learning_rate=0.3, mode=mode, batch_size=batch_size, optimizer=optimizer
    )
    network = xor_network([2, 3, 1])
    width = network.n_parameters + 1 + int(data.has_test_set)
    slots = 2 if optimizer.stateful else 0
    budget = tiny(rows, width, slots, network.n_parameters)
    plain = Trainer(network.copy(), data, config)
    small = Trainer(network.copy(), data, config, budget=budget)
    return plain, small


def assert_same(plain: Trainer, small: Trainer) -> None:
    n = len(plain.history)
    assert len(small.history) == n
    np.testing.assert_array_equal(small.history.rows(0, n), plain.history.rows_view(n))
    for step in range(n - 1, -1, -1):  # one at a time, as Back goes
        assert small.history.full_row(step).tobytes() == plain.history.full_row(step).tobytes()
    assert small.position == plain.position
    assert small.network.get_flat().tobytes() == plain.network.get_flat().tobytes()


def same(trainer: Trainer) -> Trainer:
    return trainer


def both(plain: Trainer, small: Trainer, action: str, *args: object, **kwargs: object) -> None:
    getattr(plain, action)(*args, **kwargs)
    getattr(small, action)(*args, **kwargs)


# -- sizes ----------------------------------------------------------------------------------
def test_sizes_parse_in_powers_of_1024_and_odd_ones_are_refused() -> None:
    assert parse_size("512M") == 512 << 20
    assert parse_size("2G") == 2 << 30
    assert parse_size("1.5GB") == 3 << 29
    assert parse_size("300MiB") == 300 << 20
    assert parse_size("64m") == 64 << 20
    for bad in ("", "lots", "2X", "-1G", "1K"):
        with pytest.raises(ValueError, match="memory budget"):
            parse_size(bad)
    assert format_size(120 << 20) == "120 MB"
    assert format_size(2 << 30) == "2.0 GB"


def test_the_default_is_a_fraction_of_the_memory_and_the_shares_add_up() -> None:
    budget = MemoryBudget.default()
    assert budget.total >= 16 << 20
    assert budget.history_bytes + budget.undo_bytes + budget.autosave_bytes <= budget.total
    assert budget.describe(120 << 20).startswith("history 120 MB of ")


def test_a_network_too_large_for_a_few_states_is_refused_before_anything() -> None:
    budget = MemoryBudget(parse_size("64M"))
    budget.check_network(10_000, 10_001)  # 10,000 parameters: fine
    with pytest.raises(BudgetError, match="needs a memory budget of at least"):
        budget.check_network(999 * 999 * 2, 999 * 999 * 2 + 1)


# -- the history keeps checkpoints and replays the rest exactly --------------------------------
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: f"{o.name}{'-n' * o.nesterov}")
@pytest.mark.parametrize(("mode", "batch_size"), MODES)
@pytest.mark.parametrize("data", [XOR, XOR_TEST], ids=["", "test-set"])
def test_replayed_states_equal_the_stored_ones_bit_for_bit(
    optimizer: Optimizer, mode: str, batch_size: int | None, data: Dataset
) -> None:
    plain, small = trainers(optimizer, mode, batch_size, data)
    both(plain, small, "run", 150)
    assert small.history.stored_count < len(small.history)
    assert small.history.stored_count <= (small.history.max_rows or 0)
    assert_same(plain, small)
    # Settings changed mid-run, an edit mid-run, then more training.
    both(plain, small, "set_config", learning_rate=0.1)
    both(plain, small, "run", 70)
    both(plain, small, "seek", 123)
    theta = plain.network.get_flat() + 0.25
    both(plain, small, "set_parameters", theta)
    both(plain, small, "run", 90)
    other = Optimizer("adam") if optimizer.name != "adam" else Optimizer("momentum")
    both(plain, small, "set_config", optimizer=other, mode="batch", batch_size=None)
    both(plain, small, "run", 80)
    assert small.history.stored_count < len(small.history) // 4
    assert_same(plain, small)
    # Back anywhere, then on: exactly one longer run.
    for back in (250, 200, 57, 3):
        both(plain, small, "truncate", back)
        both(plain, small, "run", 40)
        assert_same(plain, small)
    assert plain.optimizer_state().equals(small.optimizer_state())


def test_run_in_chunks_and_adopted_rows_thin_the_same_way() -> None:
    plain, small = trainers(Optimizer("adam"), "online", None, XOR, rows=10)
    for n in (1, 5, 17, 3, 300):
        both(plain, small, "run", n, None, 7)
    rows = plain.history.rows_view(len(plain.history))[1:].copy()  # as the Run worker sends
    again = Trainer(xor_network([2, 3, 1]), XOR, plain.config, budget=small.budget)
    again.adopt(rows[:100])
    again.adopt(rows[100:], optimizer_state=plain.optimizer_state())
    assert again.history.stored_count < len(again.history)
    assert_same(plain, again)


def test_undo_of_back_and_of_reset_restores_every_state() -> None:
    plain, small = trainers(Optimizer("momentum", momentum=0.9), "minibatch", 3, XOR_TEST)
    both(plain, small, "run", 200)
    changes = []
    for trainer in (plain, small):
        back = Change(partial(same, trainer), lambda t: t.truncate(37))
        back.apply()
        reset = Change(partial(same, trainer), Trainer.reset)
        reset.apply()
        changes.append((back, reset))
    both(plain, small, "run", 20)
    for back, reset in changes:
        reset.undo()
        back.undo()
    assert_same(plain, small)
    for back, reset in changes:
        back.redo()
        reset.redo()
    assert_same(plain, small)


def test_the_export_writes_every_state(tmp_path: Path) -> None:
    plain, small = trainers(Optimizer("rmsprop"), "online", None, XOR_TEST)
    both(plain, small, "run", 500)
    assert small.history.stored_count < 100
    for name in ("a.csv", "a.json"):
        plain.history.export(tmp_path / f"plain-{name}")
        small.history.export(tmp_path / f"small-{name}")
        expected = (tmp_path / f"plain-{name}").read_bytes()
        assert (tmp_path / f"small-{name}").read_bytes() == expected
    _header, values = read_csv(tmp_path / "small-a.csv")
    assert len(values) == 501


@pytest.mark.parametrize("optimizer", [Optimizer(), Optimizer("adam")])
def test_an_exports_copy_holds_a_quarter_of_the_rows_and_replays_every_state(
    optimizer: Optimizer, tmp_path: Path
) -> None:
    plain, small = trainers(optimizer, "minibatch", 3, XOR_TEST, rows=64)
    both(plain, small, "run", 300)
    both(plain, small, "set_config", learning_rate=0.1)  # a settings boundary: pinned
    both(plain, small, "run", 900)
    history = small.history
    copy = small.detached().history
    assert history.max_rows is not None
    assert copy.stored_count <= history.max_rows // 4 + 1 + len(small.optimizer_checkpoints)
    assert copy.stored_count < history.stored_count
    assert copy.stored(300)  # where the new settings start: replay starts again there
    copy.export(tmp_path / "copy.csv")
    plain.history.export(tmp_path / "plain.csv")
    assert (tmp_path / "copy.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


def test_the_history_memory_stays_within_its_share() -> None:
    network = xor_network([2, 8, 8, 1])
    config = TrainingConfig(rule="backprop", learning_rate=0.3, mode="batch")
    budget = MemoryBudget(256 << 10)  # 256 KB
    trainer = Trainer(network, XOR, config, budget=budget)
    trainer.run(50_000, callback=lambda done: None, report_every=5_000)
    assert len(trainer.history) == 50_001
    assert trainer.history.nbytes <= budget.history_bytes
    trainer.seek(23_457)  # a state not stored: replayed
    assert not trainer.history.stored(23_457)


def test_a_dense_history_is_unchanged_without_a_budget() -> None:
    history = History(["a", "b"])
    history.extend(np.arange(12.0).reshape(4, 3))
    assert history.dense
    assert history.steps.tolist() == [0, 1, 2, 3]
    assert history.rows_view(4).base is not None  # still a view


# -- the command line -----------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    import main

    try:
        code = main.main(list(argv))
    finally:
        budget_module.choose(None)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_budget_recomputes_and_exports_every_step(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    steps = "300000"  # the lecture's 4 columns: about 240,000 states fit in 16 MB
    code, _, err = cli(
        capsys, "--headless", "--memory-budget", "16M", "--steps", steps,
        "--export", str(tmp_path / "small.csv"),
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    code, _, err = cli(
        capsys, "--headless", "--steps", steps, "--export", str(tmp_path / "plain.csv")
    )
    assert code == 0, err
    assert (tmp_path / "small.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


def test_a_network_too_large_for_the_budget_is_refused_with_an_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    network = xor_network([2, 700, 700, 1])
    trainer = Trainer(network, XOR, TrainingConfig(rule="backprop", learning_rate=0.1))
    save_session(trainer, tmp_path / "big.bplab")
    code, out, err = cli(
        capsys, "--headless", str(tmp_path / "big.bplab"), "--memory-budget", "16M"
    )
    assert code == 2 and out == ""
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "needs a memory budget of at least" in err
    code, out, err = cli(capsys, "--headless", "--memory-budget", "lots")
    assert code == 2 and "--memory-budget" in err and "512M" in err


@pytest.mark.parametrize("optimizer", [Optimizer(), Optimizer("momentum")])
def test_an_export_replays_the_run_once_edits_and_all(
    optimizer: Optimizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export walks a thinned history once, however far apart its stored rows: one
    replay per gap or per block once cost a walk from the gap's start for each block
    (3.5× slower from an export's copy). An edit's row is the stored one."""
    import model.state

    plain, small = trainers(optimizer, "batch", None, XOR, rows=16)
    both(plain, small, "run", 1500)
    theta = plain.network.get_flat()
    theta[1] -= 0.5
    both(plain, small, "set_parameters", theta)  # an edit: replay does not make it
    both(plain, small, "run", 2500)
    copy = small.detached().history
    assert copy.stride > copy.cache_rows  # gaps longer than a replayed block
    replayed: list[int] = []
    advance = model.state.advance

    def counting(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        replayed.append(int(args[4]))  # n: the updates asked for
        return advance(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(model.state, "advance", counting)
    copy.export(tmp_path / "small.csv")
    assert sum(replayed) <= 4001  # every state once at most
    plain.history.export(tmp_path / "plain.csv")
    assert (tmp_path / "small.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


def test_a_run_adopted_in_small_chunks_stays_within_the_budget() -> None:
    """A Run adopts its rows a frame at a time; each chunk's last state is stored. Those
    ends once stayed, filled the budget, doubled the stride until it passed the number of
    states, and from then on the history grew past its budget without bound."""
    plain, small = trainers(Optimizer(), "batch", None, XOR, rows=64)
    worker = Trainer(plain.network.copy(), XOR, plain.config)
    worker.run(30_000)
    rows = worker.history.rows_view(30_001)[1:]
    history = small.history
    assert history.max_rows is not None
    for at in range(0, 30_000, 7):
        small.adopt(rows[at : at + 7])
        assert history.stored_count <= history.max_rows
    assert len(history) == 30_001
    assert history.stride <= 4 * 30_000 // history.max_rows  # not past the states
    assert history.capacity <= history.max_rows + 1
    for step in (1, 12_345, 29_999, 30_000):  # and every state is still reached exactly
        assert history.full_row(step).tobytes() == worker.history.full_row(step).tobytes()
