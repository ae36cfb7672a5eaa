"""The stages wired together: compile → analyse → prove → report → gate.

Each stage function takes the config and a console and returns plain results; ``run_pipeline``
assembles them into the single :class:`RunResult` that every report and the gate read.

A :class:`Workspace` serves the stages' inputs from the content-hash cache (:mod:`vaultproof.cache`)
when nothing they depend on changed, and compiles (once, lazily) only when something did: a warm
``run --skip-mutants`` neither compiles nor builds Slither. Writes (reports, slither.json, the
baseline) happen under the report lock (:mod:`vaultproof.output`).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultproof import __version__, index
from vaultproof.analysis import AnalysisOutcome, run_analysis, without_ir_errors
from vaultproof.cache import Cache, digest, engine_digest, file_digests
from vaultproof.compile import (
    CompiledProject,
    ContractArtifact,
    compile_project,
    export_compilation,
    project_sources,
    reload_compilation,
)
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.declared import module_files
from vaultproof.errors import BaselineError
from vaultproof.executor import Executor, executor_for
from vaultproof.output import report_lock, write_set
from vaultproof.prover.prove import ProveFacts, ProveOutcome, prove_facts, prove_from_facts
from vaultproof.prover.registry import DetectorChecker, Registry
from vaultproof.prover.runner import declared_registry
from vaultproof.results import (
    ExitCode,
    MutantResult,
    MutationSpace,
    RunResult,
    SourceLocation,
    ToolVersions,
    Verdict,
)
from vaultproof.toollog import LogLine, ToolLog

if TYPE_CHECKING:
    from vaultproof.mutation import Reference


@dataclass(frozen=True)
class RunOptions:
    only: tuple[str, ...] = ()
    gate: bool = False
    update_baseline: bool = False
    mutants: bool = True
    mutation_sample: int | None = None  # None: [mutate] sample; see mutation_all
    mutation_all: bool = False  # every generated mutant (`--mutation-sample all`, `make mutate`)
    executor: str | None = None  # None: [mutate] executor
    evidence: bool = True  # forge on the bytecode: replays and invariant suites ([evidence] switches)


@dataclass(frozen=True)
class CachedCompilation:
    """A compilation as the cache keeps it: crytic-compile's export and what compiling logged."""

    inputs: tuple[tuple[str, str], ...]
    export: dict[str, Any]
    solc_version: str
    solc_origin: str
    log: tuple[LogLine, ...]


@dataclass(frozen=True)
class CachedAnalysis:
    outcome: AnalysisOutcome
    detector_lines: Mapping[str, SourceLocation | None]


@dataclass(frozen=True)
class CompileFacts:
    """What the later stages read from one compilation, as plain (cacheable) data."""

    solc_version: str
    artifacts: tuple[ContractArtifact, ...]
    prove: ProveFacts
    inputs: tuple[tuple[str, str], ...]  # every file the compiler read, with its hash


def tool_versions(solc_version: str) -> ToolVersions:
    from importlib.metadata import version

    import z3

    return ToolVersions(
        vaultproof=__version__,
        solc=solc_version,
        z3=z3.get_version_string(),
        slither=version("slither-analyzer"),
        crytic_compile=version("crytic-compile"),
        python=platform.python_version(),
    )


def open_cache(config: Config) -> Cache:
    return Cache(config.path(config.cache_dir), read=config.use_cache)


class Workspace:
    """One project's stage inputs, from the cache when their content hash is unchanged."""

    def __init__(self, config: Config, console: Console, cache: Cache | None = None) -> None:
        self.config = config
        self.console = console
        self.cache = cache if cache is not None else open_cache(config)
        # where the detector classes are declared, known once the analysis ran (or was read from cache)
        self.detector_lines: Mapping[str, SourceLocation | None] | None = None

    @cached_property
    def project(self) -> CompiledProject:
        """The compilation: reloaded from crytic-compile's cached export when the sources, compiler and
        settings are unchanged (no solc run), else compiled (and its export cached)."""
        cached = self.cache.get("compilation", self.compile_key)
        if isinstance(cached, CachedCompilation) and _unchanged(cached.inputs):
            self.console.step("compile: unchanged sources (compilation reloaded from the cache)")
            return reload_compilation(
                self.config, cached.export, cached.solc_version, cached.solc_origin, ToolLog(list(cached.log))
            )
        project = compile_stage(self.config, self.console)
        entry = CachedCompilation(
            inputs=file_digests(project.inputs()),
            export=export_compilation(project),
            solc_version=project.solc_version,
            solc_origin=project.solc_origin,
            log=tuple(project.log.lines),  # what compiling logged (Slither's part is logged again)
        )
        self.cache.put("compilation", self.compile_key, entry)
        return project

    @cached_property
    def compile_key(self) -> str:
        """Everything a compilation and the facts read from it depend on. The facts include Slither's
        view (function lines, statement lines, and the SlithIR the engine lowers into the model
        context's pure functions and stateful code), so Slither's and crytic-compile's versions are part
        of it as well as the engine's source (the lowering lives in ``vaultproof.prover.code``)."""
        from importlib.metadata import version

        from vaultproof.toolchain import locate

        cfg = self.config
        toolchain = locate(cfg.root, cfg.solc_shim)  # no version: nothing is installed to name the key
        sources = [
            (p.relative_to(cfg.root).as_posix(), h)
            for p, h in ((Path(p), h) for p, h in file_digests(project_sources(cfg)))
        ]
        return digest(
            "compile",
            engine_digest(),
            version("slither-analyzer"),
            version("crytic-compile"),
            toolchain.identity(),
            cfg.sources,
            cfg.compile,  # solc version (or none: from the pragmas, which are in the sources), optimizer, …
            cfg.remappings,
            cfg.dependency_dirs,
            cfg.size_limit,
            str(cfg.root),  # Slither's facts carry paths; a moved checkout recompiles once
            tuple(sources),
        )

    @cached_property
    def facts(self) -> CompileFacts:
        cached = self.cache.get("facts", self.compile_key)
        if isinstance(cached, CompileFacts) and _unchanged(cached.inputs):
            self.console.step("compile: unchanged sources, compiler and settings (cached)")
            return cached
        project = self.project
        facts = CompileFacts(
            solc_version=project.solc_version,
            artifacts=project.artifacts,
            prove=prove_facts(project),
            inputs=file_digests(project.inputs()),
        )
        self.cache.put("facts", self.compile_key, facts)
        return facts

    def _analysis_key(self, registry: Registry) -> str:
        from importlib.metadata import version

        cfg = self.config
        plugin_files = module_files(cfg.detectors_module, cfg.root) if cfg.detectors_module else []
        detectors = sorted(
            (p.checker.argument, p.id)
            for p in registry.static_properties()
            if isinstance(p.checker, DetectorChecker)
        )
        return digest(
            "analysis",
            self.compile_key,
            self.facts.inputs,
            version("slither-analyzer"),
            cfg.detectors_module,
            file_digests(plugin_files),
            json.dumps(cfg.detector_settings, sort_keys=True, default=str),
            cfg.builtin_exclude,
            file_digests([cfg.path(cfg.triage_file)]) if cfg.triage_file else None,
            cfg.upgrades,
            detectors,
        )

    def analysis(self, registry: Registry) -> AnalysisOutcome:
        key = self._analysis_key(registry)
        cached = self.cache.get("analysis", key)
        if isinstance(cached, CachedAnalysis):
            self.console.step("analyse: unchanged compilation, detectors and triage (cached)")
            self.detector_lines = cached.detector_lines
            return cached.outcome
        outcome = run_analysis(self.project, registry, self.console)
        lines = index.detector_locations(self.config)  # the plugin is imported by now: cheap
        self.cache.put("analysis", key, CachedAnalysis(outcome, lines))
        self.detector_lines = lines
        return outcome

    def prove(
        self, registry: Registry, only: tuple[str, ...] = (), executor: Executor | None = None
    ) -> ProveOutcome:
        """Proof jobs through ``executor`` (default: the local pool of ``jobs`` workers); each worker
        loads the registry, ignores SIGINT (local pool) and reads/writes the cache itself."""
        cfg = self.config
        return prove_from_facts(
            self.facts.prove,
            cfg,
            registry,
            self.console,
            cfg.jobs,
            only,
            self.cache,
            self.detector_lines,
            executor=executor,
        )


def _unchanged(inputs: tuple[tuple[str, str], ...]) -> bool:
    """Every file the compiler read still has the recorded hash (imports from node_modules included)."""
    return file_digests(Path(p) for p, _ in inputs) == inputs


def compile_stage(config: Config, console: Console) -> CompiledProject:
    console.step(f"compile: {', '.join(config.sources)} with the solc shim")
    project = compile_project(config)
    console.step(
        f"compile: {len(project.project_contracts())} contracts, solc {project.solc_version} "
        f"(from {project.solc_origin})"
    )
    return project


def _registry(config: Config, registry: Registry | None) -> Registry:
    return registry if registry is not None else declared_registry(config)


def analyse_stage(config: Config, console: Console, registry: Registry | None = None) -> AnalysisOutcome:
    return Workspace(config, console).analysis(_registry(config, registry))


def prove_stage(
    config: Config,
    console: Console,
    only: tuple[str, ...] = (),
    registry: Registry | None = None,
    executor: str | None = None,
) -> ProveOutcome:
    """``executor``: a spec (``local``, ``serial``, ``ray``, ``ray://HOST:PORT``); None: [mutate] executor."""
    chosen = executor_for(executor or config.executor, config.jobs)
    return Workspace(config, console).prove(_registry(config, registry), only, chosen)


def report_stage(config: Config, console: Console) -> RunResult:
    from vaultproof.report import load_results, write_reports

    out_dir = config.path(config.reports_dir)
    with report_lock(out_dir, config.lock_timeout_s):
        result = load_results(out_dir / "results.json")
        for path in write_reports(result, out_dir, config.fail_on):
            console.step(f"report: wrote {path}")
    console.summary(summary_line(result))
    return result


def run_pipeline(
    config: Config, console: Console, options: RunOptions, registry: Registry | None = None
) -> RunResult:
    """The whole pipeline under the report lock: a concurrent second run waits (bounded), then fails."""
    from vaultproof.gate import load_baseline

    if options.gate and not options.update_baseline:
        # a missing or malformed baseline fails (exit 2) before minutes of proving, and writes nothing
        load_baseline(config.path(config.baseline))
    out_dir = config.path(config.reports_dir)
    with report_lock(out_dir, config.lock_timeout_s):
        return _run_locked(config, console, options, _registry(config, registry), out_dir)


def _run_locked(
    config: Config, console: Console, options: RunOptions, registry: Registry, out_dir: Path
) -> RunResult:
    from vaultproof.evidence.stage import run_evidence
    from vaultproof.gate import evaluate, write_baseline
    from vaultproof.mutation import Reference

    baseline_path = config.path(config.baseline)
    # one executor for the proof jobs and the generated mutants (the pool of `jobs` workers by default)
    executor = executor_for(options.executor or config.executor, config.jobs)
    work = Workspace(config, console)
    facts = work.facts
    analysis = work.analysis(registry)
    proof = work.prove(registry, options.only, executor)
    reference = Reference(
        verdicts={r.property_id: r.verdict for r in proof.properties},
        static_fingerprints=frozenset(f.fingerprint for f in analysis.findings),
    )
    mutants: tuple[MutantResult, ...] = ()
    space: MutationSpace | None = None
    if options.mutants and not options.only:
        mutants, space = mutation_stage(config, console, options, executor, reference, proof, registry)
    evidence, evidence_notes = (
        run_evidence(config, console, proof, work.cache) if options.evidence else ((), ())
    )

    # Detector properties left unchecked by a tool failure are ERROR; so is a proved property whose target
    # function Slither could not lower to IR.
    proved = without_ir_errors(proof.properties, proof.catalogue, analysis.without_ir)
    draft = RunResult(
        project=config.name,
        catalogue=proof.catalogue,
        properties=(*proved, *analysis.properties),
        seed_findings=proof.seed_findings,
        metrics=proof.metrics,
        static_findings=analysis.findings,
        sizes=analysis.sizes,
        mutants=tuple(mutants),
        tools=tool_versions(facts.solc_version),
        gate=None,
        exit_code=ExitCode.CLEAN,
        notes=analysis.notes + evidence_notes,
        evidence=evidence,
        sources=proof.sources,
        mutation_space=space,
    )
    slither = analysis_files(analysis)
    from vaultproof.report import write_reports

    try:
        if options.update_baseline:
            write_baseline(draft, baseline_path)
            console.step(f"gate: baseline rewritten at {baseline_path}")
            accepted = [r for r in draft.properties if r.verdict is not Verdict.PROVED]
            if accepted:
                names = ", ".join(f"{r.property_id} {r.verdict.value}" for r in accepted)
                console.error(
                    f"vaultproof: warning: the baseline now accepts {len(accepted)} unproved: {names}"
                )
        gate = evaluate(draft, baseline_path, config.fail_on) if options.gate else None
    except BaselineError:
        # The run itself is done: keep its reports (without a gate) before failing with exit 2.
        write_reports(draft, out_dir, config.fail_on, extra=slither)
        raise
    if gate is not None:
        # A path relative to the project keeps results.json and the reports identical across checkouts.
        gate = replace(gate, baseline=_display_path(baseline_path, config.root))
    exit_code = ExitCode.REGRESSION if gate is not None and not gate.passed else ExitCode.CLEAN
    if analysis.tool_errors:
        exit_code = ExitCode.BAD_INPUT  # the reports are written (they say ERROR) but the run failed
    result = replace(draft, gate=gate, exit_code=exit_code)

    for path in write_reports(result, out_dir, config.fail_on, extra=slither):
        console.step(f"report: wrote {path}")
    if gate is not None:
        # The gate's reasons are printed even with --quiet: a failed build must say why.
        for regression in gate.regressions:
            console.always(f"gate: REGRESSION [{regression.kind}] {regression.message}")
        for improvement in gate.improvements:
            console.step(f"gate: improvement: {improvement}")
    console.summary(summary_line(result))
    for error in analysis.tool_errors:
        print(f"vaultproof: error: {error}", file=sys.stderr)
    return result


def mutation_stage(
    config: Config,
    console: Console,
    options: RunOptions,
    executor: Executor,
    reference: Reference,
    proof: ProveOutcome,
    registry: Registry,
) -> tuple[tuple[MutantResult, ...], MutationSpace | None]:
    """The hand-written mutants, then the generated campaign (the config's deterministic sample, or every
    mutant with ``mutation_all``), on one plan built from the pipeline's proof results (their verdicts,
    dependence sets and context): nothing of the unmutated project is proved or lowered again. The plan
    takes its Slither from its own AST-only compile, not the pipeline's: the generated mutants (their
    ids, the sample) are then exactly those of ``make mutate`` and ``make bench``, whose Slither differs
    by a few mutator patches."""
    from vaultproof.mutation import load_mutants, run_mutants
    from vaultproof.mutation.campaign import CampaignOptions, build_plan, run_campaign

    size = options.mutation_sample if options.mutation_sample is not None else config.mutate_sample
    generated = options.mutation_all or size > 0
    handwritten = load_mutants(config.path(config.mutants_dir)) if config.mutants_dir else ()
    if not generated and not handwritten:
        return (), None
    stages = config.mutate_stages if generated else ("proof", "detector")
    planned = build_plan(
        config,
        stages,
        console,
        reference.verdicts,
        proof.properties,
        executor,
        exclude=config.mutate_exclude,
        ctx=proof.context,
    )
    space = None
    try:
        results = run_mutants(
            config, registry, console, reference, handwritten, executor=executor, planned=planned
        )
        if generated:
            campaign_options = CampaignOptions(
                sample=None if options.mutation_all else size,
                seed=config.mutate_seed,
                operators=config.mutate_operators or None,
                exclude=config.mutate_exclude,
                stages=config.mutate_stages,
            )
            campaign = run_campaign(config, console, campaign_options, executor, planned=planned)
            results, space = (*results, *campaign.results), campaign.space
    finally:
        forge = planned[0].forge
        if forge is not None:  # the built forge copy (run_campaign removes it too; either may be first)
            shutil.rmtree(Path(forge.template).parent, ignore_errors=True)
    return results, space


def analysis_files(analysis: AnalysisOutcome) -> dict[str, str]:
    """slither.json (Slither's own ``--json`` shape, so existing Slither tooling can read it) and
    slither.log (what crytic-compile and Slither logged at warning or above, checkout-independent)."""
    from vaultproof.toollog import LOG_NAME

    return {"slither.json": analysis.slither_json, LOG_NAME: analysis.log_text}


def write_analysis_files(analysis: AnalysisOutcome, out_dir: Path) -> list[Path]:
    """``vaultproof analyse``'s output: the two files of :func:`analysis_files`, as one set."""
    return write_set(out_dir, analysis_files(analysis))


def _display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _verdict_counts(verdicts: list[Verdict]) -> str:
    from collections import Counter

    counts = Counter(verdicts)
    return ", ".join(f"{counts[v]} {v.value.lower()}" for v in Verdict if counts[v])


def prove_summary_line(outcome: ProveOutcome) -> str:
    """``prove``'s one line (printed even with --quiet): verdict counts, seed findings, metrics."""
    verdicts = _verdict_counts([r.verdict for r in outcome.properties])
    confirmed = sum(1 for s in outcome.seed_findings if s.confirmed)
    return (
        f"vaultproof: {len(outcome.properties)} properties ({verdicts or 'none'}), "
        f"{confirmed}/{len(outcome.seed_findings)} seed findings confirmed, {len(outcome.metrics)} metrics."
    )


def summary_line(result: RunResult) -> str:
    """The one line printed even with --quiet: verdict counts, findings, seed findings, gate."""
    from collections import Counter

    from vaultproof.report.view import VERDICT_ORDER

    counts = Counter(r.verdict for r in result.properties)
    verdicts = ", ".join(f"{counts[v]} {v.value.lower()}" for v in VERDICT_ORDER if counts[v])
    untriaged = sum(1 for f in result.static_findings if not f.triaged)
    confirmed = sum(1 for s in result.seed_findings if s.confirmed)
    gate = ""
    if result.gate is not None:
        failed = f" gate: FAIL, {len(result.gate.regressions)} regression(s)"
        gate = " gate: pass" if result.gate.passed else failed
    return (
        f"vaultproof: {len(result.properties)} properties ({verdicts or 'none'}), "
        f"{len(result.static_findings)} static findings ({untriaged} untriaged), "
        f"{confirmed}/{len(result.seed_findings)} seed findings confirmed.{gate}"
    )
