"""QuantumRiskEngine valuation (seed 002 "Universal patterns", "DECISION"): QRE-1..5.

Per collateral ``i`` the engine counts ``counted_i = min(balance_i, userCap_i)`` (then pro rata when the
asset's total claims exceed ``assetCap_i``) and values it as
``sizeScaled(valueUsd18(counted_i, decimals_i, price_i, priceDecimals_i, weight_i), maxNotionalUsd18_i)``;
equity18 = Σ_i value_i + pnl18 − fees18. ``valueUsd18`` and ``sizeScaled`` are
``contracts/libraries/CollateralMath.sol`` — written by hand below and extracted from SlithIR, with an
equivalence obligation per collateral profile. The loop over collaterals is proved by induction
(base: empty sum; step: one more collateral), never unrolled.

Collateral profiles fix the decimals a deployment uses (USDC 6; WBTC 8 and WETH/MON 18 with 8-dp oracle
prices), so each obligation is over concrete decimal exponents and symbolic amounts, prices, weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from models.units import INT256_MAX, RAW, USD18
from vaultproof.spec import (
    ModelContext,
    ModelOutput,
    Obligation,
    Scope,
    equivalence_obligation,
    extracted,
    safety_obligations,
    tied,
)

BPS_UNIT = (0, "bps")


@dataclass(frozen=True)
class Profile:
    token: str
    decimals: int
    price_decimals: int


PROFILES = (Profile("USDC", 6, 0), Profile("WBTC", 8, 8), Profile("WETH", 18, 8), Profile("MON", 18, 8))
# Realistic bounds under which valuation must never overflow (an overflow would revert equity18 and
# with it liquidation): 10^30 token units (10^12 whole tokens at 18 dp) and 10^15 price units.
MAX_BALANCE = 10**30
MAX_PRICE = 10**15
MAX_COLLATERALS_ASSUMED = 8  # QuantumRiskEngine.MAX_COLLATERALS


def value_usd18(
    ctx: ModelContext,
    balance: z3.ArithRef,
    decimals: int,
    price: z3.ArithRef,
    price_decimals: int,
    weight: z3.ArithRef,
) -> z3.ArithRef:
    """``CollateralMath.valueUsd18``: ``balance·price·weight·1e18 / (10^d·10^pd·BPS)``, rounded down."""
    return weighted(ctx, balance * price * weight, Profile("", decimals, price_decimals))


def weighted(ctx: ModelContext, product: z3.ArithRef, profile: Profile) -> z3.ArithRef:
    """``value_usd18`` in terms of the product ``balance·price·weight`` (same expression, factored)."""
    bps = ctx.param("CollateralMath.BPS")
    return (product * 10**18) / (10**profile.decimals * 10**profile.price_decimals * bps)


def size_scaled(
    ctx: ModelContext, value18: z3.ArithRef, max_notional: z3.ArithRef, excess_bps: int | None = None
) -> z3.ArithRef:
    bps = ctx.param("CollateralMath.BPS")
    excess = ctx.param("CollateralMath.SIZE_SCALING_EXCESS_BPS") if excess_bps is None else excess_bps
    return z3.If(value18 <= max_notional, value18, max_notional + ((value18 - max_notional) * excess) / bps)


def _units(profile: Profile) -> dict[str, tuple[int, str]]:
    return {
        "balance": (profile.decimals, profile.token),
        "price": (profile.price_decimals, "USD"),
        "weightBps": BPS_UNIT,
        "value18": USD18,
        "maxNotionalUsd18": USD18,
        "ret0": USD18,
    }


def _value_equivalence(ctx: ModelContext, profile: Profile) -> Obligation:
    """CollateralMath.valueUsd18 (code) == model, for this profile's decimals, in the realistic range."""
    balance, price, weight = z3.Ints(
        f"balance.{profile.token} price.{profile.token} weightBps.{profile.token}"
    )
    code = extracted(
        ctx,
        "CollateralMath.valueUsd18",
        args=[balance, z3.IntVal(profile.decimals), price, z3.IntVal(profile.price_decimals), weight],
    )
    return tied(
        ctx,
        "CollateralMath.valueUsd18",
        equivalence_obligation(
            code,
            lambda b, _d, p, _pd, w: value_usd18(ctx, b, profile.decimals, p, profile.price_decimals, w),
            [balance <= MAX_BALANCE, price <= MAX_PRICE, weight <= ctx.param("CollateralMath.BPS")],
            name=f"CollateralMath.valueUsd18 ({profile.token}): SlithIR extraction == model",
            units=_units(profile),
            witness=z3.And(balance > 0, price > 0, weight > 0),
        ),
    )[0]


def _size_scaled_equivalence(ctx: ModelContext) -> Obligation:
    code = extracted(ctx, "CollateralMath.sizeScaled", prefix="sizeScaled")
    return tied(
        ctx,
        "CollateralMath.sizeScaled",
        equivalence_obligation(
            code,
            lambda v, m: size_scaled(ctx, v, m),
            name="CollateralMath.sizeScaled: SlithIR extraction == model",
            units={"value18": USD18, "maxNotionalUsd18": USD18, "ret0": USD18},
            witness=code.args[0] > code.args[1],
        ),
    )[0]


# --------------------------------------------------------------------------------------------------
# QRE-1

INITIAL_ABOVE_MAINTENANCE = "setCollateral-accepts-initial-weight-above-maintenance"


def config_accepted(
    ctx: ModelContext, initial: z3.ArithRef, maintenance: z3.ArithRef, defect: str | None
) -> z3.BoolRef:
    """The weight checks of ``QuantumRiskEngine.setCollateral`` (the rest is irrelevant here)."""
    bps = ctx.param("CollateralMath.BPS")
    ordered = z3.BoolVal(True) if defect == INITIAL_ABOVE_MAINTENANCE else initial <= maintenance
    return z3.And(ordered, maintenance <= bps)


def qre1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """equity = Σ balance × price × weight (18 dp) + pnl − fees; initial weight ≤ maintenance ≤ 1, so the
    initial-weighted equity never exceeds the maintenance-weighted one."""
    obligations: list[Obligation] = []
    bps = ctx.param("CollateralMath.BPS")
    # Lemma (the only non-linear step, over two factors): for any non-negative balance·price product,
    # an accepted weight pair orders the weighted products.
    s = Scope()
    bp = s.uint("balance·price", 256, RAW)
    iw = s.uint("initialWeightBps", 16, BPS_UNIT)
    mw = s.uint("maintenanceWeightBps", 16, BPS_UNIT)
    s.assume(bp <= MAX_BALANCE * MAX_PRICE, config_accepted(ctx, iw, mw, defect))
    s.show("balance·price·initialWeight", bp * iw, RAW)
    s.show("balance·price·maintenanceWeight", bp * mw, RAW)
    obligations.append(
        s.obligation(
            "lemma: accepted config ⇒ balance·price·initialWeight ≤ balance·price·maintenanceWeight "
            "≤ balance·price·BPS",
            z3.And(bp * iw <= bp * mw, bp * mw <= bp * bps),
            witness=z3.And(bp > 0, iw > 0, iw < mw),
            explanation="the withdraw basis (initial weights) exceeds the liquidation basis",
        )
    )
    for profile in PROFILES[1:]:
        # value_usd18 = weighted(balance·price·weight): with the products ordered (lemma), the rest is linear
        s = Scope()
        xi = s.uint("balance·price·initialWeight", 256, RAW)
        xm = s.uint("balance·price·maintenanceWeight", 256, RAW)
        xr = s.uint("balance·price·BPS", 256, RAW)
        cap = s.uint("maxNotionalUsd18", 256, USD18)
        s.assume(xi <= xm, xm <= xr)
        v_init = size_scaled(ctx, weighted(ctx, xi, profile), cap)
        v_maint = size_scaled(ctx, weighted(ctx, xm, profile), cap)
        raw = weighted(ctx, xr, profile)
        s.show("initialValue18", v_init, USD18)
        s.show("maintenanceValue18", v_maint, USD18)
        s.show("unweightedValue18", raw, USD18)
        obligations.append(
            s.obligation(
                f"{profile.token}: ordered products ⇒ initial value ≤ maintenance value ≤ unweighted value",
                z3.And(v_init <= v_maint, v_maint <= raw, v_init >= 0),
                witness=z3.And(xi > 0, xi < xm),
                explanation="the withdraw basis (initial weights) exceeds the liquidation basis",
            )
        )
    if defect is not None:
        return obligations
    # induction over the collateral loop: total_k = Σ_{i<k} value_i, init_k ≤ maint_k, and the final
    # int256(total) cast is lossless
    s = Scope()
    k = s.uint("k", 256, RAW)
    init_total = s.uint("initialTotal_k", 256, USD18)
    maint_total = s.uint("maintenanceTotal_k", 256, USD18)
    vi = s.uint("initialValue_k", 256, USD18)
    vm = s.uint("maintenanceValue_k", 256, USD18)
    per_asset_max = MAX_BALANCE * MAX_PRICE * 10**18
    s.assume(
        k < MAX_COLLATERALS_ASSUMED,
        init_total <= maint_total,
        maint_total <= k * per_asset_max,
        vi <= vm,
        vm <= per_asset_max,
    )
    obligations.append(
        s.obligation(
            "collateral loop step: initialTotal ≤ maintenanceTotal ≤ k·maxValue is preserved",
            z3.And(init_total + vi <= maint_total + vm, maint_total + vm <= (k + 1) * per_asset_max),
            witness=z3.And(vi > 0, vm > vi),
        )
    )
    s = Scope()
    total = s.uint("total", 256, USD18)
    pnl = s.sint("unrealizedPnl18", 256, USD18)
    fees = s.uint("pendingFees18", 256, USD18)
    s.assume(
        total <= MAX_COLLATERALS_ASSUMED * per_asset_max, pnl >= -(10**40), pnl <= 10**40, fees <= 10**40
    )
    obligations.append(
        s.obligation(
            "equity18 = int256(total) + pnl − fees: the cast is lossless and the sum cannot overflow",
            z3.And(total <= INT256_MAX, total + pnl - fees <= INT256_MAX, total + pnl - fees >= -INT256_MAX),
            witness=total > 0,
        )
    )
    for profile in PROFILES[1:]:
        code = extracted(
            ctx,
            "CollateralMath.valueUsd18",
            args=[
                z3.Int("balance"),
                z3.IntVal(profile.decimals),
                z3.Int("price"),
                z3.IntVal(profile.price_decimals),
                z3.Int("weightBps"),
            ],
        )
        bounds = [
            code.args[0] <= MAX_BALANCE,
            code.args[2] <= MAX_PRICE,
            code.args[4] <= ctx.param("CollateralMath.BPS"),
        ]
        obligations.extend(
            tied(
                ctx,
                "CollateralMath.valueUsd18",
                safety_obligations(
                    code, bounds, units=_units(profile), kinds=("overflow",), label=profile.token
                ),
            )
        )
        obligations.append(_value_equivalence(ctx, profile))
    obligations.append(_size_scaled_equivalence(ctx))
    return obligations


# --------------------------------------------------------------------------------------------------
# QRE-2

USDC_AS_18_DECIMALS = "usdc-valued-with-18-decimals"


def qre2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Only USDC (price 1 at 0 dp, weight 100%): value18 = balance·10^12 = LockMath.scaleTo18(balance, 6),
    the legacy 1:1 valuation, for both weights; equity = that + pnl − fees."""
    usdc = PROFILES[0]
    decimals = 18 if defect == USDC_AS_18_DECIMALS else usdc.decimals
    bps = ctx.param("CollateralMath.BPS")
    balance = z3.Int("usdcBalance")
    code_value = extracted(
        ctx,
        "CollateralMath.valueUsd18",
        args=[balance, z3.IntVal(decimals), z3.IntVal(1), z3.IntVal(0), z3.IntVal(bps)],
    )
    legacy = extracted(ctx, "LockMath.scaleTo18", args=[balance, z3.IntVal(usdc.decimals)])
    s = Scope()
    s.assume(balance >= 0, balance <= MAX_BALANCE)
    s.show("usdcBalance", balance, (6, "USDC"))
    s.show("qreValue18", code_value.ret, USD18)
    s.show("legacyValue18", legacy.ret, USD18)
    return tied(
        ctx,
        "LockMath.scaleTo18",
        tied(
            ctx,
            "CollateralMath.valueUsd18",
            [
                s.obligation(
                    "only USDC enabled: QRE value (CollateralMath code) = legacy scaleTo18 (LockMath code), "
                    "neither reverts",
                    z3.And(
                        z3.Not(code_value.reverts),
                        z3.Not(legacy.reverts),
                        code_value.ret == legacy.ret,
                        code_value.ret == balance * 10 ** (18 - usdc.decimals),
                    ),
                    witness=balance > 0,
                    explanation="with only USDC enabled the valuation differs from the legacy 1:1 valuation",
                )
            ],
        ),
    )


# --------------------------------------------------------------------------------------------------
# QRE-3

EXCESS_AMPLIFIED = "size-scaling-counts-excess-at-150pct"


def qre3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Value is non-decreasing in the balance; the size-scaling weight sizeScaled(v)/v is non-increasing."""
    excess = 15_000 if defect == EXCESS_AMPLIFIED else None
    obligations: list[Obligation] = []
    # Lemma (non-linear, two factors): a larger balance gives a larger balance·price·weight product.
    s = Scope()
    b1 = s.uint("balance1", 256, RAW)
    b2 = s.uint("balance2", 256, RAW)
    pw = s.uint("price·weight", 256, RAW)
    s.assume(b1 <= b2, b2 <= MAX_BALANCE, pw <= MAX_PRICE * ctx.param("CollateralMath.BPS"))
    obligations.append(
        s.obligation(
            "lemma: balance1 ≤ balance2 ⇒ balance1·price·weight ≤ balance2·price·weight",
            b1 * pw <= b2 * pw,
            witness=z3.And(b1 < b2, pw > 0),
        )
    )
    for profile in PROFILES[1:]:
        s = Scope()
        x1 = s.uint("balance1·price·weight", 256, RAW)
        x2 = s.uint("balance2·price·weight", 256, RAW)
        cap = s.uint("maxNotionalUsd18", 256, USD18)
        s.assume(x1 <= x2)
        v1 = size_scaled(ctx, weighted(ctx, x1, profile), cap, excess)
        v2 = size_scaled(ctx, weighted(ctx, x2, profile), cap, excess)
        s.show("value1", v1, USD18)
        s.show("value2", v2, USD18)
        obligations.append(
            s.obligation(
                f"{profile.token}: ordered products ⇒ value(balance1) ≤ value(balance2)",
                v1 <= v2,
                witness=z3.And(x1 < x2, x2 > 0),
                explanation="more collateral is valued lower",
            )
        )
    # The weight is the exact (pre-rounding) ratio G(v)/(BPS·v) with G(v) = BPS·sizeScaled(v) before the
    # final floor: G(v) = BPS·v below the threshold, BPS·M + (v − M)·EXCESS above it. The code returns
    # floor(G(v)/BPS) (equivalence obligation), which loses less than 1e-18 USD.
    bps = ctx.param("CollateralMath.BPS")
    excess_bps = ctx.param("CollateralMath.SIZE_SCALING_EXCESS_BPS") if excess is None else excess
    s = Scope()
    x1 = s.uint("value1_18", 256, USD18)
    x2 = s.uint("value2_18", 256, USD18)
    cap = s.uint("maxNotionalUsd18", 256, USD18)
    s.assume(x1 > 0, x1 <= x2)

    def unrounded(v: z3.ArithRef) -> z3.ArithRef:
        return z3.If(v <= cap, bps * v, bps * cap + (v - cap) * excess_bps)

    g1, g2 = unrounded(x1), unrounded(x2)
    y1 = size_scaled(ctx, x1, cap, excess)
    s.show("weightedScaled1", g1, (22, "USD"))
    s.show("weightedScaled2", g2, (22, "USD"))
    obligations.append(
        s.obligation(
            "de-weighting: v1 ≤ v2 ⇒ G(v2)/v2 ≤ G(v1)/v1 (exact, cross-multiplied) and sizeScaled(v) ≤ v",
            z3.And(g2 * x1 <= g1 * x2, y1 <= x1, y1 * bps <= g1, g1 < (y1 + 1) * bps),
            witness=z3.And(x2 > cap, cap > 0, x1 < x2),
            explanation="the effective weight grows with the position size",
        )
    )
    if defect is None:
        obligations.append(_size_scaled_equivalence(ctx))
    return obligations


# --------------------------------------------------------------------------------------------------
# QRE-4

NO_ASSET_CAP = "asset-cap-pro-rata-missing"


def counted(
    balance: z3.ArithRef,
    user_cap: z3.ArithRef,
    asset_cap: z3.ArithRef,
    asset_total: z3.ArithRef,
    defect: str | None,
) -> z3.ArithRef:
    """``_counted``: per-user cap, then ``mulDiv(counted, assetCap, assetTotal)`` when over the asset cap."""
    capped = z3.If(balance < user_cap, balance, user_cap)
    if defect == NO_ASSET_CAP:
        return capped
    return z3.If(asset_total > asset_cap, (capped * asset_cap) / asset_total, capped)


def _cap_and_sums(s: Scope, counted: str, balances: str) -> tuple[z3.ArithRef, ...]:
    """assetCap, assetTotalClaims and two sums over users (counted, balances), declared in that order."""
    names = ("assetCap", "assetTotalClaims", counted, balances)
    return tuple(s.uint(name, 256, (18, "token units")) for name in names)


def qre4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """counted ≤ min(balance, userCap) per user, and Σ_users counted ≤ assetCap (induction over users,
    with Σ balances ≤ totalClaims). QRE moves no tokens: decided statically by ST-9."""
    obligations: list[Obligation] = []
    s = Scope()
    bal, ucap, acap, total = (
        s.uint(n, 256, (18, "token units")) for n in ("balance", "userCap", "assetCap", "assetTotalClaims")
    )
    s.assume(bal <= total)
    c = counted(bal, ucap, acap, total, defect)
    s.show("counted", c, (18, "token units"))
    obligations.append(
        s.obligation(
            "per user: counted ≤ balance and counted ≤ userCap",
            z3.And(c <= bal, c <= ucap, c >= 0),
            witness=z3.And(bal > ucap, total > acap, acap > 0),
        )
    )
    # induction over users u_1..u_k: S_k = Σ counted, B_k = Σ balances ≤ total
    s = Scope()
    acap, total, sum_c, sum_b = _cap_and_sums(s, "countedSoFar", "balancesSoFar")
    bal, ucap = s.uint("balance_k", 256, (18, "token units")), s.uint("userCap_k", 256, (18, "token units"))
    inv = z3.And(sum_c <= sum_b, z3.Implies(total > acap, sum_c * total <= sum_b * acap))
    s.assume(inv, sum_b + bal <= total)
    c = counted(bal, ucap, acap, total, defect)
    s.show("counted_k", c, (18, "token units"))
    obligations.append(
        s.obligation(
            "step: one more user keeps Σcounted ≤ Σbalances and Σcounted·total ≤ Σbalances·assetCap",
            z3.And(
                sum_c + c <= sum_b + bal,
                z3.Implies(total > acap, (sum_c + c) * total <= (sum_b + bal) * acap),
            ),
            witness=z3.And(total > acap, bal > 0, acap > 0),
            explanation="adding this user's counted balance breaks the asset-cap invariant",
        )
    )
    s = Scope()
    acap, total, sum_c, sum_b = _cap_and_sums(s, "countedAllUsers", "balancesAllUsers")
    s.assume(sum_c <= sum_b, z3.Implies(total > acap, sum_c * total <= sum_b * acap), sum_b <= total)
    obligations.append(
        s.obligation(
            "invariant ⇒ Σ counted over all users ≤ assetCap",
            z3.Implies(total > acap, sum_c <= acap),
            witness=z3.And(total > acap, sum_c > 0),
        )
    )
    if defect is not None:
        return obligations[:2]
    return obligations


# --------------------------------------------------------------------------------------------------
# QRE-5

GATE_BEFORE_WITHDRAWAL = "withdraw-gate-values-balance-before-withdrawal"


def qre5(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """canWithdraw(user, token, amount) ⇒ after the withdrawal the initial-weighted equity still covers
    the initial margin (balances AND the asset's total claims both drop by amount)."""
    unit = (18, "token units")
    s = Scope()
    free = s.uint("freeBalance", 256, unit)
    held = s.uint("heldBalance", 256, unit)  # free + locked by the margin vault
    amount = s.uint("amount", 256, unit)
    ucap, acap, total = (
        s.uint("userCap", 256, unit),
        s.uint("assetCap", 256, unit),
        s.uint("assetTotalClaims", 256, unit),
    )
    others = s.uint("otherCollateralValue18", 256, USD18)
    pnl = s.sint("unrealizedPnl18", 256, USD18)
    fees = s.uint("pendingFees18", 256, USD18)
    im = s.uint("initialMargin18", 256, USD18)
    v_gate, v_post = s.uint("valueSeenByGate18", 256, USD18), s.uint("valueAfter18", 256, USD18)
    s.assume(free <= held, held <= total)
    gate_balance = held if defect == GATE_BEFORE_WITHDRAWAL else held - amount
    c_gate = counted(gate_balance, ucap, acap, total, None)
    c_post = counted(held - amount, ucap, acap, total - amount, None)
    # QRE-3 (value non-decreasing in the counted balance), instantiated for these two evaluations
    s.assume(z3.Implies(c_post >= c_gate, v_post >= v_gate), z3.Implies(c_gate >= c_post, v_gate >= v_post))
    eq_gate = others + v_gate + pnl - fees
    eq_post = others + v_post + pnl - fees
    allowed = z3.And(free >= amount, eq_gate >= 0, eq_gate >= im)
    s.show("countedByGate", c_gate, unit)
    s.show("countedAfter", c_post, unit)
    s.show("equityAfter18", eq_post, USD18)
    s.show("canWithdraw", allowed)
    return [
        s.obligation(
            "canWithdraw ⇒ initial-weighted equity after the withdrawal ≥ initial margin",
            z3.Implies(allowed, eq_post >= im),
            witness=z3.And(allowed, amount > 0, total > acap),
            explanation="the gate lets a withdrawal through that leaves the account below initial margin",
        )
    ]


def equivalences(ctx: ModelContext) -> list[Obligation]:
    return [*(_value_equivalence(ctx, p) for p in PROFILES[1:]), _size_scaled_equivalence(ctx)]


__all__ = ["ModelOutput", "equivalences", "qre1", "qre2", "qre3", "qre4", "qre5"]
