"""Slither's own failures are reported, never hidden and never turned into findings (issue 14 item 3),
and detector settings come from the analysed project, never from the current directory (item 4)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.results import entry as catalogue_entry
from vaultproof.analysis import run_analysis, without_ir_errors
from vaultproof.cli import _main
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.config import load
from vaultproof.console import Console
from vaultproof.prover.runner import load_registry
from vaultproof.results import (
    ExitCode,
    FunctionRef,
    PropertyResult,
    Severity,
    Verdict,
)

REPO = Path(__file__).resolve().parents[2]
PROJECTS = REPO / "tests" / "fixtures" / "projects"


def _tiny_copy(tmp_path: Path) -> Path:
    """The tiny project outside the checkout (its reports/ must not land in the fixture)."""
    target = tmp_path / "tiny"
    shutil.copytree(PROJECTS / "tiny", target, ignore=shutil.ignore_patterns("node_modules", "reports"))
    os.symlink(REPO / "node_modules", target / "node_modules")
    return target


def _crash(self: Any) -> list[Any]:
    raise AssertionError("unexpected node type")


def test_a_crashing_detector_is_a_tool_error_line_and_never_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from slither.detectors.functions.suicidal import Suicidal

    from properties.detectors.loops.unbounded_loop import UnboundedLoop

    monkeypatch.setattr(Suicidal, "_detect", _crash)  # a built-in Slither detector
    monkeypatch.setattr(UnboundedLoop, "_detect", _crash)  # a project detector deciding ST-2
    result = _main(["analyse", str(_tiny_copy(tmp_path))])
    assert result.exit_code is ExitCode.BAD_INPUT
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert errors == [
        "vaultproof: error: detector suicidal crashed: AssertionError: unexpected node type",
        "vaultproof: error: detector vp-unbounded-loop crashed: AssertionError: unexpected node type",
    ]
    outcome: Any = result.payload
    document = json.loads(outcome.slither_json)
    assert document["success"] is False and "detector suicidal crashed" in document["error"]
    assert not [f for f in outcome.findings if f.detector in ("suicidal", "vp-unbounded-loop")]
    assert not [f for f in outcome.findings if f.impact is Severity.HIGH and "failed" in f.title.lower()]
    assert (
        "tool error: detector suicidal crashed: AssertionError: unexpected node type; "
        "its property is not checked" in outcome.notes
    )
    # With a catalogue that declares the detector's property, the report says ERROR for it.
    project = compile_project(load(_tiny_copy(tmp_path / "again")))
    with_catalogue = run_analysis(project, load_registry("properties", REPO), Console(quiet=True))
    assert [(p.property_id, p.verdict) for p in with_catalogue.properties] == [("ST-2", Verdict.ERROR)]
    assert with_catalogue.properties[0].reason.startswith(
        "detector vp-unbounded-loop crashed: AssertionError"
    )


@pytest.fixture()
def tiny_without_ir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CompiledProject:
    """Tiny, with Slither failing to lower ``Tiny.add`` exactly as it does on real code it cannot parse
    (an AttributeError in IR generation: logged, the function left without IR, the analysis going on)."""
    from slither.core.declarations.function import Function

    original = Function.generate_slithir_and_analyze

    def failing(self: Any) -> None:
        if (
            self.name == "add"
            and getattr(self, "contract", None) is not None
            and self.contract.name == "Tiny"
        ):
            raise AttributeError("'NoneType' object has no attribute 'type'")
        original(self)

    monkeypatch.setattr(Function, "generate_slithir_and_analyze", failing)
    project = compile_project(load(_tiny_copy(tmp_path)))
    project.slither  # noqa: B018  built under the patch
    return project


def test_a_function_without_ir_is_listed_and_its_detectors_are_error(
    tiny_without_ir: CompiledProject,
) -> None:
    registry = load_registry("properties", REPO)
    outcome = run_analysis(tiny_without_ir, registry, Console(quiet=True))
    assert outcome.without_ir == ("Tiny.add",)
    assert (
        "Slither could not lower Tiny.add to SlithIR: its calls, loops and writes were not analysed"
        in outcome.notes
    )
    assert outcome.tool_errors == (
        "Slither could not lower 1 project function(s) to SlithIR: Tiny.add (see reports/slither.log)",
    )
    verdicts = {p.property_id: p.verdict for p in outcome.properties}
    assert verdicts and set(verdicts.values()) == {Verdict.ERROR}
    assert "ST-1" in verdicts and "ST-13" in verdicts
    assert "ST-10" not in verdicts and "ST-11" not in verdicts  # they read bytecode and layout, not IR
    # Everything Slither logged at warning or above is in the log, without the checkout path.
    assert "Impossible to generate IR for Tiny.add" in outcome.log_text
    assert str(tiny_without_ir.config.root) not in outcome.log_text


def test_a_proved_property_targeting_a_function_without_ir_is_error() -> None:
    entry = catalogue_entry("X-1", "t", targets=(FunctionRef("Tiny", "add"),))
    proved = PropertyResult("X-1", Verdict.PROVED, 0.1, ())
    other = PropertyResult("X-2", Verdict.PROVED, 0.1, ())
    out = without_ir_errors((proved, other), (entry,), ("Tiny.add",))
    assert [(r.property_id, r.verdict) for r in out] == [("X-1", Verdict.ERROR), ("X-2", Verdict.PROVED)]
    assert "Tiny.add" in out[0].reason


def test_analyse_writes_the_tool_log_under_reports(tmp_path: Path) -> None:
    target = _tiny_copy(tmp_path)
    assert _main(["analyse", "-q", str(target)]).exit_code in (ExitCode.CLEAN, ExitCode.REGRESSION)
    log = (target / "reports" / "slither.log").read_text()
    assert log  # a line per record, or the explicit "logged nothing" line: never a missing file
    assert str(target) not in log


def test_plugin_detector_settings_come_from_the_analysed_project_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from properties.detectors.calls.missing_nonreentrant import MissingNonReentrant
    from tests.analysis.conftest import hits, run_detector

    project = compile_project(load(PROJECTS / "foundry-oz4"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "vaultproof.toml").write_text(
        '[analyse.detectors.vp-missing-nonreentrant]\ncontracts = ["NotInThisProject"]\n'
    )
    monkeypatch.chdir(elsewhere)
    # Unconfigured (the plain Slither CLI route): the detector reads foundry-oz4/vaultproof.toml, whose
    # exempt_modifiers = ["onlyOwner"] exempts applyFunding; the cwd's table would report a missing contract.
    found = hits(run_detector(project, MissingNonReentrant))
    assert found == []
    # The same detector with defaults does flag it: the project's setting is what made the difference.
    flagged = hits(run_detector(project, MissingNonReentrant.configure({})))
    assert [(h.contract, h.function) for h in flagged] == [("PerpExchange", "applyFunding")]


def test_run_with_a_crashing_detector_writes_the_reports_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from properties.detectors.loops.unbounded_loop import UnboundedLoop

    monkeypatch.setattr(UnboundedLoop, "_detect", _crash)
    target = _tiny_copy(tmp_path)
    result = _main(["run", "-q", "--skip-mutants", str(target)])
    assert result.exit_code is ExitCode.BAD_INPUT
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("vaultproof: error")]
    assert errors == [
        "vaultproof: error: detector vp-unbounded-loop crashed: AssertionError: unexpected node type"
    ]
    reports = target / "reports"
    assert json.loads((reports / "results.json").read_text())["result"]["exit_code"] == 2
    assert "tool error: detector vp-unbounded-loop crashed" in (reports / "report.md").read_text()
    assert json.loads((reports / "slither.json").read_text())["success"] is False
    assert (reports / "slither.log").is_file()
