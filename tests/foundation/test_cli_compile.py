"""`vaultproof compile`, `--help`, and one-line errors with exit code 2 for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vaultproof.cli import COMMANDS, _main
from vaultproof.compile import CompiledProject, describe_compile_failure
from vaultproof.results import ExitCode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def test_compile_lists_contracts_with_deployed_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    result = _main(["compile", str(FIXTURES / "tiny")])
    assert result.exit_code is ExitCode.CLEAN
    assert isinstance(result.payload, CompiledProject)
    sizes = {s.contract: s.deployed_bytes for s in result.payload.sizes()}
    assert set(sizes) == {"Tiny", "TinyMath"}
    assert sizes["Tiny"] > 1000
    out = capsys.readouterr().out
    assert "Tiny" in out and "deployed bytes" in out
    assert "Ownable" not in out  # dependencies from node_modules are not the project's contracts


def test_non_compiling_file_is_one_line_with_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    result = _main(["compile", str(FIXTURES / "broken")])
    assert result.exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["vaultproof: error: contracts/Broken.sol:9: ParserError: Expected ';' but got '}'"]


def test_missing_project_and_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["compile", str(tmp_path / "nope")]).exit_code is ExitCode.BAD_INPUT
    assert _main(["compile", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert "is not a directory" in lines[0]
    assert "vaultproof.toml not found" in lines[1]


def test_help_lists_every_pipeline_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vaultproof", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("compile", "analyse", "prove", "report", "run"):
        assert command in COMMANDS
        assert f"    {command}" in proc.stdout


def test_unknown_command_is_bad_input() -> None:
    assert _main(["frobnicate"]).exit_code is ExitCode.BAD_INPUT


def test_describe_compile_failure_without_location() -> None:
    assert describe_compile_failure("DeclarationError: Identifier not found.", Path("/")) == (
        "DeclarationError: Identifier not found."
    )
