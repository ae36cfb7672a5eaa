"""LIQ — liquidation sizing (seeds 004, 003). Models: ``models.liq``."""

from __future__ import annotations

from models import liq as m
from properties import REGISTRY
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, SeedFindingDecl, Severity

S003, S004 = "003_a4264e45de6bad94.txt", "004_3230dd0b2ff9e2de.txt"
LE = "LiquidationEngine"
LIQUIDATE = FunctionRef(LE, "liquidate")
SIZE = FunctionRef(LE, "_size")
NOTIONAL = FunctionRef("LiquidationMath", "liquidationNotional")
FEE = FunctionRef("LiquidationMath", "liquidationFee")


REGISTRY.register(
    PropertyDecl(
        id="LIQ-1",
        title="Position block limits",
        claim="position block limits: the liquidated notional respects "
        "MinPositionNotionalLiquidated and MaxPositionPortionLiquidatedPpm, and never exceeds the position.",
        severity=Severity.HIGH,
        seed=f"{S004} §Position Block Limits; test cases 1 and 2",
        rationale="n = min(position, max(minNotional, position·portion/PPM), blockRemaining): n ≤ position; "
        "n ≥ min(minNotional, position, blockRemaining); n ≤ max(minNotional, position·portion/PPM). The "
        "product does not overflow for notionals < 2^128 and portion ≤ PPM (setter check). "
        "LiquidationMath.liquidationNotional is extracted from SlithIR and proved equal to the model, its "
        "checked operations safe.",
        assumptions=(
            "position notionals < 2^128 USDC units",
            "maxPositionPortionLiquidatedPpm ≤ PPM (setter reverts otherwise)",
        ),
        targets=(NOTIONAL, SIZE, LIQUIDATE),
        checker=ModelChecker.with_defect(
            m.liq1, m.NO_POSITION_CLAMP, "the result is not clamped to the position notional"
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-2",
        title="Per-account per-block limits",
        claim="per-account per-block limits: MaxNotionalLiquidated and MaxQuantumsInsuranceLost.",
        severity=Severity.HIGH,
        seed=f"{S004} §Subaccount Block Limits; test case 3",
        rationale="Induction over one account's liquidations within a block: invariant liquidatedThisBlock "
        "≤ MaxNotionalLiquidated ∧ insuranceLostThisBlock ≤ MaxQuantumsInsuranceLost. The first liquidation "
        "of a block resets both; each further one sizes against the saturating remainder (BlockLimitReached "
        "at 0) and reverts InsuranceLossLimit if the measured insurance decrease exceeds the room left.",
        assumptions=("the limits are not changed within a block",),
        targets=(SIZE, FunctionRef(LE, "_settle"), LIQUIDATE, NOTIONAL),
        checker=ModelChecker.with_defect(
            m.liq2,
            m.BLOCK_NOT_DECREMENTED,
            "each liquidation sizes against the full MaxNotionalLiquidated (the block counter is not "
            "subtracted)",
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-3",
        title="Fee cap",
        claim="fee ≤ MaxLiquidationFeePpm × notional.",
        severity=Severity.MEDIUM,
        seed=f"{S004} §Liquidation Fees (MaxLiquidationFeePpm set maximum fee)",
        rationale="fee = notional·min(feePpm, maxFeePpm)/PPM rounds down, so fee·PPM ≤ maxFeePpm·notional "
        "and fee ≤ notional; LiquidationMath.liquidationFee is extracted from SlithIR and proved equal to "
        "the model. The engine charges it on the fill's quote value and takes at most the user's free USDC.",
        assumptions=("feePpm, maxFeePpm ≤ PPM (setters revert otherwise)", "notionals < 2^128 USDC units"),
        targets=(FEE, LIQUIDATE, FunctionRef(LE, "_collectFee")),
        checker=ModelChecker.with_defect(
            m.liq3, m.FEE_CAP_MISSING, "the fee rate is not capped at MaxLiquidationFeePpm"
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-4",
        title="Eligibility and partial-liquidation cooldown",
        claim="eligibility: liquidatable iff equity < maintenance margin; a partial liquidation "
        "respects the cooldown.",
        severity=Severity.HIGH,
        seed=f"{S003} §1 Liquidation Eligibility, §4 partial_liquidation_cooldown; {S004} §Liquidation "
        f"Triggers",
        rationale="QuantumRiskEngine.isLiquidatable = (equity < 0 ∨ equity < mm), i.e. equity < mm over the "
        "integers; LiquidationEngine._size reverts a PARTIAL liquidation before last + cooldown and never "
        "blocks a full one: allowed ⇒ equity < mm; equity < mm ⇒ a full liquidation (or a partial one after "
        "the cooldown) is allowed.",
        assumptions=("equity is the QRE's int256 equity18 after syncRisk; mm its maintenance margin",),
        targets=(LIQUIDATE, SIZE, FunctionRef("QuantumRiskEngine", "isLiquidatable")),
        checker=ModelChecker.with_defect(
            m.liq4,
            m.NON_STRICT,
            "an account with equity equal to its maintenance margin is liquidatable (≤ instead of <)",
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-5",
        title="Seed 004's three block-limit cases",
        claim="the three block-limit cases in 004_… are reproduced (balances, positions, "
        "insurance change). The document is a translation: where its arithmetic disagrees with its own "
        "inputs (fill price, fee), follow the inputs and record the disagreement as a finding against the "
        "seed.",
        severity=Severity.MEDIUM,
        seed=f"{S004} §TestLiquidationConfig, test cases 1–3",
        rationale="The liquidation model (sizing at the oracle, pro-rata size, fill at the counterparty's "
        "price, fee = 0.5% of the fill value credited to insurance) with each case's inputs yields: case 1 "
        "— 1 BTC, Carl 249, Dave 100,000, insurance +250; case 2 — 0.1 BTC, Dave −44,526 (0.9 BTC long "
        "left), Carl 95,000, insurance +25; case 3 — 0.1 BTC, Carl 45,524.25 (0.9 BTC short left), Dave "
        "54,950, insurance +24.75 (the document's 45,474 and 25 are findings LIQ-5.seed-case3-fill / -fee).",
        assumptions=(
            "balances are the document's signed quote balances (USDC 6 dp); BTC positions in 8 dp",
            "fee rate 5,000 ppm = MaxLiquidationFeePpm (cases 1 and 2: 250 on 50,000 and 25 on 5,000)",
            "limits a case does not list are not binding (min 0, portion 100%, no per-block notional limit)",
            "case 2 uses Dave's quote balance −49,501 (the only reading under which he is "
            "undercollateralized; see "
            "LIQ-5.seed-case2-sign)",
        ),
        targets=(LIQUIDATE, SIZE, FunctionRef(LE, "_fill"), NOTIONAL, FEE),
        checker=ModelChecker.with_defect(
            m.liq5, m.NO_BLOCK_LIMIT, "MaxNotionalLiquidated is not applied to the sizing"
        ),
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="LIQ-5.seed-case3-fill",
        fixed_by="LIQ-5",
        title="Seed 004 case 3 books 5,000 USDC for a fill that costs 4,950",
        seed=f"{S004} §Test Case 3",
        statement="'Dave bán 1 BTC ở 49,500' … 'Carl Balance: 50,499 - 5,000 - 25 = 45,474 USD'",
        rationale="With the case's inputs the liquidation is sized at the oracle (5,000 USDC = 0.1 BTC) but "
        "filled at 49,500: 0.1 BTC costs 4,950 USDC, so Carl ends at 50,499 − 4,950 − 24.75 = 45,524.25 "
        "USDC, not 45,474.",
        severity=Severity.LOW,
        targets=(LIQUIDATE, FunctionRef(LE, "_fill")),
        check=m.seed_case3_fill,
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="LIQ-5.seed-case3-fee",
        fixed_by="LIQ-5",
        title="Seed 004 case 3 charges the fee on the oracle notional, not on the fill",
        seed=f"{S004} §Test Case 3",
        statement="'Carl Balance: 50,499 - 5,000 - 25 = 45,474 USD' (fee 25)",
        rationale="Cases 1 and 2 fix the fee at 0.5% of the filled quote (250 on 50,000; 25 on 5,000). "
        "Applied to case 3's fill value of 4,950 USDC it is 24.75 USDC; the document's 25 is 0.5% of the "
        "5,000 oracle notional.",
        severity=Severity.LOW,
        targets=(FEE, LIQUIDATE),
        check=m.seed_case3_fee,
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="LIQ-5.seed-case2-sign",
        fixed_by="LIQ-5",
        title="Seed 004 case 2 lists Dave's collateral as +49,501 but computes with −49,501",
        seed=f"{S004} §Test Case 2",
        statement="Inputs: 'Dave: 1 BTC Long, 49,501 USD (undercollateralized)'; output: 'Dave Balance: "
        "-49,501 + 5,000 - 25 (fees) = -44,526 USD'",
        rationale="With the listed +49,501 USDC Dave ends at 54,476 USDC, not −44,526, and his equity "
        "(49,501 + 50,000 = 99,501 USDC) exceeds his whole 50,000 USDC notional, so no maintenance margin "
        "makes him liquidatable; only a quote balance of −49,501 (a long bought on credit) matches "
        "'undercollateralized' and the output.",
        severity=Severity.LOW,
        targets=(LIQUIDATE,),
        check=m.seed_case2_sign,
    )
)
