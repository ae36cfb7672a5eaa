"""TIER code obligations: MarginTable's table functions executed on their SlithIR, over one symbolic table.

The table is a ``Tier[] memory`` argument given as terms (``MemoryArray``): its length ``n`` and, per tier
``i``, ``lowerBound[i]``, ``maxLeverage[i]``, ``maintenanceDeduction[i]``. Every execution below reads the
same table, so the stages compose. Loops are unrolled to ``MAX_TIERS`` = 16 with their exhaustiveness
(``loop-bound``) proved; the length bound is the code's own (``validate`` reverts ``TooManyTiers``).

Stages, each a proved pre/post contract of the function it describes:

* ``validate(tiers)`` returns ⇒ the table is what the models' induction assumes for EVERY consecutive pair:
  1 ≤ n ≤ 16, ``lowerBound[0] = 0``, ``D[0] = 0``, and for each i < n: strictly increasing lower bounds,
  ``maxLeverage`` ≥ 1 with ``SCALE mod 2·L = 0``, non-increasing, and ``D[i] = D[i−1] + lowerBound[i]·(
  SCALE/(2·L[i]) − SCALE/(2·L[i−1]))`` (the deduction recurrence, in the code's own division);
* ``tierIndex(tiers, x)`` on a table with ``n ≥ 1`` and ``lowerBound[0] = 0`` returns the tier holding x:
  ``t < n``, ``lowerBound[t] ≤ x``, and ``x < lowerBound[t+1]`` when tier t+1 exists; on a validated table,
  at ``x = lowerBound[i]`` it returns exactly i;
* ``maintenanceMargin(tiers, x)`` = ``tierMaintenance(x, L[t], D[t])`` for that t (both executed);
* ``deductionFor(tiers, i)`` on a validated table = the stored ``D[i]`` (``setMarginTiers`` stores it).

TIER-1's goal on code: for a validated table and a boundary ``1 ≤ i < n``, ``maintenanceMargin(tiers,
lowerBound[i])`` equals ``tierMaintenance(lowerBound[i], L[i−1], D[i−1])`` — tier i−1's formula evaluated at
the boundary — so the margin is continuous there. It is the composition of the stage contracts above (each
proved on its own, then assumed), plus the step over ``tierMaintenance`` executed twice.

TIER-2 on code: ``validate`` enforces ``L[i] ≤ L[i−1]`` (non-increasing leverage, in the first stage); within
one tier ``tierMaintenance`` is non-decreasing in the notional, and across one boundary ``x1 < lowerBound[i]
≤ x2`` tier i−1's margin at x1 ≤ tier i's at x2 (both executed). Chaining the boundaries is the model's
induction (``models.tier.tier2``), whose premises are exactly the validate contract proved here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import z3

from models.code_common import USDC, Shown, code_of
from vaultproof.spec import MemoryArray, ModelContext, Obligation, Unroll

LIB = "MarginTable"
MAX_TIERS = 16
NOTIONAL_BOUND = 2**128  # declared: notionals and lower bounds ≤ 2^128 USDC units
LEV = (0, "x")
SCALED = (0, "USDC-units×SCALE")
FIELDS = ("lowerBound", "maxLeverage", "maintenanceDeduction")
# 16 admissible leverages (2·L | SCALE), non-increasing: vacuity witnesses of every table size
LEVERAGES = (100, 75, 50, 40, 35, 30, 28, 26, 25, 24, 22, 20, 18, 16, 15, 14)


def loops(code: Any) -> dict[str, Unroll]:
    from models.code_common import loop_line

    return {
        f"{LIB}.{fn}:{loop_line(code, f'{LIB}.{fn}')}": Unroll(MAX_TIERS)
        for fn in ("validate", "tierIndex", "deductionFor")
    }


class Table:
    """The symbolic table and the terms the contracts speak about."""

    def __init__(self, name: str, scale: int) -> None:
        self.array = MemoryArray.fresh(name, FIELDS)
        self.n = self.array.length
        self.scale = scale

    def lb(self, i: Any) -> Any:
        return self.array.at(i, "lowerBound")

    def lev(self, i: Any) -> Any:
        return self.array.at(i, "maxLeverage")

    def d(self, i: Any) -> Any:
        return self.array.at(i, "maintenanceDeduction")

    def slope(self, lev: Any) -> Any:
        return self.scale / (2 * lev)

    def typed(self, *indices: Any) -> z3.BoolRef:
        """Every leaf of the named tiers is a uint256 (the element type; the code checks it on reads)."""
        return z3.And(
            *[z3.And(self.array.at(i, f) >= 0, self.array.at(i, f) < 2**256) for i in indices for f in FIELDS]
        )

    def valid(self, i: Any) -> z3.BoolRef:
        """``validLeverage(L[i])``: 1 ≤ L and 2·L divides SCALE."""
        return z3.And(self.lev(i) >= 1, self.scale % (2 * self.lev(i)) == 0)

    def base(self) -> z3.BoolRef:
        return z3.And(
            self.typed(*range(MAX_TIERS)),
            self.n >= 1,
            self.n <= MAX_TIERS,
            self.lb(0) == 0,
            self.d(0) == 0,
            self.lev(0) >= 1,
            self.scale % (2 * self.lev(0)) == 0,
        )

    def pair(self, i: Any) -> z3.BoolRef:
        """Tiers i−1 and i of a validated table (when tier i exists)."""
        return z3.Implies(
            i < self.n,
            z3.And(
                self.lb(i) > self.lb(i - 1),
                self.lev(i) >= 1,
                self.lev(i) <= self.lev(i - 1),
                self.scale % (2 * self.lev(i)) == 0,
                self.d(i)
                == self.d(i - 1) + self.lb(i) * (self.slope(self.lev(i)) - self.slope(self.lev(i - 1))),
            ),
        )

    def validated(self) -> z3.BoolRef:
        """The validate contract (proved below), as the other stages' precondition."""
        return z3.And(self.base(), *[self.pair(z3.IntVal(i)) for i in range(1, MAX_TIERS)])

    def example(self, rows: Sequence[tuple[int, int]], pin_deductions: bool = False) -> z3.BoolRef:
        """A concrete table (a vacuity witness): (lowerBound, maxLeverage) per tier; the deductions are
        left to the code (pinned to the rule they would not be reachable on a twin whose validate demands
        other deductions, and the twin would read VACUOUS instead of VIOLATED)."""
        eqs = [self.n == len(rows)]
        d, prev = 0, None
        for k, (b, lev) in enumerate(rows):
            if prev is not None:
                d += b * (self.scale // (2 * lev) - self.scale // (2 * prev))
            eqs += [self.lb(k) == b, self.lev(k) == lev]
            if pin_deductions:
                eqs.append(self.d(k) == d)
            prev = lev
        return z3.And(*eqs)

    def sized(self, size: int) -> z3.BoolRef:
        """A concrete table of ``size`` tiers: bounds k·10,000 USDC, valid leverages 100x down to 14x."""
        return self.example([(k * 10_000 * 10**6, lev) for k, lev in enumerate(LEVERAGES[:size])])

    def witness(self) -> z3.BoolRef:
        # 0 → 50x, 10,000 USDC → 20x, 1,000,000 USDC → 10x (6-decimal units)
        return self.example([(0, 50), (10_000 * 10**6, 20), (1_000_000 * 10**6, 10)])

    def shown(self, ex: Any = None) -> Shown:
        """A fresh :class:`Shown` that starts with the first three rows (see :meth:`show`)."""
        shown = Shown()
        self.show(shown, range(3), ex)
        return shown

    def show(self, shown: Shown, indices: Sequence[int], ex: Any = None, param: str = "tiers") -> None:
        """The table's named leaves; with ``ex``, also the deductions in memory after the call (the table
        functions must not write the table they are given)."""
        shown.add("tiers.length (argument)", self.n)
        if ex is not None:
            after = ex.world.heap[ex.arg(param).obj][("#", "maintenanceDeduction")]
            for k in indices[:2]:
                shown.add(f"tiers[{k}].maintenanceDeduction (memory) before", self.d(k), SCALED)
                shown.add(f"tiers[{k}].maintenanceDeduction (memory) after", z3.Select(after, k), SCALED)
        for k in indices:
            shown.add(f"tiers[{k}].lowerBound (argument)", self.lb(k), USDC)
            shown.add(f"tiers[{k}].maxLeverage (argument)", self.lev(k), LEV)
            shown.add(f"tiers[{k}].maintenanceDeduction (argument)", self.d(k), SCALED)


def _at_boundary(table: Table, i: Any) -> Shown:
    """The table's first rows and the boundary index ``i`` the obligation is about."""
    shown = table.shown()
    shown.add("boundary index i", i)
    return shown


def _run(ctx: ModelContext, fn: str, label: str, args: dict[str, Any]) -> Any:
    from vaultproof.spec import execute

    code = code_of(ctx)
    return execute(code, f"{LIB}.{fn}", args=args, loops=loops(code), label=label)


def validate_stage(ctx: ModelContext, table: Table) -> list[Obligation]:
    from vaultproof.spec import check_obligations, code_obligation

    ex = _run(ctx, "validate", "validate", {"tiers": table.array})
    shown = table.shown(ex)
    shown.add("validate returns (no revert)", ex.ok)
    return [
        code_obligation(
            "code: MarginTable.validate returns ⇒ 1 ≤ n ≤ 16, lowerBound[0] = 0, D[0] = 0, valid leverage[0]",
            ex,
            z3.Implies(ex.ok, table.base()),
            witness=z3.And(ex.ok, table.witness()),
            shown=shown.tuple(),
            explanation="validate accepts a table without a zero first tier, or of the wrong size",
        ),
        # one query per table size (the cases n = 1..16 cover every table validate accepts, by the base
        # obligation): a fixed size keeps each query small, and a twin's counterexample is found at once
        *[
            code_obligation(
                f"code: MarginTable.validate returns on a table of {size} tiers ⇒ every consecutive pair: "
                "increasing bounds, valid non-increasing leverage, "
                "D[i] = D[i−1] + lowerBound[i]·(k[i] − k[i−1])",
                ex,
                z3.Implies(
                    z3.And(ex.ok, table.n == size),
                    z3.And(*[table.pair(z3.IntVal(i)) for i in range(1, size)]),
                ),
                witness=z3.And(ex.ok, table.sized(size)),
                shown=shown.tuple(),
                explanation="validate accepts a table whose stored deduction breaks continuity, or whose "
                "leverage increases",
            )
            for size in range(2, MAX_TIERS + 1)
        ],
        *check_obligations(ex, kinds=("loop-bound",)),
    ]


def index_stage(ctx: ModelContext, table: Table, tag: str = "") -> tuple[list[Obligation], Any]:
    """tierIndex's contract; returns the execution (its ``ret(0)`` is the tier of its ``notional``)."""
    from vaultproof.spec import check_obligations, code_obligation

    ex = _run(ctx, "tierIndex", f"tierIndex{tag}", {"tiers": table.array})
    x, t = ex.arg("notional"), ex.ret(0)
    shown = table.shown()
    shown.add("notional (argument)", x, USDC)
    shown.add("tier index (returned)", t)
    holds = z3.And(
        ex.ok, t >= 0, t < table.n, table.lb(t) <= x, z3.Implies(t + 1 < table.n, x < table.lb(t + 1))
    )
    obs = [
        code_obligation(
            "code: MarginTable.tierIndex returns the tier holding the notional (lowerBound[t] ≤ x < "
            "lowerBound[t+1])",
            ex,
            z3.Implies(z3.And(table.n >= 1, table.n <= MAX_TIERS, table.lb(0) == 0), holds),
            witness=z3.And(table.witness(), x == 20_000 * 10**6),
            shown=shown.tuple(),
            explanation="the tier lookup returns a tier that does not contain the notional",
        ),
        # exhaustive for tables of at most MAX_TIERS tiers: the contract's precondition (validate's bound)
        *[
            dataclasses.replace(o, assumptions=(*o.assumptions, table.n <= MAX_TIERS))
            for o in check_obligations(ex, kinds=("loop-bound",))
        ],
    ]
    return obs, ex


def _tier_of(ctx: ModelContext, table: Table, tag: str, x: Any | None = None) -> tuple[Any, Any, Any]:
    """tierIndex(x), maintenanceMargin(x) and tierMaintenance(x, L[t], D[t]) for that t, executed."""
    args: dict[str, Any] = {"tiers": table.array} if x is None else {"tiers": table.array, "notional": x}
    index_ex = _run(ctx, "tierIndex", f"tierIndex{tag}", args)
    x, t = index_ex.arg("notional"), index_ex.ret(0)
    margin = _run(ctx, "maintenanceMargin", f"maintenanceMargin{tag}", {"tiers": table.array, "notional": x})
    tier = _run(
        ctx,
        "tierMaintenance",
        f"tierMaintenance{tag}",
        {"notional": x, "leverage": table.lev(t), "deduction": table.d(t)},
    )
    return index_ex, margin, tier


def _margin_is_its_tier(index_ex: Any, margin: Any, tier: Any) -> z3.BoolRef:
    return z3.And(
        margin.ok == z3.And(index_ex.ok, tier.ok), z3.Implies(margin.ok, margin.ret(0) == tier.ret(0))
    )


def margin_stage(ctx: ModelContext, table: Table) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    index_ex, margin, tier = _tier_of(ctx, table, "M")
    x, t = index_ex.arg("notional"), index_ex.ret(0)
    shown = table.shown()
    shown.add("notional (argument)", x, USDC)
    shown.add("tier index", t)
    shown.add("maintenanceMargin (returned)", margin.ret(0), USDC)
    shown.add("tierMaintenance of that tier", tier.ret(0), USDC)
    return [
        code_obligation(
            "code: MarginTable.maintenanceMargin(x) = tierMaintenance(x, L[t], D[t]) for t = tierIndex(x)",
            [index_ex, margin, tier],
            _margin_is_its_tier(index_ex, margin, tier),
            assumptions=[table.base()],
            witness=z3.And(margin.ok, table.witness(), x == 20_000 * 10**6),
            shown=shown.tuple(),
            explanation="maintenanceMargin does not apply the formula of the tier holding the notional",
        )
    ]


def deduction_stage(ctx: ModelContext, table: Table) -> list[Obligation]:
    """deductionFor by a loop invariant ``d = D[i−1]`` (the stored deduction of the tier before i): an
    unrolled proof grows with the index (10 s at i = 8), the inductive one is one step for every index."""
    from vaultproof.spec import Invariant, check_obligations, code_obligation

    heads: list[Any] = []

    def holds(view: Any) -> z3.BoolRef:
        i, d = view.local("i"), view.local("d")
        heads.append(i)
        return z3.And(i >= 1, i <= view.local("index") + 1, d == table.d(i - 1))

    code = code_of(ctx)
    from models.code_common import loop_line
    from vaultproof.spec import execute

    key = f"{LIB}.deductionFor:{loop_line(code, f'{LIB}.deductionFor')}"
    ex = execute(code, f"{LIB}.deductionFor", args={"tiers": table.array}, loops={key: Invariant(holds)})
    i = ex.arg("index")
    # the loop head of the step (the second evaluation: base, then the havocked head): the validate contract
    # instantiated at that tier (derived from the per-tier contract by the lemma below)
    head = heads[1]
    at_head = [
        table.validated(),
        head < table.n,
        table.typed(head, head - 1),
        table.pair(head),
        table.valid(head - 1),
    ]
    checks = []
    for o in check_obligations(ex):
        # every check but the base is on the body, i.e. at the havocked head
        extra = [table.validated()] if "loop-invariant-base" in o.name else at_head
        checks.append(
            dataclasses.replace(
                o,
                assumptions=(*o.assumptions, *extra, i < table.n),
                witness=z3.And(o.witness, table.witness(), i == 2),
            )
        )
    j = z3.Int("j")
    # deductionFor(tiers, i) = D[i]: at the exit (i' = index + 1) the invariant says d = D[index]; that
    # exit step is the executor's (it assumes invariant ∧ ¬condition), so the contract IS the base and step
    # checks (no separate "returns D[i]" obligation: given the exit assumption it would be a TAUTOLOGY)
    return [
        *checks,
        code_obligation(
            "lemma: the validate contract (per tier 1..15) gives every tier 1 ≤ j < n its pair facts",
            [],
            # by cases j = 1..15, each the per-tier contract itself (pair(j) for j = k is pair(k))
            z3.Implies(
                z3.And(table.validated(), j >= 1, j < table.n),
                z3.Or(
                    *[
                        z3.And(j == k, table.pair(z3.IntVal(k)), table.valid(z3.IntVal(k - 1)))
                        for k in range(1, MAX_TIERS)
                    ]
                ),
            ),
            witness=z3.And(table.witness(), j == 2),
        ),
    ]


def _boundary(ctx: ModelContext, table: Table, i: Any, tag: str) -> tuple[Any, z3.BoolRef]:
    at = _run(ctx, "tierIndex", f"tierIndexAt{tag}", {"tiers": table.array, "notional": table.lb(i)})
    # split by the tier (i < n ≤ 16): a case per index keeps the array reads concrete
    cases = [z3.Implies(i == k, at.ret(0) == k) for k in range(MAX_TIERS)]
    return at, z3.Implies(z3.And(table.validated(), i >= 0, i < table.n), z3.And(*cases))


def _step(ctx: ModelContext, table: Table, i: Any) -> tuple[Any, Any, z3.BoolRef, z3.BoolRef]:
    b = table.lb(i)
    right = _run(
        ctx, "tierMaintenance", "tierI", {"notional": b, "leverage": table.lev(i), "deduction": table.d(i)}
    )
    left = _run(
        ctx,
        "tierMaintenance",
        "tierIm1",
        {"notional": b, "leverage": table.lev(i - 1), "deduction": table.d(i - 1)},
    )
    pre = z3.And(
        i >= 1,
        i < table.n,
        table.typed(i, i - 1),
        table.pair(i),
        table.lev(i - 1) >= 1,
        table.scale % (2 * table.lev(i - 1)) == 0,
        b < NOTIONAL_BOUND,
    )
    agree = z3.And(right.ok == left.ok, z3.Implies(right.ok, right.ret(0) == left.ret(0)))
    return right, left, pre, agree


def setter_stage(ctx: ModelContext) -> list[Obligation]:
    """The table the protocol stores: ``setMarginTiers`` (PerpArchBase, run on the PerpEngine arch) stores
    exactly the argument's bounds and leverages, replacing the old table, and only a table that passed
    validate (1 ≤ n ≤ 16, first bound 0, increasing bounds, non-increasing leverage)."""
    from models.code_common import loop_line
    from vaultproof.spec import code_obligation, execute

    code = code_of(ctx)
    arch = "PerpEngine"
    table = Table("set", ctx.param(f"{LIB}.SCALE"))
    setter = f"{arch}.setMarginTiers"
    specs = {**loops(code), **{f"{setter}:{loop_line(code, setter, k)}": Unroll(MAX_TIERS) for k in (0, 1)}}
    ex = execute(code, setter, args={"tiers": table.array}, loops=specs, label="setMarginTiers")
    market, n = ex.arg("market"), table.n

    def stored(k: Any, field: str) -> Any:
        return ex.post(arch, "_tiers", market, k, field)

    rows = []
    for k in range(MAX_TIERS):
        same = [stored(k, "lowerBound") == table.lb(k), stored(k, "maxLeverage") == table.lev(k)]
        if k:
            same += [
                stored(k, "lowerBound") > stored(k - 1, "lowerBound"),
                stored(k, "maxLeverage") <= stored(k - 1, "maxLeverage"),
            ]
        rows.append(z3.Implies(k < n, z3.And(*same)))
    shown = table.shown()
    shown.add("market (argument)", market)
    shown.add("stored length before", ex.before(arch, "_tiers", market, "length"))
    shown.add("stored length after", ex.post(arch, "_tiers", market, "length"))
    for k in range(3):
        shown.add(f"stored tiers[{k}].lowerBound after", stored(k, "lowerBound"), USDC)
        shown.add(f"stored tiers[{k}].maintenanceDeduction after", stored(k, "maintenanceDeduction"), SCALED)
    return [
        code_obligation(
            "code: PerpArchBase.setMarginTiers stores exactly the argument's n tiers (1 ≤ n ≤ 16, first "
            "bound 0, increasing bounds, non-increasing leverage), replacing the old table",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    ex.post(arch, "_tiers", market, "length") == n,
                    n >= 1,
                    n <= MAX_TIERS,
                    stored(0, "lowerBound") == 0,
                    *rows,
                ),
            ),
            witness=z3.And(ex.ok, table.example([(0, 50), (10_000 * 10**6, 20)])),
            shown=shown.tuple(),
            explanation="the owner's margin table is stored incompletely, merged with the old one, or "
            "without validation",
        )
    ]


def tier1_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    table = Table("tiers", ctx.param(f"{LIB}.SCALE"))
    out = validate_stage(ctx, table)
    out += setter_stage(ctx)
    out += index_stage(ctx, table)[0]
    out += margin_stage(ctx, table)
    out += deduction_stage(ctx, table)
    i = z3.Int("boundary")
    b = table.lb(i)
    # at a boundary the lookup returns exactly that tier (a validated table: strictly increasing bounds)
    at, at_i = _boundary(ctx, table, i, "")
    shown = _at_boundary(table, i)
    shown.add("tierIndex(lowerBound[i]) (returned)", at.ret(0))
    out.append(
        code_obligation(
            "code: on a validated table MarginTable.tierIndex(lowerBound[i]) = i",
            at,
            at_i,
            witness=z3.And(table.witness(), i == 1),
            shown=shown.tuple(),
            explanation="the tier lookup does not switch tier exactly at the lower bound",
        )
    )
    # the step: tier i's formula and tier i−1's agree at lowerBound[i] (tierMaintenance executed twice)
    right, left, pre, agree = _step(ctx, table, i)
    step = _at_boundary(table, i)
    step.add("tierMaintenance(lowerBound[i], L[i], D[i])", right.ret(0), USDC)
    step.add("tierMaintenance(lowerBound[i], L[i−1], D[i−1])", left.ret(0), USDC)
    out.append(
        code_obligation(
            "code: MarginTable.tierMaintenance of tiers i and i−1 agree at lowerBound[i] (continuity step)",
            [right, left],
            z3.Implies(pre, agree),
            witness=z3.And(table.witness(), i == 1, right.ok),
            shown=step.tuple(),
            explanation="the maintenance margin jumps at this tier boundary",
        )
    )
    # the goal, composed from the stage contracts above (each proved for every argument, instantiated here
    # at notional = lowerBound[i]; the executor is a function of its arguments, so an execution given an
    # argument is the proved one with that argument substituted)
    index_b, margin, tier_b = _tier_of(ctx, table, "B", b)
    goal = _at_boundary(table, i)
    goal.add("maintenanceMargin(lowerBound[i]) (returned)", margin.ret(0), USDC)
    goal.add("tier i−1 formula at lowerBound[i]", left.ret(0), USDC)
    out.append(
        code_obligation(
            "code: MarginTable.maintenanceMargin is continuous at every boundary: at lowerBound[i] it equals "
            "tier i−1's formula",
            [index_b, margin, tier_b, right, left],
            z3.Implies(
                z3.And(table.validated(), pre),
                z3.Implies(margin.ok, margin.ret(0) == left.ret(0)),
            ),
            assumptions=[
                _margin_is_its_tier(index_b, margin, tier_b),
                z3.Implies(z3.And(table.validated(), i >= 0, i < table.n), index_b.ret(0) == i),
                z3.Implies(pre, agree),
            ],
            witness=z3.And(table.witness(), i == 1, margin.ok),
            shown=goal.tuple(),
            explanation="the maintenance margin jumps at this tier boundary",
        )
    )
    return out


def tier2_code(ctx: ModelContext) -> list[Obligation]:
    from vaultproof.spec import code_obligation

    table = Table("tiers", ctx.param(f"{LIB}.SCALE"))
    out = validate_stage(ctx, table)  # includes L[i] ≤ L[i−1]: max leverage non-increasing by tier
    out += index_stage(ctx, table)[0]
    out += margin_stage(ctx, table)
    out += deduction_stage(ctx, table)
    # within one tier: tierMaintenance is non-decreasing in the notional (executed at two notionals)
    low = _run(ctx, "tierMaintenance", "within1", {})
    lev, ded = low.arg("leverage"), low.arg("deduction")
    high = _run(ctx, "tierMaintenance", "within2", {"leverage": lev, "deduction": ded})
    x1, x2 = low.arg("notional"), high.arg("notional")
    shown = Shown()
    shown.add("notional1 (argument)", x1, USDC)
    shown.add("notional2 (argument)", x2, USDC)
    shown.add("leverage (argument)", lev, LEV)
    shown.add("deduction (argument)", ded, SCALED)
    shown.add("margin(notional1) (returned)", low.ret(0), USDC)
    shown.add("margin(notional2) (returned)", high.ret(0), USDC)
    valid = z3.And(lev >= 1, table.scale % (2 * lev) == 0)
    out.append(
        code_obligation(
            "code: MarginTable.tierMaintenance is non-decreasing in the notional within a tier",
            [low, high],
            z3.Implies(
                z3.And(valid, x1 <= x2, x2 < NOTIONAL_BOUND, low.ok, high.ok), low.ret(0) <= high.ret(0)
            ),
            witness=z3.And(valid, x1 < x2, low.ok, high.ok, lev == 20),
            shown=shown.tuple(),
            explanation="a larger position in the same tier has a smaller maintenance margin",
        )
    )
    # across lowerBound[i]: tier i−1 at x1 < lowerBound[i] ≤ x2 in tier i
    i = z3.Int("boundary")
    left = _run(
        ctx, "tierMaintenance", "across1", {"leverage": table.lev(i - 1), "deduction": table.d(i - 1)}
    )
    right = _run(ctx, "tierMaintenance", "across2", {"leverage": table.lev(i), "deduction": table.d(i)})
    y1, y2 = left.arg("notional"), right.arg("notional")
    pre = z3.And(
        i >= 1,
        i < table.n,
        table.typed(i, i - 1),
        table.pair(i),
        table.valid(i - 1),
        y1 < table.lb(i),
        table.lb(i) <= y2,
        y2 < NOTIONAL_BOUND,
        left.ok,
        right.ok,
    )
    step = _at_boundary(table, i)
    step.add("notional1 (argument, tier i−1)", y1, USDC)
    step.add("notional2 (argument, tier i)", y2, USDC)
    step.add("margin(notional1) (returned)", left.ret(0), USDC)
    step.add("margin(notional2) (returned)", right.ret(0), USDC)
    out.append(
        code_obligation(
            "code: across lowerBound[i] MarginTable.tierMaintenance of tier i−1 at notional1 ≤ tier i's at "
            "notional2 (notional1 < lowerBound[i] ≤ notional2)",
            [left, right],
            z3.Implies(pre, left.ret(0) <= right.ret(0)),
            witness=z3.And(
                table.witness(), i == 1, left.ok, right.ok, y1 + 1 == table.lb(i), y2 == table.lb(i)
            ),
            shown=step.tuple(),
            explanation="a larger position in the next tier has a smaller maintenance margin",
        )
    )
    return out
