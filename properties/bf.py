"""BF — the legacy backfill rule (seed 001, open question 3). Models: ``models.bf``."""

from __future__ import annotations

from models import bf as m
from models import bf_code as code
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import FunctionRef, ModelChecker, PropertyDecl, SeedFindingDecl, Severity

S001 = "001_e49da555eb8247a5.txt"
BMV = "BalanceManagerVault"
EFFECTIVE = FunctionRef("LockMath", "effectiveLocked")

REGISTRY.register(
    PropertyDecl(
        id="BF-1",
        title="Legacy records count as fully locked",
        claim="legacy records (`usdcLocked == 0 && amount > 0`, written before the upgrade) are "
        "treated as fully locked.",
        severity=Severity.HIGH,
        seed=f"{S001} §Open questions 3 (storage layout safety on upgrade)",
        rationale="A record written by V1 has lockVersion 0 and usdcLocked 0 while V1 locked its whole "
        "amount: effectiveLocked = amount, its close settles exactly that lock, and the migration on top-up "
        "(usdcLocked = amount; lockVersion = 1) keeps the effective value. effectiveLocked is extracted "
        "from SlithIR and proved equal to the model.",
        assumptions=(
            "the V1 vault locked each allocation's full amount",
            "appended fields of old records read as 0",
        ),
        targets=(EFFECTIVE, FunctionRef(BMV, "releaseFromPosition"), FunctionRef(BMV, "allocateForPosition")),
        checker=ModelChecker.with_defect(
            m.bf1, m.READS_STORED_FIELD, "a legacy record is read by its stored usdcLocked (0)"
        ).with_code(
            code.bf1_code,
            mutant_twin(
                "M-BF-topup-migrates-stored-field",
                "a top-up migrates a legacy record by its stored usdcLocked (0): the lock V1 "
                "took is forgotten",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="BF-2",
        title="The backfill never applies to post-upgrade records",
        claim="the rule never applies to records written after the upgrade. The seed's rule alone "
        "cannot tell a legacy record from a new fully virtual-backed one: the harness must produce that "
        "counterexample for the naive rule (a close that unlocks USDC that was never locked for that "
        "position), and prove the shipped, disambiguated rule.",
        severity=Severity.CRITICAL,
        seed=f"{S001} §Open questions 3",
        rationale="Every record allocateForPosition writes carries lockVersion = LOCK_VERSION_STAGE7 (read "
        "from the contract), so effectiveLocked = usdcLocked = the USDC actually locked, including 0 for a "
        "fully virtual-backed CROSS position. The seed's rule is the finding BF-2.seed-rule.",
        assumptions=("collateralDecimals = 6 (USDC)", "QRE answers are arbitrary"),
        targets=(EFFECTIVE, FunctionRef(BMV, "allocateForPosition")),
        checker=ModelChecker.with_defect(
            m.bf2,
            m.FORGETS_VERSION,
            "new records are written with lockVersion 0 (LOCK_VERSION_STAGE7 forgotten)",
        ).with_code(
            code.bf2_code,
            mutant_twin(
                "M-BF-allocate-forgets-version",
                "allocateForPosition no longer stamps the records it writes LOCK_VERSION_STAGE7",
            ),
        ),
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="BF-2.seed-rule",
        fixed_by="BF-2",
        title="The seed's backfill rule unlocks USDC never locked for a virtual-backed position",
        seed=f"{S001} §Open questions 3 (fall back to usdcLocked = amount if usdcLocked == 0 && amount > 0)",
        statement="Under `usdcLocked == 0 && amount > 0 → amount`, a close unlocks no more USDC than was "
        "locked for that position.",
        rationale="A new CROSS position opened with 0 free USDC on basket equity (350 USDC margin, $419 "
        "equity) has usdcLocked = 0 and lockVersion = 1: the seed's rule reads it as a legacy record with "
        "350 USDC locked, so closing it at break-even unlocks 350 USDC taken from the user's other "
        "positions' locks.",
        severity=Severity.CRITICAL,
        targets=(EFFECTIVE, FunctionRef(BMV, "releaseFromPosition"), FunctionRef(BMV, "_handleRelease")),
        check=m.seed_rule,
    )
)
