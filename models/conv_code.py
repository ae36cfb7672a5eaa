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

from collections.abc import Sequence
from typing import Any

import z3

from models.code_common import RAW, USDC, Shown, code_of
from vaultproof.spec import ModelContext, Obligation, Quantity

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


# --------------------------------------------------------------------------------------------------
# CONV-1 — the price floor on realised proceeds, on the guarded sale's code

BPS = 10_000
# (baseDecimals, quoteDecimals, priceDecimals) as models.conv.DECIMAL_CASES: WBTC and WETH against USDC.
CASES: tuple[tuple[int, int, int], ...] = ((8, 6, 8), (18, 6, 8))


def decimals_storage(label: str, case: tuple[int, int, int] | None) -> dict[tuple[Any, ...], Any] | None:
    """Pre-state cells fixing one decimals case for the sold token (its config at ``bd``, its feed at ``pd``,
    the vault's quote at ``qd``): the same as assuming them, but ``10 ** decimals`` folds to a constant."""
    if case is None:
        return None
    bd, qd, pd = case
    token = z3.Int(f"{label}.token")
    symbol = z3.Select(z3.Array(f"{QRE}._configs[].priceSymbol", z3.IntSort(), z3.IntSort()), token)
    return {
        (QRE, "_configs", token, "decimals"): bd,
        (ORACLE, "_prices", symbol, "decimals"): pd,
        (VAULT, "collateralDecimals"): qd,
    }


def guarded_sale(ctx: ModelContext, label: str = "sale", case: tuple[int, int, int] | None = None) -> Any:
    """``sellCollateralGuarded`` as the conversion loop calls it (``msg.sender`` = the vault), with the
    order book unknown code: it may revert, answer anything, and move any custodian balance."""
    from vaultproof.spec import Havoc, execute

    return execute(
        code_of(ctx),
        f"{VAULT}.sellCollateralGuarded",
        deployment=ctx.deployment,
        havoc={"IOrderBook": Havoc(writes=((BM, "_free"), (BM, "_locked")))},
        env={"msg.sender": z3.Int(f"{VAULT}.address")},
        storage=decimals_storage(label, case),
        label=label,
    )


class SaleTerms:
    """The quantities of one guarded sale that CONV-1/CONV-3 speak about, read off its execution."""

    def __init__(self, sale: Any) -> None:
        self.sale = sale
        self.user, self.token = sale.arg("user"), sale.arg("token")
        self.remaining = sale.arg("remainingDeficit")
        self.usdc = sale.before(VAULT, "usdc")
        self.fund = sale.before(VAULT, "insuranceFund")
        self.symbol = sale.before(QRE, "_configs", self.token, "priceSymbol")
        self.price = sale.before(ORACLE, "_prices", self.symbol, "price")
        self.price_decimals = sale.before(ORACLE, "_prices", self.symbol, "decimals")
        self.base_decimals = sale.before(QRE, "_configs", self.token, "decimals")
        self.quote_decimals = sale.before(VAULT, "collateralDecimals")
        self.liq_factor = sale.before(QRE, "_configs", self.token, "liqFactorBps")
        self.slippage = sale.before(VAULT, "maxCollateralSellSlippageBps")
        self.usdc0 = sale.before(BM, "_free", self.user, self.usdc)
        self.usdc1 = sale.post(BM, "_free", self.user, self.usdc)
        self.base0 = sale.before(BM, "_free", self.user, self.token)
        self.base1 = sale.post(BM, "_free", self.user, self.token)
        self.fund0 = sale.before(BM, "_free", self.fund, self.usdc)
        self.fund1 = sale.post(BM, "_free", self.fund, self.usdc)
        (self.event,) = sale.events_named("CollateralSold")
        self.sold = self.event["qtySold"]
        self.received = self.event["usdcReceived"]
        self.paid = self.event["toInsurance"]
        self.sold_happens = z3.And(sale.ok, self.event.when)

    def governance(self) -> list[z3.BoolRef]:
        """What the setters enforce on the stored configuration (QuantumRiskEngine.setCollateral,
        setMaxCollateralSellSlippageBps), and the loop's calling convention (never USDC itself; the user is
        never the insurance fund)."""
        return [
            self.liq_factor >= 1,
            self.liq_factor <= BPS,
            self.slippage <= BPS,
            self.token != self.usdc,
            self.user != self.fund,
        ]

    def decimals(self, bd: int, qd: int, pd: int) -> list[z3.BoolRef]:
        return [self.base_decimals == bd, self.quote_decimals == qd, self.price_decimals == pd]

    def show(self, shown: Shown, base: tuple[int, str]) -> Shown:
        s = self.sale
        shown.add("user (argument)", self.user)
        shown.add("token (argument)", self.token)
        shown.add("remainingDeficit (argument)", self.remaining, USDC)
        shown.add("oracle price before (raw, its decimals)", self.price)
        shown.add("oracle decimals", self.price_decimals)
        shown.add("collateral decimals (QRE config)", self.base_decimals)
        shown.add("liqFactorBps (QRE config)", self.liq_factor)
        shown.add("maxCollateralSellSlippageBps", self.slippage)
        shown.add("block.timestamp", s.env["block.timestamp"])
        shown.add("user's free collateral before", self.base0, base)
        shown.add("user's free collateral after", self.base1, base)
        shown.add("user's free USDC before", self.usdc0, USDC)
        shown.add("user's free USDC after", self.usdc1, USDC)
        shown.add("insurance fund's USDC before", self.fund0, USDC)
        shown.add("insurance fund's USDC after", self.fund1, USDC)
        shown.add("CollateralSold emitted", self.event.when)
        shown.add("CollateralSold.qtySold", self.sold, base)
        shown.add("CollateralSold.usdcReceived", self.received, USDC)
        shown.add("CollateralSold.toInsurance", self.paid, USDC)
        shown.add("paid (returned)", s.ret("paid"), USDC)
        return shown


def floor_met(received: Any, sold: Any, price: Any, lf: Any, bd: int, qd: int, pd: int) -> Any:
    """received ≥ ⌈sold × price × lf / 10^4⌉ in quote units (integers: received·den ≥ num)."""
    return received * (10**bd * 10**pd * BPS) >= sold * price * lf * 10**qd


def conv1_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    out: list[Obligation] = []
    for bd, qd, pd in CASES:
        sale = guarded_sale(ctx, label=f"sale{bd}", case=(bd, qd, pd))
        t = SaleTerms(sale)
        tag = f"[base {bd}dp, quote {qd}dp, oracle {pd}dp]"
        unit = (bd, {8: "WBTC", 18: "WETH"}.get(bd, "BASE"))
        shown = t.show(Shown(), unit).tuple()
        # The floor the code checks uses the effective factor (the proved contract of _effectiveLiqFactor,
        # below); that it is never looser than the asset's own is the lemma `monotone_floor` (proved
        # below over free variables), instantiated here at the sale's terms.
        eff = effective(t.liq_factor, t.slippage)
        lemma = t.sold * t.price * eff * 10**qd >= t.sold * t.price * t.liq_factor * 10**qd
        out.append(
            code_obligation(
                f"code: BalanceManagerVault.sellCollateralGuarded: every sale realises ≥ ⌈sold × "
                f"oraclePrice × "
                f"liqFactorBps / 10^4⌉ USDC {tag}",
                sale,
                z3.Implies(
                    t.sold_happens,
                    z3.And(t.sold > 0, floor_met(t.received, t.sold, t.price, t.liq_factor, bd, qd, pd)),
                ),
                assumptions=[*t.governance(), *t.decimals(bd, qd, pd), z3.Implies(t.sold_happens, lemma)],
                witness=z3.And(t.sold_happens, t.sold > 0),
                shown=shown,
                explanation="a completed collateral sale realised less than qty × oracle × "
                "liqFactorBps / 1e4",
            )
        )
    out.append(monotone_floor())
    # the book's side of the floor (issue 15): its walk fills a SELL only at levels priced ≥ minPrice =
    # floorPrice, proved by induction over the levels on OrderBook's code (models/book_code.py)
    out += book_floor(ctx)
    # realised proceeds and the quantity sold are the user's balance deltas across the book call: after
    # the sale the user holds USDC before + received − paid (the payment is the only other USDC move) and
    # base before − sold — whatever the book returns (its return value is never read)
    sale = guarded_sale(ctx, label="sale")
    t = SaleTerms(sale)
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded: proceeds and quantity are balance deltas (USDC "
            "after = before + received − paid; base after = before − sold)",
            sale,
            z3.Implies(
                t.sold_happens,
                z3.And(t.usdc1 == t.usdc0 + t.received - t.paid, t.base1 == t.base0 - t.sold),
            ),
            assumptions=t.governance(),
            witness=z3.And(t.sold_happens, t.paid > 0),
            shown=t.show(Shown(), RAW).tuple(),
            explanation="the vault's realised proceeds are not the user's USDC balance delta",
        )
    )
    out += effective_liq_factor(ctx)
    return out


def effective(lf: Any, slippage: Any) -> Any:
    """_effectiveLiqFactor's proved contract: min(max(liqFactorBps, BPS − slippage), BPS)."""
    f = z3.If(lf > BPS - slippage, lf, BPS - slippage)
    return z3.If(f > BPS, BPS, f)


def monotone_floor() -> Obligation:
    """Lemma: the effective factor's floor is never below the asset's floor (for every quantity and price)."""
    from vaultproof.spec import Scope

    s = Scope()
    sold = s.uint("sold", 256)
    price = s.uint("oraclePrice", 256)
    lf = s.uint("liqFactorBps", 16)
    slip = s.uint("maxCollateralSellSlippageBps", 16)
    s.assume(lf >= 1, lf <= BPS, slip <= BPS)
    eff = s.show("effectiveLiqFactorBps", effective(lf, slip))
    return s.obligation(
        "lemma: sold × price × effectiveLiqFactor ≥ sold × price × liqFactorBps (the checked floor is never "
        "looser than the asset's)",
        sold * price * eff >= sold * price * lf,
        z3.And(sold > 0, price > 0, eff > lf),
        "the vault's effective liquidation factor loosens the asset's floor",
    )


def effective_liq_factor(ctx: ModelContext) -> list[Obligation]:
    """``_effectiveLiqFactor`` on its code: max(liqFactorBps, BPS − slippage) capped at BPS, never looser
    than the asset's factor, its uint16 cast exact; the only revert is BPS − slippage < 0 (slippage > BPS,
    which the setter refuses)."""
    from vaultproof.spec import code_obligation, execute

    ex = execute(code_of(ctx), f"{VAULT}._effectiveLiqFactor", deployment=ctx.deployment, label="eff")
    lf, slip = ex.arg("liqFactorBps"), ex.arg("maxSlippageBps")
    shown = Shown()
    shown.add("liqFactorBps (argument)", lf)
    shown.add("maxSlippageBps (argument)", slip)
    shown.add("effective liqFactorBps (returned)", ex.ret(0))
    return [
        code_obligation(
            "code: BalanceManagerVault._effectiveLiqFactor = min(max(liqFactorBps, BPS − slippage), BPS), "
            "never below liqFactorBps, and does not revert for slippage ≤ BPS",
            ex,
            z3.And(
                ex.ok,
                ex.ret(0) == effective(lf, slip),
                z3.Implies(lf <= BPS, z3.And(ex.ret(0) >= lf, ex.ret(0) <= BPS)),
            ),
            assumptions=[slip <= BPS],
            witness=z3.And(ex.ok, lf > 0, lf < BPS - slip),
            shown=shown.tuple(),
            explanation="the effective liquidation factor is looser than the asset's own",
        )
    ]


# --------------------------------------------------------------------------------------------------
# CONV-3 — proceeds by balance delta; insurance gets min(received, remaining); the surplus stays


def conv3_code(ctx: ModelContext) -> list[Obligation]:
    """On ``sellCollateralGuarded``'s code, whatever the (unknown) book answers or returns: the payment is
    ``min(received, remainingDeficit)`` of the balance-delta proceeds, it is what the call returns, and the
    user keeps ``received − paid`` on top of their USDC before the sale."""
    from vaultproof.spec import code_obligation

    out: list[Obligation] = []
    sale = guarded_sale(ctx, label="sale")
    t = SaleTerms(sale)
    shown = t.show(Shown(), RAW).tuple()
    minimum = z3.If(t.received < t.remaining, t.received, t.remaining)
    # the same statement for the WBTC decimals case, where `10 ** decimals` folds: a broken payment is found
    # there quickly (the general statement is proved below for every decimals)
    wbtc = guarded_sale(ctx, label="sale8", case=CASES[0])
    w = SaleTerms(wbtc)
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded pays insurance min(received, remainingDeficit) "
            "[base 8dp, quote 6dp, oracle 8dp]",
            wbtc,
            z3.Implies(
                w.sold_happens,
                z3.And(
                    w.paid == z3.If(w.received < w.remaining, w.received, w.remaining),
                    wbtc.ret("paid") == w.paid,
                ),
            ),
            assumptions=[*w.governance(), *w.decimals(*CASES[0])],
            witness=z3.And(w.sold_happens, w.received != w.remaining, w.paid > 0),
            shown=w.show(Shown(), (8, "WBTC")).tuple(),
            explanation="insurance was paid something other than min(received, remaining)",
        )
    )
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded pays insurance min(received, "
            "remainingDeficit) of "
            "the balance-delta proceeds, and returns it",
            sale,
            z3.Implies(t.sold_happens, z3.And(t.paid == minimum, sale.ret("paid") == t.paid)),
            assumptions=t.governance(),
            witness=z3.And(t.sold_happens, t.received != t.remaining, t.paid > 0),
            shown=shown,
            explanation="insurance was paid something other than min(received, remaining)",
        )
    )
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded leaves the surplus with the user (USDC after = "
            "before + received − paid ≥ before)",
            sale,
            z3.Implies(t.sold_happens, z3.And(t.usdc1 == t.usdc0 + t.received - t.paid, t.usdc1 >= t.usdc0)),
            assumptions=t.governance(),
            witness=z3.And(t.sold_happens, t.received > t.remaining, t.remaining > 0),
            shown=shown,
            explanation="the user's USDC after the sale and the payment is below what they held before",
        )
    )
    # a skipped sale (nothing sold) pays nothing
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded without a sale pays nothing and moves no USDC",
            sale,
            z3.Implies(
                z3.And(sale.ok, z3.Not(t.event.when)), z3.And(sale.ret("paid") == 0, t.usdc1 == t.usdc0)
            ),
            assumptions=t.governance(),
            witness=z3.And(sale.ok, z3.Not(t.event.when)),
            shown=shown,
            explanation="a guarded call that sold nothing still paid insurance",
        )
    )
    return out


# --------------------------------------------------------------------------------------------------
# CONV-4 / CONV-5 / CONV-6 — the collateral loop of `_coverDeficitWithCollateral`, on its code


class SaleCalls:
    """Each guarded sale the loop makes, as the contract ``debt_code.sale_contract`` proves on
    ``sellCollateralGuarded``'s code: it reverts (then the EVM discards its writes), or returns
    ``paid ≤ remainingDeficit`` having moved any of the user's collateral/USDC cells. Records where each call
    is reached and with which arguments, for the obligations."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        n = len(self.calls)
        user, token, remaining = view.args
        paid = z3.Int(f"sale{n}.paid")
        usdc = view.read(VAULT, "usdc")
        reverts = z3.Bool(f"sale{n}.reverts")
        self.calls.append(
            {
                "reached": view.state.pc,
                "token": token,
                "remaining": remaining,
                "reverts": reverts,
                "paid": paid,
            }
        )
        moved = {
            (BM, "_free", a, t): z3.Int(f"sale{n}.free.{i}")
            for i, (a, t) in enumerate(((user, token), (user, usdc)))
        }
        return SummaryResult(
            returns=(paid,),
            writes=moved,
            reverts=reverts,
            ensures=z3.And(paid >= 0, paid <= remaining, *[v >= 0 for v in moved.values()]),
        )


def cover_execution(
    ctx: ModelContext, storage: dict[tuple[Any, ...], Any] | None = None
) -> tuple[Any, SaleCalls]:
    """``_coverDeficitWithCollateral`` with its loop unrolled to MAX_COLLATERALS (exhaustiveness is a
    ``loop-bound`` check), the risk engine and the pool manager unknown code (any list of any length, any
    answer, may revert), each guarded sale as its proved contract."""
    from models.code_common import loop_line
    from vaultproof.spec import Havoc, Unroll, execute

    code = code_of(ctx)
    unbound = (f"{VAULT}.quantumRiskEngine", f"{VAULT}.poolManager")
    deployment = {k: v for k, v in ctx.deployment.items() if k not in unbound}
    calls = SaleCalls()
    fn = f"{VAULT}._coverDeficitWithCollateral"
    ex = execute(
        code,
        fn,
        deployment=deployment,
        havoc={"*": Havoc()},
        summaries={f"{VAULT}.sellCollateralGuarded": calls},
        loops={f"{fn}:{loop_line(code, fn)}": Unroll(ctx.param("BalanceManagerVault.MAX_COLLATERALS"))},
        storage=storage,
        label="cover",
    )
    return ex, calls


def _cover_shown(ex: Any, calls: SaleCalls) -> Shown:
    shown = Shown()
    shown.add("user (argument)", ex.arg("user"))
    shown.add("remaining (argument)", ex.arg("remaining"), USDC)
    shown.add("poolManager before", ex.before(VAULT, "poolManager"))
    shown.add("quantumRiskEngine before", ex.before(VAULT, "quantumRiskEngine"))
    shown.add("fromCollateral (returned)", ex.ret("fromCollateral"), USDC)
    shown.add("newRemaining (returned)", ex.ret("newRemaining"), USDC)
    for n, call in enumerate(calls.calls):
        shown.add(f"sale #{n} reached", call["reached"])
        shown.add(f"sale #{n} reverts", call["reverts"])
        shown.add(f"sale #{n} remainingDeficit (argument)", call["remaining"], USDC)
        shown.add(f"sale #{n} paid", call["paid"], USDC)
    shown.add("events emitted after (CollateralSaleFailed…)", z3.IntVal(len(ex.events)))
    return shown


def _cover_conserves(ex: Any, shown: Sequence[Quantity], claim: str, explanation: str) -> Obligation:
    """The collateral stage conserves the deficit: ``fromCollateral + newRemaining = remaining`` with
    ``0 ≤ newRemaining ≤ remaining``. CONV-4 states it as the loop's accounting and CONV-1 as "only what
    the guarded sales paid is counted" (``claim`` follows the entry point in the name)."""
    from vaultproof.spec import code_obligation

    remaining, new, got = ex.arg("remaining"), ex.ret("newRemaining"), ex.ret("fromCollateral")
    return code_obligation(
        f"code: BalanceManagerVault._coverDeficitWithCollateral{claim}",
        ex,
        z3.Implies(ex.ok, z3.And(new >= 0, new <= remaining, got + new == remaining)),
        witness=z3.And(ex.ok, got > 0),
        shown=shown,
        explanation=explanation,
    )


def _unchanged_custody(ex: Any) -> Any:
    who, what = z3.Int("any.account"), z3.Int("any.token")
    return ex.post(BM, "_free", who, what) == ex.before(BM, "_free", who, what)


def _other_reverts(ex: Any) -> Any:
    """Reverts of the loop other than a risk engine address without code / answering undecodable data (a
    misconfiguration try/catch cannot catch: reported as its own finding, see ``conv7_release``)."""
    misconfigured = ("no code at the target", "does not decode")
    rest = [
        r.when
        for r in ex.reverts
        if not ("getEnabledCollaterals" in r.where and any(m in r.reason for m in misconfigured))
    ]
    return z3.Or(*rest) if rest else z3.BoolVal(False)


def conv4_code(ctx: ModelContext) -> list[Obligation]:
    from models.debt_code import sale_contract
    from vaultproof.spec import check_obligations, code_obligation

    ex, calls = cover_execution(ctx)
    shown = _cover_shown(ex, calls).tuple()
    out = [
        _cover_conserves(
            ex,
            shown,
            ": 0 ≤ newRemaining ≤ remaining and fromCollateral + newRemaining = remaining",
            "the collateral stage increased the deficit, drove it negative, or lost part of it",
        )
    ]
    steps = []
    for n in range(len(calls.calls) - 1):
        a, b = calls.calls[n], calls.calls[n + 1]
        steps.append(z3.Implies(z3.And(a["reached"], b["reached"]), z3.And(b["remaining"] <= a["remaining"])))
    positive = [z3.Implies(c["reached"], c["remaining"] > 0) for c in calls.calls]
    out.append(
        code_obligation(
            "code: BalanceManagerVault._coverDeficitWithCollateral: the deficit each sale is asked "
            "to cover is "
            "positive and non-increasing from one collateral to the next",
            ex,
            z3.And(*steps, *positive),
            witness=z3.And(
                calls.calls[1]["reached"], calls.calls[0]["paid"] > 0, z3.Not(calls.calls[0]["reverts"])
            )
            if len(calls.calls) > 1
            else ex.ok,
            shown=shown,
            explanation="a later sale was asked to cover more than an earlier one",
        )
    )
    out += check_obligations(ex, kinds=("loop-bound",), shown=shown, label="collateral loop")
    return out + sale_contract(ctx)


def conv5_code(ctx: ModelContext) -> list[Obligation]:
    from models.debt_code import sale_contract
    from vaultproof.spec import code_obligation

    ex, calls = cover_execution(ctx)
    shown = _cover_shown(ex, calls).tuple()
    out = [
        code_obligation(
            "code: BalanceManagerVault._coverDeficitWithCollateral never reverts because of a sale (every "
            "guarded sale's revert is caught)",
            ex,
            z3.Not(_other_reverts(ex)),
            witness=z3.And(ex.ok, *[c["reverts"] for c in calls.calls[:1]]),
            shown=shown,
            explanation="a reverting collateral sale reverted the liquidation",
        )
    ]
    # a reverting sale is, for the rest of the loop, exactly a sale that paid nothing and moved nothing
    same = []
    for n, call in enumerate(calls.calls):
        failed = [(call["reverts"], z3.BoolVal(True))]
        nothing = [(call["reverts"], z3.BoolVal(False)), (call["paid"], z3.IntVal(0))]
        later = [c["reached"] for c in calls.calls[n + 1 :]] + [c["remaining"] for c in calls.calls[n + 1 :]]
        for term in later:
            same.append(z3.substitute(term, *failed) == z3.substitute(term, *nothing))
        for term in (ex.ret("fromCollateral"), ex.ret("newRemaining")):
            same.append(z3.Implies(ex.ok, z3.substitute(term, *failed) == z3.substitute(term, *nothing)))
    out.append(
        code_obligation(
            "code: BalanceManagerVault._coverDeficitWithCollateral: a reverting sale leaves the loop "
            "going on "
            "exactly as after a sale of nothing (same later sales, same deficit, same result)",
            ex,
            z3.And(*same),
            witness=z3.And(ex.ok, calls.calls[0]["reached"], calls.calls[0]["reverts"]),
            shown=shown,
            explanation="a reverting collateral sale changed what the rest of the liquidation does",
        )
    )
    all_fail = z3.And(*[z3.Implies(c["reached"], c["reverts"]) for c in calls.calls])
    out.append(
        code_obligation(
            "code: BalanceManagerVault._coverDeficitWithCollateral with every sale reverting: "
            "nothing covered, "
            "deficit unchanged, custody untouched",
            ex,
            z3.Implies(
                z3.And(ex.ok, all_fail),
                z3.And(
                    ex.ret("fromCollateral") == 0,
                    ex.ret("newRemaining") == ex.arg("remaining"),
                    _unchanged_custody(ex),
                ),
            ),
            witness=z3.And(ex.ok, all_fail, calls.calls[0]["reached"]),
            shown=shown,
            explanation="a reverted sale's effects survived the revert",
        )
    )
    return out + sale_contract(ctx)


def conv6_code(ctx: ModelContext) -> list[Obligation]:
    from models.debt_code import waterfall_execution
    from vaultproof.spec import code_obligation

    ex, calls = cover_execution(ctx)
    shown = _cover_shown(ex, calls).tuple()
    off = z3.Or(ex.before(VAULT, "poolManager") == 0, ex.before(VAULT, "quantumRiskEngine") == 0)
    no_sale = z3.And(*[z3.Not(c["reached"]) for c in calls.calls])
    quiet = z3.And(*[z3.Not(e.when) for e in ex.events]) if ex.events else z3.BoolVal(True)
    out = [
        code_obligation(
            "code: BalanceManagerVault._coverDeficitWithCollateral switched off (poolManager == 0 or "
            "quantumRiskEngine == 0): returns (0, remaining), sells nothing, moves nothing, emits nothing",
            ex,
            z3.Implies(
                off,
                z3.And(
                    ex.ok,
                    ex.ret("fromCollateral") == 0,
                    ex.ret("newRemaining") == ex.arg("remaining"),
                    no_sale,
                    _unchanged_custody(ex),
                    quiet,
                ),
            ),
            witness=z3.And(
                off, z3.Or(ex.before(VAULT, "poolManager") != 0, ex.before(VAULT, "quantumRiskEngine") != 0)
            ),
            shown=shown,
            explanation="with the conversion switched off the vault still called out or sold collateral",
        )
    ]
    settle = waterfall_execution(ctx, "_settleCrossAccountDeficit", modular=True)
    user, deficit = settle.arg("user"), settle.arg("deficit")
    usdc = settle.before(VAULT, "usdc")
    free = settle.before(BM, "_free", user, usdc)
    s_off = z3.Or(settle.before(VAULT, "poolManager") == 0, settle.before(VAULT, "quantumRiskEngine") == 0)
    s_shown = Shown()
    s_shown.add("user (argument)", user)
    s_shown.add("deficit (argument)", deficit, USDC)
    s_shown.add("user's free USDC before", free, USDC)
    s_shown.add("user's free USDC after", settle.post(BM, "_free", user, usdc), USDC)
    s_shown.add("poolManager before", settle.before(VAULT, "poolManager"))
    s_shown.add("quantumRiskEngine before", settle.before(VAULT, "quantumRiskEngine"))
    token = z3.Int("any.collateral")
    for index, event in enumerate(settle.events_named("DeficitSettled")):
        tag = f"DeficitSettled#{index}"
        event_shown = Shown(list(s_shown.items))
        event_shown.add(f"{tag}.fromFreeUsdc", event["fromFreeUsdc"], USDC)
        event_shown.add(f"{tag}.fromCollateral", event["fromCollateral"], USDC)
        out.append(
            code_obligation(
                "code: BalanceManagerVault._settleCrossAccountDeficit switched off: the legacy "
                "free-USDC step "
                "(fromFree = min(deficit, free)), nothing from collateral, the user's collateral untouched",
                settle,
                z3.Implies(
                    z3.And(s_off, settle.ok, event.when),
                    z3.And(
                        event["fromFreeUsdc"] == z3.If(deficit < free, deficit, free),
                        event["fromCollateral"] == 0,
                        z3.Implies(
                            token != usdc,
                            settle.post(BM, "_free", user, token) == settle.before(BM, "_free", user, token),
                        ),
                    ),
                ),
                # the fund pays in the vault's quote token, as deployed (InsuranceFund.usdc == the
                # vault's usdc)
                assumptions=[settle.before("InsuranceFund", "usdc") == usdc],
                witness=z3.And(s_off, settle.ok, event.when, deficit > free, free > 0),
                shown=event_shown.tuple(),
                explanation="with the conversion switched off the waterfall is not the legacy one",
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# CONV-1 / CONV-2 — the order book's walk on its code (models/book_code.py)


def book_floor(ctx: ModelContext) -> list[Obligation]:
    """CONV-1 on the book: V = Σ fill × price ≥ filledBase × minPrice for both walks, the fill pricing tied
    to ``_quoteFor``'s code, and the conversion loop counting only what the guarded sales paid."""
    from models import book_code as book

    out = [book.quote_tie(ctx)]
    for entry in ("calculateOrderAmounts", "placeMarketOrder"):
        out += book.walk_obligations(ctx, entry, "floor")
    return out + cover_accounting(ctx)


def cover_accounting(ctx: ModelContext) -> list[Obligation]:
    """``_coverDeficitWithCollateral``: what the loop counts as covered is exactly what the (floor-checked)
    guarded sales paid: fromCollateral + newRemaining = remaining, 0 ≤ newRemaining ≤ remaining."""
    ex, calls = cover_execution(ctx)
    return [
        _cover_conserves(
            ex,
            _cover_shown(ex, calls).tuple(),
            " counts only the guarded sales' payments (fromCollateral + newRemaining = remaining, "
            "0 ≤ newRemaining ≤ remaining)",
            "the collateral stage counted proceeds no guarded sale paid",
        )
    ]


def conv2_code(ctx: ModelContext) -> list[Obligation]:
    """CONV-2 on code: the book's walks take every unit at a level priced ≥ minPrice and never more than
    asked (OrderBook, by induction over levels and orders), and the vault sells at most the user's free
    base and at most the quantity it ordered (its own checks around the unknown-book sale)."""
    from models import book_code as book
    from vaultproof.spec import code_obligation

    out = [book.quote_tie(ctx)]
    for entry in ("calculateOrderAmounts", "placeMarketOrder"):
        out += book.walk_obligations(ctx, entry, "depth")
    sale = guarded_sale(ctx, label="depth")
    t = SaleTerms(sale)
    out.append(
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded sells 0 < sold ≤ the user's free base before",
            sale,
            z3.Implies(t.sold_happens, z3.And(t.sold > 0, t.sold <= t.base0, t.base1 == t.base0 - t.sold)),
            assumptions=t.governance(),
            witness=z3.And(t.sold_happens, t.sold > 0),
            shown=t.show(Shown(), RAW).tuple(),
            explanation="the vault sold more base than the user held free, or nothing while reporting a sale",
        )
    )
    return out
