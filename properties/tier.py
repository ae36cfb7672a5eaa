"""TIER — margin tiers (seed 003 §6). Models: ``models.tier``."""

from __future__ import annotations

from models import tier as m
from models import tier_code as code
from properties import REGISTRY
from vaultproof.spec import CodeTwin, FunctionRef, ModelChecker, PropertyDecl, Severity

S003 = "003_a4264e45de6bad94.txt"
MARGIN = FunctionRef("MarginTable", "maintenanceMargin")
DEDUCTION = FunctionRef("MarginTable", "deductionFor")
VALIDATE = FunctionRef("MarginTable", "validate")
# the loop-free per-tier helpers the table functions call; extracted from SlithIR and tied to the models
HELPERS = tuple(
    FunctionRef("MarginTable", fn) for fn in ("validLeverage", "slope", "nextDeduction", "tierMaintenance")
)
TABLE = "contracts/libraries/MarginTable.sol"
ASSUME = (
    "the table passed MarginTable.validate: lowerBound[0] = 0 and increasing, 1 ≤ maxLeverage with 2·L | "
    "SCALE, maxLeverage non-increasing, stored deduction = deductionFor",
    "notionals ≤ 2^128 USDC units",
    "SCALE is read from the contract",
)

REGISTRY.register(
    PropertyDecl(
        id="TIER-1",
        title="Maintenance margin is continuous at every tier boundary",
        claim="maintenance margin is continuous at every tier boundary (the deduction makes it so).",
        severity=Severity.MEDIUM,
        seed=f"{S003} §6 Margin Tiers (lower_bound, max_leverage, maintenance_deduction)",
        rationale="Induction on the tier index: with D_i = D_{i−1} + lowerBound_i·(k_i − k_{i−1}) the "
        "scaled margins of tiers i−1 and i agree exactly at lowerBound_i (so the rounded-up margins agree "
        "too); also n·k_t − D_t ≥ 0 for n ≥ lowerBound_t (base D_0 = 0, step via the IH at lowerBound_i), "
        "so the code's subtraction cannot underflow, and notional·k + SCALE − 1 cannot overflow. "
        "The table functions only loop; the per-tier arithmetic they call (validLeverage, slope, "
        "nextDeduction, tierMaintenance) is extracted from SlithIR and proved equal to the models used in "
        "the induction, with the lemma validLeverage(L) ⇒ 2·L·slope(L) = SCALE. On code "
        "(models.tier_code, one symbolic Tier[] memory table, loops unrolled to MAX_TIERS or by invariant): "
        "validate's contract gives every consecutive pair the induction's premises; tierIndex returns the "
        "tier holding the notional (exactly i at lowerBound_i); maintenanceMargin = tierMaintenance of "
        "that tier; deductionFor = the stored D_i; so maintenanceMargin(lowerBound_i) equals tier i−1's "
        "formula there.",
        assumptions=ASSUME,
        targets=(MARGIN, DEDUCTION, VALIDATE, *HELPERS),
        checker=ModelChecker.with_defect(
            m.tier1, m.NO_DEDUCTION, "no maintenance deduction (d_t = 0 for every tier)"
        ).with_code(
            code.tier1_code,
            CodeTwin(
                file=TABLE,
                find="d = nextDeduction(d, tiers[i].lowerBound, tiers[i - 1].maxLeverage, lev);",
                replace="d = 0;",
                description="MarginTable.validate accepts only tables without a maintenance deduction "
                "(D_i = 0): the margin jumps down at every boundary",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="TIER-2",
        title="Maintenance margin is monotone; leverage non-increasing by tier",
        claim="maintenance margin is non-decreasing in notional; max leverage non-increasing by tier.",
        severity=Severity.MEDIUM,
        seed=f"{S003} §6 Margin Tiers",
        rationale="Within a tier the slope k ≥ 0; across lowerBound_i by induction (IH: monotone on tiers ≤ "
        "i−1, instantiated at lowerBound_i − 1) plus exact continuity; ceil preserves order. A validated "
        "table has maxLeverage[i] ≤ maxLeverage[i−1], hence k[i] ≥ k[i−1] ≥ 1. The margin is rounded UP "
        "(never under-stated). The same extracted helpers are proved equal to the models. On code "
        "(models.tier_code): validate enforces non-increasing leverage and the deduction recurrence for "
        "every consecutive pair; maintenanceMargin applies the tier tierIndex returns; tierMaintenance is "
        "non-decreasing within a tier and across each boundary (executed twice); chaining boundaries is "
        "the model's induction over those proved premises.",
        assumptions=ASSUME,
        targets=(MARGIN, DEDUCTION, VALIDATE, FunctionRef("MarginTable", "tierIndex"), *HELPERS),
        checker=ModelChecker.with_defect(
            m.tier2, m.DOUBLE_DEDUCTION, "the deduction step is doubled: 2·lowerBound_i·(k_i − k_{i−1})"
        ).with_code(
            code.tier2_code,
            CodeTwin(
                file=TABLE,
                find="return prevDeduction + lowerBound * (slope(leverage) - slope(prevLeverage));",
                replace="return prevDeduction + 2 * lowerBound * (slope(leverage) - slope(prevLeverage));",
                description="MarginTable.nextDeduction doubles the deduction step: the margin falls at every "
                "boundary (a larger position needs less margin)",
            ),
        ),
    )
)
