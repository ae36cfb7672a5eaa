"""ALLOC code obligations (models/alloc_code.py) on the shipped vault and on broken variants of its code.

The catalogue-wide checks (every property with code obligations is PROVED on the shipped code, covers its
targets, and its code twin is VIOLATED) live in test_code_obligations.py; here each twin's counterexample is
checked to show the defect in token units, and a flow mutant that is not a twin is checked to be killed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from properties import REGISTRY
from properties._mutants import MUTANTS, mutant_twin
from tests.models.helpers import solve
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext, Obligation
from vaultproof.prover.registry import CodeTwin, ModelChecker
from vaultproof.results import ObligationResult, Verdict

ROOT = Path(__file__).resolve().parents[2]


def _checker(pid: str) -> ModelChecker:
    checker = REGISTRY.properties[pid].checker
    assert isinstance(checker, ModelChecker) and checker.code is not None
    return checker


def code_of(pid: str) -> Callable[[ModelContext], Sequence[Obligation]]:
    code = _checker(pid).code
    assert code is not None
    return code


def run(pid: str, part: str, twin: CodeTwin | None = None) -> ObligationResult:
    """Discharge the one code obligation of ``pid`` whose name contains ``part`` (on the twin's code)."""
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    (ob,) = [o for o in code_of(pid)(ctx) if part in o.name]
    return solve(ob)


def values(result: ObligationResult) -> dict[str, int]:
    assert result.verdict is Verdict.VIOLATED, (result.name, result.verdict, result.reason)
    assert result.counterexample is not None
    return {v.name: v.raw for v in result.counterexample.values}


def test_alloc_twins_are_flow_mutants() -> None:
    for pid in ("ALLOC-3", "ALLOC-4", "ALLOC-5", "ALLOC-6"):
        twin = _checker(pid).code_twin
        assert twin is not None and not twin.file.startswith("contracts/libraries/")
        assert any(m["find"] == twin.find and m["replace"] == twin.replace for m in MUTANTS.values()), pid


def test_alloc3_twin_opens_on_equity_for_the_virtual_part_only() -> None:
    twin = _checker("ALLOC-3").code_twin
    v = values(run("ALLOC-3", "succeeds only with", twin))
    amount, free, d = v["amount (argument)"], v["user's free USDC before"], v["collateralDecimals before"]
    assert v["open succeeded"] == 1 and v["mode (argument, 0 = CROSS, 1 = ISOLATED)"] != 1 and free < amount
    assert v["QRE equity18"] < v["QRE maintenanceMargin18"] + amount * 10 ** (18 - d)


def test_alloc3_no_risk_engine_mutant_is_killed() -> None:
    """Not a twin: letting a virtual open through without a risk engine breaks ALLOC-3's second stage."""
    v = values(run("ALLOC-3", "no risk engine", mutant_twin("M-ALLOC-no-risk-engine-allows-virtual")))
    # a virtually backed CROSS open with no risk engine that did not stop at the vault's InsufficientBalance
    # (it went on to the custodian: succeeded, or reverted there for another reason)
    assert v["quantumRiskEngine before"] == 0 and v["mode (argument, 0 = CROSS, 1 = ISOLATED)"] != 1
    assert v["user's free USDC before"] < v["amount (argument)"]


def test_alloc4_twin_compares_against_an_unscaled_margin() -> None:
    twin = _checker("ALLOC-4").code_twin
    v = values(run("ALLOC-4", "compares equity against exactly", twin))
    d = v["collateralDecimals before"]
    assert d < 18 and v["open succeeded"] == 1
    assert v["QRE equity18"] < v["QRE maintenanceMargin18"] + v["amount (argument)"] * 10 ** (18 - d)


def test_alloc4_scaling_never_fails_for_allowed_decimals() -> None:
    ctx = cached_context(ROOT, REGISTRY.deployment)
    checks = [o for o in code_of("ALLOC-4")(ctx) if "LockMath.scaleTo18" in o.name]
    assert len(checks) >= 3  # 18 − d, 10**e, the product
    assert all(solve(o).verdict is Verdict.PROVED for o in checks)


def test_alloc5_twin_truncates_the_margin() -> None:
    twin = _checker("ALLOC-5").code_twin
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    obs = [o for o in code_of("ALLOC-5")(ctx) if "totalAllocated += uint96(amount)" in o.name]
    assert obs
    v = values(solve(obs[0]))
    assert v["amount (argument)"] > 2**96 - 1


def test_alloc6_twin_breaks_the_lock_sum_on_a_top_up() -> None:
    twin = _checker("ALLOC-6").code_twin
    v = values(run("ALLOC-6", "allocateForPosition preserves I", twin))
    assert v["allocation exists before"] == 1  # a top-up
    locked_after = v["user's USDC locked by the vault after"]
    others = v["Σ over the user's other allocations (locked)"]
    recorded = v["allocation usdcLocked after"]
    # the custodian locked less than the record now claims (or the record claims more than its margin)
    assert locked_after - others != recorded or recorded > v["allocation amount after"]


def test_alloc6_partial_release_lemmas_hold() -> None:
    from models.alloc_code import partial_rounding_lemma

    ctx = cached_context(ROOT, REGISTRY.deployment)
    assert all(solve(o).verdict is Verdict.PROVED for o in partial_rounding_lemma(ctx))
