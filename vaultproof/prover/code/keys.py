"""One key per SlithIR variable of a function being lowered: its name, or ``name#2``, ``name#3`` … when
several variables of the function share a name (shadowed locals, unnamed returns read as ``ret``).

Both lowerings (pure functions in ``lower.py``, stateful code in ``lower_program.py``) name their locals
this way, so a counterexample's value names mean the same in either."""

from __future__ import annotations

from typing import Any


class LocalKeys:
    """The keys handed out so far; a variable object keeps the key it was first given."""

    def __init__(self) -> None:
        self._by_variable: dict[int, str] = {}
        self._used: set[str] = set()

    def key(self, variable: Any) -> str:
        key = self._by_variable.get(id(variable))
        if key is None:
            base = variable.name or "ret"
            key = base
            suffix = 1
            while key in self._used:
                suffix += 1
                key = f"{base}#{suffix}"
            self._by_variable[id(variable)] = key
            self._used.add(key)
        return key
