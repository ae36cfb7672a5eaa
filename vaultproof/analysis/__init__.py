"""The analyse stage (placeholder: filled by the static-analysis issue)."""

from __future__ import annotations

from dataclasses import dataclass

from vaultproof.compile import CompiledProject
from vaultproof.console import Console
from vaultproof.prover.registry import Registry
from vaultproof.results import BytecodeSize, StaticFinding


@dataclass(frozen=True)
class AnalysisOutcome:
    findings: tuple[StaticFinding, ...]
    sizes: tuple[BytecodeSize, ...]
    notes: tuple[str, ...] = ()


def run_analysis(project: CompiledProject, registry: Registry, console: Console) -> AnalysisOutcome:
    sizes = project.sizes()
    console.step(f"analyse: {len(sizes)} deployable contracts sized")
    return AnalysisOutcome(findings=(), sizes=sizes)
