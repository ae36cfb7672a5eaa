"""DEBT code obligations: the deficit waterfall's stages as pre/post contracts of the functions they describe.

Each function builds obligations over the executed SlithIR of the shipped contracts (``ctx.code``), with
the project's deployment map (the fund's ``balanceManager`` is the project's ``BalanceManager``, whose
code runs on its own storage). Obligation names start with ``code:`` and the entry point.

DEBT-3 — ``InsuranceFund.coverDeficit`` over its real storage. With ``used(s) = s.lastPayoutBlock ==
block.number ? s.paidInBlock : 0`` and ``cap = maxQuantumsInsuranceLost``:

* one call pays ``paid ≤ amount`` and ``paid ≤`` the fund's custodian balance, which falls by exactly
  ``paid`` (the ``DeficitCovered`` event says so);
* the inductive step of the per-block counter: ``used ≤ cap`` before ⇒ ``used' = used + paid ≤ cap``
  after, and the cap itself is not written;
* two consecutive calls in the same block pay together at most ``cap − used`` (the second starts from the
  first one's post-state), and a call in a later block starts a fresh bucket (``used' = paid ≤ cap``);
* ``remainingBlockCapacity`` returns exactly ``cap − used`` (0 once the bucket is full);
* every checked operation on the path (``paidInBlock += paid``, ``totalPaid += paid``, the custodian's
  ``_free[to] += paid``) cannot overflow for amounts and counters below 2^128 units.
"""

from __future__ import annotations

from typing import Any

import z3

from models.code_common import USDC, Shown, bounded, code_of
from vaultproof.spec import ModelContext, Obligation

FUND = "InsuranceFund"
BM = "BalanceManager"


def _used(ex: Any, block: Any, post: bool) -> Any:
    read = ex.post if post else ex.before
    return z3.If(read(FUND, "lastPayoutBlock") == block, read(FUND, "paidInBlock"), 0)


def _cover(ctx: ModelContext, label: str | None = None, pre: Any = None, block: Any = None) -> Any:
    from vaultproof.spec import execute

    env = {"block.number": block} if block is not None else None
    return execute(
        code_of(ctx), f"{FUND}.coverDeficit", deployment=ctx.deployment, pre=pre, env=env, label=label
    )


def _show_cover(shown: Shown, ex: Any, tag: str = "") -> None:
    fund = z3.Int(f"{FUND}.address")
    usdc = ex.before(FUND, "usdc")
    block = ex.env["block.number"]
    shown.add(f"{tag}amount (argument)", ex.arg("amount"), USDC)
    shown.add(f"{tag}beneficiary (argument)", ex.arg("beneficiary"))
    shown.add(f"{tag}msg.sender", ex.env["msg.sender"])
    shown.add(f"{tag}block.number", block)
    shown.add(f"{tag}maxQuantumsInsuranceLost", ex.before(FUND, "maxQuantumsInsuranceLost"), USDC)
    shown.add(f"{tag}lastPayoutBlock before", ex.before(FUND, "lastPayoutBlock"))
    shown.add(f"{tag}paidInBlock before", ex.before(FUND, "paidInBlock"), USDC)
    shown.add(f"{tag}fund balance before", ex.before(BM, "_free", fund, usdc), USDC)
    shown.add(f"{tag}paid (returned)", ex.ret("paid"), USDC)
    shown.add(f"{tag}lastPayoutBlock after", ex.post(FUND, "lastPayoutBlock"))
    shown.add(f"{tag}paidInBlock after", ex.post(FUND, "paidInBlock"), USDC)
    shown.add(f"{tag}fund balance after", ex.post(BM, "_free", fund, usdc), USDC)
    for event in ex.events_named("DeficitCovered"):
        shown.add(f"{tag}event DeficitCovered.paid", event["paid"], USDC)


def _ranges(ex: Any) -> list[z3.BoolRef]:
    """Amounts and counters below 2^128 units; the last payout is not in the future (block numbers never
    decrease and ``lastPayoutBlock`` is only ever written with ``block.number``)."""
    fund = z3.Int(f"{FUND}.address")
    usdc = ex.before(FUND, "usdc")
    beneficiary = ex.arg("beneficiary")
    return [
        ex.before(FUND, "lastPayoutBlock") <= ex.env["block.number"],
        *bounded(
            ex.arg("amount"),
            ex.before(FUND, "maxQuantumsInsuranceLost"),
            ex.before(FUND, "paidInBlock"),
            ex.before(FUND, "totalPaid"),
            ex.before(BM, "_free", fund, usdc),
            ex.before(BM, "_free", beneficiary, usdc),
        ),
    ]


def debt3_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import check_obligations, code_obligation, execute

    out: list[Obligation] = []
    ex = _cover(ctx)
    fund = z3.Int(f"{FUND}.address")
    usdc = ex.before(FUND, "usdc")
    block = ex.env["block.number"]
    cap = ex.before(FUND, "maxQuantumsInsuranceLost")
    paid, amount = ex.ret("paid"), ex.arg("amount")
    balance0, balance1 = ex.before(BM, "_free", fund, usdc), ex.post(BM, "_free", fund, usdc)
    used0, used1 = _used(ex, block, post=False), _used(ex, block, post=True)
    invariant = used0 <= cap
    shown = Shown()
    _show_cover(shown, ex)

    (event,) = ex.events_named("DeficitCovered")
    out.append(
        code_obligation(
            "code: InsuranceFund.coverDeficit pays ≤ the ask and ≤ the fund's balance, which falls by paid",
            ex,
            z3.Implies(
                z3.And(ex.ok, ex.arg("beneficiary") != fund),
                z3.And(
                    paid >= 0,
                    paid <= amount,
                    paid <= balance0,
                    balance1 == balance0 - paid,
                    event.when,
                    event["paid"] == paid,
                    event["requested"] == amount,
                ),
            ),
            assumptions=_ranges(ex),
            witness=z3.And(ex.ok, paid > 0, ex.arg("beneficiary") != fund),
            shown=shown.tuple(),
            explanation="coverDeficit paid more than asked or than the fund holds, or the custodian's "
            "balance of the fund did not fall by what it reported",
        )
    )
    out.append(
        code_obligation(
            "code: InsuranceFund.coverDeficit keeps the per-block counter within the cap (step: used ≤ cap ⇒ "
            "used' = used + paid ≤ cap)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(used1 == used0 + paid, used1 <= cap, ex.post(FUND, "maxQuantumsInsuranceLost") == cap),
            ),
            assumptions=[invariant, *_ranges(ex)],
            witness=z3.And(ex.ok, paid > 0, used0 > 0),
            shown=shown.tuple(),
            explanation="after this payout the fund has paid more than MaxQuantumsInsuranceLost in this "
            "block",
        )
    )

    # two consecutive calls in one block: the second runs on the first one's post-state
    ex2 = _cover(ctx, label="second", pre=ex, block=block)
    both = Shown()
    _show_cover(both, ex, "1st ")
    _show_cover(both, ex2, "2nd ")
    out.append(
        code_obligation(
            "code: two InsuranceFund.coverDeficit calls in one block pay together ≤ cap − used",
            [ex, ex2],
            z3.Implies(
                z3.And(ex.ok, ex2.ok),
                z3.And(paid + ex2.ret("paid") <= cap - used0, _used(ex2, block, post=True) <= cap),
            ),
            assumptions=[invariant, *_ranges(ex), *bounded(ex2.arg("amount"))],
            witness=z3.And(ex.ok, ex2.ok, paid > 0, ex2.ret("paid") > 0),
            shown=both.tuple(),
            explanation="two payouts in the same block exceed MaxQuantumsInsuranceLost together",
        )
    )
    # a call in a later block: a fresh bucket (whatever was paid before)
    later = z3.Int("later.block.number")
    ex3 = _cover(ctx, label="later", pre=ex, block=later)
    across = Shown()
    _show_cover(across, ex, "1st ")
    _show_cover(across, ex3, "next block ")
    out.append(
        code_obligation(
            "code: InsuranceFund.coverDeficit in a later block starts a fresh bucket (used' = paid ≤ cap)",
            [ex, ex3],
            z3.Implies(
                z3.And(ex.ok, ex3.ok),
                z3.And(_used(ex3, later, post=True) == ex3.ret("paid"), ex3.ret("paid") <= cap),
            ),
            assumptions=[invariant, later > block, *_ranges(ex), *bounded(ex3.arg("amount"))],
            witness=z3.And(ex.ok, ex3.ok, paid > 0, ex3.ret("paid") > 0),
            shown=across.tuple(),
            explanation="a payout in a new block was not counted from zero against the cap",
        )
    )

    room = execute(
        code_of(ctx),
        f"{FUND}.remainingBlockCapacity",
        deployment=ctx.deployment,
        env={"block.number": block},
        label="room",
    )
    room_used = _used(room, block, post=False)
    room_cap = room.before(FUND, "maxQuantumsInsuranceLost")
    room_shown = Shown()
    room_shown.add("block.number", block)
    room_shown.add("maxQuantumsInsuranceLost", room_cap, USDC)
    room_shown.add("lastPayoutBlock", room.before(FUND, "lastPayoutBlock"))
    room_shown.add("paidInBlock", room.before(FUND, "paidInBlock"), USDC)
    room_shown.add("remainingBlockCapacity (returned)", room.ret(0), USDC)
    out.append(
        code_obligation(
            "code: InsuranceFund.remainingBlockCapacity = cap − used (0 once the bucket is full)",
            room,
            z3.Implies(room.ok, room.ret(0) == z3.If(room_used >= room_cap, 0, room_cap - room_used)),
            shown=room_shown.tuple(),
            witness=z3.And(room.ok, room_used > 0, room_used < room_cap),
            explanation="the capacity left in this block is not cap minus what was paid in it",
        )
    )
    out += check_obligations(ex, assumptions=_ranges(ex), shown=shown.tuple(), label="coverDeficit")
    return out


# --------------------------------------------------------------------------------------------------
# DEBT-1 — conservation of the waterfall, on the vault's release entry points

VAULT = "BalanceManagerVault"
FIELDS = ("fromFreeUsdc", "fromCollateral", "fromInsurance", "socialized", "shortfall")


def waterfall_execution(ctx: ModelContext, entry: str = "releaseFromPosition", modular: bool = False) -> Any:
    """The vault's ``entry`` executed over the whole waterfall: the collateral loop unrolled to
    MAX_COLLATERALS, the ADL engine summarised (any answer, may revert: DEBT-5 proves its own code),
    the risk engine, the pool manager, the order books and the calling router taken as unknown code
    (any answer; a book may move any custodian balance) — each at least as general as the real callee."""
    from models.code_common import loop_line
    from vaultproof.spec import Havoc, SummaryResult, Unroll, execute

    code = code_of(ctx)
    unbound = (f"{VAULT}.quantumRiskEngine", f"{VAULT}.poolManager")
    deployment = {k: v for k, v in ctx.deployment.items() if k not in unbound}
    calls = iter(range(1_000_000))

    def socialize(view: Any) -> Any:
        n = next(calls)
        answers = tuple(_uint256(z3.Int(f"adl{n}.{name}")) for name in ("socialized", "recorded"))
        return SummaryResult(returns=answers, reverts=z3.Bool(f"adl{n}.reverts"))

    sales = iter(range(1_000_000))

    def sale(view: Any) -> Any:
        """One guarded sale as its proved contract (``sale_contract``): it reverts, or pays at most the
        remaining deficit; the custodian cells a sale can move (the user's collateral and USDC, the fund's
        USDC) take any value afterwards."""
        n = next(sales)
        user, token, remaining = view.args
        paid = _uint256(z3.Int(f"sale{n}.paid"))
        usdc, fund = view.read(VAULT, "usdc"), view.read(VAULT, "insuranceFund")
        moved = {
            (BM, "_free", a, t): _uint256(z3.Int(f"sale{n}.free.{i}"))
            for i, (a, t) in enumerate(((user, token), (user, usdc), (fund, usdc)))
        }
        return SummaryResult(
            returns=(z3.If(paid <= remaining, paid, remaining),),
            writes=moved,
            reverts=z3.Bool(f"sale{n}.reverts"),
        )

    summaries = {"AdlEngine.socialize": socialize}
    if modular:
        summaries[f"{VAULT}.sellCollateralGuarded"] = sale
    loop = f"{VAULT}._coverDeficitWithCollateral:{loop_line(code, f'{VAULT}._coverDeficitWithCollateral')}"
    return execute(
        code,
        f"{VAULT}.{entry}",
        deployment=deployment,
        havoc={"IOrderBook": Havoc(writes=((BM, "_free"),)), "*": Havoc()},
        summaries=summaries,
        loops={loop: Unroll(ctx.param("BalanceManagerVault.MAX_COLLATERALS"))},
        label=entry,
    )


def _uint256(term: Any) -> Any:
    """Any uint256 value: ``term`` where it is one (the summary's answer ranges over the ABI type)."""
    return z3.If(z3.And(term >= 0, term < 2**256), term, 0)


def release_execution(ctx: ModelContext) -> Any:
    return waterfall_execution(ctx, "releaseFromPosition")


def debt1_code(ctx: ModelContext) -> list[Obligation]:
    """Each DeficitSettled the waterfall emits sums to its deficit: on ``_settleCrossAccountDeficit`` (the
    CROSS waterfall: free USDC, collateral loop, insurance, ADL, shortfall) for every input, and on
    ``_absorbResidual`` (the ISOLATED path and the last stages) whenever it is handed a consistent split
    (deficit = fromFree + fromCollateral + remaining)."""
    from vaultproof.spec import check_obligations, code_obligation

    out: list[Obligation] = []
    out += sale_contract(ctx)
    # the ADL stage on socialize's own code (the waterfall's socialize summary — any uint256 answer, may
    # revert — is implied by every callee; the vault clamps what it is told)
    walk = socialize_execution(ctx)
    out += socialize_conserves(ctx, walk)
    out += _walk_checks(walk, _show_walk(walk))
    for entry in ("_settleCrossAccountDeficit", "_absorbResidual"):
        ex = waterfall_execution(ctx, entry, modular=True)
        handed = z3.BoolVal(True)
        shown = Shown()
        for name in ("user", "deficit"):
            shown.add(f"{name} (argument)", ex.arg(name), USDC if name == "deficit" else (0, ""))
        if entry == "_absorbResidual":
            for name in ("fromFree", "fromCollateral", "remaining"):
                shown.add(f"{name} (argument)", ex.arg(name), USDC)
            handed = ex.arg("deficit") == ex.arg("fromFree") + ex.arg("fromCollateral") + ex.arg("remaining")
        usdc = ex.before(VAULT, "usdc")
        shown.add("user's free USDC before", ex.before(BM, "_free", ex.arg("user"), usdc), USDC)
        shown.add("user's free USDC after", ex.post(BM, "_free", ex.arg("user"), usdc), USDC)
        for index, event in enumerate(ex.events_named("DeficitSettled")):
            tag = f"DeficitSettled#{index}"
            event_shown = Shown(list(shown.items))
            event_shown.add(f"{tag}.deficit", event["deficit"], USDC)
            for field in FIELDS:
                event_shown.add(f"{tag}.{field}", event[field], USDC)
            total = sum((event[f] for f in FIELDS), z3.IntVal(0))
            out.append(
                code_obligation(
                    f"code: BalanceManagerVault.{entry}: DeficitSettled sums to the deficit (free + "
                    "collateral + insurance + socialized + recorded shortfall)",
                    ex,
                    z3.Implies(
                        z3.And(ex.ok, event.when, handed),
                        z3.And(event["deficit"] == total, *[event[f] >= 0 for f in FIELDS]),
                    ),
                    witness=z3.And(ex.ok, event.when, handed),
                    shown=event_shown.tuple(),
                    explanation="the waterfall emitted a settlement whose parts do not add up to the "
                    "deficit: the difference is silently dropped",
                )
            )
        out += check_obligations(ex, kinds=("loop-bound",), shown=shown.tuple(), label=entry)
    return out


def sale_contract(ctx: ModelContext) -> list[Obligation]:
    """The contract the waterfall's summary of a guarded sale assumes, on ``sellCollateralGuarded``'s own
    code: when it completes it paid at most the remaining deficit."""
    from vaultproof.spec import Havoc, code_obligation, execute

    sale = execute(
        code_of(ctx),
        f"{VAULT}.sellCollateralGuarded",
        deployment=ctx.deployment,
        havoc={"IOrderBook": Havoc(writes=((BM, "_free"), (BM, "_locked")))},
        env={"msg.sender": z3.Int(f"{VAULT}.address")},
        label="sale",
    )
    shown = Shown()
    shown.add("user (argument)", sale.arg("user"))
    shown.add("token (argument)", sale.arg("token"))
    shown.add("remainingDeficit (argument)", sale.arg("remainingDeficit"), USDC)
    shown.add("paid (returned)", sale.ret("paid"), USDC)
    return [
        code_obligation(
            "code: BalanceManagerVault.sellCollateralGuarded pays at most the remaining deficit (the sale "
            "summary the waterfall uses)",
            sale,
            z3.Implies(
                sale.ok, z3.And(sale.ret("paid") >= 0, sale.ret("paid") <= sale.arg("remainingDeficit"))
            ),
            shown=shown.tuple(),
            explanation="a guarded sale paid more than the deficit left: the waterfall's remaining would "
            "underflow",
        )
    ]


# --------------------------------------------------------------------------------------------------
# AdlEngine.socialize — the ranked walk, on its code (DEBT-1's ADL stage, DEBT-5)

ADL_ENGINE = "AdlEngine"
MAX_UINT = 2**256 - 1


def _ranks_before(roe: Any, keys: Any, a: Any, b: Any) -> Any:
    """Candidate ``a`` is picked before ``b``: higher ROE, a tie broken by the smaller key (the code's
    selection test, read as an order)."""
    return z3.Or(
        z3.Select(roe, a) > z3.Select(roe, b),
        z3.And(z3.Select(roe, a) == z3.Select(roe, b), z3.Select(keys, a) < z3.Select(keys, b)),
    )


def _lengths(view: Any, length: Any) -> Any:
    return z3.And(*[view.memory(name, "length") == length for name in ("keys", "cap", "roe")])


def _candidates_invariant(view: Any) -> Any:
    """``_candidates``' scan: ``n ≤ i ≤ len`` and the three arrays have length ``len`` (what the walk's
    indexing needs; the walk itself charges only entries with capacity ≠ 0)."""
    i, n, length = view.local("i"), view.local("n"), view.local("len")
    cap = view.memory("cap", "#")
    j = z3.Int("cand.j")
    return z3.And(
        n >= 0,
        n <= i,
        i <= length,
        _lengths(view, length),
        z3.ForAll([j], z3.Implies(z3.And(j >= 0, j < n), z3.Select(cap, j) > 0)),
    )


def _walk_invariant(view: Any) -> Any:
    """The rounds of the walk. ``cap0`` = the capacities the walk started from (ghost: the loop's entry):

    * ``remaining ≤ shortfall`` (so ``socialized = shortfall − remaining`` is what was charged);
    * a candidate's capacity is either untouched or zeroed (taken) — never changed otherwise;
    * ROE order: no candidate still untaken ranks before one already taken;
    * each charge is at most the candidate's capacity: ``pendingHaircut[key] + cap ≤ pendingHaircut₀[key] +
      cap₀`` per candidate (so at the exit ``pendingHaircut[key] ≤ pendingHaircut₀[key] + cap₀ = profit``,
      ``_candidates`` setting ``cap₀ = profit − pendingHaircut₀``), for a registry whose keys of a side are
      distinct (``updatePosition`` pushes a key only while its ``_indexPlusOne`` is 0).
    """
    entry = view.at_entry()
    n, remaining, shortfall = view.local("n"), view.local("remaining"), view.local("shortfall")
    cap, cap0 = view.memory("cap", "#"), entry.memory("cap", "#")
    roe, keys = view.memory("roe", "#"), view.memory("keys", "#")
    j, k = z3.Ints("walk.j walk.k")
    inside = z3.And(j >= 0, j < n)
    taken = z3.Select(cap, j) == 0  # every candidate starts with capacity > 0 (_candidates)
    a, b = z3.Ints("walk.a walk.b")
    distinct = z3.ForAll(
        [a, b],
        z3.Implies(z3.And(a >= 0, a < n, b >= 0, b < n, a != b), z3.Select(keys, a) != z3.Select(keys, b)),
    )

    def pending(state: Any, index: Any) -> Any:
        return state.read(ADL_ENGINE, "pendingHaircut", z3.Select(keys, index))

    charged = z3.ForAll(
        [j],
        z3.Implies(inside, pending(view, j) + z3.Select(cap, j) <= pending(entry, j) + z3.Select(cap0, j)),
    )
    return z3.And(
        z3.Implies(distinct, charged),
        remaining >= 0,
        remaining <= shortfall,
        n <= view.memory("cap", "length"),
        _lengths(view, view.memory("cap", "length")),
        z3.ForAll([j], z3.Implies(inside, z3.Select(cap, j) <= z3.Select(cap0, j))),
        z3.ForAll(
            [j, k],
            z3.Implies(
                z3.And(inside, k >= 0, k < n, taken, z3.Select(cap, k) != 0),
                z3.Not(_ranks_before(roe, keys, k, j)),
            ),
        ),
    )


def _pick_invariant(view: Any) -> Any:
    """One round's selection: ``best`` is MAX or an index < i with capacity, and no candidate with
    capacity among the first ``i`` ranks before it."""
    i, n, best = view.local("i"), view.local("n"), view.local("best")
    cap, roe, keys = view.memory("cap", "#"), view.memory("roe", "#"), view.memory("keys", "#")
    k = z3.Int("pick.k")
    return z3.And(
        i >= 0,
        i <= n,
        z3.Or(best == MAX_UINT, z3.And(best >= 0, best < i, z3.Select(cap, best) != 0)),
        z3.ForAll(
            [k],
            z3.Implies(
                z3.And(k >= 0, k < i, z3.Select(cap, k) != 0),
                z3.And(best != MAX_UINT, z3.Not(_ranks_before(roe, keys, k, best))),
            ),
        ),
    )


def socialize_execution(ctx: ModelContext, label: str = "socialize") -> Any:
    """``AdlEngine.socialize`` on its code, every loop proved by an invariant (no bound on the number of
    registered positions is used: MAX_POSITIONS_PER_SIDE = 100 only bounds the registry)."""
    from models.code_common import loop_line
    from vaultproof.spec import Invariant, execute

    code = code_of(ctx)
    walk = f"{ADL_ENGINE}.socialize"
    outer, inner = loop_line(code, walk, 0), loop_line(code, walk, 1)
    scan = f"{ADL_ENGINE}._candidates"
    return execute(
        code,
        walk,
        deployment=ctx.deployment,
        loops={
            f"{scan}:{loop_line(code, scan)}": Invariant(_candidates_invariant),
            f"{walk}:{outer}": Invariant(_walk_invariant),
            # a pick is reached with best ≠ MAX only from the second index on: witness any iteration
            f"{walk}:{inner}": Invariant(_pick_invariant, first_witness=False),
        },
        label=label,
    )


# Checks of socialize's execution that are obligations: every loop invariant's base and step (what makes
# the exit's assumptions sound), and the walk's own panics (an underflow of `remaining -= take`, an index
# out of bounds). The scan's and the pricing's arithmetic (_candidates, _profit, _mark) is not: an
# overflowing profit or ROE reverts socialize, which the vault's try/catch treats as an ADL engine that
# socializes 0 (the whole remainder recorded as shortfall; DEBT-1's waterfall obligations cover that path).
WALK_CHECKS = (
    "underflow",
    "division-by-zero",
    "index-out-of-bounds",
    "loop-invariant-base",
    "loop-invariant-step",
)


def _walk_checks(ex: Any, shown: Shown) -> list[Obligation]:
    """The checks (above), and for each one in the walk's body the same check in the walk's FIRST round:
    implied by the general one, but quantifier-light, so a broken walk shows a concrete failing first
    round instead of a timeout over the invariants' quantifiers."""
    from vaultproof.spec import check_obligations, code_obligation

    mine = [
        ob
        for ob in check_obligations(ex, kinds=WALK_CHECKS, shown=shown.tuple(), label="socialize")
        if "loop-invariant" in ob.name or f" at {ADL_ENGINE}.socialize (" in ob.name
    ]
    for check in ex.checks:
        if check.kind not in WALK_CHECKS or check.first_bad is None or check.witness is None:
            continue
        if f"{ADL_ENGINE}.socialize (" not in check.where:
            continue
        # built by code_obligation: a check of the executed code, hence code-derived (a first-round
        # check that the code makes true by simplification is the code's doing, not a TAUTOLOGY)
        mine.append(
            code_obligation(
                f"{ex.name} (socialize, first round): no {check.kind} at {check.where}",
                ex,
                z3.Not(z3.And(check.witness, check.first_bad)),
                witness=check.witness,
                shown=shown.tuple(),
                explanation=f"{check.kind} at {check.where} in the walk's first round",
            )
        )
    return mine


def _show_walk(ex: Any) -> Shown:
    shown = Shown()
    shown.add("market (argument)", ex.arg("market"))
    shown.add("liquidatedIsLong (argument)", ex.arg("liquidatedIsLong"))
    shown.add("shortfall (argument)", ex.arg("shortfall"), USDC)
    shown.add("msg.sender", ex.env["msg.sender"])
    shown.add("totalSocialized before", ex.before(ADL_ENGINE, "totalSocialized"), USDC)
    shown.add("socialized (returned)", ex.ret("socialized"), USDC)
    shown.add("recordedShortfall (returned)", ex.ret("recordedShortfall"), USDC)
    shown.add("totalSocialized after", ex.post(ADL_ENGINE, "totalSocialized"), USDC)
    shown.add("totalRecordedShortfall after", ex.post(ADL_ENGINE, "totalRecordedShortfall"), USDC)
    return shown


def socialize_conserves(ctx: ModelContext, ex: Any = None) -> list[Obligation]:
    """DEBT-1's ADL stage as socialize's post-condition: what it returns splits the shortfall exactly
    (socialized + recorded = shortfall, socialized ≤ shortfall) and the ``Socialized`` event says so."""
    from vaultproof.spec import code_obligation

    ex = ex if ex is not None else socialize_execution(ctx)
    shortfall, socialized, recorded = ex.arg("shortfall"), ex.ret("socialized"), ex.ret("recordedShortfall")
    (event,) = ex.events_named("Socialized")
    return [
        code_obligation(
            "code: AdlEngine.socialize splits the shortfall exactly (socialized + recorded = shortfall)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    socialized + recorded == shortfall,
                    socialized <= shortfall,
                    z3.Implies(
                        shortfall > 0,
                        z3.And(event.when, event["socialized"] == socialized, event["recorded"] == recorded),
                    ),
                ),
            ),
            witness=z3.And(ex.ok, shortfall > 0, socialized > 0),
            shown=_show_walk(ex).tuple(),
            explanation="socialize returned a split that does not add up to the shortfall: the "
            "difference is neither charged to a winner nor recorded",
        )
    ]


def debt5_code(ctx: ModelContext) -> list[Obligation]:
    """DEBT-5 on ``AdlEngine.socialize``'s code, every loop by an invariant checked on the body:

    * the walk's invariant (``_walk_invariant``: remaining ≤ shortfall, capacities only fall, ROE order —
      no untaken candidate ranks before a taken one) and the pick's (``_pick_invariant``: best has
      capacity and no scanned candidate with capacity ranks before it), base and step on the code;
    * the charge of a round is at most the picked candidate's capacity and the remaining shortfall
      (``remaining -= take`` never underflows), and the exit splits the shortfall exactly;
    * a walk that stops early because no candidate has capacity left has charged every one of them.
    """
    ex = socialize_execution(ctx)
    return [*socialize_conserves(ctx, ex), *_walk_checks(ex, _show_walk(ex))]
