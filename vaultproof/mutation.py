"""Mutation campaign: seeded bugs in the contracts must be caught by the harness (SPEC §4.5).

A protocol declares its mutants in a TOML file (``[prove] mutants = ...``): each one is a single
textual edit of one Solidity file that breaks one property family. For every mutant the project
is copied, edited, recompiled, and the family's properties (and, for static families, the
detectors) are re-run. The mutant is *killed* when a property that the unmutated run PROVED is no
longer PROVED, a declared target vanished, or a new static finding appears. A mutant that does not
compile is reported as stillborn, never counted as killed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
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
        missing = [f for f in _FIELDS if not isinstance(entry.get(f), str) or not entry[f]]
        if missing:
            raise ConfigError(f"{path}: mutant #{index + 1} is missing {', '.join(missing)}")
        mutants.append(Mutant(**{f: entry[f] for f in _FIELDS}))
    ids = [m.id for m in mutants]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: duplicate mutant ids")
    return tuple(sorted(mutants, key=lambda m: m.id))


def _mutated_copy(config: Config, mutant: Mutant, workdir: Path) -> Config:
    """Copy the sources into ``workdir``, apply the edit, link shared tooling; return the config there."""
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
    if not target.is_file():
        raise ConfigError(f"mutant {mutant.id}: file {mutant.file} is not among the copied sources")
    text = target.read_text(encoding="utf-8")
    occurrences = text.count(mutant.find)
    if occurrences != 1:
        raise ConfigError(
            f"mutant {mutant.id}: the edit must match exactly once in {mutant.file}, found {occurrences} "
            "(the contract changed: update the mutant)"
        )
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
                    if reference.verdicts.get(r.property_id) is Verdict.PROVED
                    and r.verdict is not Verdict.PROVED
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


def run_mutants(
    config: Config,
    registry: Registry,
    console: Console,
    reference: Reference,
    mutants: Iterable[Mutant] | None = None,
    jobs: int = 2,
) -> tuple[MutantResult, ...]:
    if mutants is None:
        if not config.mutants_dir:
            return ()
        mutants = load_mutants(config.path(config.mutants_dir))
    results = []
    ordered = sorted(mutants, key=lambda m: m.id)
    for index, mutant in enumerate(ordered, start=1):
        result = run_mutant(config, registry, mutant, reference, jobs)
        if result is None:
            console.step(f"mutants [{index}/{len(ordered)}] {mutant.id}: stillborn (does not compile)")
            results.append(
                MutantResult(mutant.id, mutant.family, mutant.description + " (does not compile)", False, ())
            )
            continue
        state = "killed by " + ", ".join(result.killed_by) if result.killed else "SURVIVED"
        console.step(f"mutants [{index}/{len(ordered)}] {mutant.id} ({mutant.family}): {state}")
        results.append(result)
    return tuple(results)
