"""Mutation campaign: seeded bugs in the contracts must be caught by the harness (SPEC §4.5).

A protocol declares its mutants in a TOML file (``[prove] mutants = ...``): each one is a single
textual edit of one Solidity file that breaks one property family. For every mutant the project
is copied, edited, recompiled, and the family's properties (and, for static families, the
detectors) are re-run. The mutant is *killed* when a property's verdict is worse than the unmutated
run's (``Verdict.rank``: PROVED → anything else, or MODEL-ONLY → VIOLATED), a declared target
vanished, or a new static finding appears. A mutant that does not compile is reported as
stillborn, never counted as killed.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from vaultproof.compile import compile_project
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import CompileError, ConfigError, RegistryError
from vaultproof.prover.registry import Registry
from vaultproof.results import MutantResult, Verdict

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
    static_fingerprints: frozenset[str]


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


def _mutated_copy(config: Config, mutant: Mutant, workdir: Path) -> Config:
    """Copy the sources into ``workdir``, apply the edit, link shared tooling; return the config there."""
    _check_edit_applies(config, mutant)
    for source in config.sources:
        src = config.root / source
        if src.is_dir():
            shutil.copytree(src, workdir / source)
        else:
            (workdir / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, workdir / source)
    for shared in ("node_modules", "tools"):
        if (config.root / shared).exists():
            os.symlink(config.root / shared, workdir / shared)
    target = workdir / mutant.file
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(mutant.find, mutant.replace), encoding="utf-8")
    # Only the sources are copied: project files the stages read (the triage file) stay anchored at the
    # original root, so the static stage of a mutant is triaged exactly like the reference run.
    triage = str(config.path(config.triage_file)) if config.triage_file else None
    return replace(config, root=workdir, triage_file=triage)


def _family_ids(registry: Registry, family: str) -> tuple[str, ...]:
    return tuple(p.id for p in registry.model_properties() if p.family == family)


def _static_family(registry: Registry, family: str) -> bool:
    return any(p.family == family for p in registry.static_properties())


def run_mutant(
    config: Config, registry: Registry, mutant: Mutant, reference: Reference, jobs: int
) -> MutantResult | None:
    """Returns None for a stillborn mutant (it does not compile)."""
    from vaultproof.analysis import run_analysis
    from vaultproof.prover.prove import prove

    quiet = Console(quiet=True)
    with tempfile.TemporaryDirectory(prefix=f"vaultproof-{mutant.id}-") as tmp:
        mutated = _mutated_copy(config, mutant, Path(tmp))
        try:
            project = compile_project(mutated)
        except CompileError:
            return None
        killed_by: list[str] = []
        ids = _family_ids(registry, mutant.family)
        if ids:
            try:
                outcome = prove(project, registry, quiet, jobs=jobs, only=ids)
                killed_by += [
                    r.property_id
                    for r in outcome.properties
                    if r.property_id in reference.verdicts
                    and reference.verdicts[r.property_id] is not Verdict.ERROR
                    and r.verdict.rank > reference.verdicts[r.property_id].rank
                ]
            except RegistryError:
                killed_by.append("registry: a declared target no longer exists")
        if _static_family(registry, mutant.family):
            analysis = run_analysis(project, registry, quiet)
            killed_by += sorted(
                {
                    f"{f.detector}"
                    for f in analysis.findings
                    if f.fingerprint not in reference.static_fingerprints
                }
            )
    return MutantResult(
        mutant_id=mutant.id,
        family=mutant.family,
        description=mutant.description,
        killed=bool(killed_by),
        killed_by=tuple(sorted(set(killed_by))),
    )


def _run_mutant_in_worker(config: Config, mutant: Mutant, reference: Reference) -> MutantResult | None:
    """Pool entry point: the registry is re-read by module name (its closures do not pickle)."""
    from vaultproof.prover.runner import load_registry

    return run_mutant(config, load_registry(config.properties_module, config.root), mutant, reference, jobs=1)


def run_mutants(
    config: Config,
    registry: Registry,
    console: Console,
    reference: Reference,
    mutants: Iterable[Mutant] | None = None,
    jobs: int = 2,
) -> tuple[MutantResult, ...]:
    """Run every mutant; with ``jobs`` > 1 the mutants (each a full recompile) run side by side.

    Results and progress lines come in mutant-id order whatever finishes first.
    """
    if mutants is None:
        if not config.mutants_dir:
            return ()
        mutants = load_mutants(config.path(config.mutants_dir))
    ordered = sorted(mutants, key=lambda m: m.id)
    for mutant in ordered:  # a stale edit is bad input: fail before minutes of recompiling
        _check_edit_applies(config, mutant)
    if jobs > 1 and len(ordered) > 1:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_run_mutant_in_worker, config, m, reference) for m in ordered]
            outcomes = [
                _report(console, i, len(ordered), m, f.result())
                for i, (m, f) in enumerate(zip(ordered, futures, strict=True), 1)
            ]
    else:
        outcomes = [
            _report(console, i, len(ordered), m, run_mutant(config, registry, m, reference, jobs))
            for i, m in enumerate(ordered, 1)
        ]
    return tuple(outcomes)


def _report(
    console: Console, index: int, total: int, mutant: Mutant, result: MutantResult | None
) -> MutantResult:
    if result is None:
        console.step(f"mutants [{index}/{total}] {mutant.id}: stillborn (does not compile)")
        return MutantResult(mutant.id, mutant.family, mutant.description + " (does not compile)", False, ())
    state = "killed by " + ", ".join(result.killed_by) if result.killed else "SURVIVED"
    console.step(f"mutants [{index}/{total}] {mutant.id} ({mutant.family}): {state}")
    return result
