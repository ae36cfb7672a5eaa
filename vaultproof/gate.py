"""The CI gate: compare a run with the committed baseline so that only regressions fail a build.

The baseline (``reports/baseline.json``, format in docs/REPORTS.md) records, for the run it was
taken from: each property's verdict, each seed finding's confirmed flag, the fingerprints of the
static findings that were accepted, and each contract's deployed size. ``evaluate`` reports:

- a property that was PROVED and is now anything else, or any verdict that got worse
  (PROVED < PROVED-BOUNDED < UNKNOWN < VACUOUS/ERROR < VIOLATED); a property not in the baseline
  that is not PROVED (SPEC §4.1: unknown fails the gate unless the baseline says otherwise);
  a property of the baseline that is no longer declared;
- a seed finding that was confirmed and is no longer (or a new one that is not confirmed);
- a static finding at or above ``fail_on`` that is neither triaged nor accepted in the baseline.
  Findings are compared by their meaning-based fingerprint (detector, contract, function,
  normalised statement), never by line number, so unrelated edits do not resurrect them;
- a contract over the bytecode size limit (EIP-170), baseline or not;
- a family whose mutation score (killed / scored mutants, hand-written and generated) is below the
  baseline's (optional key ``mutation_scores``; a run without mutants is not compared);
- bytecode evidence that disagrees with what the harness claims, baseline or not: a counterexample that
  does not replay on the bytecode (REPLAY-DIFFERS), an invariant suite that FAILED on the shipped
  deployment, a broken variant on which its invariant did NOT fail (the invariant has no teeth), or a
  forge run that ERRORed. None of these can be accepted into the baseline: the first two are findings,
  the last two mean the evidence the report shows was not obtained. A run without evidence
  (``--skip-evidence``) is not compared.

Improvements (a verdict that got better, a finding that disappeared, a contract that shrank) are
listed but never fail the gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaultproof.errors import BaselineError, VaultproofError
from vaultproof.jsonio import read_json
from vaultproof.output import write_file
from vaultproof.report import view
from vaultproof.results import EvidenceStatus, GateOutcome, GateRegression, RunResult, Severity, Verdict

BASELINE_SCHEMA = "vaultproof/baseline"
BASELINE_VERSION = 1
_REQUIRED = ("schema", "version", "properties", "seed_findings", "accepted_findings", "sizes")

# How bad a verdict is; moving up this scale is a regression, down it an improvement.
_BADNESS = {verdict: verdict.rank for verdict in Verdict}


def baseline_document(result: RunResult) -> dict[str, Any]:
    """The baseline for ``result``: every verdict, seed finding, finding fingerprint and size it has."""
    result = view.normalise(result)
    accepted = {
        f.fingerprint: {
            "contract": f.contract,
            "detector": f.detector,
            "function": f.function,
            "impact": f.impact.value,
            "title": f.title,
        }
        for f in result.static_findings
    }
    return {
        "schema": BASELINE_SCHEMA,
        "version": BASELINE_VERSION,
        "project": result.project,
        "properties": {r.property_id: r.verdict.value for r in result.properties},
        "seed_findings": {s.id: s.confirmed for s in result.seed_findings},
        "accepted_findings": accepted,
        "sizes": {s.contract: s.deployed_bytes for s in result.sizes},
        "mutation_scores": {
            family: {"killed": killed, "scored": scored}
            for family, (killed, scored) in view.mutation_scores(result, "family").items()
        },
    }


def write_baseline(result: RunResult, path: Path) -> None:
    """Rewrite the baseline from ``result`` (``--update-baseline``); refuses a partial (``--only``) run."""
    from vaultproof.report.codec import dumps

    if view.is_partial(result):
        raise BaselineError(
            f"refusing to rewrite {path} from a partial run: drop --only so that every property is decided"
        )
    try:
        write_file(path, dumps(baseline_document(result)))
    except VaultproofError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc}") from None


class Baseline:
    """A parsed, validated baseline file."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.properties: dict[str, Verdict] = {}
        for key, value in _mapping(data, "properties", path).items():
            try:
                self.properties[key] = Verdict(value)
            except ValueError:
                raise BaselineError(f"{path}: properties.{key}: unknown verdict {value!r}") from None
        self.seed_findings: dict[str, bool] = {}
        for key, value in _mapping(data, "seed_findings", path).items():
            if not isinstance(value, bool):
                raise BaselineError(f"{path}: seed_findings.{key} must be true or false")
            self.seed_findings[key] = value
        accepted = _mapping(data, "accepted_findings", path)
        for key, value in accepted.items():
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise BaselineError(f"{path}: accepted_findings.{key} must be an object of strings")
        self.accepted: dict[str, dict[str, Any]] = dict(accepted)
        self.sizes: dict[str, int] = {}
        for key, value in _mapping(data, "sizes", path).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise BaselineError(f"{path}: sizes.{key} must be a non-negative integer")
            self.sizes[key] = value
        self.mutation_scores: dict[str, tuple[int, int]] = {}
        scores = data.get("mutation_scores", {})
        if not isinstance(scores, dict):
            raise BaselineError(f"{path}: mutation_scores must be an object")
        for key, value in scores.items():
            killed = value.get("killed") if isinstance(value, dict) else None
            scored = value.get("scored") if isinstance(value, dict) else None
            if not (isinstance(killed, int) and isinstance(scored, int) and 0 <= killed <= scored):
                raise BaselineError(f"{path}: mutation_scores.{key} needs integers 0 <= killed <= scored")
            self.mutation_scores[key] = (killed, scored)


def _mapping(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data[key]
    if not isinstance(value, dict):
        raise BaselineError(f"{path}: {key} must be an object")
    return value


def load_baseline(path: Path) -> Baseline:
    """Read and validate the baseline; every problem is a one-line BaselineError (exit 2)."""
    data = read_json(
        path, BaselineError, "baseline", "run `vaultproof run --update-baseline` once and commit it"
    )
    if not isinstance(data, dict):
        raise BaselineError(f"baseline {path} must be a JSON object")
    if data.get("schema") != BASELINE_SCHEMA:
        raise BaselineError(
            f"baseline {path}: schema is {data.get('schema')!r}, expected {BASELINE_SCHEMA!r}"
        )
    version = data.get("version")
    # ``type(...) is int``: JSON ``true`` is a bool, and ``True == 1`` in Python.
    if type(version) is not int or version != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path}: version {data.get('version')!r} is not supported "
            f"(expected {BASELINE_VERSION}); "
            "rewrite it with --update-baseline"
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise BaselineError(f"baseline {path} is missing key(s): {', '.join(missing)}")
    if "project" in data and not isinstance(data["project"], str):
        raise BaselineError(f"baseline {path}: project must be a string")
    return Baseline(path, data)


def _properties(result: RunResult, base: Baseline) -> tuple[list[GateRegression], list[str]]:
    regressions: list[GateRegression] = []
    improvements: list[str] = []
    for current in result.properties:
        pid, now = current.property_id, current.verdict
        before = base.properties.get(pid)
        why = f" ({current.reason})" if current.reason else ""
        if before is None:
            if now is not Verdict.PROVED:
                regressions.append(
                    GateRegression("property", pid, f"{pid} is new and {now.value}, not PROVED{why}")
                )
            continue
        if now is before:
            continue
        if before is Verdict.PROVED or _BADNESS[now] >= _BADNESS[before]:
            regressions.append(
                GateRegression(
                    "property", pid, f"{pid} was {before.value} in the baseline and is now {now.value}{why}"
                )
            )
        else:
            improvements.append(f"{pid} improved from {before.value} to {now.value}")
    declared = {c.id for c in result.catalogue}
    for pid, before in sorted(base.properties.items()):
        if pid not in declared and before is Verdict.PROVED:
            regressions.append(
                GateRegression("property", pid, f"{pid} was PROVED in the baseline and is no longer declared")
            )
    return regressions, improvements


def _seed_findings(
    result: RunResult, base: Baseline, partial: bool
) -> tuple[list[GateRegression], list[str]]:
    regressions: list[GateRegression] = []
    improvements: list[str] = []
    current = {s.id: s for s in result.seed_findings}
    for sid, seed in current.items():
        before = base.seed_findings.get(sid)
        if seed.confirmed:
            if before is False:
                improvements.append(f"seed finding {sid} is now confirmed")
            continue
        state = f"the seed's rule is {seed.result.verdict.value}, expected VIOLATED"
        if before is None:
            regressions.append(
                GateRegression("seed-finding", sid, f"seed finding {sid} is new and not confirmed: {state}")
            )
        elif before:
            regressions.append(
                GateRegression(
                    "seed-finding", sid, f"seed finding {sid} was confirmed and no longer is: {state}"
                )
            )
    if not partial:
        for sid, before in sorted(base.seed_findings.items()):
            if before and sid not in current:
                regressions.append(
                    GateRegression(
                        "seed-finding", sid, f"seed finding {sid} was confirmed and is no longer declared"
                    )
                )
    return regressions, improvements


def _static(result: RunResult, base: Baseline, fail_on: Severity) -> tuple[list[GateRegression], list[str]]:
    regressions: list[GateRegression] = []
    seen: set[str] = set()
    for f in result.static_findings:
        seen.add(f.fingerprint)
        if f.triaged or f.fingerprint in base.accepted or f.fingerprint in {r.key for r in regressions}:
            continue
        if view.at_or_above(f.impact, fail_on):
            where = ", ".join(view.location_text(loc) for loc in f.locations) or f"{f.contract}.{f.function}"
            regressions.append(
                GateRegression(
                    "static",
                    f.fingerprint,
                    f"new {f.impact.value} finding {f.detector} in {f.contract}.{f.function} at {where}: "
                    f"{' '.join((f.title or f.description).split())}",
                )
            )
    improvements = [
        f"static finding {info.get('detector', '?')} in "
        f"{info.get('contract', '?')}.{info.get('function', '?')} "
        f"({fp[:12]}) is no longer reported"
        for fp, info in sorted(base.accepted.items())
        if fp not in seen
    ]
    return regressions, improvements


def _sizes(result: RunResult, base: Baseline) -> tuple[list[GateRegression], list[str]]:
    regressions: list[GateRegression] = []
    improvements: list[str] = []
    for size in result.sizes:
        if not size.within_limit:
            regressions.append(
                GateRegression(
                    "size",
                    size.contract,
                    f"{size.contract} is {size.deployed_bytes:,} bytes, "
                    f"over the {size.limit_bytes:,}-byte limit "
                    f"by {-size.headroom:,}",
                )
            )
        before = base.sizes.get(size.contract)
        if before is not None and size.deployed_bytes < before:
            improvements.append(f"{size.contract} shrank from {before:,} to {size.deployed_bytes:,} bytes")
    return regressions, improvements


def _mutation(result: RunResult, base: Baseline) -> tuple[list[GateRegression], list[str]]:
    """A family's score below the baseline's is a regression (scores compare as fractions)."""
    regressions: list[GateRegression] = []
    improvements: list[str] = []
    if not result.mutants:
        return regressions, improvements
    current = view.mutation_scores(result, "family")
    for family, (killed_before, scored_before) in sorted(base.mutation_scores.items()):
        if family not in current or not scored_before:
            continue
        killed, scored = current[family]
        before, now = killed_before / scored_before, killed / scored
        if now < before:
            regressions.append(
                GateRegression(
                    "mutation",
                    family,
                    f"family {family}: mutation score {killed}/{scored} ({view.percent(killed, scored)}) "
                    f"is below the baseline's {killed_before}/{scored_before} "
                    f"({view.percent(killed_before, scored_before)})",
                )
            )
        elif now > before:
            improvements.append(
                f"family {family}: mutation score rose from {killed_before}/{scored_before} "
                f"to {killed}/{scored}"
            )
    return regressions, improvements


def _evidence(result: RunResult) -> list[GateRegression]:
    """Every piece of bytecode evidence that is not as the harness claims (``as_expected``)."""
    regressions: list[GateRegression] = []
    for e in result.evidence:
        if e.as_expected:
            continue
        if e.expect_failure:
            what = (
                f"its invariant did not fail on the broken variant ({e.status.value}): "
                "it would miss that defect"
            )
        elif e.status is EvidenceStatus.REPLAY_DIFFERS:
            what = (
                "the counterexample does not replay on the bytecode (REPLAY-DIFFERS): model and code disagree"
            )
        elif e.status is EvidenceStatus.FAILED:
            what = f"the invariant FAILED on the shipped deployment after {len(e.sequence)} call(s)"
        else:
            what = f"forge could not produce the evidence ({e.status.value})"
        where = f" [{e.test_name or e.test}]" if (e.test_name or e.test) else ""
        detail = f": {' '.join(e.detail.split())}" if e.detail else ""
        regressions.append(GateRegression("evidence", e.subject, f"{e.subject}{where}: {what}{detail}"))
    return regressions


def evaluate(result: RunResult, baseline_path: Path, fail_on: Severity) -> GateOutcome:
    """Regressions and improvements of ``result`` against the baseline at ``baseline_path``."""
    base = load_baseline(baseline_path)
    partial = view.is_partial(result)
    regressions: list[GateRegression] = []
    improvements: list[str] = []
    for found, better in (
        _properties(result, base),
        _seed_findings(result, base, partial),
        _static(result, base, fail_on),
        _sizes(result, base),
        _mutation(result, base),
    ):
        regressions += found
        improvements += better
    regressions += _evidence(result)
    return GateOutcome(
        baseline=str(baseline_path),
        regressions=tuple(sorted(regressions, key=lambda r: (r.kind, r.key))),
        improvements=tuple(sorted(improvements)),
    )
