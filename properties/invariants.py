"""Bytecode evidence declared by this protocol: invariant suites, their code variants, their property ids.

The engine (``vaultproof.evidence``) is generic; what it runs and how a forge test name maps to a property
is declared here, once:

- ``SUITES``: the forge invariant suites over the deployed system. An invariant function's name carries
  its property id (``invariant_DEBT_6_custody_solvent`` → DEBT-6), so the map is read from the name.
- ``VARIANTS``: each a shipped contract with one seeded defect (``vaultproof.evidence.variants``), generated
  into ``build/repro/broken/`` when the evidence runs (never committed). ``BROKEN_SUITES`` runs the shipped
  invariants against a variant and names the invariant that must fail on it (the broken-variant test of that
  invariant); the suites are written in ``tests/forge/invariant/broken/BrokenInvariants.sol`` (committed,
  skipped by the project's own forge run) and staged beside the variants. A variant whose defect is the
  property's model twin (``ModelChecker.broken``) says so in ``twin_of``.
"""

from __future__ import annotations

from vaultproof.spec import BrokenSuite, CodeVariant, Edit, InvariantSuite

BROKEN_DIR = "build/repro/broken"  # generated: the variants and a copy of BROKEN_SOURCES
BROKEN_SOURCES = ("tests/forge/invariant/broken/BrokenInvariants.sol",)
# Committed: forge keeps each broken suite's failing sequence under failures/ here and replays it before it
# fuzzes, so every run (checkout or fresh clone) reports the kept sequence while it still fails.
BROKEN_FAILURES_DIR = "tests/forge/invariant/broken"
BMV = "contracts/BalanceManagerVault.sol"


SUITES = (InvariantSuite("tests/forge/invariant/SystemInvariants.sol", "SystemInvariantsTest"),)

VARIANTS = (
    CodeVariant(
        id="vault-drops-shortfall",
        source=BMV,
        contract="BalanceManagerVault",
        name="BrokenVaultDropsShortfall",
        description="_absorbResidual emits DeficitSettled with shortfall 0: the residual is dropped "
        "(V1-like)",
        edits=(
            Edit(
                "emit DeficitSettled(user, deficit, fromFree, fromCollateral, fromInsurance, socialized, "
                "remaining);",
                "emit DeficitSettled(user, deficit, fromFree, fromCollateral, fromInsurance, socialized, 0); "
                "// DEFECT(DEBT-1): the residual is dropped",
            ),
        ),
    ),
    CodeVariant(
        id="vault-topup-records-amount",
        source=BMV,
        contract="BalanceManagerVault",
        name="BrokenVaultTopUpRecordsAmount",
        description="a top-up records usdcLocked += amount instead of += toLock",
        edits=(
            Edit(
                "a.usdcLocked = (LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion) + toLock)"
                ".toUint128();",
                "a.usdcLocked = (LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion) + amount)"
                ".toUint128(); "
                "// DEFECT(ALLOC-6): += amount, not += toLock",
            ),
        ),
    ),
    CodeVariant(
        id="vault-unlocks-claimed-amount",
        source=BMV,
        contract="BalanceManagerVault",
        name="BrokenVaultUnlocksClaimedAmount",
        description="releaseFromPosition passes the claimed amount to _handleRelease as the lock "
        "(pre-Stage-7)",
        edits=(
            Edit(
                "uint256 locked = LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);\n"
                "        bool isolated = a.mode == uint8(MarginMode.ISOLATED);\n"
                "        address market = a.market;\n"
                "        _debitAccount($, user, a.amount, isolated);",
                "uint256 locked = a.amount; // DEFECT(REL-1): the claimed amount, not the effective lock\n"
                "        bool isolated = a.mode == uint8(MarginMode.ISOLATED);\n"
                "        address market = a.market;\n"
                "        _debitAccount($, user, a.amount, isolated);",
            ),
        ),
    ),
    CodeVariant(
        id="vault-lax-floor",
        source=BMV,
        contract="BalanceManagerVault",
        name="BrokenVaultLaxFloor",
        description="the sale floor uses the vault's slippage bound alone, ignoring a stricter asset "
        "liqFactor",
        edits=(
            Edit(
                "p.liqFactorBps = _effectiveLiqFactor(cfg.liqFactorBps, $.maxCollateralSellSlippageBps);",
                "p.liqFactorBps = uint16(BPS - $.maxCollateralSellSlippageBps); "
                "// DEFECT(CONV-1): liqFactor ignored",
            ),
        ),
    ),
    CodeVariant(
        id="insurance-no-block-cap",
        source="contracts/InsuranceFund.sol",
        contract="InsuranceFund",
        name="BrokenInsuranceNoBlockCap",
        description="coverDeficit ignores the per-block cap (pays min(amount, balance))",
        edits=(
            Edit(
                "uint256 room = remainingBlockCapacity();\n        if (paid > room) paid = room;",
                "// DEFECT(DEBT-3): the per-block cap (remainingBlockCapacity) is not applied",
            ),
        ),
    ),
    CodeVariant(
        id="custodian-forfeit-keeps-lock",
        source="contracts/BalanceManager.sol",
        contract="BalanceManager",
        name="BrokenCustodianForfeitKeepsLock",
        description="transferLockedFrom credits the recipient without debiting the locked balance",
        edits=(
            Edit(
                "_debitLocked(from, token, locker, amount);",
                "// DEFECT(DEBT-6): the locked balance is not debited",
            ),
        ),
    ),
    CodeVariant(
        id="qre-no-asset-cap",
        source="contracts/QuantumRiskEngine.sol",
        contract="QuantumRiskEngine",
        name="BrokenQreNoAssetCap",
        description="the pro-rata asset-cap step is missing (only the user cap applies)",
        edits=(
            Edit(
                "uint256 assetTotal = balanceManager.totalClaims(token);\n"
                "        if (assetTotal > cfg.assetCap) "
                "counted = Math.mulDiv(counted, cfg.assetCap, assetTotal);",
                "// DEFECT(QRE-4): the asset cap is not applied",
            ),
        ),
    ),
)

_BROKEN = f"{BROKEN_DIR}/BrokenInvariants.sol"

BROKEN_SUITES = (
    BrokenSuite(_BROKEN, "BrokenDebt1Test", "vault-drops-shortfall", "invariant_DEBT_1_waterfall_conserves"),
    BrokenSuite(
        _BROKEN, "BrokenDebt3Test", "insurance-no-block-cap", "invariant_DEBT_3_insurance_block_cap", "DEBT-3"
    ),
    BrokenSuite(
        _BROKEN, "BrokenDebt6Test", "custodian-forfeit-keeps-lock", "invariant_DEBT_6_custody_solvent"
    ),
    BrokenSuite(
        _BROKEN, "BrokenAlloc6Test", "vault-topup-records-amount", "invariant_ALLOC_6_bookkeeping", "ALLOC-6"
    ),
    BrokenSuite(
        _BROKEN,
        "BrokenRel1Test",
        "vault-unlocks-claimed-amount",
        "invariant_REL_1_release_bounded_by_lock",
        "REL-1",
    ),
    BrokenSuite(_BROKEN, "BrokenConv1Test", "vault-lax-floor", "invariant_CONV_1_sales_clear_floor"),
    BrokenSuite(_BROKEN, "BrokenQre4Test", "qre-no-asset-cap", "invariant_QRE_4_caps", "QRE-4"),
)


def variant(variant_id: str) -> CodeVariant:
    return next(v for v in VARIANTS if v.id == variant_id)
