"""One function per CLI command. Each returns a CommandResult; none calls sys.exit."""

from __future__ import annotations

import argparse
import sys

from vaultproof import config as config_module
from vaultproof.cli import CommandResult
from vaultproof.compile import compile_project
from vaultproof.console import Console
from vaultproof.results import ExitCode


def cmd_compile(args: argparse.Namespace) -> CommandResult:
    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    project = compile_project(cfg)
    rows = [(a.source, a.name, a.deployed_bytes) for a in project.project_contracts()]
    console.table(
        ("source", "contract", "deployed bytes"),
        [(src, name, f"{size:,}") for src, name, size in rows],
    )
    console.summary(
        f"compiled {len(rows)} contracts with solc {project.solc_version} (from {project.solc_origin})"
    )
    return CommandResult(ExitCode.CLEAN, project)


def cmd_list(args: argparse.Namespace) -> CommandResult:
    from vaultproof.prover.runner import load_registry

    cfg = config_module.load(args.path)
    registry = load_registry(cfg.properties_module, cfg.root)
    if args.markdown:
        from vaultproof.index import project_index

        sys.stdout.write(project_index(cfg, registry))
        return CommandResult(ExitCode.CLEAN, registry)
    console = Console(quiet=args.quiet)
    console.table(
        ("id", "severity", "checker", "title"),
        [
            (p.id, p.severity.value, "slither" if p.is_static else "z3", p.title)
            for p in registry.sorted_properties()
        ],
    )
    console.summary(
        f"{len(registry.properties)} properties, {len(registry.seed_findings)} seed findings, "
        f"{len(registry.metrics)} metrics"
    )
    return CommandResult(ExitCode.CLEAN, registry)


def cmd_analyse(args: argparse.Namespace) -> CommandResult:
    import sys

    from vaultproof.pipeline import analyse_stage, write_slither_json, write_tool_log

    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    outcome = analyse_stage(cfg, console)
    open_findings = [f for f in outcome.findings if not f.triaged]
    console.table(
        ("impact", "detector", "location", "status"),
        [
            (
                f.impact.value,
                f.detector,
                f"{f.contract}.{f.function}" if f.function else f.contract,
                "open" if not f.triaged else f"triaged: {f.triage_reason}",
            )
            for f in sorted(
                outcome.findings, key=lambda f: (f.triaged, f.impact.rank, f.detector, f.contract)
            )
        ],
    )
    for note in outcome.notes:
        console.step(f"analyse: {note}")
    slither_json = write_slither_json(outcome, cfg.path(cfg.reports_dir))
    write_tool_log(outcome, cfg.path(cfg.reports_dir))
    over = [s.contract for s in outcome.sizes if not s.within_limit]
    gated = [f for f in open_findings if f.impact.rank <= cfg.fail_on.rank]
    console.summary(
        f"vaultproof: {len(outcome.findings)} static findings ({len(open_findings)} open, "
        f"{len(gated)} at or above {cfg.fail_on.value}); {len(outcome.sizes)} contracts sized, "
        f"{len(over)} over {cfg.size_limit:,} B; Slither JSON in {slither_json}"
    )
    if outcome.tool_errors:  # the tool failed: nothing it did not check may pass as clean
        for error in outcome.tool_errors:
            print(f"vaultproof: error: {error}", file=sys.stderr)
        return CommandResult(ExitCode.BAD_INPUT, outcome)
    failed = bool(gated or over)
    return CommandResult(ExitCode.REGRESSION if failed else ExitCode.CLEAN, outcome)


def cmd_prove(args: argparse.Namespace) -> CommandResult:
    from vaultproof.pipeline import prove_stage

    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    outcome = prove_stage(cfg, console, jobs=args.jobs, only=tuple(args.only))
    return CommandResult(ExitCode.CLEAN if outcome.all_passed else ExitCode.REGRESSION, outcome)


def cmd_report(args: argparse.Namespace) -> CommandResult:
    from vaultproof.pipeline import report_stage

    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    result = report_stage(cfg, console, out=args.out)
    return CommandResult(result.exit_code, result)


def cmd_run(args: argparse.Namespace) -> CommandResult:
    from vaultproof.pipeline import RunOptions, run_pipeline

    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    options = RunOptions(
        jobs=args.jobs,
        only=tuple(args.only),
        gate=args.gate,
        update_baseline=args.update_baseline,
        baseline=args.baseline,
        out=args.out,
        mutants=not args.skip_mutants,
        evidence=not args.skip_evidence,
    )
    result = run_pipeline(cfg, console, options)
    return CommandResult(result.exit_code, result)


def cmd_repro(args: argparse.Namespace) -> CommandResult:
    """Prove one id, and if it is VIOLATED write its replay under build/repro/ and run it with forge."""
    from vaultproof.errors import ToolchainError
    from vaultproof.evidence import repro
    from vaultproof.evidence.decl import load_evidence
    from vaultproof.evidence.forge import Forge, forge_binary
    from vaultproof.evidence.stage import replay_requests
    from vaultproof.pipeline import prove_stage
    from vaultproof.results import EvidenceStatus

    cfg = config_module.load(args.path)
    console = Console(quiet=args.quiet)
    binary = forge_binary(cfg.root)
    if binary is None:
        raise ToolchainError("repro needs forge: no binary under node_modules/@foundry-rs/forge-<platform>")
    outcome = prove_stage(cfg, console, only=(args.id,))
    requests = replay_requests(outcome)
    if not requests:
        console.summary(f"vaultproof: {args.id} is not VIOLATED: there is no counterexample to replay")
        return CommandResult(ExitCode.CLEAN, ())
    evidence, _ = repro.run(requests, load_evidence(cfg.properties_module), Forge(binary, cfg.root))
    for e in evidence:
        console.step(f"repro: {e.subject}: {e.status.value} ({e.test or 'no test written'}) {e.detail}")
    replayed = all(e.status is EvidenceStatus.REPLAYED for e in evidence)
    console.summary(
        f"vaultproof: {args.id}: " + ", ".join(f"{e.status.value} {e.test}".strip() for e in evidence)
    )
    return CommandResult(ExitCode.CLEAN if replayed else ExitCode.REGRESSION, evidence)
