"""``vaultproof.toml``: what a project brings (contracts, properties, detectors) and how to gate it.

``[project]`` keys, by group:

- what to compile: ``name``, ``sources``, ``solc`` (a shim of the project's own; default: the engine's);
- how the target compiles (each overrides foundry.toml's profile, see :mod:`vaultproof.target`):
  ``solc_version`` ("0.8.15"; default: resolved from the pragmas), ``foundry_profile`` ("default"),
  ``optimizer`` (bool), ``optimizer_runs`` (int; setting it alone turns the optimizer on),
  ``via_ir`` (bool), ``evm_version`` (str), ``remappings`` (list; replaces foundry.toml,
  remappings.txt and the auto-remappings), ``libs`` (list; default foundry.toml's, else ["lib"]);
- what is not the project's code: ``dependencies`` (directories, project-relative, added to
  node_modules, lib/ and ``libs``; see :mod:`vaultproof.dependencies`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultproof.dependencies import DEFAULT_DIRS
from vaultproof.errors import ConfigError
from vaultproof.results import Severity
from vaultproof.target import CompileSettings, Setting, resolve

CONFIG_NAME = "vaultproof.toml"


@dataclass(frozen=True)
class UpgradeCheck:
    """One ``slither-check-upgradeability`` pair: the deployed version and its successor."""

    previous: str
    current: str


_NO_COMPILE_SETTINGS = CompileSettings(
    solc_version=Setting(None, "default"),
    optimizer=Setting(False, "default"),
    optimizer_runs=Setting(200, "default"),
    via_ir=Setting(False, "default"),
    evm_version=Setting(None, "default"),
    remappings=(),
    libs=("lib",),
)


@dataclass(frozen=True)
class Config:
    root: Path
    name: str
    sources: tuple[str, ...]
    remappings: tuple[str, ...]
    solc_shim: str | None
    properties_module: str
    detectors_module: str
    timeout_ms: int
    rlimit: int
    jobs: int
    triage_file: str | None
    builtin_exclude: tuple[str, ...]
    detector_settings: Mapping[str, Mapping[str, Any]]
    upgrades: tuple[UpgradeCheck, ...]
    size_limit: int
    baseline: str
    fail_on: Severity
    reports_dir: str
    mutants_dir: str | None = None
    # [evidence]: forge on the compiled bytecode (replays of VIOLATED results, invariant suites, and the
    # suites' broken variants); skipped with a note when forge is not installed.
    evidence_replay: bool = True
    evidence_invariants: bool = True
    evidence_broken: bool = False
    # The target's compile settings ([project] solc_version, foundry_profile, optimizer, optimizer_runs,
    # via_ir, evm_version, remappings, libs over foundry.toml / remappings.txt; see vaultproof/target.py).
    # Resolved once at load, so a mutant's copy of the sources compiles exactly like the original.
    compile: CompileSettings = _NO_COMPILE_SETTINGS
    # Directories holding dependency code, not the project's ([project] dependencies + libs + defaults).
    dependency_dirs: tuple[str, ...] = DEFAULT_DIRS
    extra: Mapping[str, Any] = field(default_factory=dict)

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{CONFIG_NAME}: [{key}] must be a table")
    return value


def _get(table: Mapping[str, Any], section: str, key: str, kind: type, default: Any) -> Any:
    value = table.get(key, default)
    if kind is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{CONFIG_NAME}: [{section}] {key} must be a list of strings")
        return tuple(value)
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise ConfigError(f"{CONFIG_NAME}: [{section}] {key} must be of type {kind.__name__}, got {value!r}")
    return value


def load(root: Path) -> Config:
    """Read ``<root>/vaultproof.toml``; every malformed field is a one-line ConfigError."""
    root = root.resolve()
    if not root.is_dir():
        raise ConfigError(f"project path {root} is not a directory")
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"{path} not found: a project needs a {CONFIG_NAME} naming its contracts and properties"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None

    project = _table(data, "project")
    prove = _table(data, "prove")
    analyse = _table(data, "analyse")
    gate = _table(data, "gate")
    evidence = _table(data, "evidence")

    upgrades = []
    for entry in analyse.get("upgrades", []):
        if not isinstance(entry, dict) or not {"previous", "current"} <= entry.keys():
            raise ConfigError(f"{CONFIG_NAME}: [[analyse.upgrades]] entries need previous and current")
        upgrades.append(UpgradeCheck(str(entry["previous"]), str(entry["current"])))

    settings = analyse.get("detectors", {})
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise ConfigError(f"{CONFIG_NAME}: [analyse.detectors.<name>] must be tables of settings")

    fail_on_text = _get(gate, "gate", "fail_on", str, "medium")
    try:
        fail_on = Severity.parse(fail_on_text)
    except ValueError as exc:
        raise ConfigError(f"{CONFIG_NAME}: [gate] fail_on: {exc}") from None

    name = _get(project, "project", "name", str, root.name)
    sources = _get(project, "project", "sources", tuple, ["contracts"])
    if not sources:
        raise ConfigError(f"{CONFIG_NAME}: [project] sources is empty")
    for source in sources:
        if not (root / source).exists():
            raise ConfigError(
                f"{CONFIG_NAME}: [project] sources entry {source!r} does not exist under {root}"
            )

    compile_settings = resolve(root, project)
    vendored = _get(project, "project", "dependencies", tuple, [])
    return Config(
        root=root,
        name=name,
        sources=sources,
        remappings=compile_settings.remappings,
        solc_shim=_get(project, "project", "solc", str, None),
        properties_module=_get(prove, "prove", "properties", str, "properties"),
        detectors_module=_get(analyse, "analyse", "plugin", str, "properties.detectors"),
        timeout_ms=_get(prove, "prove", "timeout_ms", int, 20_000),
        rlimit=_get(prove, "prove", "rlimit", int, 50_000_000),
        jobs=_get(prove, "prove", "jobs", int, 2),
        triage_file=_get(analyse, "analyse", "triage", str, None),
        builtin_exclude=_get(analyse, "analyse", "builtin_exclude", tuple, []),
        detector_settings=settings,
        upgrades=tuple(upgrades),
        size_limit=_get(analyse, "analyse", "size_limit", int, 24_576),
        baseline=_get(gate, "gate", "baseline", str, "reports/baseline.json"),
        fail_on=fail_on,
        reports_dir=_get(gate, "gate", "reports", str, "reports"),
        mutants_dir=_get(prove, "prove", "mutants", str, None),
        evidence_replay=_get(evidence, "evidence", "replay", bool, True),
        evidence_invariants=_get(evidence, "evidence", "invariants", bool, True),
        evidence_broken=_get(evidence, "evidence", "broken_variants", bool, False),
        compile=compile_settings,
        dependency_dirs=tuple(dict.fromkeys((*DEFAULT_DIRS, *compile_settings.libs, *vendored))),
        extra=data,
    )
