"""``junit.xml``: one test case per property, per seed finding and per static detector.

CI dashboards show these as tests. Rules (docs/REPORTS.md):
- property: PROVED passes; VIOLATED is a failure carrying the counterexample; MODEL-ONLY is a failure
  naming the targets not executed on code; TAUTOLOGY, UNKNOWN, VACUOUS and ERROR are errors carrying the
  reason; PROVED-BOUNDED is a failure with message "bounded"; a declared property with no result
  (``--only``) is skipped.
- seed finding: confirmed (the seed's rule is VIOLATED) passes, anything else fails.
- detector: fails when it has an untriaged finding at or above the gate severity (``fail_on``).
No ``time`` attributes: timings live in timings.json so the file is byte-identical across runs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from vaultproof.report import view
from vaultproof.results import (
    BytecodeEvidence,
    CheckerKind,
    Counterexample,
    EvidenceStatus,
    PropertyResult,
    RunResult,
    Severity,
    Verdict,
)


@dataclass
class _Suite:
    name: str
    element: ET.Element
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0


def _counterexample_text(example: Counterexample) -> str:
    lines = [f"counterexample for obligation {example.obligation}:"]
    lines += [f"  {v.name} = {v.display} (raw {v.raw})" for v in example.values]
    if example.explanation:
        lines.append(example.explanation)
    return "\n".join(lines)


def _case(suite: _Suite, classname: str, name: str) -> ET.Element:
    suite.tests += 1
    return ET.SubElement(suite.element, "testcase", {"classname": classname, "name": name})


def _fail(suite: _Suite, case: ET.Element, tag: str, message: str, kind: str, body: str = "") -> None:
    if tag == "failure":
        suite.failures += 1
    elif tag == "error":
        suite.errors += 1
    else:
        suite.skipped += 1
    node = ET.SubElement(case, tag, {"message": " ".join(message.split()), "type": kind})
    if body:
        node.text = body


def _property_case(suite: _Suite, classname: str, name: str, found: PropertyResult | None) -> None:
    case = _case(suite, classname, name)
    if found is None:
        _fail(suite, case, "skipped", "not decided in this run", "NOT-RUN")
        return
    verdict = found.verdict
    if verdict is Verdict.PROVED:
        return
    if verdict is Verdict.VIOLATED:
        example = found.counterexample
        body = _counterexample_text(example) if example else found.reason
        _fail(
            suite,
            case,
            "failure",
            f"VIOLATED: {found.reason}" if found.reason else "VIOLATED",
            "VIOLATED",
            body,
        )
    elif verdict is Verdict.MODEL_ONLY:
        # not a pass: the model is proved, the code it names is not (or not all of it)
        _fail(suite, case, "failure", f"MODEL-ONLY: {found.reason}", "MODEL-ONLY", found.reason)
    elif verdict is Verdict.PROVED_BOUNDED:
        bounds = sorted({ob.bound for ob in found.obligations if ob.bound is not None})
        body = "proved only up to " + ", ".join(f"{b} steps" for b in bounds) if bounds else ""
        _fail(suite, case, "failure", "bounded", "PROVED-BOUNDED", body)
    else:
        _fail(
            suite,
            case,
            "error",
            f"{verdict.value}: {found.reason or 'no reason given'}",
            verdict.value,
            found.reason,
        )


def _evidence_case(suite: _Suite, e: BytecodeEvidence) -> None:
    """Bytecode evidence beside the verdicts: REPLAYED / FUZZED pass, a broken variant must FAIL."""
    case = _case(suite, f"vaultproof.bytecode.{e.kind}", f"{e.kind} {e.subject} {e.test_name}".strip())
    body = "\n".join([e.detail, *e.sequence]).strip()
    if e.status is EvidenceStatus.NO_BYTECODE:
        _fail(suite, case, "skipped", e.detail or "no bytecode to run it on", e.status.value)
    elif e.status is EvidenceStatus.ERROR:
        _fail(suite, case, "error", f"ERROR: {e.detail}", e.status.value, body)
    elif not e.as_expected:
        expected = (
            "FAILED (a broken variant the invariant must catch)" if e.expect_failure else "no violation"
        )
        _fail(suite, case, "failure", f"{e.status.value}, expected {expected}", e.status.value, body)


def junit_document(result: RunResult, fail_on: Severity) -> str:
    result = view.normalise(result)
    root = ET.Element("testsuites", {"name": f"vaultproof {result.project}"})
    suites = [
        _Suite("properties", ET.SubElement(root, "testsuite", {"name": "properties"})),
        _Suite("seed-findings", ET.SubElement(root, "testsuite", {"name": "seed-findings"})),
        _Suite("static", ET.SubElement(root, "testsuite", {"name": "static"})),
        _Suite("bytecode", ET.SubElement(root, "testsuite", {"name": "bytecode-evidence"})),
    ]
    props, seeds, static, bytecode = suites

    found = view.results_by_id(result)
    for entry in result.catalogue:
        if entry.checker_kind is CheckerKind.Z3 or entry.id in found:
            _property_case(
                props,
                f"vaultproof.properties.{entry.family}",
                f"{entry.id} {entry.title}",
                found.get(entry.id),
            )

    for seed in result.seed_findings:
        case = _case(seeds, "vaultproof.seed_findings", f"{seed.id} {seed.title}")
        if not seed.confirmed:
            _fail(
                seeds,
                case,
                "failure",
                f"seed finding not confirmed: the seed's rule is {seed.result.verdict.value}, "
                "expected VIOLATED",
                seed.result.verdict.value,
                seed.result.reason,
            )

    gating = view.gating_findings(result, fail_on)
    for name in view.detector_names(result):
        case = _case(static, "vaultproof.static", name)
        hits = [f for f in gating if f.detector == name]
        if hits:
            body = "\n".join(
                f"{f.impact.value} {f.contract}.{f.function} "
                f"{', '.join(view.location_text(loc) for loc in f.locations) or '(no location)'}: "
                f"{' '.join((f.title or f.description).split())} [fingerprint {f.fingerprint}]"
                for f in hits
            )
            _fail(
                static,
                case,
                "failure",
                f"{len(hits)} untriaged finding(s) at or above {fail_on.value}",
                "static",
                body,
            )

    for e in result.evidence:
        _evidence_case(bytecode, e)

    for suite in suites:
        for key in ("tests", "failures", "errors", "skipped"):
            suite.element.set(key, str(getattr(suite, key)))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(getattr(s, key) for s in suites)))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
