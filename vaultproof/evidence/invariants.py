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
from dataclasses import dataclass

from vaultproof.evidence import variants
from vaultproof.evidence.decl import EvidenceDecl, property_of_invariant
from vaultproof.evidence.forge import CallStep, Forge, TestOutcome, clear_generated_tests, generated_env
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


def run_suites(decl: EvidenceDecl, forge: Forge) -> list[InvariantRun]:
    """Every declared suite's invariants; one per invariant, sorted by (property, test)."""
    out: list[InvariantRun] = []
    for suite in decl.suites:
        result = forge.test(suite.path, match_contract=f"^{suite.contract}$", match_test="^invariant_")
        if result.error:
            error = BytecodeEvidence(
                subject=suite.contract,
                property_id="",
                kind="invariant",
                status=EvidenceStatus.ERROR,
                test=suite.path,
                test_name=suite.contract,
                detail=result.error,
            )
            out.append(InvariantRun(error, None))
            continue
        out += [InvariantRun(e, o) for o in result.outcomes if (e := evidence_of(o)) is not None]
    return sorted(out, key=lambda r: (r.evidence.property_id, r.evidence.test_name))


@dataclass(frozen=True)
class InvariantRun:
    """One invariant's evidence and the raw outcome it came from (its shrunk calls, for a sequence replay)."""

    evidence: BytecodeEvidence
    outcome: TestOutcome | None


def run_broken(decl: EvidenceDecl, forge: Forge) -> list[InvariantRun]:
    """Each declared invariant against its code variant, FAILED being the required outcome. The variants and
    their suites are staged first (``decl.variants_dir``, generated); one forge run, among the generated
    tests: each broken-variant suite declares only its own invariant. Same order as ``decl.broken_suites``.
    forge keeps the failing sequences in ``decl.broken_failures_dir`` when the project declares one."""
    suites = decl.broken_suites
    if not suites:
        return []
    clear_generated_tests(forge.root)  # this run's replays are written after it, from its outcomes
    if decl.variants_dir:
        variants.stage(decl.variants, decl.broken_sources, forge.root, forge.root / decl.variants_dir)
    paths = sorted({s.path for s in suites})
    pattern = paths[0] if len(paths) == 1 else "{" + ",".join(paths) + "}"
    kept = forge.root / decl.broken_failures_dir if decl.broken_failures_dir else None
    result = forge.test(pattern, match_test="^invariant_", env=generated_env(), kept_invariant_failures=kept)
    by_key = {(o.contract, o.test.partition("(")[0]): o for o in result.outcomes}
    runs = []
    for suite in suites:
        subject = f"{property_of_invariant(suite.invariant)}.variant:{suite.variant}"
        outcome = by_key.get((suite.contract, suite.invariant))
        evidence = evidence_of(outcome, subject) if outcome is not None else None
        if evidence is None:
            evidence = BytecodeEvidence(
                subject=subject,
                property_id=property_of_invariant(suite.invariant) or "",
                kind="invariant",
                status=EvidenceStatus.ERROR,
                test=suite.path,
                test_name=f"{suite.contract}.{suite.invariant}",
                detail=result.error or "forge reported no result for this invariant",
            )
        runs.append(InvariantRun(dataclasses.replace(evidence, expect_failure=True), outcome))
    return runs


def failing_sequences(evidence: Sequence[BytecodeEvidence]) -> list[BytecodeEvidence]:
    return [e for e in evidence if e.status is EvidenceStatus.FAILED]
