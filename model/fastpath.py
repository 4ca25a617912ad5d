"""Plain-float twin of the numpy engine for small networks (being written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.network import Network
    from model.training import Trainer


def suitable(network: Network) -> bool:
    return False


def advance(trainer: Trainer, n: int) -> int:
    raise NotImplementedError
