"""LIQ code obligations (``models/liq_code.py``): proved on the shipped engine, VIOLATED on each code twin
with a concrete counterexample in token units; what is still missing is named in the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from properties import REGISTRY
from tests.models.helpers import run as _run
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import ModelChecker
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict

ROOT = Path(__file__).resolve().parents[2]
LE = "LiquidationEngine"
# executed by the LIQ code obligations, per property (each its own entry over the shipped SlithIR)
EXECUTED = {
    "LIQ-1": {"_size", "_record", "liquidate"},
    "LIQ-2": {"_size", "_admit", "_record", "_settleUser", "liquidate"},
    "LIQ-3": {"_admit", "_settleUser", "liquidate"},
    "LIQ-4": {"_size", "liquidate"},
    "LIQ-6": {"_priceFill", "_admit"},
    "LIQ-7": {"_admit", "_backstop", "liquidate"},
}
# still not executed by any obligation: MODEL-ONLY naming them and why
MISSING = {
    "LIQ-1": ("LiquidationEngine._matchBook", "104 s"),
    "LIQ-4": ("QuantumRiskEngine.isLiquidatable", "Math.mulDiv"),
    "LIQ-7": ("LiquidationEngine._matchBook", "104 s"),
}


def _checker(pid: str) -> ModelChecker:
    checker = REGISTRY.properties[pid].checker
    assert isinstance(checker, ModelChecker)
    return checker


@pytest.mark.parametrize("pid", sorted(EXECUTED))
def test_liq_code_obligations_are_proved_on_the_shipped_engine(pid: str, shipped: ModelContext) -> None:
    result = _run(JobKind.SHIPPED, pid, shipped)
    code = [o for o in result.obligations if o.name.startswith("code:")]
    assert code and all(o.verdict is Verdict.PROVED for o in result.obligations), [
        (o.name, o.verdict, o.reason) for o in result.obligations if o.verdict is not Verdict.PROVED
    ]
    assert {FunctionRef(LE, f) for f in EXECUTED[pid]} <= set(result.executed)
    if pid in MISSING:
        target, why = MISSING[pid]
        assert result.verdict is Verdict.MODEL_ONLY
        assert result.reason.startswith(f"not executed on code: {target} (") and why in result.reason
    else:
        assert result.verdict is Verdict.PROVED, result.reason
        assert set(REGISTRY.properties[pid].targets) <= set(result.executed)


@pytest.mark.parametrize("pid", sorted(EXECUTED))
def test_liq_code_twin_is_violated_with_a_concrete_counterexample(pid: str) -> None:
    twin = _checker(pid).code_twin
    assert twin is not None and twin.file == "contracts/LiquidationEngine.sol"
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    result = _run(JobKind.BROKEN_CODE, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (pid, [(o.name, o.verdict) for o in result.obligations])
    violated = [o for o in result.obligations if o.verdict is Verdict.VIOLATED]
    assert all(o.name.startswith("code: LiquidationEngine.") for o in violated)
    values = violated[0].counterexample.values
    assert values and any(v.unit == "USDC" for v in values), values


def test_the_book_less_liquidate_does_not_count_as_running_the_walk(shipped: ModelContext) -> None:
    """liquidate on a market without a book runs only _matchBook's early return: no obligation claims it."""
    from models import liq_code

    for ob in liq_code.liquidate_limit_code(shipped):
        assert FunctionRef(LE, "liquidate") in ob.executed
        assert FunctionRef(LE, "_matchBook") not in ob.executed


def test_liq5_declares_why_it_has_no_code_obligations() -> None:
    checker = _checker("LIQ-5")
    assert checker.code is None and "104 s" in checker.code_pending
