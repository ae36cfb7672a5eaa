"""ST — static rules, each decided by one of the project's Slither detectors (``properties/detectors``).

Settings that bind a detector to this protocol (frames, arch contracts, the guarded field) live in
``[analyse.detectors.<argument>]`` of ``vaultproof.toml``; the detectors themselves are generic.
"""

from __future__ import annotations

from properties import REGISTRY
from vaultproof.spec import DetectorChecker, PropertyDecl, Severity

STAGE5 = "000 (Stage 5 collateral auto-convert)"
STAGE7 = "001 (Stage 7 multi-asset position-open backing)"
DESIGN = "002 (multi-asset collateral design)"


def _static(
    number: int,
    argument: str,
    title: str,
    statement: str,
    severity: Severity,
    seed: str,
    rationale: str,
    assumptions: tuple[str, ...],
) -> None:
    REGISTRY.register(
        PropertyDecl(
            id=f"ST-{number}",
            title=title,
            claim=statement,
            severity=severity,
            seed=seed,
            rationale=rationale,
            assumptions=assumptions,
            targets=(),
            checker=DetectorChecker(argument=argument),
        )
    )


_static(
    1,
    "vp-unguarded-external-call-in-loop",
    "Every external sell in the conversion loop is inside try/catch",
    "No state-changing external call inside a loop of a must-not-revert frame (liquidation, deficit "
    "settlement, collateral cover) is made outside a try/catch.",
    Severity.HIGH,
    STAGE5,
    "Security Rule 17: one reverting collateral sale (malicious maker hook, paused token) must not brick "
    "the liquidation; the detector follows internal calls from the frame into helper functions.",
    (
        "must-not-revert frames: [analyse.detectors.vp-unguarded-external-call-in-loop] functions",
        "view calls are excluded unless include_view = true",
    ),
)
_static(
    2,
    "vp-unbounded-loop",
    "Loops over collaterals are bounded",
    "No loop is bounded only by a storage array length, storage state or a value another contract returns "
    "without a constant cap in its condition or a dominating check against a constant.",
    Severity.MEDIUM,
    STAGE5,
    "Rule 8: the collateral loop runs inside liquidation; an unbounded list turns a governance action "
    "(enabling one more collateral) into a liquidation outage.",
    ("loops over calldata/memory parameters are bounded by their caller",),
)
_static(
    3,
    "vp-cei-storage-write-after-call",
    "CEI in the liquidation frame",
    "In the liquidation frame no storage is written after a state-changing external call; balance reads "
    "(balanceOf/getBalance) used for the balance delta are allowed.",
    Severity.MEDIUM,
    STAGE5,
    "The frame calls the spot order book, whose maker hooks can re-enter: every effect must precede the "
    "interaction, measured results are kept in memory.",
    (
        "frame: [analyse.detectors.vp-cei-storage-write-after-call] functions and everything they call",
        "calls to contracts listed as trusted (the custodian) do not open a re-entrancy window",
    ),
)
_static(
    4,
    "vp-return-value-proceeds",
    "Proceeds measured by balance delta",
    "Where a function reads a balance before and after a state-changing call, the callee's return value is "
    "never used for accounting.",
    Severity.MEDIUM,
    STAGE5,
    "The seed: 'proceeds measured purely by USDC balance delta'; a book that misreports its fill would "
    "otherwise pay insurance with tokens that never arrived.",
    ("balance reads: functions named balanceOf / getBalance",),
)
_static(
    5,
    "vp-authorization-revoked",
    "Routers are never de-authorized",
    "No function writes anything but `true` into, or deletes from, an authorization mapping.",
    Severity.MEDIUM,
    STAGE5,
    "Security Rule 7: the vault is an authorized router on every collateral book; revoking it would make "
    "every later collateral sale revert.",
    ("authorization mappings: configured names, else names containing authorized/router",),
)
_static(
    6,
    "vp-unprotected-risk-setter",
    "Risk setters are owner-only",
    "Every public/external function that sets a risk-relevant address or parameter (oracle, engine, pool "
    "manager, slippage, weights, caps, limits) carries an owner/role modifier or a msg.sender check.",
    Severity.HIGH,
    STAGE5,
    "Whoever sets the oracle or the risk engine prices every liquidation.",
    ("risk-relevant names: [analyse.detectors.vp-unprotected-risk-setter] patterns",),
)
_static(
    7,
    "vp-missing-nonreentrant",
    "External state-changing vault functions are nonReentrant",
    "Every public/external state-changing function declared in the vault carries `nonReentrant`.",
    Severity.MEDIUM,
    STAGE5,
    "The liquidation frame calls out to order books; any unguarded entry point is a re-entry path into "
    "half-updated margin state.",
    (
        "contracts: [analyse.detectors.vp-missing-nonreentrant] contracts (default: every contract with a "
        "nonReentrant modifier)",
        "exempt: initializers (run once) and onlyOwner setters (a re-entrant callee is never the owner)",
    ),
)
_static(
    8,
    "vp-arch-parity",
    "Both arches reach the same settlement callbacks",
    "PerpEngine and CLOBPerpetualRouter each reach every configured vault settlement callback.",
    Severity.MEDIUM,
    STAGE5,
    "The seed's parity argument: conversion logic lives in the vault callbacks, so it is shared only if "
    "both arches settle through them.",
    ("arches and callbacks: [analyse.detectors.vp-arch-parity]",),
)
_static(
    9,
    "vp-noncustodial-transfer",
    "QRE is non-custodial",
    "No token transfer (ERC-20 transfer/transferFrom/safeTransfer*, ether, or the custodian's transferOut) "
    "is reachable from the risk engine.",
    Severity.HIGH,
    DESIGN,
    "The design keeps valuation and custody apart: QRE reads, BMV (the operator) moves tokens.",
    ("non-custodial contracts and custody functions: [analyse.detectors.vp-noncustodial-transfer]",),
)
_static(
    10,
    "vp-bytecode-size",
    "Deployed bytecode within EIP-170",
    "Every deployable contract's runtime bytecode is at most 24,576 bytes; headroom is reported per "
    "contract.",
    Severity.HIGH,
    STAGE5,
    "Stage 5 and 7 add code to the vault; a contract over the limit cannot be deployed.",
    ("sizes as compiled by the pinned solc with the project's settings",),
)
_static(
    11,
    "vp-storage-layout-append-only",
    "Vault storage layout is append-only against V1",
    "slither-check-upgradeability finds no layout change V1 → current, and every ERC-7201 namespaced struct "
    "only gains fields at its end (or at the end of a mapping's value struct).",
    Severity.HIGH,
    STAGE7,
    "The vault is upgraded in place; Stage 7 appends usdcLocked/lockVersion to the allocation record and "
    "Stage 5 appends poolManager/priceOracle/slippage to the namespace.",
    ("pairs: [[analyse.upgrades]] previous → current",),
)
_static(
    12,
    "vp-field-read-outside-accessor",
    "usdcLocked is read only through the effective-locked rule",
    "Every read of `usdcLocked` happens inside the effective-locked accessor (LockMath.effectiveLocked and "
    "the vault's helper that calls it).",
    Severity.MEDIUM,
    STAGE7,
    "A legacy record has usdcLocked = 0 but is fully locked; a raw read unlocks nothing on close and "
    "strands the margin (the BF family proves the rule itself).",
    ("field and accessors: [analyse.detectors.vp-field-read-outside-accessor]",),
)
_static(
    13,
    "vp-unchecked-downcast",
    "No unchecked downcasts of amounts",
    "Every narrowing cast of an amount-like value (uint96/uint128/int256 …) is dominated by a check against "
    "type(T).max or a smaller constant (or a sign check).",
    Severity.HIGH,
    STAGE7,
    "Allocation records store uint128 amounts; a silent truncation locks less margin than the position "
    "claims (ALLOC-5 proves the bounded casts).",
    ("amount-like: names matching [analyse.detectors.vp-unchecked-downcast] amount_pattern",),
)
