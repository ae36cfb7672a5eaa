"""REL — release and settlement (seed 001). Models: ``models.rel``."""

from __future__ import annotations

from models import rel as m
from models import rel_code as code
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, SeedFindingDecl, Severity

S001 = "001_e49da555eb8247a5.txt"
BMV = "BalanceManagerVault"
RELEASE = FunctionRef(BMV, "releaseFromPosition")
HANDLE = FunctionRef(BMV, "_handleRelease")
COMMON = (
    "USDC amounts in USDC units (6 dp); usdcLocked ≤ amount < 2^128 (ALLOC-6)",
    "|pnl| ≤ type(uint96).max (_checkPnl)",
)

REGISTRY.register(
    PropertyDecl(
        id="REL-1",
        title="A release never unlocks more than the position's effective locked USDC",
        claim="a release never unlocks more than the position's effective locked USDC.",
        severity=Severity.CRITICAL,
        seed=f"{S001} §releaseFromPosition change (pass usdcLocked, not amount, to _handleRelease)",
        rationale="On the _handleRelease model fed with the effective locked USDC: unlocked ≤ locked and "
        "unlocked + forfeited = locked for every pnl, so exactly the position's lock leaves the "
        "BalanceManager. LockMath.effectiveLocked is extracted and proved equal to the model. Witness: a "
        "partly virtual-backed position (usdcLocked < amount).",
        assumptions=COMMON,
        targets=(
            RELEASE,
            HANDLE,
            FunctionRef(BMV, "deallocateFromPosition"),
            FunctionRef("LockMath", "effectiveLocked"),
        ),
        checker=ModelChecker.with_defect(
            m.rel1,
            m.UNLOCKS_CLAIMED_AMOUNT,
            "pre-Stage-7 release: the claimed amount is passed to _handleRelease as the lock",
        ).with_code(
            code.rel1_code,
            mutant_twin(
                "M-REL-release-unlocks-claimed-amount",
                "releaseFromPosition hands the claimed amount to _handleRelease as the lock "
                "(the pre-Stage-7 release)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="REL-2",
        title="Value conservation on close",
        claim="value conservation on close: user's change + insurance's change + recorded deficit "
        "= realised PnL (exactly, in USDC units).",
        severity=Severity.CRITICAL,
        seed=f"{S001} §_handleRelease — no logic change (the three branches)",
        rationale="Signs: the user's change counts unlocked + credited − locked plus the claims recorded for "
        "or against them — the recorded deficit is a debt of the user, the recorded unpaid profit "
        "(unpaidProfit[user]) their claim on the insurance fund — and insurance is the settlement's "
        "counterparty. Proved as two exact equations: userChange − deficit + unpaidProfitRecorded = pnl and "
        "userChange + insuranceChange = 0. The profit leg is what InsuranceFund.coverDeficit actually pays "
        "(min of pnl, its balance and its per-block room; 0 if the isolated call fails), measured as the "
        "user's USDC delta; the rest is recorded as the user's claim and paid later by claimUnpaidProfit. "
        "Losing and profitable closes are separate obligations. The pre-fix vault (unpaid rest recorded "
        "nowhere) is kept as seed finding REL-2.unpaid-profit-dropped.",
        assumptions=(*COMMON, "the insurance fund's payable amount is arbitrary (balance and block cap)"),
        targets=(
            RELEASE,
            HANDLE,
            FunctionRef(BMV, "_settleCrossAccountDeficit"),
            FunctionRef(BMV, "_coverFromInsurance"),
            FunctionRef(BMV, "claimUnpaidProfit"),
            FunctionRef("InsuranceFund", "coverDeficit"),
        ),
        checker=ModelChecker.with_defect(
            m.rel2,
            m.DEFICIT_IGNORES_FORFEIT,
            "the deficit records the whole loss although the lock was already forfeited",
        ).with_code(
            code.rel2_code,
            mutant_twin(
                "M-REL-unpaid-profit-dropped",
                "_handleRelease records no claim for the profit the fund did not pay (the pre-fix vault)",
            ),
        ),
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="REL-2.unpaid-profit-dropped",
        fixed_by="REL-2",
        title="A profit the insurance fund cannot pay is silently dropped",
        seed=f"{S001} §_handleRelease — no logic change (finalCollateral > 0 → credit excess from insurance)",
        statement="_handleRelease credits a profit from the insurance fund (coverDeficit), which pays at "
        "most its balance and its per-block room; the unpaid rest appears only in the ProfitPaid event and "
        "is recorded nowhere.",
        rationale="Modelled as the vault was before the fix (unpaidProfitRecorded = 0), REL-2's "
        "profitable-close equation fails: e.g. pnl 0.000001 USDC with the fund able to pay 0 leaves the "
        "user with nothing and no claim — the realised PnL silently shrinks. The shipped vault records the "
        "rest as unpaidProfit[user] (ProfitUnpaid) and pays it through claimUnpaidProfit (REL-2).",
        severity=Severity.CRITICAL,
        targets=(HANDLE, FunctionRef("InsuranceFund", "coverDeficit")),
        check=m.rel2_pre_fix,
    )
)

REGISTRY.register(
    PropertyDecl(
        id="REL-3",
        title="A fully virtual-backed loss goes whole to the cross-account deficit",
        claim="a fully virtual-backed position closed at a loss routes the whole loss to the "
        "cross-account deficit.",
        severity=Severity.HIGH,
        seed=f"{S001} §_handleRelease (lockedAmount == 0 → deduct full deficit via "
        f"_settleCrossAccountDeficit); scenario 6",
        rationale="usdcLocked = 0 ∧ pnl < 0 ⇒ deficit = −pnl, and nothing is unlocked, forfeited or "
        "credited; for a CROSS position _handleRelease hands that deficit to _settleCrossAccountDeficit.",
        assumptions=COMMON,
        targets=(RELEASE, HANDLE, FunctionRef(BMV, "_settleCrossAccountDeficit")),
        checker=ModelChecker.with_defect(
            m.rel3, m.VIRTUAL_LOSS_DROPPED, "a loss with nothing locked records no deficit"
        ).with_code(
            code.rel3_code,
            mutant_twin(
                "M-REL-virtual-loss-dropped",
                "_handleRelease settles no deficit for a loss on a position with nothing locked",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="REL-4",
        title="Partial release rounds in the protocol's favour",
        claim="partial release of a fraction releases at most that fraction of the lock (rounding "
        "favours the protocol).",
        severity=Severity.MEDIUM,
        seed=f"{S001} §Audit surface (partialReleaseFromPosition — lockedAmount substitution)",
        rationale="released = LockMath.partialUnlock(locked, f) satisfies released·PPM ≤ locked·f < "
        "(released+1)·PPM: rounded down by less than one unit. partialUnlock is extracted and proved equal "
        "to the model; PPM is read from the contract.",
        assumptions=("locked < 2^128 USDC units", "0 ≤ fractionPpm ≤ PPM (InvalidFraction otherwise)"),
        targets=(FunctionRef(BMV, "partialReleaseFromPosition"), FunctionRef("LockMath", "partialUnlock")),
        checker=ModelChecker.with_defect(
            m.rel4, m.ROUNDS_UP, "partialUnlock rounds up (ceil) instead of down"
        ).with_code(
            code.rel4_code,
            mutant_twin(
                "M-REL-partial-releases-fraction-of-margin",
                "partialReleaseFromPosition releases its fraction of the claimed margin, not of the lock",
            ),
        ),
    )
)
