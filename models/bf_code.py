"""BF code obligations: the legacy-record rule on the stored record, over the vault's executed code.

BF-1 — a record written by V1 (``lockVersion == 0``, ``usdcLocked == 0``, ``amount > 0``: V1 locked its
whole amount) is treated as fully locked on code:

* ``releaseFromPosition`` and ``deallocateFromPosition`` take exactly ``amount`` out of the vault's lock;
* ``partialReleaseFromPosition`` (a strict part) migrates it: the remaining record is stamped
  ``LOCK_VERSION_STAGE7`` with ``usdcLocked = amount'`` — still fully locked;
* a top-up (``allocateForPosition`` on the existing record) migrates it first: ``usdcLocked = amount +
  toLock``, stamped, and ``LegacyAllocationMigrated(posKey, amount)`` is emitted.

BF-2 — the rule never applies to a record written after the upgrade: every record ``allocateForPosition``
writes is stamped ``LOCK_VERSION_STAGE7`` and carries in ``usdcLocked`` exactly the USDC locked for it
(the previous effective lock plus what this call locked at the custodian) — for a new fully virtual-backed
CROSS position that is 0, and stays 0 (the seed's rule would read it as ``amount``: BF-2.seed-rule); the
record a strict partial release leaves is stamped too, with ``usdcLocked = locked − released``.
"""

from __future__ import annotations

from typing import Any

import z3

from models.alloc_code import BM, ISOLATED, VAULT, effective, open_execution, record, release_step_executions
from models.code_common import USDC, Shown
from models.debt_code import sale_contract
from models.rel_code import locked_before_after, release_obligation, released_from_lock, sale_frame
from vaultproof.spec import ModelContext, Obligation


def _legacy(ctx: ModelContext, rec: dict[str, Any]) -> Any:
    return z3.And(rec["exists"], rec["lockVersion"] == 0, rec["usdcLocked"] == 0, rec["amount"] > 0)


def _open_shown(ex: Any) -> Shown:
    vault = z3.Int(f"{VAULT}.address")
    user, key = ex.arg("user"), ex.arg("posKey")
    usdc = ex.before(VAULT, "usdc")
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("amount (argument)", ex.arg("amount"), USDC)
    shown.add("mode (argument, 1 = ISOLATED)", ex.arg("mode"))
    for when, read in (("before", ex.before), ("after", ex.post)):
        rec = record(read, key)
        shown.add(f"allocation exists {when}", rec["exists"])
        shown.add(f"allocation amount {when}", rec["amount"], USDC)
        shown.add(f"allocation usdcLocked {when}", rec["usdcLocked"], USDC)
        shown.add(f"allocation lockVersion {when}", rec["lockVersion"])
        shown.add(f"user's free USDC {when}", read(BM, "_free", user, usdc), USDC)
        shown.add(f"user's USDC locked by the vault {when}", read(BM, "_locked", user, usdc, vault), USDC)
    return shown


def _locked_now(ex: Any) -> Any:
    before, after = locked_before_after(ex)
    return after - before


def bf1_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    version = ctx.param("LockMath.LOCK_VERSION_STAGE7")
    out: list[Obligation] = []
    for entry, ex in release_step_executions(ctx).items():
        rec0, rec1 = record(ex.before, ex.arg("posKey")), record(ex.post, ex.arg("posKey"))
        legacy = _legacy(ctx, rec0)
        if entry == "partialReleaseFromPosition":
            strict = ex.arg("fractionPpm") < ctx.param("LockMath.PPM")
            goal = z3.Implies(
                rec1["exists"],
                z3.And(rec1["lockVersion"] == version, rec1["usdcLocked"] == rec1["amount"]),
            )
            name = "(legacy record, strict part) stamps the rest LOCK_VERSION_STAGE7, still fully locked"
            cond, witness = z3.And(legacy, strict), z3.And(ex.ok, legacy, strict, rec1["exists"])
        else:
            goal = released_from_lock(ex) == rec0["amount"]
            name = "(legacy record) takes exactly its whole amount out of the vault's lock"
            cond, witness = legacy, z3.And(ex.ok, legacy)
        out.append(
            release_obligation(
                ctx,
                entry,
                ex,
                name,
                goal,
                cond,
                witness=witness,
                explanation=f"{entry} did not treat a V1 record (lockVersion 0, usdcLocked 0) as fully "
                "locked",
            )
        )
    ex = open_execution(ctx, "bf1open")
    key = ex.arg("posKey")
    rec0, rec1 = record(ex.before, key), record(ex.post, key)
    legacy = _legacy(ctx, rec0)
    migrated = ex.events_named("LegacyAllocationMigrated")
    out.append(
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (top-up of a legacy record) migrates it to its "
            "effective lock: usdcLocked = amount + toLock, stamped, LegacyAllocationMigrated emitted",
            ex,
            z3.Implies(
                z3.And(ex.ok, legacy),
                z3.And(
                    rec1["usdcLocked"] == rec0["amount"] + _locked_now(ex),
                    rec1["lockVersion"] == version,
                    z3.Or(
                        *[z3.And(e.when, e["amount"] == rec0["amount"]) for e in migrated], z3.BoolVal(False)
                    ),
                ),
            ),
            witness=z3.And(ex.ok, legacy, ex.arg("mode") != ISOLATED, _locked_now(ex) < ex.arg("amount")),
            shown=_open_shown(ex).tuple(),
            explanation="a top-up of a V1 record read its stored usdcLocked (0) instead of its whole amount: "
            "the lock V1 took is forgotten",
        )
    )
    return out + sale_contract(ctx) + sale_frame(ctx)


def bf2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    version = ctx.param("LockMath.LOCK_VERSION_STAGE7")
    ex = open_execution(ctx, "bf2open")
    key = ex.arg("posKey")
    rec0, rec1 = record(ex.before, key), record(ex.post, key)
    before = z3.If(rec0["exists"], effective(ctx, rec0), 0)
    usdc = ex.before(VAULT, "usdc")
    fully_virtual = z3.And(
        z3.Not(rec0["exists"]), ex.arg("mode") != ISOLATED, ex.before(BM, "_free", ex.arg("user"), usdc) == 0
    )
    out = [
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition stamps every record it writes LOCK_VERSION_STAGE7 "
            "with usdcLocked = the USDC actually locked for it (0 for a new fully virtual-backed position)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    rec1["lockVersion"] == version,
                    rec1["usdcLocked"] == before + _locked_now(ex),
                    effective(ctx, rec1) == rec1["usdcLocked"],
                ),
            ),
            witness=z3.And(ex.ok, fully_virtual),
            shown=_open_shown(ex).tuple(),
            explanation="a record written after the upgrade is not stamped, or does not carry the USDC "
            "locked for it: the legacy rule would apply to it",
        )
    ]
    entry = "partialReleaseFromPosition"
    part = release_step_executions(ctx)[entry]
    p0, p1 = record(part.before, part.arg("posKey")), record(part.post, part.arg("posKey"))
    for case, cond in (
        ("legacy record", p0["lockVersion"] == 0),
        ("post-upgrade record", p0["lockVersion"] != 0),
    ):
        out.append(
            release_obligation(
                ctx,
                entry,
                part,
                f"({case}) stamps the record it leaves LOCK_VERSION_STAGE7 with usdcLocked = locked − "
                "released",
                z3.And(
                    p1["lockVersion"] == version,
                    p1["usdcLocked"] == effective(ctx, p0) - released_from_lock(part),
                ),
                p1["exists"],
                cond,
                witness=z3.And(part.ok, p1["exists"], cond),
                explanation="a partial release left a record without the Stage 7 stamp: the legacy rule "
                "would read it as fully locked",
            )
        )
    return out + sale_contract(ctx) + sale_frame(ctx)
