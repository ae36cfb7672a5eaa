"""Derived views of a :class:`RunResult` that every writer shares (counts, lookups, canonical order).

Keeping these in one place means the Markdown, HTML, SARIF and JUnit outputs cannot disagree
about, say, what counts as a static finding "at or above the gate severity".
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from vaultproof.prover.registry import catalogue_order
from vaultproof.results import (
    BytecodeEvidence,
    CatalogueEntry,
    CheckerKind,
    EvidenceStatus,
    FunctionRef,
    FunctionSource,
    MutantOutcome,
    MutantResult,
    PropertyResult,
    RunResult,
    Severity,
    SourceLocation,
    StaticFinding,
    Verdict,
)

NOT_RUN = "NOT RUN"
NO_FINDING = "NO FINDING"
BY_DETECTOR = "DETECTOR"  # summary row: ST-* properties judged by their detector's findings

# Summary order: the reader's question is "what is proved, and what is not".
VERDICT_ORDER = tuple(Verdict)


def finding_key(f: StaticFinding) -> tuple[int, str, str, str, str, tuple[tuple[str, int, int], ...]]:
    return (
        f.impact.rank,
        f.detector,
        f.contract,
        f.function,
        f.fingerprint,
        tuple((loc.file, loc.start_line, loc.end_line) for loc in f.locations),
    )


def normalise(result: RunResult) -> RunResult:
    """The canonical order of everything in a result, so that output never depends on completion order."""
    gate = result.gate
    if gate is not None:
        gate = dataclasses.replace(
            gate,
            regressions=tuple(
                sorted(gate.regressions, key=lambda r: (r.kind, catalogue_order_safe(r.key), r.key))
            ),
            improvements=tuple(sorted(gate.improvements)),
        )
    return dataclasses.replace(
        result,
        catalogue=tuple(sorted(result.catalogue, key=lambda c: catalogue_order_safe(c.id))),
        properties=tuple(sorted(result.properties, key=lambda p: catalogue_order_safe(p.property_id))),
        seed_findings=tuple(sorted(result.seed_findings, key=lambda s: catalogue_order_safe(s.id))),
        metrics=tuple(sorted(result.metrics, key=lambda m: catalogue_order_safe(m.metric_id))),
        static_findings=tuple(sorted(result.static_findings, key=finding_key)),
        sizes=tuple(sorted(result.sizes, key=lambda s: (s.contract, s.source))),
        mutants=tuple(sorted(result.mutants, key=lambda m: m.mutant_id)),
        gate=gate,
        notes=tuple(sorted(result.notes)),
        evidence=tuple(sorted(result.evidence, key=evidence_key)),
        sources=tuple(sorted(result.sources, key=lambda s: (s.function.contract, s.function.function))),
    )


def evidence_key(e: BytecodeEvidence) -> tuple[tuple[tuple[str, int, str], str], str, str, str]:
    return (catalogue_order_safe(e.property_id), e.kind, e.subject, e.test_name)


def evidence_label(e: BytecodeEvidence) -> str:
    """One short label: REPLAYED, REPLAY-DIFFERS, FUZZED 16×24, FAILED (3 calls), NO-BYTECODE, ERROR."""
    if e.status is EvidenceStatus.FUZZED:
        return f"FUZZED {e.runs}×{e.depth}"
    if e.status is EvidenceStatus.FAILED:
        required = ", as required" if e.expect_failure else ""
        return f"FAILED ({len(e.sequence)} calls{required})"
    return str(e.status.value)


def evidence_of(result: RunResult, property_id: str) -> list[BytecodeEvidence]:
    return [e for e in result.evidence if e.property_id == property_id]


def evidence_of_subject(result: RunResult, subject: str) -> list[BytecodeEvidence]:
    return [e for e in result.evidence if e.subject == subject]


def replay_differs(result: RunResult) -> list[BytecodeEvidence]:
    return [e for e in result.evidence if e.status is EvidenceStatus.REPLAY_DIFFERS]


def catalogue_order_safe(identifier: str) -> tuple[tuple[str, int, str], str]:
    """``catalogue_order`` plus the raw id, so ids outside the FAMILY-N scheme still sort totally."""
    return (catalogue_order(identifier), identifier)


def results_by_id(result: RunResult) -> dict[str, PropertyResult]:
    return {r.property_id: r for r in result.properties}


@dataclass(frozen=True)
class Status:
    """What the report says about one property: its verdict; or, for a detector property without one,
    how many untriaged findings its detector reported; or NOT RUN."""

    text: str
    verdict: Verdict | None = None
    open_findings: int = 0

    def __str__(self) -> str:
        return self.text


def status_of(result: RunResult, entry: CatalogueEntry) -> Status:
    """The verdict, or for a detector property the analysis decided without a verdict, its open findings.

    A Z3 property with no result says NOT RUN; a detector property is never shown as proved from the
    mere absence of findings: it says how many untriaged findings its detector reported.
    """
    found = results_by_id(result).get(entry.id)
    if found is not None:
        return Status(found.verdict.value, verdict=found.verdict)
    if entry.detector:
        open_findings = sum(
            1 for f in result.static_findings if f.detector == entry.detector and not f.triaged
        )
        return (
            Status(f"{open_findings} OPEN", open_findings=open_findings)
            if open_findings
            else Status(NO_FINDING)
        )
    return Status(NOT_RUN)


def verdict_counts(result: RunResult) -> dict[str, int]:
    """Counts per verdict over the catalogue; detector properties without a verdict are counted apart."""
    counts = Counter(r.verdict.value for r in result.properties)
    decided = set(results_by_id(result))
    undecided = [c for c in result.catalogue if c.id not in decided]
    counts[NOT_RUN] = sum(1 for c in undecided if not c.detector)
    counts[BY_DETECTOR] = sum(1 for c in undecided if c.detector)
    return {v.value: counts[v.value] for v in VERDICT_ORDER} | {
        NOT_RUN: counts[NOT_RUN],
        BY_DETECTOR: counts[BY_DETECTOR],
    }


def at_or_above(severity: Severity, threshold: Severity) -> bool:
    return severity.rank <= threshold.rank


def severity_rows(findings: tuple[StaticFinding, ...]) -> list[tuple[Severity, int, int]]:
    """(severity, untriaged, triaged) for every severity, most severe first."""
    untriaged = Counter(f.impact for f in findings if not f.triaged)
    triaged = Counter(f.impact for f in findings if f.triaged)
    return [(s, untriaged[s], triaged[s]) for s in sorted(Severity, key=lambda s: s.rank)]


def gating_findings(result: RunResult, fail_on: Severity) -> list[StaticFinding]:
    """Untriaged findings at or above the gate severity (the baseline's acceptance is the gate's call)."""
    return [f for f in result.static_findings if not f.triaged and at_or_above(f.impact, fail_on)]


def mutation_score(result: RunResult) -> tuple[int, int] | None:
    """(killed, scored) over the mutants that count: equivalent, duplicate and non-compiling generated
    mutants are left out (they cannot be killed, or say nothing about the harness), and so are undecided
    ones (a proof UNKNOWN or ERROR on them, a forge timeout, and nothing else killed them)."""
    if not result.mutants:
        return None
    scored = [m for m in result.mutants if m.scored]
    return sum(1 for m in scored if m.killed), len(scored)


def mutation_scores(result: RunResult, by: str) -> dict[str, tuple[int, int]]:
    """(killed, scored) per ``family`` (a mutant counts for each of its families), ``contract`` or
    ``operator`` (generated mutants only for the last two)."""
    out: dict[str, list[int]] = {}
    for m in result.mutants:
        if not m.scored:
            continue
        if by == "family":
            keys: tuple[str, ...] = m.families
        elif m.mutant_set != "generated":
            continue
        else:
            keys = (getattr(m, by),)
        for key in keys:
            entry = out.setdefault(key, [0, 0])
            entry[0] += int(m.killed)
            entry[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def outcome_counts(result: RunResult) -> dict[MutantOutcome, int]:
    counts = Counter(
        m.outcome for m in result.mutants if m.outcome is not None and m.mutant_set == "generated"
    )
    return {o: counts[o] for o in MutantOutcome}


def survivors(result: RunResult) -> tuple[list[MutantResult], list[MutantResult]]:
    """Surviving generated mutants: (in functions some property targets, in unchecked code)."""
    alive = [m for m in result.mutants if m.outcome is MutantOutcome.SURVIVED]
    alive.sort(key=lambda m: (m.contract, m.function, m.line, m.mutant_id))
    return [m for m in alive if m.targeted_by], [m for m in alive if not m.targeted_by]


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def gate_label(result: RunResult) -> str:
    if result.gate is None:
        return "not evaluated (run with --gate)"
    if result.gate.passed:
        return "PASS"
    return f"FAIL ({len(result.gate.regressions)} regression(s))"


def detector_names(result: RunResult) -> list[str]:
    """Every detector the run knows of: those behind ST-* properties and those that reported findings."""
    names = {c.detector for c in result.catalogue}
    names |= {f.detector for f in result.static_findings}
    return sorted(n for n in names if n)


def properties_for_detector(result: RunResult) -> Mapping[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for c in result.catalogue:
        if c.detector:
            mapping.setdefault(c.detector, []).append(c.id)
    return mapping


def location_text(loc: SourceLocation) -> str:
    if loc.end_line and loc.end_line != loc.start_line:
        return f"{loc.file}:{loc.start_line}-{loc.end_line}"
    return f"{loc.file}:{loc.start_line}"


def source_of(result: RunResult, contract: str) -> str | None:
    """The source file of a contract, from the sizes table (the only place a RunResult records it)."""
    for size in result.sizes:
        if size.contract == contract:
            return size.source
    return None


def is_partial(result: RunResult) -> bool:
    """True when some declared Z3 property has no result (``--only``): the gate then skips absentees."""
    ran = set(results_by_id(result))
    return any(c.checker_kind is CheckerKind.Z3 and c.id not in ran for c in result.catalogue)


def sources_by_function(result: RunResult) -> dict[FunctionRef, FunctionSource]:
    return {s.function: s for s in result.sources}


def coverage_text(found: PropertyResult) -> str:
    """E.g. "12/14 statement lines of the targets (85.7%)", or why there is no coverage to show."""
    executed, total = found.proof_coverage
    if not total:
        return "no statement lines of the targets were located"
    return f"{executed}/{total} statement lines of the targets ({percent(executed, total)})"


def line_hits(result: RunResult) -> dict[str, dict[int, int]]:
    """file → line → how many properties' proofs executed it; every targeted statement line is present
    (0 when no proof ran it), so a coverage tool shows what is not proved as well as what is."""
    hits: dict[str, dict[int, int]] = {}
    for source in result.sources:
        lines = hits.setdefault(source.file, {})
        for line in source.statement_lines:
            lines.setdefault(line, 0)
    for found in result.properties:
        for executed in found.executed_lines:
            lines = hits.setdefault(executed.file, {})
            for line in executed.lines:
                lines[line] = lines.get(line, 0) + 1
    return hits


def function_hits(result: RunResult) -> dict[FunctionRef, int]:
    """Per targeted function, how many properties executed it on code."""
    counts = {source.function: 0 for source in result.sources}
    for found in result.properties:
        for function in found.executed:
            if function in counts:
                counts[function] += 1
    return counts
