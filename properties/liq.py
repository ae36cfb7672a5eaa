"""LIQ — liquidation against the perp book (seeds 004, 003; dYdX v4). Models: ``models.liq``."""

from __future__ import annotations

from models import liq as m
from models import liq_code as code
from properties import REGISTRY
from vaultproof.spec import CodeTwin, FunctionRef, ModelChecker, PropertyDecl, SeedFindingDecl, Severity

S003, S004 = "003_a4264e45de6bad94.txt", "004_3230dd0b2ff9e2de.txt"
LE = "LiquidationEngine"
LIQUIDATE = FunctionRef(LE, "liquidate")
SIZE = FunctionRef(LE, "_size")
MATCH = FunctionRef(LE, "_matchBook")
FILL = FunctionRef(LE, "_admit")  # a fill's admission by the insurance rule and its fee
RECORD = FunctionRef(LE, "_record")
SETTLE_USER = FunctionRef(LE, "_settleUser")
PRICE_FILL = FunctionRef(LE, "_priceFill")
NOTIONAL = FunctionRef("LiquidationMath", "liquidationNotional")
FEE = FunctionRef("LiquidationMath", "liquidationFee")
FILLABLE = FunctionRef("LiquidationMath", "fillablePrice")
SHARE = FunctionRef("LiquidationMath", "bankruptcyShare")
DELTA = FunctionRef("LiquidationMath", "insuranceDelta")
FEE_DELTA = FunctionRef("LiquidationMath", "feeFromDelta")
ADMIT = FunctionRef("LiquidationMath", "admitFill")

# The walk over the book (`_matchBook`) is proved on the shipped code by induction over its iterations (its
# loop an Invariant, base and step on the body; models/liq_code.py walk_code); seed 004's three cases run
# `liquidate` with a one-order book, the walk unrolled once with its loop bound proved (case_code).


REGISTRY.register(
    PropertyDecl(
        id="LIQ-1",
        title="The liquidation order: position block limits, fills within the order, the fillable price",
        claim="position block limits: the liquidation order's notional respects "
        "MinPositionNotionalLiquidated and MaxPositionPortionLiquidatedPpm and never exceeds the position; "
        "its fills never exceed the order, a maker's order or a maker's position; no fill is worse than the "
        "fillable price.",
        severity=Severity.HIGH,
        seed=f"{S004} §Position Block Limits; test cases 1 and 2",
        rationale="n = min(position, max(minNotional, position·portion/PPM), blockRemaining): n ≤ position; "
        "n ≥ min(minNotional, position, blockRemaining); n ≤ max(minNotional, position·portion/PPM). The "
        "walk over the book is proved by induction over fills: each fill is min(remaining, maker order, "
        "maker position), so filled + remaining = requested and the counted notional stays ≤ n. dYdX's "
        "fillable price oracle ∓ ABR·SMMR·PMMR/size (ABR ≤ 1) lies on the account's bad side of the oracle, "
        "at most SMMR·PMMR/size away, and a taken order is at or inside it. LiquidationMath."
        "liquidationNotional and fillablePrice are extracted from SlithIR and proved equal to the models, "
        "their checked operations safe.",
        assumptions=(
            "position notionals < 2^128 USDC units; sizes < 2^128 base units; unit ≤ 10^30",
            "maxPositionPortionLiquidatedPpm, BankruptcyAdjustmentPpm, SpreadToMMRatioPpm ≤ PPM (setters "
            "revert otherwise)",
            "|TNC|, TMMR < 2^128 in the QRE's 18-dp scale; a position's MM < 2^96 USDC units",
        ),
        targets=(
            NOTIONAL,
            FILLABLE,
            FunctionRef("LiquidationMath", "adjustedBankruptcyRating"),
            SIZE,
            MATCH,
            RECORD,
            LIQUIDATE,
        ),
        checker=ModelChecker.with_defect(
            m.liq1, m.NO_POSITION_CLAMP, "the result is not clamped to the position notional"
        ).with_code(
            code.liq1_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="o.notionalLeft == positionNotional ? positionSize : positionSize * o.notionalLeft / "
                "positionNotional;",
                replace="positionSize;",
                description="LiquidationEngine._size sizes every order at the whole position, whatever the "
                "position block limits allowed",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-2",
        title="Per-account per-block limits",
        claim="per-account per-block limits: MaxNotionalLiquidated and MaxQuantumsInsuranceLost, "
        "counted per fill.",
        severity=Severity.HIGH,
        seed=f"{S004} §Subaccount Block Limits; test case 3",
        rationale="Induction over one account's liquidations and their fills within a block: invariant "
        "liquidatedThisBlock ≤ MaxNotionalLiquidated ∧ insuranceLostThisBlock ≤ MaxQuantumsInsuranceLost. "
        "The first liquidation of a block resets both; each further one sizes its order against the "
        "saturating remainder (BlockLimitReached at 0), so done + n ≤ max; each fill counts min(its oracle "
        "value, what is left of n) and, through admitFill, −d only when it fits what is left of the "
        "insurance limit.",
        assumptions=("the limits are not changed within a block",),
        targets=(SIZE, FILL, RECORD, SETTLE_USER, LIQUIDATE, NOTIONAL, ADMIT),
        checker=ModelChecker.with_defect(
            m.liq2,
            m.BLOCK_NOT_DECREMENTED,
            "each liquidation sizes against the full MaxNotionalLiquidated (the block counter is not "
            "subtracted)",
        ).with_code(
            code.liq2_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="uint256 left = maxNotionalLiquidated > used ? maxNotionalLiquidated - used : 0;",
                replace="uint256 left = maxNotionalLiquidated;",
                description="LiquidationEngine._size sizes against the whole MaxNotionalLiquidated (the "
                "account's notional liquidated this block is not subtracted)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-3",
        title="Fee cap",
        claim="fee ≤ MaxLiquidationFeePpm × notional (per fill, of the fill's quote).",
        severity=Severity.MEDIUM,
        seed=f"{S004} §Liquidation Fees (MaxLiquidationFeePpm set maximum fee)",
        rationale="Per fill: cap = quote·min(feePpm, maxFeePpm)/PPM rounds down and fee = min(cap, d) (0 "
        "when d ≤ 0), so fee·PPM ≤ maxFeePpm·quote and fee ≤ quote whatever the insurance delta; "
        "LiquidationMath.liquidationFee is extracted from SlithIR and proved equal to the model. The engine "
        "folds the fee into the quote the liquidated side closes at, so the vault settles it with the PnL.",
        assumptions=("feePpm, maxFeePpm ≤ PPM (setters revert otherwise)", "quotes < 2^128 USDC units"),
        targets=(FEE, FEE_DELTA, FILL, SETTLE_USER, LIQUIDATE),
        checker=ModelChecker.with_defect(
            m.liq3, m.FEE_CAP_MISSING, "the fee rate is not capped at MaxLiquidationFeePpm"
        ).with_code(
            code.liq3_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, maxLiquidationFeePpm)",
                replace="LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, liquidationFeePpm)",
                description="LiquidationEngine._admit prices the fee cap at LiquidationFeePpm alone "
                "(MaxLiquidationFeePpm not applied)",
            ),
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
        "integers; LiquidationEngine._size reverts a PARTIAL liquidation order before last + cooldown and "
        "never blocks a full one (the timestamp is recorded when the fills leave a partial position): "
        "allowed ⇒ equity < mm; equity < mm ⇒ a full liquidation (or a partial one after the cooldown) is "
        "allowed.",
        assumptions=("equity is the QRE's int256 equity18 after syncRisk; mm its maintenance margin",),
        targets=(LIQUIDATE, SIZE, FunctionRef("QuantumRiskEngine", "isLiquidatable")),
        checker=ModelChecker.with_defect(
            m.liq4,
            m.NON_STRICT,
            "an account with equity equal to its maintenance margin is liquidatable (≤ instead of <)",
        ).with_code(
            code.liq4_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="if (last != 0 && block.timestamp < last + partialLiquidationCooldown) {",
                replace="if (false) {",
                description="LiquidationEngine._size no longer enforces the partial-liquidation cooldown",
            ),
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
        rationale="The liquidation model (sizing at the oracle, pro-rata size, one fill against the "
        "counterparty's resting order, fee = min(0.5% of the fill quote, d) with d = q − bankruptcy quote at "
        "TNC 499 / TMMR 500, credited to insurance) with each case's inputs yields: case 1 "
        "— 1 BTC, Carl 249, Dave 100,000, insurance +250; case 2 — 0.1 BTC, Dave −44,526 (0.9 BTC long "
        "left), Carl 95,000, insurance +25; case 3 — 0.1 BTC, Carl 45,524.25 (0.9 BTC short left), Dave "
        "54,950, insurance +24.75 (the document's 45,474 and 25 are findings LIQ-5.seed-case3-fill / -fee).",
        assumptions=(
            "balances are the document's signed quote balances (USDC 6 dp); BTC positions in 8 dp",
            "fee rate 5,000 ppm = MaxLiquidationFeePpm (cases 1 and 2: 250 on 50,000 and 25 on 5,000)",
            "the liquidated account's TNC 499 and MM 500 (1% of 50,000, linear on these notionals)",
            "limits a case does not list are not binding (min 0, portion 100%, no per-block notional limit)",
            "case 2 uses Dave's quote balance −49,501 (the only reading under which he is "
            "undercollateralized; see "
            "LIQ-5.seed-case2-sign)",
        ),
        targets=(LIQUIDATE, SIZE, MATCH, FILL, NOTIONAL, FEE, DELTA, FEE_DELTA),
        checker=ModelChecker.with_defect(
            m.liq5, m.NO_BLOCK_LIMIT, "MaxNotionalLiquidated is not applied to the sizing"
        ).with_code(
            code.liq5_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="positionNotional, minPositionNotionalLiquidated, maxPositionPortionLiquidatedPpm, "
                "left\n",
                replace="positionNotional, minPositionNotionalLiquidated, maxPositionPortionLiquidatedPpm, "
                "type(uint256).max\n",
                description="LiquidationEngine._size sizes the order without MaxNotionalLiquidated (seed 004 "
                "case 3 liquidates the whole position)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-6",
        title="Insurance delta at the bankruptcy price, and the fee it bounds",
        claim="per fill, d = fill quote − bankruptcy quote of the filled size (a long sells: +q − "
        "(v − share); a short buys: −q − (−v − share); share = ⌊TNC·ΔMMR/TMMR⌋): d < 0 → the fund loses −d; "
        "d > 0 → fee = min(⌊|q|·feePpm/1e6⌋, d) to the fund; the fee never takes the account below "
        "TNC·(1 − ΔMMR/TMMR).",
        severity=Severity.HIGH,
        seed=f"{S004} §Insurance Fund, §Liquidation Fees; dYdX v4 GetLiquidationInsuranceFundDelta",
        rationale="bankruptcyShare rounds toward −∞ (share·TMMR ≤ TNC·ΔMMR < (share+1)·TMMR), so the fund is "
        "never charged a rounding unit in the account's favour; fee = min(cap, d) for d > 0 and 0 otherwise; "
        "hence TNC after the fill and fee ≥ TNC·(1 − ΔMMR/TMMR), and for d ≤ 0 the fund's −d brings it to "
        "that line exactly. bankruptcyShare, insuranceDelta and feeFromDelta are extracted from SlithIR and "
        "proved equal to the models (insuranceDelta against dYdX's own quoteDelta − bankruptcyQuote form).",
        assumptions=(
            "TMMR > 0 (a liquidatable account with a position has maintenance margin)",
            "ΔMMR ≤ TMMR; |TNC|, TMMR < 2^128; ΔMMR < 2^96; quotes, values < 2^128 USDC units",
        ),
        targets=(SHARE, DELTA, FEE_DELTA, PRICE_FILL, FILL),
        checker=ModelChecker.with_defect(
            m.liq6,
            m.FEE_NOT_BOUNDED_BY_DELTA,
            "the fee is the full cap even where the insurance delta is smaller (dYdX's min dropped)",
        ).with_code(
            code.liq6_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="f.fee = LiquidationMath.feeFromDelta(\n"
                "            f.delta, LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, "
                "maxLiquidationFeePpm)\n"
                "        );",
                replace="f.fee = LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, "
                "maxLiquidationFeePpm);",
                description="LiquidationEngine._admit charges the full fee cap, not min(cap, d) (dYdX's min "
                "dropped in the engine, the library untouched)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="LIQ-7",
        title="The insurance-loss limit rejects the fill, not the liquidation",
        claim="MaxQuantumsInsuranceLost per account per block is enforced per fill: the first fill "
        "whose loss −d exceeds what is left of the limit is rejected, matching stops, the fills before it "
        "stand, and the liquidation does not revert.",
        severity=Severity.HIGH,
        seed=f"{S004} §Subaccount Block Limits (MaxQuantumsInsuranceLost); dYdX v4 memclob "
        "ErrLiquidationExceedsSubaccountMaxInsuranceLost → stop matching",
        rationale="Induction over the fills of one account in one block, state (used, filled, stopped): "
        "admitFill admits a fill iff d ≥ 0 or −d ≤ limit − used (saturating), so used stays ≤ the limit; a "
        "rejected fill leaves used and the earlier fills unchanged and stops the walk (_matchBook returns; "
        "the backstop is not tried). admitFill is extracted from SlithIR and proved equal to the model; its "
        "checked operations cannot fire in range, so the rule itself never reverts.",
        assumptions=(
            "|d| < 2^130, used, limit < 2^128 USDC units",
            "the limit is not changed within a block",
        ),
        targets=(ADMIT, FILL, MATCH, FunctionRef(LE, "_backstop"), LIQUIDATE),
        checker=ModelChecker.with_defect(
            m.liq7,
            m.ROOM_IGNORES_USED,
            "each fill is checked against the whole limit instead of what is left of it",
        ).with_code(
            code.liq7_code,
            CodeTwin(
                file="contracts/LiquidationEngine.sol",
                find="LiquidationMath.admitFill(f.delta, o.insuranceUsed, maxQuantumsInsuranceLost);",
                replace="LiquidationMath.admitFill(f.delta, 0, maxQuantumsInsuranceLost);",
                description="LiquidationEngine._admit checks each fill against the whole limit (the "
                "account's "
                "loss so far is not passed)",
            ),
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
        targets=(LIQUIDATE, MATCH),
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
