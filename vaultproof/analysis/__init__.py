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
from vaultproof.prover.registry import DetectorChecker, Registry
from vaultproof.results import BytecodeSize, CatalogueEntry, PropertyResult, StaticFinding, Verdict
from vaultproof.toollog import capture_tool_logs


@dataclass(frozen=True)
class AnalysisOutcome:
    findings: tuple[StaticFinding, ...]
    sizes: tuple[BytecodeSize, ...]
    notes: tuple[str, ...] = ()
    # Slither's own ``--json`` shape ({"success", "error", "results": {"detectors": [...]}}), for
    # reports/slither.json; triaged findings are included (Slither does not know about triage).
    slither_json: str = ""
    stale_triage: tuple[str, ...] = ()
    # A detector that crashed, or ran over functions Slither could not lower to IR: the tool failed, the
    # code was not checked. Never a finding; ``analyse`` exits 2 and the report says ERROR.
    tool_errors: tuple[str, ...] = ()
    # ERROR verdicts for the detector properties (ST-*) those failures left unchecked.
    properties: tuple[PropertyResult, ...] = ()
    # Project functions without SlithIR (``Contract.function``): their calls and loops were never seen.
    without_ir: tuple[str, ...] = ()
    # reports/slither.log: what crytic-compile and Slither logged at warning or above.
    log_text: str = ""


def run_analysis(project: CompiledProject, registry: Registry, console: Console) -> AnalysisOutcome:
    config = project.config
    builtins = builtin_detectors(config.builtin_exclude)
    plugin = plugin_detectors(config)
    entries: tuple[TriageEntry, ...] = ()
    if config.triage_file:
        entries = load_triage(config.path(config.triage_file))

    console.step(f"analyse: {len(builtins)} Slither detectors + {len(plugin)} project detectors")
    slither = project.slither
    with capture_tool_logs(project.log, config.root):
        runs = run_detectors(slither, [*builtins, *plugin], set(builtins))
    without_ir = _project_functions_without_ir(project)

    property_of = {
        p.checker.argument: p.id
        for p in registry.static_properties()
        if isinstance(p.checker, DetectorChecker)
    }
    findings: list[StaticFinding] = []
    raw: list[dict[str, Any]] = []
    notes: list[str] = [
        f"Slither could not lower {name} to SlithIR: its calls, loops and writes were not analysed"
        for name in without_ir
    ]
    tool_errors: list[str] = []
    unchecked: dict[str, str] = {}
    for run in runs:
        check_id = property_of.get(run.argument, run.argument)
        if run.error:
            message = f"detector {run.argument} crashed: {run.error}"
            tool_errors.append(message)
            notes.append(f"tool error: {message}; its property is not checked")
            unchecked[run.argument] = message
            continue
        if without_ir and run.needs_ir:
            unchecked.setdefault(run.argument, f"Slither could not lower {', '.join(without_ir)} to SlithIR")
        for found in run.results:
            if is_dependency_only(found, config.dependency_dirs):
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
    if without_ir:
        tool_errors.append(
            f"Slither could not lower {len(without_ir)} project function(s) to SlithIR: "
            f"{', '.join(without_ir)} (see {config.reports_dir}/slither.log)"
        )
    errors = tuple(
        PropertyResult(property_id=pid, verdict=Verdict.ERROR, seconds=0.0, obligations=(), reason=why)
        for argument, why in sorted(unchecked.items())
        if (pid := property_of.get(argument)) is not None
    )
    return AnalysisOutcome(
        findings=triaged,
        sizes=sizes,
        notes=tuple(notes),
        slither_json=slither_json(raw, tuple(tool_errors)),
        stale_triage=stale_text,
        tool_errors=tuple(tool_errors),
        properties=errors,
        without_ir=without_ir,
        log_text=project.log.text(),
    )


def _project_functions_without_ir(project: CompiledProject) -> tuple[str, ...]:
    """The IR failures Slither logged, restricted to the project's own contracts."""
    failed = set(project.log.without_ir())
    if not failed:
        return ()
    ours = set()
    for contract in project.slither.contracts:
        source = contract.source_mapping.filename.relative if contract.source_mapping else ""
        if project.is_dependency(str(source or "")):
            continue
        for function in contract.functions_and_modifiers:
            name = f"{contract.name}.{function.name}"
            if name in failed:
                ours.add(name)
    for unit in project.slither.compilation_units:
        ours.update(f.name for f in unit.functions_top_level if f.name in failed)
    return tuple(sorted(ours))


def without_ir_errors(
    properties: tuple[PropertyResult, ...],
    catalogue: tuple[CatalogueEntry, ...],
    without_ir: tuple[str, ...],
) -> tuple[PropertyResult, ...]:
    """A proved property whose target function has no SlithIR was decided without seeing that code:
    ERROR, with the reason, instead of the verdict."""
    if not without_ir:
        return properties
    missing = set(without_ir)
    targets = {c.id: {str(t) for t in c.targets} for c in catalogue}
    out = []
    for result in properties:
        hit = sorted(targets.get(result.property_id, set()) & missing)
        if hit:
            result = PropertyResult(
                property_id=result.property_id,
                verdict=Verdict.ERROR,
                seconds=result.seconds,
                obligations=result.obligations,
                reason=f"Slither could not lower {', '.join(hit)} to SlithIR; the code tie is unchecked",
            )
        out.append(result)
    return tuple(out)


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


def slither_json(results: list[dict[str, Any]], errors: tuple[str, ...] = ()) -> str:
    """Results in the shape ``slither --json`` writes, deterministically ordered; like Slither, a failed
    run says ``"success": false`` with the error (here: the tool errors, one per line)."""
    ordered = sorted(results, key=lambda r: (str(r.get("check", "")), str(r.get("id", ""))))
    error = "\n".join(errors) if errors else None
    document = {"success": not errors, "error": error, "results": {"detectors": ordered}}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


__all__ = ["AnalysisOutcome", "run_analysis", "slither_json", "without_ir_errors"]
