"""ALLOC — Stage 7 allocation (seed 001). Models: ``models.alloc``.

Each check also proves the SlithIR-extracted ``LockMath`` functions equal to the hand-written models
(SPEC §4.4), so a change to ``contracts/libraries/LockMath.sol`` breaks the proof even if nobody edits
the model.
"""

from __future__ import annotations

from models import alloc as m
from models import alloc_code as code
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, Severity

S001 = "001_e49da555eb8247a5.txt"
BMV = "BalanceManagerVault"
ALLOCATE = FunctionRef(BMV, "allocateForPosition")


COMMON = (
    "USDC amounts are integers in USDC units (6 dp); equity/margins are 18-dp USD integers",
    "collateralDecimals ≤ MAX_COLLATERAL_DECIMALS (enforced by initialize)",
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-1",
        title="A split never locks more than the margin or the free USDC",
        claim="`toLock ≤ amount` and `toLock ≤ freeBalance`.",
        severity=Severity.HIGH,
        seed=f"{S001} §allocateForPosition change (toLock = freeBalance >= amount ? amount : freeBalance)",
        rationale="LockMath.splitLock is extracted from SlithIR and proved equal to the model; on the "
        "model, every successful split (both modes) has 0 ≤ toLock ≤ min(amount, freeBalance) and toLock + "
        "virtualBacking = amount. Vacuity witness: a CROSS open with 0 < freeBalance < amount (a partial "
        "lock).",
        assumptions=(*COMMON, "amount and freeBalance range over all of uint256"),
        targets=(ALLOCATE, FunctionRef("LockMath", "splitLock")),
        checker=ModelChecker.with_defect(
            m.alloc1, m.MISSING_MIN, "CROSS locks `amount` instead of min(freeBalance, amount)"
        ).with_code(
            code.alloc1_code,
            mutant_twin(
                "M-ALLOC-records-amount-as-locked", "a new allocation records its whole amount as locked USDC"
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-2",
        title="ISOLATED opens are USDC-only and never consult the risk engine",
        claim="ISOLATED is USDC-only: it succeeds iff `freeBalance ≥ amount`, locks exactly "
        "`amount`, and never consults QRE.",
        severity=Severity.HIGH,
        seed=f"{S001} §allocateForPosition change; Open question 2 (ISOLATED stays USDC-only)",
        rationale="Model of allocateForPosition (InvalidAmount, AmountTooLarge, splitLock, "
        "_requireVirtualBacking). (1) for ISOLATED within the amount guard: succeeds ⇔ freeBalance ≥ "
        "amount, and then toLock = amount; (2) non-interference: two runs that differ only in QRE's "
        "presence, equity18 and mm18 have the same outcome and lock, and the QRE branch is never taken.",
        assumptions=(*COMMON, "QRE's answers (equity18, mm18) are arbitrary values"),
        targets=(ALLOCATE, FunctionRef(BMV, "_requireVirtualBacking"), FunctionRef("LockMath", "splitLock")),
        checker=ModelChecker.with_defect(
            m.alloc2,
            m.ISOLATED_USES_QRE,
            "ISOLATED falls back to QRE equity for its USDC shortfall (seed open question 2)",
        ).with_code(
            code.alloc2_code,
            mutant_twin(
                "M-ALLOC-isolated-virtual-backing",
                "allocateForPosition splits an ISOLATED open like a CROSS one (virtual backing "
                "from "
                "QRE equity)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-3",
        title="Virtual backing needs equity for the whole margin; no risk engine, no virtual backing",
        claim="CROSS with virtual backing succeeds only if `equity18 ≥ mm18 + "
        "amount·10^(18−collateralDecimals)`; with no QRE set it reverts `InsufficientBalance`.",
        severity=Severity.CRITICAL,
        seed=f"{S001} §allocateForPosition change (required18 = mm18 + amount·10^(18−decimals)); Open "
        f"question 1",
        rationale="On the allocate model: a successful CROSS open with virtualBacking > 0 implies equity18 "
        "≥ mm18 + amount·10^(18−d) (the seed's conservative rule on the FULL amount, compared sign-safely: "
        "equity < 0 || uint256(equity) < required); with quantumRiskEngine unset it reverts "
        "InsufficientBalance. LockMath.requiredEquity18 (and scaleTo18 through it) is extracted and proved "
        "equal to the model.",
        assumptions=(*COMMON, "amount ≤ type(uint96).max (AmountTooLarge guard) for the equivalence"),
        targets=(
            ALLOCATE,
            FunctionRef(BMV, "_requireVirtualBacking"),
            FunctionRef("LockMath", "requiredEquity18"),
        ),
        checker=ModelChecker.with_defect(
            m.alloc3,
            m.CHECKS_ONLY_VIRTUAL,
            "equity is required for the virtual part only (mm18 + virtualBacking·10^(18−d))",
        ).with_code(
            code.alloc3_code,
            mutant_twin(
                "M-ALLOC-virtual-backing-checks-virtual-part",
                "allocateForPosition asks equity for the virtual part only (mm18 + virtualBacking·10^(18−d))",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-4",
        title="Decimal scaling to 18 dp is exact and overflow-free",
        claim="decimal scaling is exact and cannot overflow for every allowed "
        "`collateralDecimals` (≤ 18, enforced at init).",
        severity=Severity.HIGH,
        seed=f"{S001} §allocateForPosition change (amount * 10 ** (18 - collateralDecimals))",
        rationale="Every checked operation of the extracted LockMath.scaleTo18 (the 18 − d subtraction, "
        "10**e, the product) is its own obligation that it never reverts for d ≤ 18 and amount ≤ "
        "type(uint96).max; exactness: amount18 / 10^(18−d) = amount with remainder 0; equivalence of the "
        "code with amount·10^(18−d), including that d > 18 reverts rather than wraps.",
        assumptions=(
            *COMMON,
            "amount ≤ type(uint96).max: allocateForPosition reverts AmountTooLarge first (ALLOC-5)",
        ),
        targets=(ALLOCATE, FunctionRef("LockMath", "scaleTo18")),
        checker=ModelChecker.with_defect(
            m.alloc4, m.NO_AMOUNT_GUARD, "no uint96 amount guard before scaling (amount up to 2^256−1)"
        ).with_code(
            code.alloc4_code,
            mutant_twin(
                "M-ALLOC-margin-unscaled",
                "_requireVirtualBacking compares equity against the margin unscaled (treated as 18-decimal)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-5",
        title="No silent truncation in the allocation's downcasts",
        claim="no silent truncation in downcasts (`uint96(amount)`, `uint128(amount)`): bounded "
        "by a check or proved unreachable.",
        severity=Severity.HIGH,
        seed=f"{S001} §allocateForPosition change (account.totalAllocated += uint96(amount); "
        f"allocation.amount = uint128(amount))",
        rationale="On every successful allocation (after the AmountTooLarge guard) amount ≤ 2^96−1 and "
        "toLock ≤ amount, so uint96(amount), uint128(amount) and uint128(toLock) are lossless; the "
        "accumulating fields use checked += and SafeCast (revert, never wrap).",
        assumptions=COMMON,
        targets=(ALLOCATE, FunctionRef(BMV, "_debitAccount")),
        checker=ModelChecker.with_defect(
            m.alloc5, m.NO_AMOUNT_GUARD, "the AmountTooLarge guard is removed"
        ).with_code(
            code.alloc5_code,
            mutant_twin(
                "M-ALLOC-amount-guard-dropped",
                "allocateForPosition drops the AmountTooLarge guard: uint96(amount) truncates",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="ALLOC-6",
        title="Vault bookkeeping matches the BalanceManager lock (inductive invariant)",
        claim="bookkeeping: `totalAllocated = crossMarginAllocated + isolatedAllocated`; "
        "`usdcLocked ≤ amount` per allocation; Σ effective locked over a user's open allocations = "
        "BalanceManager's locked balance for (user, USDC, BMV).",
        severity=Severity.CRITICAL,
        seed=f"{S001} §Storage change; §releaseFromPosition change (subtract lockedAmount in the "
        f"unlock-tracking line)",
        rationale="Invariant I: total = cross + isolated; cross (isolated) = Σ amount over open CROSS "
        "(ISOLATED) allocations; usdcLocked ≤ amount; Σ effectiveLocked = BM locked. Base: the empty state. "
        "Steps from an ABSTRACT pre-state satisfying I (the touched allocation plus arbitrary sums for the "
        "others): allocateForPosition (new or top-up, legacy migration), release/deallocate (also shows "
        "_debitAccount cannot underflow), partialReleaseFromPosition (both parts rounded down). No "
        "unrolling.",
        assumptions=(
            *COMMON,
            "only the vault locks/unlocks/forfeits USDC under locker = vault for the user",
            "at the upgrade every V1 record has lockVersion 0 and V1 locked its whole amount (BF-1)",
        ),
        targets=(
            ALLOCATE,
            FunctionRef(BMV, "releaseFromPosition"),
            FunctionRef(BMV, "partialReleaseFromPosition"),
            FunctionRef(BMV, "deallocateFromPosition"),
            FunctionRef(BMV, "_handleRelease"),
        ),
        checker=ModelChecker.with_defect(
            m.alloc6, m.TOPUP_RECORDS_AMOUNT, "a top-up records usdcLocked += amount instead of += toLock"
        ).with_code(
            code.alloc6_code,
            mutant_twin(
                "M-ALLOC-topup-records-amount",
                "a top-up records usdcLocked += amount although only toLock was locked",
            ),
        ),
    )
)
