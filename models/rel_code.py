"""REL code obligations over the vault's release entry points.

REL-2 — value conservation on a profitable close, on ``releaseFromPosition``'s executed code (the whole
release, the real ``InsuranceFund.coverDeficit`` paying through the custodian): for pnl > 0,

* the user's change (free USDC gained minus the vault-locked USDC released) plus the profit recorded as
  their claim (``unpaidProfit[user]``) equals pnl exactly;
* the insurance fund's custodian balance falls by exactly the user's change (it is the counterparty);

and ``claimUnpaidProfit`` pays at most what is owed, lowers the claim (and the total) by exactly what it
paid and credits it to the caller's free USDC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from models.code_common import USDC, Shown, code_of
from models.debt_code import sale_contract, waterfall_execution
from vaultproof.spec import ExtractionError, ModelContext, Obligation

VAULT = "BalanceManagerVault"
BM = "BalanceManager"
FUND = "InsuranceFund"


def rel2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation, execute

    # each guarded sale as its contract (proved on its code: sale_contract); the profit leg runs for real
    ex = waterfall_execution(ctx, "releaseFromPosition", modular=True)
    vault, fund = z3.Int(f"{VAULT}.address"), z3.Int(f"{FUND}.address")
    user, pnl = ex.arg("user"), ex.arg("pnl")
    usdc = ex.before(VAULT, "usdc")
    free0, free1 = ex.before(BM, "_free", user, usdc), ex.post(BM, "_free", user, usdc)
    lock0, lock1 = ex.before(BM, "_locked", user, usdc, vault), ex.post(BM, "_locked", user, usdc, vault)
    try:
        owed0, owed1 = ex.before(VAULT, "unpaidProfit", user), ex.post(VAULT, "unpaidProfit", user)
    except ExtractionError:  # no path touches the claim (e.g. code that never records it): it is unchanged
        owed0 = owed1 = z3.Int("unpaidProfit[user] (untouched)")
    fund0, fund1 = ex.before(BM, "_free", fund, usdc), ex.post(BM, "_free", fund, usdc)
    user_change = (free1 - free0) - (lock0 - lock1)
    distinct = z3.And(user != vault, user != fund, fund != vault, ex.before(FUND, "usdc") == usdc)
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("pnl (argument)", pnl, USDC)
    for name, before, after in (
        ("user's free USDC", free0, free1),
        ("user's USDC locked by the vault", lock0, lock1),
        ("unpaidProfit[user]", owed0, owed1),
        ("insurance fund's USDC", fund0, fund1),
    ):
        shown.add(f"{name} before", before, USDC)
        shown.add(f"{name} after", after, USDC)
    out = [
        code_obligation(
            "code: BalanceManagerVault.releaseFromPosition (profit): user's change + recorded unpaid "
            "profit = pnl, "
            "and the insurance fund pays exactly the user's change",
            ex,
            z3.Implies(
                z3.And(ex.ok, pnl > 0, distinct),
                z3.And(user_change + (owed1 - owed0) == pnl, fund1 - fund0 == -user_change),
            ),
            # the case the pre-fix vault got wrong: the fund pays part of the profit only
            witness=z3.And(ex.ok, pnl > 0, distinct, user_change > 0, user_change < pnl),
            shown=shown.tuple(),
            explanation="a profitable close changed the user's value by other than the realised PnL (paid + "
            "recorded claim), or the fund paid other than what the user received",
        )
    ]
    claim = execute(code_of(ctx), f"{VAULT}.claimUnpaidProfit", deployment=ctx.deployment, label="claim")
    sender = claim.env["msg.sender"]
    c_owed0, c_owed1 = claim.before(VAULT, "unpaidProfit", sender), claim.post(VAULT, "unpaidProfit", sender)
    c_free0 = claim.before(BM, "_free", sender, claim.before(VAULT, "usdc"))
    c_free1 = claim.post(BM, "_free", sender, claim.before(VAULT, "usdc"))
    paid = claim.ret("paid")
    total0, total1 = claim.before(VAULT, "totalUnpaidProfit"), claim.post(VAULT, "totalUnpaidProfit")
    c_shown = Shown()
    c_shown.add("msg.sender", sender)
    c_shown.add("unpaidProfit before", c_owed0, USDC)
    c_shown.add("unpaidProfit after", c_owed1, USDC)
    c_shown.add("caller's free USDC before", c_free0, USDC)
    c_shown.add("caller's free USDC after", c_free1, USDC)
    c_shown.add("paid (returned)", paid, USDC)
    c_fund = z3.Int(f"{FUND}.address")
    out.append(
        code_obligation(
            "code: BalanceManagerVault.claimUnpaidProfit pays ≤ the claim, lowers it (and the total) "
            "by paid, "
            "credits paid",
            claim,
            z3.Implies(
                z3.And(claim.ok, sender != c_fund, sender != vault),
                z3.And(
                    paid <= c_owed0,
                    c_owed1 == c_owed0 - paid,
                    total1 == total0 - paid,
                    c_free1 == c_free0 + paid,
                ),
            ),
            witness=z3.And(claim.ok, paid > 0, sender != c_fund, sender != vault),
            shown=c_shown.tuple(),
            explanation="claiming unpaid profit paid more than owed or did not settle the claim by what it "
            "paid",
        )
    )
    return out + sale_contract(ctx)


# --------------------------------------------------------------------------------------------------
# REL-1, REL-3, REL-4 on the code (issue 15, branch issue15-vault)


def sale_frame(ctx: ModelContext) -> list[Obligation]:
    """The frame of the waterfall's guarded-sale summary, on ``sellCollateralGuarded``'s own code: a sale
    writes no vault storage (allocations, accounts) and no USDC lock held by the vault. The order book is
    unknown code that may move any custodian free balance (declared; the shipped OrderBook locks and
    unlocks only under ``locker = address(this)``, the book itself — OrderBook.sol's order placement and
    fills)."""
    from vaultproof.spec import Havoc, code_obligation, execute

    sale = execute(
        code_of(ctx),
        f"{VAULT}.sellCollateralGuarded",
        deployment=ctx.deployment,
        havoc={"IOrderBook": Havoc(writes=((BM, "_free"),))},
        env={"msg.sender": z3.Int(f"{VAULT}.address")},
        label="saleframe",
    )
    from models.alloc_code import unchanged

    vault = z3.Int(f"{VAULT}.address")
    who, token, key = (z3.Int(f"saleframe.{n}") for n in ("someUser", "someToken", "somePosKey"))
    same = [unchanged(sale, BM, "_locked", who, token, vault)]
    same += [
        unchanged(sale, VAULT, "positionAllocations", key, f)
        for f in ("amount", "usdcLocked", "lockVersion", "mode", "exists")
    ]
    same += [
        unchanged(sale, VAULT, "accounts", who, f)
        for f in ("totalAllocated", "crossMarginAllocated", "isolatedAllocated")
    ]
    shown = Shown()
    shown.add("user (argument)", sale.arg("user"))
    shown.add("remainingDeficit (argument)", sale.arg("remainingDeficit"), USDC)
    shown.add("some user's vault lock before", sale.before(BM, "_locked", who, token, vault), USDC)
    shown.add("some user's vault lock after", sale.post(BM, "_locked", who, token, vault), USDC)
    return [
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded writes no allocation, account or vault lock "
            "(the frame of the waterfall's sale summary)",
            sale,
            z3.Implies(sale.ok, z3.And(*same)),
            shown=shown.tuple(),
            explanation="a guarded sale changed the vault's bookkeeping or a lock the vault holds",
        )
    ]


def release_shown(ctx: ModelContext, ex: Any) -> Shown:
    from models.alloc_code import effective, record

    vault = z3.Int(f"{VAULT}.address")
    user, key = ex.arg("user"), ex.arg("posKey")
    usdc = ex.before(VAULT, "usdc")
    shown = Shown()
    for name in ex.args:
        if name != "$":
            shown.add(f"{name} (argument)", ex.arg(name), USDC if name == "pnl" else (0, ""))
    rec0, rec1 = record(ex.before, key), record(ex.post, key)
    for when, rec in (("before", rec0), ("after", rec1)):
        shown.add(f"allocation amount {when}", rec["amount"], USDC)
        shown.add(f"allocation usdcLocked {when}", rec["usdcLocked"], USDC)
        shown.add(f"allocation lockVersion {when}", rec["lockVersion"])
        shown.add(f"allocation mode {when} (1 = ISOLATED)", rec["mode"])
        shown.add(f"allocation exists {when}", rec["exists"])
    shown.add("effective locked before", effective(ctx, rec0), USDC)
    shown.add("user's free USDC before", ex.before(BM, "_free", user, usdc), USDC)
    shown.add("user's free USDC after", ex.post(BM, "_free", user, usdc), USDC)
    shown.add("user's USDC locked by the vault before", ex.before(BM, "_locked", user, usdc, vault), USDC)
    shown.add("user's USDC locked by the vault after", ex.post(BM, "_locked", user, usdc, vault), USDC)
    return shown


def release_obligation(
    ctx: ModelContext,
    entry: str,
    ex: Any,
    claim: str,
    goal: Any,
    *cases: Any,
    witness: Any,
    explanation: str,
    assumptions: Sequence[Any] = (),
) -> Obligation:
    """A claim about one release entry point's execution ``ex`` (REL-1/REL-4, and BF's legacy-record rule
    over the same entry points): ``goal`` on every completing run in ``cases``, shown with the release's
    values (``release_shown``)."""
    from vaultproof.spec import code_obligation

    reach = z3.And(ex.ok, *cases) if cases else ex.ok
    return code_obligation(
        f"code: BalanceManagerVault.{entry} {claim}",
        ex,
        z3.Implies(reach, goal),
        assumptions=assumptions,
        witness=witness,
        shown=release_shown(ctx, ex).tuple(),
        explanation=explanation,
    )


def locked_before_after(ex: Any) -> tuple[Any, Any]:
    """The user's USDC locked in the vault before and after the execution."""
    vault = z3.Int(f"{VAULT}.address")
    user, usdc = ex.arg("user"), ex.before(VAULT, "usdc")
    return ex.before(BM, "_locked", user, usdc, vault), ex.post(BM, "_locked", user, usdc, vault)


def released_from_lock(ex: Any) -> Any:
    """USDC that left the vault's lock for the user (unlocked to them or forfeited to insurance)."""
    before, after = locked_before_after(ex)
    return before - after


def _waterfall_summaries_proved(ctx: ModelContext) -> list[Obligation]:
    """The obligations that prove the waterfall's summaries on the callees' code (see
    ``models.alloc_code.release_step_executions``)."""
    return [*sale_contract(ctx), *sale_frame(ctx)]


def rel1_code(ctx: ModelContext) -> list[Obligation]:
    """REL-1 on the release entry points' code: a close (releaseFromPosition, deallocateFromPosition) takes
    exactly the position's effective locked USDC out of the vault's lock — unlocked plus forfeited — and a
    partial close takes at most that (⌊locked·f/PPM⌋); never more, whatever the pnl and the waterfall."""
    from models.alloc_code import effective, record, release_step_executions

    out: list[Obligation] = []
    for entry, ex in release_step_executions(ctx).items():
        rec0 = record(ex.before, ex.arg("posKey"))
        eff = effective(ctx, rec0)
        released = released_from_lock(ex)
        lemmas: list[Any] = []
        if entry == "partialReleaseFromPosition":
            goal = z3.And(released >= 0, released <= eff)
            what = "at most the position's effective locked USDC"
            lemmas.append(_floor_bounds(ctx, eff, ex.arg("fractionPpm")))  # floor_lemma, proved below
            lemmas.append(_strict_part_instance(ctx, rec0["amount"], ex.arg("fractionPpm")))  # proved below
        else:
            goal = released == eff
            what = "exactly the position's effective locked USDC (unlocked + forfeited), never more"
        partly_virtual = z3.And(
            rec0["lockVersion"] != 0, rec0["usdcLocked"] > 0, rec0["usdcLocked"] < rec0["amount"]
        )
        if entry == "partialReleaseFromPosition":
            out += partial_release_cases(
                ctx,
                ex,
                f"takes {what} out of the vault's lock",
                goal,
                assumptions=lemmas,
                explanation=f"{entry} unlocked or forfeited more USDC than the position had locked",
            )
            continue
        out.append(
            release_obligation(
                ctx,
                entry,
                ex,
                f"takes {what} out of the vault's lock",
                goal,
                assumptions=lemmas,
                witness=z3.And(ex.ok, partly_virtual),
                explanation=f"{entry} unlocked or forfeited more USDC than the position had locked: it takes "
                "from the user's other positions' locks",
            )
        )
    return [*out, floor_lemma(ctx), *partial_rounding_lemma(ctx), *_waterfall_summaries_proved(ctx)]


def rel3_code(ctx: ModelContext) -> list[Obligation]:
    """REL-3 on releaseFromPosition's code: a CROSS position with nothing locked closed at a loss unlocks and
    forfeits nothing, and settles the whole loss through the cross-account waterfall — exactly one
    DeficitSettled, for deficit = −pnl, that used the user's free USDC first (min(free, −pnl))."""
    from models.alloc_code import effective, record, release_step_executions
    from vaultproof.spec import code_obligation

    ex = release_step_executions(ctx)["releaseFromPosition"]
    user, pnl = ex.arg("user"), ex.arg("pnl")
    rec0 = record(ex.before, ex.arg("posKey"))
    free0 = ex.before(BM, "_free", user, ex.before(VAULT, "usdc"))
    loss = -pnl
    case = z3.And(rec0["mode"] != 1, effective(ctx, rec0) == 0, pnl < 0)
    settled = ex.events_named("DeficitSettled")
    forfeits = ex.events_named("LossForfeited")
    from_free = z3.If(free0 < loss, free0, loss)
    shown = release_shown(ctx, ex)
    for i, e in enumerate(settled):
        shown.add(f"DeficitSettled#{i} emitted", e.when)
        shown.add(f"DeficitSettled#{i}.deficit", e["deficit"], USDC)
        shown.add(f"DeficitSettled#{i}.fromFreeUsdc", e["fromFreeUsdc"], USDC)
    count = sum((z3.If(e.when, 1, 0) for e in settled), z3.IntVal(0))
    goal = z3.And(
        released_from_lock(ex) == 0,
        *[z3.Not(e.when) for e in forfeits],
        count == 1,
        *[z3.Implies(e.when, z3.And(e["deficit"] == loss, e["fromFreeUsdc"] == from_free)) for e in settled],
    )
    return [
        code_obligation(
            "code: BalanceManagerVault.releaseFromPosition (CROSS, fully virtual-backed, loss) settles the "
            "whole loss as the cross-account deficit (one DeficitSettled: deficit = −pnl, free USDC first)",
            ex,
            z3.Implies(z3.And(ex.ok, case), goal),
            witness=z3.And(ex.ok, case, free0 > 0, free0 < loss),
            shown=shown.tuple(),
            explanation="a loss on a position with nothing locked was not routed whole to the account's "
            "deficit waterfall",
        ),
        *_waterfall_summaries_proved(ctx),
    ]


def _strict_part_instance(ctx: ModelContext, y: Any, f: Any) -> Any:
    from models.alloc_code import _strict_part_instance as instance

    return instance(ctx, y, f)


def partial_rounding_lemma(ctx: ModelContext) -> list[Obligation]:
    from models.alloc_code import partial_rounding_lemma as lemmas

    return lemmas(ctx)


def _floor_share(ctx: ModelContext, x: Any, f: Any) -> Any:
    """⌊x·f/PPM⌋, the model of ``LockMath.partialUnlock`` (tied to its code by extraction)."""
    return (x * f) / ctx.param("LockMath.PPM")


def _floor_bounds(ctx: ModelContext, x: Any, f: Any) -> Any:
    ppm = ctx.param("LockMath.PPM")
    q = _floor_share(ctx, x, f)
    return z3.Implies(
        z3.And(x >= 0, f >= 0, f <= ppm), z3.And(q * ppm <= x * f, x * f < (q + 1) * ppm, q >= 0, q <= x)
    )


def partial_release_cases(
    ctx: ModelContext, ex: Any, claim: str, goal: Any, *, assumptions: Sequence[Any], explanation: str
) -> list[Obligation]:
    """A claim about ``partialReleaseFromPosition`` stated once per case of ``version_fraction_cases``: the
    same goal, each case a smaller nonlinear query for the solver, witnessed by a release that takes
    something out of the lock."""
    from models.alloc_code import record

    rec0 = record(ex.before, ex.arg("posKey"))
    f, ppm = ex.arg("fractionPpm"), ctx.param("LockMath.PPM")
    return [
        release_obligation(
            ctx,
            "partialReleaseFromPosition",
            ex,
            f"({case}) {claim}",
            goal,
            cond,
            assumptions=assumptions,
            witness=z3.And(ex.ok, cond, released_from_lock(ex) > 0),
            explanation=explanation,
        )
        for case, cond in version_fraction_cases(rec0["lockVersion"], f, ppm)
    ]


def version_fraction_cases(version: Any, f: Any, ppm: int) -> tuple[tuple[str, Any], ...]:
    """The four cases of a partial close: a legacy record (lockVersion 0) or not, a strict part or all."""
    return (
        ("legacy record, f < PPM", z3.And(version == 0, f < ppm)),
        ("legacy record, f = PPM", z3.And(version == 0, f >= ppm)),
        ("post-upgrade record, f < PPM", z3.And(version != 0, f < ppm)),
        ("post-upgrade record, f = PPM", z3.And(version != 0, f >= ppm)),
    )


def floor_lemma(ctx: ModelContext) -> Obligation:
    """q = ⌊x·f/PPM⌋ satisfies q·PPM ≤ x·f < (q+1)·PPM and 0 ≤ q ≤ x for 0 ≤ f ≤ PPM: the one nonlinear step
    of REL-4 (and of REL-1's partial close), proved on its own."""
    from vaultproof.spec import Obligation, Quantity

    x, f = z3.Int("lemma.locked"), z3.Int("lemma.fractionPpm")
    return Obligation(
        name="lemma (partialReleaseFromPosition): q = ⌊locked·f/PPM⌋ ⇒ q·PPM ≤ locked·f < (q+1)·PPM, "
        "q ≤ locked",
        assumptions=(x >= 0, x < 2**128, f >= 0, f <= ctx.param("LockMath.PPM")),
        goal=_floor_bounds(ctx, x, f),
        witness=z3.And(x > 0, f > 0, (x * f) % ctx.param("LockMath.PPM") != 0),
        shown=(Quantity("locked", x, 6, "USDC"), Quantity("fractionPpm", f, 0, "")),
        explanation="rounding a partial release down released more than its fraction of the lock",
    )


def rel4_code(ctx: ModelContext) -> list[Obligation]:
    """REL-4 on partialReleaseFromPosition's code: closing fractionPpm/PPM of a position takes exactly
    ⌊locked·f/PPM⌋ out of the vault's lock (locked = the effective locked USDC) and keeps locked − that with
    the remaining position (the rounding dust stays locked); with the floor lemma (``floor_lemma``) that is
    released·PPM ≤ locked·f < (released + 1)·PPM — rounded down by less than one unit."""
    from models.alloc_code import effective, record, release_step_executions

    ex = release_step_executions(ctx)["partialReleaseFromPosition"]
    key, f = ex.arg("posKey"), ex.arg("fractionPpm")
    rec0, rec1 = record(ex.before, key), record(ex.post, key)
    eff = effective(ctx, rec0)
    released = released_from_lock(ex)
    share = _floor_share(ctx, eff, f)
    out = partial_release_cases(
        ctx,
        ex,
        "releases exactly ⌊locked·f/PPM⌋ of the position's effective lock and keeps the rest locked with "
        "the position",
        z3.And(released == share, z3.Implies(rec1["exists"], rec1["usdcLocked"] == eff - released)),
        # partial_rounding_lemma (proved below): a strict part leaves some amount, so the record stays
        assumptions=[_strict_part_instance(ctx, rec0["amount"], f)],
        explanation="a partial close released other than its fraction of the position's lock rounded "
        "down, or the remaining position lost its dust",
    )
    return [
        *out,
        floor_lemma(ctx),
        *partial_rounding_lemma(ctx),
        *_waterfall_summaries_proved(ctx),
    ]
