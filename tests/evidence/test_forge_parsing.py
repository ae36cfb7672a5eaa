"""forge's --json report → outcomes; invariant names → property ids; shrunk sequences rendered exactly."""

from __future__ import annotations

from pathlib import Path

from vaultproof.evidence.decl import property_of_invariant
from vaultproof.evidence.forge import parse_json
from vaultproof.evidence.invariants import evidence_of
from vaultproof.results import EvidenceStatus

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence" / "forge_invariant_failure.json"


def test_invariant_names_carry_property_ids() -> None:
    assert property_of_invariant("invariant_DEBT_6_custody_solvent()") == "DEBT-6"
    assert property_of_invariant("invariant_ALLOC_6_bookkeeping") == "ALLOC-6"
    assert property_of_invariant("invariant_QRE_4()") == "QRE-4"
    assert property_of_invariant("invariant_solvency()") is None
    assert property_of_invariant("test_DEBT_6()") is None
    assert property_of_invariant("invariant_DEBT_66x()") is None


def test_failed_invariant_parses_with_its_shrunk_sequence() -> None:
    (outcome,) = parse_json(SAMPLE.read_text(encoding="utf-8"))
    assert (outcome.contract, outcome.test) == ("BrokenDebt1Test", "invariant_DEBT_1_waterfall_conserves()")
    assert not outcome.passed
    assert outcome.reason.startswith("DEBT-1: deficit 49,214.438643 USDC")
    assert [s.function for s in outcome.sequence] == [
        "allocate(uint256,uint256,bool,bool,bool)",
        "close(uint256,uint256,uint256,int256)",
    ]
    evidence = evidence_of(outcome)
    assert evidence is not None
    assert evidence.status is EvidenceStatus.FAILED and evidence.property_id == "DEBT-1"
    assert evidence.sequence[0].startswith("SystemHandler.allocate(38033530042318198816059429740805389347582")
    assert "[" not in evidence.sequence[0]  # forge's "[3.8e61]" abbreviations are dropped, exact values kept
    assert evidence.runs >= 1  # forge counts runs up to the failing one


def test_garbage_is_no_outcome() -> None:
    assert parse_json("Compiler run failed:\nError (1234): nope") == ()
    assert parse_json("{not json") == ()
