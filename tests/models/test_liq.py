"""LIQ, particular to the family: the fill walk by induction, the three seed cases of LIQ-5 with the
document's numbers beside the contract's, what the broken twins of LIQ-6 and LIQ-7 show, and the ties to the
extracted LiquidationMath code (``conftest.shipped_ctx``). The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

import pytest
import z3

from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict

TIES = {
    "LIQ-1": (
        "LiquidationMath.liquidationNotional (code) == model",
        "LiquidationMath.adjustedBankruptcyRating (code) == model",
        "LiquidationMath.fillablePrice (code) == model",
    ),
    "LIQ-3": ("LiquidationMath.liquidationFee (code) == model",),
    "LIQ-6": (
        "LiquidationMath.bankruptcyShare (code) == model",
        "LiquidationMath.insuranceDelta (code) == model",
        "LiquidationMath.feeFromDelta (code) == model",
    ),
    "LIQ-7": ("LiquidationMath.admitFill (code) == model",),
}


def test_seed_case3_fill_shows_4950_not_5000(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.SEED, "LIQ-5.seed-case3-fill", params_ctx)
    assert result.verdict is Verdict.VIOLATED
    v = h.obligation_values(result)
    assert v["fillQuoteValue"].display == "4,950 USDC"
    assert v["document.fillCost"].display == "5,000 USDC"
    assert v["Carl.balanceAfter"].display == "45,524.25 USDC"
    assert v["document.Carl.balanceAfter"].display == "45,474 USDC"
    assert v["liquidatedSize"].display == "0.1 BTC"


def test_seed_case3_fee_shows_24_75_not_25(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.SEED, "LIQ-5.seed-case3-fee", params_ctx)
    assert result.verdict is Verdict.VIOLATED
    v = h.obligation_values(result)
    assert v["fee"].raw == 24_750_000 and v["fee"].display == "24.75 USDC"
    assert v["document.fee"].display == "25 USDC"


def test_seed_case2_sign_shows_54476_and_healthy_equity(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.SEED, "LIQ-5.seed-case2-sign", params_ctx)
    assert result.verdict is Verdict.VIOLATED
    assert all(o.verdict is Verdict.VIOLATED for o in result.obligations)
    v = h.obligation_values(result)
    assert v["Dave.balance"].display == "49,501 USDC"
    assert v["Dave.balanceAfter"].display == "54,476 USDC"
    assert v["document.Dave.balanceAfter"].display == "-44,526 USDC"
    assert v["Dave.equityBefore"].display == "99,501 USDC"


def test_liq5_reproduces_the_cases_from_their_inputs() -> None:
    from models.liq import CASES, case_terms
    from vaultproof.prover.solver import format_units
    from vaultproof.spec import Scope

    expected = {
        0: ("1 BTC", "249 USDC", "100,000 USDC", "250 USDC"),
        1: ("0.1 BTC", "-44,526 USDC", "95,000 USDC", "25 USDC"),
        2: ("0.1 BTC", "45,524.25 USDC", "54,950 USDC", "24.75 USDC"),
    }
    for index, case in enumerate(CASES):
        s = Scope()
        t = case_terms(s, case, h.PARAMS["LiquidationMath.PPM"])
        solver = z3.Solver()
        solver.add(*s.assumptions)
        assert solver.check() == z3.sat
        model = solver.model()

        def show(term: z3.ArithRef, dec: int, unit: str, model: z3.ModelRef = model) -> str:
            return format_units(model.eval(term).as_long(), dec, unit)

        got = (
            show(t.size, 8, "BTC"),
            show(t.balance_after, 6, "USDC"),
            show(t.counterparty_after, 6, "USDC"),
            show(t.insurance_delta, 6, "USDC"),
        )
        assert got == expected[index], case.name


def test_liq6_broken_fee_at_the_cap_breaks_the_bankruptcy_line(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.BROKEN, "LIQ-6", params_ctx)
    v = h.obligation_values(result, "keeps at least")
    assert v["fee"].raw > v["insuranceDelta"].raw > 0, "the broken fee exceeds d"
    assert v["tncAfter"].unit == "USDC" and v["tncAfter"].decimals == 6


def test_liq7_broken_limit_is_exceeded_in_token_units(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.BROKEN, "LIQ-7", params_ctx)
    v = h.obligation_values(result, "stays within")
    assert v["insuranceLostAfter"].raw > v["maxQuantumsInsuranceLost"].raw
    assert v["insuranceLostAfter"].display.endswith(" USDC")


def test_liq_fill_walk_is_an_induction(params_ctx: ModelContext) -> None:
    names = [ob.name for ob in h.checker("LIQ-1").check(params_ctx)]
    assert any(n.startswith("fill walk: base") for n in names)
    assert any(n.startswith("fill walk: step") for n in names)


@pytest.mark.parametrize("pid", sorted(TIES))
def test_models_are_proved_equal_to_the_extracted_code(pid: str, shipped_ctx: ModelContext) -> None:
    h.assert_tied_to_the_extracted_code(pid, TIES[pid], shipped_ctx)


@pytest.mark.parametrize("pid", ["LIQ-1", "LIQ-3", "LIQ-6", "LIQ-7"])
def test_broken_model_disagrees_with_the_code(pid: str, shipped_ctx: ModelContext) -> None:
    h.assert_broken_disagrees_with_the_code(pid, shipped_ctx)
