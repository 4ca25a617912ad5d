"""A handout of one step (or a range of steps): what a teacher takes home or prints.

`handout_html` is one standalone HTML page: the settings and the data, the network
picture before the first step, each step's arithmetic as the explanation shows it
(`to_html`), and the curves of the error and the parameters, the pictures embedded as
data: URIs (PNG bytes drawn by the window's own views, gui/handout.py). The same page is
printed to PDF by Qt's rich text, so it keeps to that subset of HTML.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from model.config import TrainingConfig
from model.explain import explain_step, to_html
from model.explain.units import unit_names
from model.losses import get_loss
from model.numbers import format_number
from model.state import Trainer

MAX_HANDOUT_STEPS = 50  # steps on one handout
DATA_ROWS = 12  # samples listed in the settings
_RANGE = re.compile(r"^\s*(\d+)\s*(?:(?::|\.\.|-)\s*(\d+)\s*)?$")


@dataclass(frozen=True)
class Figure:
    """A picture for the handout: PNG bytes, a title above it and a caption under it."""

    title: str
    png: bytes
    caption: str = ""
    width: int = 640  # as wide on the page, in CSS pixels


def parse_steps(text: str) -> tuple[int, int]:
    """ "A:B" (also "A..B", "A-B") or "K": the first and last step; ValueError otherwise."""
    match = _RANGE.match(text)
    if match is None:
        raise ValueError(f"expected A:B, the first and last step (e.g. 1:5), got {text!r}")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    return first, last


def check_steps(first: int, last: int, recorded: int) -> None:
    """ValueError unless 1 ≤ first ≤ last ≤ recorded and the range fits on a handout."""
    if recorded < 1:
        raise ValueError("no step has been taken yet: there is nothing to put on a handout")
    if not 1 <= first <= last <= recorded:
        raise ValueError(
            f"steps {first} to {last} are not recorded: choose steps from 1 to {recorded}"
        )
    if last - first + 1 > MAX_HANDOUT_STEPS:
        raise ValueError(
            f"{last - first + 1} steps are more than a handout holds ({MAX_HANDOUT_STEPS})"
        )


def steps_title(first: int, last: int) -> str:
    return f"step {first}" if first == last else f"steps {first} to {last}"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def settings_rows(trainer: Trainer, config: TrainingConfig) -> list[tuple[str, str]]:
    """(setting, value) of the network and the training, as the handout lists them."""
    network = trainer.network
    rule = (
        "the lecture's delta rule W(n+1) = W(n) + η[d − Y]X"
        if config.rule == "delta"
        else "backpropagation (the chain rule)"
    )
    mode = {"online": "online: one sample per step", "batch": "batch: all samples per step"}
    rows = [
        ("network", "-".join(map(str, network.layers)) + f" ({', '.join(network.activations)})"),
        ("rule", rule),
        ("loss", f"{get_loss(config.loss).label}: {get_loss(config.loss).formula}"),
        ("learning rate η", format_number(config.learning_rate)),
        ("mode", mode.get(config.mode, f"mini-batches of {config.batch_size} samples")),
        ("biases learn", "yes" if config.update_biases else "no (frozen)"),
    ]
    if config.optimizer.name != "sgd":
        values = ", ".join(f"{k} = {v}" for k, v in config.optimizer.settings().items())
        rows.append(("optimizer", f"{config.optimizer.name} ({values})"))
    if config.l1 or config.l2:
        rows.append(
            ("penalties", f"L1 = {format_number(config.l1)}, L2 = {format_number(config.l2)}")
        )
    rows.append(("samples", str(trainer.data.n_samples)))
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table border="1" cellspacing="0" cellpadding="3"><tr>{head}</tr>{body}</table>'


def _data_table(trainer: Trainer) -> str:
    data = trainer.data
    units = unit_names(trainer.network.layers)
    n_out = data.targets.shape[1]
    targets = ["d"] if n_out == 1 else [f"d{k}" for k in range(1, n_out + 1)]
    rows = [
        [str(p + 1)]
        + [format_number(float(v)) for v in data.inputs[p]]
        + [format_number(float(v)) for v in data.targets[p]]
        for p in range(min(data.n_samples, DATA_ROWS))
    ]
    table = _table(["sample", *units[0], *targets], rows)
    if data.n_samples > DATA_ROWS:
        table += f"<p>… and {data.n_samples - DATA_ROWS} more samples.</p>"
    return table


def _figure(figure: Figure) -> str:
    caption = f"<p><i>{html.escape(figure.caption)}</i></p>" if figure.caption else ""
    return (
        f"<p><b>{html.escape(figure.title)}</b></p>"
        f'<p><img src="{data_uri(figure.png)}" width="{figure.width}" '
        f'alt="{html.escape(figure.title)}"/></p>{caption}'
    )


def _section(title: str, figures: Sequence[Figure], new_page: bool = False) -> list[str]:
    if not figures:
        return []
    style = ' style="page-break-before: always"' if new_page else ""
    return [f"<h2{style}>{html.escape(title)}</h2>", *(_figure(f) for f in figures)]


def handout_html(
    trainer: Trainer,
    title: str,
    first: int,
    last: int,
    before: Sequence[Figure] = (),
    after: Sequence[Figure] = (),
) -> str:
    """The handout of steps `first` … `last` (recorded steps of `trainer`): the settings,
    the figures `before` the arithmetic (the network), each step worked out, the figures
    `after` it (the curves)."""
    check_steps(first, last, trainer.last_step)
    heading = f"{title or 'Backprop Lab'}: {steps_title(first, last)}"
    config = trainer.config_for_step(first)
    parts = [
        f"<h1>{html.escape(heading)}</h1>",
        f"<p>Backprop Lab handout: {steps_title(first, last)} of the {trainer.last_step} "
        "recorded, with every number of the forward pass, the error, the update and the "
        "new parameters (9 decimals, as in the lecture).</p>",
        "<h2>Settings</h2>",
        _table(["setting", "value"], settings_rows(trainer, config)),
        "<h2>Data</h2>",
        _data_table(trainer),
    ]
    parts += _section(f"The network before step {first}", before)
    for step in range(first, last + 1):  # printed, each step on a page of its own
        explained = to_html(explain_step(trainer, step))
        parts.append(f'<div style="page-break-before: always">{explained}</div>')
    parts += _section("The error and the parameters over the run", after, new_page=True)
    return page(heading, "\n".join(parts))


STYLE = (
    "body{font-family:'DejaVu Sans',sans-serif;max-width:52em;margin:2em auto;padding:0 1em}"
    "h1{font-size:150%}h2{font-size:125%;margin-top:1.2em}"
    "table{border-collapse:collapse}th,td{padding:2px 6px}img{max-width:100%;height:auto}"
)


def page(title: str, body: str) -> str:
    """A standalone HTML page (UTF-8, its style inline)."""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
