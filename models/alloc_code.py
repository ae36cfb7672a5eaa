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

from models.code_common import USDC, Shown, code_of, obligation_named
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


def _allocate(ctx: ModelContext, qre: str, label: str, **more: Any) -> Any:
    """``allocateForPosition`` executed on the shipped code, the risk engine's answers fresh under ``qre``."""
    from vaultproof.spec import execute

    return execute(
        code_of(ctx),
        f"{VAULT}.allocateForPosition",
        deployment=ctx.deployment,
        summaries=_risk_engine(qre),
        label=label,
        **more,
    )


def alloc2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    a = _allocate(ctx, "qreA", "open")
    names = ("user", "posKey", "market", "amount", "mode")
    b = _allocate(ctx, "qreB", "open", args={n: a.arg(n) for n in names}, env=dict(a.env))
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
    from vaultproof.spec import code_obligation

    ex = _allocate(ctx, "qre", "open1")
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


# --------------------------------------------------------------------------------------------------
# ALLOC-3, ALLOC-4, ALLOC-5, ALLOC-6 on the code (issue 15, branch issue15-vault)

MARGIN_MODES = 2  # IBalanceManagerVault.MarginMode has two members: CROSS = 0, ISOLATED = 1
USD18 = (18, "USD")
QRE_VAR = f"{VAULT}.quantumRiskEngine"


def open_execution(ctx: ModelContext, label: str = "open", qre_bound: bool = True, pre: Any = None) -> Any:
    """``allocateForPosition`` with the risk engine's answers arbitrary (any value, may revert). With
    ``qre_bound=False`` the vault's ``quantumRiskEngine`` is any address, 0 included (the engine is still
    only reached through the summaries, which are at least as general as its code)."""
    from vaultproof.spec import execute

    deployment = dict(ctx.deployment)
    if not qre_bound:
        deployment.pop(QRE_VAR, None)
    return execute(
        code_of(ctx),
        f"{VAULT}.allocateForPosition",
        deployment=deployment,
        summaries=typed_risk_engine(f"{label}.qre"),
        label=label,
        pre=pre,
    )


def typed_risk_engine(tag: str) -> dict[str, Any]:
    """The risk engine's two answers as arbitrary values of their ABI types (``equity18`` an int256,
    ``maintenanceMargin18`` a uint256: a decoded answer is always in range), each call may revert."""
    from vaultproof.spec import SummaryResult

    ranges = {"equity18": (-(2**255), 2**255 - 1), "maintenanceMargin18": (0, 2**256 - 1)}

    def answer(name: str) -> Any:
        low, high = ranges[name]

        def summary(view: Any) -> Any:
            value = z3.Int(f"{tag}.{name}")
            return SummaryResult(
                returns=(value,),
                reverts=z3.Bool(f"{tag}.{name}.reverts"),
                ensures=z3.And(value >= low, value <= high),
            )

        return summary

    return {call: answer(call.split(".")[1]) for call in QRE_CALLS}


def _scaled(ctx: ModelContext, amount: Any, decimals: Any) -> Any:
    from models.alloc import scale_to_18

    return scale_to_18(ctx, amount, decimals)


def _virtual_open(ex: Any) -> Any:
    """A CROSS open whose margin exceeds the user's free USDC (so it has virtual backing)."""
    usdc = ex.before(VAULT, "usdc")
    return z3.And(ex.arg("mode") != ISOLATED, ex.before(BM, "_free", ex.arg("user"), usdc) < ex.arg("amount"))


def _open_shown(ex: Any, label: str) -> Shown:
    usdc = ex.before(VAULT, "usdc")
    user = ex.arg("user")
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("amount (argument)", ex.arg("amount"), USDC)
    shown.add("mode (argument, 0 = CROSS, 1 = ISOLATED)", ex.arg("mode"))
    shown.add("collateralDecimals before", decimals(ex))
    shown.add("quantumRiskEngine before", ex.before(VAULT, "quantumRiskEngine"))
    shown.add("user's free USDC before", ex.before(BM, "_free", user, usdc), USDC)
    shown.add("QRE equity18", z3.Int(f"{label}.qre.equity18"), USD18)
    shown.add("QRE maintenanceMargin18", z3.Int(f"{label}.qre.maintenanceMargin18"), USD18)
    shown.add("open succeeded", ex.ok)
    shown.add("user's free USDC after", ex.post(BM, "_free", user, usdc), USDC)
    return shown


def decimals(ex: Any) -> Any:
    """The vault's ``collateralDecimals`` before the call; code that never reads it (a broken variant)
    leaves it a free uint8 that nothing constrains."""
    from vaultproof.spec import ExtractionError

    try:
        return ex.before(VAULT, "collateralDecimals")
    except ExtractionError:
        return z3.Int(f"{VAULT}.collateralDecimals (never read)")


def _decimals_allowed(ctx: ModelContext, ex: Any) -> Any:
    d = decimals(ex)
    return z3.And(d >= 0, d <= ctx.param("LockMath.MAX_COLLATERAL_DECIMALS"))


def initialize_bounds_decimals(ctx: ModelContext) -> list[Obligation]:
    """The stated assumption ``collateralDecimals ≤ MAX_COLLATERAL_DECIMALS`` on the code that writes it:
    ``initialize`` (the only writer) stores it only after checking it."""
    from vaultproof.spec import code_obligation, execute

    init = execute(code_of(ctx), f"{VAULT}.initialize", deployment=ctx.deployment, label="init")
    shown = Shown()
    shown.add("collateralDecimals_ (argument)", init.arg("collateralDecimals_"))
    shown.add("collateralDecimals after", init.post(VAULT, "collateralDecimals"))
    return [
        code_obligation(
            "code: BalanceManagerVault.initialize stores collateralDecimals ≤ MAX_COLLATERAL_DECIMALS",
            init,
            z3.Implies(
                init.ok,
                init.post(VAULT, "collateralDecimals") <= ctx.param("LockMath.MAX_COLLATERAL_DECIMALS"),
            ),
            shown=shown.tuple(),
            explanation="initialize accepted a collateral decimals above 18 (10**(18 − d) is undefined)",
        )
    ]


def alloc3_code(ctx: ModelContext) -> list[Obligation]:
    """ALLOC-3 on allocateForPosition / _requireVirtualBacking: a successful CROSS open with virtual backing
    had equity18 ≥ mm18 + amount·10^(18−d) (the full margin, sign-safe); with no risk engine set such an
    open reverts with the vault's InsufficientBalance and nothing else can stop it first except the
    entry guards."""
    from vaultproof.spec import code_obligation

    ex = open_execution(ctx, "open3", qre_bound=False)
    label = "open3"
    equity, mm = z3.Int(f"{label}.qre.equity18"), z3.Int(f"{label}.qre.maintenanceMargin18")
    amount, d = ex.arg("amount"), decimals(ex)
    required = mm + _scaled(ctx, amount, d)
    virtual = _virtual_open(ex)
    no_qre = ex.before(VAULT, "quantumRiskEngine") == 0
    shown = _open_shown(ex, label)
    # the entry guards that may stop the open first; every other revert is excluded when qre is unset
    allowed = ("NotSettlementRouter", "ReentrancyGuardReentrantCall", "InvalidAmount", "AmountTooLarge")

    def vaults_insufficient(r: Any) -> bool:
        return "InsufficientBalance" in r.reason and r.where.startswith(VAULT)

    others = [
        r.when for r in ex.reverts if not vaults_insufficient(r) and not any(a in r.reason for a in allowed)
    ]
    return [
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (CROSS, virtual backing) succeeds only with "
            "equity18 ≥ mm18 + amount·10^(18−collateralDecimals)",
            ex,
            z3.Implies(z3.And(ex.ok, virtual), z3.And(equity >= 0, equity >= required)),
            assumptions=[_decimals_allowed(ctx, ex)],
            witness=z3.And(
                ex.ok, virtual, ex.before(BM, "_free", ex.arg("user"), ex.before(VAULT, "usdc")) > 0
            ),
            shown=shown.tuple(),
            explanation="a CROSS open was virtually backed by less equity than maintenance margin plus its "
            "whole initial margin",
        ),
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition (CROSS, virtual backing, no risk engine) reverts "
            "InsufficientBalance",
            ex,
            z3.Implies(z3.And(virtual, no_qre), z3.And(z3.Not(ex.ok), *[z3.Not(w) for w in others])),
            assumptions=[_decimals_allowed(ctx, ex)],
            # the case itself (not its revert reason: a variant that lets the open through must be VIOLATED,
            # not VACUOUS)
            witness=z3.And(virtual, no_qre),
            shown=shown.tuple(),
            explanation="with quantumRiskEngine unset a virtually backed CROSS open did not revert "
            "InsufficientBalance",
        ),
        *initialize_bounds_decimals(ctx),
    ]


def alloc4_code(ctx: ModelContext) -> list[Obligation]:
    """ALLOC-4 on allocateForPosition: each checked operation of ``LockMath.scaleTo18`` on the open's path
    (18 − d, 10**e, the product) never fails for d ≤ 18 (amount ≤ uint96 max is the path's own guard), and
    the comparison is against exactly mm18 + amount·10^(18−d): InsufficientEquity only below it, success
    only at or above it."""
    from vaultproof.spec import check_obligations, code_obligation

    label = "open4"
    ex = open_execution(ctx, label, qre_bound=False)
    equity, mm = z3.Int(f"{label}.qre.equity18"), z3.Int(f"{label}.qre.maintenanceMargin18")
    amount, d = ex.arg("amount"), decimals(ex)
    required = mm + _scaled(ctx, amount, d)
    virtual = _virtual_open(ex)
    shown = _open_shown(ex, label)
    insufficient = z3.Or(*[r.when for r in ex.reverts if "InsufficientEquity" in r.reason], z3.BoolVal(False))
    scale_checks = [
        ob
        for ob in check_obligations(
            ex,
            kinds=("overflow", "underflow"),
            assumptions=[_decimals_allowed(ctx, ex)],
            shown=shown.tuple(),
            label="scaleTo18",
        )
        if "LockMath.scaleTo18" in ob.name
    ]
    scale_checks = [obligation_named(ob, f"code: {ob.name}") for ob in scale_checks]
    if not scale_checks:
        from vaultproof.spec import ExtractionError

        raise ExtractionError(
            "ALLOC-4: allocateForPosition reaches no checked operation of LockMath.scaleTo18"
        )
    return [
        code_obligation(
            "code: BalanceManagerVault.allocateForPosition compares equity against exactly mm18 + "
            "amount·10^(18−d) (InsufficientEquity only below, success only at or above)",
            ex,
            z3.And(
                z3.Implies(insufficient, equity < required),
                z3.Implies(z3.And(ex.ok, virtual), equity >= required),
            ),
            assumptions=[_decimals_allowed(ctx, ex)],
            witness=z3.And(insufficient, d < ctx.param("LockMath.MAX_COLLATERAL_DECIMALS")),
            shown=shown.tuple(),
            explanation="the open compared equity against a margin not scaled by exactly 10^(18−d)",
        ),
        *scale_checks,
    ]


def alloc5_code(ctx: ModelContext) -> list[Obligation]:
    """ALLOC-5: no narrowing conversion on allocateForPosition's or _debitAccount's paths loses value
    (``uint96(amount)``, ``uint128(amount)``, ``uint128(toLock)``, SafeCast's casts): each truncation site
    reached only with a value in range, for any pre-state."""
    from vaultproof.spec import check_obligations, execute

    ex = open_execution(ctx, "open5")
    debit = execute(code_of(ctx), f"{VAULT}._debitAccount", deployment=ctx.deployment, label="debit")
    shown = _open_shown(ex, "open5")
    d_shown = Shown()
    d_shown.add("user (argument)", debit.arg("user"))
    d_shown.add("amount (argument)", debit.arg("amount"), USDC)
    d_shown.add(
        "totalAllocated before", debit.before(VAULT, "accounts", debit.arg("user"), "totalAllocated"), USDC
    )
    d_shown.add(
        "totalAllocated after", debit.post(VAULT, "accounts", debit.arg("user"), "totalAllocated"), USDC
    )
    out = check_obligations(ex, kinds=("narrowing",), shown=shown.tuple(), label="downcasts")
    out += check_obligations(debit, kinds=("narrowing",), shown=d_shown.tuple(), label="downcasts")
    return [obligation_named(ob, f"code: {ob.name}") for ob in out]


def unchanged(ex: Any, instance: str, var: str, *path: Any) -> Any:
    """``post == before`` for one storage cell."""
    return ex.post(instance, var, *path) == ex.before(instance, var, *path)


def record(read: Any, key: Any) -> dict[str, Any]:
    """The stored allocation at ``key`` (``read`` = ``ex.before`` or ``ex.post``)."""
    fields = ("amount", "usdcLocked", "lockVersion", "mode", "exists", "market")
    return {f: read(VAULT, "positionAllocations", key, f) for f in fields}


def effective(ctx: ModelContext, rec: dict[str, Any]) -> Any:
    from models.alloc import effective_locked

    return effective_locked(ctx, rec["amount"], rec["usdcLocked"], rec["lockVersion"])


def release_step_executions(ctx: ModelContext) -> dict[str, Any]:
    """The three release entry points over their executed code; the two that reach the deficit waterfall
    run it with DEBT's modular summaries (``models.debt_code.waterfall_execution``): each guarded sale as
    its contract (``sale_contract``: pays ≤ the remaining deficit, proved on ``sellCollateralGuarded``;
    ``models.rel_code.sale_frame``: writes no vault storage and no vault lock, proved on the same code),
    the ADL engine answering anything (the vault clamps it), the insurance fund and custodian inlined."""
    from models.debt_code import waterfall_execution
    from vaultproof.spec import execute

    return {
        "releaseFromPosition": waterfall_execution(ctx, "releaseFromPosition", modular=True),
        "partialReleaseFromPosition": waterfall_execution(ctx, "partialReleaseFromPosition", modular=True),
        "deallocateFromPosition": execute(
            code_of(ctx), f"{VAULT}.deallocateFromPosition", deployment=ctx.deployment, label="dealloc"
        ),
    }


def _invariant(ctx: ModelContext, read: Any, user: Any, key: Any, usdc: Any, rest: dict[str, Any]) -> Any:
    """I over one user's state, with the user's OTHER open allocations abstract: ``rest`` holds Σ amount over
    the others that are CROSS / ISOLATED and Σ effectiveLocked over the others."""
    vault = z3.Int(f"{VAULT}.address")
    rec = record(read, key)
    eff = effective(ctx, rec)
    iso = rec["mode"] == ISOLATED
    total, cross, isolated = (read(VAULT, "accounts", user, f) for f in ACCOUNT_FIELDS)
    return z3.And(
        total == cross + isolated,
        cross == rest["cross"] + z3.If(z3.And(rec["exists"], z3.Not(iso)), rec["amount"], 0),
        isolated == rest["isolated"] + z3.If(z3.And(rec["exists"], iso), rec["amount"], 0),
        z3.Implies(
            rec["exists"],
            z3.And(
                eff <= rec["amount"],
                rec["amount"] > 0,
                rec["lockVersion"] <= ctx.param("LockMath.LOCK_VERSION_STAGE7"),
                rec["mode"] < MARGIN_MODES,
            ),
        ),
        read(BM, "_locked", user, usdc, vault) == rest["locked"] + z3.If(rec["exists"], eff, 0),
    )


ACCOUNT_FIELDS = ("totalAllocated", "crossMarginAllocated", "isolatedAllocated")


def _frame(ex: Any, user: Any, key: Any, usdc: Any, tag: str) -> tuple[Any, Any]:
    """(other ≠ touched) ⇒ every other allocation, every other user's account and vault lock unchanged."""
    vault = z3.Int(f"{VAULT}.address")
    key2, user2 = z3.Int(f"{tag}.otherPosKey"), z3.Int(f"{tag}.otherUser")
    same = [
        unchanged(ex, VAULT, "positionAllocations", key2, f)
        for f in ("amount", "usdcLocked", "lockVersion", "mode", "exists")
    ]
    same += [unchanged(ex, VAULT, "accounts", user2, f) for f in ACCOUNT_FIELDS]
    same.append(unchanged(ex, BM, "_locked", user2, usdc, vault))
    return z3.And(key2 != key, user2 != user), z3.And(*same)


def alloc6_code(ctx: ModelContext) -> list[Obligation]:
    """ALLOC-6 as an inductive invariant on the code: from any pre-state satisfying I (the touched allocation
    concrete, the user's other allocations abstract sums), each of allocateForPosition (new, top-up, legacy
    migration), releaseFromPosition, partialReleaseFromPosition and deallocateFromPosition — on its executed
    code, whole waterfall included — ends in a state satisfying I with the same abstract sums, and touches
    no other allocation, account or vault lock. Base: the empty state (all zero) satisfies I trivially.
    Stated assumption: the router names the position's owner as ``user`` (the arches derive posKey from
    it)."""
    from models.debt_code import sale_contract
    from models.rel_code import sale_frame
    from vaultproof.spec import code_obligation

    out: list[Obligation] = []
    steps = {"allocateForPosition": open_execution(ctx, "open6"), **release_step_executions(ctx)}
    for entry, ex in steps.items():
        user, key = ex.arg("user"), ex.arg("posKey")
        usdc = ex.before(VAULT, "usdc")
        vault = z3.Int(f"{VAULT}.address")
        rest = {n: z3.Int(f"{entry}.others.{n}") for n in ("cross", "isolated", "locked")}
        pre = _invariant(ctx, ex.before, user, key, usdc, rest)
        post = _invariant(ctx, ex.post, user, key, usdc, rest)
        distinct, frame = _frame(ex, user, key, usdc, entry)
        rec0, rec1 = record(ex.before, key), record(ex.post, key)
        shown = Shown()
        for name in ex.args:
            unit = USDC if name in ("amount",) else (0, "")
            if name != "$":
                shown.add(f"{name} (argument)", ex.arg(name), unit)
        for when, rec, read in (("before", rec0, ex.before), ("after", rec1, ex.post)):
            for f in ("amount", "usdcLocked"):
                shown.add(f"allocation {f} {when}", rec[f], USDC)
            shown.add(f"allocation lockVersion {when}", rec["lockVersion"])
            shown.add(f"allocation exists {when}", rec["exists"])
            for f in ACCOUNT_FIELDS:
                shown.add(f"account {f} {when}", read(VAULT, "accounts", user, f), USDC)
            shown.add(f"user's USDC locked by the vault {when}", read(BM, "_locked", user, usdc, vault), USDC)
        for n, term in rest.items():
            shown.add(f"Σ over the user's other allocations ({n})", term, USDC)
        witness = z3.And(ex.ok, pre)
        lemmas: list[Any] = []
        if entry == "partialReleaseFromPosition":
            # the one nonlinear step, proved on its own below (partial_rounding_lemma), used here on the
            # code's own terms: rounding both parts down keeps usdcLocked ≤ amount
            f = ex.arg("fractionPpm")
            lemmas.append(_rounding_instance(ctx, effective(ctx, rec0), rec0["amount"], f))
            lemmas.append(_strict_part_instance(ctx, rec0["amount"], f))
            witness = z3.And(witness, rec1["exists"], rec0["lockVersion"] == 0)
        elif entry == "allocateForPosition":
            witness = z3.And(witness, rec0["exists"], rec1["usdcLocked"] < rec1["amount"])
        if entry == "partialReleaseFromPosition":
            # two cases, each its own obligation: the whole position (f = PPM: the record is deleted) and a
            # strict part (f < PPM: the record stays, both parts rounded down)
            f, ppm = ex.arg("fractionPpm"), ctx.param("LockMath.PPM")
            version = rec0["lockVersion"]
            for case, cond, extra, interesting in (
                ("f = PPM, the record is deleted", f == ppm, z3.Not(rec1["exists"]), z3.BoolVal(True)),
                # the legacy migration on a partial close is the interesting strict case
                (
                    "legacy record, f < PPM, the record stays",
                    z3.And(f < ppm, version == 0),
                    rec1["exists"],
                    z3.BoolVal(True),
                ),
                (
                    "post-upgrade record, f < PPM, the record stays",
                    z3.And(f < ppm, version != 0),
                    rec1["exists"],
                    z3.BoolVal(True),
                ),
            ):
                out.append(
                    code_obligation(
                        f"code: BalanceManagerVault.{entry} ({case}) preserves I (total = cross + isolated = "
                        "Σ amounts; usdcLocked ≤ amount; Σ effectiveLocked = the custodian's vault lock)",
                        ex,
                        z3.Implies(z3.And(ex.ok, distinct, cond), z3.And(post, frame, extra)),
                        assumptions=[pre, *lemmas, *[t >= 0 for t in rest.values()]],
                        witness=z3.And(ex.ok, pre, cond, interesting),
                        shown=shown.tuple(),
                        explanation=f"{entry} from a state satisfying I ended in one that does not: the "
                        "vault's bookkeeping and the custodian's lock disagree",
                    )
                )
            continue
        out.append(
            code_obligation(
                f"code: BalanceManagerVault.{entry} preserves I (total = cross + isolated = Σ amounts; "
                "usdcLocked ≤ amount; Σ effectiveLocked = the custodian's vault lock)",
                ex,
                z3.Implies(z3.And(ex.ok, distinct), z3.And(post, frame)),
                assumptions=[pre, *lemmas, *[t >= 0 for t in rest.values()]],
                witness=witness,
                shown=shown.tuple(),
                explanation=f"{entry} from a state satisfying I ended in one that does not: the vault's "
                "bookkeeping and the custodian's lock disagree",
            )
        )
    return [*out, *partial_rounding_lemma(ctx), *sale_contract(ctx), *sale_frame(ctx)]


def _rounding_instance(ctx: ModelContext, x: Any, y: Any, f: Any) -> Any:
    ppm = ctx.param("LockMath.PPM")
    return z3.Implies(z3.And(x >= 0, x <= y, f >= 0, f <= ppm), x - (x * f) / ppm <= y - (y * f) / ppm)


def _strict_part_instance(ctx: ModelContext, y: Any, f: Any) -> Any:
    ppm = ctx.param("LockMath.PPM")
    return z3.Implies(z3.And(y > 0, f >= 0, f < ppm), (y * f) / ppm < y)


def partial_rounding_lemma(ctx: ModelContext) -> list[Obligation]:
    """x ≤ y ⇒ x − ⌊x·f/PPM⌋ ≤ y − ⌊y·f/PPM⌋ for 0 ≤ f ≤ PPM (x − ⌊x·f/PPM⌋ is non-decreasing in x)."""
    from vaultproof.spec import Obligation, Quantity

    x, y, f = z3.Int("lemma.locked"), z3.Int("lemma.amount"), z3.Int("lemma.fractionPpm")
    ppm = ctx.param("LockMath.PPM")
    shown = (
        Quantity("locked", x, 6, "USDC"),
        Quantity("amount", y, 6, "USDC"),
        Quantity("fractionPpm", f, 0, ""),
    )
    strict = Obligation(
        name="lemma (partialReleaseFromPosition): 0 < y ∧ f < PPM ⇒ ⌊y·f/PPM⌋ < y (a strict part leaves some "
        "amount)",
        assumptions=(y >= 0, y < 2**128, f >= 0, f <= ppm),
        goal=_strict_part_instance(ctx, y, f),
        witness=z3.And(y > 0, f > 0, f < ppm),
        shown=shown,
        explanation="a strict part of a position released its whole amount",
    )
    return [
        strict,
        Obligation(
            name="lemma (partialReleaseFromPosition): x ≤ y ⇒ x − ⌊x·f/PPM⌋ ≤ y − ⌊y·f/PPM⌋",
            assumptions=(x >= 0, x <= y, y < 2**128, f >= 0, f <= ppm),
            goal=_rounding_instance(ctx, x, y, f),
            witness=z3.And(x < y, f > 0, f < ppm),
            shown=(
                Quantity("locked", x, 6, "USDC"),
                Quantity("amount", y, 6, "USDC"),
                Quantity("fractionPpm", f, 0, ""),
            ),
            explanation="rounding both parts of a partial release down can leave more locked than claimed",
        ),
    ]
