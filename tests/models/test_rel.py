"""REL, particular to the family: what the broken twins' counterexamples tell, the REL-2 seed finding (the
pre-fix vault dropped an unpaid profit) and its fix, a change in LockMath's code that breaks REL-4 with the
model untouched, a missing constant is an error. The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

import pytest

from properties import REGISTRY
from tests.models import helpers as h
from vaultproof.errors import RegistryError
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.results import Verdict

# Properties VIOLATED on the shipped contracts (contract findings awaiting a fix). REL-2 was one until the
# vault recorded the unpaid part of a profit (unpaidProfit[user]); its pre-fix form is now the seed finding
# REL-2.unpaid-profit-dropped (test below), so the bug stays demonstrated.
CONTRACT_FINDINGS: dict[str, str] = {}


def test_broken_counterexamples_tell_the_defect(libs_ctx: ModelContext) -> None:
    rel1 = h.values_of(h.run(JobKind.BROKEN, "REL-1", libs_ctx))
    # USDC that was never locked for the position leaves the lock (unlocked or forfeited to insurance)
    assert rel1["unlocked"].raw + rel1["forfeitedToInsurance"].raw > rel1["usdcLocked"].raw
    rel4 = h.values_of(h.run(JobKind.BROKEN, "REL-4", libs_ctx))
    assert rel4["released"].raw * 1_000_000 > rel4["locked"].raw * rel4["fractionPpm"].raw


def test_rel2_pre_fix_vault_drops_unpaid_profit(libs_ctx: ModelContext) -> None:
    """The vault before the fix (unpaid profit recorded nowhere): REL-2 is VIOLATED on the profitable close
    with the counterexample the harness first reported — a profit the insurance fund cannot pay vanishes."""
    result = h.run(JobKind.SEED, "REL-2.unpaid-profit-dropped", libs_ctx)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name.split(":")[0] for ob in failing] == ["profitable close"]
    values = h.values_of(result)
    assert values["pnl"].raw > 0 and values["unpaidProfit"].raw > 0
    assert values["unpaidProfit"].unit == "USDC" and values["pnl"].decimals == 6
    assert values["unpaidProfit"].raw == values["pnl"].raw - values["creditedFromInsurance"].raw
    assert values["creditedFromInsurance"].raw == values["insuranceCanPay"].raw < values["pnl"].raw
    assert values["unpaidProfitRecorded"].raw == 0  # recorded nowhere: the realised PnL shrinks
    # the counterexample first reported against the shipped vault (deterministic solver settings)
    assert (values["pnl"].display, values["insuranceCanPay"].display) == ("0.000001 USDC", "0 USDC")
    assert values["userChange"].raw + values["unpaidProfitRecorded"].raw != values["pnl"].raw
    assert REGISTRY.seed_findings["REL-2.unpaid-profit-dropped"].fixed_by == "REL-2"


def test_rel2_fixed_vault_records_the_unpaid_profit(libs_ctx: ModelContext) -> None:
    """The shipped model proves both REL-2 obligations, and its vacuity witness is the case the pre-fix
    vault got wrong (the fund pays less than the profit), so the fix is exercised, not assumed away."""
    result = h.run(JobKind.SHIPPED, "REL-2", libs_ctx)
    h.assert_model_proved(result)
    names = [ob.name for ob in result.obligations]
    assert any(name.startswith("profitable close") and "unpaidProfitRecorded" in name for name in names)


def test_a_code_change_breaks_the_proof_without_a_model_change(
    libs_contexts: tuple[ModelContext, ModelContext],
) -> None:
    """partialUnlock rounding UP (model untouched): REL-4 fails through its equivalence obligation."""
    _real, mutated = libs_contexts
    result = h.run(JobKind.SHIPPED, "REL-4", mutated)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name for ob in failing] == ["LockMath.partialUnlock: SlithIR extraction == model"]
    assert failing[0].counterexample is not None
    values = {v.name: v for v in failing[0].counterexample.values}
    assert values["code ret0"].raw == values["model ret0"].raw + 1


def test_a_missing_parameter_is_an_error_not_a_pass(libs_ctx: ModelContext) -> None:
    params = {k: v for k, v in libs_ctx.params.items() if k != "LockMath.PPM"}
    with pytest.raises(RegistryError, match=r"LockMath\.PPM"):
        run_job(
            REGISTRY,
            Job(JobKind.SHIPPED, "REL-4"),
            ModelContext(params=params, functions=libs_ctx.functions),
            h.SETTINGS,
        )
