"""Compile a project through crytic-compile with the solc shim; fail with file:line on errors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from vaultproof import pragma
from vaultproof.config import Config
from vaultproof.dependencies import is_dependency_path
from vaultproof.errors import CompileError, ContainmentError, ToolchainError
from vaultproof.results import BytecodeSize
from vaultproof.toolchain import Toolchain, locate
from vaultproof.toollog import ToolLog, capture_tool_logs

_LOCATION = re.compile(r"-->\s*(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+):")
_HEADLINE = re.compile(r"^(?:\w+: )?(?P<kind>\w*Error): (?P<message>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class ContractArtifact:
    name: str
    source: str  # path relative to the project root
    deployed_bytes: int
    is_library: bool
    is_abstract: bool


@dataclass
class CompiledProject:
    """The compilation unit of one project plus the artifacts every later stage reads."""

    config: Config
    toolchain: Toolchain
    crytic: Any
    artifacts: tuple[ContractArtifact, ...]
    solc_version: str
    solc_origin: str = ""  # why this version: "vaultproof.toml [project]", "the sources' pragmas", ...
    # Everything crytic-compile and Slither logged at warning or above, in order (reports/slither.log).
    log: ToolLog = field(default_factory=ToolLog)
    _slither: Any = field(default=None, repr=False)

    def inputs(self) -> list[Path]:
        """Every file the compiler read (the project's sources and their imports, node_modules too)."""
        files = set()
        for unit in self.crytic.compilation_units.values():
            for filename in unit.source_units:
                files.add(Path(filename.absolute))
        return sorted(files)

    @cached_property
    def slither(self) -> Any:
        """Slither over the same compilation (built once, on first use)."""
        from slither import Slither

        with capture_tool_logs(self.log, self.config.root):
            try:
                return Slither(self.crytic)
            except Exception as exc:  # Slither's parser gave up on the whole compilation
                detail = " ".join(str(exc).split())[:300]
                raise ToolchainError(
                    f"Slither could not analyse the compilation: {type(exc).__name__}: {detail}"
                ) from None

    def is_dependency(self, source: str) -> bool:
        return is_dependency_path(source, self.config.dependency_dirs, self.config.root)

    def project_contracts(self) -> list[ContractArtifact]:
        return [a for a in self.artifacts if not self.is_dependency(a.source)]

    def sizes(self) -> tuple[BytecodeSize, ...]:
        return tuple(
            BytecodeSize(
                contract=a.name,
                source=a.source,
                deployed_bytes=a.deployed_bytes,
                limit_bytes=self.config.size_limit,
            )
            for a in self.project_contracts()
            if a.deployed_bytes > 0
        )

    def functions(self) -> Iterator[tuple[str, str]]:
        """Every (contract, function) pair Slither sees, internal ones included."""
        for contract in self.slither.contracts:
            for function in contract.functions_and_modifiers:
                yield contract.name, function.name


def project_sources(config: Config) -> list[Path]:
    """The project's own .sol files under ``[project] sources``; a file or symlink resolving outside
    the project root is refused (an analysed repository must not make vaultproof compile elsewhere)."""
    root = config.root.resolve()
    files: list[Path] = []
    for entry in config.sources:
        path = config.root / entry
        files.extend(sorted(path.rglob("*.sol")) if path.is_dir() else [path])
    for file in files:
        resolved = file.resolve()
        if root not in resolved.parents:
            raise ContainmentError(
                f"source {file.relative_to(config.root)} resolves to {resolved}, outside the project root"
            )
    if not files:
        raise CompileError(f"no .sol files under {', '.join(config.sources)} in {config.root}")
    return files


def describe_compile_failure(text: str, root: Path) -> str:
    """One line: ``file:line: Kind: message`` from solc's formatted error (the first error wins)."""
    headline = _HEADLINE.search(text)
    location = _LOCATION.search(text)
    kind = headline.group("kind") if headline else "CompilerError"
    message = headline.group("message").strip() if headline else " ".join(text.split())[:300]
    if location:
        file = location.group("file").strip()
        with suppress(ValueError):  # outside the project root: keep solc's path as given
            file = str(Path(file).resolve().relative_to(root))
        return f"{file}:{location.group('line')}: {kind}: {message}"
    return f"{kind}: {message}"


@contextmanager
def _shim_on_path(toolchain: Toolchain) -> Iterator[None]:
    """crytic-compile runs solc with ``os.environ``: expose the shim and this target's compiler there."""
    env = toolchain.env()
    keys = ("PATH", "VAULTPROOF_SOLC_JS")
    saved = {k: os.environ.get(k) for k in keys}
    for key in keys:
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def choose_solc_version(config: Config, sources: list[Path]) -> tuple[str, str]:
    """``(version, where it came from)``: configured (checked against every pragma), else the highest
    release every pragma of the sources and their imports allows."""
    pragmas = pragma.collect_pragmas(config.root, sources, config.remappings)
    configured = config.compile.solc_version
    if configured.value is not None:
        try:
            version = pragma.parse_version(configured.value)
        except ValueError as exc:
            raise CompileError(f"{configured.origin}: solc_version: {exc}") from None
        pragma.check_pinned(version, pragmas, configured.origin)
        return pragma.show(version), configured.origin
    return pragma.show(pragma.resolve_version(pragmas)), "the sources' pragmas"


def standard_json_settings(config: Config) -> dict[str, Any]:
    """The ``settings`` the target compiles with (only keys it sets: solc's defaults stay implicit)."""
    settings: dict[str, Any] = {}
    chosen = config.compile
    if chosen.optimizer.value:
        settings["optimizer"] = {"enabled": True, "runs": chosen.optimizer_runs.value}
    if chosen.evm_version.value:
        settings["evmVersion"] = chosen.evm_version.value
    if chosen.via_ir.value:
        settings["viaIR"] = True
    return settings


def _describe(text: str, config: Config, version: str) -> str:
    if "Invalid EVM version requested" in text:
        evm = config.compile.evm_version
        return (
            f"evm_version {evm.value!r} ({evm.origin}) is not known to solc {version}; "
            "set [project] evm_version in vaultproof.toml to one it supports, or a newer solc_version"
        )
    return describe_compile_failure(text, config.root)


# What an analysis-only compile asks solc for: the AST alone (what Slither and the prover read; no
# contract outputs, so no code generation, which is most of what an unoptimized solc-js compile costs).
_ANALYSIS_OUTPUTS = {"*": {"": ["ast"]}}


def compile_project(config: Config, analysis_only: bool = False) -> CompiledProject:
    """Compile the project's sources. ``analysis_only``: the AST only (no artifacts'
    at all), for callers that need Slither's view and nothing the EVM runs."""
    from crytic_compile.crytic_compile import CryticCompile
    from crytic_compile.platform.exceptions import InvalidCompilation
    from crytic_compile.platform.solc_standard_json import SolcStandardJson

    sources = project_sources(config)
    wanted, origin = choose_solc_version(config, sources)
    toolchain = locate(config.root, config.solc_shim, wanted)
    solc_version = toolchain.solc_version()
    if not solc_version.startswith(f"{wanted}+"):
        raise ToolchainError(
            f"solc {wanted} was asked for ({origin}) but the shim {toolchain.solc_shim} runs {solc_version}"
        )
    standard_json = SolcStandardJson()
    for source in sources:
        standard_json.add_source_file(str(source.relative_to(config.root)))
    for remapping in config.remappings:
        standard_json.add_remapping(remapping)
    settings = standard_json.to_dict().setdefault("settings", {})
    settings.update(standard_json_settings(config))
    if analysis_only:
        settings["outputSelection"] = _ANALYSIS_OUTPUTS

    log = ToolLog()
    try:
        with _inside(config.root), _shim_on_path(toolchain), capture_tool_logs(log, config.root):
            crytic = CryticCompile(
                standard_json, solc=str(toolchain.solc_shim), solc_working_dir=str(config.root)
            )
    except InvalidCompilation as exc:
        raise CompileError(_describe(str(exc), config, wanted)) from None
    except OSError as exc:
        raise ToolchainError(f"solc shim failed to run: {exc}") from None
    return _compiled(config, toolchain, crytic, solc_version, origin, log)


def export_compilation(project: CompiledProject) -> dict[str, Any]:
    """crytic-compile's own ``standard`` export of the compilation (ASTs, bytecode, source maps):
    what a cache keeps so that a changed detector or triage re-runs Slither without re-running solc."""
    from crytic_compile.platform.standard import generate_standard_export

    exported: dict[str, Any] = generate_standard_export(project.crytic)
    return exported


def reload_compilation(
    config: Config, exported: dict[str, Any], solc_version: str, solc_origin: str, log: ToolLog
) -> CompiledProject:
    """A :class:`CompiledProject` from :func:`export_compilation`'s output, without running solc; ``log``
    is what the original compilation logged (so reports/slither.log is the same as a cold run's)."""
    import json
    import tempfile

    from crytic_compile.crytic_compile import CryticCompile

    toolchain = locate(config.root, config.solc_shim)
    with tempfile.TemporaryDirectory(prefix="vaultproof-crytic-") as tmp:
        # crytic-compile recognises its standard format by the file name suffix ``_export.json``
        target = Path(tmp) / "cached_export.json"
        target.write_text(json.dumps(exported), encoding="utf-8")
        # reloading logs nothing worth keeping
        with _inside(config.root), capture_tool_logs(ToolLog(), config.root):
            crytic = CryticCompile(str(target))
    return _compiled(config, toolchain, crytic, solc_version, solc_origin, log)


@contextmanager
def _inside(root: Path) -> Iterator[None]:
    """crytic-compile resolves the sources' relative paths against the working directory."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(cwd)


def _compiled(
    config: Config, toolchain: Toolchain, crytic: Any, solc_version: str, solc_origin: str, log: ToolLog
) -> CompiledProject:
    return CompiledProject(
        config=config,
        toolchain=toolchain,
        crytic=crytic,
        artifacts=_artifacts(crytic),
        solc_version=solc_version,
        solc_origin=solc_origin,
        log=log,
    )


def _artifacts(crytic: Any) -> tuple[ContractArtifact, ...]:
    artifacts: list[ContractArtifact] = []
    for unit in crytic.compilation_units.values():
        for source_unit in unit.source_units.values():
            relative = source_unit.filename.relative
            for name in sorted(source_unit.contracts_names):
                runtime = source_unit.bytecode_runtime(name) or ""
                abi: Any = source_unit.abi(name) or []
                artifacts.append(
                    ContractArtifact(
                        name=name,
                        source=relative,
                        deployed_bytes=len(runtime) // 2,
                        is_library=runtime.startswith("73"),
                        is_abstract=not runtime and any(e.get("type") == "function" for e in abi),
                    )
                )
    artifacts.sort(key=lambda a: (a.source, a.name))
    return tuple(artifacts)
