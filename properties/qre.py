"""QRE — the multi-asset risk engine (seed 002). Models: ``models.qre``."""

from __future__ import annotations

from models import qre as m
from models import qre_code as code
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, Severity

S002 = "002_68ecb7afab86fcaf.txt"
QRE = "QuantumRiskEngine"
VALUE = FunctionRef("CollateralMath", "valueUsd18")
SCALED = FunctionRef("CollateralMath", "sizeScaled")
PROFILES = (
    "collateral profiles USDC 6 dp (price 1, 0 dp), WBTC 8 dp, WETH 18 dp, MON 18 dp (8-dp oracle prices)"
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
        "overflow. On code: equity18 and initialEquity18 are the Σ over the registered collaterals of "
        "collateralValue18 of the counted balance, plus pnl, minus fees (collateralValue18 and _counted "
        "uninterpreted there); collateralValue18 is sizeScaled(valueUsd18(balance, decimals, oracle price, "
        "oracle decimals, the basis' weight)) (0 when disabled, empty or stale) and values no higher on the "
        "initial basis (valueUsd18 monotone "
        "in the weight, on its code, via two arithmetic lemmas), hence initialEquity18 ≤ equity18.",
        assumptions=(
            PROFILES,
            BOUNDS,
            "|pnl18|, fees18 ≤ 10^40",
            "at most MAX_COLLATERALS = 8 collaterals (setCollateral keeps it: a code obligation)",
            "every registered collateral's stored initialWeight ≤ maintenanceWeight (setCollateral stores "
            "only such configs: a code obligation; the constructor stores 100 % / 100 % for USDC)",
        ),
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
        ).with_code(
            code.qre1_code,
            mutant_twin("M-QRE-initial-weight-above-maintenance"),
        ),
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
            mutant_twin(
                "M-QRE-usdc-valued-as-18-decimals",
                "QuantumRiskEngine.collateralValue18 values USDC as an 18-decimal token (10^12 too little)",
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
        "is extracted and proved equal. On code: valueUsd18 is non-decreasing in the balance on its own code "
        "(two arithmetic lemmas — a product, a floor quotient — instantiated at each step), and "
        "collateralValue18 (oracle inlined, sizeScaled executed) is non-decreasing in the balance with "
        "valueUsd18 assumed monotone only at its call sites.",
        assumptions=(PROFILES, BOUNDS),
        targets=(FunctionRef(QRE, "collateralValue18"), VALUE, SCALED),
        checker=ModelChecker.with_defect(
            m.qre3, m.EXCESS_AMPLIFIED, "value above maxNotionalUsd18 counts at 150% instead of 50%"
        ).with_code(
            code.qre3_code,
            mutant_twin("M-QRE-over-cap-balance-valued-zero"),
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
        "totalClaims). On code: _counted's caps, and equity18 values every registered collateral at its "
        "counted (capped) balance. That QRE moves no tokens is decided statically by ST-9 (no token transfer "
        "reachable from QRE).",
        assumptions=(
            "Σ over users of held balances ≤ BalanceManager.totalClaims(token)",
            "mulDiv rounds down",
        ),
        targets=(FunctionRef(QRE, "_counted"), FunctionRef(QRE, "equity18")),
        checker=ModelChecker.with_defect(
            m.qre4, m.NO_ASSET_CAP, "the pro-rata asset-cap step is missing (only the user cap applies)"
        ).with_code(
            code.qre4_code,
            mutant_twin("M-QRE-asset-cap-dropped"),
        ),
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
        "the two evaluations, gives the rest. On code, end to end: BalanceManager.withdraw with canWithdraw "
        "and _equity18's loop inlined, then initialEquity18 on the post-withdrawal state, is ≥ "
        "initialMargin18; collateralValue18 and _counted are uninterpreted there (their other inputs are "
        "unchanged by the withdrawal: a code obligation) and assumed monotone at their corresponding calls "
        "(QRE-3's collateralValue18 obligation; _counted non-increasing in totalClaims, on its code, with "
        "mulDiv's two floor lemmas).",
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
        ).with_code(
            code.qre5_code,
            mutant_twin("M-QRE-gate-checks-maintenance-margin"),
        ),
    )
)
