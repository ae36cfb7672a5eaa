"""Code obligations of the catalogue: PROVED on the shipped contracts, VIOLATED on each broken code twin.

The shipped context and every twin's context are compiled and lowered once, then cached under
``build/prover-cache`` by a hash of the sources and the prover (``vaultproof.prover.context``); a twin is
the project with its one declared edit, compiled without the optimizer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from properties import REGISTRY
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import ModelChecker
from vaultproof.prover.runner import BROKEN_CODE, SHIPPED, Job, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import FunctionRef, PropertyResult, Verdict

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SolverSettings(timeout_ms=20_000)


def _checker(pid: str) -> ModelChecker:
    checker = REGISTRY.properties[pid].checker
    assert isinstance(checker, ModelChecker)
    return checker


WITH_CODE = sorted(p.id for p in REGISTRY.model_properties() if _checker(p.id).code is not None)


@pytest.fixture(scope="module")
def shipped() -> ModelContext:
    return cached_context(ROOT, REGISTRY.deployment)


def _run(kind: str, pid: str, ctx: ModelContext) -> PropertyResult:
    result = run_job(REGISTRY, Job(kind, pid), ctx, SETTINGS)
    assert isinstance(result, PropertyResult)
    return result


def test_the_priority_properties_have_code_obligations() -> None:
    assert {"DEBT-3"} <= set(WITH_CODE)


@pytest.mark.parametrize("pid", WITH_CODE)
def test_shipped_code_is_proved_and_covers_every_target(pid: str, shipped: ModelContext) -> None:
    result = _run(SHIPPED, pid, shipped)
    assert result.verdict is Verdict.PROVED, (result.reason, [(o.name, o.verdict) for o in result.obligations])
    code = [o for o in result.obligations if o.name.startswith("code:")]
    assert code and all(o.verdict is Verdict.PROVED for o in code)
    assert set(REGISTRY.properties[pid].targets) <= set(result.executed)
    assert result.executed_lines


@pytest.mark.parametrize("pid", WITH_CODE)
def test_broken_code_twin_is_violated_with_a_concrete_counterexample(pid: str) -> None:
    twin = _checker(pid).code_twin
    assert twin is not None
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    result = _run(BROKEN_CODE, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (pid, result.reason, [(o.name, o.verdict) for o in result.obligations])
    example = result.counterexample
    assert example is not None and example.obligation.startswith("code:")
    names = [v.name for v in example.values]
    assert any("(argument)" in n for n in names), names  # the entry point's arguments
    assert any(n.endswith(" before") for n in names) and any(n.endswith(" after") for n in names)
    assert any(v.unit == "USDC" for v in example.values)


def test_debt3_twin_is_the_room_mutant_and_names_the_cap() -> None:
    """Deleting `if (paid > room) paid = room;` turns DEBT-3 from PROVED to VIOLATED (issue 15)."""
    twin = _checker("DEBT-3").code_twin
    assert twin is not None and twin.find.strip() == "if (paid > room) paid = room;"
    mutants = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
    assert any(m["file"] == twin.file and m["find"].strip() == twin.find.strip() for m in mutants)
    result = _run(BROKEN_CODE, "DEBT-3", cached_context(ROOT, REGISTRY.deployment, twin))
    violated = {o.name for o in result.obligations if o.verdict is Verdict.VIOLATED}
    assert any("per-block counter within the cap" in n for n in violated), violated
    assert FunctionRef("InsuranceFund", "coverDeficit") in result.executed
