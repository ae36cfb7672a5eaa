"""DEBT-4 quantified: worst-case bad debt under an oracle shock, with ``z3.Optimize``.

Scenario (one cross account, normalised to 1,000,000 USDC of perp notional): before the shock the
account sits exactly at its liquidation threshold (equity = maintenance margin, the adversary's best
starting point — any healthier account loses less); then the oracle moves s% against the position
and, in the same step, against the non-USDC collateral (fully correlated: the convert-at-worst-time
risk of seed 002). The liquidation closes the perp at the shocked price, debits free USDC, and sells
the collateral at the lowest price the vault accepts (the effective floor, oracle × liqFactor; the
book is assumed deep enough to take it there). Bad debt = loss − USDC − proceeds, floored at 0; the
adversary chooses the split of the margin between USDC and collateral. With no ADL capacity
guaranteed (no profitable opposite positions), insurance needed to keep the recorded shortfall at
zero equals the worst-case bad debt (DEBT-4: shortfall = 0 iff bad debt ≤ insurance + ADL).

Parameters: what the contracts state is read through ``ctx.param`` (BPS, the vault's default
``maxCollateralSellSlippageBps`` of 0 via ``_effectiveLiqFactor``'s rule, USDC's weight = BPS). The
contracts define no per-asset deployment values for non-USDC collateral or margin tiers (they are
governance-set), so those come from :data:`REFERENCE_PROFILE`, named in every reported value.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from vaultproof.spec import ModelContext, OptimizationGoal, Quantity, zmax

P_BPS = "CollateralMath.BPS"
USDC, D6 = "USDC", 6
NOTIONAL = 1_000_000 * 10**D6  # 1,000,000 USDC of position notional
SHOCKS_PCT: tuple[int, ...] = (10, 20, 30, 50)


@dataclass(frozen=True)
class Profile:
    """One deployment's risk parameters (governance-set; not constants of the contracts)."""

    name: str
    max_leverage: int  # first margin tier (MarginTable: maintenance = notional / (2·L))
    maintenance_weight_bps: int  # non-USDC collateral
    liq_factor_bps: int
    max_sell_slippage_bps: int  # BalanceManagerVault.maxCollateralSellSlippageBps (storage default 0)


# Seed 002's reference values ("ETH/BTC ~0.90" maintenance weight; liquidation at oracle×LF) and
# seed 003's Hyperliquid tier (50x max leverage for BTC); slippage bound 5% so that LF 95% binds.
REFERENCE_PROFILE = Profile(
    "seed-002/003 reference (50x, weight 90%, LF 95%, slippage 5%)", 50, 9_000, 9_500, 500
)


def effective_liq_factor(liq_factor_bps: int, max_slippage_bps: int, bps: int) -> int:
    """BalanceManagerVault._effectiveLiqFactor: the stricter of the two, capped at BPS."""
    return min(max(liq_factor_bps, bps - max_slippage_bps), bps)


def worst_case_goals(ctx: ModelContext, profile: Profile = REFERENCE_PROFILE) -> list[OptimizationGoal]:
    bps = ctx.param(P_BPS)
    lf = effective_liq_factor(profile.liq_factor_bps, profile.max_sell_slippage_bps, bps)
    w = profile.maintenance_weight_bps
    goals: list[OptimizationGoal] = []
    for shock in SHOCKS_PCT:
        usdc = z3.Int(f"usdcCollateral@{shock}")
        coll = z3.Int(f"collateralValueBeforeShock@{shock}")  # USDC units at the pre-shock oracle
        mm = z3.IntVal((NOTIONAL + 2 * profile.max_leverage - 1) // (2 * profile.max_leverage))  # rounds up
        loss = z3.IntVal(NOTIONAL * shock // 100)
        proceeds = coll * (100 - shock) * lf / (100 * bps)  # sold at the effective floor after the shock
        bad = zmax(loss - usdc - proceeds, 0)
        constraints = (
            usdc >= 0,
            coll >= 0,
            usdc < 2**128,
            coll < 2**128,
            # USDC counts at weight BPS (QuantumRiskEngine registers USDC with weights = BPS)
            usdc * bps + coll * w >= mm * bps,  # at (or above) the maintenance threshold before the shock
        )
        tag = f"{shock}% shock"
        goals.append(
            OptimizationGoal(
                name=f"worst-case bad debt, {tag}",
                constraints=constraints,
                objective=Quantity(f"bad debt per 1,000,000 USDC notional, {tag}", bad, D6, USDC),
                maximize=True,
                shown=(
                    Quantity(f"insurance needed for zero shortfall (no ADL capacity), {tag}", bad, D6, USDC),
                    Quantity(f"worst split: USDC collateral, {tag}", usdc, D6, USDC),
                    Quantity(f"worst split: non-USDC collateral value, {tag}", coll, D6, USDC),
                ),
                note=(
                    f"profile {profile.name}; effective liqFactor {lf} bps; maintenance = "
                    f"notional/(2·{profile.max_leverage})"
                ),
            )
        )
    return goals


def closed_form_bad_debt(shock_pct: int, bps: int, profile: Profile = REFERENCE_PROFILE) -> int:
    """The same optimum by hand (used by the tests as an independent check of the Optimize result)."""
    lf = effective_liq_factor(profile.liq_factor_bps, profile.max_sell_slippage_bps, bps)
    mm = (NOTIONAL + 2 * profile.max_leverage - 1) // (2 * profile.max_leverage)
    loss = NOTIONAL * shock_pct // 100
    best = 0
    # all margin in USDC, or all in collateral (the optimum of this LP is at a vertex)
    best = max(best, loss - mm)
    coll = -(-mm * bps // profile.maintenance_weight_bps)  # smallest collateral value meeting mm
    best = max(best, loss - coll * (100 - shock_pct) * lf // (100 * bps))
    return int(max(best, 0))
