"""CONV code obligations: the collateral conversion's stages as pre/post contracts of the vault's code.

CONV-7 — a stale collateral price skips that collateral and never bricks the liquidation:

* ``PriceOracle.tryGetFreshPrice`` never reverts, and answers ``(true, price, decimals)`` exactly when the
  stored price is non-zero and fresh (``updatedAt ≥ now`` or ``now − updatedAt ≤ maxStaleness``), else
  ``(false, 0, 0)``;
* ``BalanceManagerVault.sellCollateralGuarded`` (the guarded self-call ``_coverDeficitWithCollateral``
  makes per collateral; ``_planSale`` decides the sale) with the collateral's oracle price stale or zero:
  it does not revert, returns 0, calls no order book, moves no custodian balance and emits nothing — the
  loop of ``_coverDeficitWithCollateral`` then simply continues with the next collateral.

The order book behind ``PoolManager.getPool`` is not bound by the deployment map (a pool is created at
run time): it is unknown code that may revert or move any custodian balance (``Havoc``).
"""

from __future__ import annotations

from typing import Any

import z3

from models.code_common import RAW, USDC, Shown, code_of
from vaultproof.spec import ModelContext, Obligation

ORACLE = "PriceOracle"
VAULT = "BalanceManagerVault"
QRE = "QuantumRiskEngine"
BM = "BalanceManager"


def _fresh(ex: Any, symbol: Any) -> tuple[Any, Any, Any]:
    """(stored price, stored decimals, is fresh) of ``symbol`` in the oracle's pre-state."""
    price = ex.before(ORACLE, "_prices", symbol, "price")
    decimals = ex.before(ORACLE, "_prices", symbol, "decimals")
    updated = ex.before(ORACLE, "_prices", symbol, "updatedAt")
    now = ex.env["block.timestamp"]
    fresh = z3.Or(updated >= now, now - updated <= ex.before(ORACLE, "maxStaleness"))
    return price, decimals, fresh


def conv7_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import Havoc, check_obligations, code_obligation, execute

    out: list[Obligation] = []
    read = execute(code_of(ctx), f"{ORACLE}.tryGetFreshPrice", deployment=ctx.deployment)
    symbol = read.arg("symbol")
    price, decimals, fresh = _fresh(read, symbol)
    shown = Shown()
    shown.add("symbol (argument)", symbol)
    shown.add("block.timestamp", read.env["block.timestamp"])
    shown.add("maxStaleness", read.before(ORACLE, "maxStaleness"))
    shown.add("stored price before", price)
    shown.add("stored updatedAt before", read.before(ORACLE, "_prices", symbol, "updatedAt"))
    shown.add("stored price after (a view: unchanged)", read.post(ORACLE, "_prices", symbol, "price"))
    shown.add("fresh (returned)", read.ret("fresh"))
    shown.add("price (returned)", read.ret("price"))
    out.append(
        code_obligation(
            "code: PriceOracle.tryGetFreshPrice never reverts",
            read,
            read.ok,
            witness=z3.BoolVal(True),
            shown=shown.tuple(),
            explanation="tryGetFreshPrice reverts: a stale or missing feed would brick the liquidation",
        )
    )
    answer = z3.If(
        z3.And(price > 0, fresh),
        z3.And(read.ret("fresh"), read.ret("price") == price, read.ret("decimals") == decimals),
        z3.And(z3.Not(read.ret("fresh")), read.ret("price") == 0, read.ret("decimals") == 0),
    )
    out.append(
        code_obligation(
            "code: PriceOracle.tryGetFreshPrice answers fresh exactly for a non-zero fresh price, "
            "else (false, 0, 0)",
            read,
            z3.Implies(read.ok, answer),
            witness=z3.And(read.ok, price > 0, z3.Not(fresh)),
            shown=shown.tuple(),
            explanation="the oracle reports a stale or zero price as fresh, or a fresh one as stale",
        )
    )

    book = Havoc(writes=((BM, "_free"), (BM, "_locked")))
    sale = execute(
        code_of(ctx),
        f"{VAULT}.sellCollateralGuarded",
        deployment=ctx.deployment,
        havoc={"IOrderBook": book},
        env={"msg.sender": z3.Int(f"{VAULT}.address")},  # the guarded self-call
        label="sale",
    )
    token, user = sale.arg("token"), sale.arg("user")
    sym = sale.before(QRE, "_configs", token, "priceSymbol")
    stored, _, is_fresh = _fresh(sale, sym)
    stale = z3.Or(stored == 0, z3.Not(is_fresh))
    enabled = sale.before(QRE, "_configs", token, "enabled")
    oracle_set = sale.before(VAULT, "priceOracle") != 0
    who, what = z3.Int("any.account"), z3.Int("any.token")
    untouched = z3.And(
        sale.post(BM, "_free", who, what) == sale.before(BM, "_free", who, what),
        sale.post(BM, "_locked", who, what, z3.Int("any.locker"))
        == sale.before(BM, "_locked", who, what, z3.Int("any.locker")),
    )
    sale_shown = Shown()
    sale_shown.add("user (argument)", user)
    sale_shown.add("token (argument)", token)
    sale_shown.add("remainingDeficit (argument)", sale.arg("remainingDeficit"), USDC)
    sale_shown.add("collateral enabled", enabled)
    sale_shown.add("block.timestamp", sale.env["block.timestamp"])
    sale_shown.add("oracle maxStaleness", sale.before(ORACLE, "maxStaleness"))
    sale_shown.add("stored price before", stored)
    sale_shown.add("stored updatedAt before", sale.before(ORACLE, "_prices", sym, "updatedAt"))
    sale_shown.add("user's free collateral before", sale.before(BM, "_free", user, token), RAW)
    sale_shown.add("user's free collateral after", sale.post(BM, "_free", user, token), RAW)
    sale_shown.add("paid (returned)", sale.ret("paid"), USDC)
    sale_shown.add("events emitted", z3.IntVal(len(sale.events)))
    quiet = z3.And(*[z3.Not(event.when) for event in sale.events]) if sale.events else z3.BoolVal(True)
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded skips a collateral whose price is stale or zero "
            "(no revert, paid 0, no balance moved, no event)",
            sale,
            z3.Implies(stale, z3.And(sale.ok, sale.ret("paid") == 0, untouched, quiet)),
            assumptions=[oracle_set],
            witness=z3.And(stale, enabled, sale.before(BM, "_free", user, token) > 0),
            shown=sale_shown.tuple(),
            explanation="a stale collateral price made the guarded sale revert or sell anyway",
        )
    )
    out += check_obligations(read, shown=shown.tuple(), label="tryGetFreshPrice")
    return out + conv7_release(ctx)


def conv7_release(ctx: ModelContext) -> list[Obligation]:
    """The collateral loop as the release runs it: no revert of the release comes from the collateral stage
    (a stale price, a failing sale, a reverting risk engine are all skipped), whatever the prices."""
    from models.debt_code import sale_contract, waterfall_execution
    from vaultproof.spec import code_obligation

    # each guarded sale as its contract (proved on its code, below): what is checked is the loop around it
    ex = waterfall_execution(ctx, "releaseFromPosition", modular=True)
    stage = ("_coverDeficitWithCollateral", "_planSale", "_sizeSale", "sellCollateralGuarded")
    # A risk engine address without code (or answering undecodable data) reverts the release at the
    # `try getEnabledCollaterals()` call itself — try/catch cannot catch it. That is a misconfiguration of the
    # engine address, not a stale price: outside CONV-7, reported as its own finding (issue 15 report).
    misconfigured = ("no code at the target", "does not decode")
    inside = [
        r
        for r in ex.reverts
        if any(f"{VAULT}.{fn} " in r.where for fn in stage)
        and not ("getEnabledCollaterals" in r.where and any(m in r.reason for m in misconfigured))
    ]
    shown = Shown()
    shown.add("pnl (argument)", ex.arg("pnl"), USDC)
    for index, r in enumerate(inside):
        shown.add(f"collateral-stage revert #{index} ({r.reason})", r.when)
    return [
        code_obligation(
            "code: BalanceManagerVault.releaseFromPosition: the collateral stage never reverts the release "
            "(stale prices and failed sales are skipped)",
            ex,
            z3.Not(z3.Or(*[r.when for r in inside])) if inside else z3.BoolVal(True),
            witness=ex.ok,
            shown=shown.tuple(),
            explanation="a collateral (stale price, failed sale) bricked the liquidation",
        ),
        *sale_contract(ctx),
    ]
