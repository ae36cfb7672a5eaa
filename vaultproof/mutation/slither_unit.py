"""Slither over a standard-JSON output that a :class:`~vaultproof.mutation.solc.SolcServer` produced.

crytic-compile would run solc again (``--version`` and the compile: two WebAssembly loads); this
platform hands it the AST already in hand, so a mutant costs one AST-only compile and one Slither parse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crytic_compile.compilation_unit import CompilationUnit
from crytic_compile.compiler.compiler import CompilerVersion
from crytic_compile.platform.solc_standard_json import SolcStandardJson, parse_standard_json_output

from vaultproof.toollog import ToolLog, capture_tool_logs


class _Precompiled(SolcStandardJson):  # type: ignore[misc]
    """A standard-JSON "platform" whose compile step is already done."""

    def __init__(self, output: Mapping[str, Any], version: str, root: Path) -> None:
        super().__init__()
        self._output = {"sources": output.get("sources", {})}
        self._version = version
        self._root = root

    def compile(self, crytic_compile: Any, **_: Any) -> None:
        unit = CompilationUnit(crytic_compile, "standard_json")
        unit.compiler_version = CompilerVersion(
            compiler="solc", version=self._version, optimized=False, optimize_runs=None
        )
        parse_standard_json_output(self._output, unit, solc_working_dir=str(self._root))


def slither_of(
    output: Mapping[str, Any], version: str, root: Path, texts: Mapping[str, str] | None = None
) -> tuple[Any, Any]:
    """(crytic, slither) for the AST in ``output``; source paths are relative to ``root``.

    ``texts`` (relative path → source) are the sources as compiled: crytic-compile would read the files
    on disk, and a mutant's offsets do not match the unmutated file there.
    """
    from crytic_compile.crytic_compile import CryticCompile
    from slither import Slither

    cwd = os.getcwd()
    try:
        os.chdir(root)
        with capture_tool_logs(ToolLog(), root):  # a mutant's warnings are not the run's tool log
            crytic = CryticCompile(_Precompiled(output, version.split("+")[0], root))
            content = dict(crytic.src_content)
            for filename in crytic.filenames:
                if texts and filename.relative in texts:
                    content[filename.absolute] = texts[filename.relative]
            crytic.src_content = content
            return crytic, Slither(crytic)
    finally:
        os.chdir(cwd)
