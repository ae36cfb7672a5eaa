"""A thin CLI: ``_main(argv)`` parses, loads the config and console once, runs one command.

Commands and their flags come from :data:`vaultproof.commands.COMMANDS`; flags that set a config
option (``--jobs``, ``--out``, ...) are generated from :mod:`vaultproof.config`'s field metadata, so
their defaults and checks are the config's. ``main()`` turns the result into an exit status; tests
call ``_main`` directly.

Exit codes: 0 clean, 1 regression against the baseline (only the gate says so), 2 bad input or a tool
failure of any kind (one line on stderr; the traceback only with ``--debug``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vaultproof import __version__
from vaultproof import config as config_module
from vaultproof.commands import COMMANDS, CommandResult, help_of
from vaultproof.console import Console
from vaultproof.errors import VaultproofError
from vaultproof.results import ExitCode

# Command-only flags (not config options): flag → argparse keyword arguments.
_FLAGS: dict[str, dict[str, Any]] = {
    "--quiet": {
        "short": "-q",
        "action": "store_true",
        "help": "print only the summary line, gate reasons and errors",
    },
    "--debug": {"action": "store_true", "help": "print the traceback of a tool failure"},
    "--no-cache": {"action": "store_true", "help": "recompute everything (the cache is still refreshed)"},
    "--only": {"action": "append", "default": [], "metavar": "ID", "help": "restrict to these property ids"},
    "--gate": {"action": "store_true", "help": "exit 1 on a regression against the baseline"},
    "--update-baseline": {"action": "store_true", "help": "rewrite the baseline from this run"},
    "--skip-mutants": {"action": "store_true", "help": "do not run the mutation campaign"},
    "--mutation-sample": {
        "default": None,
        "metavar": "N|all",
        "help": "generated mutants: a deterministic sample of N, or all (default: [mutate] sample)",
    },
    "--markdown": {"action": "store_true", "help": "print the property index (PROPERTIES.md) as Markdown"},
    "--skip-evidence": {
        "action": "store_true",
        "help": "do not run forge on the bytecode (replays of VIOLATED results, invariant suites)",
    },
    # positionals (no leading dash) come before the project path
    "id": {"help": "a property or seed finding id (e.g. BF-2.seed-rule)"},
}
_SHORT = {"--jobs": "-j"}


def _add_flag(cmd: argparse.ArgumentParser, flag: str) -> None:
    if flag in config_module.CLI_OPTIONS:
        f = config_module.CLI_OPTIONS[flag]
        names = [n for n in (_SHORT.get(flag), flag) if n]
        cmd.add_argument(
            *names,
            dest=f.name,
            default=None,
            metavar=flag.lstrip("-").replace("-", "_").upper(),
            help=f"{f.metadata['help']} (default: [{f.metadata['section']}] {f.metadata['key']}, "
            f"else {getattr(f.default, 'value', f.default)})",
        )
        return
    spec = dict(_FLAGS[flag])
    short = spec.pop("short", None)
    cmd.add_argument(*[n for n in (short, flag) if n], **spec)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vaultproof",
        description="Pre-audit verification harness: compile → analyse → prove → report → gate.",
        epilog="Exit codes: 0 clean, 1 regression against the baseline, 2 bad input or tool error, "
        "130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"vaultproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (handler, flags) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_of(handler), description=help_of(handler))
        for positional in (f for f in flags if not f.startswith("-")):
            cmd.add_argument(positional, **_FLAGS[positional])
        cmd.add_argument(
            "path", nargs="?", default=".", help="project root holding vaultproof.toml (default: .)"
        )
        for flag in (f for f in flags if f.startswith("-")):
            _add_flag(cmd, flag)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Config field name → raw flag value, for the config options this command accepts."""
    values = {
        f.name: getattr(args, f.name) for f in config_module.CLI_OPTIONS.values() if hasattr(args, f.name)
    }
    if getattr(args, "no_cache", False):
        values["use_cache"] = False
    return values


def _dispatch(args: argparse.Namespace) -> CommandResult:
    handler, _ = COMMANDS[args.command]
    cfg = config_module.load(Path(args.path), _overrides(args))
    return handler(args, cfg, Console(quiet=args.quiet))


def _main(argv: Sequence[str] | None = None) -> CommandResult:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse already printed usage or help
        code = ExitCode.CLEAN if exc.code in (0, None) else ExitCode.BAD_INPUT
        return CommandResult(code)
    debug = bool(getattr(args, "debug", False))
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("vaultproof: interrupted", file=sys.stderr, flush=True)
        return CommandResult(ExitCode.INTERRUPTED)
    except VaultproofError as exc:
        if debug:
            traceback.print_exc()
        print(exc.one_line(), file=sys.stderr, flush=True)
        return CommandResult(ExitCode.BAD_INPUT, exc)
    except Exception as exc:  # a tool failure is exit 2 with one line, never a traceback or exit 1
        if debug:
            traceback.print_exc()
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        print(
            f"vaultproof: error: tool failure: {text} (rerun with --debug for the traceback)", file=sys.stderr
        )
        return CommandResult(ExitCode.BAD_INPUT, exc)


def main(argv: Sequence[str] | None = None) -> int:
    return int(_main(argv).exit_code)


__all__ = ["COMMANDS", "CommandResult", "build_parser", "main"]
