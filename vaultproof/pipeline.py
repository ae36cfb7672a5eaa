"""The stages wired together: compile → analyse → prove → report → gate.

Each stage function takes the config and a console and returns plain results; ``run_pipeline``
assembles them into the single :class:`RunResult` that every report and the gate read.
"""

from __future__ import annotations

import platform
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from vaultproof import __version__
from vaultproof.analysis import AnalysisOutcome, run_analysis, without_ir_errors
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import BaselineError
from vaultproof.executor import Executor, executor_for
from vaultproof.prover.prove import ProveOutcome, prove
from vaultproof.prover.runner import load_registry
from vaultproof.results import ExitCode, MutantResult, RunResult, ToolVersions

if TYPE_CHECKING:
    from vaultproof.mutation import Reference


@dataclass(frozen=True)
class RunOptions:
    jobs: int | None = None
    only: tuple[str, ...] = ()
    gate: bool = False
    update_baseline: bool = False
    baseline: str | None = None
    out: str | None = None
    mutants: bool = True
    mutation_sample: int | None = None  # None: [mutate] sample; see mutation_all
    mutation_all: bool = False  # every generated mutant (`--mutation-sample all`, `make mutate`)
    executor: str | None = None  # None: [mutate] executor
    evidence: bool = True  # forge on the bytecode: replays and invariant suites ([evidence] switches)


def tool_versions(project: CompiledProject) -> ToolVersions:
    from importlib.metadata import version

    import z3

    return ToolVersions(
        vaultproof=__version__,
        solc=project.solc_version,
        z3=z3.get_version_string(),
        slither=version("slither-analyzer"),
        crytic_compile=version("crytic-compile"),
        python=platform.python_version(),
    )


def compile_stage(config: Config, console: Console) -> CompiledProject:
    console.step(f"compile: {', '.join(config.sources)} with the solc shim")
    project = compile_project(config)
    console.step(
        f"compile: {len(project.project_contracts())} contracts, solc {project.solc_version} "
        f"(from {project.solc_origin})"
    )
    return project


def analyse_stage(
    config: Config, console: Console, project: CompiledProject | None = None
) -> AnalysisOutcome:
    project = project or compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    return run_analysis(project, registry, console)


def prove_stage(
    config: Config,
    console: Console,
    jobs: int | None = None,
    only: tuple[str, ...] = (),
    project: CompiledProject | None = None,
    executor: str | None = None,
) -> ProveOutcome:
    project = project or compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    workers = jobs or config.jobs
    chosen = executor_for(executor or config.executor, workers)
    return prove(project, registry, console, jobs=workers, only=only, executor=chosen)


def report_stage(config: Config, console: Console, out: str | None = None) -> RunResult:
    from vaultproof.report import load_results, write_reports

    out_dir = Path(out) if out else config.path(config.reports_dir)
    result = load_results(out_dir / "results.json")
    for path in write_reports(result, out_dir, config.fail_on):
        console.step(f"report: wrote {path}")
    console.summary(summary_line(result))
    return result


def run_pipeline(config: Config, console: Console, options: RunOptions) -> RunResult:
    from vaultproof.evidence.stage import run_evidence
    from vaultproof.gate import evaluate, load_baseline, write_baseline
    from vaultproof.mutation import Reference
    from vaultproof.report import write_reports

    baseline_path = Path(options.baseline) if options.baseline else config.path(config.baseline)
    if options.gate and not options.update_baseline:
        load_baseline(
            baseline_path
        )  # a missing or malformed baseline fails (exit 2) before minutes of proving
    project = compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    analysis = run_analysis(project, registry, console)
    executor = executor_for(options.executor or config.executor, options.jobs or config.jobs)
    proof = prove(
        project, registry, console, jobs=options.jobs or config.jobs, only=options.only, executor=executor
    )
    reference = Reference(
        verdicts={r.property_id: r.verdict for r in proof.properties},
        static_fingerprints=frozenset(f.fingerprint for f in analysis.findings),
    )
    mutants: tuple[MutantResult, ...] = ()
    if options.mutants and not options.only:
        mutants = mutation_stage(config, console, options, executor, reference, proof)
    evidence, evidence_notes = run_evidence(config, console, proof) if options.evidence else ((), ())

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
        tools=tool_versions(project),
        gate=None,
        exit_code=ExitCode.CLEAN,
        notes=analysis.notes + evidence_notes,
        evidence=evidence,
        sources=proof.sources,
    )
    out_dir = Path(options.out) if options.out else config.path(config.reports_dir)
    try:
        if options.update_baseline:
            write_baseline(draft, baseline_path)
            console.step(f"gate: baseline rewritten at {baseline_path}")
        gate = evaluate(draft, baseline_path, config.fail_on) if options.gate else None
    except BaselineError:
        # The run itself is done: keep its reports (without a gate) before failing with exit 2.
        write_reports(draft, out_dir, config.fail_on)
        raise
    if gate is not None:
        # A path relative to the project keeps results.json and the reports identical across checkouts.
        gate = replace(gate, baseline=_display_path(baseline_path, config.root))
    exit_code = ExitCode.REGRESSION if gate is not None and not gate.passed else ExitCode.CLEAN
    if analysis.tool_errors:
        exit_code = ExitCode.BAD_INPUT  # the reports are written (they say ERROR) but the run failed
    result = replace(draft, gate=gate, exit_code=exit_code)

    for path in write_reports(result, out_dir, config.fail_on):
        console.step(f"report: wrote {path}")
    console.step(f"report: wrote {write_slither_json(analysis, out_dir)}")
    console.step(f"report: wrote {write_tool_log(analysis, out_dir)}")
    if gate is not None:
        for regression in gate.regressions:
            console.step(f"gate: REGRESSION [{regression.kind}] {regression.message}")
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
) -> tuple[MutantResult, ...]:
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
        return ()
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
    registry = load_registry(config.properties_module, config.root)
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
            results = (*results, *campaign.results)
    finally:
        forge = planned[0].forge
        if forge is not None:  # the built forge copy (run_campaign removes it too; either may be first)
            shutil.rmtree(Path(forge.template).parent, ignore_errors=True)
    return results


def write_slither_json(analysis: AnalysisOutcome, out_dir: Path) -> Path:
    """Every detector result in Slither's own ``--json`` shape, so existing Slither tooling can read it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "slither.json"
    path.write_text(analysis.slither_json, encoding="utf-8")
    return path


def write_tool_log(analysis: AnalysisOutcome, out_dir: Path) -> Path:
    """What crytic-compile and Slither logged at warning or above (checkout-independent text)."""
    from vaultproof.toollog import LOG_NAME

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOG_NAME
    path.write_text(analysis.log_text, encoding="utf-8")
    return path


def _display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


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
