"""What the unmutated project establishes once, for every mutant: import graph, witnesses, targets.

Built in the parent process from one Slither over the reference compilation; plain data, so it
pickles to pool and Ray workers alike.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.graphs import walk
from vaultproof.prover.obligation import ModelContext
from vaultproof.results import Dependence, Verdict

_IMPORT = re.compile(r"""^\s*import\s+(?:[^;"']*?\s+from\s+)?["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class ForgePlan:
    """A built copy of the project (no optimizer) and which test files exercise which source."""

    forge: str
    template: str  # directory holding the built copy; each worker copies it once
    suites: Mapping[str, tuple[str, ...]]  # project source → test files whose imports reach it
    passing: frozenset[str]  # "file:Contract::test" that pass on the unmutated code
    env: tuple[tuple[str, str], ...] = ()  # FOUNDRY_* settings the copy runs with


@dataclass(frozen=True)
class Reach:
    """What a mutant of one function can change in the prover's context, and the sources to analyse
    to rebuild it.

    - ``code``: the contracts whose lowered code holds a copy of the function (its contract and every
      contract inheriting from it: the code project keys functions by the contract they run in);
    - ``pure``: the libraries whose lowered pure functions inline it (the function's own library and
      every library with a pure function that reaches it);
    - ``params``: constants can change (a mutant in a state variable declaration);
    - ``files``: the sources that declare all of them (the mutated file among them).
    """

    files: tuple[str, ...]
    code: tuple[str, ...] = ()
    pure: tuple[str, ...] = ()
    params: bool = False


@dataclass(frozen=True)
class Plan:
    config: Config
    imports: Mapping[str, tuple[str, ...]]  # project file → project files it imports
    witnesses: Mapping[str, tuple[str, str] | None]  # "Contract.function" → (file, concrete contract)
    targeted: Mapping[str, tuple[str, ...]]  # "Contract.function" → property ids that reach it
    model_properties: frozenset[str]
    verdicts: Mapping[str, Verdict]
    ctx: ModelContext
    stages: tuple[str, ...]  # of "proof", "detector", "forge", in that order
    forge: ForgePlan | None = None
    solc_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    # "Contract.function" → what a mutant there can change (see Reach); absent: only its own file
    reach: Mapping[str, Reach] = field(default_factory=dict)
    # property id → what its obligations read on the unmutated code (None: not recorded, re-prove)
    depends: Mapping[str, Dependence | None] = field(default_factory=dict)

    def closure(self, files: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(walk(files, lambda current: self.imports.get(current, ()))))


def import_graph(
    root: Path, files: Iterable[str], remappings: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Root-relative imports of each file, packages included (resolved through the remappings or
    ``node_modules/``), keyed by the source unit names solc gives them."""
    maps = [tuple(r.split("=", 1)) for r in remappings if "=" in r]
    base = root.resolve()
    graph: dict[str, tuple[str, ...]] = {}
    pending = sorted(set(files))
    while pending:
        relative = pending.pop()
        if relative in graph:
            continue
        path = root / relative
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            graph[relative] = ()
            continue
        found = []
        for target in _IMPORT.findall(text):
            if target.startswith("."):
                candidates = [Path(os.path.normpath(Path(relative).parent / target))]
            else:
                mapped = [
                    replacement + target[len(prefix) :]
                    for prefix, replacement in maps
                    if target.startswith(prefix)
                ]
                candidates = [Path(t) for t in (*mapped, target, f"node_modules/{target}")]
            for candidate in candidates:
                if (base / candidate).is_file():
                    found.append(candidate.as_posix())
                    break
        graph[relative] = tuple(sorted(set(found)))
        pending.extend(f for f in found if f not in graph)
    return graph


def function_key(contract: str, function: str) -> str:
    return f"{contract}.{function}"


def _callees(function: Any) -> list[Any]:
    """Functions and modifiers ``function`` calls inside the contract system (internal and library)."""
    out: list[Any] = []
    for attr in ("internal_calls", "library_calls", "modifiers"):
        for call in getattr(function, attr, ()) or ():
            target = call
            if isinstance(call, tuple):
                target = call[-1]
            target = getattr(target, "function", target)
            if hasattr(target, "nodes") and hasattr(target, "contract_declarer"):
                out.append(target)
    return out


def reachable(functions: Iterable[Any]) -> set[str]:
    """Keys of every function reachable from ``functions`` (themselves included)."""
    keys: set[str] = set()
    for fn in walk(functions, _callees, key=id):
        declarer = getattr(fn, "contract_declarer", None)
        if declarer is not None:
            keys.add(function_key(declarer.name, fn.name))
    return keys


def witnesses(slither: Any, contracts: Iterable[Any], graph: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """For each function of ``contracts``: the deployable contract whose creation bytecode contains it,
    the one with the smallest compilation closure; None when no deployable contract does (dead code)."""
    deployable = []
    for k in slither.contracts:
        path = k.source_mapping.filename.relative
        if k.is_interface or "node_modules/" in path or getattr(k, "is_abstract", False):
            continue
        if k.is_library and not any(f.visibility in ("public", "external") for f in k.functions_declared):
            continue  # an internal-only library is inlined into its callers: it has no code of its own
        entries = [f for f in k.functions_and_modifiers]
        reach = reachable(entries)
        reach |= {function_key(base.name, "(state variables)") for base in [k, *k.inheritance]}
        deployable.append((k, path, reach))

    def size(path: str) -> int:
        return len(walk([path], lambda current: graph.get(current, ())))

    out: dict[str, Any] = {}
    for contract in contracts:
        keys = {function_key(contract.name, f.name) for f in contract.functions_and_modifiers_declared}
        keys.add(function_key(contract.name, "(state variables)"))
        for key in sorted(keys):
            holders = [(size(path), path, k.name) for k, path, reach in deployable if key in reach]
            out[key] = (min(holders)[1], min(holders)[2]) if holders else None
    return out


def targeted(registry: Any, slither: Any) -> dict[str, tuple[str, ...]]:
    """Property ids per function key: a property reaches its declared targets and their callees."""
    by_key: dict[tuple[str, str], list[Any]] = {}
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers:
            by_key.setdefault((contract.name, function.name), []).append(function)
    out: dict[str, set[str]] = {}
    for decl in registry.sorted_properties():
        for target in decl.targets:
            for key in reachable(by_key.get((target.contract, target.function), [])):
                out.setdefault(key, set()).add(decl.id)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


def reaches(slither: Any, contracts: Iterable[Any], graph: Mapping[str, tuple[str, ...]]) -> dict[str, Reach]:
    """For each function of ``contracts`` (and its ``(state variables)``): its :class:`Reach`.

    A constant can be read anywhere its file is imported (folded into another contract's constants, its
    functions, the pure functions of other libraries): a state-variable mutant analyses every project
    source whose imports reach the mutated file, and re-reads every constant.
    """
    own = [
        k
        for k in slither.contracts
        if "node_modules/" not in k.source_mapping.filename.relative and not k.is_interface
    ]
    pure_reach: list[tuple[str, set[str]]] = []
    for library in own:
        if not library.is_library:
            continue
        for fn in library.functions_declared:
            if fn.pure and fn.visibility in ("internal", "private"):
                pure_reach.append((library.name, reachable([fn])))
    file_of = {k.name: k.source_mapping.filename.relative for k in own}

    def importers(path: str) -> set[str]:
        found = {path}
        changed = True
        while changed:
            changed = False
            for source, imports in graph.items():
                if source not in found and found & set(imports):
                    found.add(source)
                    changed = True
        return found

    out: dict[str, Reach] = {}
    for contract in contracts:
        path = contract.source_mapping.filename.relative
        holders = sorted({contract.name, *(d.name for d in contract.derived_contracts if d.name in file_of)})
        state = function_key(contract.name, "(state variables)")
        everyone = sorted(f for f in importers(path) if f in set(file_of.values()))
        out[state] = Reach(
            files=tuple(everyone),
            code=tuple(sorted(k.name for k in own if file_of[k.name] in everyone)),
            pure=tuple(sorted({k.name for k in own if k.is_library and file_of[k.name] in everyone})),
            params=True,
        )
        for fn in contract.functions_and_modifiers_declared:
            key = function_key(contract.name, fn.name)
            libraries = sorted({lib for lib, reach in pure_reach if key in reach})
            files = sorted({path, *(file_of[n] for n in (*holders, *libraries))})
            out[key] = Reach(files=tuple(files), code=tuple(holders), pure=tuple(libraries))
    return out
