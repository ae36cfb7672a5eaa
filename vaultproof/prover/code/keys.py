"""One key per SlithIR variable of a function being lowered: its name, or ``name#2``, ``name#3`` … when
several variables of the function share a name (shadowed locals, unnamed returns read as ``ret``).

Both lowerings (pure functions in ``lower.py``, stateful code in ``lower_program.py``) name their locals
this way, so a counterexample's value names mean the same in either.

SlithIR's temporaries (``TMP_n``, ``REF_n``, ``TUPLE_n``) are renumbered the same way, per function: Slither
numbers them across a whole compilation unit, so the raw number depends on what else was compiled and in
which order (a full build, an AST-only build, a twin's). Those names reach Z3, whose normal forms order
terms by name, so one function could cost a non-linear query 26 M rlimit from one build and 196 M from
another. Renumbered, a function lowers to the same code, and the same queries, from any build."""

from __future__ import annotations

import re
from typing import Any

_RAW_TEMPORARY = re.compile(r"\b(?:TMP|REF|TUPLE)_\d+\b")


class LocalKeys:
    """The keys handed out so far; a variable object keeps the key it was first given."""

    def __init__(self) -> None:
        self._by_variable: dict[int, str] = {}
        self._used: set[str] = set()
        self._temporaries: dict[str, str] = {}
        self._per_kind: dict[str, int] = {}

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

    def temporary(self, variable: Any) -> str:
        """``TMP_0``, ``TMP_1`` … (``REF_``, ``TUPLE_`` likewise) in the order the lowering first meets
        them. Keyed by Slither's own name, which is unique within a compilation unit."""
        return self._temporary(str(variable))

    def renumbered(self, text: str) -> str:
        """``text`` (an IR line quoted in an error) with the temporaries it names renumbered as above."""
        return _RAW_TEMPORARY.sub(lambda match: self._temporary(match.group(0)), text)

    def _temporary(self, raw: str) -> str:
        key = self._temporaries.get(raw)
        if key is None:
            kind = raw.rsplit("_", 1)[0]
            number = self._per_kind.get(kind, 0)
            self._per_kind[kind] = number + 1
            key = f"{kind}_{number}"
            self._temporaries[raw] = key
        return key
