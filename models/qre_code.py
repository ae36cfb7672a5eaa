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
