"""What ``make bench`` compares for the perp vault (``[bench] series`` in vaultproof.toml names this).

CONV-1's book walk (levels) and DEBT-1 / DEBT-4 (collaterals / ranked ADL positions) are proved by
induction, whose obligations do not depend on the number of iterations; to show what that buys, each
series also has the UNROLLED composition of k iterations written out below — bench-only models, never
a proof of the catalogue.
"""

from __future__ import annotations

import z3

from models import conv, debt
from vaultproof.spec import Obligation, Quantity, ScalingSeries, zmin

LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)
COLLATERALS = (1, 2, 4, 8, 16, 32)


def _u(name: str, bits: int, out: list[z3.BoolRef]) -> z3.ArithRef:
    var = z3.Int(name)
    out += [var >= 0, var < 2**bits]
    return var


def conv1_unrolled(k: int) -> Obligation:
    """Σ fill_i·price_i ≥ (Σ fill_i)·floor over k explicit levels (the non-inductive formulation)."""
    pre: list[z3.BoolRef] = []
    floor = _u("floorPrice", 128, pre)
    fills = [_u(f"fill{i}", 96, pre) for i in range(k)]
    prices = [_u(f"price{i}", 128, pre) for i in range(k)]
    pre += [p >= floor for p in prices]
    proceeds = z3.Sum([q * p for q, p in zip(fills, prices, strict=True)])
    sold = z3.Sum(fills)
    return Obligation(
        f"CONV-1 walk unrolled over {k} levels",
        tuple(pre),
        proceeds >= sold * floor,
        sold > 0,
        (Quantity("floorPrice", floor),),
        bound=k,
    )


def debt1_unrolled(k: int) -> Obligation:
    """The whole waterfall with k explicit collateral iterations: conservation of the sum."""
    pre: list[z3.BoolRef] = []
    deficit, free = _u("deficit", 128, pre), _u("free", 128, pre)
    used = zmin(deficit, free)
    rem = deficit - used
    taken = z3.IntVal(0)
    for i in range(k):
        received = _u(f"received{i}", 128, pre)
        ok = z3.Bool(f"sold{i}")
        paid = z3.If(ok, zmin(received, rem), 0)
        taken, rem = taken + paid, rem - paid
    bal, cap, adl = _u("insurance", 128, pre), _u("capLeft", 128, pre), _u("adlCapacity", 128, pre)
    ins = zmin(rem, zmin(bal, cap))
    rem3 = rem - ins
    soc = zmin(rem3, adl)
    recorded = rem3 - soc
    goal = z3.And(deficit == used + taken + ins + soc + recorded, recorded >= 0)
    return Obligation(
        f"DEBT-1 waterfall unrolled over {k} collaterals",
        tuple(pre),
        goal,
        deficit > 0,
        (Quantity("deficit", deficit),),
        bound=k,
    )


def debt4_unrolled(k: int) -> Obligation:
    """The bound with k explicit ADL positions: bad debt ≤ insurance + Σ capacity ⇒ shortfall = 0."""
    pre: list[z3.BoolRef] = []
    bad, bal, cap = _u("badDebt", 128, pre), _u("insurance", 128, pre), _u("capLeft", 128, pre)
    ins = zmin(bad, zmin(bal, cap))
    rem = bad - ins
    profits = [_u(f"profit{i}", 128, pre) for i in range(k)]
    for p in profits:
        rem = rem - zmin(rem, p)
    room = bad <= zmin(bal, cap) + z3.Sum(profits)
    return Obligation(
        f"DEBT-4 bound unrolled over {k} ADL positions",
        tuple(pre),
        z3.Implies(room, rem == 0),
        bad > 0,
        (Quantity("badDebt", bad),),
        bound=k,
    )


SERIES: tuple[ScalingSeries, ...] = (
    ScalingSeries("CONV-1", "book levels", LEVELS, conv.conv1_walk, conv1_unrolled),
    ScalingSeries("DEBT-1", "collaterals", COLLATERALS, lambda ctx: debt.debt1(ctx, None), debt1_unrolled),
    ScalingSeries("DEBT-4", "ADL positions", COLLATERALS, lambda ctx: debt.debt4(ctx, None), debt4_unrolled),
)
