"""The analyse stage: Slither's built-in detectors, the project's plugin detectors (ST-*), the
upgradeability check and bytecode sizes, triaged and turned into plain :class:`StaticFinding` values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultproof.analysis.detectors import builtin_detectors, plugin_detectors, run_detectors
from vaultproof.analysis.findings import is_dependency_only, sort_key, to_finding
from vaultproof.analysis.triage import TriageEntry, apply_triage, load_triage
from vaultproof.compile import CompiledProject
from vaultproof.console import Console
from vaultproof.errors import ToolError
from vaultproof.prover.registry import DetectorChecker, Registry
from vaultproof.results import BytecodeSize, StaticFinding


@dataclass(frozen=True)
class AnalysisOutcome:
    findings: tuple[StaticFinding, ...]
    sizes: tuple[BytecodeSize, ...]
    notes: tuple[str, ...] = ()
    # Slither's own ``--json`` shape ({"success", "error", "results": {"detectors": [...]}}), for
    # reports/slither.json; triaged findings are included (Slither does not know about triage).
    slither_json: str = ""
    stale_triage: tuple[str, ...] = ()


def run_analysis(project: CompiledProject, registry: Registry, console: Console) -> AnalysisOutcome:
    config = project.config
    builtins = builtin_detectors(config.builtin_exclude)
    plugin = plugin_detectors(config)
    entries: tuple[TriageEntry, ...] = ()
    if config.triage_file:
        entries = load_triage(config.path(config.triage_file))

    console.step(f"analyse: {len(builtins)} Slither detectors + {len(plugin)} project detectors")
    runs = run_detectors(project.slither, [*builtins, *plugin], set(builtins))

    property_of = {
        p.checker.argument: p.id
        for p in registry.static_properties()
        if isinstance(p.checker, DetectorChecker)
    }
    findings: list[StaticFinding] = []
    raw: list[dict[str, Any]] = []
    notes: list[str] = []
    for run in runs:
        check_id = property_of.get(run.argument, run.argument)
        if run.error:
            # A crashed detector decides nothing: a tool failure (exit 2), never a finding the gate
            # could read as a regression (exit 1) or a triage could silence.
            raise ToolError(f"detector {run.argument} ({check_id}) crashed: {run.error}")
        for found in run.results:
            if is_dependency_only(found):
                continue
            result = portable(found, project.config.root)
            raw.append(result)
            findings.append(to_finding(result, run.title, check_id))

    unique = {f.fingerprint: f for f in sorted(findings, key=sort_key)}
    triaged, stale = apply_triage(tuple(sorted(unique.values(), key=sort_key)), entries)
    stale_text = tuple(f"stale triage entry (matches no finding): {e.describe()}" for e in stale)
    notes.extend(stale_text)

    sizes = project.sizes()
    over = [s for s in sizes if not s.within_limit]
    open_count = sum(1 for f in triaged if not f.triaged)
    console.step(
        f"analyse: {len(triaged)} findings ({open_count} open, {len(triaged) - open_count} triaged), "
        f"{len(stale)} stale triage entries"
    )
    console.step(f"analyse: {len(sizes)} deployable contracts sized, {len(over)} over {config.size_limit} B")
    return AnalysisOutcome(
        findings=triaged,
        sizes=sizes,
        notes=tuple(notes),
        slither_json=slither_json(raw),
        stale_triage=stale_text,
    )


def portable(value: Any, root: Path) -> Any:
    """Slither's JSON with the project root stripped from every path (``filename_absolute`` included),
    so the same sources give the same bytes in any checkout."""
    prefix = f"{root.resolve()}/"
    if isinstance(value, str):
        return value.replace(prefix, "")
    if isinstance(value, dict):
        return {k: portable(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v, root) for v in value]
    return value


def slither_json(results: list[dict[str, Any]]) -> str:
    """Results in the shape ``slither --json`` writes, deterministically ordered."""
    ordered = sorted(results, key=lambda r: (str(r.get("check", "")), str(r.get("id", ""))))
    document = {"success": True, "error": None, "results": {"detectors": ordered}}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


__all__ = ["AnalysisOutcome", "run_analysis", "slither_json"]
