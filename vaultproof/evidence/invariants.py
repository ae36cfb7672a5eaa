"""Invariant suites: forge ``invariant_`` runs mapped to property ids, as FUZZED or FAILED evidence.

A suite's invariant name carries its property id (``invariant_QRE_4_caps`` → QRE-4). A pass is FUZZED with
forge's runs and calls (depth = calls / runs); a failure is FAILED with forge's shrunk call sequence and its
message (which the protocol's suite writes in token units). Broken-variant suites run the same invariants
against a seeded defect: there the declared invariant must FAIL, and a pass is reported as an ERROR of the
suite (the invariant cannot see the defect it exists to catch).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from vaultproof.evidence.decl import BrokenSuite, EvidenceDecl, property_of_invariant
from vaultproof.evidence.forge import CallStep, Forge, TestOutcome
from vaultproof.results import BytecodeEvidence, EvidenceStatus


def render_step(step: CallStep) -> str:
    name = step.function.partition("(")[0]
    return f"{step.target}.{name}({', '.join(_compact(a) for a in step.args)})"


def _compact(arg: str) -> str:
    """forge prints big values as ``123 [1.23e2]``; keep the exact value."""
    return re.sub(r"\s*\[[^\]]*\]$", "", arg)


def evidence_of(outcome: TestOutcome, subject: str | None = None) -> BytecodeEvidence | None:
    """Evidence for one invariant outcome, or None when its name carries no property id."""
    pid = property_of_invariant(outcome.test)
    if pid is None:
        return None
    depth = outcome.calls // outcome.runs if outcome.runs else 0
    name = outcome.test.partition("(")[0]
    if outcome.passed:
        status, detail = EvidenceStatus.FUZZED, f"{outcome.runs} runs × {depth} calls, no violation"
    else:
        status, detail = EvidenceStatus.FAILED, outcome.reason
    return BytecodeEvidence(
        subject=subject or pid,
        property_id=pid,
        kind="invariant",
        status=status,
        test=outcome.path,
        test_name=f"{outcome.contract}.{name}",
        detail=detail,
        runs=outcome.runs,
        depth=depth,
        calls=outcome.calls,
        sequence=tuple(render_step(s) for s in outcome.sequence),
    )


def run_suites(decl: EvidenceDecl, forge: Forge) -> tuple[BytecodeEvidence, ...]:
    """Every declared suite's invariants; one evidence per invariant, sorted by (property, test)."""
    out: list[BytecodeEvidence] = []
    for suite in decl.suites:
        result = forge.test(suite.path, match_contract=f"^{suite.contract}$", match_test="^invariant_")
        if result.error:
            out.append(
                BytecodeEvidence(
                    subject=suite.contract,
                    property_id="",
                    kind="invariant",
                    status=EvidenceStatus.ERROR,
                    test=suite.path,
                    test_name=suite.contract,
                    detail=result.error,
                )
            )
            continue
        out += [e for o in result.outcomes if (e := evidence_of(o)) is not None]
    return tuple(sorted(out, key=lambda e: (e.property_id, e.test_name)))


def run_broken(suite: BrokenSuite, forge: Forge) -> BytecodeEvidence:
    """The declared invariant against its code variant: FAILED (with the sequence) is the expected outcome."""
    result = forge.test(suite.path, match_contract=f"^{suite.contract}$", match_test=f"^{suite.invariant}\\(")
    subject = f"{property_of_invariant(suite.invariant)}.variant:{suite.variant}"
    outcome = next((o for o in result.outcomes if o.test.startswith(suite.invariant + "(")), None)
    if outcome is None:
        return BytecodeEvidence(
            subject=subject,
            property_id=property_of_invariant(suite.invariant) or "",
            kind="invariant",
            status=EvidenceStatus.ERROR,
            test=suite.path,
            test_name=f"{suite.contract}.{suite.invariant}",
            detail=result.error or "forge reported no result for this invariant",
            expect_failure=True,
        )
    evidence = evidence_of(outcome, subject)
    assert evidence is not None  # the declared invariant carries an id (checked by the protocol's tests)
    return dataclasses.replace(evidence, expect_failure=True)


def failing_sequences(evidence: Sequence[BytecodeEvidence]) -> list[BytecodeEvidence]:
    return [e for e in evidence if e.status is EvidenceStatus.FAILED]
