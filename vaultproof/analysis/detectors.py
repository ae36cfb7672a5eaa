"""Which Slither detectors run (built-ins and the project's plugin) and running them on a compilation."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.errors import ConfigError, RegistryError

# Detectors log their results at info (dropped) and their troubles at warning or above, which propagate
# to the capture that writes reports/slither.log.
_DETECTOR_LOG = logging.getLogger("Detectors")


@dataclass(frozen=True)
class DetectorRun:
    """One detector's raw Slither results, or the error it raised (never swallowed)."""

    argument: str
    title: str
    builtin: bool
    results: tuple[dict[str, Any], ...]
    error: str = ""
    # False for a detector that reads no SlithIR (bytecode sizes, storage layout): functions Slither could
    # not lower cannot make it incomplete.
    needs_ir: bool = True


def builtin_detectors(exclude: tuple[str, ...]) -> list[Any]:
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    classes: list[Any] = [
        c
        for _, c in inspect.getmembers(all_detectors, inspect.isclass)
        if issubclass(c, AbstractDetector) and c is not AbstractDetector
    ]
    known = {c.ARGUMENT for c in classes}
    unknown = sorted(set(exclude) - known)
    if unknown:
        raise ConfigError(
            f"[analyse] builtin_exclude names unknown Slither detector(s): {', '.join(unknown)}"
        )
    return sorted((c for c in classes if c.ARGUMENT not in exclude), key=lambda c: c.ARGUMENT)


def plugin_detectors(config: Config) -> list[Any]:
    """The project's detectors, each bound to its ``[analyse.detectors.<argument>]`` table.

    None unless ``[analyse] plugin`` declares the module: nothing of an analysed project is imported
    that its vaultproof.toml does not name."""
    from vaultproof.declared import import_declared

    if not config.detectors_module:
        if config.detector_settings:
            first = sorted(config.detector_settings)[0]
            raise ConfigError(
                f"vaultproof.toml: [analyse.detectors.{first}] configures a detector but no [analyse] plugin "
                "is declared"
            )
        return []
    try:
        module = import_declared(config.detectors_module, config.root, "[analyse] plugin")
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
    context: Mapping[str, Any] = {
        "size_limit": config.size_limit,
        "upgrades": [(u.previous, u.current) for u in config.upgrades],
        "dependency_dirs": list(config.dependency_dirs),
    }
    try:
        configure = getattr(module, "configured_detectors", None)
        if callable(configure):
            classes = list(configure(config.detector_settings, context))
        else:
            make_plugin = getattr(module, "make_plugin", None)
            if not callable(make_plugin):
                raise ConfigError(f"[analyse] plugin {config.detectors_module!r} has no make_plugin()")
            classes, _ = make_plugin()
            classes = [
                c.configure(config.detector_settings.get(c.ARGUMENT, {}), context)
                if hasattr(c, "configure")
                else c
                for c in classes
            ]
    except ValueError as exc:  # the plugin's SettingsError
        raise ConfigError(f"vaultproof.toml: {exc}") from None
    arguments = {c.ARGUMENT for c in classes}
    unknown = sorted(set(config.detector_settings) - arguments)
    if unknown:
        raise ConfigError(
            f"vaultproof.toml: [analyse.detectors.{unknown[0]}] names no detector of the plugin"
        )
    return classes


def run_detectors(slither: Any, classes: list[Any], builtin: set[Any]) -> list[DetectorRun]:
    """Run each detector on each compilation unit; results are de-duplicated by Slither's id."""
    # Slither remembers result ids across runs of one instance; reset so a second analysis of the same
    # compilation (mutation testing, tests) sees the same findings as the first.
    slither._currently_seen_resuts = set()
    runs = []
    for cls in classes:
        collected: list[dict[str, Any]] = []
        error = ""
        for unit in slither.compilation_units:
            try:
                detector = cls(unit, slither, _DETECTOR_LOG)
                collected.extend(detector.detect())
            except Exception as exc:  # a crashing detector must surface, not pass silently
                error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
                break
        runs.append(
            DetectorRun(
                argument=cls.ARGUMENT,
                title=cls.WIKI_TITLE or cls.HELP,
                builtin=cls in builtin,
                results=tuple(collected),
                error=error,
                needs_ir=bool(getattr(cls, "NEEDS_IR", True)),
            )
        )
    return runs


def project_root_relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return path
