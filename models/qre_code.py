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

from typing import Any

import z3

from models.code_common import USDC, Shown, code_of
from vaultproof.spec import ModelContext, Obligation

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
    """QRE-1's configuration stage: setCollateral stores only initial ≤ maintenance ≤ 100 % weights."""
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
    return [
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
    # equity18 is not an obligation here: its loop over 8 inlined valuations does not decide within the
    # budget (a Σ identity at n ≤ 1 already times out at 30 s), and "writes no storage" is a structural
    # fact (a goal the solver would call a TAUTOLOGY) — ST-9 decides that QRE moves no tokens, statically
    return out


def qre5_code(ctx: ModelContext) -> list[Obligation]:
    """The gate on code: BalanceManager.withdraw succeeds only if canWithdraw said yes, and then debits
    exactly the amount (free balance and totalClaims); canWithdraw says yes only if the initial-weighted
    equity with the amount removed covers the initial margin. The post-withdrawal monotonicity step
    (QRE-3 over the collateral loop of _equity18) is the model's: _equity18 is summarised here."""
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
    return out
