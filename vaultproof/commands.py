"""One handler per CLI command, and the table that wires them: ``COMMANDS = {name: (handler, flags)}``.

``cli.py`` parses the arguments, loads the config and builds the console once, then calls
``handler(args, config, console)``. Handlers return a :class:`CommandResult`; none calls ``sys.exit``
and none imports ``cli`` (the dependency goes one way). A handler's help text is its docstring's first
line; its flags are names that ``cli.py`` turns into argparse options (config options among them are
generated from :mod:`vaultproof.config`'s field metadata).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import ConfigError
from vaultproof.prover.registry import Registry
from vaultproof.prover.runner import declared_registry
from vaultproof.results import ExitCode


@dataclass(frozen=True)
class CommandResult:
    """What a command returns to ``_main``'s caller: its exit code and its payload object."""

    exit_code: ExitCode
    payload: object = None


Handler = Callable[[argparse.Namespace, Config, Console], CommandResult]


def check_only(registry: Registry, only: tuple[str, ...]) -> None:
    """``--only`` ids must be declared: checked before any compile (seconds, not minutes, to a typo)."""
    import difflib

    known = set(registry.properties) | set(registry.seed_findings) | set(registry.metrics)
    unknown = sorted(set(only) - known)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"--only names unknown id(s): {', '.join(unknown)}{hint}")


def cmd_compile(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """compile a project with crytic-compile and print deployed bytecode sizes"""
    from vaultproof.compile import compile_project

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


def cmd_analyse(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """run Slither's detectors, the project's own detectors, upgrade and size checks"""
    from vaultproof.output import report_lock
    from vaultproof.pipeline import analyse_stage, write_analysis_files

    outcome = analyse_stage(cfg, console, registry=declared_registry(cfg))
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
    out_dir = cfg.path(cfg.reports_dir)
    with report_lock(out_dir, cfg.lock_timeout_s):
        slither_json, _ = write_analysis_files(outcome, out_dir)
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


def cmd_prove(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """decide every Z3 property (with vacuity and tautology checks), seed findings and metrics"""
    from vaultproof.pipeline import prove_stage, prove_summary_line

    registry = declared_registry(cfg)
    check_only(registry, tuple(args.only))
    outcome = prove_stage(cfg, console, only=tuple(args.only), registry=registry)
    console.summary(prove_summary_line(outcome))
    return CommandResult(ExitCode.CLEAN if outcome.all_passed else ExitCode.REGRESSION, outcome)


def cmd_report(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """write Markdown, HTML, JSON, SARIF and JUnit reports from the last run's results.json"""
    from vaultproof.pipeline import report_stage

    result = report_stage(cfg, console)
    return CommandResult(result.exit_code, result)


def _mutation_sample(text: str | None) -> tuple[int | None, bool]:
    """``--mutation-sample``: (sample size or None for the config's, every mutant)."""
    if text is None:
        return None, False
    if text == "all":
        return None, True
    if not text.isdigit():
        raise ConfigError(f"--mutation-sample expects a number or all, got {text!r}")
    return int(text), False


def cmd_run(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """the whole pipeline: compile → analyse → prove → report → gate"""
    from vaultproof.pipeline import RunOptions, run_pipeline

    registry = declared_registry(cfg)
    check_only(registry, tuple(args.only))
    sample, every = _mutation_sample(args.mutation_sample)
    options = RunOptions(
        only=tuple(args.only),
        gate=args.gate,
        update_baseline=args.update_baseline,
        mutants=not args.skip_mutants,
        mutation_sample=sample,
        mutation_all=every,
        evidence=not args.skip_evidence,
    )
    result = run_pipeline(cfg, console, options, registry=registry)
    return CommandResult(result.exit_code, result)


def cmd_list(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """print the property catalogue declared by the project's properties package"""
    registry = declared_registry(cfg)
    if args.markdown:
        from vaultproof.index import project_index

        sys.stdout.write(project_index(cfg, registry))
        return CommandResult(ExitCode.CLEAN, registry)
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


def cmd_repro(args: argparse.Namespace, cfg: Config, console: Console) -> CommandResult:
    """replay one VIOLATED result's counterexample as a forge test on the compiled bytecode"""
    from vaultproof.errors import ToolchainError
    from vaultproof.evidence import repro
    from vaultproof.evidence.decl import load_evidence
    from vaultproof.evidence.forge import Forge, forge_binary
    from vaultproof.evidence.stage import replay_requests
    from vaultproof.pipeline import prove_stage
    from vaultproof.results import EvidenceStatus

    binary = forge_binary(cfg.root)
    if binary is None:
        raise ToolchainError("repro needs forge: no binary under node_modules/@foundry-rs/forge-<platform>")
    registry = declared_registry(cfg)
    check_only(registry, (args.id,))
    outcome = prove_stage(cfg, console, only=(args.id,), registry=registry)
    requests = replay_requests(outcome)
    if not requests:
        console.summary(f"vaultproof: {args.id} is not VIOLATED: there is no counterexample to replay")
        return CommandResult(ExitCode.CLEAN, ())
    assert cfg.properties_module is not None  # declared_registry checked it
    evidence, _ = repro.run(requests, load_evidence(cfg.properties_module, cfg.root), Forge(binary, cfg.root))
    for e in evidence:
        console.step(f"repro: {e.subject}: {e.status.value} ({e.test or 'no test written'}) {e.detail}")
    replayed = all(e.status is EvidenceStatus.REPLAYED for e in evidence)
    console.summary(
        f"vaultproof: {args.id}: " + ", ".join(f"{e.status.value} {e.test}".strip() for e in evidence)
    )
    return CommandResult(ExitCode.CLEAN if replayed else ExitCode.REGRESSION, evidence)


_COMMON = ("--quiet", "--debug", "--no-cache")
_PROVER = ("--jobs", "--executor", "--timeout-ms", "--rlimit", "--only")

# name → (handler, flags). Order is the order of ``vaultproof --help``.
COMMANDS: dict[str, tuple[Handler, tuple[str, ...]]] = {
    "compile": (cmd_compile, _COMMON),
    "analyse": (cmd_analyse, (*_COMMON, "--out", "--lock-timeout")),
    "prove": (cmd_prove, (*_COMMON, *_PROVER)),
    "report": (cmd_report, (*_COMMON, "--out", "--lock-timeout")),
    "run": (
        cmd_run,
        (
            *_COMMON,
            *_PROVER,
            "--gate",
            "--update-baseline",
            "--baseline",
            "--fail-on",
            "--skip-mutants",
            "--mutation-sample",
            "--skip-evidence",
            "--out",
            "--lock-timeout",
        ),
    ),
    "list": (cmd_list, ("--quiet", "--debug", "--markdown")),
    "repro": (cmd_repro, ("id", "--quiet", "--debug", "--no-cache")),
}


def help_of(handler: Handler) -> str:
    return next(iter((handler.__doc__ or "").strip().splitlines()), "")
