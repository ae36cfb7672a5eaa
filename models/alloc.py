"""Stage 7 allocation (seed 001 §"allocateForPosition change"): Z3 models for ALLOC-1..6.

The vault's ``allocateForPosition`` is modelled from the seed and DESIGN.md over the pure rules of
``contracts/libraries/LockMath.sol``. Those rules are written here by hand (``split_lock``,
``scale_to_18``, ``required_equity18``) AND extracted from the Solidity (SlithIR → Z3,
``vaultproof.prover.extract``); every check carries an obligation that the two agree, so a change to
LockMath breaks the proof even if nobody edits this file.

Every ``defect`` argument names the single change that turns a shipped model into its ``broken``
variant (which the tests require to come out VIOLATED).

Units: USDC amounts are integers in USDC units (6 dp); equity and margins are 18-dp USD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from models.units import PPM_UNIT, RAW, UINT96_MAX, UINT128_MAX, UINT256_MAX, USD18, USDC
from vaultproof.spec import (
    ModelContext,
    ModelOutput,
    Obligation,
    Scope,
    equivalence_obligation,
    extracted,
    pow10,
    safety_obligations,
    tied,
    zmin,
)

# --------------------------------------------------------------------------------------------------
# Hand-written models of LockMath (DESIGN.md signatures)

MISSING_MIN = "cross-locks-amount-without-min"


def split_lock(
    amount: z3.ArithRef, free: z3.ArithRef, isolated: z3.BoolRef, defect: str | None = None
) -> tuple[z3.BoolRef, z3.ArithRef, z3.ArithRef]:
    """``(ok, toLock, virtualBacking)``: ISOLATED ok iff free ≥ amount and locks amount; CROSS locks
    ``min(free, amount)`` and reports the rest as virtual backing."""
    cross_lock = amount if defect == MISSING_MIN else zmin(free, amount)
    ok = z3.If(isolated, free >= amount, z3.BoolVal(True))
    to_lock = z3.If(isolated, z3.If(free >= amount, amount, 0), cross_lock)
    virtual = z3.If(isolated, 0, amount - cross_lock)
    return ok, to_lock, virtual


def scale_to_18(ctx: ModelContext, amount: z3.ArithRef, decimals: z3.ArithRef) -> z3.ArithRef:
    """``amount · 10^(MAX_COLLATERAL_DECIMALS − decimals)`` (defined for decimals ≤ MAX)."""
    max_decimals = ctx.param("LockMath.MAX_COLLATERAL_DECIMALS")
    return amount * pow10(max_decimals - decimals, max_decimals)


def scale_reverts(ctx: ModelContext, amount: z3.ArithRef, decimals: z3.ArithRef) -> z3.BoolRef:
    """When the code must revert: decimals above the maximum, or the product above uint256."""
    max_decimals = ctx.param("LockMath.MAX_COLLATERAL_DECIMALS")
    return z3.Or(
        decimals > max_decimals,
        z3.And(decimals <= max_decimals, scale_to_18(ctx, amount, decimals) > UINT256_MAX),
    )


def required_equity18(
    ctx: ModelContext, mm18: z3.ArithRef, amount: z3.ArithRef, decimals: z3.ArithRef
) -> z3.ArithRef:
    return mm18 + scale_to_18(ctx, amount, decimals)


def effective_locked(
    ctx: ModelContext, amount: z3.ArithRef, usdc_locked: z3.ArithRef, version: z3.ArithRef
) -> z3.ArithRef:
    """Shipped, disambiguated rule: a pre-upgrade record (``lockVersion == 0``) locked its whole amount."""
    return z3.If(version == 0, amount, usdc_locked)


def partial_unlock(ctx: ModelContext, locked: z3.ArithRef, fraction_ppm: z3.ArithRef) -> z3.ArithRef:
    """Share of ``locked`` released by closing ``fraction_ppm``/PPM, rounded DOWN."""
    return (locked * fraction_ppm) / ctx.param("LockMath.PPM")


# --------------------------------------------------------------------------------------------------
# Code ↔ model equivalence (SPEC §4.4)

_UNITS = {
    "amount": USDC,
    "freeBalance": USDC,
    "toLock": USDC,
    "virtualBacking": USDC,
    "usdcLocked": USDC,
    "locked": USDC,
    "mm18": USD18,
    "fractionPpm": PPM_UNIT,
}


def equivalence(ctx: ModelContext, function: str) -> Obligation:
    """``LockMath.<function>`` as extracted from SlithIR equals the hand-written model above (an obligation
    that executes that function on code)."""
    return tied(ctx, f"LockMath.{function}", _equivalence(ctx, function))[0]


def _equivalence(ctx: ModelContext, function: str) -> Obligation:
    code = extracted(ctx, f"LockMath.{function}", prefix=function)
    max_decimals = ctx.param("LockMath.MAX_COLLATERAL_DECIMALS")
    name = f"LockMath.{function}: SlithIR extraction == model"
    if function == "splitLock":
        return equivalence_obligation(
            code,
            lambda a, f, iso: split_lock(a, f, iso),
            name=name,
            units=_UNITS,
            witness=z3.Not(code.args[2]),
        )
    if function == "scaleTo18":
        # also the revert condition: decimals > 18 must revert, never wrap
        return equivalence_obligation(
            code,
            lambda a, d: ModelOutput((scale_to_18(ctx, a, d),), scale_reverts(ctx, a, d)),
            name=name,
            units=_UNITS,
            witness=code.args[1] < max_decimals,
        )
    if function == "requiredEquity18":
        return equivalence_obligation(
            code,
            lambda mm, a, d: required_equity18(ctx, mm, a, d),
            {"decimals": (0, max_decimals), "amount": (0, UINT96_MAX)},
            name=name,
            units=_UNITS,
            witness=code.args[1] > 0,
        )
    if function == "effectiveLocked":
        return equivalence_obligation(
            code, lambda a, u, v: effective_locked(ctx, a, u, v), name=name, units=_UNITS
        )
    if function == "partialUnlock":
        return equivalence_obligation(
            code,
            lambda locked, f: partial_unlock(ctx, locked, f),
            {"fractionPpm": (0, ctx.param("LockMath.PPM")), "locked": (0, UINT128_MAX)},
            name=name,
            units=_UNITS,
            witness=z3.And(code.args[0] > 0, code.args[1] > 0),
        )
    raise ValueError(f"no model for LockMath.{function}")


# --------------------------------------------------------------------------------------------------
# The vault's allocateForPosition (seed 001), over the models above


@dataclass(frozen=True)
class AllocOutcome:
    succeeds: z3.BoolRef
    insufficient_balance: z3.BoolRef
    insufficient_equity: z3.BoolRef
    too_large: z3.BoolRef
    to_lock: z3.ArithRef
    virtual: z3.ArithRef
    required18: z3.ArithRef
    qre_consulted: z3.BoolRef


ISOLATED_USES_QRE = "isolated-falls-back-to-qre-equity"
CHECKS_ONLY_VIRTUAL = "requires-equity-for-virtual-part-only"
NO_AMOUNT_GUARD = "no-uint96-amount-guard"


def allocate(
    ctx: ModelContext,
    amount: z3.ArithRef,
    free: z3.ArithRef,
    isolated: z3.BoolRef,
    qre_set: z3.BoolRef,
    equity18: z3.ArithRef,
    mm18: z3.ArithRef,
    decimals: z3.ArithRef,
    defect: str | None = None,
) -> AllocOutcome:
    """Outcome of ``allocateForPosition``: which error (if any) and how much USDC is locked.

    ``amount == 0`` reverts ``InvalidAmount`` and ``amount > type(uint96).max`` reverts ``AmountTooLarge``
    before anything else (the guard that makes the ``uint96``/``uint128`` downcasts lossless, ALLOC-5),
    unless ``defect`` removes the latter. Mirrors ``BalanceManagerVault.allocateForPosition`` and
    ``_requireVirtualBacking`` (sign-safe ``equity < 0 || uint256(equity) < required``).
    """
    # `amount == 0` reverts InvalidAmount first; it is folded into too_large (neither allocates anything)
    too_large = z3.Or(amount == 0, z3.BoolVal(False) if defect == NO_AMOUNT_GUARD else amount > UINT96_MAX)
    ok, to_lock, virtual = split_lock(amount, free, isolated, defect if defect == MISSING_MIN else None)
    if defect == ISOLATED_USES_QRE:
        # the defect: ISOLATED treats its USDC shortfall like CROSS virtual backing
        ok, to_lock, virtual = split_lock(amount, free, z3.BoolVal(False))
        virtual_needs_qre = virtual > 0
    else:
        virtual_needs_qre = z3.And(z3.Not(isolated), virtual > 0)
    backing = virtual if defect == CHECKS_ONLY_VIRTUAL else amount
    required = required_equity18(ctx, mm18, backing, decimals)
    # sign-safe comparison (equity may be negative): equity < 0 || uint256(equity) < required
    short_of_equity = z3.Or(equity18 < 0, equity18 < required)
    insufficient_balance = z3.And(
        z3.Not(too_large), z3.Or(z3.Not(ok), z3.And(virtual_needs_qre, z3.Not(qre_set)))
    )
    insufficient_equity = z3.And(z3.Not(too_large), ok, virtual_needs_qre, qre_set, short_of_equity)
    succeeds = z3.And(z3.Not(too_large), z3.Not(insufficient_balance), z3.Not(insufficient_equity))
    return AllocOutcome(
        succeeds=succeeds,
        insufficient_balance=insufficient_balance,
        insufficient_equity=insufficient_equity,
        too_large=too_large,
        to_lock=to_lock,
        virtual=virtual,
        required18=required,
        qre_consulted=z3.And(z3.Not(too_large), ok, virtual_needs_qre, qre_set),
    )


@dataclass
class _AllocScene:
    scope: Scope
    amount: z3.ArithRef
    free: z3.ArithRef
    isolated: z3.BoolRef
    qre_set: z3.BoolRef
    equity18: z3.ArithRef
    mm18: z3.ArithRef
    decimals: z3.ArithRef


def _scene(ctx: ModelContext, amount_bits: int = 256) -> _AllocScene:
    s = Scope()
    amount = s.uint("amount", amount_bits, USDC)
    free = s.uint("freeBalance", 256, USDC)
    isolated = s.boolean("isolated")
    qre_set = s.boolean("quantumRiskEngineSet")
    equity18 = s.sint("equity18", 256, USD18)
    mm18 = s.uint("mm18", 256, USD18)
    decimals = s.uint("collateralDecimals", 8, (0, "decimals"))
    # enforced at init: collateralDecimals ≤ MAX_COLLATERAL_DECIMALS
    s.assume(decimals <= ctx.param("LockMath.MAX_COLLATERAL_DECIMALS"))
    return _AllocScene(s, amount, free, isolated, qre_set, equity18, mm18, decimals)


def _run(ctx: ModelContext, defect: str | None) -> tuple[_AllocScene, AllocOutcome]:
    """One allocation over a fresh scene, its outcome shown in the counterexample."""
    sc = _scene(ctx)
    out = allocate(
        ctx, sc.amount, sc.free, sc.isolated, sc.qre_set, sc.equity18, sc.mm18, sc.decimals, defect
    )
    sc.scope.show("toLock", out.to_lock, USDC)
    sc.scope.show("virtualBacking", out.virtual, USDC)
    sc.scope.show("required18", out.required18, USD18)
    sc.scope.show("succeeds", out.succeeds)
    return sc, out


# --------------------------------------------------------------------------------------------------
# ALLOC-1


def alloc1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """toLock ≤ amount and toLock ≤ freeBalance, for every successful split (both modes)."""
    s = Scope()
    amount = s.uint("amount", 256, USDC)
    free = s.uint("freeBalance", 256, USDC)
    isolated = s.boolean("isolated")
    ok, to_lock, virtual = split_lock(amount, free, isolated, defect)
    s.show("toLock", to_lock, USDC)
    s.show("virtualBacking", virtual, USDC)
    goal = z3.Implies(
        ok, z3.And(to_lock <= amount, to_lock <= free, to_lock >= 0, to_lock + virtual == amount)
    )
    out = [
        s.obligation(
            "split: 0 ≤ toLock ≤ min(amount, freeBalance), toLock + virtual = amount",
            goal,
            # interesting case: CROSS with less USDC than the margin (a partial lock)
            witness=z3.And(z3.Not(isolated), free > 0, free < amount),
            explanation="the split locks more USDC than the position's margin or the user's free balance",
        )
    ]
    return with_ties(ctx, defect, out, "splitLock")


# --------------------------------------------------------------------------------------------------
# ALLOC-2


def alloc2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """ISOLATED: succeeds iff free ≥ amount, locks exactly amount, and QRE's state cannot matter."""
    sc, out = _run(ctx, defect)
    s = sc.scope
    iso_ok = z3.Implies(
        z3.And(sc.isolated, z3.Not(out.too_large)),
        z3.And(out.succeeds == (sc.free >= sc.amount), z3.Implies(out.succeeds, out.to_lock == sc.amount)),
    )
    obligations = [
        s.obligation(
            "ISOLATED succeeds iff freeBalance ≥ amount and then locks exactly amount",
            iso_ok,
            witness=z3.And(sc.isolated, sc.amount > 0, sc.free >= sc.amount),
            explanation="an ISOLATED open that is not backed 1:1 by free USDC",
        )
    ]
    # non-interference: a second run with different QRE state gives the same outcome for ISOLATED
    s2 = sc.scope
    qre_set2 = z3.Bool("quantumRiskEngineSet'")
    equity2 = s2.sint("equity18'", 256, USD18)
    mm2 = s2.uint("mm18'", 256, USD18)
    out2 = allocate(ctx, sc.amount, sc.free, sc.isolated, qre_set2, equity2, mm2, sc.decimals, defect)
    s2.show("quantumRiskEngineSet'", qre_set2)
    s2.show("succeeds'", out2.succeeds)
    same = z3.Implies(
        sc.isolated,
        z3.And(out.succeeds == out2.succeeds, out.to_lock == out2.to_lock, z3.Not(out.qre_consulted)),
    )
    obligations.append(
        s2.obligation(
            "ISOLATED never consults QRE: its outcome is independent of QRE's equity, margin and presence",
            same,
            witness=z3.And(sc.isolated, sc.amount > 0),
            explanation="two ISOLATED opens with the same USDC but different QRE state end differently",
        )
    )
    return with_ties(ctx, defect, obligations, "splitLock")


# --------------------------------------------------------------------------------------------------
# ALLOC-3


def alloc3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """CROSS with virtual backing succeeds only if equity18 ≥ mm18 + amount·10^(18−dec); no QRE ⇒ revert."""
    sc, out = _run(ctx, defect)
    s = sc.scope
    cross_virtual = z3.And(z3.Not(sc.isolated), out.virtual > 0)
    full_requirement = sc.mm18 + scale_to_18(ctx, sc.amount, sc.decimals)
    obligations = [
        s.obligation(
            "CROSS open with virtual backing succeeds ⇒ equity18 ≥ mm18 + amount·10^(18−decimals)",
            z3.Implies(z3.And(cross_virtual, out.succeeds), sc.equity18 >= full_requirement),
            witness=z3.And(cross_virtual, out.succeeds),
            explanation="a CROSS open backed partly by basket equity succeeded without enough equity",
        ),
        s.obligation(
            "CROSS open with virtual backing and no QRE set reverts InsufficientBalance",
            z3.Implies(
                z3.And(cross_virtual, z3.Not(sc.qre_set), z3.Not(out.too_large)), out.insufficient_balance
            ),
            witness=z3.And(cross_virtual, z3.Not(sc.qre_set), z3.Not(out.too_large)),
            explanation="a CROSS open relied on virtual backing although no risk engine is configured",
        ),
    ]
    return with_ties(ctx, defect, obligations, "requiredEquity18")


# --------------------------------------------------------------------------------------------------
# ALLOC-4


def alloc4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """scaleTo18 is exact and cannot overflow for amount ≤ uint96 max and every decimals ≤ 18."""
    max_decimals = ctx.param("LockMath.MAX_COLLATERAL_DECIMALS")
    amount_high = UINT256_MAX if defect == NO_AMOUNT_GUARD else UINT96_MAX
    code = extracted(ctx, "LockMath.scaleTo18", prefix="scaleTo18")
    ranges = {"decimals": (0, max_decimals), "amount": (0, amount_high)}
    obligations = tied(ctx, "LockMath.scaleTo18", safety_obligations(code, ranges, units=_UNITS))
    # exactness: the scaled value divided back gives the amount, with no remainder (no rounding at all)
    s = Scope()
    amount = s.uint("amount", 256, USDC)
    decimals = s.uint("collateralDecimals", 8, (0, "decimals"))
    s.assume(amount <= amount_high, decimals <= max_decimals)
    scaled = scale_to_18(ctx, amount, decimals)
    factor = pow10(max_decimals - decimals, max_decimals)
    s.show("amount18", scaled, USD18)
    obligations.append(
        s.obligation(
            "scaling is exact and fits uint256: amount18 / 10^(18−d) = amount, remainder 0",
            z3.And(scaled / factor == amount, scaled % factor == 0, scaled <= UINT256_MAX),
            witness=z3.And(amount > 0, decimals < max_decimals),
            explanation="scaling an allowed amount to 18 decimals overflows or loses precision",
        )
    )
    return with_ties(ctx, defect, obligations, "scaleTo18")


# --------------------------------------------------------------------------------------------------
# ALLOC-5


def alloc5(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """uint96(amount), uint128(amount), uint128(toLock) never truncate: AmountTooLarge bounds them."""
    sc, out = _run(ctx, defect)
    s = sc.scope
    obligations = []
    for cast, bits, value in (
        ("uint96(amount)", 96, sc.amount),
        ("uint128(amount)", 128, sc.amount),
        ("uint128(toLock)", 128, out.to_lock),
    ):
        obligations.append(
            s.obligation(
                f"{cast} is lossless on every successful allocation",
                z3.Implies(out.succeeds, value <= 2**bits - 1),
                witness=z3.And(out.succeeds, value > 0),
                explanation=f"{cast} silently truncates the recorded amount",
            )
        )
    return with_ties(ctx, defect, obligations, "splitLock")


# --------------------------------------------------------------------------------------------------
# ALLOC-6: inductive bookkeeping invariant

TOPUP_RECORDS_AMOUNT = "top-up-records-amount-as-usdcLocked"


def alloc6(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Invariant I over one user's state:
        totalAllocated = crossAllocated + isolatedAllocated,
        usdcLocked ≤ amount for every allocation,
        Σ effectiveLocked(open allocations) = BalanceManager.locked(user, USDC, vault).
    Proved by induction: base (no allocation) and one step of each kind from an arbitrary state that
    satisfies I. The sums are abstract: the allocation the step touches, plus the rest."""
    version = ctx.param("LockMath.LOCK_VERSION_STAGE7")
    obligations: list[Obligation] = []

    # base: a user with no allocations and nothing locked by the vault
    s = Scope()
    total, cross, iso, sum_eff, bm_locked = (
        s.uint(n, 256, USDC)
        for n in ("totalAllocated", "crossAllocated", "isolatedAllocated", "sumEffectiveLocked", "bmLocked")
    )
    s.assume(total == 0, cross == 0, iso == 0, sum_eff == 0, bm_locked == 0)
    obligations.append(
        s.obligation("base: the empty state satisfies I", z3.And(total == cross + iso, sum_eff == bm_locked))
    )

    def pre_state(s: Scope) -> dict[str, z3.ArithRef]:
        st = {
            n: s.uint(n, 256 if n in ("rest", "bmLocked") else 128, USDC)
            for n in ("allocAmount", "allocUsdcLocked", "rest", "bmLocked")
        }
        st["total"] = s.uint("totalAllocated", 96, USDC)
        st["cross"] = s.uint("crossAllocated", 96, USDC)
        st["iso"] = s.uint("isolatedAllocated", 96, USDC)
        # Σ amount over the user's OTHER open CROSS / ISOLATED allocations
        st["restCross"] = s.uint("otherCrossAmounts", 96, USDC)
        st["restIso"] = s.uint("otherIsolatedAmounts", 96, USDC)
        st["version"] = s.uint("allocLockVersion", 8, RAW)
        s.assume(st["version"] <= version)
        exists = s.boolean("allocExists")
        alloc_iso = s.boolean("allocIsolated")
        st["exists"] = z3.If(exists, 1, 0)
        st["allocIso"] = z3.If(alloc_iso, 1, 0)
        # I holds before; a missing allocation is all zeros; `rest` is Σ effectiveLocked of the others
        eff = effective_locked(ctx, st["allocAmount"], st["allocUsdcLocked"], st["version"])
        s.assume(
            st["total"] == st["cross"] + st["iso"],
            st["cross"] == st["restCross"] + z3.If(alloc_iso, 0, st["allocAmount"]),
            st["iso"] == st["restIso"] + z3.If(alloc_iso, st["allocAmount"], 0),
            st["allocUsdcLocked"] <= st["allocAmount"],
            st["rest"] + eff == st["bmLocked"],
            z3.Implies(
                z3.Not(exists), z3.And(st["allocAmount"] == 0, st["allocUsdcLocked"] == 0, st["version"] == 0)
            ),
        )
        return st

    def invariant(
        st: dict[str, z3.ArithRef],
        total: z3.ArithRef,
        cross: z3.ArithRef,
        iso: z3.ArithRef,
        amount: z3.ArithRef,
        locked: z3.ArithRef,
        is_iso: z3.ArithRef,
        bm: z3.ArithRef,
        eff: z3.ArithRef,
    ) -> z3.BoolRef:
        return z3.And(
            total == cross + iso,
            cross == st["restCross"] + z3.If(is_iso == 1, 0, amount),
            iso == st["restIso"] + z3.If(is_iso == 1, amount, 0),
            locked <= amount,
            st["rest"] + eff == bm,
        )

    # step 1: allocateForPosition (new allocation or top-up of the same mode; a legacy record is migrated)
    s = Scope()
    st = pre_state(s)
    amount = s.uint("amount", 256, USDC)
    free = s.uint("freeBalance", 256, USDC)
    equity18 = s.sint("equity18", 256, USD18)
    mm18 = s.uint("mm18", 256, USD18)
    qre_set = s.boolean("quantumRiskEngineSet")
    isolated = st["allocIso"] == 1  # a top-up must match the record's mode (AllocationMismatch otherwise)
    out = allocate(ctx, amount, free, isolated, qre_set, equity18, mm18, z3.IntVal(6), None)
    # top-up: usdcLocked = effectiveLocked(old record) + toLock; lockVersion = STAGE7
    base_locked = effective_locked(ctx, st["allocAmount"], st["allocUsdcLocked"], st["version"])
    recorded = amount if defect == TOPUP_RECORDS_AMOUNT else out.to_lock
    new_amount = st["allocAmount"] + amount
    new_locked = base_locked + recorded
    new_total = st["total"] + amount
    new_cross = st["cross"] + z3.If(isolated, 0, amount)
    new_iso = st["iso"] + z3.If(isolated, amount, 0)
    new_bm = st["bmLocked"] + out.to_lock
    # checked arithmetic: the step reverts (state unchanged) if a uint96/uint128 field would overflow
    fits = z3.And(
        new_total <= UINT96_MAX, new_cross <= UINT96_MAX, new_iso <= UINT96_MAX, new_amount <= UINT128_MAX
    )
    new_eff = effective_locked(ctx, new_amount, new_locked, z3.IntVal(version))
    s.show("toLock", out.to_lock, USDC)
    s.show("usdcLocked'", new_locked, USDC)
    s.show("amount'", new_amount, USDC)
    s.show("Σ effectiveLocked'", st["rest"] + new_eff, USDC)
    s.show("bmLocked'", new_bm, USDC)
    obligations.append(
        s.obligation(
            "step allocateForPosition preserves I",
            z3.Implies(
                z3.And(out.succeeds, fits),
                invariant(
                    st, new_total, new_cross, new_iso, new_amount, new_locked, st["allocIso"], new_bm, new_eff
                ),
            ),
            witness=z3.And(out.succeeds, fits, out.virtual > 0, out.to_lock > 0, st["exists"] == 1),
            explanation="after this allocation the vault's records and the BalanceManager lock disagree",
        )
    )

    # step 2: releaseFromPosition / deallocateFromPosition: the allocation leaves (debited by its amount);
    # BalanceManager's lock drops by its effective locked USDC (unlocked and/or forfeited, see REL-1)
    s = Scope()
    st = pre_state(s)
    s.assume(st["exists"] == 1)
    eff = effective_locked(ctx, st["allocAmount"], st["allocUsdcLocked"], st["version"])
    is_iso = st["allocIso"] == 1
    new_total = st["total"] - st["allocAmount"]
    new_cross = st["cross"] - z3.If(is_iso, 0, st["allocAmount"])
    new_iso = st["iso"] - z3.If(is_iso, st["allocAmount"], 0)
    new_bm = st["bmLocked"] - eff
    obligations.append(
        s.obligation(
            "step release/deallocate preserves I (and its checked debits cannot underflow)",
            z3.And(
                invariant(
                    st,
                    new_total,
                    new_cross,
                    new_iso,
                    z3.IntVal(0),
                    z3.IntVal(0),
                    st["allocIso"],
                    new_bm,
                    z3.IntVal(0),
                ),
                new_total >= 0,
                new_cross >= 0,
                new_iso >= 0,
                new_bm >= 0,
            ),
            witness=z3.And(eff > 0, st["rest"] > 0),
            explanation="after this close the vault's records and the BalanceManager lock disagree",
        )
    )

    # step 3: partialReleaseFromPosition(f): partAmount = partialUnlock(amount, f), partLocked =
    # partialUnlock(effective, f); the record shrinks (or is deleted when partAmount == amount)
    s = Scope()
    st = pre_state(s)
    s.assume(st["exists"] == 1, st["allocAmount"] > 0)
    ppm = ctx.param("LockMath.PPM")
    fraction = s.uint("fractionPpm", 256, PPM_UNIT)
    s.assume(fraction > 0, fraction <= ppm)
    locked0 = effective_locked(ctx, st["allocAmount"], st["allocUsdcLocked"], st["version"])
    part_locked = partial_unlock(ctx, locked0, fraction)
    part_amount = partial_unlock(ctx, st["allocAmount"], fraction)
    deleted = part_amount == st["allocAmount"]
    new_amount = z3.If(deleted, 0, st["allocAmount"] - part_amount)
    new_locked = z3.If(deleted, 0, locked0 - part_locked)
    new_bm = st["bmLocked"] - part_locked
    is_iso = st["allocIso"] == 1
    new_total = st["total"] - part_amount
    new_cross = st["cross"] - z3.If(is_iso, 0, part_amount)
    new_iso = st["iso"] - z3.If(is_iso, part_amount, 0)
    new_eff = effective_locked(ctx, new_amount, new_locked, z3.IntVal(version))
    s.show("partLocked", part_locked, USDC)
    s.show("partAmount", part_amount, USDC)
    s.show("usdcLocked'", new_locked, USDC)
    s.show("amount'", new_amount, USDC)
    obligations.append(
        s.obligation(
            "step partialReleaseFromPosition preserves I",
            z3.And(
                invariant(
                    st, new_total, new_cross, new_iso, new_amount, new_locked, st["allocIso"], new_bm, new_eff
                ),
                new_locked >= 0,
            ),
            witness=z3.And(fraction < ppm, part_locked > 0, z3.Not(deleted)),
            explanation="after this partial release usdcLocked exceeds amount or the lock sums disagree",
        )
    )
    return with_ties(ctx, defect, obligations, "splitLock", "effectiveLocked", "partialUnlock")


def ties(ctx: ModelContext, *functions: str) -> list[Obligation]:
    """Equivalence obligations for the LockMath functions a vault model relies on (SPEC §4.4)."""
    return [equivalence(ctx, f) for f in functions]


def with_ties(
    ctx: ModelContext, defect: str | None, obligations: list[Obligation], *functions: str
) -> list[Obligation]:
    """A model's obligations, then (for the shipped model only) the ties of the LockMath functions it
    relies on; a defect variant is the model alone."""
    return obligations if defect else [*obligations, *ties(ctx, *functions)]


def all_equivalences(ctx: ModelContext) -> Sequence[Obligation]:
    return [
        equivalence(ctx, f)
        for f in ("splitLock", "scaleTo18", "requiredEquity18", "effectiveLocked", "partialUnlock")
    ]
