"""The gate: regressions against a committed baseline, by meaning not by line; bad baselines exit 2."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.assertions import assert_rejected_in_one_line
from tests.fixtures.results import clean_result, finding, ob, sample_result
from vaultproof.errors import BaselineError
from vaultproof.gate import BASELINE_SCHEMA, baseline_document, evaluate, load_baseline, write_baseline
from vaultproof.results import (
    BytecodeSize,
    PropertyResult,
    RunResult,
    Severity,
    SourceLocation,
    Verdict,
)


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    path = tmp_path / "reports" / "baseline.json"
    write_baseline(clean_result(), path)
    return path


def _with_verdict(result: RunResult, pid: str, verdict: Verdict, reason: str = "") -> RunResult:
    props = tuple(
        PropertyResult(pid, verdict, 0.1, (ob("main", verdict, 0.1),), reason) if p.property_id == pid else p
        for p in result.properties
    )
    return dataclasses.replace(result, properties=props)


def _kinds(outcome: Any) -> list[tuple[str, str]]:
    return [(r.kind, r.key) for r in outcome.regressions]


def test_baseline_format(baseline: Path) -> None:
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["schema"] == BASELINE_SCHEMA and data["version"] == 1
    assert data["properties"]["ALLOC-1"] == "PROVED"
    assert data["seed_findings"] == {"BF-2.seed-rule": True, "LIQ-5.fee-seed": False}
    fp = "naming-convention:PriceOracle:setPrice:fp"
    assert data["accepted_findings"][fp]["detector"] == "naming-convention"
    assert data["sizes"]["BalanceManagerVault"] == 22_001
    assert (
        baseline.read_text(encoding="utf-8")
        == json.dumps(baseline_document(clean_result()), indent=2, sort_keys=True) + "\n"
    )


def test_same_run_passes(baseline: Path) -> None:
    outcome = evaluate(clean_result(), baseline, Severity.MEDIUM)
    assert outcome.passed and outcome.regressions == ()


@pytest.mark.parametrize(
    "verdict", [Verdict.VIOLATED, Verdict.UNKNOWN, Verdict.VACUOUS, Verdict.ERROR, Verdict.PROVED_BOUNDED]
)
def test_proved_to_anything_else_is_a_regression(baseline: Path, verdict: Verdict) -> None:
    outcome = evaluate(_with_verdict(clean_result(), "ALLOC-1", verdict, "why"), baseline, Severity.MEDIUM)
    assert _kinds(outcome) == [("property", "ALLOC-1")]
    assert f"was PROVED in the baseline and is now {verdict.value} (why)" in outcome.regressions[0].message


def test_unknown_accepted_by_baseline_passes_but_getting_worse_does_not(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(_with_verdict(clean_result(), "DEBT-4", Verdict.UNKNOWN), path)
    assert evaluate(_with_verdict(clean_result(), "DEBT-4", Verdict.UNKNOWN), path, Severity.MEDIUM).passed
    worse = evaluate(_with_verdict(clean_result(), "DEBT-4", Verdict.VIOLATED), path, Severity.MEDIUM)
    assert _kinds(worse) == [("property", "DEBT-4")]
    better = evaluate(clean_result(), path, Severity.MEDIUM)
    assert better.passed and better.improvements == ("DEBT-4 improved from UNKNOWN to PROVED",)


def test_new_property_must_be_proved(baseline: Path) -> None:
    base = clean_result()
    extra = PropertyResult("ADL-9", Verdict.UNKNOWN, 1.0, (ob("x", Verdict.UNKNOWN),), "timeout")
    outcome = evaluate(
        dataclasses.replace(base, properties=(*base.properties, extra)), baseline, Severity.MEDIUM
    )
    assert _kinds(outcome) == [("property", "ADL-9")]
    proved = dataclasses.replace(extra, verdict=Verdict.PROVED, reason="")
    assert evaluate(
        dataclasses.replace(base, properties=(*base.properties, proved)), baseline, Severity.MEDIUM
    ).passed


def test_removed_proved_property_is_a_regression(baseline: Path) -> None:
    base = clean_result()
    fewer = dataclasses.replace(
        base,
        catalogue=tuple(c for c in base.catalogue if c.id != "ALLOC-1"),
        properties=tuple(p for p in base.properties if p.property_id != "ALLOC-1"),
    )
    outcome = evaluate(fewer, baseline, Severity.MEDIUM)
    assert _kinds(outcome) == [("property", "ALLOC-1")]
    assert "no longer declared" in outcome.regressions[0].message


def test_partial_run_skips_absent_properties(baseline: Path) -> None:
    base = clean_result()
    only = dataclasses.replace(base, properties=base.properties[:1], seed_findings=())
    assert evaluate(only, baseline, Severity.MEDIUM).passed
    with pytest.raises(BaselineError, match="partial run"):
        write_baseline(only, baseline)


def test_seed_finding_no_longer_confirmed(baseline: Path) -> None:
    base = clean_result()
    seed = base.seed_findings[0]
    lost = dataclasses.replace(seed, result=dataclasses.replace(seed.result, verdict=Verdict.PROVED))
    outcome = evaluate(
        dataclasses.replace(base, seed_findings=(lost, base.seed_findings[1])), baseline, Severity.MEDIUM
    )
    assert _kinds(outcome) == [("seed-finding", "BF-2.seed-rule")]
    assert "was confirmed and no longer is" in outcome.regressions[0].message
    # The baseline's unconfirmed seed finding staying unconfirmed is not a regression; confirming it improves.
    other = base.seed_findings[1]
    fixed = dataclasses.replace(other, result=dataclasses.replace(other.result, verdict=Verdict.VIOLATED))
    better = evaluate(dataclasses.replace(base, seed_findings=(seed, fixed)), baseline, Severity.MEDIUM)
    assert better.passed and "seed finding LIQ-5.fee-seed is now confirmed" in better.improvements


def test_new_static_finding_at_or_above_fail_on(baseline: Path) -> None:
    base = clean_result()
    high = finding(
        "vp-cei", "LiquidationEngine", "liquidate", 120, impact=Severity.HIGH, fingerprint="fp-cei"
    )
    low = finding(
        "vp-style", "LiquidationEngine", "liquidate", 121, impact=Severity.LOW, fingerprint="fp-style"
    )
    triaged = finding(
        "vp-x", "LiquidationEngine", "liquidate", 122, fingerprint="fp-x", triaged=True, reason="ok"
    )
    run = dataclasses.replace(base, static_findings=(*base.static_findings, high, low, triaged))
    outcome = evaluate(run, baseline, Severity.MEDIUM)
    assert _kinds(outcome) == [("static", "fp-cei")]
    assert "LiquidationEngine.liquidate" in outcome.regressions[0].message
    assert "contracts/BalanceManagerVault.sol:120-123" in outcome.regressions[0].message
    assert _kinds(evaluate(run, baseline, Severity.LOW)) == [("static", "fp-cei"), ("static", "fp-style")]
    assert evaluate(run, baseline, Severity.CRITICAL).passed


def test_same_finding_at_another_line_is_not_a_regression(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    original = finding("vp-cei", "LiquidationEngine", "liquidate", 120, fingerprint="fp-cei")
    write_baseline(dataclasses.replace(clean_result(), static_findings=(original,)), path)
    moved = dataclasses.replace(
        original, locations=(SourceLocation("contracts/LiquidationEngine.sol", 342, 345),)
    )
    outcome = evaluate(dataclasses.replace(clean_result(), static_findings=(moved,)), path, Severity.MEDIUM)
    assert outcome.passed
    # ...whereas a different finding (another function) at the very same line is new.
    elsewhere = dataclasses.replace(original, function="liquidateBatch", fingerprint="fp-cei-batch")
    assert not evaluate(
        dataclasses.replace(clean_result(), static_findings=(elsewhere,)), path, Severity.MEDIUM
    ).passed


def test_disappeared_finding_is_an_improvement(baseline: Path) -> None:
    outcome = evaluate(dataclasses.replace(clean_result(), static_findings=()), baseline, Severity.MEDIUM)
    assert outcome.passed
    assert any(
        "naming-convention in PriceOracle.setPrice" in i and "no longer reported" in i
        for i in outcome.improvements
    )


def test_contract_over_size_limit(baseline: Path) -> None:
    base = clean_result()
    fat = BytecodeSize("BalanceManagerVault", "contracts/BalanceManagerVault.sol", 24_577)
    outcome = evaluate(dataclasses.replace(base, sizes=(fat, *base.sizes[1:])), baseline, Severity.MEDIUM)
    assert _kinds(outcome) == [("size", "BalanceManagerVault")]
    assert "over the 24,576-byte limit by 1" in outcome.regressions[0].message
    slim = BytecodeSize("BalanceManagerVault", "contracts/BalanceManagerVault.sol", 20_000)
    better = evaluate(dataclasses.replace(base, sizes=(slim, *base.sizes[1:])), baseline, Severity.MEDIUM)
    assert better.passed and "BalanceManagerVault shrank from 22,001 to 20,000 bytes" in better.improvements


def test_sample_result_regressions_are_all_listed(baseline: Path) -> None:
    outcome = evaluate(sample_result(), baseline, Severity.MEDIUM)
    assert _kinds(outcome) == [
        ("evidence", "LIQ-5.fee-seed"),  # REPLAY-DIFFERS
        ("evidence", "TIER-1"),  # the invariant FAILED on the shipped deployment
        ("property", "CONV-1"),
        ("property", "DEBT-3"),  # MODEL-ONLY, not in the baseline: not a pass
        ("property", "DEBT-4"),
        ("property", "LIQ-1"),
        ("property", "REL-2"),
        ("property", "TIER-1"),
        ("static", "vp-sell-try-catch:BalanceManagerVault:_coverDeficitWithCollateral:fp"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"schema": "vaultproof/baseline", "version": 7}', "version 7 is not supported"),
        ('{"schema": "something/else", "version": 1}', "schema is 'something/else'"),
        (
            '{"schema": "vaultproof/baseline", "version": 1, "properties": {}}',
            "missing key(s): seed_findings",
        ),
        (
            '{"schema": "vaultproof/baseline", "version": 1, "properties": {"A-1": "FINE"}, '
            '"seed_findings": {}, "accepted_findings": {}, "sizes": {}}',
            "unknown verdict 'FINE'",
        ),
        (
            '{"schema": "vaultproof/baseline", "version": 1, "properties": {}, '
            '"seed_findings": {"X-1.y": "yes"}, "accepted_findings": {}, "sizes": {}}',
            "must be true or false",
        ),
        (
            '{"schema": "vaultproof/baseline", "version": 1, "properties": {}, '
            '"seed_findings": {}, "accepted_findings": [], "sizes": {}}',
            "accepted_findings must be an object",
        ),
        (
            '{"schema": "vaultproof/baseline", "version": 1, "properties": {}, '
            '"seed_findings": {}, "accepted_findings": {}, "sizes": {"A": -1}}',
            "non-negative integer",
        ),
    ],
)
def test_malformed_baseline_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    assert_rejected_in_one_line(load_baseline, path, BaselineError, message)


def test_missing_baseline_tells_the_user_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="--update-baseline"):
        evaluate(clean_result(), tmp_path / "absent.json", Severity.MEDIUM)


def _mutant(mid: str, family: str, killed: bool) -> Any:
    from vaultproof.results import MutantOutcome, MutantResult

    outcome = MutantOutcome.KILLED_PROOF if killed else MutantOutcome.SURVIVED
    return MutantResult(mid, family, "d", killed, ("X-1",) if killed else (), "generated", outcome)


def test_a_family_whose_mutation_score_drops_is_a_regression(tmp_path: Path) -> None:
    from vaultproof.results import MutantOutcome

    before = dataclasses.replace(
        clean_result(), mutants=(_mutant("G-a", "FEE", True), _mutant("G-b", "FEE+LIQ", True))
    )
    path = tmp_path / "baseline.json"
    write_baseline(before, path)
    assert json.loads(path.read_text())["mutation_scores"] == {
        "FEE": {"killed": 2, "scored": 2},
        "LIQ": {"killed": 1, "scored": 1},
    }
    assert evaluate(before, path, Severity.MEDIUM).passed
    # FEE drops to 1/2; an equivalent mutant does not count either way; LIQ keeps its score
    equivalent = dataclasses.replace(_mutant("G-c", "LIQ", False), outcome=MutantOutcome.EQUIVALENT)
    after = dataclasses.replace(
        clean_result(), mutants=(_mutant("G-a", "FEE", True), _mutant("G-b", "FEE+LIQ", False), equivalent)
    )
    outcome = evaluate(after, path, Severity.MEDIUM)
    assert ("mutation", "FEE") in _kinds(outcome) and ("mutation", "LIQ") in _kinds(outcome)
    assert any("1/2 (50.0%) is below the baseline's 2/2" in r.message for r in outcome.regressions)
    # a run without mutants (--skip-mutants) is not compared
    assert evaluate(clean_result(), path, Severity.MEDIUM).passed


def test_evidence_that_disagrees_with_the_claims_is_a_regression_whatever_the_baseline(
    tmp_path: Path,
) -> None:
    from vaultproof.results import BytecodeEvidence, EvidenceStatus

    def ev(subject: str, status: EvidenceStatus, expect_failure: bool = False) -> BytecodeEvidence:
        kind = "invariant" if status in (EvidenceStatus.FUZZED, EvidenceStatus.FAILED) else "replay"
        return BytecodeEvidence(
            subject,
            subject.partition(".")[0],
            kind,
            status,
            "t.sol",
            "T.t",
            "1.5 USDC",
            expect_failure=expect_failure,
        )

    good = (
        ev("DEBT-1.v1-silent-drop", EvidenceStatus.REPLAYED),
        ev("DEBT-6", EvidenceStatus.FUZZED),
        ev("DEBT-3.broken", EvidenceStatus.FAILED, expect_failure=True),
        ev("CONV-1.broken", EvidenceStatus.NO_BYTECODE),
    )
    before = dataclasses.replace(clean_result(), evidence=good)
    path = tmp_path / "baseline.json"
    write_baseline(before, path)
    assert evaluate(before, path, Severity.MEDIUM).passed
    bad = (
        ev("DEBT-1.v1-silent-drop", EvidenceStatus.REPLAY_DIFFERS),
        ev("DEBT-6", EvidenceStatus.FAILED),
        ev("DEBT-3.broken", EvidenceStatus.FUZZED, expect_failure=True),
        ev("CONV-1.broken", EvidenceStatus.ERROR),
    )
    outcome = evaluate(dataclasses.replace(before, evidence=bad), path, Severity.MEDIUM)
    assert _kinds(outcome) == [
        ("evidence", "CONV-1.broken"),
        ("evidence", "DEBT-1.v1-silent-drop"),
        ("evidence", "DEBT-3.broken"),
        ("evidence", "DEBT-6"),
    ]
    messages = {r.key: r.message for r in outcome.regressions}
    assert (
        "REPLAY-DIFFERS" in messages["DEBT-1.v1-silent-drop"]
        and "1.5 USDC" in messages["DEBT-1.v1-silent-drop"]
    )
    assert "did not fail on the broken variant" in messages["DEBT-3.broken"]
    assert "FAILED on the shipped deployment" in messages["DEBT-6"]
    assert "could not produce the evidence (ERROR)" in messages["CONV-1.broken"]
    # the baseline cannot accept them: a baseline taken from the bad run still fails on them
    write_baseline(dataclasses.replace(before, evidence=bad), path)
    assert len(evaluate(dataclasses.replace(before, evidence=bad), path, Severity.MEDIUM).regressions) == 4
    # a run without evidence (--skip-evidence) is not compared
    assert evaluate(dataclasses.replace(before, evidence=()), path, Severity.MEDIUM).passed
