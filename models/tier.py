"""Margin tiers (seed 003 §6 "Margin Tiers", Hyperliquid rule): TIER-1, TIER-2.

``contracts/libraries/MarginTable.sol`` in its exact integer form: with SCALE divisible by 2·L for every
admissible leverage, the per-tier slope ``k_t = SCALE / (2·L_t)`` is an integer, the scaled margin is
``m_t(n) = n·k_t − D_t`` and ``maintenanceMargin(n) = ceil(m_t(n) / SCALE)`` for the tier t holding n,
with ``D_0 = 0`` and ``D_i = D_{i−1} + lowerBound_i·(k_i − k_{i−1})`` (``deductionFor``; ``validate``
requires the stored deduction to equal it).

Properties over an arbitrary number of tiers are proved by induction on the tier index: base (tier 0)
and a step from tier i−1 to tier i for arbitrary consecutive tiers, with the induction hypothesis
instantiated where it is used. The table functions take ``Tier[] memory`` and loop, which the SlithIR
extractor rejects by design; their per-tier arithmetic lives in loop-free scalar helpers
(``validLeverage``, ``slope``, ``nextDeduction``, ``tierMaintenance``) that the loops only call. Those
helpers are written by hand below AND extracted from SlithIR, with an equivalence obligation each (code
= model on every non-reverting input in the declared ranges), so the induction step — continuity at
boundary i, monotonicity across it — is a statement about the code's own arithmetic: a change to
MarginTable breaks the proof even if nobody edits this file.

In the induction the slope of a tier is a variable ``k`` with ``2·L·k = SCALE``: for a leverage that
passes ``validLeverage`` this is exactly ``slope(L)`` (lemma obligation below), and it keeps the step
free of integer division, which is what keeps it fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

from models.units import RAW, USDC
from vaultproof.spec import (
    ModelContext,
    ModelOutput,
    Obligation,
    Scope,
    equivalence_obligation,
    extracted,
    tied,
)

LEV = (0, "x")
SCALED = (0, "USDC-units×SCALE")

NO_DEDUCTION = "maintenance-deduction-missing"
DOUBLE_DEDUCTION = "deduction-step-doubled"

# Declared ranges of the ties: notionals and lower bounds are uint128 (assumption of both properties);
# leverages and deductions are any uint256 (on inputs where the code reverts, equality is not required,
# except for ``slope``, whose model also states the revert condition: L = 0 or 2·L overflows).
UINT128_MAX = 2**128 - 1


# --------------------------------------------------------------------------------------------------
# Hand-written models of MarginTable's per-tier helpers (k-form: slopes are arguments)


def valid_leverage(scale: int, lev: z3.ArithRef) -> z3.BoolRef:
    """``validLeverage``: L ≥ 1 and 2·L divides SCALE."""
    return z3.And(lev >= 1, scale % (2 * lev) == 0)


def slope(scale: int, lev: z3.ArithRef) -> z3.ArithRef:
    """``slope``: k = SCALE / (2·L), rounded down (exact for a valid leverage)."""
    return scale / (2 * lev)


def next_deduction(
    d_prev: z3.ArithRef, lb: z3.ArithRef, k_prev: z3.ArithRef, k: z3.ArithRef, defect: str | None = None
) -> z3.ArithRef:
    """``nextDeduction`` in slope form: D_i = D_{i−1} + lowerBound_i·(k_i − k_{i−1})."""
    if defect == NO_DEDUCTION:
        return z3.IntVal(0)
    if defect == DOUBLE_DEDUCTION:
        return d_prev + 2 * lb * (k - k_prev)
    return d_prev + lb * (k - k_prev)


def scaled_margin(n: z3.ArithRef, k: z3.ArithRef, d: z3.ArithRef) -> z3.ArithRef:
    """n·k − D: the tier's margin in USDC units × SCALE."""
    return n * k - d


def tier_maintenance(scale: int, n: z3.ArithRef, k: z3.ArithRef, d: z3.ArithRef) -> z3.ArithRef:
    """``tierMaintenance`` in slope form: ceil((n·k − D) / SCALE), rounded UP."""
    return (scaled_margin(n, k, d) + scale - 1) / scale


# --------------------------------------------------------------------------------------------------
# Code ↔ model (SPEC §4.4)

_UNITS = {
    "maxLeverage": LEV,
    "leverage": LEV,
    "prevLeverage": LEV,
    "lowerBound": USDC,
    "notional": USDC,
    "prevDeduction": SCALED,
    "deduction": SCALED,
}


def ties(ctx: ModelContext) -> list[Obligation]:
    """Each extracted MarginTable helper equals its model; plus the lemma that makes ``k`` = slope."""
    scale = ctx.param("MarginTable.SCALE")
    out: list[Obligation] = []
    code = extracted(ctx, "MarginTable.validLeverage", prefix="validLeverage")
    out.append(
        equivalence_obligation(
            code,
            lambda lev: valid_leverage(scale, lev),
            name="MarginTable.validLeverage: SlithIR extraction == model",
            units=_UNITS,
            witness=code.returns[0],
        )
    )
    code = extracted(ctx, "MarginTable.slope", prefix="slope")
    out.append(
        equivalence_obligation(
            code,
            # also the revert condition: L = 0 must revert (division by zero), never return a slope
            lambda lev: ModelOutput((slope(scale, lev),), z3.Or(lev == 0, 2 * lev > 2**256 - 1)),
            name="MarginTable.slope: SlithIR extraction == model",
            units={**_UNITS, "ret0": SCALED},
            witness=code.args[0] >= 1,
        )
    )
    code = extracted(ctx, "MarginTable.nextDeduction", prefix="nextDeduction")
    _d, lb, lev_prev, lev = code.args
    out.append(
        equivalence_obligation(
            code,
            lambda d, b, lp, lv: next_deduction(d, b, slope(scale, lp), slope(scale, lv)),
            {"lowerBound": (0, UINT128_MAX)},
            name="MarginTable.nextDeduction: SlithIR extraction == model",
            units={**_UNITS, "ret0": SCALED},
            witness=z3.And(lb > 0, lev < lev_prev, lev >= 1),
        )
    )
    code = extracted(ctx, "MarginTable.tierMaintenance", prefix="tierMaintenance")
    n, lev, d = code.args
    out.append(
        equivalence_obligation(
            code,
            lambda nn, lv, dd: tier_maintenance(scale, nn, slope(scale, lv), dd),
            {"notional": (0, UINT128_MAX)},
            name="MarginTable.tierMaintenance: SlithIR extraction == model",
            units={**_UNITS, "ret0": USDC},
            witness=z3.And(n > 0, lev >= 1, d > 0),
        )
    )
    # Lemma: for a valid leverage the slope is exact, 2·L·slope(L) = SCALE; since 2·L·k = SCALE has one
    # solution, the induction's k (constrained by 2·L·k = SCALE) IS slope(L).
    s = Scope()
    lev = s.uint("maxLeverage", 256, LEV)
    s.assume(valid_leverage(scale, lev))
    s.show("slope(maxLeverage)", slope(scale, lev), SCALED)
    out.append(
        s.obligation(
            "lemma: validLeverage(L) ⇒ 2·L·slope(L) = SCALE (the slope is exact)",
            2 * lev * slope(scale, lev) == scale,
            witness=lev > 1,
        )
    )
    # each tie executes its MarginTable helper on code (the lemma is about the model only)
    return [
        tied(ctx, ob.name.partition(":")[0], ob)[0] if ob.name.startswith("MarginTable.") else ob
        for ob in out
    ]


@dataclass
class _Pair:
    """Tiers i−1 and i of a validated table."""

    scope: Scope
    scale: int
    lb_prev: z3.ArithRef
    lb: z3.ArithRef
    lev_prev: z3.ArithRef
    lev: z3.ArithRef
    k_prev: z3.ArithRef
    k: z3.ArithRef
    d_prev: z3.ArithRef
    d: z3.ArithRef

    def m_prev(self, n: z3.ArithRef) -> z3.ArithRef:
        return scaled_margin(n, self.k_prev, self.d_prev)

    def m(self, n: z3.ArithRef) -> z3.ArithRef:
        return scaled_margin(n, self.k, self.d)

    def margin(self, scaled: z3.ArithRef) -> z3.ArithRef:
        """``(scaled + SCALE − 1) / SCALE``: rounded UP (never under-states the margin); this is
        ``tier_maintenance`` (= the code's ``tierMaintenance``) applied to a scaled margin."""
        return tier_maintenance(self.scale, scaled, z3.IntVal(1), z3.IntVal(0))


def _pair(ctx: ModelContext, defect: str | None) -> _Pair:
    scale = ctx.param("MarginTable.SCALE")
    s = Scope()
    lb_prev = s.uint("lowerBound[i-1]", 128, USDC)
    lb = s.uint("lowerBound[i]", 128, USDC)
    lev_prev = s.uint("maxLeverage[i-1]", 256, LEV)
    lev = s.uint("maxLeverage[i]", 256, LEV)
    k_prev = s.uint("k[i-1]", 256, SCALED)
    k = s.uint("k[i]", 256, SCALED)
    d_prev = s.uint("deduction[i-1]", 256, SCALED)
    # validate() accepts: increasing bounds, validLeverage (1 ≤ L, 2L | SCALE), L non-increasing; k is
    # slope(L) by the lemma in ties() (2·L·k = SCALE has exactly one solution)
    s.assume(
        lb > lb_prev,
        lev >= 1,
        lev_prev >= 1,
        2 * lev * k == scale,
        2 * lev_prev * k_prev == scale,
        lev <= lev_prev,
    )
    if defect == NO_DEDUCTION:
        s.assume(d_prev == 0)
    # deductionFor / validate: D_i = nextDeduction(D_{i−1}, lowerBound_i, L_{i−1}, L_i)
    d = next_deduction(d_prev, lb, k_prev, k, defect)
    s.show("deduction[i]", d, SCALED)
    return _Pair(s, scale, lb_prev, lb, lev_prev, lev, k_prev, k, d_prev, d)


def tier1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Continuity at every boundary (by induction on i) and no underflow of ``n·k_t − D_t``."""
    p = _pair(ctx, defect)
    left, right = p.m_prev(p.lb), p.m(p.lb)
    p.scope.show("scaledMargin at lowerBound[i], tier i-1 formula", left, SCALED)
    p.scope.show("scaledMargin at lowerBound[i], tier i formula", right, SCALED)
    p.scope.show("margin at lowerBound[i], tier i-1 formula", p.margin(left), USDC)
    p.scope.show("margin at lowerBound[i], tier i formula", p.margin(right), USDC)
    step = p.scope.obligation(
        "step: at lowerBound[i] the tier i−1 and tier i formulas agree exactly (scaled and rounded)",
        z3.And(left == right, p.margin(left) == p.margin(right)),
        witness=z3.And(p.k > p.k_prev, p.lb > 0),
        explanation="the maintenance margin jumps at this tier boundary",
    )
    return _with_shipped(ctx, defect, step, _no_underflow_or_overflow)


def _with_shipped(
    ctx: ModelContext,
    defect: str | None,
    step: Obligation,
    shipped: Callable[[ModelContext], list[Obligation]],
) -> list[Obligation]:
    """The defect-dependent step alone for a defect variant; for the shipped model the step, the ties of
    the MarginTable functions and the obligations ``shipped`` builds (which no defect changes)."""
    if defect is not None:
        return [step]
    return [step, *ties(ctx), *shipped(ctx)]


def _no_underflow_or_overflow(ctx: ModelContext) -> list[Obligation]:
    """TIER-1's defect-independent part: no underflow of the margin, no overflow of the code's arithmetic."""
    obligations: list[Obligation] = []
    # no underflow: m_t(n) ≥ 0 for n ≥ lowerBound_t. Base: D_0 = 0. Step: IH at n = lowerBound_i.
    p = _pair(ctx, None)
    n = p.scope.uint("notional", 128, USDC)
    p.scope.assume(n >= p.lb, p.m_prev(p.lb) >= 0, p.d_prev >= 0)
    obligations.append(
        p.scope.obligation(
            "step: m_{i−1}(lowerBound_i) ≥ 0 ⇒ m_i(n) ≥ 0 for n ≥ lowerBound_i, and D_i ≥ D_{i−1} ≥ 0",
            z3.And(p.m(n) >= 0, p.d >= p.d_prev),
            witness=z3.And(n > p.lb, p.k > p.k_prev),
        )
    )
    s = Scope()
    scale = ctx.param("MarginTable.SCALE")
    n = s.uint("notional", 128, USDC)
    lev0 = s.uint("maxLeverage[0]", 256, LEV)
    k0 = s.uint("k[0]", 256, SCALED)
    s.assume(lev0 >= 1, 2 * lev0 * k0 == scale)
    obligations.append(s.obligation("base: m_0(n) = n·k_0 ≥ 0 (D_0 = 0)", n * k0 >= 0, witness=n > 0))
    # no overflow in the code's arithmetic for notionals up to uint128 (k ≤ SCALE/2, D ≤ n·k)
    s = Scope()
    n = s.uint("notional", 128, USDC)
    k = s.uint("k", 256, SCALED)
    s.assume(2 * k <= scale)
    obligations.append(
        s.obligation(
            "notional·k + SCALE − 1 < 2^256 for notional ≤ uint128 max",
            n * k + scale - 1 <= 2**256 - 1,
            witness=z3.And(n > 0, k > 0),
        )
    )
    return obligations


def tier2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Maintenance margin non-decreasing in notional (within a tier, and across a boundary by induction);
    max leverage non-increasing by tier, so slopes k are non-decreasing."""
    p = _pair(ctx, defect)
    n1 = p.scope.uint("notional1", 128, USDC)
    n2 = p.scope.uint("notional2", 128, USDC)
    a = p.scope.uint("scaledMargin(notional1)", 256, SCALED)
    # n1 lies in a tier ≤ i−1, n2 in tier i. Induction hypothesis (monotone on tiers ≤ i−1), instantiated
    # at lowerBound_i − 1, the last notional of tier i−1: m(n1) ≤ m_{i−1}(lowerBound_i − 1).
    p.scope.assume(n1 < p.lb, n2 >= p.lb, a <= p.m_prev(p.lb - 1), a >= 0)
    p.scope.show("scaledMargin(notional2)", p.m(n2), SCALED)
    p.scope.show("margin(notional1)", p.margin(a), USDC)
    p.scope.show("margin(notional2)", p.margin(p.m(n2)), USDC)
    step = p.scope.obligation(
        "step across lowerBound[i]: notional1 < lowerBound[i] ≤ notional2 ⇒ "
        "margin(notional1) ≤ margin(notional2)",
        z3.And(a <= p.m(n2), p.margin(a) <= p.margin(p.m(n2))),
        witness=z3.And(p.k > p.k_prev, n2 == p.lb, a == p.m_prev(p.lb - 1)),
        explanation="a larger position has a smaller maintenance margin",
    )
    return _with_shipped(ctx, defect, step, _monotone_within_tier)


def _monotone_within_tier(ctx: ModelContext) -> list[Obligation]:
    """TIER-2's defect-independent part: monotone within a tier, the validated table's order, rounding up."""
    obligations: list[Obligation] = []
    p = _pair(ctx, None)
    n1 = p.scope.uint("notional1", 128, USDC)
    n2 = p.scope.uint("notional2", 128, USDC)
    p.scope.assume(p.lb <= n1, n1 <= n2)
    obligations.append(
        p.scope.obligation(
            "within tier i: notional1 ≤ notional2 ⇒ margin(notional1) ≤ margin(notional2)",
            p.margin(p.m(n1)) <= p.margin(p.m(n2)),
            witness=n1 < n2,
        )
    )
    p = _pair(ctx, None)
    obligations.append(
        p.scope.obligation(
            "validated table: maxLeverage[i] ≤ maxLeverage[i−1] and k[i] ≥ k[i−1] ≥ 1",
            z3.And(p.lev <= p.lev_prev, p.k >= p.k_prev, p.k_prev >= 1),
            witness=p.lev < p.lev_prev,
        )
    )
    p = _pair(ctx, None)
    n = p.scope.uint("notional", 128, USDC)
    p.scope.assume(n >= p.lb, p.m(n) >= 0)
    obligations.append(
        p.scope.obligation(
            "rounded UP: margin·SCALE ≥ scaled margin > (margin − 1)·SCALE",
            z3.And(p.margin(p.m(n)) * p.scale >= p.m(n), (p.margin(p.m(n)) - 1) * p.scale < p.m(n)),
            witness=n > p.lb,
        )
    )
    return obligations


__all__ = [
    "DOUBLE_DEDUCTION",
    "NO_DEDUCTION",
    "RAW",
    "next_deduction",
    "slope",
    "tier1",
    "tier2",
    "tier_maintenance",
    "ties",
    "valid_leverage",
]
