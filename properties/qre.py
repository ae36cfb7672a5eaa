"""QRE — the multi-asset risk engine (seed 002). Models: ``models.qre``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from models import qre as m
from models import qre_code as code
from properties import REGISTRY
from vaultproof.spec import CodeTwin, FunctionRef, ModelChecker, PropertyDecl, Severity

S002 = "002_68ecb7afab86fcaf.txt"
QRE = "QuantumRiskEngine"
VALUE = FunctionRef("CollateralMath", "valueUsd18")
SCALED = FunctionRef("CollateralMath", "sizeScaled")
PROFILES = (
    "collateral profiles USDC 6 dp (price 1, 0 dp), WBTC 8 dp, WETH 18 dp, MON 18 dp (8-dp oracle prices)"
)
# The code twins are flow mutants of the campaign (properties/mutants.toml): one description for both.
MUTANT_TEXT = {
    m["id"]: m["description"]
    for m in tomllib.loads(Path(__file__).with_name("mutants.toml").read_text(encoding="utf-8"))["mutant"]
}
# Why the valuation loop itself is not executed by an obligation (the stages around it are).
EQUITY_LOOP = (
    "the collateral loop of _equity18 (8 inlined valuations with the oracle and the custodian) does not "
    "decide within the 20 s budget on code: the Σ identity already times out at 30 s for one collateral"
)
BOUNDS = "balances ≤ 10^30 token units and prices ≤ 10^15 price units (no overflow is claimed beyond)"

REGISTRY.register(
    PropertyDecl(
        id="QRE-1",
        title="Equity is the weighted basket value; initial ≤ maintenance ≤ 100%",
        claim="equity = Σ balance × price × weight (+ PnL − fees), 18 decimals; initial weight ≤ "
        "maintenance weight ≤ 1.",
        severity=Severity.HIGH,
        seed=f"{S002} §Universal patterns (balance × oraclePrice × weight; two-tier weight); §DECISION "
        f"(Accounting)",
        rationale="CollateralMath.valueUsd18 and sizeScaled are extracted and proved equal to the models "
        "per profile; each checked multiplication of valueUsd18 is an obligation that it cannot overflow "
        "within the bounds; a config accepted by setCollateral (initial ≤ maintenance ≤ BPS) values every "
        "asset with initial ≤ maintenance ≤ unweighted; the collateral loop is proved by induction "
        "(initialTotal ≤ maintenanceTotal ≤ k·max), and the final int256(total) + pnl − fees cannot "
        "overflow.",
        assumptions=(PROFILES, BOUNDS, "|pnl18|, fees18 ≤ 10^40", "at most MAX_COLLATERALS = 8 collaterals"),
        targets=(
            FunctionRef(QRE, "equity18"),
            FunctionRef(QRE, "initialEquity18"),
            FunctionRef(QRE, "setCollateral"),
            VALUE,
            SCALED,
        ),
        checker=ModelChecker.with_defect(
            m.qre1,
            m.INITIAL_ABOVE_MAINTENANCE,
            "setCollateral accepts initialWeightBps > maintenanceWeightBps",
        )
        .with_code(
            code.qre1_code,
            CodeTwin(
                file="contracts/QuantumRiskEngine.sol",
                find="cfg.initialWeightBps > cfg.maintenanceWeightBps",
                replace="cfg.initialWeightBps > BPS",
                description=MUTANT_TEXT["M-QRE-initial-weight-above-maintenance"],
            ),
        )
        .pending(EQUITY_LOOP),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="QRE-2",
        title="USDC-only equals the legacy 1:1 valuation",
        claim="with only USDC enabled (price 1, weight 1) every result equals the legacy 1:1 valuation.",
        severity=Severity.MEDIUM,
        seed=f"{S002} §Stage 1 (with only USDC enabled results are byte-identical to today)",
        rationale="Both sides are CODE: the QRE's USDC path CollateralMath.valueUsd18(balance, 6, 1, 0, "
        "BPS) and the vault's legacy LockMath.scaleTo18(balance, 6), each extracted from SlithIR, are equal "
        "(= balance·10^12) and neither reverts for any balance ≤ 10^30.",
        assumptions=("USDC has 6 decimals (QRE constructor argument)", BOUNDS),
        targets=(FunctionRef(QRE, "collateralValue18"), VALUE, FunctionRef("LockMath", "scaleTo18")),
        checker=ModelChecker.with_defect(
            m.qre2, m.USDC_AS_18_DECIMALS, "USDC's decimals are taken as 18 in the valuation"
        ).with_code(
            code.qre2_code,
            CodeTwin(
                file="contracts/QuantumRiskEngine.sol",
                find="if (token == usdc) return CollateralMath.valueUsd18(balance, cfg.decimals, 1, 0, "
                "uint16(BPS));",
                replace="if (token == usdc) return CollateralMath.valueUsd18(balance, 18, 1, 0, "
                "uint16(BPS));",
                description="QuantumRiskEngine.collateralValue18 values USDC as an 18-decimal token "
                "(10^12 too little)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="QRE-3",
        title="Size-scaling de-weighting",
        claim="size-scaling de-weighting: value is non-decreasing in balance; weight is non-increasing.",
        severity=Severity.MEDIUM,
        seed=f"{S002} §Universal patterns (size-scaling de-weighting)",
        rationale="Per profile, balance1 ≤ balance2 ⇒ sizeScaled(valueUsd18(balance1)) ≤ "
        "sizeScaled(valueUsd18(balance2)). The effective weight G(v)/v of the de-weighting (G = BPS × the "
        "pre-floor scaled value) is non-increasing, cross-multiplied exactly, and the code's floor(G/BPS) "
        "loses less than 1e-18 USD. SIZE_SCALING_EXCESS_BPS and BPS are read from the contract; sizeScaled "
        "is extracted and proved equal.",
        assumptions=(PROFILES, BOUNDS),
        targets=(FunctionRef(QRE, "collateralValue18"), VALUE, SCALED),
        checker=ModelChecker.with_defect(
            m.qre3, m.EXCESS_AMPLIFIED, "value above maxNotionalUsd18 counts at 150% instead of 50%"
        ).pending(
            "QuantumRiskEngine.collateralValue18 executes on code (oracle inlined, 0.06 s), but value(b1) ≤ "
            "value(b2) over two executions at b1 ≤ b2 does not decide within 30 s (price × weight × 10^18 / "
            "10^(decimals + priceDecimals) with symbolic oracle data); the pure helpers are tied"
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="QRE-4",
        title="Per-asset and per-user caps",
        claim="per-asset and per-user caps hold; QRE moves no tokens.",
        severity=Severity.HIGH,
        seed=f"{S002} §Universal patterns (per-asset + per-user supply caps)",
        rationale="_counted: counted ≤ min(balance, userCap); Σ over users ≤ assetCap by induction over "
        "users (invariant Σcounted ≤ Σbalances ∧ Σcounted·total ≤ Σbalances·assetCap, with Σbalances ≤ "
        "totalClaims). That QRE moves no tokens is decided statically by ST-9 (no token transfer reachable "
        "from QRE).",
        assumptions=(
            "Σ over users of held balances ≤ BalanceManager.totalClaims(token)",
            "mulDiv rounds down",
        ),
        targets=(FunctionRef(QRE, "_counted"), FunctionRef(QRE, "equity18")),
        checker=ModelChecker.with_defect(
            m.qre4, m.NO_ASSET_CAP, "the pro-rata asset-cap step is missing (only the user cap applies)"
        )
        .with_code(
            code.qre4_code,
            CodeTwin(
                file="contracts/QuantumRiskEngine.sol",
                find="if (assetTotal > cfg.assetCap) counted = Math.mulDiv(counted, cfg.assetCap, "
                "assetTotal);",
                replace="",
                description=MUTANT_TEXT["M-QRE-asset-cap-dropped"],
            ),
        )
        .pending(EQUITY_LOOP),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="QRE-5",
        title="Withdraw gate keeps initial margin covered",
        claim="withdraw gate: a withdrawal succeeds only if equity after it still covers initial margin.",
        severity=Severity.HIGH,
        seed=f"{S002} §Risk controls; Stage 2 (withdraw gate) in 001 §Related stages",
        rationale="canWithdraw true ⇒ the initial-weighted equity of the POST-withdrawal state ≥ "
        "initialMargin18: the gate values held − amount, and after the withdrawal totalClaims also drops by "
        "amount, which only raises the counted balance (pro rata) — QRE-3's monotonicity, instantiated for "
        "the two evaluations, gives the rest.",
        assumptions=(
            "value of one collateral is non-decreasing in its counted balance (QRE-3)",
            "other collaterals, pnl and fees are unchanged by the withdrawal",
        ),
        targets=(
            FunctionRef(QRE, "canWithdraw"),
            FunctionRef(QRE, "_equity18"),
            FunctionRef("BalanceManager", "withdraw"),
        ),
        checker=ModelChecker.with_defect(
            m.qre5,
            m.GATE_BEFORE_WITHDRAWAL,
            "the gate values the balance before removing the withdrawn amount",
        )
        .with_code(
            code.qre5_code,
            CodeTwin(
                file="contracts/QuantumRiskEngine.sol",
                find="return eq >= 0 && uint256(eq) >= _initialMargin18[user];",
                replace="return eq >= 0 && uint256(eq) >= _maintenanceMargin18[user];",
                description=MUTANT_TEXT["M-QRE-gate-checks-maintenance-margin"],
            ),
        )
        .pending(
            "_equity18 is summarised in the gate's obligations: the post-withdrawal step (the counted "
            "balance only rises when totalClaims falls, QRE-3 over the collateral loop) is proved on the "
            "model only; " + EQUITY_LOOP
        ),
    )
)
