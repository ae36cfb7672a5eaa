"""CONV — Stage 5 collateral conversion (seed 000). Models: ``models.conv``."""

from __future__ import annotations

from models import conv as m
from models import conv_code as code
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, Severity

SEED = "000_aca40e8e6da97fc8.txt"
BMV = "BalanceManagerVault"
COVER = FunctionRef(BMV, "_coverDeficitWithCollateral")
SALE = FunctionRef(BMV, "sellCollateralGuarded")
PLAN = FunctionRef(BMV, "_planSale")


REGISTRY.register(
    PropertyDecl(
        id="CONV-1",
        title="Price floor on realised proceeds",
        claim="price floor on realised proceeds: every sale yields received ≥ qty × oraclePrice "
        "× liqFactorBps / 10^4, in consistent units for any base/quote decimals (e.g. 8, 18 / 6), rounding "
        "in the protocol's favour.",
        severity=Severity.HIGH,
        seed=f"{SEED} §Core (price floor = oracle × liqFactorBps / 1e4; pre-simulate; never dump)",
        rationale="Level-walk induction: with V = Σ fill_i × price_i and Q = Σ fill_i, the invariant V ≥ Q "
        "× floorPrice holds before the first level and is kept by every level the book fills "
        "(placeMarketOrder stops at the first level below minPrice = floorPrice), so it holds for ANY "
        "number of levels. floorPrice and minProceeds round UP (obligations: value ≥ exact, by < 1 quote "
        "unit), so V·10^pd·BPS ≥ Q·price·lf·10^qd; the vault accepts a sale only if the USDC balance delta "
        "is ≥ minProceeds(sold) (FloorNotMet otherwise, inside the guarded self-call). Every uint256 "
        "product of minProceeds/floorPrice/the walk is shown not to overflow at the declared ranges, both "
        "in the model and in the extracted Solidity (SlithIR), which is proved equal to the model; "
        "_effectiveLiqFactor's uint16 cast is exact.",
        assumptions=(
            "decimals cases: WBTC 8 / USDC 6 / oracle 8 and WETH 18 / USDC 6 / oracle 8",
            "collateral quantities < 2^96 base units, oracle prices < 2^64, book prices < 2^128 (outside "
            "these a "
            "checked multiplication reverts inside the guarded sale and CONV-5 isolates it)",
            "liqFactorBps ≤ BPS and ≥ 1 (QuantumRiskEngine.setCollateral), maxCollateralSellSlippageBps ≤ "
            "BPS",
            "the order book's fill proceeds per level are what it credits to the seller's USDC balance",
        ),
        targets=(
            COVER,
            SALE,
            PLAN,
            FunctionRef("CollateralMath", "minProceeds"),
            FunctionRef("CollateralMath", "floorPrice"),
            FunctionRef(BMV, "_effectiveLiqFactor"),
            FunctionRef("OrderBook", "calculateOrderAmounts"),
            FunctionRef("OrderBook", "placeMarketOrder"),
        ),
        checker=ModelChecker.with_defect(
            m.conv1, m.FLOOR_DOWN, "CollateralMath rounds floorPrice and minProceeds DOWN instead of up"
        ).with_code(
            code.conv1_code,
            mutant_twin(
                "M-CONV-slippage-loosens-floor",
                "_effectiveLiqFactor takes the looser of the asset's liqFactor and the slippage "
                "bound: the vault sells below oracle × liqFactorBps",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-2",
        title="Never dump into a thin book",
        claim="never dump into a thin book: the quantity sold is at most what the book holds at "
        "prices ≥ floor, and at most the user's free base.",
        severity=Severity.HIGH,
        seed=f"{SEED} §Core (PRE-SIMULATE with calculateOrderAmounts; only sell the qty whose proceeds "
        f"clear the floor)",
        rationale="Induction over the price levels of calculateOrderAmounts(qty ≤ freeBase, SELL, "
        "floorPrice): invariant filled ≤ freeBase ∧ filled ≤ Σ size of visited levels priced ≥ floor. A "
        "level priced ≥ floor takes min(size, want − filled); the first level below the floor ends the walk "
        "with nothing taken. The vault then orders exactly the simulated quantity and reverts (FloorNotMet) "
        "if more base left the user.",
        assumptions=(
            "levels are visited best-first (bids descending), as OrderBook keeps its price list sorted",
            "the executed sale fills at most the quantity the vault orders (checked: sold ≤ plan.qty)",
        ),
        targets=(
            PLAN,
            SALE,
            FunctionRef("OrderBook", "calculateOrderAmounts"),
            FunctionRef("OrderBook", "placeMarketOrder"),
        ),
        checker=ModelChecker.with_defect(
            m.conv2, m.IGNORES_MIN_PRICE, "the book walk ignores minPrice and keeps filling below the floor"
        ).with_code(
            code.conv2_code,
            mutant_twin(
                "M-CONV-book-fills-past-floor",
                "the book's pre-simulation fills the first price level below the floor before it stops",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-3",
        title="Proceeds by balance delta; insurance gets min(received, remaining)",
        claim="proceeds are measured by balance delta; the amount paid to insurance is "
        "min(received, remaining); any surplus stays with the user.",
        severity=Severity.HIGH,
        seed=f"{SEED} §Core (received = delta; transferOut(min(received, remainingDeficit)))",
        rationale="received = usdcAfter − usdcBefore is independent of the book's return value (a lying "
        "book cannot raise it); paid = DeficitMath.payToInsurance(received, remaining) is ≤ both and equals "
        "one of them; the user keeps received − paid. DeficitMath.payToInsurance is extracted from SlithIR "
        "and proved equal to the model; every subtraction on the path is shown not to underflow.",
        assumptions=(
            "during the sale only the order book moves the user's USDC (the vault holds the reentrancy lock)",
            "amounts < 2^128 USDC units",
        ),
        targets=(SALE, FunctionRef("DeficitMath", "payToInsurance")),
        checker=ModelChecker.with_defect(
            m.conv3, m.MAX_NOT_MIN, "insurance is paid max(received, remaining) instead of min"
        ).with_code(
            code.conv3_code,
            mutant_twin("M-CONV-insurance-takes-all-proceeds"),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-4",
        title="Remaining deficit non-increasing, never negative; bounded loop",
        claim="the remaining deficit is non-increasing, never negative; the collateral loop is bounded.",
        severity=Severity.MEDIUM,
        seed=f"{SEED} §Core (decrement deficit; bound the loop, Rule 8)",
        rationale="Induction over collaterals: invariant 0 ≤ remaining ≤ remaining₀ ∧ i ≤ n ≤ "
        "MAX_COLLATERALS. A successful sale lowers remaining by min(received, remaining); a skipped or "
        "failed one leaves it. The variant n − i strictly decreases, and QuantumRiskEngine.MAX_COLLATERALS "
        "≤ BalanceManagerVault.MAX_COLLATERALS, so the vault's bound never cuts off an enabled collateral.",
        assumptions=("the number of collaterals is min(getEnabledCollaterals().length, MAX_COLLATERALS)",),
        targets=(COVER, FunctionRef("DeficitMath", "payToInsurance")),
        checker=ModelChecker.with_defect(
            m.conv4,
            m.PAY_RECEIVED,
            "the loop subtracts the whole sale proceeds, not min(received, remaining)",
        ).with_code(
            code.conv4_code,
            mutant_twin(
                "M-CONV-loop-keeps-deficit",
                "the collateral loop counts a sale's payment but does not lower the remaining deficit",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-5",
        title="Fault isolation of a reverting sale",
        claim="fault isolation: a reverting sale leaves the liquidation completing with all "
        "other properties intact.",
        severity=Severity.HIGH,
        seed=f"{SEED} §Core (each collateral sell wrapped in try/catch — Security Rule 17)",
        rationale="A failed sale leaves state (remaining deficit, the user's free and locked base, free "
        "USDC, the insurance balance) exactly as before that iteration, and the loop moves to the next "
        "collateral: every write of a sale happens inside the external self-call sellCollateralGuarded, "
        "whose revert discards them (EVM: a reverted frame rolls back its own writes only). With CONV-4's "
        "induction this holds for any pattern of failures.",
        assumptions=("the catch branch only emits CollateralSaleFailed",),
        targets=(COVER, SALE),
        checker=ModelChecker.with_defect(
            m.conv5,
            m.UNLOCK_OUTSIDE_TRY,
            "the vault unlocks the user's locked base before the try'd call (outside the reverted frame)",
        ).with_code(
            code.conv5_code,
            mutant_twin(
                "M-CONV-failed-sale-rethrown",
                "the collateral loop re-throws a failed sale: one reverting book bricks the liquidation",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-6",
        title="Off switch gives the legacy behaviour",
        claim="off-switch: poolManager == 0 || quantumRiskEngine == 0 gives exactly the legacy behaviour.",
        severity=Severity.MEDIUM,
        seed=f"{SEED} §Wiring (gate the whole conversion on poolManager != 0 && quantumRiskEngine != 0)",
        rationale="With either address unset, _coverDeficitWithCollateral returns (0, remaining) before any "
        "external call: the user's base, free USDC and the remaining deficit equal the V1 free-USDC-only "
        "step; with both set, the free-USDC step is still the legacy one and collateral comes only after "
        "it.",
        assumptions=("addresses are modelled as uint160",),
        targets=(
            COVER,
            FunctionRef(BMV, "_settleCrossAccountDeficit"),
            FunctionRef("DeficitMath", "takeFree"),
        ),
        checker=ModelChecker.with_defect(
            m.conv6, m.GATE_OR, "the gate tests poolManager != 0 || quantumRiskEngine != 0"
        ).with_code(
            code.conv6_code,
            mutant_twin(
                "M-CONV-off-switch-needs-both",
                "the off-switch needs both addresses unset: with only one unset the vault still "
                "converts collateral",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="CONV-7",
        title="A stale collateral price skips that collateral",
        claim="a stale collateral price skips that collateral; it never bricks the liquidation.",
        severity=Severity.HIGH,
        seed=f"{SEED} §Hard cases; 002 (oracle staleness on a collateral asset must NOT brick liquidation)",
        rationale="Induction over collaterals: the price is read with PriceOracle.tryGetFreshPrice, which "
        "never reverts; a stale (or zero) price makes _planSale return qty 0, so nothing of that collateral "
        "is sold, state is unchanged and the loop continues; no iteration reverts, whatever the staleness "
        "pattern.",
        assumptions=("PriceOracle.tryGetFreshPrice never reverts (its documented contract)",),
        targets=(PLAN, COVER, FunctionRef("PriceOracle", "tryGetFreshPrice")),
        checker=ModelChecker.with_defect(
            m.conv7, m.REVERTING_READ, "the price is read with a reverting staleness check (getPrice-style)"
        ).with_code(
            code.conv7_code,
            mutant_twin(
                "M-CONV-oracle-staleness-ignored",
                "PriceOracle.tryGetFreshPrice reports a stale price as fresh (the vault then sells at it)",
            ),
        ),
    )
)
