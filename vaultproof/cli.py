"""A thin CLI: ``_main(argv)`` parses, runs one stage or the pipeline, and returns its result object.

``main()`` turns that into an exit status; tests call ``_main`` directly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultproof import __version__
from vaultproof.errors import VaultproofError
from vaultproof.results import ExitCode

COMMANDS = {
    "compile": "compile a project with crytic-compile and print deployed bytecode sizes",
    "analyse": "run Slither's detectors, the project's own detectors, upgrade and size checks",
    "prove": "decide every Z3 property (with vacuity checks), seed findings and metrics",
    "report": "write Markdown, HTML, JSON, SARIF and JUnit reports from the last run's results.json",
    "run": "the whole pipeline: compile → analyse → prove → report → gate",
    "list": "print the property catalogue declared by the project's properties package",
    "repro": "replay one VIOLATED result's counterexample as a forge test on the compiled bytecode",
}


@dataclass(frozen=True)
class CommandResult:
    """What a command returns to ``_main``'s caller: its exit code and its payload object."""

    exit_code: ExitCode
    payload: object = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vaultproof",
        description="Pre-audit verification harness: compile → analyse → prove → report → gate.",
        epilog="Exit codes: 0 clean, 1 regression against the baseline, 2 bad input or tool error.",
    )
    parser.add_argument("--version", action="version", version=f"vaultproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == "repro":
            cmd.add_argument("id", help="a property or seed finding id (e.g. BF-2.seed-rule)")
        cmd.add_argument(
            "path", nargs="?", default=".", help="project root holding vaultproof.toml (default: .)"
        )
        cmd.add_argument("-q", "--quiet", action="store_true", help="print only the summary line and errors")
        if name in ("prove", "run"):
            cmd.add_argument("-j", "--jobs", type=int, default=None, help="worker processes for the prover")
            cmd.add_argument(
                "--only", action="append", default=[], metavar="ID", help="restrict to these property ids"
            )
        if name == "run":
            cmd.add_argument(
                "--gate", action="store_true", help="exit 1 on a regression against the baseline"
            )
            cmd.add_argument(
                "--update-baseline", action="store_true", help="rewrite the baseline from this run"
            )
            cmd.add_argument("--baseline", default=None, help="baseline file (default from vaultproof.toml)")
            cmd.add_argument("--skip-mutants", action="store_true", help="do not run the mutation campaign")
            cmd.add_argument(
                "--skip-evidence",
                action="store_true",
                help="do not run forge on the bytecode (replays of VIOLATED results, invariant suites)",
            )
        if name == "list":
            cmd.add_argument(
                "--markdown", action="store_true", help="print the property index (PROPERTIES.md) as Markdown"
            )
        if name in ("report", "run"):
            cmd.add_argument("--out", default=None, help="reports directory (default from vaultproof.toml)")
    return parser


def _dispatch(args: argparse.Namespace) -> CommandResult:
    from vaultproof import commands

    handler = getattr(commands, f"cmd_{args.command}")
    result: CommandResult = handler(args)
    return result


def _main(argv: Sequence[str] | None = None) -> CommandResult:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse already printed usage or help
        code = ExitCode.CLEAN if exc.code in (0, None) else ExitCode.BAD_INPUT
        return CommandResult(code)
    args.path = Path(args.path)
    try:
        return _dispatch(args)
    except VaultproofError as exc:
        print(exc.one_line(), file=sys.stderr)
        return CommandResult(ExitCode.BAD_INPUT, exc)


def main(argv: Sequence[str] | None = None) -> int:
    return int(_main(argv).exit_code)
