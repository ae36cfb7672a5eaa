"""``vaultproof.toml``: one frozen dataclass, every option declared once (Halmos' ``config.py`` style).

Each field of :class:`Config` is an option. Its metadata names the TOML ``[section] key``, the CLI flag
(when the option may be set on the command line), the help text and the *kind* that parses and checks
the value; the field's default is the option's one default. ``load`` reads the file strictly, and
``cli.py`` builds its option flags from the same fields, so a default, a range or a help text exists in
exactly one place.

Adding an option is one field, e.g. (issue 14's compiler settings, issue 12's ``[bench]``)::

    via_ir: bool = option("project", "via_ir", False, Bool(), "compile through the IR pipeline")
    bench_runs: int = option("bench", "runs", 3, Int(minimum=1), "repetitions", flag="--bench-runs")

A new section needs nothing else: the set of valid sections and keys is derived from the fields.

``[project]`` keys, by group:

- what to compile: ``name``, ``sources``, ``solc`` (a shim of the project's own; default: the engine's);
- how the target compiles (each overrides foundry.toml's profile, see :mod:`vaultproof.target`):
  ``solc_version`` ("0.8.15"; default: resolved from the pragmas), ``foundry_profile`` ("default"),
  ``optimizer`` (bool), ``optimizer_runs`` (int; setting it alone turns the optimizer on),
  ``via_ir`` (bool), ``evm_version`` (str), ``remappings`` (list; replaces foundry.toml,
  remappings.txt and the auto-remappings), ``libs`` (list; default foundry.toml's, else ["lib"]);
- what is not the project's code: ``dependencies`` (directories, project-relative, added to
  node_modules, lib/ and ``libs``; see :mod:`vaultproof.dependencies`).

These compile keys are read as configured (``None``: not set, foundry.toml or the default decides)
and resolved once at load into :attr:`Config.compile`, :attr:`Config.remappings` and
:attr:`Config.dependency_dirs`, so a mutant's copy of the sources compiles exactly like the original.

Strictness (a typo must not leave the gate at its default):
- an unknown section or key is an error naming it and the nearest valid one (``difflib``);
- every value is type- and range-checked by its kind (``timeout_ms > 0``, ``jobs >= 1``, ...), from
  the file and from the command line alike;
- every path option must stay inside the project root: absolute paths, ``..`` escapes and symlinks
  resolving outside are errors (an analysed repository must not make vaultproof read or write
  elsewhere). Paths given on the command line (``--out``, ``--baseline``) are the user's own choice and
  may point anywhere.
Every error is a :class:`ConfigError` (one line, exit 2).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from vaultproof.dependencies import DEFAULT_DIRS
from vaultproof.errors import ConfigError
from vaultproof.results import EIP170_BYTES, Severity
from vaultproof.target import CompileSettings, Setting, resolve

CONFIG_NAME = "vaultproof.toml"
# What may kill a generated mutant, in the order the campaign runs them.
MUTATION_STAGES = ("proof", "detector", "forge")


# ---- kinds: how one option's value is parsed and checked ------------------------------------------


@dataclass(frozen=True)
class Kind:
    """Parses a raw TOML (or CLI) value; ``where`` names the option in the error message."""

    def parse(self, value: Any, where: str) -> Any:
        raise NotImplementedError

    def cli_type(self) -> Any:
        """The argparse ``type=`` for the option's flag (a string parsed later by :meth:`parse`)."""
        return str


@dataclass(frozen=True)
class Str(Kind):
    choices: tuple[str, ...] = ()

    def parse(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        if self.choices and value not in self.choices:
            raise ConfigError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
        return value


@dataclass(frozen=True)
class Int(Kind):
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, value: Any, where: str) -> Any:
        if isinstance(value, str):  # from the command line
            try:
                value = int(value)
            except ValueError:
                raise ConfigError(f"{where} must be an integer, got {value!r}") from None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(f"{where} must be >= {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise ConfigError(f"{where} must be <= {self.maximum}, got {value}")
        return value


@dataclass(frozen=True)
class Bool(Kind):
    def parse(self, value: Any, where: str) -> Any:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value


@dataclass(frozen=True)
class Strs(Kind):
    nonempty: bool = False

    def parse(self, value: Any, where: str) -> Any:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of strings, got {value!r}")
        if self.nonempty and not value:
            raise ConfigError(f"{where} is empty")
        return tuple(value)


@dataclass(frozen=True)
class Among(Kind):
    """A list of strings, each among ``choices`` (or, for choices the config module cannot import
    at load without a cycle, among the tuple ``choices_from`` names as ``module:ATTRIBUTE``).
    ``ordered``: returned in the choices' order, each once (a set of stages, not a sequence)."""

    choices: tuple[str, ...] = ()
    choices_from: str | None = None
    ordered: bool = False

    def known(self) -> tuple[str, ...]:
        if self.choices_from is None:
            return self.choices
        import importlib

        module, _, attribute = self.choices_from.partition(":")
        return tuple(getattr(importlib.import_module(module), attribute))

    def parse(self, value: Any, where: str) -> Any:
        items = Strs().parse(value, where)
        known = self.known()
        unknown = sorted(set(items) - set(known))
        if unknown:
            raise ConfigError(f"{where}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
        return tuple(k for k in known if k in items) if self.ordered else items


@dataclass(frozen=True)
class ExecutorSpec(Kind):
    """Where proof jobs and mutants run: ``local`` (process pool), ``serial``, ``ray``, ``ray://HOST:PORT``."""

    def parse(self, value: Any, where: str) -> Any:
        text = Str().parse(value, where).strip()
        if text in ("local", "serial", "ray"):
            return text
        host, _, port = text.removeprefix("ray://").rpartition(":")
        if text.startswith("ray://") and host and port.isdigit():
            return text
        raise ConfigError(f"{where} must be local, serial, ray or ray://HOST:PORT, got {text!r}")


@dataclass(frozen=True)
class RelPath(Kind):
    """A path relative to the project root that must stay inside it (checked by ``load``)."""

    def parse(self, value: Any, where: str) -> Any:
        return Str().parse(value, where)


@dataclass(frozen=True)
class RelPaths(Kind):
    nonempty: bool = True

    def parse(self, value: Any, where: str) -> Any:
        return Strs(nonempty=self.nonempty).parse(value, where)


@dataclass(frozen=True)
class Module(Kind):
    """A dotted module name of the project (imported from the project root only when declared)."""

    def parse(self, value: Any, where: str) -> Any:
        text = Str().parse(value, where)
        if not all(part.isidentifier() for part in text.split(".")):
            raise ConfigError(f"{where} must be a dotted module name, got {text!r}")
        return text


@dataclass(frozen=True)
class SeverityKind(Kind):
    def parse(self, value: Any, where: str) -> Any:
        if isinstance(value, Severity):
            return value
        try:
            return Severity.parse(Str().parse(value, where))
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class _TableOf(Kind):
    """A table whose every value is a ``VALUE``; anything else is ``PROBLEM`` (``{where}`` filled in)."""

    VALUE: ClassVar[type] = object
    PROBLEM: ClassVar[str] = ""

    def parse(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict) or not all(isinstance(v, self.VALUE) for v in value.values()):
            raise ConfigError(self.PROBLEM.format(where=where))
        return value


@dataclass(frozen=True)
class SettingsTables(_TableOf):
    """``[section.key.<name>]`` tables of free-form settings (each detector validates its own)."""

    VALUE = dict
    PROBLEM = "{where}.<name> must be tables of settings"


@dataclass(frozen=True)
class StrMapping(_TableOf):
    """A ``[section.key]`` table of string values (``[bench.halmos]``: property id → test name)."""

    VALUE = str
    PROBLEM = "{where} must be a table of strings"


@dataclass(frozen=True)
class UpgradeCheck:
    """One ``slither-check-upgradeability`` pair: the deployed version and its successor."""

    previous: str
    current: str


@dataclass(frozen=True)
class Upgrades(Kind):
    def parse(self, value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise ConfigError(f"[[{where}]] must be an array of tables")
        pairs = []
        for entry in value:
            if not isinstance(entry, dict) or set(entry) != {"previous", "current"}:
                raise ConfigError(f"[[{where}]] entries need exactly previous and current")
            pairs.append(
                UpgradeCheck(Str().parse(entry["previous"], where), Str().parse(entry["current"], where))
            )
        return tuple(pairs)


_NO_COMPILE_SETTINGS = CompileSettings(
    solc_version=Setting(None, "default"),
    optimizer=Setting(False, "default"),
    optimizer_runs=Setting(200, "default"),
    via_ir=Setting(False, "default"),
    evm_version=Setting(None, "default"),
    remappings=(),
    libs=("lib",),
)


# ---- the option declaration ------------------------------------------------------------------------


def option(section: str, key: str, default: Any, kind: Kind, help: str, *, flag: str | None = None) -> Any:
    """A Config field: ``[section] key`` in vaultproof.toml, ``flag`` on the command line."""
    metadata = {"section": section, "key": key, "kind": kind, "help": help, "flag": flag}
    if isinstance(default, dict):  # a table: each Config gets its own (empty) copy
        return field(default_factory=dict, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Config:
    root: Path = field(metadata={"internal": True})

    # [project]
    name: str = option("project", "name", "", Str(), "project name (default: the directory's)")
    sources: tuple[str, ...] = option(
        "project", "sources", ("contracts",), RelPaths(), "Solidity files or folders to compile"
    )
    solc_shim: str | None = option(
        "project", "solc", None, RelPath(), "a solc executable of the project (default: the engine's own)"
    )
    # How the target compiles, as configured (None: foundry.toml or the default decides; see `compile`).
    solc_version: str | None = option(
        "project", "solc_version", None, Str(), "solc version (default: resolved from the pragmas)"
    )
    foundry_profile: str = option("project", "foundry_profile", "default", Str(), "foundry.toml profile")
    optimizer: bool | None = option("project", "optimizer", None, Bool(), "optimizer on/off")
    optimizer_runs: int | None = option(
        "project", "optimizer_runs", None, Int(minimum=0), "optimizer runs (alone: turns the optimizer on)"
    )
    via_ir: bool | None = option("project", "via_ir", None, Bool(), "compile through the IR pipeline")
    evm_version: str | None = option("project", "evm_version", None, Str(), "EVM version passed to solc")
    configured_remappings: tuple[str, ...] | None = option(
        "project", "remappings", None, Strs(), "solc remappings (replace foundry.toml's and the automatic)"
    )
    libs: tuple[str, ...] | None = option("project", "libs", None, Strs(), "library dirs (default: lib)")
    dependencies: tuple[str, ...] = option(
        "project", "dependencies", (), RelPaths(nonempty=False), "directories of vendored dependency code"
    )

    # [prove]
    properties_module: str | None = option(
        "prove", "properties", None, Module(), "the project's properties package (defines REGISTRY)"
    )
    mutants_dir: str | None = option("prove", "mutants", None, RelPath(), "seeded-bug file (mutants.toml)")
    # rlimit is the budget that decides: Z3 counts its own work, so a query gets the same answer on any
    # machine under any load. The timeout is a wall-clock backstop for a search that stops counting.
    timeout_ms: int = option(
        "prove",
        "timeout_ms",
        600_000,
        Int(minimum=1),
        "Z3 wall-clock backstop per query (ms)",
        flag="--timeout-ms",
    )
    rlimit: int = option(
        "prove",
        "rlimit",
        250_000_000,
        Int(minimum=1),
        "Z3 resource limit per query (the deterministic budget)",
        flag="--rlimit",
    )
    # Z3's search on a hard non-linear query can go one way on one machine and another way elsewhere (CI
    # saw CONV-1's 18-decimal floor exhaust 250 M where every seed here needs < 15 M): an exhausted query
    # is asked again with an explicit preprocessing pipeline under successive seeds, each with a tenth of
    # the budget. A fixed sequence, so the same verdict on every run; an unsat of any attempt is a proof.
    retries: int = option(
        "prove",
        "retries",
        2,
        Int(minimum=0, maximum=16),
        "further attempts at an rlimit-exhausted query (preprocessed, next seed, rlimit / 10 each)",
        flag="--retries",
    )
    jobs: int = option("prove", "jobs", 2, Int(minimum=1, maximum=256), "worker processes", flag="--jobs")

    # [analyse]
    detectors_module: str | None = option(
        "analyse", "plugin", None, Module(), "the project's detector plugin module (none unless declared)"
    )
    size_limit: int = option(
        "analyse", "size_limit", EIP170_BYTES, Int(minimum=1), "deployed bytecode size limit (bytes; EIP-170)"
    )
    triage_file: str | None = option("analyse", "triage", None, RelPath(), "triage file for static findings")
    builtin_exclude: tuple[str, ...] = option(
        "analyse", "builtin_exclude", (), Strs(), "Slither built-in detectors not to run"
    )
    detector_settings: Mapping[str, Mapping[str, Any]] = option(
        "analyse", "detectors", {}, SettingsTables(), "per-detector settings"
    )
    upgrades: tuple[UpgradeCheck, ...] = option("analyse", "upgrades", (), Upgrades(), "upgradeability pairs")

    # [gate]
    baseline: str = option(
        "gate", "baseline", "reports/baseline.json", RelPath(), "baseline file", flag="--baseline"
    )
    fail_on: Severity = option(  # noqa: RUF009 (an Enum member is immutable)
        "gate", "fail_on", Severity.MEDIUM, SeverityKind(), "lowest gating finding severity", flag="--fail-on"
    )
    reports_dir: str = option("gate", "reports", "reports", RelPath(), "reports directory", flag="--out")
    lock_timeout_s: int = option(
        "gate",
        "lock_timeout_s",
        900,
        Int(minimum=0),
        "seconds to wait for a concurrent run's report lock",
        flag="--lock-timeout",
    )

    # [cache]
    cache_dir: str = option("cache", "dir", "build/cache", RelPath(), "content-hash cache directory")
    use_cache: bool = option("cache", "enabled", True, Bool(), "reuse cached compile/analysis/proof results")

    # [mutate]: the generated campaign (vaultproof.mutation). `vaultproof run` runs a deterministic
    # sample of `sample` mutants (0: none); `--mutation-sample all` runs every one.
    mutate_exclude: tuple[str, ...] = option(
        "mutate", "exclude", (), Strs(), "source paths (or prefixes) not to mutate"
    )
    mutate_operators: tuple[str, ...] = option(
        "mutate",
        "operators",
        (),
        Among(choices_from="vaultproof.mutation.generate:OPERATORS"),
        "mutation operators to apply (empty: every operator)",
    )
    mutate_stages: tuple[str, ...] = option(
        "mutate",
        "stages",
        MUTATION_STAGES,
        Among(choices=MUTATION_STAGES, ordered=True),
        "what may kill a mutant: proof, detector, forge",
    )
    mutate_sample: int = option(
        "mutate",
        "sample",
        0,
        Int(minimum=0),
        "generated mutants `run` takes, a deterministic sample (0: none)",
    )
    mutate_seed: int = option("mutate", "seed", 0, Int(), "seed of the sample")
    executor: str = option(
        "mutate",
        "executor",
        "local",
        ExecutorSpec(),
        "where proof jobs and mutants run: local (process pool), serial, ray, ray://HOST:PORT",
        flag="--executor",
    )

    # [evidence]: forge on the compiled bytecode (replays of VIOLATED results, invariant suites, and the
    # suites' broken variants); skipped with a note when forge is not installed.
    evidence_replay: bool = option("evidence", "replay", True, Bool(), "replay VIOLATED results with forge")
    evidence_invariants: bool = option("evidence", "invariants", True, Bool(), "run the invariant suites")
    evidence_broken: bool = option(
        "evidence", "broken_variants", False, Bool(), "run the invariant suites' broken variants"
    )

    # [bench] (``make bench``, vaultproof/bench.py)
    bench_properties: tuple[str, ...] = option(
        "bench", "properties", (), Strs(), "property ids to time (empty: every Z3-decided property)"
    )
    bench_series: str | None = option(
        "bench", "series", None, Module(), "module whose SERIES lists the scaling series"
    )
    bench_halmos_project: str | None = option(
        "bench", "halmos_project", None, RelPath(), "a foundry project with halmos check_ tests"
    )
    bench_halmos: Mapping[str, str] = option(
        "bench", "halmos", {}, StrMapping(), "property id → the halmos check_ test stating it"
    )
    bench_forge: str = option(
        "bench",
        "forge",
        "node_modules/@foundry-rs/forge-linux-amd64/bin/forge",
        RelPath(),
        "forge for halmos",
    )

    # Options given on the command line (field names); their paths are the user's, not the project's.
    from_cli: frozenset[str] = field(default=frozenset(), metadata={"internal": True})
    # Resolved at load from the compile keys above and foundry.toml / remappings.txt (vaultproof.target).
    compile: CompileSettings = field(default=_NO_COMPILE_SETTINGS, metadata={"internal": True})
    remappings: tuple[str, ...] = field(default=(), metadata={"internal": True})
    # Directories holding dependency code, not the project's (defaults + libs + [project] dependencies).
    dependency_dirs: tuple[str, ...] = field(default=DEFAULT_DIRS, metadata={"internal": True})

    def path(self, relative: str) -> Path:
        """A configured path, resolved against the project root (already checked to stay inside it)."""
        return (self.root / relative).resolve()


def _by_section(options: tuple[Any, ...]) -> dict[str, dict[str, Any]]:
    """section → key → field: the valid TOML keys, derived from the fields (never listed twice)."""
    sections: dict[str, dict[str, Any]] = {}
    for f in options:
        sections.setdefault(f.metadata["section"], {})[f.metadata["key"]] = f
    return sections


OPTIONS = tuple(f for f in fields(Config) if not f.metadata.get("internal"))
SECTIONS = _by_section(OPTIONS)
CLI_OPTIONS = {f.metadata["flag"]: f for f in OPTIONS if f.metadata["flag"]}


def _nearest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else f" (valid: {', '.join(sorted(candidates))})"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None


def inside_root(root: Path, relative: str, where: str) -> Path:
    """``root / relative`` resolved, refusing absolute paths and anything resolving outside the root."""
    if Path(relative).is_absolute() or PurePosixPath(relative).is_absolute():
        raise ConfigError(f"{where}: {relative!r} is absolute; paths must be relative to the project root")
    resolved = (root / relative).resolve()
    if resolved != root and root not in resolved.parents:
        raise ConfigError(f"{where}: {relative!r} resolves to {resolved}, outside the project root {root}")
    return resolved


# Where vaultproof writes: checked even when left at their defaults (a committed ``reports`` or
# ``build`` symlink must not carry the writes out of the project).
_WRITTEN = frozenset({"reports_dir", "baseline", "cache_dir"})


def _check_paths(cfg: Config, configured: Iterable[str]) -> None:
    """Every path the project's vaultproof.toml sets, and every place vaultproof writes, stays inside
    the project (command-line paths are the user's own choice)."""
    given = set(configured)
    for f in OPTIONS:
        kind = f.metadata["kind"]
        value = getattr(cfg, f.name)
        checked = f.name in given or (f.name in _WRITTEN and f.name not in cfg.from_cli)
        if not checked or value is None or not isinstance(kind, RelPath | RelPaths):
            continue
        where = f"{CONFIG_NAME}: [{f.metadata['section']}] {f.metadata['key']}"
        for entry in value if isinstance(value, tuple) else (value,):
            inside_root(cfg.root, entry, where)
    for source in cfg.sources:
        if not (cfg.root / source).exists():
            raise ConfigError(
                f"{CONFIG_NAME}: [project] sources entry {source!r} does not exist under {cfg.root}"
            )


def parse_file(data: Mapping[str, Any]) -> dict[str, Any]:
    """Field name → parsed value for every option the file sets; unknown sections/keys are errors."""
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(
                f"{CONFIG_NAME}: unknown section [{section}]{_nearest(section, list(SECTIONS))}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{CONFIG_NAME}: [{section}] must be a table")
        known = SECTIONS[section]
        for key, value in table.items():
            if key not in known:
                raise ConfigError(
                    f"{CONFIG_NAME}: unknown key {key!r} in [{section}]{_nearest(key, list(known))}"
                )
            f = known[key]
            values[f.name] = f.metadata["kind"].parse(value, f"{CONFIG_NAME}: [{section}] {key}")
    return values


def parse_cli(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Field name → parsed value for options given as flags (``None`` means not given)."""
    by_name = {f.name: f for f in OPTIONS}
    values: dict[str, Any] = {}
    for name, raw in overrides.items():
        if raw is None:
            continue
        f = by_name[name]
        value = f.metadata["kind"].parse(raw, f.metadata["flag"] or name)
        if isinstance(f.metadata["kind"], RelPath):
            value = str(Path(value).resolve())  # a path typed by the user is relative to the cwd
        values[name] = value
    return values


def load(root: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read ``<root>/vaultproof.toml`` strictly, then apply command-line ``overrides`` (by field name)."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ConfigError(f"project path {root} is not a directory")
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"{path} not found: a project needs a {CONFIG_NAME} naming its contracts and properties"
        )
    values = parse_file(_read_toml(path))
    cli = parse_cli(overrides or {})
    if not values.get("name"):
        values["name"] = root.name
    cfg = Config(root=root, **{**values, **cli}, from_cli=frozenset(cli))
    _check_paths(cfg, set(values) - set(cli))
    return _resolved(cfg, values)


_COMPILE_KEYS = ("solc_version", "foundry_profile", "optimizer", "optimizer_runs", "via_ir", "evm_version")


def _resolved(cfg: Config, values: Mapping[str, Any]) -> Config:
    """The target's compile settings resolved once (vaultproof.target: [project] over foundry.toml)."""
    given: dict[str, Any] = {key: values[key] for key in _COMPILE_KEYS if key in values}
    if "configured_remappings" in values:
        given["remappings"] = list(values["configured_remappings"])
    if "libs" in values:
        given["libs"] = list(values["libs"])
    settings = resolve(cfg.root, given)
    dependency_dirs = tuple(dict.fromkeys((*DEFAULT_DIRS, *settings.libs, *cfg.dependencies)))
    return replace(cfg, compile=settings, remappings=settings.remappings, dependency_dirs=dependency_dirs)


def defaults() -> dict[str, Any]:
    """Field name → default, for documentation and tests (the one place defaults live)."""
    return {f.name: f.default for f in OPTIONS if f.default is not MISSING}


DEFAULTS = defaults()


__all__ = [
    "CLI_OPTIONS",
    "CONFIG_NAME",
    "OPTIONS",
    "Config",
    "UpgradeCheck",
    "inside_root",
    "load",
    "replace",
]
