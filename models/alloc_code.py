"""ALLOC code obligations over ``BalanceManagerVault.allocateForPosition``'s executed code.

ALLOC-2 — an ISOLATED open is USDC-only and never consults the risk engine. The risk engine's two answers
(``equity18``, ``maintenanceMargin18``) are replaced by summaries returning arbitrary values (and reverting
arbitrarily); the open is executed twice from the same pre-state with the same arguments but independent
risk-engine behaviour. On every ISOLATED open:

* non-interference: both runs succeed or revert together and lock the same USDC — nothing the risk engine
  says can change an ISOLATED open, so no path of it depends on (consults) the engine;
* with less free USDC than ``amount`` it reverts; when it succeeds it locks exactly ``amount`` of the
  user's USDC at the custodian (no virtual backing).
"""

from __future__ import annotations

from typing import Any

import z3

from models.code_common import USDC, Shown, code_of
from vaultproof.spec import ModelContext, Obligation

VAULT = "BalanceManagerVault"
BM = "BalanceManager"
ISOLATED = 1  # IBalanceManagerVault.MarginMode.ISOLATED
QRE_CALLS = ("IQuantumRiskEngine.equity18", "IQuantumRiskEngine.maintenanceMargin18")


def _risk_engine(tag: str) -> dict[str, Any]:
    """Summaries of the risk engine's answers: fresh values and a fresh revert decision per run."""
    from vaultproof.spec import SummaryResult

    def answer(name: str) -> Any:
        def summary(view: Any) -> Any:
            return SummaryResult(returns=(z3.Int(f"{tag}.{name}"),), reverts=z3.Bool(f"{tag}.{name}.reverts"))

        return summary

    return {call: answer(call.split(".")[1]) for call in QRE_CALLS}


def alloc2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation, execute

    a = execute(
        code_of(ctx),
        f"{VAULT}.allocateForPosition",
        deployment=ctx.deployment,
        summaries=_risk_engine("qreA"),
        label="open",
    )
    names = ("user", "posKey", "market", "amount", "mode")
    b = execute(
        code_of(ctx),
        f"{VAULT}.allocateForPosition",
        deployment=ctx.deployment,
        summaries=_risk_engine("qreB"),
        args={n: a.arg(n) for n in names},
        env=dict(a.env),
        label="open",
    )
    vault = z3.Int(f"{VAULT}.address")
    user, amount, mode = a.arg("user"), a.arg("amount"), a.arg("mode")
    usdc = a.before(VAULT, "usdc")
    free = a.before(BM, "_free", user, usdc)
    locked0 = a.before(BM, "_locked", user, usdc, vault)
    isolated = mode == ISOLATED
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("amount (argument)", amount, USDC)
    shown.add("mode (argument, 1 = ISOLATED)", mode)
    shown.add("user's free USDC before", free, USDC)
    shown.add("locked by the vault before", locked0, USDC)
    shown.add("run A succeeded", a.ok)
    shown.add("run B succeeded", b.ok)
    shown.add("locked after run A", a.post(BM, "_locked", user, usdc, vault), USDC)
    shown.add("locked after run B", b.post(BM, "_locked", user, usdc, vault), USDC)
    for tag in ("qreA", "qreB"):
        shown.add(f"{tag} equity18", z3.Int(f"{tag}.equity18"))
        shown.add(f"{tag} maintenanceMargin18", z3.Int(f"{tag}.maintenanceMargin18"))
    same = z3.And(
        a.ok == b.ok,
        z3.Implies(
            a.ok, a.post(BM, "_locked", user, usdc, vault) == b.post(BM, "_locked", user, usdc, vault)
        ),
        z3.Implies(
            a.ok,
            a.post(VAULT, "positionAllocations", a.arg("posKey"), "usdcLocked")
            == b.post(VAULT, "positionAllocations", a.arg("posKey"), "usdcLocked"),
        ),
    )
    out = [
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (ISOLATED) does not depend on the risk engine's "
            "answers (same outcome and lock for any equity18 / maintenanceMargin18 / revert)",
            [a, b],
            z3.Implies(isolated, same),
            witness=z3.And(isolated, a.ok),
            shown=shown.tuple(),
            explanation="an ISOLATED open came out differently for two risk-engine answers: it consulted QRE",
        ),
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (ISOLATED) reverts without enough free USDC and "
            "otherwise locks exactly amount",
            a,
            z3.And(
                z3.Implies(z3.And(isolated, free < amount), z3.Not(a.ok)),
                z3.Implies(
                    z3.And(isolated, a.ok, user != vault),
                    a.post(BM, "_locked", user, usdc, vault) == locked0 + amount,
                ),
            ),
            witness=z3.And(isolated, a.ok, user != vault),
            shown=shown.tuple(),
            explanation="an ISOLATED open succeeded on less free USDC than its margin, or locked another "
            "amount",
        ),
    ]
    return out


def alloc1_code(ctx: ModelContext) -> list[Obligation]:
    """ALLOC-1 on allocateForPosition's code: a new allocation records ``usdcLocked ≤ amount`` and
    ``usdcLocked ≤`` the user's free USDC before, and the custodian locks exactly that much (both modes)."""
    from vaultproof.spec import code_obligation, execute

    ex = execute(
        code_of(ctx),
        f"{VAULT}.allocateForPosition",
        deployment=ctx.deployment,
        summaries=_risk_engine("qre"),
        label="open1",
    )
    vault = z3.Int(f"{VAULT}.address")
    user, key, amount = ex.arg("user"), ex.arg("posKey"), ex.arg("amount")
    usdc = ex.before(VAULT, "usdc")
    free = ex.before(BM, "_free", user, usdc)
    lock0, lock1 = ex.before(BM, "_locked", user, usdc, vault), ex.post(BM, "_locked", user, usdc, vault)
    fresh = z3.Not(ex.before(VAULT, "positionAllocations", key, "exists"))
    recorded = ex.post(VAULT, "positionAllocations", key, "usdcLocked")
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("amount (argument)", amount, USDC)
    shown.add("mode (argument, 1 = ISOLATED)", ex.arg("mode"))
    shown.add("user's free USDC before", free, USDC)
    shown.add("locked by the vault before", lock0, USDC)
    shown.add("locked by the vault after", lock1, USDC)
    shown.add("allocation usdcLocked after", recorded, USDC)
    return [
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (new position) records and locks toLock ≤ amount "
            "and ≤ the free USDC",
            ex,
            z3.Implies(
                z3.And(ex.ok, fresh, user != vault),
                z3.And(recorded <= amount, recorded <= free, lock1 - lock0 == recorded),
            ),
            witness=z3.And(ex.ok, fresh, user != vault, ex.arg("mode") == 0, free < amount, free > 0),
            shown=shown.tuple(),
            explanation="the open recorded or locked more USDC than the margin or than the user had free",
        )
    ]
