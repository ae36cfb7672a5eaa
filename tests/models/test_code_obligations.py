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
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import FunctionRef, PropertyResult, Verdict

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SolverSettings(timeout_ms=20_000)


def _checker(pid: str) -> ModelChecker:
    checker = REGISTRY.properties[pid].checker
    assert isinstance(checker, ModelChecker)
    return checker


WITH_CODE = sorted(p.id for p in REGISTRY.model_properties() if _checker(p.id).code is not None)
# Twins whose first counterexample is over raw integers only (an oracle price has the feed's own, symbolic,
# decimals): their values are named but carry no token unit.
RAW_UNITS = {"CONV-7"}
# Code obligations proved, but a declared target is only summarised, not executed: MODEL-ONLY naming it.
SUMMARISED: dict[str, str] = {}


@pytest.fixture(scope="module")
def shipped() -> ModelContext:
    return cached_context(ROOT, REGISTRY.deployment)


def _run(kind: JobKind, pid: str, ctx: ModelContext) -> PropertyResult:
    result = run_job(REGISTRY, Job(kind, pid), ctx, SETTINGS)
    assert isinstance(result, PropertyResult)
    return result


def test_the_priority_properties_have_code_obligations() -> None:
    assert {"ALLOC-1", "ALLOC-2", "CONV-7", "DEBT-1", "DEBT-3", "REL-2"} <= set(WITH_CODE)


@pytest.mark.parametrize("pid", WITH_CODE)
def test_shipped_code_is_proved_and_covers_every_target(pid: str, shipped: ModelContext) -> None:
    result = _run(JobKind.SHIPPED, pid, shipped)
    code = [o for o in result.obligations if o.name.startswith("code:")]
    assert code and all(o.verdict is Verdict.PROVED for o in result.obligations), [
        (o.name, o.verdict, o.reason) for o in result.obligations if o.verdict is not Verdict.PROVED
    ]
    assert result.executed_lines
    if pid in SUMMARISED:
        assert result.verdict is Verdict.MODEL_ONLY and result.reason == SUMMARISED[pid]
        return
    if _checker(pid).code_pending:  # code obligations that hold but, declared, do not cover the claim yet
        assert result.verdict is Verdict.MODEL_ONLY
        assert result.reason.startswith("code obligations hold; not yet on code:"), result.reason
        return
    assert result.verdict is Verdict.PROVED, result.reason
    assert set(REGISTRY.properties[pid].targets) <= set(result.executed)


@pytest.mark.parametrize("pid", WITH_CODE)
def test_broken_code_twin_is_violated_with_a_concrete_counterexample(pid: str) -> None:
    twin = _checker(pid).code_twin
    assert twin is not None
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    result = _run(JobKind.BROKEN_CODE, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (
        pid,
        result.reason,
        [(o.name, o.verdict) for o in result.obligations],
    )
    example = result.counterexample
    assert example is not None and example.obligation.startswith("code:")
    names = [v.name for v in example.values]
    assert any("(argument)" in n for n in names), names  # the entry point's arguments
    assert any(" before" in n for n in names) and any(" after" in n for n in names)  # storage before/after
    if pid not in RAW_UNITS:
        assert any(v.unit == "USDC" for v in example.values)


def test_debt1_twin_is_the_silent_drop_mutant() -> None:
    """Passing 0 instead of `remaining` to _absorbResidual makes DEBT-1 VIOLATED on the code (issue 15)."""
    twin = _checker("DEBT-1").code_twin
    assert twin is not None and twin.replace.endswith("fromCollateral, 0);")
    mutants = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
    assert any(
        m["file"] == twin.file and m["find"] == twin.find and m["replace"] == twin.replace for m in mutants
    )
    result = _run(JobKind.SHIPPED, "DEBT-1", cached_context(ROOT, REGISTRY.deployment, twin))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "DeficitSettled sums to the deficit" in example.obligation
    values = {v.name: v.raw for v in example.values}
    tags = sorted({k.split(".")[0] for k in values if k.startswith("DeficitSettled#")})
    assert tags
    tag = tags[0]
    parts = ("fromFreeUsdc", "fromCollateral", "fromInsurance", "socialized", "shortfall")
    assert values[f"{tag}.deficit"] != sum(values[f"{tag}.{p}"] for p in parts)


def test_debt3_twin_is_the_room_mutant_and_names_the_cap() -> None:
    """Deleting `if (paid > room) paid = room;` turns DEBT-3 from PROVED to VIOLATED (issue 15)."""
    twin = _checker("DEBT-3").code_twin
    assert twin is not None and twin.find.strip() == "if (paid > room) paid = room;"
    mutants = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
    assert any(m["file"] == twin.file and m["find"].strip() == twin.find.strip() for m in mutants)
    result = _run(JobKind.BROKEN_CODE, "DEBT-3", cached_context(ROOT, REGISTRY.deployment, twin))
    violated = {o.name for o in result.obligations if o.verdict is Verdict.VIOLATED}
    assert any("per-block counter within the cap" in n for n in violated), violated
    assert FunctionRef("InsuranceFund", "coverDeficit") in result.executed
