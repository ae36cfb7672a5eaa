"""The solc shim behaves like native solc for the two modes crytic-compile, Slither and forge use."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIM = ROOT / "tools" / "solc"


def run_shim(payload: Mapping[str, object], *args: str, cwd: Path = ROOT) -> dict[str, Any]:
    """The shim's standard-JSON answer to ``payload`` (JSON: its shape is solc's, not typed here)."""
    proc = subprocess.run(
        [str(SHIM), "--standard-json", *args],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def errors_of(output: Mapping[str, Any]) -> list[dict[str, str]]:
    return [e for e in output.get("errors", []) if e["severity"] == "error"]


def test_version_answers_like_native_solc() -> None:
    out = subprocess.run([str(SHIM), "--version"], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert lines[1].startswith("Version: 0.8.28+commit.")
    assert "Emscripten" not in out


def test_output_larger_than_64_kib_round_trips_intact() -> None:
    # 300 functions with full AST + bytecode output: far beyond one 64 KiB pipe buffer.
    body = "\n".join(
        f"    function f{i}(uint256 x) external pure returns (uint256) {{ return x * {i + 1}; }}"
        for i in range(300)
    )
    source = f"// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract Big {{\n{body}\n}}\n"
    payload = {
        "language": "Solidity",
        "sources": {"Big.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.deployedBytecode.object"], "": ["ast"]}}},
    }
    proc = subprocess.run(
        [str(SHIM), "--standard-json"], input=json.dumps(payload), capture_output=True, text=True, check=True
    )
    assert len(proc.stdout.encode()) > 64 * 1024
    output = json.loads(proc.stdout)  # a truncated stream would not parse
    assert not errors_of(output)
    abi = output["contracts"]["Big.sol"]["Big"]["abi"]
    assert len(abi) == 300
    assert output["contracts"]["Big.sol"]["Big"]["evm"]["deployedBytecode"]["object"]


def test_import_from_node_modules_resolves() -> None:
    source = (
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n"
        'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";\n'
        "contract Owned is Ownable { constructor() Ownable(msg.sender) {} }\n"
    )
    payload = {
        "language": "Solidity",
        "sources": {"Owned.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    output = run_shim(payload)
    assert not errors_of(output)
    assert "node_modules/@openzeppelin/contracts/access/Ownable.sol" in str(output["sources"]) or (
        "@openzeppelin/contracts/access/Ownable.sol" in output["sources"]
    )
    assert "Owned" in output["contracts"]["Owned.sol"]


def test_source_given_by_url_is_read_from_disk(tmp_path: Path) -> None:
    (tmp_path / "A.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract A {}\n"
    )
    payload = {
        "language": "Solidity",
        "sources": {"A.sol": {"urls": ["A.sol"]}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    output = run_shim(payload, "--base-path", str(tmp_path))
    assert not errors_of(output)
    assert "A" in output["contracts"]["A.sol"]


def test_syntax_error_is_a_compiler_error_not_a_crash() -> None:
    payload = {
        "language": "Solidity",
        "sources": {"Bad.sol": {"content": "pragma solidity 0.8.28; contract Bad { uint x = }"}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    output = run_shim(payload)
    errors = errors_of(output)
    assert errors, "a syntax error must come back as an error entry"
    assert errors[0]["type"] == "ParserError"
    assert "Bad.sol:1:" in errors[0]["formattedMessage"]


def test_missing_import_is_a_compiler_error() -> None:
    payload = {
        "language": "Solidity",
        "sources": {
            "M.sol": {"content": 'pragma solidity 0.8.28; import "does/not/Exist.sol"; contract M {}'}
        },
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    errors = errors_of(run_shim(payload))
    assert errors and "not found" in errors[0]["formattedMessage"].lower()


@pytest.mark.parametrize("flag", ["--bin", "--optimize"])
def test_unsupported_mode_fails_loudly(flag: str) -> None:
    proc = subprocess.run([str(SHIM), flag], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "solc shim" in proc.stderr
