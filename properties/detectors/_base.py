"""The base class every vaultproof detector derives from: Slither's detector plus typed settings.

Settings come from ``[analyse.detectors.<ARGUMENT>]`` in ``vaultproof.toml``. The engine passes them in
with :meth:`VaultproofDetector.configure` (a subclass carrying its own ``CONFIG``, so nothing global is
mutated); on the plain Slither CLI path (``slither . --detect vp-…``) the detector reads the
``vaultproof.toml`` of the analysed project (never of the current directory) and otherwise falls back
to ``DEFAULTS``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from slither.core.declarations import Contract, Function
from slither.detectors.abstract_detector import AbstractDetector
from slither.utils.output import Output

from vaultproof.dependencies import DEFAULT_DIRS, is_dependency_path

WIKI_ROOT = "properties/detectors/README.md"
_PROPERTY_ID = re.compile(r"[A-Z]+-[0-9]+")
# A directory holding one of these is a project root: the settings search stops there.
_PROJECT_MARKERS = ("foundry.toml", "hardhat.config.js", "hardhat.config.ts", "package.json", ".git")


class SettingsError(ValueError):
    """A malformed ``[analyse.detectors.<name>]`` table (the engine turns it into a one-line ConfigError)."""


class VaultproofDetector(AbstractDetector):  # type: ignore[misc]
    """Common plumbing: settings, function selection by ``Contract.function`` or bare name."""

    # The catalogue id this detector decides (``ST-7``): the static property's verdict is its result.
    PROPERTY: ClassVar[str] = ""
    # Every setting a detector understands, with its default (also fixes the expected type).
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    # Set by ``configure``; ``None`` means "CLI path": read vaultproof.toml near the target if any.
    CONFIG: ClassVar[Mapping[str, Any] | None] = None
    # Engine facts (size limit, upgrade pairs) that are configured outside the detector's own table.
    CONTEXT: ClassVar[Mapping[str, Any]] = {}
    # Whether the detector reads SlithIR: a function Slither could not lower makes its result ERROR.
    NEEDS_IR: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A concrete detector (one that declares its ``ARGUMENT``) must name the property it decides;
        Slither only checks its own fields when the detector is instantiated, this fails at import."""
        super().__init_subclass__(**kwargs)
        if "ARGUMENT" not in cls.__dict__:
            return
        if not _PROPERTY_ID.fullmatch(cls.__dict__.get("PROPERTY", "")):
            raise TypeError(f"detector {cls.__name__} ({cls.ARGUMENT}) declares no PROPERTY id like 'ST-7'")
        # The wiki entry is the detector's section of the README, anchored by its argument: derived here so
        # the argument is written once (a detector documented elsewhere sets WIKI itself).
        if "WIKI" not in cls.__dict__:
            cls.WIKI = f"{WIKI_ROOT}#{cls.ARGUMENT}"

    @classmethod
    def configure(cls, settings: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> type:
        """A subclass bound to ``settings``; unknown keys or wrong types raise :class:`SettingsError`."""
        cls.validate(settings)
        namespace = {"CONFIG": dict(settings), "CONTEXT": dict(context or {}), "__module__": cls.__module__}
        bound: type = type(cls)(cls.__name__, (cls,), namespace)  # type: ignore[misc]
        return bound

    @classmethod
    def validate(cls, settings: Mapping[str, Any]) -> None:
        for key, value in settings.items():
            if key not in cls.DEFAULTS:
                known = ", ".join(sorted(cls.DEFAULTS)) or "none"
                raise SettingsError(
                    f"[analyse.detectors.{cls.ARGUMENT}] unknown setting {key!r} (known: {known})"
                )
            default = cls.DEFAULTS[key]
            if isinstance(default, list):
                if not isinstance(value, list) or not all(_same_kind(v, default) for v in value):
                    raise SettingsError(f"[analyse.detectors.{cls.ARGUMENT}] {key} must be a list")
            elif isinstance(default, bool) or isinstance(value, bool):
                if not isinstance(value, bool) or not isinstance(default, bool):
                    raise SettingsError(f"[analyse.detectors.{cls.ARGUMENT}] {key} must be a boolean")
            elif not isinstance(value, type(default)):
                raise SettingsError(
                    f"[analyse.detectors.{cls.ARGUMENT}] {key} must be of type {type(default).__name__}"
                )

    @property
    def settings(self) -> dict[str, Any]:
        merged = dict(self.DEFAULTS)
        configured = self.CONFIG if self.CONFIG is not None else self._settings_near_target()
        merged.update(configured)
        return merged

    def _settings_near_target(self) -> Mapping[str, Any]:
        """CLI path: the ``[analyse.detectors.<ARGUMENT>]`` table of the analysed project's vaultproof.toml.

        The search walks up from the target only to the project's own root (the first directory holding
        vaultproof.toml, or a project marker such as foundry.toml or .git): an enclosing checkout's
        configuration, or the current directory's, must never configure another project's detectors.
        """
        start = self._target_directory()
        for directory in (start, *start.parents):
            candidate = directory / "vaultproof.toml"
            if not candidate.is_file():
                if any((directory / marker).exists() for marker in _PROJECT_MARKERS):
                    return {}
                continue
            if candidate.is_file():
                try:
                    data = tomllib.loads(candidate.read_text(encoding="utf-8"))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                    return {}
                table = data.get("analyse", {}).get("detectors", {}).get(self.ARGUMENT, {})
                if isinstance(table, dict):
                    self.validate(table)
                    return table
                return {}
        return {}

    def _target_directory(self) -> Path:
        """The analysed directory: the CLI target if it is a path, else where the project's sources live
        (``--solc-standard-json`` targets are objects, not paths)."""
        target = getattr(self.compilation_unit.crytic_compile, "target", None)
        if isinstance(target, str) and Path(target).exists():
            path = Path(target).resolve()
            return path if path.is_dir() else path.parent
        sources = sorted(
            Path(c.source_mapping.filename.absolute).parent
            for c in self.compilation_unit.contracts
            if c.source_mapping.filename.absolute and not self.is_dependency(c)
        )
        if not sources:
            return Path(getattr(self.compilation_unit.crytic_compile, "working_dir", ".")).resolve()
        common = sources[0]
        for source in sources[1:]:
            while common not in (source, *source.parents):
                common = common.parent
        return common

    # -- configuration sanity: a misspelt name must not turn a check into a silent pass -------------

    def missing_functions(self, names: list[str]) -> list[Output]:
        known = {
            (owner, f.name)
            for c in self.compilation_unit.contracts
            for f in c.functions_and_modifiers
            for owner in (c.name, f.contract_declarer.name, "")
        }
        known |= {("", f.name) for f in self.compilation_unit.functions_top_level}
        out = []
        for entry in names:
            owner, _, name = entry.rpartition(".")
            if (owner, name) not in known:
                out.append(self.generate_result([f"configured function {entry} is not in the compilation\n"]))
        return out

    def configured_contract(
        self, by_name: dict[str, Contract], name: str, unknown: str, results: list[Output]
    ) -> Contract | None:
        """The configured contract ``name``, or None with the finding ``unknown`` added to ``results``."""
        contract = by_name.get(name)
        if contract is None:
            results.append(self.generate_result([unknown + "\n"]))
        return contract

    def missing_contracts(self, names: list[str]) -> list[Output]:
        known = {c.name for c in self.compilation_unit.contracts}
        return [
            self.generate_result([f"configured contract {name} is not in the compilation\n"])
            for name in names
            if name not in known
        ]

    # -- selection helpers -------------------------------------------------------------------------

    def is_dependency(self, contract: Contract) -> bool:
        """:func:`is_dependency` with the project's configured dependency directories."""
        return is_dependency(contract, tuple(self.CONTEXT.get("dependency_dirs", DEFAULT_DIRS)))

    def project_contracts(self) -> list[Contract]:
        """Derived contracts outside dependencies, in a stable order."""
        contracts = [c for c in self.compilation_unit.contracts_derived if not self.is_dependency(c)]
        return sorted(contracts, key=lambda c: (c.source_mapping.filename.relative, c.name))

    def all_project_contracts(self) -> list[Contract]:
        """Every contract (derived or not, interfaces excluded) outside dependencies."""
        contracts = [c for c in self.compilation_unit.contracts if not self.is_dependency(c)]
        return sorted(contracts, key=lambda c: (c.source_mapping.filename.relative, c.name))

    def selected_functions(self, configured: list[str], with_modifiers: bool = True) -> list[Function]:
        """Implemented project functions to check: the ``configured`` ones, or all when none is configured."""
        selected = []
        for contract in self.all_project_contracts():
            declared = (
                contract.functions_and_modifiers_declared if with_modifiers else contract.functions_declared
            )
            for function in sorted(declared, key=lambda f: str(f.canonical_name)):
                if function.is_implemented and (
                    not configured or names_match(function, configured, contract)
                ):
                    selected.append(function)
        return selected


class BuildArtifactDetector(VaultproofDetector):
    """A detector that reads the compiled bytecode or the declared storage layout, not SlithIR: a function
    Slither could not lower does not make its result ERROR."""

    NEEDS_IR = False


def by_canonical_name(function: Function) -> str:
    """Sort key: a function's canonical name (``Contract.f(args)``), stable across runs."""
    return str(function.canonical_name)


def is_dependency(contract: Contract, dirs: tuple[str, ...] = DEFAULT_DIRS) -> bool:
    """Library code, by the engine's one path rule (node_modules, lib/, the project's vendored dirs)."""
    filename = contract.source_mapping.filename
    return is_dependency_path(str(filename.relative or filename.absolute or ""), dirs)


def _same_kind(value: Any, default: list[Any]) -> bool:
    if not default:
        return isinstance(value, str | list)
    return isinstance(value, type(default[0]))


def names_match(function: Function, names: list[str], contract: Contract | None = None) -> bool:
    """``names`` holds ``Contract.function`` or bare ``function`` entries."""
    owners = {function.contract_declarer.name}
    if contract is not None:
        owners.add(contract.name)
    for entry in names:
        owner, _, name = entry.rpartition(".")
        if name == function.name and (not owner or owner in owners):
            return True
    return False


def is_state_changing_entry(function: Function, exempt: list[str], contract: Contract) -> bool:
    """An implemented public/external function that is not a constructor, view, pure, or exempt."""
    return bool(
        function.is_implemented
        and not function.is_constructor
        and function.visibility in ("public", "external")
        and not function.view
        and not function.pure
        and not names_match(function, exempt, contract)
    )


def pattern_match(pattern: str, text: str) -> bool:
    return bool(pattern) and re.search(pattern, text) is not None
