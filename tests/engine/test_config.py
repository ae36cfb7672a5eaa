"""Strict config: unknown keys and sections, ranges, containment, flags from field metadata, --only."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import pytest

from vaultproof import config as config_module
from vaultproof.cli import _main, build_parser
from vaultproof.errors import ConfigError
from vaultproof.gate import load_baseline
from vaultproof.results import ExitCode

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "contracts").mkdir(exist_ok=True)
    (tmp_path / "contracts" / "A.sol").write_text("pragma solidity ^0.8.0; contract A {}\n")
    (tmp_path / "vaultproof.toml").write_text(toml)
    return tmp_path


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert _main(argv).exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    ("toml", "named", "nearest"),
    [
        ("[prove]\ntimout_ms = 5", "'timout_ms' in [prove]", "'timeout_ms'"),
        ("[gate]\nfail_onn = 'high'", "'fail_onn' in [gate]", "'fail_on'"),
        ("[provee]\njobs = 1", "[provee]", "'prove'"),
        ("[analyse]\ntriag = 'x.toml'", "'triag' in [analyse]", "'triage'"),
    ],
)
def test_unknown_key_or_section_names_it_and_the_nearest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, named: str, nearest: str
) -> None:
    line = _one_line_error(capsys, ["compile", str(_project(tmp_path, toml))])
    assert named in line and f"did you mean {nearest}" in line


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[prove]\ntimeout_ms = -1", "timeout_ms must be >= 1, got -1"),
        ("[prove]\ntimeout_ms = 0", "timeout_ms must be >= 1, got 0"),
        ("[prove]\njobs = 0", "jobs must be >= 1, got 0"),
        ("[prove]\nrlimit = true", "rlimit must be an integer, got True"),
        ("[analyse]\nsize_limit = 0", "size_limit must be >= 1"),
        ("[cache]\nenabled = 'yes'", "enabled must be true or false"),
        ("[prove]\nproperties = '../evil'", "must be a dotted module name"),
        ("[mutate]\nsample = -1", "[mutate] sample must be >= 0, got -1"),
        ("[mutate]\noperators = ['NOPE']", "[mutate] operators: unknown NOPE (known: "),
        (
            "[mutate]\nstages = ['proof', 'fuzz']",
            "[mutate] stages: unknown fuzz (known: proof, detector, forge)",
        ),
        (
            "[mutate]\nexecutor = 'ray://nohost'",
            "[mutate] executor must be local, serial, ray or ray://HOST:PORT",
        ),
    ],
)
def test_ranges_and_types_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    assert message in _one_line_error(capsys, ["compile", str(_project(tmp_path, toml))])


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_flag_is_range_checked_like_the_file(capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    line = _one_line_error(capsys, ["prove", str(TINY), "--jobs", jobs])
    assert "--jobs must be" in line


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[project\nname=1", "malformed TOML"),
        ("[project]\nsources = 'contracts'", "must be a list of strings"),
        ("[project]\nsources = ['nowhere']", "does not exist"),
        ("[prove]\ntimeout_ms = 'soon'", "must be an integer"),
        ("[gate]\nfail_on = 'severe'", "unknown severity"),
        ("[[analyse.upgrades]]\nprevious = 'A'", "need exactly previous and current"),
        # every configured path stays inside the project
        ("[gate]\nreports = '../../x'", "outside the project root"),
        ("[gate]\nreports = '/tmp/x'", "is absolute"),
        ("[gate]\nbaseline = '../baseline.json'", "outside the project root"),
        ("[analyse]\ntriage = '/etc/passwd'", "is absolute"),
        ("[prove]\nmutants = '../m.toml'", "outside the project root"),
        ("[project]\nsources = ['../outside']", "outside the project root"),
        ("[project]\nsolc = '/usr/bin/solc'", "is absolute"),
        ("[cache]\ndir = '../cache'", "outside the project root"),
    ],
)
def test_a_malformed_config_or_a_path_outside_the_project_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "p").mkdir()
    project = _project(tmp_path / "p", toml)
    line = _one_line_error(capsys, ["compile", str(project)])
    assert message in line


def test_a_symlinked_reports_dir_pointing_outside_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "elsewhere").mkdir()
    project = tmp_path / "p"
    project.mkdir()
    _project(project, "[gate]\nreports = 'reports'\n")
    os.symlink(tmp_path / "elsewhere", project / "reports")
    assert "outside the project root" in _one_line_error(capsys, ["compile", str(project)])


def test_a_symlinked_source_outside_the_project_is_not_compiled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Outside.sol").write_text("pragma solidity ^0.8.0; contract Outside {}\n")
    project = tmp_path / "p"
    project.mkdir()
    _project(project, "[project]\nsources = ['contracts']\n")
    os.symlink(tmp_path / "Outside.sol", project / "contracts" / "Outside.sol")
    line = _one_line_error(capsys, ["compile", str(project)])
    assert "contracts/Outside.sol resolves to" in line and "outside the project root" in line


def test_cli_flags_come_from_the_config_fields() -> None:
    """Each option's flag, default and help live on its Config field: the parser only reads them."""
    parser = build_parser()
    assert parser._subparsers is not None
    commands = parser._subparsers._group_actions[0]
    assert isinstance(commands, argparse._SubParsersAction)
    run = next(a for a in commands.choices["run"]._actions if a.dest == "jobs")
    field = config_module.CLI_OPTIONS["--jobs"]
    assert run.option_strings == ["-j", "--jobs"] and field.metadata["help"] in (run.help or "")
    assert config_module.DEFAULTS["jobs"] == field.default == 2
    for flag, f in config_module.CLI_OPTIONS.items():
        assert flag.startswith("--") and f.metadata["section"] in config_module.SECTIONS
    cfg = config_module.load(TINY, {"jobs": "3", "timeout_ms": "5"})
    assert (cfg.jobs, cfg.timeout_ms, cfg.rlimit) == (3, 5, config_module.DEFAULTS["rlimit"])


def test_mutate_keys_are_options_and_executor_is_a_flag(tmp_path: Path) -> None:
    """[mutate] keys parse to their kinds (stages as a set, in campaign order); --executor overrides."""
    from vaultproof.mutation.generate import OPERATORS

    toml = "[mutate]\nstages = ['forge', 'proof']\nsample = 3\nseed = 7\nexecutor = 'serial'\n"
    toml += f"operators = ['{OPERATORS[0]}']\n"
    cfg = config_module.load(_project(tmp_path, toml))
    assert cfg.mutate_stages == ("proof", "forge") and (cfg.mutate_sample, cfg.mutate_seed) == (3, 7)
    assert cfg.mutate_operators == (OPERATORS[0],) and cfg.executor == "serial"
    assert (
        config_module.load(tmp_path, {"executor": "ray://127.0.0.1:10001"}).executor
        == "ray://127.0.0.1:10001"
    )
    assert config_module.CLI_OPTIONS["--executor"].name == "executor"


def test_only_ids_are_checked_before_any_compile(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled before checking --only")

    import vaultproof.pipeline  # the stage that compiles, imported before it is patched

    monkeypatch.setattr(vaultproof.pipeline, "compile_project", no_compile)
    for command in ("prove", "run"):
        line = _one_line_error(capsys, [command, str(TINY), "--only", "TINY-9", "--no-cache"])
        assert "--only names unknown id(s): TINY-9" in line and "did you mean 'TINY-1'" in line


def test_baseline_fields_are_type_checked(tmp_path: Path) -> None:
    good = {
        "schema": "vaultproof/baseline",
        "version": 1,
        "properties": {},
        "seed_findings": {},
        "accepted_findings": {},
        "sizes": {},
    }
    for key, value, message in [
        ("version", True, "version True is not supported"),
        ("version", "1", "version '1' is not supported"),
        ("properties", {"X-1": 3}, "unknown verdict 3"),
        ("accepted_findings", {"f": {"contract": 1}}, "must be an object of strings"),
        ("sizes", {"A": True}, "non-negative integer"),
        ("project", 7, "project must be a string"),
    ]:
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps({**good, key: value}))
        with pytest.raises(Exception, match=message):
            load_baseline(path)


def test_shipped_and_fixture_configs_load(tmp_path: Path) -> None:
    """The strict reader accepts every config the repository ships (a typo there would be caught)."""
    repo = Path(__file__).resolve().parents[2]
    for toml in [repo / "vaultproof.toml", *repo.glob("tests/fixtures/**/vaultproof.toml")]:
        config_module.load(toml.parent)
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy, ignore=shutil.ignore_patterns("build"))
    with pytest.raises(ConfigError, match="did you mean"):
        (copy / "vaultproof.toml").write_text("[prove]\nproperty = 'tiny_properties'\n")
        config_module.load(copy)


def test_defaults_live_in_one_place() -> None:
    """The solver's and the size check's defaults are the config's fields' defaults."""
    from vaultproof.prover.solver import SolverSettings
    from vaultproof.results import EIP170_BYTES, BytecodeSize

    settings = SolverSettings()
    assert (settings.timeout_ms, settings.rlimit) == (
        config_module.DEFAULTS["timeout_ms"],
        config_module.DEFAULTS["rlimit"],
    )
    assert config_module.DEFAULTS["size_limit"] == EIP170_BYTES == BytecodeSize("A", "a.sol", 1).limit_bytes
