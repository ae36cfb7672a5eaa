"""The CI gate (placeholder: filled by the reports-and-gate issue)."""

from __future__ import annotations

import json
from pathlib import Path

from vaultproof.results import GateOutcome, RunResult, Severity


def write_baseline(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": 1, "properties": {r.property_id: r.verdict.value for r in result.properties}}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def evaluate(result: RunResult, path: Path, fail_on: Severity) -> GateOutcome:
    return GateOutcome(baseline=str(path), regressions=(), improvements=())
