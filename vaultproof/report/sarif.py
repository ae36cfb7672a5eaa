"""``results.sarif``: SARIF 2.1.0 for code-scanning UIs.

One run, tool driver ``vaultproof``. Rules: every declared property (id ``ALLOC-1`` …) and every
detector (its Slither argument). Results: each property whose verdict is VIOLATED, MODEL-ONLY,
TAUTOLOGY, VACUOUS, UNKNOWN or ERROR (a proof the harness does not have is something to look at), and
each static finding (triaged ones carry an accepted suppression with the triage reason). A property result is
placed at its target functions: the contract's source file (from the sizes table) plus a logical
location ``Contract.function``; the RunResult does not record function line numbers, so no region
is invented. ``partialFingerprints`` carry the static finding's meaning-based fingerprint, so a
finding that moves lines is the same alert.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vaultproof import __url__
from vaultproof.report import view
from vaultproof.results import (
    BytecodeEvidence,
    CatalogueEntry,
    CheckerKind,
    EvidenceStatus,
    PropertyResult,
    RunResult,
    Severity,
    StaticFinding,
    Verdict,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "vaultproof/v1"

# Everything but a pass: a MODEL-ONLY property is proved on its model only, not on the code it names.
_REPORTED = tuple(v for v in Verdict if not v.passed and v is not Verdict.PROVED_BOUNDED)

# GitHub code scanning reads a numeric "security-severity" from rule properties.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFORMATIONAL: "1.0",
    Severity.OPTIMIZATION: "0.5",
}


INFORMATION_URI = __url__  # the tool's documentation (SARIF tool.driver.informationUri)


def level(severity: Severity) -> str:
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "note"


def _message(text: str) -> dict[str, str]:
    return {"text": " ".join(text.split()) or "(no message)"}


def _property_rule(entry: CatalogueEntry) -> dict[str, Any]:
    help_text = f"{entry.statement}\n\nSeed: {entry.seed}. Why it matters: {entry.rationale}"
    if entry.assumptions:
        help_text += "\nAssumptions: " + "; ".join(entry.assumptions)
    return {
        "id": entry.id,
        "name": entry.title,
        "shortDescription": _message(entry.title),
        "fullDescription": _message(entry.statement),
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level(entry.severity)},
        "properties": {
            "checker": entry.checker,
            "family": entry.family,
            "precision": "very-high" if entry.checker_kind is CheckerKind.Z3 else "high",
            "security-severity": _SECURITY_SEVERITY[entry.severity],
            "severity": entry.severity.value,
            "tags": sorted({"vaultproof", "property", entry.family.lower()}),
        },
    }


def _detector_rule(name: str, findings: list[StaticFinding], properties: list[str]) -> dict[str, Any]:
    first = findings[0] if findings else None
    title = first.title if first and first.title else f"detector {name}"
    severity = min((f.impact for f in findings), key=lambda s: s.rank) if findings else Severity.MEDIUM
    description = f"Slither detector {name}" + (f" (decides {', '.join(properties)})" if properties else "")
    help_text = (
        f"{title}. {description}. Fix the code, or triage the finding with a reason in the project's "
        "triage file ([analyse] triage): findings are matched by meaning (detector, contract, function, "
        "statement), not by line, so a triaged finding stays triaged when unrelated code moves."
    )
    return {
        "id": name,
        "name": title,
        "shortDescription": _message(title),
        "fullDescription": _message(description),
        # GitHub code scanning requires every rule to carry help (GH2012)
        "help": {"text": help_text, "markdown": help_text.replace(f"detector {name}", f"detector `{name}`")},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[severity],
            "severity": severity.value,
            "tags": sorted({"vaultproof", "static", *properties}),
        },
    }


def _property_locations(result: RunResult, entry: CatalogueEntry) -> list[dict[str, Any]]:
    locations = []
    lines = dict(zip(entry.targets, entry.target_locations, strict=False)) if entry.target_locations else {}
    for target in entry.targets:
        location: dict[str, Any] = {
            "logicalLocations": [
                {"fullyQualifiedName": str(target), "name": target.function, "kind": "function"}
            ]
        }
        where = lines.get(target)
        source = where.file if where is not None else view.source_of(result, target.contract)
        if source:
            physical: dict[str, Any] = {"artifactLocation": {"uri": source, "uriBaseId": SRCROOT}}
            if where is not None:
                physical["region"] = {"startLine": where.start_line, "endLine": where.end_line}
            location["physicalLocation"] = physical
        locations.append(location)
    return locations


def _property_result(
    result: RunResult, entry: CatalogueEntry, found: PropertyResult, rule_index: int
) -> dict[str, Any]:
    text = f"{entry.id} {found.verdict.value}: {entry.statement}"
    if found.reason:
        text += f" — {found.reason}"
    example = found.counterexample
    properties: dict[str, Any] = {"verdict": found.verdict.value}
    if example is not None:
        shown = ", ".join(f"{v.name} = {v.display}" for v in example.values)
        text += f" Counterexample ({example.obligation}): {shown}."
        properties["counterexample"] = {
            "obligation": example.obligation,
            "values": [{"name": v.name, "raw": str(v.raw), "display": v.display} for v in example.values],
        }
    is_violation = found.verdict is Verdict.VIOLATED
    digest = hashlib.sha256(f"property:{entry.id}".encode()).hexdigest()[:32]
    out: dict[str, Any] = {
        "ruleId": entry.id,
        "ruleIndex": rule_index,
        "message": _message(text),
        "partialFingerprints": {FINGERPRINT_KEY: digest},
        "properties": properties,
    }
    # A property the harness could not prove (unknown, vacuous, error) is not a bug found, but it is a
    # proof missing: a warning, whatever the property's severity.
    out["level"] = level(entry.severity) if is_violation else "warning"
    locations = _property_locations(result, entry)
    if locations:
        out["locations"] = locations
    return out


def _finding_result(finding: StaticFinding, rule_index: int) -> dict[str, Any]:
    locations: list[dict[str, Any]] = []
    for loc in finding.locations:
        physical: dict[str, Any] = {"artifactLocation": {"uri": loc.file, "uriBaseId": SRCROOT}}
        if loc.start_line >= 1:
            physical["region"] = {"startLine": loc.start_line, "endLine": max(loc.end_line, loc.start_line)}
        locations.append({"physicalLocation": physical})
    if finding.contract:
        name = f"{finding.contract}.{finding.function}" if finding.function else finding.contract
        logical = {
            "logicalLocations": [
                {"fullyQualifiedName": name, "kind": "function" if finding.function else "type"}
            ]
        }
        if locations:
            locations[0].update(logical)
        else:
            locations.append(logical)
    out: dict[str, Any] = {
        "ruleId": finding.detector,
        "ruleIndex": rule_index,
        "level": level(finding.impact),
        "message": _message(finding.description or finding.title),
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "confidence": finding.confidence,
            "impact": finding.impact.value,
            "check": finding.check_id,
        },
    }
    if locations:
        out["locations"] = locations
    if finding.triaged:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.triage_reason or "triaged"}
        ]
    return out


def _evidence_summary(e: BytecodeEvidence) -> dict[str, Any]:
    out: dict[str, Any] = {
        "about": e.subject,
        "property": e.property_id,
        "kind": e.kind,
        "status": e.status.value,
        "test": f"{e.test}::{e.test_name}" if e.test else "",
        "detail": e.detail,
    }
    if e.kind == "invariant":
        out.update({"runs": e.runs, "depth": e.depth, "calls": e.calls, "sequence": list(e.sequence)})
    return out


def _evidence_result(e: BytecodeEvidence, rule_index: int) -> dict[str, Any]:
    """Bytecode evidence that contradicts the harness's claim: a replay that differs, an invariant that
    failed on the shipped code, a broken variant the invariant did not catch, or a forge error."""
    text = f"{e.property_id} bytecode evidence {e.status.value} ({e.kind} {e.test_name}): {e.detail}"
    if e.sequence:
        text += " Shrunk sequence: " + "; ".join(e.sequence)
    digest = hashlib.sha256(f"evidence:{e.subject}:{e.test_name}".encode()).hexdigest()[:32]
    out: dict[str, Any] = {
        "ruleId": e.property_id,
        "ruleIndex": rule_index,
        "level": "error" if e.status in (EvidenceStatus.REPLAY_DIFFERS, EvidenceStatus.FAILED) else "warning",
        "message": _message(text),
        "partialFingerprints": {FINGERPRINT_KEY: digest},
        "properties": _evidence_summary(e),
    }
    if e.test:
        out["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": e.test, "uriBaseId": SRCROOT}}}]
    return out


def sarif_document(result: RunResult) -> dict[str, Any]:
    result = view.normalise(result)
    rules: list[dict[str, Any]] = [_property_rule(c) for c in result.catalogue]
    index = {c.id: i for i, c in enumerate(result.catalogue)}
    owners = view.properties_for_detector(result)
    for name in view.detector_names(result):
        if name in index:  # a detector named like a property id would collide; keep the property rule
            continue
        index[name] = len(rules)
        rules.append(
            _detector_rule(
                name, [f for f in result.static_findings if f.detector == name], owners.get(name, [])
            )
        )

    results: list[dict[str, Any]] = []
    found = view.results_by_id(result)
    for entry in result.catalogue:
        decided = found.get(entry.id)
        if decided is not None and decided.verdict in _REPORTED:
            results.append(_property_result(result, entry, decided, index[entry.id]))
    results += [_finding_result(f, index[f.detector]) for f in result.static_findings]
    results += [
        _evidence_result(e, index[e.property_id])
        for e in result.evidence
        if e.property_id in index and not e.as_expected and e.status is not EvidenceStatus.NO_BYTECODE
    ]

    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vaultproof",
                        "informationUri": INFORMATION_URI,
                        "version": result.tools.vaultproof,
                        "semanticVersion": result.tools.vaultproof,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"vaultproof/{result.project}/"},
                "columnKind": "utf16CodeUnits",
                "results": results,
                "properties": {
                    "project": result.project,
                    "bytecodeEvidence": [_evidence_summary(e) for e in result.evidence],
                    "toolchain": {
                        "crytic-compile": result.tools.crytic_compile,
                        "python": result.tools.python,
                        "slither-analyzer": result.tools.slither,
                        "solc": result.tools.solc,
                        "z3": result.tools.z3,
                    },
                },
            }
        ],
    }
