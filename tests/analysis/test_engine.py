"""run_analysis: built-ins + plugin, StaticFinding conversion, fingerprints, triage, Slither JSON."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from slither.detectors.abstract_detector import AbstractDetector, DetectorClassification

from tests.fixtures.decls import stub_decl
from vaultproof.analysis import AnalysisOutcome, run_analysis
from vaultproof.analysis.detectors import builtin_detectors, run_detectors
from vaultproof.analysis.findings import fingerprint, normalise_description, sort_key
from vaultproof.analysis.triage import TriageEntry, apply_triage, load_triage
from vaultproof.compile import CompiledProject
from vaultproof.console import Console
from vaultproof.errors import ConfigError
from vaultproof.prover.registry import DetectorChecker, Registry
from vaultproof.results import Severity, StaticFinding


def _registry() -> Registry:
    registry = Registry()
    loops = DetectorChecker(argument="vp-unbounded-loop")
    bounded = {"title": "bounded loops", "claim": "loops are bounded", "seed": "000", "rationale": "rule 8"}
    registry.register(
        stub_decl(id="ST-2", severity=Severity.MEDIUM, assumptions=(), targets=(), checker=loops, **bounded)
    )
    return registry


@pytest.fixture(scope="module")
def outcome(fixture_project: CompiledProject) -> AnalysisOutcome:
    return run_analysis(fixture_project, _registry(), Console(quiet=True))


def _with_config(project: CompiledProject, **changes: Any) -> CompiledProject:
    """The same compilation (and Slither instance) under a changed config."""
    clone = copy.copy(project)
    clone.config = dataclasses.replace(project.config, **changes)
    return clone


def test_builtin_and_project_findings_are_converted(outcome: AnalysisOutcome) -> None:
    detectors = {f.detector for f in outcome.findings}
    assert "calls-loop" in detectors  # a Slither built-in
    assert "vp-unbounded-loop" in detectors
    loop = next(
        f for f in outcome.findings if f.detector == "vp-unbounded-loop" and f.function == "badLinkedList"
    )
    assert loop.check_id == "ST-2"  # the registry names the property this detector decides
    assert loop.contract == "ST2Cases" and loop.impact is Severity.MEDIUM
    assert loop.locations and loop.locations[0].file.endswith("vp-unbounded-loop.sol")
    assert json.loads(loop.slither_json)["check"] == "vp-unbounded-loop"
    other = next(f for f in outcome.findings if f.detector == "calls-loop")
    assert other.check_id == "calls-loop"


def test_no_dependency_only_findings(outcome: AnalysisOutcome) -> None:
    for finding in outcome.findings:
        assert any("node_modules" not in loc.file for loc in finding.locations) or not finding.locations


def test_findings_are_sorted_and_unique(outcome: AnalysisOutcome) -> None:
    assert list(outcome.findings) == sorted(outcome.findings, key=sort_key)
    assert len({f.fingerprint for f in outcome.findings}) == len(outcome.findings)


def test_second_run_is_identical(fixture_project: CompiledProject, outcome: AnalysisOutcome) -> None:
    again = run_analysis(fixture_project, _registry(), Console(quiet=True))
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in outcome.findings]
    assert again.slither_json == outcome.slither_json


def test_slither_json_has_slithers_shape(outcome: AnalysisOutcome) -> None:
    document = json.loads(outcome.slither_json)
    assert document["success"] is True and document["error"] is None
    results = document["results"]["detectors"]
    assert len(results) >= len(outcome.findings)
    assert all(
        {"check", "impact", "confidence", "description", "elements", "id"} <= r.keys() for r in results
    )


def test_sizes_come_with_the_outcome(fixture_project: CompiledProject, outcome: AnalysisOutcome) -> None:
    assert outcome.sizes == fixture_project.sizes()
    assert any(s.contract == "ST10Big" for s in outcome.sizes)


def test_fingerprint_ignores_lines_and_paths() -> None:
    a = "F.g() (contracts/A.sol#10-20) calls x (contracts/A.sol#12)\n"
    b = "F.g()  (/abs/other/contracts/A.sol#30-41) calls x (contracts/A.sol#33)"
    assert normalise_description(a) == normalise_description(b) == "F.g() calls x"
    assert fingerprint("d", "F", "g", a) == fingerprint("d", "F", "g", b)
    assert fingerprint("d", "F", "g", a) != fingerprint("d", "F", "h", a)
    # SlithIR temporaries are renumbered by unrelated edits: their numbers are not part of the meaning
    assert normalise_description("casts TMP_634 from REF_2") == normalise_description(
        "casts TMP_9 from REF_11"
    )


def _finding(detector: str, contract: str, function: str, text: str) -> StaticFinding:
    return StaticFinding(
        detector=detector,
        check_id=detector,
        title="t",
        impact=Severity.LOW,
        confidence="High",
        description=text,
        contract=contract,
        function=function,
        locations=(),
        fingerprint=fingerprint(detector, contract, function, text),
    )


def test_triage_by_fingerprint_or_by_function_and_stale_entries() -> None:
    one = _finding("calls-loop", "Book", "walk", "first call")
    two = _finding("calls-loop", "Book", "walk", "second call")
    three = _finding("timestamp", "Oracle", "fresh", "uses timestamp")
    entries = (
        TriageEntry("calls-loop", "Book", "walk", "pinned", fingerprint=two.fingerprint),
        TriageEntry("calls-loop", "Book", "walk", "broad"),
        TriageEntry("timestamp", "Oracle", "gone", "stale one"),
    )
    triaged, stale = apply_triage((one, two, three), entries)
    reasons = {f.description: (f.triaged, f.triage_reason) for f in triaged}
    assert reasons == {
        "first call": (True, "broad"),
        "second call": (True, "pinned"),
        "uses timestamp": (False, ""),
    }
    assert stale == (entries[2],)


def test_triage_file_is_read_and_validated(tmp_path: Path) -> None:
    good = tmp_path / "triage.toml"
    good.write_text(
        '[[finding]]\ndetector = "calls-loop"\ncontract = "Book"\nfunction = "walk"\n'
        'reason = "bounded  by\\nMAX"\n'
    )
    assert load_triage(good) == (TriageEntry("calls-loop", "Book", "walk", "bounded by MAX"),)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[finding]]\ndetector = "calls-loop"\ncontract = "Book"\nfunction = "walk"\n')
    with pytest.raises(ConfigError, match="lacks reason"):
        load_triage(bad)
    bad.write_text(
        '[[finding]]\ndetector = "x"\ncontract = "B"\nfunction = "w"\nreason = "r"\ncolour = "red"\n'
    )
    with pytest.raises(ConfigError, match="unknown key"):
        load_triage(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_triage(tmp_path / "missing.toml")


def test_triage_applies_inside_run_analysis(fixture_project: CompiledProject, tmp_path: Path) -> None:
    triage = tmp_path / "triage.toml"
    triage.write_text(
        "[[finding]]\n"
        'detector = "vp-unbounded-loop"\ncontract = "ST2Cases"\nfunction = "badLinkedList"\n'
        'reason = "fixture: the list is capped elsewhere"\n'
        "[[finding]]\n"
        'detector = "vp-unbounded-loop"\ncontract = "ST2Cases"\n'
        'function = "noSuchFunction"\nreason = "stale"\n'
    )
    project = _with_config(fixture_project, triage_file=str(triage))
    result = run_analysis(project, Registry(), Console(quiet=True))
    linked = next(
        f for f in result.findings if f.function == "badLinkedList" and f.detector == "vp-unbounded-loop"
    )
    assert linked.triaged and linked.triage_reason == "fixture: the list is capped elsewhere"
    assert result.stale_triage == (
        "stale triage entry (matches no finding): vp-unbounded-loop ST2Cases.noSuchFunction",
    )
    assert result.stale_triage[0] in result.notes


def test_builtin_exclusions(fixture_project: CompiledProject) -> None:
    arguments = {d.ARGUMENT for d in builtin_detectors(("calls-loop",))}
    assert "calls-loop" not in arguments and "reentrancy-eth" in arguments
    with pytest.raises(ConfigError, match="unknown Slither detector"):
        builtin_detectors(("no-such-detector",))
    project = _with_config(fixture_project, builtin_exclude=("calls-loop",))
    result = run_analysis(project, Registry(), Console(quiet=True))
    assert "calls-loop" not in {f.detector for f in result.findings}


def test_bad_detector_settings_are_a_config_error(fixture_project: CompiledProject) -> None:
    project = _with_config(fixture_project, detector_settings={"vp-unbounded-loop": {"bogus": True}})
    with pytest.raises(ConfigError, match="unknown setting 'bogus'"):
        run_analysis(project, Registry(), Console(quiet=True))


class _Crashing(AbstractDetector):  # type: ignore[misc]  # Slither is untyped: AbstractDetector is Any
    ARGUMENT = "vp-test-crash"
    HELP = "crashes"
    IMPACT = DetectorClassification.LOW
    CONFIDENCE = DetectorClassification.LOW
    WIKI = "w"
    WIKI_TITLE = "t"
    WIKI_DESCRIPTION = "d"
    WIKI_EXPLOIT_SCENARIO = "e"
    WIKI_RECOMMENDATION = "r"

    def _detect(self) -> list[Any]:
        raise RuntimeError("boom")


def test_a_crashing_detector_is_a_tool_error_not_a_finding(
    fixture_project: CompiledProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14: a crash used to be a HIGH "Detector failed" finding that failed the gate; it is a tool
    # error (exit 2 in `analyse`, ERROR for its property), and the code it should have checked is unchecked.
    runs = run_detectors(fixture_project.slither, [_Crashing], set())
    assert runs[0].error == "RuntimeError: boom" and runs[0].results == ()
    monkeypatch.setattr("vaultproof.analysis.plugin_detectors", lambda config: [_Crashing])
    monkeypatch.setattr("vaultproof.analysis.builtin_detectors", lambda exclude: [])
    result = run_analysis(fixture_project, Registry(), Console(quiet=True))
    assert result.findings == ()
    assert result.tool_errors == ("detector vp-test-crash crashed: RuntimeError: boom",)
    assert result.notes == (
        "tool error: detector vp-test-crash crashed: RuntimeError: boom; its property is not checked",
    )
