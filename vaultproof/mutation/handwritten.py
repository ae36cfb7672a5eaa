"""Mutation campaign: seeded bugs in the contracts must be caught by the harness (SPEC §4.5).

A protocol declares its mutants in a TOML file (``[prove] mutants = ...``): each one is a single
textual edit of one Solidity file that breaks one property family. A mutant runs on the same incremental
path as the generated ones (:mod:`vaultproof.mutation.attribute`): one AST-only compile of the closure the
proofs need re-lowered, through a long-lived solc-js, one Slither over it, the family's properties proved
again only where their dependence set contains what the edit changed (the others keep the unmutated
verdict), and for a static family every detector over the closure against the same closure unmutated.

The mutant is *killed* when a property's verdict is worse than the unmutated run's
(:meth:`Verdict.worse_than`) and decided (:attr:`Verdict.decided`: an UNKNOWN or ERROR on the mutant
says nothing of the property), a declared target vanished, or a new static finding appears. A mutant that
does not compile is reported as stillborn, never counted as killed; one that nothing killed while a
property could not be decided on it is UNDECIDED, and out of the score.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import ConfigError
from vaultproof.executor import Executor
from vaultproof.mutation.attribute import (
    Worker,
    _compile,
    _detectors,
    _proof,
    _sources,
    _with_ast,
    analysed_files,
    setup_worker,
)
from vaultproof.mutation.generate import GeneratedMutant, _enclosing
from vaultproof.mutation.plan import Plan
from vaultproof.mutation.solc import errors
from vaultproof.prover.registry import Registry
from vaultproof.results import MutantOutcome, MutantResult, Verdict

_FIELDS = ("id", "family", "file", "find", "replace", "description")


@dataclass(frozen=True)
class Mutant:
    id: str
    family: str
    file: str
    find: str
    replace: str
    description: str


@dataclass(frozen=True)
class Reference:
    """What the unmutated run established: the bar every mutant is measured against."""

    verdicts: Mapping[str, Verdict]
    # The unmutated run's static findings. A mutant's detector results are compared with the same
    # closure unmutated instead (a closure leaves out contracts a whole-project finding may need).
    static_fingerprints: frozenset[str] = frozenset()


def load_mutants(path: Path) -> tuple[Mutant, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mutants file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    entries = data.get("mutant", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected one or more [[mutant]] tables")
    mutants = []
    for index, entry in enumerate(entries):
        # ``replace`` may be empty (a mutant that deletes a statement); every other field is required text.
        missing = [
            f for f in _FIELDS if not isinstance(entry.get(f), str) or (not entry[f] and f != "replace")
        ]
        if missing:
            raise ConfigError(f"{path}: mutant #{index + 1} is missing {', '.join(missing)}")
        mutants.append(Mutant(**{f: entry[f] for f in _FIELDS}))
    ids = [m.id for m in mutants]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: duplicate mutant ids")
    return tuple(sorted(mutants, key=lambda m: m.id))


def _check_edit_applies(config: Config, mutant: Mutant) -> None:
    """The edit must hit a compiled source exactly once; otherwise the contract moved under the mutant."""
    source = config.root / mutant.file
    compiled = any(
        source.resolve() == (config.root / s).resolve()
        or (config.root / s).resolve() in source.resolve().parents
        for s in config.sources
    )
    if not compiled or not source.is_file():
        raise ConfigError(f"mutant {mutant.id}: file {mutant.file} is not among the compiled sources")
    occurrences = source.read_text(encoding="utf-8").count(mutant.find)
    if occurrences != 1:
        raise ConfigError(
            f"mutant {mutant.id}: the edit must match exactly once in {mutant.file}, found {occurrences} "
            "(the contract changed: update the mutant)"
        )


def _family_ids(registry: Registry, family: str) -> tuple[str, ...]:
    return tuple(p.id for p in registry.model_properties() if p.family == family)


def _static_family(registry: Registry, family: str) -> bool:
    return any(p.family == family for p in registry.static_properties())


@dataclass(frozen=True)
class _Item:
    """One hand-written mutant as a worker runs it: the edit as a patch, and what measures it."""

    mutant: Mutant
    patch: GeneratedMutant
    family_ids: tuple[str, ...]
    static: bool


def as_patch(config: Config, slither: Any, mutant: Mutant) -> GeneratedMutant:
    """The edit as a byte patch, placed in the function that holds it (Slither of the unmutated code),
    so that it is re-lowered and re-analysed exactly like a generated mutant there."""
    _check_edit_applies(config, mutant)
    original = (config.root / mutant.file).read_bytes()
    start = original.index(mutant.find.encode("utf-8"))
    end = start + len(mutant.find.encode("utf-8"))
    contract, function = "", ""
    for candidate in slither.contracts:
        mapping = candidate.source_mapping
        if mapping.filename.relative != mutant.file or not (
            mapping.start <= start < mapping.start + mapping.length
        ):
            continue
        contract = candidate.name
        function = _enclosing(candidate, start, end)[0]
    return GeneratedMutant(
        id=mutant.id,
        operator="handwritten",
        contract=contract,
        function=function,
        file=mutant.file,
        start=start,
        end=end,
        replacement=mutant.replace,
        line=original[:start].count(b"\n") + 1,
        before=mutant.find,
        after=mutant.replace,
    )


def _target_vanished(registry: Registry, ids: Iterable[str], slither: Any) -> bool:
    """A declared target of one of ``ids`` whose contract is in the mutant's Slither but no longer has it."""
    declared = {c.name: {f.name for f in c.functions_and_modifiers} for c in slither.contracts}
    return any(
        t.contract in declared and t.function not in declared[t.contract]
        for pid in ids
        for t in registry.properties[pid].targets
    )


def run_item(worker: Worker, item: _Item) -> MutantResult | None:
    """Worker task: None for a stillborn mutant (it does not compile)."""
    from vaultproof.mutation.slither_unit import slither_of

    patch = item.patch
    analysed = analysed_files(worker.plan, patch)
    sources = _sources(worker, analysed, patch)
    output = _compile(worker, sources, analysed, {})
    if errors(output):
        return None
    _, slither = slither_of(_with_ast(output), worker.solc.version, worker.plan.config.root, sources)
    killed_by: list[str] = []
    reproved: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()
    if item.family_ids:
        if _target_vanished(worker.registry, item.family_ids, slither):
            killed_by.append("registry: a declared target no longer exists")
        else:
            verdicts = _proof(worker, patch, slither, only=item.family_ids)
            killed_by += [k.split(" (")[0] for k in verdicts.killed]
            reproved, undecided = verdicts.reproved, verdicts.undecided
    if item.static:
        killed_by += [k.split(" (")[0] for k in _detectors(worker, slither, analysed)]
    mutant = item.mutant
    return MutantResult(
        mutant_id=mutant.id,
        family=mutant.family,
        description=mutant.description,
        killed=bool(killed_by),
        killed_by=tuple(sorted(set(killed_by))),
        outcome=MutantOutcome.UNDECIDED if undecided and not killed_by else None,
        reproved=reproved,
        undecided=undecided,
    )


def run_mutants(
    config: Config,
    registry: Registry,
    console: Console,
    reference: Reference,
    mutants: Iterable[Mutant] | None = None,
    jobs: int = 2,
    executor: Executor | None = None,
    planned: tuple[Plan, Any] | None = None,
) -> tuple[MutantResult, ...]:
    """Run every mutant on ``executor`` (default: a local pool of ``jobs`` processes).

    ``planned``: the campaign's plan and the unmutated Slither, when the caller built them (the pipeline
    does, once for both campaigns); else built here from one AST-only compile. Results and progress
    lines come in mutant-id order whatever finishes first.
    """
    from vaultproof.executor import PoolExecutor
    from vaultproof.mutation.campaign import build_plan

    if mutants is None:
        if not config.mutants_dir:
            return ()
        mutants = load_mutants(config.path(config.mutants_dir))
    ordered = sorted(mutants, key=lambda m: m.id)
    for mutant in ordered:  # a stale edit is bad input: fail before any compile
        _check_edit_applies(config, mutant)
    if not ordered:
        return ()
    if planned is None:
        planned = build_plan(config, ("proof", "detector"), console, verdicts=reference.verdicts)
    plan, slither = planned
    items = [
        _Item(
            m,
            as_patch(config, slither, m),
            _family_ids(registry, m.family),
            _static_family(registry, m.family),
        )
        for m in ordered
    ]
    executor = executor or PoolExecutor(jobs)
    reported: list[MutantResult] = []

    def report(result: MutantResult | None) -> None:  # as each result arrives, in mutant-id order
        reported.append(_report(console, len(reported) + 1, len(ordered), ordered[len(reported)], result))

    executor.map(setup_worker, plan, run_item, items, on_result=report)
    return tuple(reported)


def _report(
    console: Console, index: int, total: int, mutant: Mutant, result: MutantResult | None
) -> MutantResult:
    if result is None:
        console.step(f"mutants [{index}/{total}] {mutant.id}: stillborn (does not compile)")
        return MutantResult(mutant.id, mutant.family, mutant.description + " (does not compile)", False, ())
    state = "killed by " + ", ".join(result.killed_by) if result.killed else "SURVIVED"
    if result.outcome is MutantOutcome.UNDECIDED:
        state = "UNDECIDED"
    if result.undecided:
        state += f" (not decided: {', '.join(result.undecided)})"
    console.step(f"mutants [{index}/{total}] {mutant.id} ({mutant.family}): {state}")
    return result
