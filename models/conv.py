"""Stage 5 collateral auto-convert (seed 000): Z3 models of `_coverDeficitWithCollateral` and its math.

Everything here only builds :class:`Obligation`s; the solver module decides them. Conventions:

* integers are Z3 ``Int`` with explicit ranges (a ``uintN`` is ``0 ≤ x < 2**N``);
* every overflow / underflow / division by zero is its own obligation;
* loops (book levels, collaterals) are proved by induction: a *base* obligation (the invariant holds
  before the first iteration) and a *step* obligation (invariant ∧ one iteration ⇒ invariant'), so
  the result holds for ANY number of levels or collaterals, never for an unrolled prefix only.

Each ``conv*`` builder takes ``defect``: ``None`` is the shipped model, a name selects the one
deliberately broken variant that the registry's ``ModelChecker.broken`` runs (it must be VIOLATED).
"""

from __future__ import annotations

import z3

from vaultproof.spec import (
    ModelContext,
    Obligation,
    Scope,
    ceil_div,
    code_tie,
    no_overflow,
    no_underflow,
    settled_at_build,
    zmax,
    zmin,
)

# Parameter keys (``"Contract.CONSTANT"``) read from the compiled contracts.
P_BPS = "CollateralMath.BPS"
P_VAULT_BPS = "BalanceManagerVault.BPS"
P_MAX_COLLATERALS = "BalanceManagerVault.MAX_COLLATERALS"  # the vault's loop bound
P_QRE_MAX_COLLATERALS = "QuantumRiskEngine.MAX_COLLATERALS"  # what the QRE lets governance enable
P_MAX_DECIMALS = "LockMath.MAX_COLLATERAL_DECIMALS"

# Declared ranges (stated as assumptions of every obligation that uses them; outside them a checked
# Solidity multiplication reverts, which CONV-5 isolates to that one collateral).
QTY_BITS = 96  # collateral quantities < 2**96 base units (7.9e10 whole tokens at 18 decimals)
ORACLE_PRICE_BITS = 64  # oracle prices < 2**64 raw units (1.8e11 USD per token at 8 decimals)
BOOK_PRICE_BITS = 128  # order-book level prices < 2**128 quote units per whole base token

# (baseDecimals, quoteDecimals, priceDecimals): WBTC and WETH against USDC, 8-decimals oracle.
DECIMAL_CASES: tuple[tuple[int, int, int], ...] = ((8, 6, 8), (18, 6, 8))


# --------------------------------------------------------------------------------------------------
# CollateralMath (the formulas the Solidity library states; DESIGN.md "Pure math libraries")


def floor_price(
    price: z3.ArithRef, pd: int, qd: int, lf: z3.ArithRef, bps: int, *, round_up: bool = True
) -> z3.ArithRef:
    """Quote units per whole base token that a level must clear: ceil(price·lf·10^qd / (10^pd·BPS))."""
    num = price * lf * 10**qd
    den = 10**pd * bps
    return ceil_div(num, den) if round_up else num / den  # type: ignore[no-any-return]


def min_proceeds(
    qty: z3.ArithRef,
    bd: int,
    price: z3.ArithRef,
    pd: int,
    qd: int,
    lf: z3.ArithRef,
    bps: int,
    *,
    round_up: bool = True,
) -> z3.ArithRef:
    """ceil(qty·price·lf·10^qd / (10^bd·10^pd·BPS)): the least USDC a sale of ``qty`` must realise."""
    num = qty * price * lf * 10**qd
    den = 10**bd * 10**pd * bps
    return ceil_div(num, den) if round_up else num / den  # type: ignore[no-any-return]


def _dec_tag(bd: int, qd: int, pd: int) -> str:
    return f"[base {bd}dp, quote {qd}dp, oracle {pd}dp]"


def _base_unit(bd: int) -> str:
    return {8: "WBTC", 18: "WETH"}.get(bd, "BASE")


# --------------------------------------------------------------------------------------------------
# CONV-1 price floor on realised proceeds

FLOOR_DOWN = "floor-rounded-down"


def level_walk(bd: int, qd: int, pd: int) -> list[Obligation]:
    """CONV-1's level-walk induction for one decimals case: base, step and the accumulation's overflow.
    Its obligations do not depend on the number of levels (the bench times them against an unrolled walk)."""
    tag = _dec_tag(bd, qd, pd)
    base = _base_unit(bd)
    walk: list[Obligation] = []
    # 3. Level-walk induction. V = Σ filled_i × levelPrice_i (quote units × base units per whole
    #    base: the book's exact proceeds before its final /10^baseDecimals), Q = Σ filled_i.
    #    Invariant I(V, Q): V ≥ Q × floorPrice ∧ V ≤ Q × 2^BOOK_PRICE_BITS.
    # Base: the walk's state before any level is filled is the premise (an assumption), so the goal is
    # the invariant *at that state*, not `0 ≥ 0 · floor` (which held by itself: a TAUTOLOGY).
    s = Scope()
    fp_var = s.uint("floorPrice", 256, (qd, "USDC/" + base))
    big_q = s.uint("soldSoFar", QTY_BITS, (bd, base))
    big_v = s.uint("exactProceedsSoFar", 256, (bd + qd, "USDC"))
    s.assume(big_q == 0, big_v == 0)  # placeMarketOrder starts with nothing filled
    walk.append(
        s.obligation(
            f"level walk: base (no level filled) {tag}",
            z3.And(big_v >= big_q * fp_var, big_v <= big_q * 2**BOOK_PRICE_BITS),
        )
    )

    s = Scope()
    fp_var = s.uint("floorPrice", 256, (qd, "USDC/" + base))
    big_q = s.uint("soldSoFar", QTY_BITS, (bd, base))
    big_v = s.uint("exactProceedsSoFar", 256, (bd + qd, "USDC"))
    q = s.uint("levelFill", QTY_BITS, (bd, base))
    p = s.uint("levelPrice", BOOK_PRICE_BITS, (qd, "USDC/" + base))
    # the walk only fills a level whose price clears the floor (placeMarketOrder's minPrice)
    s.assume(
        big_v >= big_q * fp_var,
        big_v <= big_q * 2**BOOK_PRICE_BITS,
        p >= fp_var,
        big_q + q < 2**QTY_BITS,
    )
    v2, q2 = big_v + q * p, big_q + q
    walk.append(
        s.obligation(
            f"level walk: step (a level priced ≥ floorPrice keeps Σ proceeds ≥ Σ qty × floor) {tag}",
            z3.And(v2 >= q2 * fp_var, v2 <= q2 * 2**BOOK_PRICE_BITS),
            q > 0,
        )
    )
    s = Scope()
    big_q = s.uint("soldSoFar", QTY_BITS, (bd, base))
    big_v = s.uint("exactProceedsSoFar", 256, (bd + qd, "USDC"))
    q = s.uint("levelFill", QTY_BITS, (bd, base))
    p = s.uint("levelPrice", BOOK_PRICE_BITS, (qd, "USDC/" + base))
    s.assume(big_v <= big_q * 2**BOOK_PRICE_BITS, big_q + q < 2**QTY_BITS)
    walk.append(no_overflow(s, f"Σ proceeds accumulation {tag}", big_v + q * p, q > 0))
    return walk


def conv1_walk(ctx: ModelContext) -> list[Obligation]:
    """The level walk of every decimals case (what ``conv1`` proves about the book, and only that)."""
    return [ob for case in DECIMAL_CASES for ob in level_walk(*case)]


def conv1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Rounding, the level-walk induction and overflow, for each decimals case."""
    bps = ctx.param(P_BPS)
    up = defect != FLOOR_DOWN
    obligations: list[Obligation] = []

    for bd, qd, pd in DECIMAL_CASES:
        tag = _dec_tag(bd, qd, pd)
        base = _base_unit(bd)

        def common(
            s: Scope, *, bd: int = bd, pd: int = pd, base: str = base
        ) -> tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef]:
            qty = s.uint("qty", QTY_BITS, (bd, base))
            price = s.uint("oraclePrice", ORACLE_PRICE_BITS, (pd, "USD"))
            lf = s.uint("liqFactorBps", 16)
            s.assume(lf <= bps)  # QRE validates liqFactorBps ≤ BPS when a collateral is configured
            return qty, price, lf

        # 1. floorPrice rounds up: a level priced at the floor is worth at least oracle × liqFactor.
        s = Scope()
        _, price, lf = common(s)
        fp = s.show("floorPrice", floor_price(price, pd, qd, lf, bps, round_up=up), (qd, "USDC/" + base))
        obligations.append(
            s.obligation(
                f"floorPrice rounds in the protocol's favour {tag}",
                fp * 10**pd * bps >= price * lf * 10**qd,
                z3.And(price > 0, lf > 0),
                "a book level priced exactly at floorPrice would sell below oracle × liqFactorBps / 1e4",
            )
        )

        # 2. minProceeds is the exact floor value rounded up, and by less than one quote unit.
        s = Scope()
        qty, price, lf = common(s)
        den = 10**bd * 10**pd * bps
        exact = qty * price * lf * 10**qd
        mp = s.show("minProceeds", min_proceeds(qty, bd, price, pd, qd, lf, bps, round_up=up), (qd, "USDC"))
        obligations.append(
            s.obligation(
                f"minProceeds = ceil(qty × price × liqFactor) {tag}",
                z3.And(mp * den >= exact, mp * den < exact + den),
                z3.And(qty > 0, price > 0, lf > 0),
                "the minimum USDC accepted for qty is below its oracle × liqFactor value",
            )
        )

        obligations += level_walk(bd, qd, pd)

        # 3b. The book credits each fill floor(fill × price / 10^bd) (OrderBook._quoteFor for a taker
        #     sell): by induction over fills, R·10^bd + k·(10^bd − 1) ≥ V, i.e. per-fill rounding loses
        #     less than one quote unit per fill. This is why the vault re-checks the simulated quote and
        #     the balance delta against minProceeds instead of trusting the floor price alone.
        s = Scope()
        big_v = s.uint("exactProceedsSoFar", 256, (bd + qd, "USDC"))
        big_r = s.uint("creditedSoFar", 256, (qd, "USDC"))
        k = s.uint("fillsSoFar", 16)
        q = s.uint("fill", QTY_BITS, (bd, base))
        p = s.uint("levelPrice", BOOK_PRICE_BITS, (qd, "USDC/" + base))
        unit = 10**bd
        s.assume(big_r * unit + k * (unit - 1) >= big_v)
        credited = s.show("creditedForFill", q * p / unit, (qd, "USDC"))
        obligations.append(
            s.obligation(
                f"per-fill rounding: step (each fill credits > its exact value − 1 quote unit) {tag}",
                (big_r + credited) * unit + (k + 1) * (unit - 1) >= big_v + q * p,
                q > 0,
            )
        )
        s = Scope()
        big_v = s.uint("exactProceedsSoFar", 256, (bd + qd, "USDC"))
        big_r = s.uint("creditedSoFar", 256, (qd, "USDC"))
        k = s.uint("fillsSoFar", 16)
        s.assume(big_v == 0, big_r == 0, k == 0)  # no fill yet: the premise, not literals in the goal
        obligations.append(
            s.obligation(
                f"per-fill rounding: base (nothing credited) {tag}", big_r * unit + k * (unit - 1) >= big_v
            )
        )

        # 4. Conclusion: exact proceeds ≥ exact oracle × liqFactor value, and a sale the vault accepts
        #    (received ≥ minProceeds, checked after the balance-delta measurement) realises at least
        #    qty × price × liqFactor / 1e4 in consistent units.
        s = Scope()
        qty, price, lf = common(s)
        fp = floor_price(price, pd, qd, lf, bps, round_up=up)
        big_v = s.uint("exactProceeds", 256, (bd + qd, "USDC"))
        received = s.uint("received", 256, (qd, "USDC"))
        mp = s.show("minProceeds", min_proceeds(qty, bd, price, pd, qd, lf, bps, round_up=up), (qd, "USDC"))
        s.assume(big_v >= qty * fp, received >= mp)  # invariant at loop exit; the vault's acceptance check
        obligations.append(
            s.obligation(
                f"walk exit: Σ proceeds ≥ qty × oraclePrice × liqFactorBps / 1e4 {tag}",
                z3.And(
                    big_v * 10**pd * bps >= qty * price * lf * 10**qd,
                    received * den >= qty * price * lf * 10**qd,
                ),
                z3.And(qty > 0, price > 0, lf > 0),
                "an accepted sale realised less USDC than qty × oraclePrice × liqFactorBps / 1e4",
            )
        )

        # 5. Overflow of every uint256 product at the declared ranges, division by zero.
        s = Scope()
        qty, price, lf = common(s)
        obligations.append(no_overflow(s, f"qty * price {tag}", qty * price, qty > 0))
        obligations.append(no_overflow(s, f"qty * price * liqFactorBps {tag}", qty * price * lf, qty > 0))
        obligations.append(
            no_overflow(
                s, f"qty * price * liqFactorBps * 10**quoteDecimals {tag}", qty * price * lf * 10**qd, qty > 0
            )
        )
        # over the profile's constants: settled when the model is built (kept only if it fails)
        obligations.extend(
            settled_at_build(
                no_overflow(
                    s, f"10**baseDecimals * 10**priceDecimals * BPS {tag}", z3.IntVal(10**bd * 10**pd * bps)
                )
            )
        )
        obligations.extend(
            settled_at_build(
                s.obligation(
                    f"no division by zero in minProceeds {tag}", z3.IntVal(10**bd * 10**pd * bps) > 0
                )
            )
        )
        s = Scope()
        qty = s.uint("levelFill", QTY_BITS, (bd, base))
        p = s.uint("levelPrice", BOOK_PRICE_BITS, (qd, "USDC/" + base))
        obligations.append(no_overflow(s, f"levelFill * levelPrice {tag}", qty * p, qty > 0))

        # 6. The vault's sale size `need = ceil(remaining · 10^bd / floorPrice)`: floorPrice ≥ 1 (no
        #    division by zero) since price > 0 (stale/zero prices are skipped) and liqFactorBps ≥ 1.
        s = Scope()
        _, price, lf = common(s)
        remaining = s.uint("remainingDeficit", 128, (qd, "USDC"))
        s.assume(price > 0, lf >= 1)
        fp = floor_price(price, pd, qd, lf, bps, round_up=up)
        obligations.append(
            s.obligation(
                f"no division by zero in need = ceil(remaining·10^bd / floorPrice) {tag}",
                fp > 0,
                remaining > 0,
            )
        )
        obligations.append(
            no_overflow(
                s, f"remaining * 10**baseDecimals + floorPrice - 1 {tag}", remaining * 10**bd + fp - 1
            )
        )

        # 7. Tie to the code: CollateralMath.minProceeds / floorPrice extracted from SlithIR.
        ranges = {
            "qty": (0, 2**QTY_BITS - 1),
            "price": (0, 2**ORACLE_PRICE_BITS - 1),
            "liqFactorBps": (0, bps),
        }
        units = {"qty": (bd, base), "price": (pd, "USD"), "ret0": (qd, "USDC")}
        qv, pv, lv = z3.Int("qty"), z3.Int("price"), z3.Int("liqFactorBps")
        obligations += code_tie(
            ctx,
            "CollateralMath.minProceeds",
            [qv, z3.IntVal(bd), pv, z3.IntVal(pd), z3.IntVal(qd), lv],
            lambda q, _b, p, _pd, _qd, lf_, bd=bd, pd=pd, qd=qd: min_proceeds(
                q, bd, p, pd, qd, lf_, bps, round_up=up
            ),
            ranges,
            units,
            tag,
        )
        obligations += code_tie(
            ctx,
            "CollateralMath.floorPrice",
            [pv, z3.IntVal(pd), z3.IntVal(qd), lv],
            lambda p, _pd, _qd, lf_, pd=pd, qd=qd: floor_price(p, pd, qd, lf_, bps, round_up=up),
            {"price": ranges["price"], "liqFactorBps": ranges["liqFactorBps"]},
            units,
            tag,
        )

    # 8. BalanceManagerVault._effectiveLiqFactor: the stricter of liqFactorBps and BPS − slippage, and
    #    its uint16 cast is exact.
    vbps = ctx.param(P_VAULT_BPS)
    s = Scope()
    lf = s.uint("liqFactorBps", 16)
    slip = s.uint("maxCollateralSellSlippageBps", 16)
    s.assume(lf >= 1, lf <= bps, slip <= vbps)  # QRE.setCollateral and setMaxCollateralSellSlippageBps checks
    f = zmax(lf, vbps - slip)
    eff = s.show("effectiveLiqFactorBps", zmin(f, vbps))
    obligations += [
        no_underflow(s, "BPS − maxCollateralSellSlippageBps", vbps - slip),
        s.obligation(
            "uint16(effective liqFactor) is exact and the floor is never looser than liqFactorBps",
            z3.And(eff < 2**16, eff >= lf, eff <= vbps, eff >= 1),
            lf > 0,
        ),
    ]
    return obligations


# --------------------------------------------------------------------------------------------------
# CONV-2 never dump into a thin book (the pre-simulation walk, by induction over levels)

IGNORES_MIN_PRICE = "walk-ignores-minPrice"


def conv2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """State: filled (base sold so far), depth (Σ size of visited levels priced ≥ floor), stopped.

    Invariant: 0 ≤ filled ≤ want ∧ filled ≤ depth, where want = the user's free base.
    """
    out: list[Obligation] = []
    unit = "BASE"

    def state(s: Scope) -> tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef]:
        free = s.uint("userFreeBase", QTY_BITS, (18, unit))
        floor = s.uint("floorPrice", BOOK_PRICE_BITS, (6, "USDC"))
        filled = s.uint("filledSoFar", QTY_BITS, (18, unit))
        depth = s.uint("depthAtFloorSoFar", QTY_BITS + 8, (18, unit))
        return free, floor, filled, depth

    def inv(free: z3.ArithRef, filled: z3.ArithRef, depth: z3.ArithRef) -> z3.BoolRef:
        return z3.And(filled >= 0, filled <= free, filled <= depth)

    s = Scope()
    free = s.uint("userFreeBase", QTY_BITS, (18, unit))
    out.append(s.obligation("book walk: base (nothing filled)", inv(free, z3.IntVal(0), z3.IntVal(0))))

    # step at a level priced ≥ floor: take min(size, want − filled)
    s = Scope()
    free, floor, filled, depth = state(s)
    size = s.uint("levelSize", QTY_BITS, (18, unit))
    price = s.uint("levelPrice", BOOK_PRICE_BITS, (6, "USDC"))
    s.assume(inv(free, filled, depth), price >= floor)
    take = s.show("levelTake", zmin(size, free - filled), (18, unit))
    out.append(
        s.obligation(
            "book walk: step at a level priced ≥ floorPrice",
            inv(free, filled + take, depth + size),
            take > 0,
        )
    )
    s = Scope()
    free, floor, filled, depth = state(s)
    s.assume(inv(free, filled, depth))
    out.append(no_underflow(s, "want − filled", free - filled))

    # step at the first level priced < floor: the walk stops (shipped) and takes nothing
    s = Scope()
    free, floor, filled, depth = state(s)
    size = s.uint("levelSize", QTY_BITS, (18, unit))
    price = s.uint("levelPrice", BOOK_PRICE_BITS, (6, "USDC"))
    s.assume(inv(free, filled, depth), price < floor)
    take = s.show(
        "levelTake", zmin(size, free - filled) if defect == IGNORES_MIN_PRICE else z3.IntVal(0), (18, unit)
    )
    out.append(
        s.obligation(
            "book walk: step at a level priced < floorPrice (stop, sell nothing below the floor)",
            inv(free, filled + take, depth),
            z3.And(size > 0, filled < free),
            "the walk sold base into a level below the floor price",
        )
    )

    # exit: what the vault then asks placeMarketOrder to sell (the simulated filledBase) is bounded,
    # and the execution with the same minPrice fills at most that.
    s = Scope()
    free, floor, filled, depth = state(s)
    executed = s.uint("executedBase", QTY_BITS, (18, unit))
    s.assume(inv(free, filled, depth), executed <= filled)  # placeMarketOrder(qty = filledBase) fills ≤ qty
    out.append(
        s.obligation(
            "walk exit: qty sold ≤ free base and ≤ book depth at prices ≥ floor",
            z3.And(executed <= free, executed <= depth),
            executed > 0,
        )
    )
    return out


# --------------------------------------------------------------------------------------------------
# CONV-3 proceeds by balance delta; insurance gets min(received, remaining); surplus stays with user

MAX_NOT_MIN = "max-instead-of-min"


def pay_to_insurance(
    received: z3.ArithRef, remaining: z3.ArithRef, *, use_max: bool = False
) -> tuple[z3.ArithRef, z3.ArithRef]:
    """DeficitMath.payToInsurance: paid = min(received, remaining), newRemaining = remaining − paid."""
    paid = zmax(received, remaining) if use_max else zmin(received, remaining)
    return paid, remaining - paid


def take_free(deficit: z3.ArithRef, free: z3.ArithRef) -> tuple[z3.ArithRef, z3.ArithRef]:
    """DeficitMath.takeFree: used = min(deficit, free), remaining = deficit − used."""
    used = zmin(deficit, free)
    return used, deficit - used


def conv3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    out: list[Obligation] = []
    s = Scope()
    before = s.uint("userUsdcBefore", 128, (6, "USDC"))
    credited = s.uint(
        "creditedByBook", 128, (6, "USDC")
    )  # what the book really moved into the user's balance
    reported = s.uint("quoteReturnedByBook", 256, (6, "USDC"))  # the callee's return value: never trusted
    remaining = s.uint("remainingDeficit", 128, (6, "USDC"))
    after = s.show("userUsdcAfter", before + credited, (6, "USDC"))
    received = s.show("received", after - before, (6, "USDC"))  # balance delta
    paid, new_remaining = pay_to_insurance(received, remaining, use_max=defect == MAX_NOT_MIN)
    s.show("paidToInsurance", paid, (6, "USDC"))
    user_after = s.show("userUsdcAfterPayment", after - paid, (6, "USDC"))
    witness = z3.And(credited > 0, remaining > 0, credited != remaining, reported != credited)
    out.append(
        s.obligation(
            "paid = min(received, remaining), measured by balance delta",
            z3.And(
                paid <= received,
                paid <= remaining,
                z3.Or(paid == received, paid == remaining),
                paid <= credited,
            ),
            witness,
            "insurance was paid more than the sale realised or more than the deficit",
        )
    )
    out.append(
        s.obligation(
            "surplus stays with the user",
            z3.And(user_after == before + (received - paid), user_after >= before, new_remaining >= 0),
            witness,
            "the user's USDC after the payment is below what they held before the sale",
        )
    )
    out.append(no_underflow(s, "remaining − paid", new_remaining, witness))
    out.append(no_underflow(s, "usdcAfter − usdcBefore", after - before, witness))
    out.append(no_underflow(s, "userUsdc − paid (transferOut)", after - paid, witness))
    out += code_tie(
        ctx,
        "DeficitMath.payToInsurance",
        [z3.Int("received"), z3.Int("remaining")],
        lambda r, m: pay_to_insurance(r, m, use_max=defect == MAX_NOT_MIN),
        {},
        {"received": (6, "USDC"), "remaining": (6, "USDC"), "paid": (6, "USDC"), "newRemaining": (6, "USDC")},
    )
    return out


# --------------------------------------------------------------------------------------------------
# CONV-4 remaining deficit non-increasing, never negative; the loop over collaterals is bounded

PAY_RECEIVED = "pays-received-not-min"


def conv4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Induction over collaterals. State (i, rem); invariant 0 ≤ rem ≤ rem0 ∧ 0 ≤ i ≤ n ≤ MAX_COLLATERALS."""
    max_coll = ctx.param(P_MAX_COLLATERALS)
    out: list[Obligation] = []

    def inv(i: z3.ArithRef, n: z3.ArithRef, rem: z3.ArithRef, rem0: z3.ArithRef) -> z3.BoolRef:
        return z3.And(rem >= 0, rem <= rem0, i >= 0, i <= n, n <= max_coll)

    qre_max = ctx.param(P_QRE_MAX_COLLATERALS)
    s = Scope()
    # both bounds are constants extracted from the contracts: settled when the model is built
    out.extend(
        settled_at_build(
            s.obligation(
                "the vault's loop bound covers every collateral the QRE can enable",
                z3.IntVal(qre_max) <= max_coll,
                explanation="collaterals beyond the vault's MAX_COLLATERALS would never be converted",
            )
        )
    )
    s = Scope()
    rem0 = s.uint("deficitAfterFreeUsdc", 128, (6, "USDC"))
    n = s.uint("enabledCollaterals", 256)
    s.assume(n <= max_coll)  # n = min(getEnabledCollaterals().length, MAX_COLLATERALS)
    out.append(s.obligation("collateral loop: base", inv(z3.IntVal(0), n, rem0, rem0), n > 0))

    s = Scope()
    rem0 = s.uint("deficitAfterFreeUsdc", 128, (6, "USDC"))
    n = s.uint("enabledCollaterals", 256)
    i = s.uint("index", 256)
    rem = s.uint("remainingDeficit", 128, (6, "USDC"))
    received = s.uint("received", 128, (6, "USDC"))
    sold = s.boolean("saleSucceeded")
    s.assume(inv(i, n, rem, rem0), i < n, rem > 0)  # loop guard: i < n && remaining > 0
    paid = received if defect == PAY_RECEIVED else zmin(received, rem)
    rem2 = s.show("remainingAfter", z3.If(sold, rem - paid, rem), (6, "USDC"))
    out.append(
        s.obligation(
            "collateral loop: step (remaining non-increasing, never negative)",
            z3.And(inv(i + 1, n, rem2, rem0), rem2 <= rem),
            z3.And(sold, received > 0),
            "one iteration drove the remaining deficit negative or increased it",
        )
    )
    out.append(
        s.obligation(
            "collateral loop: variant n − i decreases and stays ≥ 0 (≤ MAX_COLLATERALS iterations)",
            z3.And(n - (i + 1) < n - i, n - (i + 1) >= 0, n <= max_coll),
            z3.And(sold, received > 0),
        )
    )
    return out


# --------------------------------------------------------------------------------------------------
# CONV-5 fault isolation: a failed sale leaves the iteration's state exactly as before

UNLOCK_OUTSIDE_TRY = "unlock-before-try"


def conv5(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """State of one iteration: remaining deficit, the user's free/locked base, free USDC, insurance.

    The shipped vault does every write of a sale inside the try'd external frame (unlock of
    BMV-locked base, the market order, the payment), so a revert discards all of them; EVM
    semantics: a reverted call frame rolls back its own writes, not the caller's earlier ones.
    """
    s = Scope()
    rem = s.uint("remainingDeficit", 128, (6, "USDC"))
    free_base = s.uint("userFreeBase", 128, (18, "BASE"))
    locked_base = s.uint("bmvLockedBase", 128, (18, "BASE"))
    usdc = s.uint("userUsdc", 128, (6, "USDC"))
    insurance = s.uint("insuranceBalance", 128, (6, "USDC"))
    unlock = s.uint("unlockedForSale", 128, (18, "BASE"))
    reverted = s.boolean("saleReverted")
    s.assume(unlock <= locked_base)
    # writes performed by the iteration's frames (outer: the vault's loop; inner: the try'd call)
    outer_unlock = unlock if defect == UNLOCK_OUTSIDE_TRY else z3.IntVal(0)
    inner_unlock = z3.IntVal(0) if defect == UNLOCK_OUTSIDE_TRY else unlock
    sold = s.uint("baseSold", 128, (18, "BASE"))
    received = s.uint("received", 128, (6, "USDC"))
    s.assume(sold <= free_base + unlock)
    paid = zmin(received, rem)
    committed = z3.Not(reverted)
    locked2 = s.show(
        "bmvLockedBaseAfter", locked_base - outer_unlock - z3.If(committed, inner_unlock, 0), (18, "BASE")
    )
    free2 = s.show(
        "userFreeBaseAfter",
        free_base + outer_unlock + z3.If(committed, inner_unlock - sold, 0),
        (18, "BASE"),
    )
    rem2 = z3.If(committed, rem - paid, rem)
    usdc2 = z3.If(committed, usdc + received - paid, usdc)
    ins2 = z3.If(committed, insurance + paid, insurance)
    # "the loop moves on after a revert" was an obligation ``i2 == i + 1`` with ``i2 = i + 1``: a
    # TAUTOLOGY (the model wrote the answer in). It is the catch branch's shape, not arithmetic; the
    # reverted frame's effects are what this model decides.
    return [
        s.obligation(
            "a reverted sale leaves remaining deficit and balances exactly as before the iteration",
            z3.Implies(
                reverted,
                z3.And(
                    rem2 == rem, free2 == free_base, locked2 == locked_base, usdc2 == usdc, ins2 == insurance
                ),
            ),
            z3.And(reverted, unlock > 0),
            "a write made before the reverting call survived the revert",
        ),
    ]


# --------------------------------------------------------------------------------------------------
# CONV-6 off switch: poolManager == 0 || quantumRiskEngine == 0 ⇒ exactly the legacy behaviour

GATE_OR = "gate-uses-or"


def conv6(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    s = Scope()
    pool_manager = s.uint("poolManager", 160)
    qre = s.uint("quantumRiskEngine", 160)
    deficit = s.uint("deficit", 128, (6, "USDC"))
    free = s.uint("userFreeUsdc", 128, (6, "USDC"))
    base = s.uint("userFreeBase", 128, (18, "BASE"))
    sold = s.uint("baseSoldIfEnabled", 128, (18, "BASE"))
    proceeds = s.uint("proceedsIfEnabled", 128, (6, "USDC"))
    s.assume(sold <= base)
    enabled = z3.Or(pool_manager != 0, qre != 0) if defect == GATE_OR else z3.And(pool_manager != 0, qre != 0)
    used, rem1 = take_free(deficit, free)
    paid, rem2 = pay_to_insurance(proceeds, rem1)
    # shipped vault
    base_after = s.show("userFreeBaseAfter", z3.If(enabled, base - sold, base), (18, "BASE"))
    rem_after = s.show("remainingAfterConversion", z3.If(enabled, rem2, rem1), (6, "USDC"))
    free_after = s.show(
        "userFreeUsdcAfter", z3.If(enabled, free - used + proceeds - paid, free - used), (6, "USDC")
    )
    calls = z3.If(enabled, 1, 0)
    # legacy V1 (free-USDC-only): debit min(deficit, free), touch nothing else
    legacy_free_after = free - used
    off = z3.Or(pool_manager == 0, qre == 0)
    return [
        s.obligation(
            "switched off ⇒ balances, calls and remaining deficit equal the legacy vault's",
            z3.Implies(
                off,
                z3.And(
                    base_after == base,
                    free_after == legacy_free_after,
                    rem_after == deficit - used,
                    calls == 0,
                ),
            ),
            z3.And(off, z3.Or(pool_manager != 0, qre != 0), sold > 0, deficit > free),
            "with the conversion switched off the vault still sold collateral",
        ),
        # "switched on ⇒ the free-USDC step is the legacy one" compared take_free with its own formula
        # (a TAUTOLOGY); the first step is shared by construction, and DeficitMath.takeFree is tied to
        # the code in models/debt.py.
    ]


# --------------------------------------------------------------------------------------------------
# CONV-7 a stale collateral price skips that collateral; it never bricks the liquidation

REVERTING_READ = "reverting-price-read"


def conv7(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Induction over collaterals with a per-collateral freshness flag.

    Invariant after k iterations: the liquidation has not reverted ∧ k iterations ran. The price is
    read with ``PriceOracle.tryGetFreshPrice`` (never reverts); the broken variant reads
    ``getPrice``-with-staleness-check, which reverts on a stale price.
    """
    out: list[Obligation] = []
    # Base: the state before the first iteration is the premise; the goal is the invariant there.
    s = Scope()
    k0 = s.uint("iteration", 256)
    reverted0 = s.boolean("liquidationRevertedBeforeLoop")
    s.assume(k0 == 0, z3.Not(reverted0))  # the loop is entered from a frame that has not reverted
    out.append(s.obligation("collateral loop: base (nothing reverted)", z3.And(z3.Not(reverted0), k0 >= 0)))

    s = Scope()
    k = s.uint("iteration", 256)
    fresh = s.boolean("priceFresh")
    rem = s.uint("remainingDeficit", 128, (6, "USDC"))
    base = s.uint("userFreeBase", 128, (18, "BASE"))
    sold_if_priced = s.uint("baseSoldIfPriced", 128, (18, "BASE"))
    s.assume(sold_if_priced <= base)
    reverted = z3.Not(fresh) if defect == REVERTING_READ else z3.BoolVal(False)
    sold = s.show("baseSold", z3.If(fresh, sold_if_priced, 0), (18, "BASE"))
    base2 = s.show("userFreeBaseAfter", base - sold, (18, "BASE"))
    s.show("liquidationReverted", z3.If(reverted, z3.IntVal(1), z3.IntVal(0)))
    out.append(
        s.obligation(
            "collateral loop: step (a stale price skips the collateral and never reverts)",
            z3.And(z3.Not(reverted), z3.Implies(z3.Not(fresh), z3.And(sold == 0, base2 == base)), k + 1 > k),
            z3.And(z3.Not(fresh), sold_if_priced > 0, rem > 0),
            "a stale collateral price reverted the liquidation",
        )
    )
    return out
