"""The deficit waterfall (seed 000 §"Residual", 003 ADL, 004 insurance): Z3 models for DEBT-1..6.

Waterfall of ``BalanceManagerVault._settleCrossAccountDeficit`` (shipped, Stage 5):

1. free USDC: ``DeficitMath.takeFree(deficit, free)``;
2. collateral: ``_coverDeficitWithCollateral`` — a loop over enabled collaterals (induction, see
   ``models.conv``), each paying ``DeficitMath.payToInsurance(received, remaining)``;
3. insurance: ``InsuranceFund.coverDeficit(remaining)`` pays ``min(amount, balance, block cap left)``
   and the vault decrements by what was PAID (``_coverFromInsurance``: the user's measured USDC delta,
   clamped to the ask). The call is isolated: a fund without code or whose call reverts pays 0 and the
   whole remainder falls through (``insuranceCallSucceeded``);
4. ADL: ``AdlEngine.socialize`` walks opposite-side profitable positions ranked by ROE (induction
   over the ranked list), each reduced by at most its unrealized profit; what capacity cannot absorb
   is recorded as an explicit shortfall. The call is isolated too: an engine that is unset, has no code
   or reverts socializes 0, and the remainder is the ``DeficitSettled`` shortfall.

"Insurance available" (DEBT-2, DEBT-4) is what the fund can pay now: ``min(balance, block cap left)``
when its call succeeds, 0 when it fails; likewise a failed ADL call has capacity 0.

Loops are proved by base + step obligations over a stated invariant; the stage composition then
uses the loop-exit invariants as assumptions (each of which is itself one of the obligations).
"""

from __future__ import annotations

import z3

from models.conv import pay_to_insurance, take_free
from models.units import AMOUNT_BITS, usdc
from vaultproof.spec import ModelContext, Obligation, Scope, code_tie, no_underflow, zmin

USDC = "USDC"
D6 = 6


# --------------------------------------------------------------------------------------------------
# DEBT-1 conservation

REQUESTED_NOT_PAID = "decrements-requested-insurance"


def debt1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """deficit = fromFree + fromCollateral + fromInsurance + socialized + recordedShortfall."""
    out: list[Obligation] = []

    # stage 1: free USDC
    s = Scope()
    deficit, free = usdc(s, "deficit"), usdc(s, "userFreeUsdc")
    used, rem1 = take_free(deficit, free)
    s.show("fromFreeUsdc", used, (D6, USDC))
    out.append(
        s.obligation(
            "free-USDC stage conserves: deficit = used + remaining", z3.And(deficit == used + rem1, rem1 >= 0)
        )
    )
    usdc_units = {
        n: (D6, USDC) for n in ("deficit", "free", "used", "remaining", "received", "paid", "newRemaining")
    }
    out += code_tie(
        ctx, "DeficitMath.takeFree", [z3.Int("deficit"), z3.Int("free")], take_free, {}, usdc_units
    )
    out += code_tie(
        ctx,
        "DeficitMath.payToInsurance",
        [z3.Int("received"), z3.Int("remaining")],
        pay_to_insurance,
        {},
        usdc_units,
    )

    # stage 2: collateral loop; invariant remAfterFree = rem_k + fromCollateral_k ∧ rem_k ≥ 0
    s = Scope()
    rem_start = usdc(s, "remainingAfterFree")
    out.append(
        s.obligation(
            "collateral loop: base (nothing taken)",
            z3.And(rem_start == rem_start + 0, rem_start >= 0),
        )
    )
    s = Scope()
    rem_start, rem, taken = (
        usdc(s, "remainingAfterFree"),
        usdc(s, "remaining"),
        usdc(s, "fromCollateralSoFar"),
    )
    received = usdc(s, "received")
    sold = s.boolean("saleSucceeded")
    s.assume(rem_start == rem + taken)
    paid = z3.If(sold, zmin(received, rem), 0)
    out.append(
        s.obligation(
            "collateral loop: step (each payment leaves remaining + taken unchanged)",
            z3.And(rem_start == (rem - paid) + (taken + paid), rem - paid >= 0),
            z3.And(sold, received > 0, rem > 0),
        )
    )

    # stage 3: insurance, by what the fund paid (measured; 0 if the isolated call fails)
    s = Scope()
    rem2 = usdc(s, "remainingAfterCollateral")
    balance, cap_left = usdc(s, "insuranceBalance"), usdc(s, "insuranceBlockCapLeft")
    ins_ok = s.boolean("insuranceCallSucceeded")
    paid_by_fund = s.show("fromInsurance", z3.If(ins_ok, zmin(rem2, zmin(balance, cap_left)), 0), (D6, USDC))
    decrement = zmin(rem2, balance) if defect == REQUESTED_NOT_PAID else paid_by_fund
    rem3 = s.show("remainingAfterInsurance", rem2 - decrement, (D6, USDC))
    out.append(
        s.obligation(
            "insurance stage conserves (a failed call pays 0): remaining = paid + remaining'",
            z3.And(rem2 == paid_by_fund + rem3, rem3 >= 0),
            z3.And(ins_ok, rem2 > 0, cap_left < balance),
            "the vault decremented the deficit by more than the insurance fund paid: the difference vanished",
        )
    )

    # stage 4: ADL — ranked-list induction (see debt5): socialized_k + rem_k = rem3
    s = Scope()
    rem3v = usdc(s, "shortfallToSocialize")
    soc0, rem0 = usdc(s, "socializedSoFar"), usdc(s, "adlRemaining")
    s.assume(soc0 == 0, rem0 == rem3v)  # before the first ranked position: the premise, not literals
    out.append(s.obligation("ADL loop: base", soc0 + rem0 == rem3v))
    s = Scope()
    rem3v, rem, soc = usdc(s, "shortfallToSocialize"), usdc(s, "adlRemaining"), usdc(s, "socializedSoFar")
    profit = usdc(s, "positionUnrealizedProfit")
    s.assume(rem3v == soc + rem)
    take = zmin(rem, profit)
    out.append(
        s.obligation(
            "ADL loop: step (socialized + remaining unchanged)",
            z3.And(rem3v == (soc + take) + (rem - take), rem - take >= 0),
            z3.And(profit > 0, rem > 0),
        )
    )
    s = Scope()
    rem3v, rem, soc = usdc(s, "shortfallToSocialize"), usdc(s, "adlRemaining"), usdc(s, "socialized")
    s.assume(rem3v == soc + rem)
    recorded = s.show("recordedShortfall", rem, (D6, USDC))
    out.append(s.obligation("ADL exit: the rest is recorded, not dropped", rem3v == soc + recorded, rem > 0))
    # no ADL engine set (or no code), the position's side unknown, or the isolated socialize call reverting:
    # nothing is socialized and the whole remainder is the DeficitSettled event's shortfall; an engine
    # answering more than asked is clamped to the ask
    s = Scope()
    rem3v = usdc(s, "shortfallToSocialize")
    answered = s.uint("socializeReturned", 256, (D6, USDC))
    adl_used = s.boolean("adlEngineSetSideKnownAndCallSucceeded")
    soc = s.show("socialized", z3.If(adl_used, zmin(answered, rem3v), 0), (D6, USDC))
    recorded = s.show("recordedShortfall", rem3v - soc, (D6, USDC))
    out.append(
        s.obligation(
            "ADL leg as the vault calls it (absent or failing engine, clamped answer): remaining = "
            "socialized + shortfall",
            z3.And(rem3v == soc + recorded, recorded >= 0),
            z3.And(adl_used, answered > rem3v),
        )
    )

    # composition of the stages (each equality above is an obligation of this property)
    s = Scope()
    deficit = usdc(s, "deficit")
    used, from_coll, from_ins = (
        usdc(s, "fromFreeUsdc"),
        usdc(s, "fromCollateral"),
        usdc(s, "fromInsurance"),
    )
    soc, recorded = usdc(s, "socialized"), usdc(s, "recordedShortfall")
    r1, r2, r3 = (
        usdc(s, "remainingAfterFree"),
        usdc(s, "remainingAfterCollateral"),
        usdc(s, "shortfallToSocialize"),
    )
    s.assume(deficit == used + r1, r1 == r2 + from_coll, r2 == from_ins + r3, r3 == soc + recorded)
    out.append(
        s.obligation(
            "waterfall: deficit = free + collateral + insurance + socialized + recorded shortfall",
            deficit == used + from_coll + from_ins + soc + recorded,
            z3.And(used > 0, from_coll > 0, from_ins > 0, soc > 0, recorded > 0),
        )
    )
    return out


def v1_silent_drop(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Seed finding: V1's ``_settleCrossAccountDeficit`` debits only free USDC and drops the rest.

    First obligation: the concrete case deficit 300 USDC, free 250 USDC (50 USDC dropped). Second:
    the general statement (any deficit above the free balance is dropped).
    """
    out: list[Obligation] = []
    for concrete in (True, False):
        s = Scope()
        deficit, free = usdc(s, "deficit"), usdc(s, "userFreeUsdc")
        if concrete:
            s.assume(deficit == 300 * 10**D6, free == 250 * 10**D6)
        used = s.show("fromFreeUsdc", zmin(deficit, free), (D6, USDC))
        # V1 has no collateral, insurance, socialization or shortfall record
        zero = z3.IntVal(0)
        for name in ("fromCollateral", "fromInsurance", "socialized", "recordedShortfall"):
            s.show(name, zero, (D6, USDC))
        dropped = s.show("silentlyDropped", deficit - used, (D6, USDC))
        out.append(
            s.obligation(
                "V1 conservation: deficit = free + collateral + insurance + socialized + recorded"
                + (" (deficit 300 USDC, free 250 USDC)" if concrete else " (any amounts)"),
                deficit == used + zero + zero + zero + zero,
                deficit > 0,
                f"V1 debits {'250' if concrete else 'only the free'} USDC, records nothing and drops the "
                f"residual{' of 50 USDC' if concrete else ''} (silentlyDropped).",
            )
        )
        del dropped
    return out


# --------------------------------------------------------------------------------------------------
# shared waterfall model for DEBT-2 and DEBT-4 (stages in order, loops summarised by their invariants)

INSURANCE_FIRST = "insurance-before-free-usdc"
ADL_ONLY_WHEN_EMPTY = "adl-only-when-insurance-empty"


class Waterfall:
    """Terms of one settlement, built in the shipped order (or with one named defect)."""

    def __init__(self, s: Scope, defect: str | None) -> None:
        self.deficit = usdc(s, "deficit")
        self.free = usdc(s, "userFreeUsdc")
        self.balance = usdc(s, "insuranceBalance")
        self.cap_left = usdc(s, "insuranceBlockCapLeft")
        # Σ unrealized profit of opposite-side positions; 0 when the vault does not reach the engine (unset,
        # no code, side unknown, or its isolated call reverts) — see DEBT-4's assumptions
        self.adl_capacity = usdc(s, "adlCapacity")
        # the isolated coverDeficit call: a fund that reverts (or has no code) pays 0
        self.ins_ok = s.boolean("insuranceCallSucceeded")
        # what the fund can pay now (DEBT-2 "exhausted or capped", DEBT-4 "insurance available")
        self.ins_avail = z3.If(self.ins_ok, zmin(self.balance, self.cap_left), 0)
        # collateral loop summary (loop-exit invariant of the collateral induction, proved below):
        # the vault received fromCollateral ≤ remaining, and unusedFloorCapacity is floor-clearing
        # proceeds left unsold in non-skipped collaterals: remaining > 0 ⇒ unused == 0.
        self.from_coll = usdc(s, "fromCollateral")
        self.unused = usdc(s, "unusedFloorClearingCapacity")
        if defect == INSURANCE_FIRST:
            self.ins = zmin(self.deficit, self.ins_avail)
            after_ins = self.deficit - self.ins
            self.used = zmin(after_ins, self.free)
            self.rem1 = after_ins - self.used
            s.assume(self.from_coll <= self.rem1)
            self.rem2 = self.rem1 - self.from_coll
            self.rem3 = self.rem2
        else:
            self.used, self.rem1 = take_free(self.deficit, self.free)
            s.assume(self.from_coll <= self.rem1)
            self.rem2 = self.rem1 - self.from_coll
            self.ins = zmin(self.rem2, self.ins_avail)
            self.rem3 = self.rem2 - self.ins
        s.assume(z3.Implies(self.rem2 > 0, self.unused == 0))
        if defect == ADL_ONLY_WHEN_EMPTY:
            self.soc = z3.If(self.ins == self.balance, zmin(self.rem3, self.adl_capacity), 0)
        else:
            self.soc = zmin(self.rem3, self.adl_capacity)
        self.recorded = self.rem3 - self.soc
        self.bad_debt = self.rem2  # loss not covered by the user's own assets (free USDC + collateral)
        s.show("fromFreeUsdc", self.used, (D6, USDC))
        s.show("fromInsurance", self.ins, (D6, USDC))
        s.show("socialized", self.soc, (D6, USDC))
        s.show("recordedShortfall", self.recorded, (D6, USDC))
        s.show("badDebt", self.bad_debt, (D6, USDC))


def debt2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    out: list[Obligation] = []
    # collateral loop: invariant rem > 0 ⇒ unused == 0 (every processed, non-skipped collateral has
    # sold all of its floor-clearing capacity whenever the deficit is still open)
    s = Scope()
    rem0, unused0 = usdc(s, "remaining"), usdc(s, "unusedCapacitySoFar")
    s.assume(unused0 == 0)  # no collateral processed yet: the premise, not a literal in the goal
    out.append(s.obligation("collateral loop: base (unused capacity 0)", z3.Implies(rem0 > 0, unused0 == 0)))
    s = Scope()
    rem, unused = usdc(s, "remaining"), usdc(s, "unusedCapacitySoFar")
    cap = usdc(s, "floorClearingProceeds")  # what this collateral can realise at ≥ floor (0 if skipped)
    received = usdc(s, "received")
    # the vault sells enough to cover `remaining` if the capacity allows it, else all of it
    s.assume(z3.Implies(rem > 0, unused == 0), received <= cap, received >= zmin(cap, rem))
    paid = zmin(received, rem)
    rem2 = rem - paid
    unused2 = unused + (cap - received)
    out.append(
        s.obligation(
            "collateral loop: step (deficit still open ⇒ no floor-clearing capacity left unsold)",
            z3.Implies(rem2 > 0, unused2 == 0),
            z3.And(rem2 > 0, cap > 0),
        )
    )
    s = Scope()
    w = Waterfall(s, defect)
    out.append(
        s.obligation(
            "insurance pays only after free USDC and floor-clearing collateral are used",
            z3.Implies(w.ins > 0, z3.And(w.used == w.free, w.unused == 0)),
            z3.And(w.ins > 0, w.free > 0),
            "the insurance fund paid while the user still had free USDC",
        )
    )
    out.append(
        s.obligation(
            "socialization only after insurance is exhausted or capped (it paid all it can pay now: its "
            "balance or its block cap left; nothing if its call fails)",
            z3.Implies(w.soc > 0, w.ins == w.ins_avail),
            z3.And(w.soc > 0, w.ins_ok),
        )
    )
    return out


def debt4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    out: list[Obligation] = []
    # ADL capacity is what the ranked-list walk can absorb: induction socialized_k = min(S0, cap_k)
    s = Scope()
    s0 = usdc(s, "shortfallToSocialize")
    out.append(s.obligation("ADL walk: base (socialized = min(S0, 0))", zmin(s0, 0) == 0))
    s = Scope()
    s0, cap_k, soc = usdc(s, "shortfallToSocialize"), usdc(s, "capacitySoFar"), usdc(s, "socializedSoFar")
    profit = usdc(s, "positionUnrealizedProfit")
    s.assume(soc == zmin(s0, cap_k), cap_k + profit < 2**AMOUNT_BITS)
    take = zmin(s0 - soc, profit)
    out.append(
        s.obligation(
            "ADL walk: step (socialized = min(S0, Σ capacity so far))",
            soc + take == zmin(s0, cap_k + profit),
            z3.And(profit > 0, s0 > soc),
        )
    )
    s = Scope()
    w = Waterfall(s, defect)
    ins_avail = w.ins_avail  # 0 when the fund's isolated call fails
    room = w.bad_debt <= ins_avail + w.adl_capacity
    out.append(
        s.obligation(
            "bad debt ≤ insurance available + ADL capacity ⇒ recorded shortfall = 0",
            z3.Implies(room, w.recorded == 0),
            z3.And(
                room,
                w.ins_ok,
                w.bad_debt > 0,
                w.cap_left < w.balance,
                w.adl_capacity > 0,
                w.bad_debt > w.cap_left,
            ),
            "the insurance block cap bound, ADL was not consulted, and the rest was recorded as shortfall",
        )
    )
    out.append(
        s.obligation(
            "recorded shortfall = max(0, bad debt − insurance available − ADL capacity)",
            w.recorded == z3.If(room, 0, w.bad_debt - ins_avail - w.adl_capacity),
            z3.Not(room),
        )
    )
    return out


# --------------------------------------------------------------------------------------------------
# DEBT-3 insurance pays ≤ balance and ≤ MaxQuantumsInsuranceLost per block (induction over calls)

NO_BLOCK_CAP = "insurance-block-cap-missing"


def debt3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """State (balance, lostThisBlock, lastBlock); invariant 0 ≤ lost ≤ cap. Calls in the same block
    accumulate ``lost``; the first call of a new block resets it."""
    out: list[Obligation] = []
    s = Scope()
    cap = usdc(s, "maxQuantumsInsuranceLost")
    out.append(s.obligation("fund deployed: base (lost this block = 0 ≤ cap)", z3.And(cap >= 0)))
    for new_block in (False, True):
        s = Scope()
        cap = usdc(s, "maxQuantumsInsuranceLost")
        balance, lost, amount = usdc(s, "insuranceBalance"), usdc(s, "lostThisBlock"), usdc(s, "requested")
        s.assume(lost <= cap)
        lost_now = z3.IntVal(0) if new_block else lost
        # InsuranceFund.remainingBlockCapacity: used >= cap ? 0 : cap - used (saturating)
        cap_left = s.show("remainingBlockCapacity", z3.If(lost_now >= cap, 0, cap - lost_now), (D6, USDC))
        paid = zmin(amount, balance) if defect == NO_BLOCK_CAP else zmin(amount, zmin(balance, cap_left))
        s.show("paid", paid, (D6, USDC))
        lost2 = s.show("lostThisBlockAfter", lost_now + paid, (D6, USDC))
        tag = "first call of a new block" if new_block else "another call in the same block"
        out.append(
            s.obligation(
                f"coverDeficit step ({tag}): paid ≤ balance, paid ≤ requested, lost ≤ cap",
                z3.And(paid <= balance, paid <= amount, lost2 <= cap, balance - paid >= 0),
                z3.And(amount > 0, balance > 0),
                "the fund paid beyond MaxQuantumsInsuranceLost in one block",
            )
        )
        out.append(no_underflow(s, f"cap − lostThisBlock ({tag})", cap_left))
    return out


# --------------------------------------------------------------------------------------------------
# DEBT-5 ADL by ROE over the ranked list (prefix invariant)

OVER_REDUCE = "adl-reduces-beyond-profit"


def debt5(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Ranked list (ROE descending). State: remaining, socialized, untaken (Σ profit − take over the
    eligible positions already visited), capacity (Σ their profit), lastRoe.

    Invariant: socialized + remaining = S0 ∧ socialized + untaken = capacity ∧ untaken ≥ 0 ∧
    (remaining > 0 ⇒ untaken = 0). The last conjunct is the prefix property: while shortfall is
    left, every higher-ranked eligible position has been reduced by its whole profit.
    """
    out: list[Obligation] = []

    def inv(
        s0: z3.ArithRef, rem: z3.ArithRef, soc: z3.ArithRef, untaken: z3.ArithRef, cap: z3.ArithRef
    ) -> z3.BoolRef:
        return z3.And(
            soc + rem == s0, soc + untaken == cap, untaken >= 0, rem >= 0, z3.Implies(rem > 0, untaken == 0)
        )

    s = Scope()
    s0 = usdc(s, "shortfall")
    out.append(s.obligation("ADL walk: base", inv(s0, s0, z3.IntVal(0), z3.IntVal(0), z3.IntVal(0)), s0 > 0))

    s = Scope()
    s0, rem, soc = usdc(s, "shortfall"), usdc(s, "remaining"), usdc(s, "socializedSoFar")
    untaken, cap = usdc(s, "untakenProfitSoFar"), usdc(s, "capacitySoFar")
    last_roe = s.sint("previousRoePpm", 256)
    roe = s.sint("roePpm", 256)
    upnl = s.sint("unrealizedPnl", 256, (D6, USDC))
    pending = usdc(s, "pendingHaircut")  # charged by earlier socializations, not yet consumed
    notional = usdc(s, "positionNotional")
    opposite = s.boolean("oppositeSide")
    # AdlEngine.socialize picks, each round, the remaining candidate with the highest ROE: the visit
    # order is ROE-descending (roe ≤ previous); candidates are opposite-side with profit > pending.
    s.assume(inv(s0, rem, soc, untaken, cap), roe <= last_roe, upnl < 2**AMOUNT_BITS)
    s.assume(upnl <= notional)  # a position's profit never exceeds its notional
    eligible = z3.And(opposite, upnl > pending)
    capacity = upnl - pending
    limit = notional if defect == OVER_REDUCE else capacity
    take = s.show("reduction", z3.If(eligible, zmin(rem, limit), 0), (D6, USDC))
    profit = z3.If(eligible, capacity, 0)
    rem2, soc2 = rem - take, soc + take
    untaken2, cap2 = untaken + (profit - take), cap + profit
    witness = z3.And(eligible, rem > 0, pending > 0)
    out.append(
        s.obligation(
            "ADL walk: step preserves the invariant",
            inv(s0, rem2, soc2, untaken2, cap2),
            witness,
            "a position was reduced by more than its unrealized profit",
        )
    )
    out.append(
        s.obligation(
            "each reduction is ≤ the position's unrealized profit (net of earlier haircuts), opposite side "
            "only",
            z3.And(take <= profit, z3.Implies(take > 0, z3.And(pending + take <= upnl, opposite, upnl > 0))),
            witness,
            "a position was reduced by more than its unrealized profit",
        )
    )
    out.append(
        s.obligation(
            "ROE order: a reduction happens only when every higher-ROE eligible position was fully reduced",
            z3.Implies(take > 0, z3.And(untaken == 0, roe <= last_roe)),
            witness,
        )
    )
    s = Scope()
    s0, rem, soc = usdc(s, "shortfall"), usdc(s, "remaining"), usdc(s, "socialized")
    untaken, cap = usdc(s, "untakenProfit"), usdc(s, "capacity")
    s.assume(inv(s0, rem, soc, untaken, cap))
    recorded = s.show("recordedShortfall", rem, (D6, USDC))
    out.append(
        s.obligation(
            "ADL exit: socialized = min(shortfall, capacity), the rest recorded",
            z3.And(soc == zmin(s0, cap), recorded == s0 - soc),
            z3.And(rem > 0, cap > 0),
        )
    )
    return out


# --------------------------------------------------------------------------------------------------
# DEBT-6 custodian solvency, inductive over deposit / withdraw / allocate / release / liquidate

RELEASE_CLAIMED = "release-credits-claimed-amount"
OPERATIONS: tuple[str, ...] = ("deposit", "withdraw", "allocate", "release", "liquidate")


def debt6(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Invariant (per token, custodian = BalanceManager): Σfree + Σlocked + insurance ≤ held, all ≥ 0.

    ``insurance`` is the InsuranceFund's own free balance in the custodian, the counterparty of every
    perp PnL in the shipped vault (losses are forfeited to it, profits paid by it). Each operation is
    one obligation ``invariant ∧ precondition ∧ op ⇒ invariant'``; the user acted on has
    ``free_u ≤ Σfree`` and ``locked_u ≤ Σlocked``. Every debit is guarded by the balance it debits
    (BalanceManager reverts ``InsufficientBalance`` / ``InsufficientLocked`` otherwise).
    """
    out: list[Obligation] = []

    def inv(free: z3.ArithRef, locked: z3.ArithRef, ins: z3.ArithRef, held: z3.ArithRef) -> z3.BoolRef:
        return z3.And(free >= 0, locked >= 0, ins >= 0, free + locked + ins <= held)

    s = Scope()
    free0, locked0 = usdc(s, "totalFree"), usdc(s, "totalLocked")
    ins0, held0 = usdc(s, "insuranceBalance"), s.uint("custodianHolds", 256, (D6, USDC))
    s.assume(free0 == 0, locked0 == 0, ins0 == 0, held0 == 0)  # a fresh deployment: the premise
    out.append(s.obligation("base: empty custodian", inv(free0, locked0, ins0, held0)))

    for op in OPERATIONS:
        s = Scope()
        free, locked, ins = usdc(s, "totalFree"), usdc(s, "totalLocked"), usdc(s, "insuranceBalance")
        held = s.uint("custodianHolds", 256, (D6, USDC))
        free_u, locked_u = usdc(s, "userFree"), usdc(s, "userLocked")
        s.assume(inv(free, locked, ins, held), free_u <= free, locked_u <= locked)
        a = usdc(s, "amount")
        witness: z3.BoolRef = a > 0
        if op == "deposit":
            # credited = the custodian's measured token balance delta
            free2, locked2, ins2, held2 = free + a, locked, ins, held + a
        elif op == "withdraw":
            s.assume(a <= free_u)
            free2, locked2, ins2, held2 = free - a, locked, ins, held - a
        elif op == "allocate":
            s.assume(a <= free_u)  # a = toLock ≤ freeBalance (ALLOC-1)
            free2, locked2, ins2, held2 = free - a, locked + a, ins, held
        elif op == "release":
            # a = the position's effective locked USDC (≤ the user's locked balance, REL-1); `claimed` is
            # the allocation's amount (> a when part of it was virtual-backed and never locked)
            claimed = usdc(s, "allocationAmount")
            loss, profit = usdc(s, "loss"), usdc(s, "profit")
            cap_left = usdc(s, "insuranceBlockCapLeft")
            s.assume(a <= locked_u, a <= claimed)
            unlocked = claimed if defect == RELEASE_CLAIMED else a
            forfeited = zmin(loss, a)  # loss up to the lock goes to the fund (locked → fund)
            paid = zmin(profit, zmin(ins, cap_left))  # InsuranceFund.coverDeficit pays the profit
            # the deficit beyond the lock runs the waterfall: covered by the `liquidate` step below
            free2 = free + (unlocked - forfeited) + paid
            locked2 = locked - a
            ins2 = ins + forfeited - paid
            held2 = held
            witness = z3.And(a > 0, claimed > a)
        else:  # liquidate: _settleCrossAccountDeficit
            from_free, from_coll = usdc(s, "fromFreeUsdc"), usdc(s, "fromCollateral")
            from_ins = usdc(s, "fromInsurance")
            s.assume(from_free + from_coll <= free_u)  # takeFree ≤ free; sale proceeds are already in free_u
            s.assume(from_ins <= ins)  # coverDeficit ≤ the fund's balance
            # free USDC and proceeds → fund; insurance leg is double entry (fund → user → fund);
            # ADL charges winners' future PnL (no custodial claim); the shortfall is a record only
            free2 = free - from_free - from_coll + from_ins - from_ins
            ins2 = ins + from_free + from_coll - from_ins + from_ins
            locked2, held2 = locked, held
            witness = z3.And(from_free > 0, from_ins > 0)
        out.append(
            s.obligation(
                f"step {op}: invariant ∧ {op} ⇒ invariant'",
                inv(free2, locked2, ins2, held2),
                witness,
                "after this step the custodian owes more than it holds",
            )
        )
    return out
