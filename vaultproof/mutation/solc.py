"""One long-lived solc-js per worker, and the cheapest standard-JSON input for each question.

``vaultproof compile`` pays for the WebAssembly load (about a second) and an optimized compile of the
whole project on every call. A mutant needs neither: the server (``solc_server.js``) loads solc once,
and each request names only the sources of one compilation closure with the smallest output
selection that answers the question: the AST for Slither, creation bytecode of the witness contracts
for equivalence, never the optimizer, never metadata (``appendCBOR: false``) so that bytecode depends
on the code alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vaultproof.errors import ToolchainError

SERVER = Path(__file__).with_name("solc_server.js")


class SolcServer:
    """A solc-js process answering standard-JSON requests, one per line."""

    def __init__(self, package: Path, root: Path) -> None:
        node = shutil.which("node")
        if node is None:
            raise ToolchainError("node is not on PATH; install Node.js 18+ (make setup does it on Debian)")
        self._process = subprocess.Popen(
            [node, str(SERVER), str(package), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        hello = self._read()
        self.version = str(hello.get("version", "")).replace(".Emscripten.clang", "")
        self.pid: int | None = self._process.pid

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise ToolchainError("the solc-js server exited unexpectedly")
        data = json.loads(line)
        assert isinstance(data, dict)
        return data

    def compile(self, standard_json: Mapping[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(standard_json, sort_keys=True) + "\n")
        self._process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> SolcServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def solc_package(config: Any) -> tuple[Path, Path]:
    """(the solc npm package this target compiles with, node_modules holding forge and OpenZeppelin)."""
    from vaultproof.compile import choose_solc_version, project_sources
    from vaultproof.toolchain import locate

    wanted, _ = choose_solc_version(config, project_sources(config))
    toolchain = locate(config.root, config.solc_shim, wanted)
    return toolchain.solc_js or toolchain.node_modules / "solc", toolchain.node_modules


def standard_input(
    sources: Mapping[str, str],
    remappings: Iterable[str],
    evm_version: str | None,
    ast: Iterable[str] | bool = True,
    bytecode: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """Standard JSON for ``sources`` (path → text): the AST of every source (``ast=True``) or of the
    named ones, and creation bytecode only for ``bytecode`` (path → contract names). No optimizer, no
    metadata hash."""
    selection: dict[str, dict[str, list[str]]] = {}
    if ast is True:
        selection["*"] = {"": ["ast"]}
    elif ast:
        for path in sorted(ast):
            selection[path] = {"": ["ast"]}
    for path, names in sorted((bytecode or {}).items()):
        entry = selection.setdefault(path, {})
        for name in sorted(names):
            entry[name] = ["evm.bytecode.object"]
    settings: dict[str, Any] = {
        "optimizer": {"enabled": False},
        "metadata": {"appendCBOR": False, "bytecodeHash": "none"},
        "outputSelection": selection,
        "remappings": sorted(remappings),
    }
    if evm_version:
        settings["evmVersion"] = evm_version
    return {
        "language": "Solidity",
        "sources": {path: {"content": text} for path, text in sorted(sources.items())},
        "settings": settings,
    }


def errors(output: Mapping[str, Any]) -> list[str]:
    """solc's error messages (warnings left out), formatted as solc prints them."""
    return [
        str(e.get("formattedMessage") or e.get("message"))
        for e in output.get("errors", [])
        if e.get("severity") == "error"
    ]


def creation_bytecode(output: Mapping[str, Any], path: str, name: str) -> str:
    contract = output.get("contracts", {}).get(path, {}).get(name, {})
    return str(contract.get("evm", {}).get("bytecode", {}).get("object", ""))
