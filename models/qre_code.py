"""QRE code obligations: the risk engine's valuation stages as pre/post contracts of its code.

QRE-2 — with only USDC enabled, every result equals the legacy 1:1 valuation:

* ``QuantumRiskEngine.collateralValue18(usdc, balance, maintenance)`` on the configuration the constructor
  writes for USDC (enabled, ``usdcDecimals`` = 6, weights 100 %) does not revert and returns exactly
  ``balance × 10^12`` for every balance ≤ 10^30 and either weight basis;
* ``LockMath.scaleTo18(balance, 6)`` — the vault's legacy valuation — returns the same ``balance × 10^12``;
* ``QuantumRiskEngine.setCollateral`` never changes the USDC configuration (``UsdcConfigFixed``): with the
  constructor, the only writers of ``_configs``, the USDC configuration assumed above is an invariant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from models.code_common import USDC, Shown, code_of
from vaultproof.spec import ModelContext, Obligation, Quantity

QRE = "QuantumRiskEngine"
USDC_DECIMALS = 6
BALANCE_BOUND = 10**30  # QRE-2's declared range (no overflow is claimed beyond)
USD18 = (18, "USD")


def _usdc_config(ex: Any, token: Any) -> list[z3.BoolRef]:
    """The USDC configuration the constructor writes (and setCollateral never changes: obligation below)."""
    return [
        token == ex.before(QRE, "usdc"),
        ex.before(QRE, "_configs", token, "enabled"),
        ex.before(QRE, "_configs", token, "decimals") == USDC_DECIMALS,
    ]


def qre2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation, execute

    out: list[Obligation] = []
    value = execute(code_of(ctx), f"{QRE}.collateralValue18", deployment=ctx.deployment, label="usdc")
    token, balance = value.arg("token"), value.arg("balance")
    shown = Shown()
    shown.add("token (argument) = usdc", token)
    shown.add("balance (argument)", balance, USDC)
    shown.add("maintenance (argument)", value.arg("maintenance"))
    shown.add("USDC decimals (config) before", value.before(QRE, "_configs", token, "decimals"))
    shown.add("USDC enabled (config) before", value.before(QRE, "_configs", token, "enabled"))
    shown.add("USDC decimals (config) after", value.post(QRE, "_configs", token, "decimals"))
    shown.add("value returned", value.ret(0), USD18)
    legacy = balance * 10 ** (18 - USDC_DECIMALS)
    out.append(
        code_obligation(
            "code: QuantumRiskEngine.collateralValue18(usdc, balance) never reverts and equals the legacy "
            "balance × 10^12",
            value,
            z3.And(value.ok, value.ret(0) == legacy),
            assumptions=[*_usdc_config(value, token), balance <= BALANCE_BOUND],
            witness=balance > 0,
            shown=shown.tuple(),
            explanation="USDC is not valued 1:1 (balance × 10^12 in 18 decimals) by the risk engine",
        )
    )

    scale = execute(
        code_of(ctx),
        "LockMath.scaleTo18",
        deployment=ctx.deployment,
        args={"decimals": z3.IntVal(USDC_DECIMALS)},
        label="legacy",
    )
    amount = scale.arg("amount")
    legacy_shown = Shown()
    legacy_shown.add("amount (argument)", amount, USDC)
    legacy_shown.add("scaled (returned)", scale.ret(0), USD18)
    out.append(
        code_obligation(
            "code: LockMath.scaleTo18(amount, 6) (the legacy valuation) never reverts and equals "
            "amount × 10^12",
            scale,
            z3.And(scale.ok, scale.ret(0) == amount * 10 ** (18 - USDC_DECIMALS)),
            assumptions=[amount <= BALANCE_BOUND],
            witness=amount > 0,
            shown=legacy_shown.tuple(),
            explanation="the vault's legacy 1:1 valuation is not amount × 10^12",
        )
    )

    setter = execute(code_of(ctx), f"{QRE}.setCollateral", deployment=ctx.deployment, label="set")
    usdc = setter.before(QRE, "usdc")
    fields = ("enabled", "decimals", "initialWeightBps", "maintenanceWeightBps", "priceSymbol")
    kept = z3.And(
        *[setter.post(QRE, "_configs", usdc, f) == setter.before(QRE, "_configs", usdc, f) for f in fields]
    )
    set_shown = Shown()
    set_shown.add("token (argument)", setter.arg("token"))
    set_shown.add("usdc", usdc)
    set_shown.add("USDC decimals before", setter.before(QRE, "_configs", usdc, "decimals"))
    set_shown.add("USDC decimals after", setter.post(QRE, "_configs", usdc, "decimals"))
    out.append(
        code_obligation(
            "code: QuantumRiskEngine.setCollateral never changes the USDC configuration",
            setter,
            z3.Implies(setter.ok, kept),
            witness=z3.And(setter.ok, setter.arg("token") != usdc),
            shown=set_shown.tuple(),
            explanation="the owner can re-configure USDC (its decimals or weights), breaking the 1:1 "
            "valuation",
        )
    )
    return out


# ------------------------------------------------------------------------------------------------------
# QRE-1, QRE-4, QRE-5 (issue15-qre). OpenZeppelin's Math.mulDiv is inline assembly: it is replaced by its
# documented contract (floor(x·y / d), reverts when d = 0 or the result does not fit), the "mulDiv rounds
# down" assumption QRE-4 declares; SafeERC20's transfer (assembly too) by "may revert, changes no project
# state" (the token is code outside the project).

BM = "BalanceManager"
BPS = 10_000
TOKEN = (0, "token units")  # a collateral of any decimals: raw units of that token


def _mul_div(view: Any) -> Any:
    from vaultproof.spec import SummaryResult

    x, y, d = view.args
    return SummaryResult(returns=(x * y / d,), reverts=z3.Or(d == 0, x * y / d > 2**256 - 1))


def _token_transfer(view: Any) -> Any:
    from vaultproof.spec import SummaryResult

    # named by the executor's own counter (deterministic: the n-th fresh term of this execution), never
    # by a Python object id, which changes every run and with it the obligation's text and cache key
    return SummaryResult(reverts=z3.Bool(view.executor.fresh_name("safeTransfer") + ".reverts"))


INTERNAL = {"Math.mulDiv": _mul_div, "SafeERC20.safeTransfer": _token_transfer}


def qre1_code(ctx: ModelContext) -> list[Obligation]:
    """QRE-1 on code: setCollateral stores only initial ≤ maintenance ≤ 100 % weights and keeps at most
    MAX_COLLATERALS registered; equity18 / initialEquity18 are the Σ of the counted collateral values on
    their basis plus pnl minus fees; each collateral is valued no higher on the initial basis (valueUsd18
    monotone in the weight, on its code), hence initialEquity18 ≤ equity18."""
    from models.monotone import lemmas
    from vaultproof.spec import code_obligation, execute

    ex = execute(code_of(ctx), f"{QRE}.setCollateral", deployment=ctx.deployment, label="cfg")
    token = ex.arg("token")
    fields = {f: ex.post(QRE, "_configs", token, f) for f in ("initialWeightBps", "maintenanceWeightBps")}
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("initialWeightBps before", ex.before(QRE, "_configs", token, "initialWeightBps"))
    shown.add("maintenanceWeightBps before", ex.before(QRE, "_configs", token, "maintenanceWeightBps"))
    shown.add("initialWeightBps after", fields["initialWeightBps"])
    shown.add("maintenanceWeightBps after", fields["maintenanceWeightBps"])
    shown.add("enabled after", ex.post(QRE, "_configs", token, "enabled"))
    stored = [
        code_obligation(
            "code: QuantumRiskEngine.setCollateral stores initialWeight ≤ maintenanceWeight ≤ 100% "
            "(10,000 bps)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    fields["initialWeightBps"] <= fields["maintenanceWeightBps"],
                    fields["maintenanceWeightBps"] <= BPS,
                ),
            ),
            witness=z3.And(ex.ok, fields["initialWeightBps"] < fields["maintenanceWeightBps"]),
            shown=shown.tuple(),
            explanation="the owner can configure a collateral whose initial weight exceeds its maintenance "
            "weight (or above 100%)",
        )
    ]
    return [
        *stored,
        collateral_list_bounded(ctx),
        *lemmas(),
        value_monotone(ctx, "weightBps"),
        weight_order(ctx),
        valuation_formula(ctx),
        *equity_sum(ctx, "equity18"),
        *equity_sum(ctx, "initialEquity18"),
        equity_order(ctx),
    ]


def qre4_code(ctx: ModelContext) -> list[Obligation]:
    """_counted applies both caps (per user, then pro rata of the per-asset cap)."""
    from vaultproof.spec import code_obligation, execute

    code = code_of(ctx)
    ex = execute(code, f"{QRE}._counted", deployment=ctx.deployment, internal_summaries=INTERNAL, label="cnt")
    token, bal, counted = ex.arg("token"), ex.arg("bal"), ex.ret(0)
    user_cap = ex.before(QRE, "_configs", token, "userCap")
    asset_cap = ex.before(QRE, "_configs", token, "assetCap")
    total = ex.before(BM, "_totalClaims", token)
    capped = z3.If(bal < user_cap, bal, user_cap)
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("bal (argument)", bal, TOKEN)
    shown.add("userCap (config) before", user_cap, TOKEN)
    shown.add("assetCap (config) before", asset_cap, TOKEN)
    shown.add("BalanceManager totalClaims(token) before", total, TOKEN)
    shown.add("userCap (config) after", ex.post(QRE, "_configs", token, "userCap"), TOKEN)
    shown.add("counted (returned)", counted, TOKEN)
    out = [
        code_obligation(
            "code: QuantumRiskEngine._counted never reverts, counts ≤ min(balance, userCap), and pro rata "
            "(counted·totalClaims ≤ min(balance, userCap)·assetCap) once totalClaims > assetCap",
            ex,
            z3.And(
                ex.ok,
                counted <= capped,
                z3.Implies(total > asset_cap, counted * total <= capped * asset_cap),
                z3.Implies(total <= asset_cap, counted == capped),
            ),
            # the storage words read (a twin that no longer reads one must still see a uint256 there)
            assumptions=[z3.And(v >= 0, v < 2**256) for v in (user_cap, asset_cap, total)],
            witness=z3.And(total > asset_cap, capped > 0, asset_cap > 0),
            shown=shown.tuple(),
            explanation="a user's counted collateral exceeds its per-user cap or its pro-rata share of the "
            "per-asset cap",
        )
    ]
    # equity18 values every registered collateral at its COUNTED balance (collateralValue18 and _counted
    # uninterpreted: the Σ identity is linear). "QRE writes no storage / moves no tokens" is a structural
    # fact (a goal the solver would call a TAUTOLOGY): ST-9 decides it statically
    return [*out, *equity_sum(ctx, "equity18")]


def qre5_code(ctx: ModelContext) -> list[Obligation]:
    """The gate on code: BalanceManager.withdraw succeeds only if canWithdraw said yes, and then debits
    exactly the amount (free balance and totalClaims); canWithdraw says yes only if the initial-weighted
    equity with the amount removed covers the initial margin (both with the callee summarised: the
    concrete counterexamples of the gate's twins). Then end to end: withdraw with canWithdraw and its
    _equity18 loop on code, and initialEquity18 on the post-withdrawal state, covers the initial margin."""
    from vaultproof.spec import SummaryResult, code_obligation, execute

    code = code_of(ctx)
    gate = z3.Bool("withdraw.canWithdraw")

    def can_withdraw(view: Any) -> Any:
        return SummaryResult(returns=(gate,))

    wd = execute(
        code,
        f"{BM}.withdraw",
        deployment=ctx.deployment,
        summaries={f"{QRE}.canWithdraw": can_withdraw},
        internal_summaries=INTERNAL,
        label="withdraw",
    )
    user, token, amount = wd.env["msg.sender"], wd.arg("token"), wd.arg("amount")
    guard = wd.before(BM, "withdrawGuard")
    free0, free1 = wd.before(BM, "_free", user, token), wd.post(BM, "_free", user, token)
    claims0, claims1 = wd.before(BM, "_totalClaims", token), wd.post(BM, "_totalClaims", token)
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("amount (argument)", amount, TOKEN)
    shown.add("msg.sender", user)
    shown.add("withdrawGuard before", guard)
    shown.add("canWithdraw answered", gate)
    shown.add("free balance before", free0, TOKEN)
    shown.add("free balance after", free1, TOKEN)
    shown.add("totalClaims before", claims0, TOKEN)
    shown.add("totalClaims after", claims1, TOKEN)
    out = [
        code_obligation(
            "code: BalanceManager.withdraw with a guard succeeds only if canWithdraw(user, token, amount) "
            "is true, and debits exactly amount from the free balance and totalClaims",
            wd,
            z3.Implies(
                z3.And(wd.ok, guard != 0),
                z3.And(gate, free1 == free0 - amount, claims1 == claims0 - amount),
            ),
            witness=z3.And(wd.ok, guard != 0, amount > 0),
            shown=shown.tuple(),
            explanation="a withdrawal succeeds although the risk engine's gate refused it",
        )
    ]
    eq = z3.Int("canWithdraw._equity18")

    def equity(view: Any) -> Any:
        return SummaryResult(returns=(eq,), ensures=z3.And(eq >= -(2**255), eq < 2**255))

    cw = execute(
        code,
        f"{QRE}.canWithdraw",
        deployment=ctx.deployment,
        internal_summaries={**INTERNAL, f"{QRE}._equity18": equity},
        label="canWithdraw",
    )
    cuser, ctoken, camount = cw.arg("user"), cw.arg("token"), cw.arg("amount")
    im = cw.before(QRE, "_initialMargin18", cuser)
    balance = cw.before(BM, "_free", cuser, ctoken)
    gshown = Shown()
    gshown.add("user (argument)", cuser)
    gshown.add("token (argument)", ctoken)
    gshown.add("amount (argument)", camount, TOKEN)
    gshown.add("free balance before", balance, TOKEN)
    gshown.add("initial-weighted equity without the amount", eq, USD18)
    gshown.add("initialMargin18 before", im, USD18)
    gshown.add("maintenanceMargin18 before", cw.before(QRE, "_maintenanceMargin18", cuser), USD18)
    gshown.add("initialMargin18 after", cw.post(QRE, "_initialMargin18", cuser), USD18)
    gshown.add("canWithdraw (returned)", cw.ret(0))
    out.append(
        code_obligation(
            "code: QuantumRiskEngine.canWithdraw is true only if amount ≤ free balance and the "
            "initial-weighted equity without the amount is ≥ 0 and ≥ initialMargin18",
            cw,
            z3.Implies(z3.And(cw.ok, cw.ret(0)), z3.And(camount <= balance, eq >= 0, eq >= im)),
            assumptions=[z3.And(v >= 0, v < 2**256) for v in (im, balance)],  # uint256 words, read or not
            witness=z3.And(cw.ok, cw.ret(0), im > 0),
            shown=gshown.tuple(),
            explanation="the gate lets a withdrawal through that leaves initial margin uncovered",
        )
    )
    # end to end (s21-qre): the gate inlined, the equity after the withdrawal, and the contracts the
    # comparison assumes at its calls, each proved on its code here (collateralValue18 and valueUsd18
    # monotone in the balance with their lemmas, _counted antitone in totalClaims with mulDiv's)
    out.extend(qre3_code(ctx))
    out.extend(mul_div_lemmas())
    out.append(counted_antitone(ctx))
    out.extend(withdraw_end_to_end(ctx))
    return out


# ------------------------------------------------------------------------------------------------------
# QRE-3 (and the weight order of QRE-1), s21-qre: monotonicity on code, modular. One lemma per pure step
# (models.monotone: a product, a floor quotient), CollateralMath.valueUsd18 monotone on its own code with
# those lemmas' instances, then collateralValue18 executed with valueUsd18 replaced by an uninterpreted
# function that is assumed monotone only at its recorded call sites (the valueUsd18 obligation proves it
# for all arguments). Each query is then linear over the products as atoms.

VALUE_FN = "CollateralMath.valueUsd18"
VALUE_ARGS = ("balance", "decimals", "price", "priceDecimals", "weightBps")
VALUE_BITS = {"balance": 256, "decimals": 8, "price": 256, "priceDecimals": 8, "weightBps": 16}


def value_monotone(ctx: ModelContext, varying: str) -> Obligation:
    """valueUsd18 on its code: at a larger ``varying`` argument (others equal) a call that does not revert
    means the smaller one does not revert either and returns no more."""
    from models.monotone import execution_steps, no_higher
    from vaultproof.spec import code_obligation, execute

    code = code_of(ctx)
    shared = {n: z3.Int(f"value.{n}") for n in VALUE_ARGS if n != varying}
    lo, hi = z3.Int(f"value.{varying}.lo"), z3.Int(f"value.{varying}.hi")
    small = execute(code, VALUE_FN, deployment=ctx.deployment, args={**shared, varying: lo}, label="lo")
    large = execute(code, VALUE_FN, deployment=ctx.deployment, args={**shared, varying: hi}, label="hi")
    ranges = [
        z3.And(v >= 0, v < 2 ** VALUE_BITS[n]) for n, v in (*shared.items(), (varying, lo), (varying, hi))
    ]
    shown = Shown()
    for n, v in shared.items():
        shown.add(f"{n} (argument)", v)
    shown.add(f"{varying} (smaller)", lo)
    shown.add(f"{varying} (larger)", hi)
    shown.add("value at the smaller", small.ret(0), USD18)
    shown.add("value at the larger", large.ret(0), USD18)
    return code_obligation(
        f"code: CollateralMath.valueUsd18 is non-decreasing in {varying} (and reverts at the smaller only "
        "if at the larger)",
        [small, large],
        no_higher(small, large, given=lo <= hi),
        assumptions=[*ranges, *execution_steps(small, large)],
        # a real valuation (every factor positive); asking for a positive result too makes the witness
        # search non-linear (4 s instead of 0.3 s)
        witness=z3.And(large.ok, lo < hi, lo > 0, *[v > 0 for n, v in shared.items() if n != "decimals"]),
        shown=shown.tuple(),
        explanation=f"a larger {varying} is valued lower (or reverts where the smaller does not)",
    )


def _collateral_values(ctx: ModelContext, label: str, **args: Any) -> tuple[Any, Any]:
    """collateralValue18 with valueUsd18 uninterpreted (models.monotone.PureCalls), on the block ``cv.*``."""
    from models.monotone import PureCalls
    from vaultproof.spec import execute

    value = PureCalls(VALUE_FN, len(VALUE_ARGS))
    env = {"block.timestamp": z3.Int("cv.block.timestamp")}
    runs = [
        execute(
            code_of(ctx),
            f"{QRE}.collateralValue18",
            deployment=ctx.deployment,
            args=a,
            env=env,
            internal_summaries={VALUE_FN: value},
            label=f"{label}{i}",
        )
        for i, a in enumerate(args["runs"])
    ]
    return runs, value


def qre3_code(ctx: ModelContext) -> list[Obligation]:
    """collateralValue18 is non-decreasing in the balance (oracle inlined, either weight basis)."""
    from models.monotone import lemmas, no_higher
    from vaultproof.spec import code_obligation

    token, maintenance = z3.Int("cv.token"), z3.Bool("cv.maintenance")
    b1, b2 = z3.Int("cv.balance.lo"), z3.Int("cv.balance.hi")
    (small, large), value = _collateral_values(
        ctx,
        "mono",
        runs=[{"token": token, "maintenance": maintenance, "balance": b} for b in (b1, b2)],
    )
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("maintenance basis (argument)", maintenance)
    shown.add("smaller balance (argument)", b1, TOKEN)
    shown.add("larger balance (argument)", b2, TOKEN)
    shown.add("decimals (config) before", small.before(QRE, "_configs", token, "decimals"))
    shown.add("userCap (config) before", small.before(QRE, "_configs", token, "userCap"), TOKEN)
    shown.add(
        "maxNotionalUsd18 (config) before", small.before(QRE, "_configs", token, "maxNotionalUsd18"), USD18
    )
    shown.add("decimals (config) after", large.post(QRE, "_configs", token, "decimals"))
    shown.add("value at the smaller balance", small.ret(0), USD18)
    shown.add("value at the larger balance", large.ret(0), USD18)
    ranges = [z3.And(b >= 0, b < 2**256) for b in (b1, b2)]
    return [
        *lemmas(),
        value_monotone(ctx, "balance"),
        code_obligation(
            "code: QuantumRiskEngine.collateralValue18 is non-decreasing in the balance (oracle inlined; "
            "valueUsd18 monotone at its call sites, proved on its code)",
            [small, large],
            no_higher(small, large, given=b1 <= b2),
            assumptions=[*ranges, *value.ordered(VALUE_ARGS.index("balance"))],
            witness=z3.And(large.ok, b1 < b2, b1 > 0, small.ret(0) > 0, token != small.before(QRE, "usdc")),
            shown=shown.tuple(),
            explanation="a larger balance of one collateral is valued lower",
        ),
    ]


MAX_COLLATERALS = 8  # QuantumRiskEngine.MAX_COLLATERALS (read from the contract where a context has it)
CV_FN = f"{QRE}.collateralValue18"
COUNTED_FN = f"{QRE}._counted"


def _max_collaterals(ctx: ModelContext) -> int:
    return int(ctx.param(f"{QRE}.MAX_COLLATERALS"))


def weight_order(ctx: ModelContext) -> Obligation:
    """collateralValue18 on code: the initial basis values a collateral no higher than the maintenance
    basis, for a configuration with initialWeight ≤ maintenanceWeight (what setCollateral stores)."""
    from models.monotone import no_higher
    from vaultproof.spec import code_obligation

    token, balance = z3.Int("cv.token"), z3.Int("cv.balance")
    (init, maint), value = _collateral_values(
        ctx,
        "basis",
        runs=[{"token": token, "balance": balance, "maintenance": z3.BoolVal(m)} for m in (False, True)],
    )
    iw = init.before(QRE, "_configs", token, "initialWeightBps")
    mw = init.before(QRE, "_configs", token, "maintenanceWeightBps")
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("balance (argument)", balance, TOKEN)
    shown.add("initialWeightBps (config)", iw)
    shown.add("maintenanceWeightBps (config)", mw)
    shown.add("initial-basis value", init.ret(0), USD18)
    shown.add("maintenance-basis value", maint.ret(0), USD18)
    return code_obligation(
        "code: QuantumRiskEngine.collateralValue18 values a collateral no higher on the initial basis than "
        "on the maintenance basis when initialWeight ≤ maintenanceWeight (valueUsd18 monotone in the weight "
        "at its call sites, proved on its code)",
        [init, maint],
        no_higher(init, maint, given=iw <= mw),
        assumptions=value.ordered(VALUE_ARGS.index("weightBps")),
        witness=z3.And(maint.ok, iw < mw, init.ret(0) > 0, token != init.before(QRE, "usdc")),
        shown=shown.tuple(),
        explanation="the withdraw basis (initial weights) values a collateral above the liquidation basis",
    )


def collateral_list_bounded(ctx: ModelContext) -> Obligation:
    """setCollateral keeps at most MAX_COLLATERALS registered (the bound of every collateral loop; the
    constructor registers USDC alone)."""
    from vaultproof.spec import code_obligation, execute

    bound = _max_collaterals(ctx)
    ex = execute(code_of(ctx), f"{QRE}.setCollateral", deployment=ctx.deployment, label="register")
    before, after = ex.before(QRE, "_collaterals", "length"), ex.post(QRE, "_collaterals", "length")
    shown = Shown()
    shown.add("token (argument)", ex.arg("token"))
    shown.add("registered collaterals before", before)
    shown.add("registered collaterals after", after)
    return code_obligation(
        f"code: QuantumRiskEngine.setCollateral keeps _collaterals.length ≤ MAX_COLLATERALS = {bound}",
        ex,
        z3.Implies(z3.And(ex.ok, before <= bound), after <= bound),
        witness=z3.And(ex.ok, before == bound - 1, after == bound),
        shown=shown.tuple(),
        explanation="the owner can register more collaterals than every collateral loop is bounded by",
    )


def _equity(ctx: ModelContext, entry: str, cv: Any, counted: Any, label: str, user: Any = None) -> Any:
    """``entry`` (equity18 / initialEquity18 / canWithdraw) executed with collateralValue18 and _counted
    uninterpreted, the collateral loop unrolled to MAX_COLLATERALS, on the block ``cv.*``."""
    from models.code_common import loop_line
    from vaultproof.spec import Unroll, execute

    code = code_of(ctx)
    loop = f"{QRE}._equity18:{loop_line(code, f'{QRE}._equity18')}"
    return execute(
        code,
        f"{QRE}.{entry}",
        deployment=ctx.deployment,
        env={"block.timestamp": z3.Int("cv.block.timestamp")},
        loops={loop: Unroll(_max_collaterals(ctx))},
        internal_summaries={**INTERNAL, CV_FN: cv, COUNTED_FN: counted},
        args={} if user is None else {"user": user},
        label=label,
    )


PNL_BOUND = 10**40  # QRE-1's declared |pnl18|, fees18 ≤ 10^40


def _equity_terms(ex: Any, cv: Any, counted: Any, maintenance: bool, bound: int) -> Any:
    """Σ_{i < length} collateralValue18(c_i, _counted(c_i, held_i), basis) + pnl − fees over the pre-state,
    held_i = free + (marginVault ≠ 0 ? locked by it : 0): what _equity18(user, basis, 0, 0) must return."""
    user = ex.arg("user")
    n = ex.before(QRE, "_collaterals", "length")
    vault = ex.before(QRE, "marginVault")
    total = z3.IntVal(0)
    for i in range(bound):
        token = ex.before(QRE, "_collaterals", i)
        held = ex.before(BM, "_free", user, token) + z3.If(
            vault != 0, ex.before(BM, "_locked", user, token, vault), 0
        )
        total = total + z3.If(i < n, cv.value(token, counted.value(token, held), z3.BoolVal(maintenance)), 0)
    return total + ex.before(QRE, "unrealizedPnl18", user) - ex.before(QRE, "pendingFees18", user)


def equity_sum(ctx: ModelContext, entry: str = "equity18") -> list[Obligation]:
    """equity18 / initialEquity18 on code: the Σ over the registered collaterals of collateralValue18 of the
    COUNTED (capped) held balance on its basis, plus pnl, minus fees; the loop runs over every collateral
    (loop-bound) and reads in bounds. collateralValue18 and _counted are uninterpreted here (each is a
    function of its arguments within the one state the view runs in); their contracts are their own
    obligations (QRE-3, weight order, _counted)."""
    from models.monotone import PureCalls
    from vaultproof.spec import check_obligations, code_obligation

    bound = _max_collaterals(ctx)
    cv, counted = PureCalls(CV_FN, 3, bools=(2,)), PureCalls(COUNTED_FN, 2)
    ex = _equity(ctx, entry, cv, counted, entry)
    maintenance = entry == "equity18"
    expected = _equity_terms(ex, cv, counted, maintenance, bound)
    user, n = ex.arg("user"), ex.before(QRE, "_collaterals", "length")
    registered = n <= bound  # setCollateral's obligation (collateral_list_bounded); the constructor adds 1
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("registered collaterals", n)
    shown.add("marginVault", ex.before(QRE, "marginVault"))
    shown.add("unrealizedPnl18", ex.before(QRE, "unrealizedPnl18", user), USD18)
    shown.add("pendingFees18", ex.before(QRE, "pendingFees18", user), USD18)
    shown.add(f"{entry} (returned)", ex.ret(0), USD18)
    shown.add("Σ counted values + pnl − fees", expected, USD18)
    basis = "maintenance" if maintenance else "initial"
    return [
        code_obligation(
            f"code: QuantumRiskEngine.{entry} = Σ over the registered collaterals of collateralValue18("
            f"token, _counted(token, held balance), {basis}) + pnl − fees",
            ex,
            z3.Implies(z3.And(ex.ok, registered), ex.ret(0) == expected),
            witness=z3.And(ex.ok, n == 2, ex.ret(0) > 0),
            shown=shown.tuple(),
            explanation=f"{entry} is not the sum of the counted collateral values plus pnl minus fees",
        ),
        # the unrolling is exhaustive (reads are in bounds by the loop condition: reverts, not claims)
        *check_obligations(ex, kinds=("loop-bound",), assumptions=[registered], label=entry),
    ]


def equity_order(ctx: ModelContext) -> Obligation:
    """initialEquity18 ≤ equity18 on code, in one state: the same loop, each collateral valued on the
    initial basis no higher than on the maintenance basis (weight_order, instantiated at every call)."""
    from models.monotone import PureCalls, no_higher
    from vaultproof.spec import code_obligation

    bound = _max_collaterals(ctx)
    cv, counted = PureCalls(CV_FN, 3, bools=(2,)), PureCalls(COUNTED_FN, 2)
    user = z3.Int("eq.user")
    maint = _equity(ctx, "equity18", cv, counted, "maintenanceEq", user)
    init = _equity(ctx, "initialEquity18", cv, counted, "initialEq", user)

    def ordered_config(args: Any) -> z3.BoolRef:
        token = args[0]
        return init.before(QRE, "_configs", token, "initialWeightBps") <= init.before(
            QRE, "_configs", token, "maintenanceWeightBps"
        )

    pnl, fees = (
        maint.before(QRE, "unrealizedPnl18", user),
        maint.before(QRE, "pendingFees18", user),
    )
    n = maint.before(QRE, "_collaterals", "length")
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("registered collaterals", n)
    shown.add("unrealizedPnl18", pnl, USD18)
    shown.add("pendingFees18", fees, USD18)
    shown.add("initialEquity18 (returned)", init.ret(0), USD18)
    shown.add("equity18 (returned)", maint.ret(0), USD18)
    return code_obligation(
        "code: QuantumRiskEngine.initialEquity18(user) ≤ equity18(user) in every state where each "
        "collateral's initialWeight ≤ maintenanceWeight (and equity18 not reverting ⇒ initialEquity18 not "
        "reverting)",
        [maint, init],
        no_higher(init, maint),
        assumptions=[
            z3.And(user >= 0, user < 2**160),
            n <= bound,
            pnl >= -PNL_BOUND,
            pnl <= PNL_BOUND,
            fees <= PNL_BOUND,
            # setCollateral stores only ordered weights (qre1's first obligation), the constructor 100 %
            *[ordered_config((init.before(QRE, "_collaterals", i),)) for i in range(bound)],
            *cv.ordered(2, condition=ordered_config),
        ],
        witness=z3.And(maint.ok, n == 2, init.ret(0) > 0, init.ret(0) < maint.ret(0)),
        shown=shown.tuple(),
        explanation="the initial-weighted equity (withdraw basis) exceeds the maintenance-weighted equity",
    )


# ------------------------------------------------------------------------------------------------------
# QRE-5 end to end (s21-qre): BalanceManager.withdraw with the risk engine's gate INLINED (canWithdraw and
# its _equity18 loop on code), then initialEquity18 on the post-withdrawal state. Only pure functions are
# uninterpreted, so one function serves both states: valueUsd18 (monotone in the balance at its call sites,
# proved on its code) and OpenZeppelin's Math.mulDiv, whose documented contract floor(x·y / d) is replaced by
# an uninterpreted M with the two facts of that contract this step needs (mul_div_lemmas, proved over
# floor(x·y / d)): antitone in d, and ≤ x when y ≤ d.

MULDIV_FN = "Math.mulDiv"
ORACLE = "PriceOracle"


class _MulDiv:
    """Math.mulDiv as an uninterpreted ``M(x, y, d)``: reverts when d = 0 or M ≥ 2^256 (its contract's
    revert, in terms of the result), records its calls."""

    def __init__(self) -> None:
        ints = [z3.IntSort()] * 3
        self.value = z3.Function(MULDIV_FN, *ints, z3.IntSort())
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        x, y, d = view.args
        self.calls.append((x, y, d))
        m = self.value(x, y, d)
        return SummaryResult(returns=(m,), reverts=z3.Or(d == 0, m > 2**256 - 1), ensures=m >= 0)

    def facts(self, small: Sequence[Any], large: Sequence[Any]) -> list[z3.BoolRef]:
        """At each pair of corresponding calls (gate, after): the lemmas' instances."""
        out = []
        for (x, y, d), (x2, y2, d2) in zip(small, large, strict=True):
            out.append(
                z3.Implies(
                    z3.And(x == x2, y == y2, d2 <= d, d2 > 0), self.value(x, y, d) <= self.value(x2, y2, d2)
                )
            )
        for x, y, d in (*small, *large):
            out.append(z3.Implies(z3.And(x >= 0, y >= 0, y <= d, d > 0), self.value(x, y, d) <= x))
        return out


def mul_div_lemmas() -> list[Obligation]:
    """The two facts of floor(x·y / d) (Math.mulDiv's documented contract) that QRE-5 assumes at its calls."""
    x, y, d, d2 = z3.Int("mulDiv.x"), z3.Int("mulDiv.y"), z3.Int("mulDiv.d"), z3.Int("mulDiv.d'")
    shown = tuple(Quantity(n, v, 0, "") for n, v in (("x", x), ("y", y), ("d", d), ("d'", d2)))
    return [
        Obligation(
            name="lemma (mulDiv antitone in the divisor): x, y ≥ 0 ∧ 0 < d' ≤ d ⇒ x·y div d ≤ x·y div d'",
            assumptions=(x >= 0, y >= 0, d2 > 0, d2 <= d),
            goal=(x * y) / d <= (x * y) / d2,
            witness=z3.And(d2 < d, x > 0, y > 0),
            shown=shown,
            explanation="a larger total claims raises a pro-rata share",
        ),
        Obligation(
            name="lemma (mulDiv below the first factor): x, y ≥ 0 ∧ 0 < d ∧ y ≤ d ⇒ x·y div d ≤ x",
            assumptions=(x >= 0, y >= 0, d > 0, y <= d),
            goal=(x * y) / d <= x,
            witness=z3.And(y < d, x > 0),
            shown=shown,
            explanation="a pro-rata share of a cap below the total exceeds the capped balance",
        ),
    ]


def counted_antitone(ctx: ModelContext) -> Obligation:
    """_counted on code: with the asset's totalClaims lower (all else equal) the counted balance is no lower,
    and reverts only if it reverts at the higher total (mulDiv uninterpreted, its two lemmas at its calls)."""
    from vaultproof.spec import code_obligation, execute

    code = code_of(ctx)
    mul_div = _MulDiv()
    token, bal = z3.Int("cnt.token"), z3.Int("cnt.bal")
    high, low = z3.Int("cnt.totalClaims.high"), z3.Int("cnt.totalClaims.low")
    runs = [
        execute(
            code,
            COUNTED_FN,
            deployment=ctx.deployment,
            args={"token": token, "bal": bal},
            storage={(BM, "_totalClaims", token): total},
            internal_summaries={**INTERNAL, MULDIV_FN: mul_div},
            label=label,
        )
        for label, total in (("cntHigh", high), ("cntLow", low))
    ]
    at_high, at_low = runs
    calls_high, calls_low = mul_div.calls[: len(mul_div.calls) // 2], mul_div.calls[len(mul_div.calls) // 2 :]
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("bal (argument)", bal, TOKEN)
    shown.add("userCap (config) before", at_high.before(QRE, "_configs", token, "userCap"), TOKEN)
    shown.add("assetCap (config) before", at_high.before(QRE, "_configs", token, "assetCap"), TOKEN)
    shown.add("userCap (config) after", at_high.post(QRE, "_configs", token, "userCap"), TOKEN)
    shown.add("totalClaims (higher)", high, TOKEN)
    shown.add("totalClaims (lower)", low, TOKEN)
    shown.add("counted at the higher total", at_high.ret(0), TOKEN)
    shown.add("counted at the lower total", at_low.ret(0), TOKEN)
    return code_obligation(
        "code: QuantumRiskEngine._counted is non-increasing in the asset's totalClaims (a withdrawal that "
        "lowers totalClaims never lowers anyone's counted balance)",
        runs,
        z3.Implies(z3.And(low <= high, at_high.ok), z3.And(at_low.ok, at_high.ret(0) <= at_low.ret(0))),
        assumptions=[
            z3.And(low >= 0, high < 2**256, token >= 0, token < 2**160, bal >= 0, bal < 2**256),
            *mul_div.facts(calls_high, calls_low),
        ],
        witness=z3.And(
            at_high.ok, low < high, at_high.before(QRE, "_configs", token, "assetCap") < high, bal > 0
        ),
        shown=shown.tuple(),
        explanation="a lower total of claims on the asset lowers a user's counted balance",
    )


class _Counted:
    """_counted as an uninterpreted ``Cnt(token, bal, totalClaims(token))``: the total read from the
    custodian in the state of the call is an argument, so one function serves the states before and after
    a withdrawal (its other inputs, the token's caps, are unchanged: withdraw_frame)."""

    def __init__(self) -> None:
        ints = [z3.IntSort()] * 3
        self.value = z3.Function(COUNTED_FN, *ints, z3.IntSort())
        self.fails = z3.Function(f"{COUNTED_FN}.reverts", *ints, z3.BoolSort())
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        token, bal = view.args
        args = (token, bal, view.read(BM, "_totalClaims", token))
        self.calls.append(args)
        result = self.value(*args)
        return SummaryResult(
            returns=(result,), reverts=self.fails(*args), ensures=z3.And(result >= 0, result < 2**256)
        )

    def facts(self, gate: Sequence[Any], after: Sequence[Any]) -> list[z3.BoolRef]:
        """counted_antitone at each pair of corresponding calls (the gate's, after the withdrawal)."""
        return [
            z3.Implies(
                z3.And(t == t2, b == b2, c2 <= c, z3.Not(self.fails(t, b, c))),
                z3.And(z3.Not(self.fails(t2, b2, c2)), self.value(t, b, c) <= self.value(t2, b2, c2)),
            )
            for (t, b, c), (t2, b2, c2) in zip(gate, after, strict=True)
        ]


CONFIG_FIELDS = (
    "enabled",
    "decimals",
    "initialWeightBps",
    "maintenanceWeightBps",
    "priceSymbol",
    "assetCap",
    "userCap",
    "maxNotionalUsd18",
)


def withdraw_end_to_end(ctx: ModelContext) -> list[Obligation]:
    """BalanceManager.withdraw with the risk engine's gate inlined (canWithdraw, _equity18's loop on code),
    then initialEquity18 on the post-withdrawal state: the withdrawal succeeds only if the equity after it
    covers the initial margin. collateralValue18 and _counted are uninterpreted, their inputs explicit or
    unchanged by the withdrawal (withdraw_frame), and assumed monotone only at their corresponding calls
    (QRE-3's collateralValue18 obligation, counted_antitone)."""
    from models.code_common import loop_line
    from models.monotone import PureCalls
    from vaultproof.spec import ExtractionError, Unroll, check_obligations, code_obligation, execute

    code = code_of(ctx)
    bound = _max_collaterals(ctx)
    cv, counted = PureCalls(CV_FN, 3, bools=(2,)), _Counted()
    env = {"block.timestamp": z3.Int("wd.block.timestamp")}
    common: dict[str, Any] = {
        "deployment": ctx.deployment,
        "env": env,
        "loops": {f"{QRE}._equity18:{loop_line(code, f'{QRE}._equity18')}": Unroll(bound)},
        "internal_summaries": {**INTERNAL, CV_FN: cv, COUNTED_FN: counted},
    }
    wd = execute(code, f"{BM}.withdraw", label="withdrawE2E", **common)
    gate_cv, gate_counted = list(cv.calls), list(counted.calls)
    user, token, amount = wd.env["msg.sender"], wd.arg("token"), wd.arg("amount")
    after = execute(
        code, f"{QRE}.initialEquity18", pre=wd, args={"user": user}, label="afterWithdraw", **common
    )
    after_cv, after_counted = cv.calls[len(gate_cv) :], counted.calls[len(gate_counted) :]
    # collateralValue18 is non-decreasing in the balance (QRE-3, on its code) at each corresponding call
    monotone = [
        z3.Implies(
            z3.And(t == t2, m == m2, b <= b2, z3.Not(cv.fails(t2, b2, m2))),
            z3.And(z3.Not(cv.fails(t, b, m)), cv.value(t, b, m) <= cv.value(t2, b2, m2)),
        )
        for (t, b, m), (t2, b2, m2) in zip(gate_cv, after_cv, strict=True)
    ]
    guard = wd.before(BM, "withdrawGuard")
    im = wd.before(QRE, "_initialMargin18", user)
    n = wd.before(QRE, "_collaterals", "length")
    # the i-th valuation before and after reads the same collateral, the same held balance (the gate
    # removes the amount; the withdrawal does), and a totalClaims no higher after: one code obligation per
    # iteration (one query over all eight does not decide in 60 s; each alone in ~2 s), then the premises that
    # let the main obligation match the monotonicity instances (a linear Σ after that). One call of each
    # function per iteration, in order; iterations at or beyond the length are not run.
    if not len(gate_counted) == len(after_counted) == len(gate_cv) == len(after_cv):
        # the pairing below is a fact about the code's shape; on code of another shape (a mutant that
        # values the held balance and never calls _counted) it is no obligation to state, and no silent cut
        raise ExtractionError(
            f"{QRE}._equity18 calls {COUNTED_FN.split('.')[-1]} {len(gate_counted)} time(s) and "
            f"{CV_FN.split('.')[-1]} {len(gate_cv)} time(s) in the gate; the withdrawal obligation pairs "
            "one of each per iteration"
        )
    bridges = [
        z3.Implies(i < n, z3.And(t == t2, b == b2, c2 <= c, tv == t, tv2 == t2))
        for i, ((t, b, c), (t2, b2, c2), (tv, _, _), (tv2, _, _)) in enumerate(
            zip(gate_counted, after_counted, gate_cv, after_cv, strict=True)
        )
    ]
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("amount (argument)", amount, TOKEN)
    shown.add("msg.sender", user)
    shown.add("registered collaterals", n)
    shown.add("free balance before", wd.before(BM, "_free", user, token), TOKEN)
    shown.add("free balance after", wd.post(BM, "_free", user, token), TOKEN)
    shown.add("totalClaims before", wd.before(BM, "_totalClaims", token), TOKEN)
    shown.add("totalClaims after", wd.post(BM, "_totalClaims", token), TOKEN)
    shown.add("initialMargin18 before", im, USD18)
    shown.add("initialEquity18 after the withdrawal", after.ret(0), USD18)
    allowed = z3.And(wd.ok, guard != 0, after.ok)
    # the frame that lets one collateralValue18 / _counted function serve both states: their inputs other
    # than their arguments (and _counted's explicit totalClaims) are the token's configuration and the
    # oracle's prices (immutables and the block aside), which the withdrawal leaves as they were
    any_token, any_symbol = z3.Int("frame.token"), z3.Int("frame.symbol")
    kept = [
        wd.post(QRE, "_configs", any_token, f) == wd.before(QRE, "_configs", any_token, f)
        for f in CONFIG_FIELDS
    ]
    kept += [
        wd.post(ORACLE, "_prices", any_symbol, f) == wd.before(ORACLE, "_prices", any_symbol, f)
        for f in ("price", "decimals", "updatedAt")
    ]
    kept.append(wd.post(ORACLE, "maxStaleness") == wd.before(ORACLE, "maxStaleness"))
    frame_shown = Shown()
    frame_shown.add("token (argument)", token)
    frame_shown.add("amount (argument)", amount, TOKEN)
    frame_shown.add("a collateral's userCap before", wd.before(QRE, "_configs", any_token, "userCap"), TOKEN)
    frame_shown.add("a collateral's userCap after", wd.post(QRE, "_configs", any_token, "userCap"), TOKEN)
    return [
        code_obligation(
            "code: BalanceManager.withdraw (the gate inlined) leaves every collateral configuration and "
            "every oracle price as they were",
            wd,
            z3.Implies(wd.ok, z3.And(*kept)),
            witness=z3.And(wd.ok, guard != 0, amount > 0),
            shown=frame_shown.tuple(),
            explanation="a withdrawal changes what the risk engine values collateral with",
        ),
        *[
            code_obligation(
                f"code: BalanceManager.withdraw with the risk engine as its guard: collateral #{i} is valued "
                "after the withdrawal at the held balance the gate valued (less the amount) and a "
                "totalClaims no higher",
                [wd, after],
                z3.Implies(allowed, bridge),
                witness=z3.And(allowed, amount > 0, n == i + 1),
                shown=shown.tuple(),
                explanation="after the withdrawal a collateral is valued at a balance the gate did not see",
            )
            for i, bridge in enumerate(bridges)
        ],
        code_obligation(
            "code: BalanceManager.withdraw with the risk engine as its guard (canWithdraw and _equity18 on "
            "code) succeeds only if initialEquity18 after the withdrawal still covers initialMargin18",
            [wd, after],
            z3.Implies(allowed, after.ret(0) >= im),
            assumptions=[
                n <= bound,
                *[z3.Implies(allowed, bridge) for bridge in bridges],  # the obligations above
                *monotone,
                *counted.facts(gate_counted, after_counted),
            ],
            witness=z3.And(allowed, amount > 0, n == 2, im > 0),
            shown=shown.tuple(),
            explanation="a withdrawal the gate lets through leaves the account below its initial margin",
        ),
        *check_obligations(wd, kinds=("loop-bound",), assumptions=[n <= bound], label="gate"),
        *check_obligations(after, kinds=("loop-bound",), assumptions=[n <= bound], label="after"),
    ]


def valuation_formula(ctx: ModelContext) -> Obligation:
    """collateralValue18 on code is the weighted valuation of the seed: 0 for a disabled collateral, a zero
    balance or a stale / missing / over-18-decimal price; USDC at price 1 and weight 100 %; any other
    collateral sizeScaled(valueUsd18(balance, decimals, oracle price, oracle decimals, the basis' weight),
    maxNotionalUsd18) (valueUsd18 uninterpreted: its code is tied to the model per profile)."""
    from vaultproof.spec import code_obligation

    token, balance, maintenance = z3.Int("cv.token"), z3.Int("cv.balance"), z3.Bool("cv.maintenance")
    (ex,), value = _collateral_values(
        ctx, "formula", runs=[{"token": token, "balance": balance, "maintenance": maintenance}]
    )

    def cfg(field: str) -> Any:
        return ex.before(QRE, "_configs", token, field)

    symbol = cfg("priceSymbol")
    price = ex.before(ORACLE, "_prices", symbol, "price")
    price_decimals = ex.before(ORACLE, "_prices", symbol, "decimals")
    updated, now = ex.before(ORACLE, "_prices", symbol, "updatedAt"), z3.Int("cv.block.timestamp")
    fresh = z3.And(
        price != 0,
        z3.Or(updated >= now, now - updated <= ex.before(ORACLE, "maxStaleness")),
        price_decimals <= 18,
    )
    weight = z3.If(maintenance, cfg("maintenanceWeightBps"), cfg("initialWeightBps"))
    weighted = value.value(balance, cfg("decimals"), price, price_decimals, weight)
    cap = cfg("maxNotionalUsd18")
    scaled = z3.If(weighted <= cap, weighted, cap + (weighted - cap) * 5_000 / BPS)
    usdc = ex.before(QRE, "usdc")
    expected = z3.If(
        z3.Or(z3.Not(cfg("enabled")), balance == 0),
        0,
        z3.If(token == usdc, value.value(balance, cfg("decimals"), 1, 0, BPS), z3.If(fresh, scaled, 0)),
    )
    shown = Shown()
    shown.add("token (argument)", token)
    shown.add("balance (argument)", balance, TOKEN)
    shown.add("maintenance basis (argument)", maintenance)
    shown.add("enabled (config) before", cfg("enabled"))
    shown.add("oracle price before", price)
    shown.add("oracle decimals before", price_decimals)
    shown.add("maxNotionalUsd18 (config) after", ex.post(QRE, "_configs", token, "maxNotionalUsd18"), USD18)
    shown.add("value returned", ex.ret(0), USD18)
    return code_obligation(
        "code: QuantumRiskEngine.collateralValue18 = sizeScaled(valueUsd18(balance, decimals, oracle price, "
        "oracle decimals, the basis' weight)), USDC at price 1 and weight 100 %, 0 when disabled, empty or "
        "stale",
        ex,
        z3.Implies(ex.ok, ex.ret(0) == expected),
        witness=z3.And(ex.ok, token != usdc, fresh, balance > 0, ex.ret(0) > 0),
        shown=shown.tuple(),
        explanation="a collateral is not valued as balance × price × weight (size-scaled) on its basis",
    )
