"""The prove stage: bind the registry to the compiled contracts, then run every model in parallel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from vaultproof import index
from vaultproof.cache import Cache, digest
from vaultproof.compile import CompiledProject
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import RegistryError
from vaultproof.executor import Executor
from vaultproof.prover.context import build_context
from vaultproof.prover.coverage import coverage_of, function_sources
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import DetectorChecker, ModelChecker, PropertyDecl, Registry
from vaultproof.prover.runner import Job, JobKind, context_digest, declared_module, run_jobs
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import (
    CatalogueEntry,
    CheckerKind,
    FunctionRef,
    FunctionSource,
    MetricResult,
    PropertyResult,
    SeedFinding,
    SeedFindingResult,
    SourceLocation,
    Verdict,
)


@dataclass(frozen=True)
class ProveOutcome:
    catalogue: tuple[CatalogueEntry, ...]
    properties: tuple[PropertyResult, ...]
    seed_findings: tuple[SeedFindingResult, ...]
    metrics: tuple[MetricResult, ...]
    sources: tuple[FunctionSource, ...] = ()
    # The context every job ran on (the mutation campaign measures mutants against it, not rebuilding it).
    context: ModelContext | None = field(default=None, compare=False, repr=False)

    @property
    def all_passed(self) -> bool:
        return all(r.verdict is Verdict.PROVED for r in self.properties) and all(
            s.confirmed for s in self.seed_findings
        )


Locator = Callable[[FunctionRef], SourceLocation | None]


@dataclass(frozen=True)
class ProveFacts:
    """What the prove stage reads from a compilation, as plain data (so it can be cached): every
    (contract, function) pair, the model context (constants, lowered pure functions, the lowered
    stateful code; no deployment map: that is the properties package's, bound at prove time), the first
    declaration line of each function and the source and statement lines of every function (for proof
    coverage, whatever the registry targets)."""

    functions: tuple[tuple[str, str], ...]
    context: ModelContext
    locations: tuple[tuple[tuple[str, str], SourceLocation], ...]
    sources: tuple[FunctionSource, ...] = ()
    # sha256 of ``context`` pickled when these facts were built: the job cache's name for the context
    # (re-pickling a context loaded from the cache need not give the same bytes, nor is it free)
    context_digest: str = ""

    def locator(self) -> Locator:
        lines = dict(self.locations)
        return lambda target: lines.get((target.contract, target.function))


def _function_lines(project: CompiledProject) -> dict[tuple[str, str], SourceLocation]:
    lines: dict[tuple[str, str], SourceLocation] = {}
    for contract in project.slither.contracts:
        for function in contract.functions_and_modifiers_declared:
            mapping = function.source_mapping
            if mapping is None or not mapping.lines:
                continue
            key = (contract.name, function.name)
            lines.setdefault(
                key, SourceLocation(mapping.filename.relative, min(mapping.lines), max(mapping.lines))
            )
    return lines


def function_locator(project: CompiledProject) -> Locator:
    """Source lines of ``Contract.function`` from Slither (the first declaration of that name)."""
    lines = _function_lines(project)
    return lambda target: lines.get((target.contract, target.function))


def prove_facts(project: CompiledProject) -> ProveFacts:
    functions = tuple(project.functions())
    every = {FunctionRef(contract, function) for contract, function in functions}
    context = build_context(project, {})
    return ProveFacts(
        functions=functions,
        context=context,
        locations=tuple(sorted(_function_lines(project).items())),
        sources=function_sources(project.slither, project.config.root, every),
        context_digest=context_digest(context),
    )


def _locations(targets: tuple[FunctionRef, ...], locate: Locator | None) -> tuple[SourceLocation, ...]:
    """Aligned with ``targets``, or empty when any target cannot be located (no misaligned pairs)."""
    found = [locate(t) for t in targets] if locate is not None else []
    located = [loc for loc in found if loc is not None]
    return tuple(located) if targets and len(located) == len(targets) else ()


# What a catalogue entry copies from its declaration (family and statement are derived there).
_DECLARED = ("id", "family", "title", "statement", "severity", "seed", "rationale", "assumptions", "targets")


def catalogue_of(
    registry: Registry,
    locate: Locator | None = None,
    root: Path | None = None,
    detectors: Mapping[str, type] | None = None,
    detector_lines: Mapping[str, SourceLocation | None] | None = None,
) -> tuple[CatalogueEntry, ...]:
    """The declarations as reports show them; with ``root``, each points at its declaration and model
    (paths relative to ``root``), as ``PROPERTIES.md`` does."""
    entries = []
    for decl in registry.sorted_properties():
        checker = decl.checker
        entries.append(
            CatalogueEntry(
                **{name: getattr(decl, name) for name in _DECLARED},
                checker=(
                    CheckerKind.SLITHER.label(checker.argument)
                    if isinstance(checker, DetectorChecker)
                    else CheckerKind.Z3.label()
                ),
                broken_description=checker.broken_description if isinstance(checker, ModelChecker) else "",
                target_locations=_locations(decl.targets, locate),
                declaration=index.declaration_of(registry, decl.id, root) if root else None,
                model_function=_model_function(decl, root, detectors, detector_lines),
            )
        )
    return tuple(entries)


def _model_function(
    decl: PropertyDecl,
    root: Path | None,
    detectors: Mapping[str, type] | None,
    detector_lines: Mapping[str, SourceLocation | None] | None,
) -> SourceLocation | None:
    if root is None:
        return None
    checker = decl.checker
    if detector_lines is not None and isinstance(checker, DetectorChecker):
        return detector_lines.get(checker.argument)
    return index.model_of(decl, detectors or {}, root)


def prove_from_facts(
    facts: ProveFacts,
    config: Config,
    registry: Registry,
    console: Console,
    jobs: int = 2,
    only: tuple[str, ...] = (),
    cache: Cache | None = None,
    detector_lines: Mapping[str, SourceLocation | None] | None = None,
    executor: Executor | None = None,
) -> ProveOutcome:
    """``detector_lines`` (from :func:`vaultproof.index.detector_locations`, e.g. cached with the
    analysis) spares importing the plugin to locate the detector classes in the catalogue."""
    registry.validate_targets(facts.functions)
    registry.validate_deployment(facts.functions)
    ctx = replace(facts.context, deployment=dict(registry.deployment))
    # the job cache's name for ctx: the facts' context (named when they were built) and the deployment
    context_key = (
        digest(facts.context_digest, sorted(registry.deployment.items())) if facts.context_digest else None
    )
    unknown = sorted(
        set(only) - set(registry.properties) - set(registry.seed_findings) - set(registry.metrics)
    )
    if unknown:
        raise RegistryError(f"--only names unknown id(s): {', '.join(unknown)}")

    def wanted(identifier: str) -> bool:
        return not only or identifier in only

    jobs_list = [Job(JobKind.SHIPPED, p.id) for p in registry.model_properties() if wanted(p.id)]
    jobs_list += [Job(JobKind.SEED, s) for s in sorted(registry.seed_findings) if wanted(s)]
    jobs_list += [Job(JobKind.METRIC, m) for m in sorted(registry.metrics) if wanted(m)]
    total = len(jobs_list)
    console.step(f"prove: {total} jobs on {jobs} worker(s)")
    done = 0

    def progress(result: PropertyResult | MetricResult) -> None:
        nonlocal done
        done += 1
        ident = result.property_id if isinstance(result, PropertyResult) else result.metric_id
        console.step(f"prove [{done}/{total}] {ident}: {result.verdict.value} ({result.seconds:.2f}s)")

    settings = SolverSettings.of(config)
    results = run_jobs(
        declared_module(config),
        jobs_list,
        ctx,
        settings,
        workers=jobs,
        root=config.root,
        on_done=progress,
        cache=cache,
        executor=executor,
        context_key=context_key,
    )

    properties: list[PropertyResult] = []
    seeds: list[SeedFindingResult] = []
    metrics: list[MetricResult] = []
    for job, result in zip(sorted(jobs_list, key=_order), results, strict=True):
        if isinstance(result, MetricResult):
            metrics.append(result)
        elif job.kind is JobKind.SEED:
            decl = registry.seed_findings[job.decl_id]
            declared = {f.name: getattr(decl, f.name) for f in fields(SeedFinding)}
            seeds.append(SeedFindingResult(**declared, result=result))
        else:
            properties.append(result)
    if detector_lines is None:
        detector_lines = index.detector_locations(config) if registry.static_properties() else {}
    catalogue = catalogue_of(registry, facts.locator(), config.root, detector_lines=detector_lines)
    targets = {t for decl in registry.model_properties() for t in decl.targets}
    sources = tuple(source for source in facts.sources if source.function in targets)
    by_ref = {source.function: source for source in sources}
    properties = [
        replace(r, coverage=coverage_of(registry.properties[r.property_id].targets, by_ref, r.executed_lines))
        for r in properties
    ]
    return ProveOutcome(catalogue, tuple(properties), tuple(seeds), tuple(metrics), sources, ctx)


def _order(job: Job) -> tuple[tuple[str, int, str], str]:
    from vaultproof.prover.registry import catalogue_order

    return (catalogue_order(job.decl_id), job.kind)
