"""The order book's walk on its code: what CONV-1 and CONV-2 need of ``OrderBook`` (issue 15).

``calculateOrderAmounts`` (the vault's pre-simulation) and ``placeMarketOrder`` (the executed sale) walk
price levels best-first and orders FIFO within a level. Neither loop has a literal bound the executor could
unroll to (``li < n && li < MAX_LEVELS_PER_ORDER && …``: 16 levels × 64 visits is far beyond unrolling), so
every loop is an :class:`Invariant` the engine checks on the code (base and step); nothing is cut.

What a walk sums is not held in any variable, so three ghosts of the book follow it, written at every
``_quoteFor(takerSells, fill, price)`` — the one place each fill is priced (a declared internal summary,
whose result is proved equal to ``_quoteFor``'s code by ``quote_tie``):

* ``Σfill``  += fill            (the base taken, fill by fill)
* ``Σvalue`` += fill × price    (its exact value at the level's price: V = Σ fill_i × price_i)
* ``lowest`` := min(lowest, price)  (the lowest price any fill was made at)

The loop invariants (the rationale's induction, relative to the ghosts' values where the loop starts, so
they hold for ANY pre-state of the ghosts):

* level walk (both functions): ``remaining + filled = qty``; ``Σfill − filled`` constant; for a taker SELL
  ``Σvalue − Σfill × minPrice`` non-decreasing (V ≥ Q × floor), ``Σvalue − quote × unit`` non-decreasing
  (every fill rounds down: the quote paid is ≤ the exact value) and ``lowest ≥ min(lowest₀, minPrice)``;
* orders of one level (``calculateOrderAmounts``' inner loop, ``_fillLevel``): the same with the level's
  ``price`` for ``minPrice``, and ``Σvalue − Σfill × price`` constant (every fill of the level is at it).

The exits then give CONV-1 (``ΔΣvalue ≥ filledBase × minPrice``, ``quoteAmount × unit ≤ ΔΣvalue``) and CONV-2
(every unit filled was taken at a price ≥ minPrice: ``lowest₁ ≥ min(lowest₀, minPrice)``; ``filledBase ≤
baseQty``). Overflow checks of the walk are not part of these obligations: an overflow reverts the walk
(and with it the guarded sale, which CONV-5 isolates); it cannot sell below the floor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from models.code_common import USDC, Shown, code_of, obligation_named
from vaultproof.spec import ModelContext, Obligation, zmin

OB = "OrderBook"
BM = "BalanceManager"
SELL = 1  # IOrderBook.Side.SELL
GHOSTS = ("Σvalue", "Σfill", "lowest")


def quote_of(sells: Any, fill: Any, price: Any, unit: Any) -> Any:
    """``_quoteFor``: a taker SELL receives ⌊fill × price / unit⌋, a taker BUY pays ⌈fill × price / unit⌉."""
    product = fill * price
    return z3.If(sells, product / unit, z3.If(product == 0, 0, (product - 1) / unit + 1))


def quote_summary(view: Any) -> Any:
    """``_quoteFor`` as its proved result (``quote_tie``), writing the walk's ghosts at each fill."""
    from vaultproof.spec import SummaryResult

    sells, fill, price = view.args
    unit = view.read(OB, "_baseUnit")
    value, filled, lowest = (view.read(OB, g) for g in GHOSTS)
    return SummaryResult(
        returns=(quote_of(sells, fill, price, unit),),
        # _quoteFor reverts (division by zero, overflow) only outside what the walk obligations speak of
        # (`ok`); its own checks are the code's, proved or not in quote_tie — never assumed away here
        reverts=z3.Or(unit == 0, fill * price >= 2**256),
        writes={
            (OB, "Σvalue"): value + fill * price,
            (OB, "Σfill"): filled + fill,
            (OB, "lowest"): zmin(price, lowest),
        },
    )


def _book(view: Any, name: str) -> Any:
    """The book's storage variable or ghost ``name`` as ``view`` sees it."""
    return view.read(OB, name)


# Both walks name their state the same (takerSells, filledBase, remaining, quoteAmount): calculateOrderAmounts
# keeps it in locals, placeMarketOrder in its memory struct ``w``. A walk is how to read one of those names.
WalkState = Callable[[Any, str], Any]


def calc_state(view: Any, name: str) -> Any:
    return view.local(name)


def place_state(view: Any, name: str) -> Any:
    return view.memory("w", name)


def _walk(view: Any, limit: Any, w: WalkState) -> list[Any]:
    """The ghost relations every loop of a walk keeps, ``limit`` the price every fill is at least at; each
    compares a term now with the same term at the loop's entry."""
    entry = view.at_entry()
    unit = _book(view, "_baseUnit")

    def terms(v: Any) -> tuple[Any, ...]:
        return (
            _book(v, "Σfill") - w(v, "filledBase"),
            _book(v, "Σvalue") - _book(v, "Σfill") * limit,
            _book(v, "Σvalue") - w(v, "quoteAmount") * unit,
        )

    now, then = terms(view), terms(entry)
    return [
        w(view, "filledBase") >= w(entry, "filledBase"),
        w(view, "filledBase") + w(view, "remaining") == w(entry, "filledBase") + w(entry, "remaining"),
        now[0] == then[0],
        z3.Implies(
            w(view, "takerSells"),
            z3.And(
                now[1] >= then[1],
                now[2] >= then[2],
                _book(view, "lowest") >= zmin(_book(entry, "lowest"), limit),
            ),
        ),
    ]


def levels(w: WalkState) -> Callable[[Any], Any]:
    """The level loop's invariant: every fill at a price ≥ ``minPrice``."""
    return lambda view: z3.And(*_walk(view, view.local("minPrice"), w))


def orders(w: WalkState) -> Callable[[Any], Any]:
    """The loop over one level's orders: as the level walk, with the level's ``price``, and every fill here
    at exactly that price (Σvalue − Σfill × price constant)."""

    def invariant(view: Any) -> Any:
        price, entry = view.local("price"), view.at_entry()
        exact = _book(view, "Σvalue") - _book(view, "Σfill") * price
        return z3.And(exact == _book(entry, "Σvalue") - _book(entry, "Σfill") * price, *_walk(view, price, w))

    return invariant


def _loops(code: Any, fn: str, specs: list[Any]) -> dict[str, Any]:
    from models.code_common import loop_line

    return {f"{fn}:{loop_line(code, fn, i)}": spec for i, spec in enumerate(specs)}


def walk_execution(ctx: ModelContext, entry: str, label: str) -> Any:
    """``OrderBook.<entry>`` on its code, every loop an Invariant (above), the fills priced by the ghost-
    writing summary of ``_quoteFor``. For ``placeMarketOrder``: the custodian (``BalanceManager``) and every
    maker hook are unknown code that may move any balance — the walk's obligations speak of the book only."""
    from vaultproof.spec import Ghost, Havoc, Invariant, execute

    code = code_of(ctx)
    ghosts = {f"{OB}.{g}": Ghost() for g in GHOSTS}
    summaries = {f"{OB}._quoteFor": quote_summary}
    if entry == "calculateOrderAmounts":
        fn = f"{OB}.calculateOrderAmounts"
        return execute(
            code,
            fn,
            deployment=ctx.deployment,
            ghosts=ghosts,
            internal_summaries=summaries,
            loops=_loops(code, fn, [Invariant(levels(calc_state)), Invariant(orders(calc_state))]),
            label=label,
        )
    # the level list's shifting loops and the hook loop change no ghost and no walk state: their
    # invariant is `true` (what they write is havocked after them, as any Invariant loop's)
    # (general vacuity witnesses: a first-iteration witness of these nested loops is unsat or slow)
    anything = Invariant(lambda view: z3.BoolVal(True), first_witness=False)
    fn = f"{OB}.placeMarketOrder"
    loops = {
        **_loops(code, fn, [Invariant(levels(place_state)), anything]),
        **_loops(code, f"{OB}._fillLevel", [Invariant(orders(place_state))]),
        **_loops(code, f"{OB}._removePrice", [anything, anything]),
    }
    custody = Havoc(writes=((BM, "_free"), (BM, "_locked")))
    return execute(
        code,
        fn,
        deployment={k: v for k, v in ctx.deployment.items() if k != f"{OB}.balanceManager"},
        ghosts=ghosts,
        internal_summaries=summaries,
        havoc={"IMakerHook": custody, "IBalanceManager": custody},
        loops=loops,
        label=label,
    )


def _shown(ex: Any) -> Shown:
    shown = Shown()
    shown.add("baseQty (argument)", ex.arg("baseQty"))
    shown.add("side (argument, 1 = SELL)", ex.arg("side"))
    shown.add("minPrice (argument, USDC per whole base token)", ex.arg("minPrice"), USDC)
    shown.add("book base unit (10^baseDecimals)", ex.before(OB, "_baseUnit"))
    shown.add("filledBase (returned)", ex.ret("filledBase"))
    shown.add("quoteAmount (returned)", ex.ret("quoteAmount"), USDC)
    for g in GHOSTS:
        shown.add(f"ghost {g} before", ex.before(OB, g))
        shown.add(f"ghost {g} after", ex.post(OB, g))
    return shown


def walk_obligations(ctx: ModelContext, entry: str, which: str) -> list[Obligation]:
    """CONV-1 (``which="floor"``) or CONV-2 (``"depth"``) on ``OrderBook.<entry>``'s code, with the loop
    invariants' base and step checks."""
    from vaultproof.spec import check_obligations, code_obligation

    # one label per walk, not per claim: CONV-1's and CONV-2's loop checks on a walk are then the same queries
    # (same terms, same names), solved once and answered from the cache for the other property
    ex = walk_execution(ctx, entry, label=entry)
    shown = _shown(ex).tuple()
    sells = ex.arg("side") == SELL
    qty, floor = ex.arg("baseQty"), ex.arg("minPrice")
    filled, quote = ex.ret("filledBase"), ex.ret("quoteAmount")
    d = {g: ex.post(OB, g) - ex.before(OB, g) for g in ("Σvalue", "Σfill")}
    unit = ex.before(OB, "_baseUnit")
    done = z3.And(ex.ok, sells)
    if which == "floor":
        name = (
            f"code: OrderBook.{entry} (taker SELL): the fills' exact value V = Σ fill × price ≥ filledBase × "
            "minPrice, and the quote paid × unit ≤ V (per-fill rounding down)"
        )
        goal = z3.Implies(
            done, z3.And(d["Σfill"] == filled, d["Σvalue"] >= filled * floor, quote * unit <= d["Σvalue"])
        )
        explanation = (
            "the book filled a SELL at a price below minPrice (the floor) or paid more than its value"
        )
    else:
        name = (
            f"code: OrderBook.{entry} (taker SELL): every unit filled was taken at a price ≥ minPrice, and "
            "filledBase ≤ baseQty"
        )
        lowest0, lowest1 = ex.before(OB, "lowest"), ex.post(OB, "lowest")
        goal = z3.Implies(done, z3.And(d["Σfill"] == filled, filled <= qty, lowest1 >= zmin(lowest0, floor)))
        explanation = "the book filled below minPrice (it dumped into levels under the floor) or over-filled"
    out = [
        code_obligation(
            name,
            ex,
            goal,
            witness=z3.And(done, filled > 0, floor > 0),
            shown=shown,
            explanation=explanation,
        )
    ]
    # the induction itself (base and step of every loop of the walk) is part of the claim: named as code
    # obligations, so a twin that breaks only a step (the exit assumes the invariant) reports it as such
    checks = check_obligations(
        ex, kinds=("loop-invariant-base", "loop-invariant-step"), shown=shown, label=f"{entry} walk"
    )
    return out + [obligation_named(ob, f"code: {ob.name}") for ob in checks]


def quote_tie(ctx: ModelContext) -> Obligation:
    """The summary's result is ``_quoteFor``'s code: the ghosts' writer prices each fill as the book does."""
    from vaultproof.spec import code_obligation, execute

    ex = execute(code_of(ctx), f"{OB}._quoteFor", deployment=ctx.deployment, label="quoteFor")
    sells, fill, price = ex.arg("takerSells"), ex.arg("fill"), ex.arg("price")
    unit = ex.before(OB, "_baseUnit")
    shown = Shown()
    shown.add("takerSells (argument)", sells)
    shown.add("fill (argument)", fill)
    shown.add("price (argument)", price)
    shown.add("base unit", unit)
    shown.add("quote (returned)", ex.ret(0))
    return code_obligation(
        "code: OrderBook._quoteFor = ⌊fill × price / unit⌋ for a taker SELL, ⌈fill × price / unit⌉ for a BUY "
        "(the summary the walk obligations use)",
        ex,
        z3.Implies(ex.ok, ex.ret(0) == quote_of(sells, fill, price, unit)),
        witness=z3.And(ex.ok, fill > 0, price > 0),
        shown=shown.tuple(),
        explanation="the walk's fill pricing differs from _quoteFor's code",
    )
