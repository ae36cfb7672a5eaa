"""Reachability over a graph given by a successor function: the one walk behind "which nodes can run after
this one", "which functions does this reach", "which files does this import, transitively"."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def walk(
    starts: Iterable[T], successors: Callable[[T], Iterable[T]], key: Callable[[T], Hashable] | None = None
) -> list[T]:
    """``starts`` and everything reachable from them, each once (told apart by ``key``, by default the item
    itself), in depth-first discovery order: the last start first, a node's last successor first."""
    seen: set[Hashable] = set()
    order: list[T] = []
    stack = list(starts)
    while stack:
        item = stack.pop()
        tag = item if key is None else key(item)
        if tag in seen:
            continue
        seen.add(tag)
        order.append(item)
        stack.extend(successors(item))
    return order
