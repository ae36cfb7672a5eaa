"""The stages wired together: compile → analyse → prove → report → gate.

Each stage function takes the config and a console and returns plain results; ``run_pipeline``
assembles them into the single :class:`RunResult` that every report and the gate read.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from vaultproof import __version__
from vaultproof.analysis import AnalysisOutcome, run_analysis
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.prover.prove import ProveOutcome, prove
from vaultproof.prover.runner import load_registry
from vaultproof.results import ExitCode, RunResult, ToolVersions


@dataclass(frozen=True)
class RunOptions:
    jobs: int | None = None
    only: tuple[str, ...] = ()
    gate: bool = False
    update_baseline: bool = False
    baseline: str | None = None
    out: str | None = None
    mutants: bool = True


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
    console.step(f"compile: {len(project.project_contracts())} contracts, solc {project.solc_version}")
    return project


def analyse_stage(config: Config, console: Console, project: CompiledProject | None = None) -> AnalysisOutcome:
    project = project or compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    return run_analysis(project, registry, console)


def prove_stage(
    config: Config,
    console: Console,
    jobs: int | None = None,
    only: tuple[str, ...] = (),
    project: CompiledProject | None = None,
) -> ProveOutcome:
    project = project or compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    return prove(project, registry, console, jobs=jobs or config.jobs, only=only)


def report_stage(config: Config, console: Console, out: str | None = None) -> RunResult:
    from vaultproof.report import load_results, write_reports

    out_dir = Path(out) if out else config.path(config.reports_dir)
    result = load_results(out_dir / "results.json")
    for path in write_reports(result, out_dir):
        console.step(f"report: wrote {path}")
    return result


def run_pipeline(config: Config, console: Console, options: RunOptions) -> RunResult:
    from vaultproof.gate import evaluate, write_baseline
    from vaultproof.mutation import Reference, run_mutants
    from vaultproof.report import write_reports

    project = compile_stage(config, console)
    registry = load_registry(config.properties_module, config.root)
    analysis = run_analysis(project, registry, console)
    proof = prove(project, registry, console, jobs=options.jobs or config.jobs, only=options.only)
    reference = Reference(
        verdicts={r.property_id: r.verdict for r in proof.properties},
        static_fingerprints=frozenset(f.fingerprint for f in analysis.findings),
    )
    mutants = (
        run_mutants(config, registry, console, reference, jobs=options.jobs or config.jobs)
        if options.mutants and not options.only
        else ()
    )

    draft = RunResult(
        project=config.name,
        catalogue=proof.catalogue,
        properties=proof.properties,
        seed_findings=proof.seed_findings,
        metrics=proof.metrics,
        static_findings=analysis.findings,
        sizes=analysis.sizes,
        mutants=tuple(mutants),
        tools=tool_versions(project),
        gate=None,
        exit_code=ExitCode.CLEAN,
        notes=analysis.notes,
    )
    baseline_path = Path(options.baseline) if options.baseline else config.path(config.baseline)
    if options.update_baseline:
        write_baseline(draft, baseline_path)
        console.step(f"gate: baseline rewritten at {baseline_path}")
    gate = evaluate(draft, baseline_path, config.fail_on) if options.gate else None
    exit_code = ExitCode.REGRESSION if gate is not None and not gate.passed else ExitCode.CLEAN
    result = RunResult(**{**draft.__dict__, "gate": gate, "exit_code": exit_code})

    out_dir = Path(options.out) if options.out else config.path(config.reports_dir)
    for path in write_reports(result, out_dir):
        console.step(f"report: wrote {path}")
    console.summary(summary_line(result))
    return result


def summary_line(result: RunResult) -> str:
    from collections import Counter

    counts = Counter(r.verdict.value for r in result.properties)
    verdicts = ", ".join(f"{counts[k]} {k.lower()}" for k in sorted(counts))
    gate = "" if result.gate is None else (" gate: pass" if result.gate.passed else f" gate: {len(result.gate.regressions)} regression(s)")
    return (
        f"vaultproof: {len(result.properties)} properties ({verdicts or 'none'}), "
        f"{len(result.static_findings)} static findings, {len(result.seed_findings)} seed findings.{gate}"
    )
