"""Compile a project through crytic-compile with the solc shim; fail with file:line on errors."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.errors import CompileError, ContainmentError, ToolchainError
from vaultproof.results import BytecodeSize
from vaultproof.toolchain import Toolchain, locate

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

        with _quiet_logs():
            return Slither(self.crytic)

    def project_contracts(self) -> list[ContractArtifact]:
        return [a for a in self.artifacts if "node_modules/" not in a.source]

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
def _quiet_logs() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("CryticCompile", "Slither", "Detectors", "Printers")]
    previous = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, previous, strict=True):
            lg.setLevel(level)


@contextmanager
def _shim_on_path(toolchain: Toolchain) -> Iterator[None]:
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = toolchain.env()["PATH"]
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def compile_project(config: Config) -> CompiledProject:
    from crytic_compile.crytic_compile import CryticCompile
    from crytic_compile.platform.exceptions import InvalidCompilation
    from crytic_compile.platform.solc_standard_json import SolcStandardJson

    toolchain = locate(config.root, config.solc_shim)
    solc_version = toolchain.solc_version()
    standard_json = SolcStandardJson()
    for source in project_sources(config):
        standard_json.add_source_file(str(source.relative_to(config.root)))
    remappings = config.remappings or (f"@openzeppelin/={toolchain.node_modules}/@openzeppelin/",)
    for remapping in remappings:
        standard_json.add_remapping(remapping)
    settings = standard_json.to_dict().setdefault("settings", {})
    if config.optimizer_runs is not None:
        settings["optimizer"] = {"enabled": True, "runs": config.optimizer_runs}
    if config.evm_version:
        settings["evmVersion"] = config.evm_version

    cwd = os.getcwd()
    try:
        os.chdir(config.root)
        with _shim_on_path(toolchain), _quiet_logs():
            crytic = CryticCompile(
                standard_json, solc=str(toolchain.solc_shim), solc_working_dir=str(config.root)
            )
    except InvalidCompilation as exc:
        raise CompileError(describe_compile_failure(str(exc), config.root)) from None
    except OSError as exc:
        raise ToolchainError(f"solc shim failed to run: {exc}") from None
    finally:
        os.chdir(cwd)
    return CompiledProject(
        config=config,
        toolchain=toolchain,
        crytic=crytic,
        artifacts=_artifacts(crytic),
        solc_version=solc_version,
    )


def export_compilation(project: CompiledProject) -> dict[str, Any]:
    """crytic-compile's own ``standard`` export of the compilation (ASTs, bytecode, source maps):
    what a cache keeps so that a changed detector or triage re-runs Slither without re-running solc."""
    from crytic_compile.platform.standard import generate_standard_export

    exported: dict[str, Any] = generate_standard_export(project.crytic)
    return exported


def reload_compilation(config: Config, exported: dict[str, Any], solc_version: str) -> CompiledProject:
    """A :class:`CompiledProject` from :func:`export_compilation`'s output, without running solc."""
    import json
    import tempfile

    from crytic_compile.crytic_compile import CryticCompile

    toolchain = locate(config.root, config.solc_shim)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="vaultproof-crytic-") as tmp:
        # crytic-compile recognises its standard format by the file name suffix ``_export.json``
        target = Path(tmp) / "cached_export.json"
        target.write_text(json.dumps(exported), encoding="utf-8")
        try:
            os.chdir(config.root)
            with _quiet_logs():
                crytic = CryticCompile(str(target))
        finally:
            os.chdir(cwd)
    return CompiledProject(
        config=config,
        toolchain=toolchain,
        crytic=crytic,
        artifacts=_artifacts(crytic),
        solc_version=solc_version,
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
