"""A session's optional "comparison" (docs/file-formats.md, "Compared runs"): the step the
compared runs were forked at and each run's settings. The runs' states are not stored:
training is deterministic, so they are trained again, bit for bit, when it is opened."""

from __future__ import annotations

from collections.abc import Mapping

from model.comparison import MAX_RUNS, ComparisonPlan, RunPlan
from model.session.errors import SessionError
from model.session.fields import expect_list, is_whole_number
from model.session.messages import describe
from model.session.sections import read_activations, read_training


def read_comparison(value: object, depth: int, n_states: int) -> ComparisonPlan:
    """`comparison`: {"origin": step, "runs": [{"training", "activations", "seed"}, ...]}
    for a network of `depth` layers whose history has `n_states` states (1: none)."""
    if not isinstance(value, Mapping):
        raise SessionError("comparison", f"expected an object {{...}}, got {describe(value)}")
    origin = value.get("origin", 0)
    if not is_whole_number(origin) or not 0 <= origin < n_states:
        raise SessionError(
            "comparison.origin",
            f"expected a step of the history (0..{n_states - 1}), got {describe(origin)}",
        )
    runs = expect_list(value.get("runs"), "comparison.runs", "a list of runs")
    if not 1 <= len(runs) <= MAX_RUNS - 1:
        raise SessionError(
            "comparison.runs", f"expected 1 to {MAX_RUNS - 1} runs besides run 1, got {len(runs)}"
        )
    return ComparisonPlan(
        int(origin),
        tuple(_read_run(run, f"comparison.runs[{i}]", depth) for i, run in enumerate(runs)),
    )


def _read_run(value: object, where: str, depth: int) -> RunPlan:
    if not isinstance(value, Mapping):
        raise SessionError(where, f"expected an object {{...}}, got {describe(value)}")
    training = value.get("training")
    if not isinstance(training, Mapping):
        raise SessionError(f"{where}.training", f"expected an object, got {describe(training)}")
    try:
        config = read_training(training)
        activations = read_activations(value.get("activations"), depth)
    except SessionError as error:  # its field names the section alone: say which run
        field = error.field.removeprefix("network.")
        raise SessionError(f"{where}.{field}", error.message) from None
    seed = value.get("seed")
    if seed is not None and (not is_whole_number(seed) or seed < 0):
        raise SessionError(
            f"{where}.seed", f"expected a whole number ≥ 0 or null, got {describe(seed)}"
        )
    return RunPlan(config, tuple(activations), None if seed is None else int(seed))
