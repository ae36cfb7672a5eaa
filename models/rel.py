"""Release and settlement (seed 001 §"releaseFromPosition change", §"_handleRelease"): REL-1..4.

Mirrors ``BalanceManagerVault._handleRelease(locked, pnl)``, where ``locked`` is the allocation's
EFFECTIVE locked USDC (Stage 7: ``LockMath.effectiveLocked``, never the claimed ``amount``):

- ``pnl ≥ 0``: unlock all of ``locked``; the insurance fund pays the profit through
  ``coverDeficit(user, pnl)``, which pays ``min(pnl, its balance, its per-block room)`` (0 if the call
  reverts or the fund has no code: ``_coverFromInsurance`` isolates it; the vault counts the user's
  measured USDC delta, clamped to ``pnl``); the unpaid rest ``pnl − paid`` is recorded as the user's claim
  (``unpaidProfit[user]``, paid later by ``claimUnpaidProfit``);
- ``pnl < 0``: forfeit ``min(loss, locked)`` from the lock to insurance, unlock the rest, and hand
  ``loss − forfeited`` to the deficit waterfall (``_settleCrossAccountDeficit`` for CROSS,
  ``_absorbResidual`` for ISOLATED).

The seed's formulation (``final = locked + pnl``; three branches) gives the same outcome; REL-2 below
checks the conservation equation the seed relies on. Amounts are USDC units (6 dp); ``pnl`` is signed and
bounded by ``_checkPnl`` (|pnl| ≤ type(uint96).max).
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from models.alloc import equivalence, partial_unlock
from models.units import PPM_UNIT, UINT96_MAX, UINT128_MAX, USDC
from vaultproof.spec import ModelContext, Obligation, Scope


@dataclass(frozen=True)
class ReleaseOutcome:
    unlocked: z3.ArithRef  # BalanceManager.unlock to the user's free balance
    forfeited: z3.ArithRef  # moved from the lock to insurance
    credited: z3.ArithRef  # paid by insurance to the user (profit)
    deficit: z3.ArithRef  # handed to the deficit waterfall
    unpaid_profit: z3.ArithRef  # profit the insurance fund could not pay
    unpaid_recorded: z3.ArithRef  # what the vault records as the user's claim (unpaidProfit[user] increase)

    @property
    def leaves_lock(self) -> z3.ArithRef:
        """USDC that leaves the vault's lock in the BalanceManager for this position."""
        return self.unlocked + self.forfeited


UNLOCKS_CLAIMED_AMOUNT = "passes-claimed-amount-not-usdcLocked"
DEFICIT_IGNORES_FORFEIT = "deficit-records-whole-loss-after-forfeit"
VIRTUAL_LOSS_DROPPED = "virtual-backed-loss-records-no-deficit"
# The pre-fix contract: the profit the fund does not pay is only emitted (ProfitPaid), recorded nowhere.
UNPAID_PROFIT_DROPPED = "unpaid-profit-recorded-nowhere"


def handle_release(
    locked: z3.ArithRef,
    pnl: z3.ArithRef,
    insurance_room: z3.ArithRef | None = None,
    defect: str | None = None,
) -> ReleaseOutcome:
    """``insurance_room``: what ``coverDeficit`` can pay (min of balance and per-block room); None = ample."""
    profit = pnl >= 0
    loss = -pnl
    forfeited = z3.If(profit, 0, z3.If(loss < locked, loss, locked))
    unlocked = locked - forfeited
    if insurance_room is None:
        paid = z3.If(profit, pnl, 0)
    else:
        paid = z3.If(profit, z3.If(pnl <= insurance_room, pnl, insurance_room), 0)
    deficit = z3.If(profit, 0, loss - forfeited)
    if defect == DEFICIT_IGNORES_FORFEIT:
        deficit = z3.If(profit, 0, loss)
    elif defect == VIRTUAL_LOSS_DROPPED:
        deficit = z3.If(z3.Or(profit, locked == 0), 0, loss - forfeited)
    unpaid = z3.If(profit, pnl - paid, 0)
    recorded = z3.IntVal(0) if defect == UNPAID_PROFIT_DROPPED else unpaid
    return ReleaseOutcome(unlocked, forfeited, paid, deficit, unpaid, recorded)


@dataclass
class _Close:
    scope: Scope
    amount: z3.ArithRef
    usdc_locked: z3.ArithRef
    pnl: z3.ArithRef
    locked: z3.ArithRef  # what the vault passes to _handleRelease
    out: ReleaseOutcome


def _close(ctx: ModelContext, defect: str | None) -> _Close:
    """A full close of a post-upgrade allocation (usdcLocked ≤ amount ≤ uint128)."""
    s = Scope()
    amount = s.uint("amount", 128, USDC)
    usdc_locked = s.uint("usdcLocked", 128, USDC)
    pnl = s.sint("pnl", 256, USDC)
    room = s.uint("insuranceCanPay", 256, USDC)
    # an open allocation has amount > 0 (InvalidAmount on open; deleted when fully released)
    s.assume(amount > 0, usdc_locked <= amount, pnl >= -UINT96_MAX, pnl <= UINT96_MAX)
    locked = amount if defect == UNLOCKS_CLAIMED_AMOUNT else usdc_locked
    out = handle_release(locked, pnl, room, defect)
    s.show("unlocked", out.unlocked, USDC)
    s.show("forfeitedToInsurance", out.forfeited, USDC)
    s.show("creditedFromInsurance", out.credited, USDC)
    s.show("deficitRecorded", out.deficit, USDC)
    s.show("unpaidProfit", out.unpaid_profit, USDC)
    s.show("unpaidProfitRecorded", out.unpaid_recorded, USDC)
    return _Close(s, amount, usdc_locked, pnl, locked, out)


def rel1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """A release never takes more out of the lock than the position's effective locked USDC."""
    c = _close(ctx, defect)
    return [
        c.scope.obligation(
            "unlocked + forfeited ≤ effective locked (and = it: the lock is fully settled)",
            z3.And(c.out.unlocked <= c.usdc_locked, c.out.leaves_lock == c.usdc_locked, c.out.unlocked >= 0),
            witness=z3.And(c.usdc_locked < c.amount, c.pnl > -c.usdc_locked),
            explanation="closing this partly virtual-backed position unlocks USDC never locked for it",
        ),
        equivalence(ctx, "effectiveLocked"),
    ][: 1 if defect else 2]


def rel2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Conservation on close, exactly, in USDC units. The user's change counts the USDC they received
    (unlocked + credited − locked) and the claims recorded for or against them: the recorded deficit is
    their debt, the recorded unpaid profit (``unpaidProfit[user]``) their claim on the insurance fund. So
    userΔ − deficit + unpaidRecorded = pnl, and userΔ + insuranceΔ = 0 (settlement moves USDC between the
    user and insurance, creating none). ``UNPAID_PROFIT_DROPPED`` is the pre-fix contract (nothing
    recorded): its profitable-close obligation is VIOLATED (seed finding ``REL-2.unpaid-profit-dropped``)."""
    c = _close(ctx, defect)
    user_delta = c.out.unlocked + c.out.credited - c.locked
    insurance_delta = c.out.forfeited - c.out.credited
    c.scope.show("userChange", user_delta, USDC)
    c.scope.show("insuranceChange", insurance_delta, USDC)
    realised = user_delta - c.out.deficit + c.out.unpaid_recorded
    return [
        c.scope.obligation(
            "losing close: userChange − deficitRecorded + unpaidProfitRecorded = pnl and "
            "userChange + insuranceChange = 0",
            z3.Implies(
                c.pnl <= 0,
                z3.And(realised == c.pnl, user_delta + insurance_delta == 0, c.out.deficit >= 0),
            ),
            witness=z3.And(c.usdc_locked > 0, c.pnl < -c.usdc_locked),
            explanation="settlement of this losing close creates or destroys USDC",
        ),
        c.scope.obligation(
            "profitable close: userChange + unpaidProfitRecorded = pnl (paid by insurance now or owed by it) "
            "and userChange + insuranceChange = 0",
            z3.Implies(
                c.pnl > 0,
                z3.And(
                    realised == c.pnl,
                    user_delta + insurance_delta == 0,
                    c.out.unpaid_recorded >= 0,
                    c.out.deficit == 0,
                ),
            ),
            # the interesting case: the fund cannot pay all of it, so the recorded claim carries the rest
            witness=z3.And(c.pnl > 0, c.usdc_locked > 0, c.out.credited < c.pnl),
            explanation=(
                "InsuranceFund.coverDeficit pays less than the profit (balance or per-block room short, or "
                "the call fails) and the unpaid rest (unpaidProfit) is recorded nowhere: the realised PnL "
                "silently shrinks"
            ),
        ),
    ]


def rel2_pre_fix(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Seed finding: the seed's ``_handleRelease`` ("no logic change": profit credited from insurance),
    i.e. the vault before the fix, where the unpaid part of a profit is only emitted in ``ProfitPaid``."""
    return rel2(ctx, UNPAID_PROFIT_DROPPED)


def rel3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """A fully virtual-backed position (usdcLocked = 0) closed at a loss records the whole loss as deficit."""
    c = _close(ctx, defect)
    return [
        c.scope.obligation(
            "usdcLocked = 0 ∧ pnl < 0 ⇒ deficit = −pnl, nothing unlocked, forfeited or credited",
            z3.Implies(
                z3.And(c.usdc_locked == 0, c.pnl < 0),
                z3.And(
                    c.out.deficit == -c.pnl, c.out.unlocked == 0, c.out.forfeited == 0, c.out.credited == 0
                ),
            ),
            witness=z3.And(c.usdc_locked == 0, c.amount > 0, c.pnl < 0),
            explanation="a fully virtual-backed position's loss is not routed to the cross-account deficit",
        )
    ]


ROUNDS_UP = "partial-unlock-rounds-up"


def rel4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """partialUnlock(locked, f) ≤ locked·f/PPM (rounded down, by less than one unit)."""
    ppm = ctx.param("LockMath.PPM")
    s = Scope()
    locked = s.uint("locked", 128, USDC)
    fraction = s.uint("fractionPpm", 256, PPM_UNIT)
    s.assume(fraction <= ppm, locked <= UINT128_MAX)
    released = (
        (locked * fraction + ppm - 1) / ppm if defect == ROUNDS_UP else partial_unlock(ctx, locked, fraction)
    )
    s.show("released", released, USDC)
    obligations = [
        s.obligation(
            "released·PPM ≤ locked·fractionPpm < (released + 1)·PPM",
            z3.And(released * ppm <= locked * fraction, locked * fraction < (released + 1) * ppm),
            witness=z3.And(fraction > 0, fraction < ppm, (locked * fraction) % ppm != 0),
            explanation="a partial release unlocks more than its fraction of the lock",
        )
    ]
    if defect is None:
        obligations.append(equivalence(ctx, "partialUnlock"))
    return obligations
