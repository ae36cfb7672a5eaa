"""Third-party-shaped targets compile with their own compiler and settings; each failure a new user hit on
real protocols (issue 14) is a test here: the fixture, and the one-line error or the result expected.

The fixtures under tests/fixtures/projects/ are compiled once per module. The 0.8.15 compiler comes from
npm on first use into the per-user cache, so a second run does not download it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaultproof import pragma
from vaultproof.cli import _main
from vaultproof.compile import CompiledProject, compile_project, standard_json_settings
from vaultproof.config import load
from vaultproof.errors import CompileError
from vaultproof.results import ExitCode
from vaultproof.toolchain import BUNDLED_SOLC, ensure_solc

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lending() -> CompiledProject:
    return compile_project(load(PROJECTS / "lending-0815"))


@pytest.fixture(scope="module")
def viair() -> CompiledProject:
    return compile_project(load(PROJECTS / "perp-viair"))


@pytest.fixture(scope="module")
def foundry_oz4() -> CompiledProject:
    return compile_project(load(PROJECTS / "foundry-oz4"))


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target, symlinks=True)
    return target


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


# -- 1. one compiler per target ------------------------------------------------------------------


def test_pinned_0815_target_compiles_with_solc_0815_from_its_pragma(lending: CompiledProject) -> None:
    assert lending.solc_version.startswith("0.8.15+commit.")
    assert lending.solc_origin == "the sources' pragmas"
    assert {a.name for a in lending.project_contracts()} >= {"LendingMarket"}
    assert any(a.name == "LendingMarket" and a.deployed_bytes > 1000 for a in lending.artifacts)


def test_compile_names_the_version_used(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["compile", str(PROJECTS / "lending-0815")]).exit_code is ExitCode.CLEAN
    out = capsys.readouterr().out
    assert "with solc 0.8.15+commit.e14f2714" in out and "(from the sources' pragmas)" in out


def test_bundled_version_is_taken_from_node_modules_not_the_cache(viair: CompiledProject) -> None:
    assert viair.solc_version.startswith("0.8.28+")
    assert viair.toolchain.solc_js == BUNDLED_SOLC


def test_first_use_installs_into_an_empty_cache_once_even_when_runs_race(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two processes ask for the same missing compiler at once: the lock makes one install, both get it.
    cache = tmp_path / "cache"
    code = "from vaultproof.toolchain import ensure_solc; print(ensure_solc('0.8.15'))"
    env = {**os.environ, "VAULTPROOF_SOLC_CACHE": str(cache)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    expected = cache / "0.8.15" / "node_modules" / "solc"
    assert outputs == [str(expected), str(expected)]
    assert sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) == ["0.8.15"]
    stamp = (expected / "package.json").stat().st_mtime_ns
    monkeypatch.setenv("VAULTPROOF_SOLC_CACHE", str(cache))
    assert ensure_solc("0.8.15") == expected  # cached: no second install
    assert (expected / "package.json").stat().st_mtime_ns == stamp


def test_shim_runs_the_version_asked_for_by_environment() -> None:
    ensure_solc("0.8.15")
    shim = REPO / "vaultproof" / "shim" / "solc"
    out = subprocess.run(
        [str(shim), "--version"],
        env={**os.environ, "VAULTPROOF_SOLC_VERSION": "0.8.15"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Version: 0.8.15+commit.e14f2714.Linux.g++" in out


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("0.8.15", "0.8.15"),
        ("=0.8.15", "0.8.15"),
        ("^0.8.0 <0.8.20", "0.8.19"),
        (">=0.8.4 <=0.8.17", "0.8.17"),
        ("~0.7.2", "0.7.6"),
        ("0.6.12 || 0.7.6", "0.7.6"),
        ("0.8", "0.8.37"),
        ("0.8.10 - 0.8.12", "0.8.12"),
        (">0.8.35 <0.8.37", "0.8.36"),
        ("<0.8.0", "0.7.6"),
    ],
)
def test_pragma_resolution_picks_the_highest_release(constraint: str, expected: str) -> None:
    version = pragma.resolve_version([pragma.Pragma("A.sol", constraint)])
    assert pragma.show(version) == expected


def test_files_needing_different_versions_are_one_line_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "vaultproof.toml").write_text('[project]\nsources = ["contracts"]\n')
    (tmp_path / "contracts" / "Old.sol").write_text("pragma solidity 0.8.15;\ncontract Old {}\n")
    (tmp_path / "contracts" / "New.sol").write_text("pragma solidity ^0.8.20;\ncontract New {}\n")
    assert _main(["compile", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line == (
        "vaultproof: error: no single solc version satisfies every pragma: contracts/New.sol needs "
        "^0.8.20, contracts/Old.sol needs 0.8.15 (compile them as separate projects, or align the pragmas)"
    )


def test_pinned_solc_version_that_a_pragma_refuses_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _copy("lending-0815", tmp_path)
    (target / "vaultproof.toml").write_text(
        (target / "vaultproof.toml").read_text().replace("[project]", '[project]\nsolc_version = "0.8.28"')
    )
    assert _main(["compile", str(target)]).exit_code is ExitCode.BAD_INPUT
    assert _one_error_line(capsys) == (
        "vaultproof: error: solc 0.8.28 (vaultproof.toml [project]) does not satisfy "
        "contracts/LendingMarket.sol: pragma solidity 0.8.15"
    )


def test_imported_files_pragmas_count(foundry_oz4: CompiledProject) -> None:
    config = foundry_oz4.config
    pragmas = pragma.collect_pragmas(
        config.root, [config.root / "src" / "PerpExchange.sol"], config.remappings
    )
    files = {p.file for p in pragmas}
    assert "node_modules/@openzeppelin/contracts/access/Ownable.sol" in files
    assert "lib/vendored-math/src/WadMath.sol" in files
    assert "node_modules/@openzeppelin/contracts/utils/Context.sol" in files  # followed via ../


# -- 2. the target's own settings ------------------------------------------------------------------


def test_foundry_evm_version_unknown_to_the_chosen_compiler_is_one_line_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _copy("lending-0815", tmp_path)
    (target / "foundry.toml").write_text('[profile.default]\nevm_version = "cancun"\n')
    assert _main(["compile", str(target)]).exit_code is ExitCode.BAD_INPUT
    assert _one_error_line(capsys) == (
        "vaultproof: error: evm_version 'cancun' (foundry.toml [profile.default]) is not known to solc "
        "0.8.15; set [project] evm_version in vaultproof.toml to one it supports, or a newer solc_version"
    )
    # ... and vaultproof.toml overrides foundry.toml.
    (target / "vaultproof.toml").write_text(
        (target / "vaultproof.toml").read_text().replace("[project]", '[project]\nevm_version = "london"')
    )
    assert _main(["compile", str(target)]).exit_code is ExitCode.CLEAN


def test_via_ir_comes_from_foundry_toml(viair: CompiledProject) -> None:
    settings = standard_json_settings(viair.config)
    assert settings == {"optimizer": {"enabled": True, "runs": 1000}, "evmVersion": "cancun", "viaIR": True}
    assert any(a.name == "PerpSettlement" and a.deployed_bytes > 0 for a in viair.artifacts)


def test_without_via_ir_the_stack_too_deep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _copy("perp-viair", tmp_path)
    (target / "vaultproof.toml").write_text((target / "vaultproof.toml").read_text() + "via_ir = false\n")
    assert _main(["compile", str(target)]).exit_code is ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line.startswith("vaultproof: error: src/PerpSettlement.sol:28: CompilerError: Stack too deep.")


def test_foundry_profile_remappings_txt_and_auto_remappings(foundry_oz4: CompiledProject) -> None:
    config = foundry_oz4.config
    assert config.remappings == (
        "@openzeppelin/=node_modules/@openzeppelin/",
        "vendored-math/=lib/vendored-math/src/",
        "@perps/shared/=packages/shared/src/",
    )
    assert standard_json_settings(config) == {
        "optimizer": {"enabled": True, "runs": 200},
        "evmVersion": "paris",
    }
    assert config.dependency_dirs == ("node_modules", "lib", "packages/shared")


def test_named_foundry_profile_inherits_default(tmp_path: Path) -> None:
    target = _copy("foundry-oz4", tmp_path)
    (target / "vaultproof.toml").write_text(
        (target / "vaultproof.toml").read_text().replace("[project]", '[project]\nfoundry_profile = "ci"')
    )
    config = load(target)
    assert standard_json_settings(config) == {
        "optimizer": {"enabled": True, "runs": 10000},
        "evmVersion": "paris",
    }
    assert config.compile.optimizer_runs.origin == "foundry.toml [profile.ci]"


def test_oz4_target_compiles_against_its_own_openzeppelin(foundry_oz4: CompiledProject) -> None:
    ownable = next(c for c in foundry_oz4.slither.contracts if c.name == "Ownable")
    assert (
        ownable.source_mapping.filename.relative == "node_modules/@openzeppelin/contracts/access/Ownable.sol"
    )
    assert ownable.constructor is not None and not ownable.constructor.parameters  # 4.x: Ownable()
    assert "ReentrancyGuard" in {c.name for c in foundry_oz4.slither.contracts}
    # Dependencies by path: node_modules, lib/ and the configured workspace package are not the project's.
    assert [a.name for a in foundry_oz4.project_contracts()] == ["PerpExchange"]


def test_imports_never_resolve_against_vaultproofs_own_node_modules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "vaultproof.toml").write_text('[project]\nsources = ["contracts"]\n')
    (tmp_path / "contracts" / "A.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n"
        'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";\n'
        "contract A is Ownable { constructor() Ownable(msg.sender) {} }\n"
    )
    assert (REPO / "node_modules" / "@openzeppelin" / "contracts" / "access" / "Ownable.sol").is_file()
    assert _main(["compile", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line.startswith(
        "vaultproof: error: contracts/A.sol:3: ParserError: "
        'Source "@openzeppelin/contracts/access/Ownable.sol" not found'
    )


def test_malformed_compile_settings_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "foundry.toml").write_text("[profile.default]\nvia_ir = 'yes'\n")
    (tmp_path / "vaultproof.toml").write_text('[project]\nsources = ["contracts"]\n')
    assert _main(["compile", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    assert _one_error_line(capsys) == (
        "vaultproof: error: foundry.toml [profile.default]: via_ir must be of type bool, got 'yes'"
    )
    (tmp_path / "vaultproof.toml").write_text('[project]\nsources = ["contracts"]\nsolc_version = "latest"\n')
    (tmp_path / "foundry.toml").unlink()
    (tmp_path / "contracts" / "A.sol").write_text("pragma solidity 0.8.28;\ncontract A {}\n")
    assert _main(["compile", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    assert "solc_version: not a solc version: 'latest'" in _one_error_line(capsys)


def test_bad_pragma_is_compile_error() -> None:
    with pytest.raises(CompileError, match="matches no known solc release"):
        pragma.resolve_version([pragma.Pragma("A.sol", "^0.9.0")])


# -- each fixture analyses from its own vaultproof.toml -------------------------------------------


def _analysed(project: CompiledProject) -> set[tuple[str, str, str]]:
    from vaultproof.analysis import run_analysis
    from vaultproof.console import Console
    from vaultproof.prover.runner import load_registry

    outcome = run_analysis(project, load_registry("properties", REPO), Console(quiet=True))
    assert outcome.tool_errors == () and outcome.without_ir == ()
    return {(f.detector, f.contract, f.function) for f in outcome.findings if f.detector.startswith("vp-")}


def test_lending_0815_analyses_with_absorb_as_a_must_not_revert_root(lending: CompiledProject) -> None:
    found = _analysed(lending)
    # absorb is no liquidat*/settle* name: the default roots make it a frame, its callee's call is flagged.
    assert ("vp-unguarded-external-call-in-loop", "LendingMarket", "_absorbInternal") in found
    assert ("vp-cei-storage-write-after-call", "LendingMarket", "_absorbInternal") in found
    # supply's unbounded amount casts are still flagged
    assert ("vp-unchecked-downcast", "LendingMarket", "supply") in found


def test_viair_target_analyses(viair: CompiledProject) -> None:
    assert {c for _, c, _ in _analysed(viair)} <= {"PerpSettlement"}


def test_vendored_lib_and_workspace_package_are_dependencies_not_findings(
    foundry_oz4: CompiledProject, tmp_path: Path
) -> None:
    found = _analysed(foundry_oz4)
    assert not [f for f in found if f[1] in ("WadMath", "SharedMath", "Ownable", "ReentrancyGuard")]
    # Without `dependencies = ["packages/shared"]` the workspace package is project code again.
    target = _copy("foundry-oz4", tmp_path)
    toml = target / "vaultproof.toml"
    toml.write_text(toml.read_text().replace('dependencies = ["packages/shared"]\n', ""))
    again = _analysed(compile_project(load(target)))
    assert ("vp-unchecked-downcast", "SharedMath", "toUint64") in again
    assert not [f for f in again if f[1] == "WadMath"]  # lib/ stays a dependency by default
