"""The legacy-record rule (seed 001, open question 3; DESIGN "Legacy-record rule"): BF-1, BF-2 and the
seed's own rule as a finding.

A record written before the Stage 7 upgrade has ``usdcLocked == 0`` and ``lockVersion == 0`` although
the V1 vault locked its whole ``amount``. The seed proposes ``usdcLocked == 0 && amount > 0 → amount``;
that rule cannot tell such a record from a NEW fully virtual-backed CROSS position (also
``usdcLocked == 0``, nothing locked). The shipped ``LockMath.effectiveLocked`` keys on ``lockVersion``.
"""

from __future__ import annotations

import z3

from models.alloc import allocate, effective_locked, equivalence, ties
from models.rel import handle_release
from models.units import USD18, USDC
from vaultproof.spec import ModelContext, Obligation, Scope

READS_STORED_FIELD = "legacy-record-read-as-stored-usdcLocked"
FORGETS_VERSION = "new-record-written-with-lockVersion-0"


def _effective(
    ctx: ModelContext, amount: z3.ArithRef, locked: z3.ArithRef, version: z3.ArithRef, defect: str | None
) -> z3.ArithRef:
    if defect == READS_STORED_FIELD:
        return locked
    return effective_locked(ctx, amount, locked, version)


def bf1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """A legacy record (lockVersion 0, usdcLocked 0, amount > 0) counts as fully locked, so its close
    releases exactly what V1 locked, and migration (usdcLocked = amount; lockVersion = 1) keeps it."""
    version = ctx.param("LockMath.LOCK_VERSION_STAGE7")
    s = Scope()
    amount = s.uint("amount", 128, USDC)
    usdc_locked = s.uint("usdcLocked", 128, USDC)
    pnl = s.sint("pnl", 256, USDC)
    # the record as V1 wrote it: appended fields still zero; V1 locked the whole amount in BalanceManager.
    # The versions are variables fixed by assumptions, not literals: substituted as literals, Z3's
    # simplifier decided the whole goal by itself (a TAUTOLOGY) instead of the solver deciding it.
    legacy_version = s.uint("lockVersion", 8)
    migrated_version = s.uint("lockVersionAfterMigration", 8)
    s.assume(usdc_locked == 0, legacy_version == 0, migrated_version == version)
    v1_locked = amount
    eff = _effective(ctx, amount, usdc_locked, legacy_version, defect)
    migrated = _effective(ctx, amount, amount, migrated_version, defect)
    out = handle_release(eff, pnl)
    s.show("effectiveLocked", eff, USDC)
    s.show("lockLeftByClose", v1_locked - out.leaves_lock, USDC)
    obligations = [
        s.obligation(
            "legacy record: effectiveLocked = amount = USDC V1 locked; its close settles the whole lock",
            z3.And(eff == amount, out.leaves_lock == v1_locked, migrated == eff),
            witness=amount > 0,
            explanation="a pre-upgrade position's USDC stays locked (stranded) or is mis-settled",
        )
    ]
    if defect is None:
        obligations.append(equivalence(ctx, "effectiveLocked"))
    return obligations


def bf2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Records written after the upgrade are never backfilled: effectiveLocked = the USDC the allocation
    actually locked (0 for a fully virtual-backed CROSS position)."""
    version = ctx.param("LockMath.LOCK_VERSION_STAGE7")
    s = Scope()
    amount = s.uint("amount", 256, USDC)
    free = s.uint("freeBalance", 256, USDC)
    isolated = s.boolean("isolated")
    qre_set = s.boolean("quantumRiskEngineSet")
    equity18 = s.sint("equity18", 256, USD18)
    mm18 = s.uint("mm18", 256, USD18)
    out = allocate(ctx, amount, free, isolated, qre_set, equity18, mm18, z3.IntVal(6))
    written_version = s.uint("lockVersionWritten", 8)  # a variable, as in bf1 (no TAUTOLOGY by substitution)
    s.assume(written_version == (0 if defect == FORGETS_VERSION else version))
    eff = _effective(ctx, amount, out.to_lock, written_version, defect)
    s.show("toLock", out.to_lock, USDC)
    s.show("effectiveLocked", eff, USDC)
    tied = [] if defect else ties(ctx, "splitLock", "effectiveLocked")
    return [
        *tied,
        s.obligation(
            "new record (lockVersion = STAGE7): effectiveLocked = USDC locked by allocateForPosition",
            z3.Implies(out.succeeds, eff == out.to_lock),
            witness=z3.And(out.succeeds, out.to_lock == 0, amount > 0),
            explanation="a post-upgrade record is treated as if it had locked USDC it never locked",
        ),
    ]


SEED_AMOUNT = 350_000_000  # 350 USDC: the seed's Stage 7 scenario IM ($3500 @ 10x)
SEED_EQUITY18 = 419 * 10**18  # the seed's $419 basket equity


def seed_rule(ctx: ModelContext) -> list[Obligation]:
    """The seed's backfill rule ``usdcLocked == 0 && amount > 0 → amount`` on a NEW CROSS position with
    no free USDC (fully virtual-backed): its close unlocks USDC that was never locked for it — taken
    from the user's other positions' locks."""
    s = Scope()
    amount = s.uint("amount", 128, USDC)
    free = s.uint("freeBalance", 256, USDC)
    equity18 = s.sint("equity18", 256, USD18)
    mm18 = s.uint("mm18", 256, USD18)
    other_locked = s.uint("otherPositionsLocked", 128, USDC)
    pnl = s.sint("pnl", 256, USDC)
    # the story: open 350 USDC of margin with 0 free USDC on $419 of basket equity, close at break-even;
    # the user's other positions hold USDC in the same (user, USDC, vault) lock
    s.assume(amount == SEED_AMOUNT, free == 0, equity18 == SEED_EQUITY18, mm18 == 0, pnl == 0)
    s.assume(other_locked >= amount)
    out = allocate(ctx, amount, free, z3.BoolVal(False), z3.BoolVal(True), equity18, mm18, z3.IntVal(6))
    usdc_locked = out.to_lock
    seed_effective = z3.If(z3.And(usdc_locked == 0, amount > 0), amount, usdc_locked)
    close = handle_release(seed_effective, pnl)
    s.show("usdcLocked", usdc_locked, USDC)
    s.show("lockVersion", z3.IntVal(ctx.param("LockMath.LOCK_VERSION_STAGE7")))
    s.show("seedEffectiveLocked", seed_effective, USDC)
    s.show("unlockedAtClose", close.unlocked, USDC)
    s.show("otherPositionsLockedAfter", other_locked - (close.leaves_lock - usdc_locked), USDC)
    return [
        s.obligation(
            "seed rule: a close unlocks no more USDC than was locked for that position",
            z3.Implies(out.succeeds, close.leaves_lock <= usdc_locked),
            witness=out.succeeds,
            explanation=(
                "a new CROSS position backed only by basket equity (usdcLocked = 0, lockVersion = 1) looks "
                "like a legacy record to the seed's rule, so its close unlocks its whole margin from the "
                "user's other positions' locked USDC"
            ),
        )
    ]
