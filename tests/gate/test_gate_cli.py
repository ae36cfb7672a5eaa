"""The gate through the CLI on the tiny fixture project: exit codes 0 / 1 / 2 and their messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaultproof.cli import _main
from vaultproof.report import load_results
from vaultproof.results import ExitCode

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def _run(tmp_path: Path, baseline: Path, *flags: str) -> ExitCode:
    argv = [
        "run",
        str(TINY),
        "--out",
        str(tmp_path / "reports"),
        "--baseline",
        str(baseline),
        "--skip-mutants",
        "-q",
    ]
    return _main([*argv, *flags]).exit_code


def test_update_then_gate_then_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    assert _run(tmp_path, baseline, "--update-baseline") is ExitCode.CLEAN
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["properties"] == {"TINY-1": "PROVED"}

    assert _run(tmp_path, baseline, "--gate") is ExitCode.CLEAN
    assert capsys.readouterr().out.strip().endswith("gate: pass")
    gate = load_results(tmp_path / "reports" / "results.json").gate
    assert gate is not None and gate.passed

    # The baseline says a property was proved that the project no longer declares: a regression.
    data["properties"]["TINY-2"] = "PROVED"
    baseline.write_text(json.dumps(data), encoding="utf-8")
    assert _run(tmp_path, baseline, "--gate") is ExitCode.REGRESSION
    out = capsys.readouterr().out
    assert "gate: FAIL, 1 regression(s)" in out
    # --quiet keeps the gate's reasons: a failed build must say why
    assert "gate: REGRESSION [property] TINY-2 was PROVED in the baseline" in out
    result = load_results(tmp_path / "reports" / "results.json")
    assert result.exit_code is ExitCode.REGRESSION
    assert result.gate is not None and [r.key for r in result.gate.regressions] == ["TINY-2"]
    assert "TINY-2 was PROVED in the baseline and is no longer declared" in (
        tmp_path / "reports" / "report.md"
    ).read_text(encoding="utf-8")

    # Without --gate the same run is clean: only the gate decides the exit code.
    assert _run(tmp_path, baseline) is ExitCode.CLEAN


def test_missing_baseline_with_gate_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, tmp_path / "nope.json", "--gate") is ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("vaultproof: error: baseline") and "--update-baseline" in err
    assert err.count("\n") == 1
    # Checked before compiling and proving: nothing was run, nothing written.
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "content",
    [
        "{",
        '{"schema": "vaultproof/baseline", "version": 99}',
        '{"schema": "vaultproof/baseline", "version": 1}',
    ],
)
def test_malformed_baseline_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content, encoding="utf-8")
    assert _run(tmp_path, baseline, "--gate") is ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("vaultproof: error: baseline") and err.count("\n") == 1
    assert "Traceback" not in err


def test_update_baseline_warns_when_it_accepts_unproved_verdicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultproof.results import ObligationResult, Verdict

    def undecided(obligation: object, settings: object) -> ObligationResult:
        return ObligationResult(name="o", verdict=Verdict.UNKNOWN, seconds=0.0, reason="timeout")

    monkeypatch.setattr("vaultproof.prover.runner.discharge", undecided)
    baseline = tmp_path / "baseline.json"
    assert _run(tmp_path, baseline, "--update-baseline", "--no-cache", "--jobs", "1") is ExitCode.CLEAN
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["vaultproof: warning: the baseline now accepts 1 unproved: TINY-1 UNKNOWN"]
    assert json.loads(baseline.read_text(encoding="utf-8"))["properties"] == {"TINY-1": "UNKNOWN"}


def test_prove_quiet_prints_its_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["prove", str(TINY), "--quiet", "--jobs", "1"]).exit_code is ExitCode.CLEAN
    assert capsys.readouterr().out.strip().splitlines() == [
        "vaultproof: 1 properties (1 proved), 0/0 seed findings confirmed, 0 metrics."
    ]
