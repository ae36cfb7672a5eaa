"""What a property's obligations were built from, recorded while they are built (the dependence set).

A property's obligations are a function of its model code and of the :class:`ModelContext` it reads:
the folded constants (``params``), the lowered pure library functions (``functions``) and the lowered
project (``code``). :func:`recording` hands the model a context whose three parts remember every key
read; the prover attaches the resulting :class:`Dependence` to the property's result.

The mutation campaign uses it to prove per mutant only what can change (:func:`affected`): a mutant
changes some entries of the context (the lowered functions of the mutated code, the constants it
declares); a property none of whose recorded reads is among them builds, on the mutant, exactly the
obligations it built on the unmutated code — same terms, same solver, same verdict — so the reference
verdict is reused for it. Whatever is not recorded precisely makes the dependence total (``everything``):
a model that iterates a part of the context, or a read of the code that bypasses the lookups.

What this asks of a model: read the code only through its context (``ctx.param``, ``ctx.functions``,
``ctx.code``) while its obligations are built, and keep nothing from one property to the next (a cache
of executions shared by two properties would hide the second one's reads).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vaultproof.prover.obligation import ModelContext
from vaultproof.results import Dependence


@dataclass(frozen=True)
class Change:
    """Keys of the context a mutant changed (same key spaces as :class:`Dependence`)."""

    params: frozenset[str] = frozenset()
    pure: frozenset[str] = frozenset()
    code: frozenset[str] = frozenset()
    contracts: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.params or self.pure or self.code or self.contracts)


def affected(depends: Dependence | None, change: Change) -> bool:
    """Can the property's obligations differ on the changed context? Unknown dependence: yes."""
    if change.empty:
        return False
    if depends is None or depends.everything:
        return True
    return bool(
        depends.params & change.params
        or depends.pure & change.pure
        or depends.code & change.code
        or depends.contracts & change.contracts
    )


# Slither numbers its IR temporaries with counters that run over a whole compilation: one function
# lowered from two compilations (the whole project, a mutant's closure) differs in those names only.
_TEMPORARY = re.compile(r"\b(TMP|REF|TUPLE)_(\d+)\b")


def canonical(entry: Any) -> str:
    """``repr(entry)`` with the IR temporaries renamed by order of first appearance: two lowered
    functions are the same code exactly when their canonical texts are equal (a consistent renaming of
    function-local temporaries changes no execution)."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return names.setdefault(match.group(0), f"{match.group(1)}_#{len(names)}")

    return _TEMPORARY.sub(rename, repr(entry))


def _same(a: Any, b: Any, up_to_renaming: bool) -> bool:
    return a == b or (up_to_renaming and canonical(a) == canonical(b))


def _diff(before: Mapping[str, Any], after: Mapping[str, Any], up_to_renaming: bool) -> frozenset[str]:
    return frozenset(
        key
        for key in set(before) | set(after)
        if key not in before or key not in after or not _same(before[key], after[key], up_to_renaming)
    )


def change_between(before: ModelContext, after: ModelContext) -> Change:
    """Every key whose entry differs between two contexts (added and removed keys included); lowered
    functions are compared up to the renaming of IR temporaries (:func:`canonical`)."""
    code_before = dict(getattr(before.code, "functions", ()) or ())
    code_after = dict(getattr(after.code, "functions", ()) or ())
    contracts_before = dict(getattr(before.code, "contracts", ()) or ())
    contracts_after = dict(getattr(after.code, "contracts", ()) or ())
    return Change(
        params=_diff(before.params, after.params, False),
        pure=_diff(before.functions, after.functions, True),
        code=_diff(code_before, code_after, True),
        contracts=_diff(contracts_before, contracts_after, False),
    )


@dataclass
class _Reads:
    params: set[str] = field(default_factory=set)
    pure: set[str] = field(default_factory=set)
    code: set[str] = field(default_factory=set)
    contracts: set[str] = field(default_factory=set)
    everything: bool = False

    def freeze(self) -> Dependence:
        return Dependence(
            frozenset(self.params),
            frozenset(self.pure),
            frozenset(self.code),
            frozenset(self.contracts),
            self.everything,
        )


class _RecordingMap(Mapping[str, Any]):
    """A read-only view that remembers each key asked for; enumerating it reads everything."""

    def __init__(self, inner: Mapping[str, Any], seen: set[str], reads: _Reads) -> None:
        self._inner = inner
        self._seen = seen
        self._reads = reads

    def __getitem__(self, key: str) -> Any:
        self._seen.add(key)
        return self._inner[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._seen.add(key)
        return key in self._inner

    def __iter__(self) -> Iterator[str]:
        self._reads.everything = True
        return iter(self._inner)

    def __len__(self) -> int:
        # Emptiness is read ("a hand-built context without functions"): the same on every mutant of a
        # compiled project, where these maps are never empty, so it is not a dependence.
        return len(self._inner)


class _RecordingIndex(dict[str, Any]):
    """The lowered project's lookup tables (``CodeProject._index`` / ``_contract_index``), remembering
    each key looked up. Every read of the lowered code by the executor goes through one of these
    (``contract()``, ``function()``, ``entry()`` and ``storage_accessors()``'s ``_index.get``)."""

    def __init__(self, inner: Mapping[str, Any], seen: set[str], reads: _Reads) -> None:
        super().__init__(inner)
        self._seen = seen
        self._reads = reads

    def get(self, key: str, default: Any = None) -> Any:
        self._seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._seen.add(key)
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._reads.everything = True
        return super().__iter__()

    def keys(self) -> Any:
        self._reads.everything = True
        return super().keys()

    def values(self) -> Any:
        self._reads.everything = True
        return super().values()

    def items(self) -> Any:
        self._reads.everything = True
        return super().items()


class _WatchedTuple(tuple[Any, ...]):
    """The lowered project's ``functions`` / ``contracts`` tuples: walking them reads everything."""

    _reads: _Reads

    def __iter__(self) -> Iterator[Any]:
        self._reads.everything = True
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        self._reads.everything = True
        return super().__getitem__(index)


def _watched_tuple(items: tuple[Any, ...], reads: _Reads) -> _WatchedTuple:
    watched = _WatchedTuple(items)
    watched._reads = reads
    return watched


def _recording_code(code: Any, reads: _Reads) -> Any:
    index = getattr(code, "_index", None)
    contract_index = getattr(code, "_contract_index", None)
    if not isinstance(index, dict) or not isinstance(contract_index, dict):
        reads.everything = True  # a code object this module does not know how to watch
        return code
    watched = copy.copy(code)  # shallow: the lowered functions are shared, only the lookups are wrapped
    object.__setattr__(watched, "_index", _RecordingIndex(index, reads.code, reads))
    object.__setattr__(watched, "_contract_index", _RecordingIndex(contract_index, reads.contracts, reads))
    for name in ("functions", "contracts"):
        object.__setattr__(watched, name, _watched_tuple(tuple(getattr(code, name)), reads))
    return watched


def recording(ctx: ModelContext) -> tuple[ModelContext, Any]:
    """``ctx`` with every read remembered, and a thunk returning what was read so far.

    Walking any part of it (the maps, the lowered project's lookup tables or its ``functions`` /
    ``contracts`` tuples) marks the dependence total: it cannot say which entries mattered.
    """
    reads = _Reads()
    watched = dataclasses.replace(
        ctx,
        params=_RecordingMap(ctx.params, reads.params, reads),
        functions=_RecordingMap(ctx.functions, reads.pure, reads),
        code=_recording_code(ctx.code, reads) if ctx.code is not None else None,
    )
    return watched, reads.freeze
