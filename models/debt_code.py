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

from dataclasses import dataclass
from typing import Any

import z3

from models.code_common import USDC, Shown, bounded, code_of
from vaultproof.spec import ArraySum, ModelContext, Obligation, store_layers

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


def _shown_covers(*calls: tuple[Any, str]) -> Shown:
    """The values shown for a sequence of coverDeficit calls, each call's names led by its tag."""
    shown = Shown()
    for ex, tag in calls:
        _show_cover(shown, ex, tag)
    return shown


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
    shown = _shown_covers((ex, ""))

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

    def after_first(
        second: Any, tag: str, claim: str, goal: z3.BoolRef, explanation: str, *order: z3.BoolRef
    ) -> Obligation:
        """``second``, a coverDeficit call on the first one's post-state: ``goal`` once both complete,
        witnessed by both paying something (``order``: how its block relates to the first one's)."""
        return code_obligation(
            claim,
            [ex, second],
            z3.Implies(z3.And(ex.ok, second.ok), goal),
            assumptions=[invariant, *order, *_ranges(ex), *bounded(second.arg("amount"))],
            witness=z3.And(ex.ok, second.ok, paid > 0, second.ret("paid") > 0),
            shown=_shown_covers((ex, "1st "), (second, tag)).tuple(),
            explanation=explanation,
        )

    # two consecutive calls in one block
    ex2 = _cover(ctx, label="second", pre=ex, block=block)
    out.append(
        after_first(
            ex2,
            "2nd ",
            "code: two InsuranceFund.coverDeficit calls in one block pay together ≤ cap − used",
            z3.And(paid + ex2.ret("paid") <= cap - used0, _used(ex2, block, post=True) <= cap),
            "two payouts in the same block exceed MaxQuantumsInsuranceLost together",
        )
    )
    # a call in a later block: a fresh bucket (whatever was paid before)
    later = z3.Int("later.block.number")
    ex3 = _cover(ctx, label="later", pre=ex, block=later)
    out.append(
        after_first(
            ex3,
            "next block ",
            "code: InsuranceFund.coverDeficit in a later block starts a fresh bucket (used' = paid ≤ cap)",
            z3.And(_used(ex3, later, post=True) == ex3.ret("paid"), ex3.ret("paid") <= cap),
            "a payout in a new block was not counted from zero against the cap",
            later > block,
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


def waterfall_execution(
    ctx: ModelContext,
    entry: str = "releaseFromPosition",
    modular: bool = False,
    adl: Any = None,
    internal: Any = None,
) -> Any:
    """The vault's ``entry`` executed over the whole waterfall: the collateral loop unrolled to
    MAX_COLLATERALS, the ADL engine summarised (any answer, may revert: DEBT-5 proves its own code; or
    ``adl``, a summary of socialize's proved contract),
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

    summaries = {"AdlEngine.socialize": adl if adl is not None else socialize}
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
        internal_summaries=internal,
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
    out: list[Obligation] = []
    out += sale_contract(ctx)
    # the ADL stage on socialize's own code (the waterfall's socialize summary — any uint256 answer, may
    # revert — is implied by every callee; the vault clamps what it is told)
    walk = socialize_execution(ctx)
    out += socialize_conserves(ctx, walk)
    out += _walk_checks(walk, _show_walk(walk))
    out += ghost_lemmas()  # the walk's invariant assumes ghost-sum facts: their proofs
    for entry in ("_settleCrossAccountDeficit", "_absorbResidual"):
        out += deficit_settled_sums(ctx, entry)
    return out


def deficit_settled_sums(ctx: ModelContext, entry: str) -> list[Obligation]:
    """On ``entry`` (``_settleCrossAccountDeficit`` or ``_absorbResidual``), each DeficitSettled sums to its
    deficit; and the collateral loop's unrolling is exhaustive."""
    from vaultproof.spec import check_obligations, code_obligation

    out: list[Obligation] = []
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


# Ghost sums over the walk's capacities (``vaultproof.spec.ArraySum``): the capacity still untaken and the
# number of candidates still untaken. Their lemmas are obligations of every property whose walk uses them.
CAPACITY = ArraySum("cap")
UNTAKEN = ArraySum("untaken", lambda c: z3.If(c != 0, 1, 0))


def ghost_lemmas() -> list[Obligation]:
    """The induction proofs of every ghost-sum fact the walk's invariant assumes."""
    return [*CAPACITY.lemmas(constants=(0,)), *UNTAKEN.lemmas(constants=(1,))]


def _walk_facts(view: Any) -> list[Any]:
    """Instances of the ghost sums' definition-derived lemmas at this state of the walk (assumed by the
    invariant's base, havoc and step; proved by ``ghost_lemmas``): the write ``cap[best] = 0`` of a round,
    Σ of non-negative capacities bounds each of them, Σ of zeros is zero, and every candidate the walk
    starts from has capacity (Σ untaken = n)."""
    n = view.local("n")
    cap, cap0 = view.memory("cap", "#"), view.at_entry().memory("cap", "#")
    facts = [ghost.stored(a, i, v, n) for a, i, v in store_layers(cap) for ghost in (CAPACITY, UNTAKEN)]
    return [
        *facts,
        CAPACITY.bounded(cap, n),
        CAPACITY.constant(cap, n, 0),
        UNTAKEN.bounded(cap, n),
        UNTAKEN.constant(cap0, n, 1),
    ]


def _walk_invariant(view: Any) -> Any:
    """The rounds of the walk. ``cap0`` = the capacities the walk started from (ghost: the loop's entry):

    * ``remaining ≤ shortfall`` (so ``socialized = shortfall − remaining`` is what was charged);
    * a candidate's capacity is either untouched or zeroed (taken) — never changed otherwise;
    * ROE order: no candidate still untaken ranks before one already taken;
    * each charge is at most the candidate's capacity: ``pendingHaircut[key] + cap ≤ pendingHaircut₀[key] +
      cap₀`` per candidate (so at the exit ``pendingHaircut[key] ≤ pendingHaircut₀[key] + cap₀ = profit``,
      ``_candidates`` setting ``cap₀ = profit − pendingHaircut₀``), for a registry whose keys of a side are
      distinct (``updatePosition`` pushes a key only while its ``_indexPlusOne`` is 0);
    * with the ghost sums Σcap (capacity left) and #untaken (candidates with capacity left): what was charged
      is at most the capacity taken, Σcap₀ − Σcap, and exactly it while shortfall remains (every candidate
      taken so far was charged its whole capacity); while shortfall remains, each round has taken one more
      candidate: #untaken + round = n — the counting argument of the round-limit exit (after n rounds
      nothing is left untaken).
    """
    entry = view.at_entry()
    n, remaining, shortfall = view.local("n"), view.local("remaining"), view.local("shortfall")
    rounds = view.local("round")
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
    charged_total = shortfall - remaining
    taken_capacity = CAPACITY(cap0, n) - CAPACITY(cap, n)
    return z3.And(
        z3.Implies(distinct, charged),
        remaining >= 0,
        remaining <= shortfall,
        n <= view.memory("cap", "length"),
        _lengths(view, view.memory("cap", "length")),
        z3.ForAll(
            [j],
            z3.Implies(inside, z3.Or(z3.Select(cap, j) == 0, z3.Select(cap, j) == z3.Select(cap0, j))),
        ),
        z3.ForAll(
            [j, k],
            z3.Implies(
                z3.And(inside, k >= 0, k < n, taken, z3.Select(cap, k) != 0),
                z3.Not(_ranks_before(roe, keys, k, j)),
            ),
        ),
        rounds >= 0,
        charged_total <= taken_capacity,
        z3.Implies(remaining > 0, z3.And(charged_total == taken_capacity, UNTAKEN(cap, n) + rounds == n)),
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


class WalkEntry:
    """Where the walk was entered: the capacities ``_candidates`` returned (``cap``) and their number
    (``n``), and the capacities of the walk's havocked state (``havocked``: any round, under the
    invariant), recorded when the executor evaluates the walk's invariant — so that an obligation over the
    whole execution can name ``Σcap₀``, the ADL capacity the walk started from."""

    def __init__(self) -> None:
        self.states: list[Any] = []  # the states the invariant was evaluated in: entry, havocked, step
        self.cap: Any = None
        self.n: Any = None
        self.havocked: Any = None

    def record(self, view: Any) -> None:
        start = view.at_entry()
        if self.states and self.states[0] is not start.state:
            raise ValueError("AdlEngine.socialize: the walk is entered in more than one state")
        if not self.states:
            self.states.append(start.state)
            self.cap, self.n = start.memory("cap", "#"), start.local("n")
        if all(view.state is not state for state in self.states):
            self.states.append(view.state)
            if len(self.states) == 2:
                self.havocked = view.memory("cap", "#")


def socialize_execution(ctx: ModelContext, label: str = "socialize", entry: WalkEntry | None = None) -> Any:
    """``AdlEngine.socialize`` on its code, every loop proved by an invariant (no bound on the number of
    registered positions is used: MAX_POSITIONS_PER_SIDE = 100 only bounds the registry). ``entry``, if
    given, records the walk's entry (``WalkEntry``)."""
    from vaultproof.spec import Invariant

    def walk_invariant(view: Any) -> Any:
        if entry is not None:
            entry.record(view)
        return _walk_invariant(view)

    return _adl_execution(
        ctx,
        "socialize",
        [
            Invariant(walk_invariant, facts=_walk_facts),
            # a pick is reached with best ≠ MAX only from the second index on: witness any iteration
            Invariant(_pick_invariant, first_witness=False),
        ],
        label,
    )


def _adl_execution(ctx: ModelContext, fn: str, invariants: list[Any], label: str) -> Any:
    """``AdlEngine.<fn>`` on its code: the ``_candidates`` scan it starts with (``socialize`` and
    ``capacity`` both do) proved by its invariant, ``fn``'s own loops by ``invariants`` (in source order)."""
    from models.code_common import loop_line
    from vaultproof.spec import Invariant, execute

    code = code_of(ctx)
    entry, scan = f"{ADL_ENGINE}.{fn}", f"{ADL_ENGINE}._candidates"
    own = {f"{entry}:{loop_line(code, entry, i)}": invariant for i, invariant in enumerate(invariants)}
    return execute(
        code,
        entry,
        deployment=ctx.deployment,
        loops={f"{scan}:{loop_line(code, scan)}": Invariant(_candidates_invariant), **own},
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


def socialize_exhausts(ex: Any, entry: WalkEntry) -> list[Obligation]:
    """DEBT-5's total on code: socialize charges exactly ``min(shortfall, Σcap₀)`` — the whole shortfall, or
    every candidate's whole capacity with the rest recorded — on each of the walk's exits (the shortfall
    covered, no candidate with capacity left, the round limit ``round = n``). Also for each small number of
    candidates (n = 1, 2): implied by the general one, but quantifier-light, so a broken walk shows a
    concrete counterexample instead of a timeout over the invariants' quantifiers."""
    from vaultproof.spec import code_obligation

    if entry.cap is None:
        raise ValueError("AdlEngine.socialize: the walk's entry was not recorded")
    shortfall, socialized, recorded = ex.arg("shortfall"), ex.ret("socialized"), ex.ret("recordedShortfall")
    capacity = CAPACITY(entry.cap, entry.n)
    shown = _show_walk(ex)
    shown.add("candidates n (the walk's entry)", entry.n)
    for j in range(2):
        shown.add(f"capacity of candidate {j} (the walk's entry)", z3.Select(entry.cap, j), USDC)
    shown.add("Σ capacity of the candidates (the walk's entry)", capacity, USDC)
    goal = z3.Implies(
        z3.And(ex.ok, shortfall > 0),
        z3.And(
            socialized == z3.If(shortfall <= capacity, shortfall, capacity),
            recorded == shortfall - socialized,
        ),
    )
    out = []
    for size in (1, 2, None):  # the small cases first: a broken twin stops at their counterexample
        few = z3.BoolVal(True) if size is None else entry.n == size
        # the sums over n = size candidates pinned by their definition (at the entry and in the havocked
        # state the walk exits from), so a counterexample's Σ are real sums of the values it shows
        pinned = [
            ghost.unfold(cap, j)
            for j in range(size or 0)
            for cap in (entry.cap, entry.havocked)
            for ghost in (CAPACITY, UNTAKEN)
        ]
        out.append(
            code_obligation(
                "code: AdlEngine.socialize charges min(shortfall, Σ capacity of the candidates), records the "
                "rest" + ("" if size is None else f" (n = {size} candidates)"),
                ex,
                goal if size is None else z3.Implies(few, goal),
                assumptions=pinned,
                witness=z3.And(ex.ok, shortfall > 0, socialized > 0, recorded > 0, few),
                shown=shown.tuple(),
                explanation="socialize stopped charging while a candidate still had capacity, or charged "
                "more than the candidates' capacity",
            )
        )
    return out


def _running_total(view: Any) -> Any:
    """``AdlEngine.capacity``'s loop: ``total = Σ cap[0..i)`` (the ghost sum), ``i ≤ n ≤ cap.length``."""
    i, n = view.local("i"), view.local("n")
    return z3.And(
        i >= 0,
        i <= n,
        n <= view.memory("cap", "length"),
        view.local("total") == CAPACITY(view.memory("cap", "#"), i),
    )


def _running_facts(view: Any) -> list[Any]:
    return [CAPACITY.unfold(view.memory("cap", "#"), view.local("i"))]


def capacity_execution(ctx: ModelContext, entry: WalkEntry) -> Any:
    """``AdlEngine.capacity`` on its code: ``_candidates``' scan and the summing loop by invariants."""
    from vaultproof.spec import Invariant

    def running(view: Any) -> Any:
        entry.record(view)
        return _running_total(view)

    return _adl_execution(ctx, "capacity", [Invariant(running, facts=_running_facts)], "capacity")


# capacity()'s checks that are obligations: its loops' invariants and the summing loop's indexing (an
# overflowing Σ reverts the view — no answer, not a wrong one)
CAPACITY_CHECKS = ("index-out-of-bounds", "loop-invariant-base", "loop-invariant-step")


def capacity_code(ctx: ModelContext) -> list[Obligation]:
    """DEBT-4's ADL term on code: ``AdlEngine.capacity(market, liquidatedIsLong)`` returns Σ cap[0..n) of
    ``_candidates(market, !liquidatedIsLong)`` — the same sum ``socialize`` charges against
    (``socialize_exhausts``)."""
    from vaultproof.spec import check_obligations, code_obligation

    entry = WalkEntry()
    ex = capacity_execution(ctx, entry)
    if entry.cap is None:
        raise ValueError("AdlEngine.capacity: the summing loop's entry was not recorded")
    shown = Shown()
    shown.add("market (argument)", ex.arg("market"))
    shown.add("liquidatedIsLong (argument)", ex.arg("liquidatedIsLong"))
    shown.add("candidates n", entry.n)
    for j in range(2):
        shown.add(f"capacity of candidate {j}", z3.Select(entry.cap, j), USDC)
    shown.add("Σ capacity of the candidates", CAPACITY(entry.cap, entry.n), USDC)
    shown.add("capacity (returned)", ex.ret("total"), USDC)
    out = [
        code_obligation(
            "code: AdlEngine.capacity returns Σ capacity of the candidates (_candidates, opposite side)",
            ex,
            z3.Implies(ex.ok, ex.ret("total") == CAPACITY(entry.cap, entry.n)),
            witness=z3.And(ex.ok, ex.ret("total") > 0),
            shown=shown.tuple(),
            explanation="capacity() reports a total that is not the sum of the candidates' capacities",
        )
    ]
    mine = check_obligations(ex, kinds=CAPACITY_CHECKS, shown=shown.tuple(), label="capacity")
    out += [ob for ob in mine if "loop-invariant" in ob.name or f" at {ADL_ENGINE}.capacity (" in ob.name]
    return out


def debt5_code(ctx: ModelContext) -> list[Obligation]:
    """DEBT-5 on ``AdlEngine.socialize``'s code, every loop by an invariant checked on the body:

    * the walk's invariant (``_walk_invariant``: remaining ≤ shortfall, capacities only fall, ROE order —
      no untaken candidate ranks before a taken one) and the pick's (``_pick_invariant``: best has
      capacity and no scanned candidate with capacity ranks before it), base and step on the code;
    * the charge of a round is at most the picked candidate's capacity and the remaining shortfall
      (``remaining -= take`` never underflows), and the exit splits the shortfall exactly;
    * a walk that stops early because no candidate has capacity left has charged every one of them.
    """
    entry = WalkEntry()
    ex = socialize_execution(ctx, entry=entry)
    return [
        *socialize_conserves(ctx, ex),
        *socialize_exhausts(ex, entry),
        *_walk_checks(ex, _show_walk(ex)),
        *ghost_lemmas(),
    ]


# --------------------------------------------------------------------------------------------------
# DEBT-4 — the bad-debt bound, on the vault's last stages with socialize's and capacity's code contracts


class AdlCalls:
    """``AdlEngine.socialize`` as its contract proved on code (``socialize_exhausts``): it reverts, or
    charges ``min(S, C)`` and records ``S − min(S, C)``, where ``C`` is the Σ capacity of the engine's
    candidates — which ``capacity_code`` proves is what ``AdlEngine.capacity`` returns. One ``C`` and one
    revert condition for the execution: the vault changes nothing of the engine's state before it asks."""

    def __init__(self) -> None:
        self.capacity = z3.Int("adl.capacity")
        self.reverts = z3.Bool("adl.reverts")

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        shortfall = view.args[2]
        charged = z3.If(shortfall <= self.capacity, shortfall, self.capacity)
        return SummaryResult(
            returns=(charged, shortfall - charged),
            reverts=self.reverts,
            ensures=z3.And(self.capacity >= 0, self.capacity < 2**256),
        )


class SideAnswer:
    """``_positionSide`` as any answer (``known``, ``isLong``): the calling router's reply is unknown code,
    so the proof covers every answer — and names whether the side was known."""

    def __init__(self) -> None:
        self.known, self.is_long = z3.Bool("side.known"), z3.Bool("side.isLong")

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        return SummaryResult(returns=(self.known, self.is_long))


@dataclass(frozen=True, eq=False)
class LastStages:
    """``_absorbResidual`` (insurance, then ADL, then the recorded shortfall) executed with the fund's and
    the custodian's code inlined, ``socialize`` as its proved contract and ``_positionSide`` as any answer;
    the terms DEBT-2 and DEBT-4 state their stages with."""

    ex: Any
    bad: Any  # the residual handed in: what free USDC and collateral left of the deficit
    available: Any  # insurance available: min(fund balance, block room) if its isolated call succeeds, else 0
    adl_capacity: Any  # Σ capacity of the engine's candidates when the vault reaches it, else 0
    balance: Any  # the fund's custodian balance before
    room: Any  # the fund's remainingBlockCapacity before
    settled: Any  # the DeficitSettled event
    shown: Shown
    ranges: list[Any]


def last_stages(ctx: ModelContext) -> LastStages:
    adl, side = AdlCalls(), SideAnswer()
    ex = waterfall_execution(
        ctx, "_absorbResidual", modular=True, adl=adl, internal={f"{VAULT}._positionSide": side}
    )
    adl, side = AdlCalls(), SideAnswer()
    ex = waterfall_execution(
        ctx, "_absorbResidual", modular=True, adl=adl, internal={f"{VAULT}._positionSide": side}
    )
    fund = z3.Int(f"{FUND}.address")
    usdc = ex.before(VAULT, "usdc")
    user, bad = ex.arg("user"), ex.arg("remaining")
    block = ex.env["block.number"]
    balance = ex.before(BM, "_free", fund, usdc)
    used = z3.If(ex.before(FUND, "lastPayoutBlock") == block, ex.before(FUND, "paidInBlock"), 0)
    cap = ex.before(FUND, "maxQuantumsInsuranceLost")
    room = z3.If(used >= cap, 0, cap - used)
    failed = [e.when for e in ex.events_named("ExternalCallFailed") if "_coverFromInsurance" in e.where]
    fund_ok = z3.Not(z3.Or(*failed)) if failed else z3.BoolVal(True)
    available = z3.If(fund_ok, z3.If(balance <= room, balance, room), 0)
    # the vault reaches the engine: set, with code, the position's side known, socialize does not revert;
    # otherwise the ADL capacity it can draw is 0
    engine = ex.before(VAULT, "adlEngine")
    has_code = z3.Select(ex.executor.codesize, engine) > 0  # the execution's extcodesize map
    reached = z3.And(engine != 0, has_code, side.known, z3.Not(adl.reverts))
    adl_capacity = z3.If(reached, adl.capacity, 0)
    (settled,) = ex.events_named("DeficitSettled")
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("bad debt: remaining (argument)", bad, USDC)
    shown.add("fund balance before", balance, USDC)
    shown.add("fund remainingBlockCapacity before", room, USDC)
    shown.add("fund's coverDeficit call succeeded", fund_ok)
    shown.add("insurance available", available, USDC)
    shown.add("ADL engine set, with code", z3.And(engine != 0, has_code))
    shown.add("position side known", side.known)
    shown.add("socialize reverts", adl.reverts)
    shown.add("ADL capacity", adl_capacity, USDC)
    for field in ("fromInsurance", "socialized", "shortfall"):
        shown.add(f"DeficitSettled.{field}", settled[field], USDC)
    shown.add("fund balance after", ex.post(BM, "_free", fund, usdc), USDC)
    shown.add("user's free USDC before", ex.before(BM, "_free", user, usdc), USDC)
    shown.add("user's free USDC after", ex.post(BM, "_free", user, usdc), USDC)
    ranges = [
        user != fund,  # the fund is not itself the account in deficit (its payout would not be measured)
        ex.before(FUND, "usdc") == usdc,  # deployed with the vault's USDC (its payouts are in that token)
        adl.capacity >= 0,  # a Σ of capacities (uint256: capacity()'s return type)
        adl.capacity < 2**256,
        *bounded(
            bad,
            balance,
            ex.before(BM, "_free", user, usdc),
            cap,
            ex.before(FUND, "paidInBlock"),
            ex.before(FUND, "totalPaid"),
            ex.before(FUND, "totalFundingRecorded"),
        ),
    ]
    return LastStages(ex, bad, available, adl_capacity, balance, room, settled, shown, ranges)


def debt4_code(ctx: ModelContext) -> list[Obligation]:
    """DEBT-4 on code. ``_absorbResidual`` (insurance, then ADL, then the recorded shortfall) handed the bad
    debt ``remaining`` (what the user's free USDC and collateral left: DEBT-1's obligations tie it to
    ``_settleCrossAccountDeficit``), with the InsuranceFund's and the custodian's code inlined and
    ``socialize`` as its proved contract: the recorded shortfall is exactly ``max(0, bad debt − insurance
    available − ADL capacity)``, so 0 whenever the bound holds. Insurance available = ``min(fund balance,
    remainingBlockCapacity)`` if its isolated ``coverDeficit`` call succeeds, else 0; ADL capacity = Σ
    capacity of the engine's candidates when the vault reaches it (set, with code, side known, no revert),
    else 0. Plus ``capacity()`` = that Σ and ``socialize``'s own contract, on their code."""
    from vaultproof.spec import code_obligation

    st = last_stages(ctx)
    ex, bad, available, adl_capacity, settled = st.ex, st.bad, st.available, st.adl_capacity, st.settled
    shortfall = settled["shortfall"]
    bound = bad <= available + adl_capacity
    shown, ranges, room, balance = st.shown, st.ranges, st.room, st.balance
    out = [
        code_obligation(
            "code: BalanceManagerVault._absorbResidual records shortfall = max(0, bad debt − insurance "
            "available − ADL capacity): 0 whenever bad debt ≤ insurance available + ADL capacity",
            ex,
            z3.Implies(
                z3.And(ex.ok, settled.when),
                z3.And(
                    shortfall == z3.If(bound, 0, bad - available - adl_capacity),
                    z3.Implies(bound, shortfall == 0),
                ),
            ),
            assumptions=ranges,
            witness=z3.And(ex.ok, settled.when, bound, bad > 0, room < balance, bad > room, adl_capacity > 0),
            shown=shown.tuple(),
            explanation="the vault recorded a shortfall although the insurance it could still draw and the "
            "ADL capacity it reached covered the bad debt",
        )
    ]
    # the bad debt handed to _absorbResidual is what the user's free USDC and collateral left of the
    # deficit: the CROSS waterfall's settlement sums (DEBT-1's obligation on _settleCrossAccountDeficit)
    out += deficit_settled_sums(ctx, "_settleCrossAccountDeficit")
    out += capacity_code(ctx)
    entry = WalkEntry()
    walk = socialize_execution(ctx, entry=entry)
    out += socialize_exhausts(walk, entry)
    # the contract's soundness rests on the walk's invariants (base, step); socialize's panics are
    # reverts, which the summary allows (DEBT-5 proves there are none)
    out += [ob for ob in _walk_checks(walk, _show_walk(walk)) if "loop-invariant" in ob.name]
    out += ghost_lemmas()
    return out


# --------------------------------------------------------------------------------------------------
# DEBT-2 — the order of the waterfall, on the vault's code


def debt2_code(ctx: ModelContext) -> list[Obligation]:
    """DEBT-2's stages on code:

    * ``_settleCrossAccountDeficit`` (the CROSS waterfall, sales as their proved contract): insurance pays
      a positive amount only after the user's whole free USDC was taken (fromFreeUsdc = free USDC before);
    * ``_absorbResidual`` (``last_stages``): ADL socializes a positive amount only after insurance paid all
      it can pay now (fromInsurance = insurance available: min(balance, block room), 0 when its isolated
      call fails).

    Not stated here: the collateral stage's "no floor-clearing capacity left unsold" (see the property's
    pending reason)."""
    from vaultproof.spec import code_obligation

    out: list[Obligation] = []
    ex = waterfall_execution(ctx, "_settleCrossAccountDeficit", modular=True)
    user, usdc = ex.arg("user"), ex.before(VAULT, "usdc")
    free = ex.before(BM, "_free", user, usdc)
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("deficit (argument)", ex.arg("deficit"), USDC)
    shown.add("user's free USDC before", free, USDC)
    shown.add("user's free USDC after", ex.post(BM, "_free", user, usdc), USDC)
    for index, event in enumerate(ex.events_named("DeficitSettled")):
        event_shown = Shown(list(shown.items))
        for field in ("deficit", *FIELDS):
            event_shown.add(f"DeficitSettled#{index}.{field}", event[field], USDC)
        out.append(
            code_obligation(
                "code: BalanceManagerVault._settleCrossAccountDeficit: insurance pays only after the user's "
                "whole free USDC is taken",
                ex,
                z3.Implies(
                    z3.And(ex.ok, event.when, event["fromInsurance"] > 0), event["fromFreeUsdc"] == free
                ),
                assumptions=bounded(ex.arg("deficit"), free),
                witness=z3.And(ex.ok, event.when, event["fromInsurance"] > 0, free > 0),
                shown=event_shown.tuple(),
                explanation="the insurance fund paid while the user still had free USDC",
            )
        )
    st = last_stages(ctx)
    settled = st.settled
    out.append(
        code_obligation(
            "code: BalanceManagerVault._absorbResidual: ADL socializes only after insurance paid all it can "
            "pay now (its balance or its block room; nothing if its call fails)",
            st.ex,
            z3.Implies(
                z3.And(st.ex.ok, settled.when, settled["socialized"] > 0),
                settled["fromInsurance"] == st.available,
            ),
            assumptions=st.ranges,
            witness=z3.And(st.ex.ok, settled.when, settled["socialized"] > 0, st.available > 0),
            shown=st.shown.tuple(),
            explanation="ADL charged the winners while the insurance fund could still have paid more",
        )
    )
    return out
