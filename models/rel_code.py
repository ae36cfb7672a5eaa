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
