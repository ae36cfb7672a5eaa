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
