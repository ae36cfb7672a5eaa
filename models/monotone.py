"""Monotonicity over executed code, in steps Z3 decides: two arithmetic lemmas and their instances.

Comparing two executions of a valuation (``balance × price × weight × 10^18 / 10^(d + pd)``, oracle data
symbolic) is non-linear: Z3's nlsat does not decide ``value(b1) ≤ value(b2)`` for ``b1 ≤ b2`` within budget
(30 s+ on QuantumRiskEngine.collateralValue18). The step that needs non-linear reasoning is always one of
two facts, each proved once over fresh integers (:func:`lemmas`):

* product: ``x ≤ x' ∧ k ≥ 0 ⇒ x·k ≤ x'·k``;
* floor quotient: ``x ≤ x' ∧ d > 0 ⇒ x div d ≤ x' div d``.

:func:`steps` walks two terms of the same shape (the same code executed on a smaller and a larger input)
and returns the instance of the matching lemma at every product / quotient where the two differ in one
operand. Those instances, added as assumptions, leave the solver only linear reasoning over the products
(as atoms). Sound: each instance is a lemma's universally quantified statement applied to particular
terms, and the lemmas are proved obligations of every property that uses their instances.

:class:`PureCalls` replaces a pure library function by an uninterpreted function of its arguments (a pure
function's result and revert are determined by its arguments, so that is a superset of its executions)
and records each call, so that an obligation can assume a lemma proved on the function's own code at the
recorded call sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from vaultproof.spec import Obligation, Quantity

UINT256 = 2**256


def steps(lo: z3.ExprRef, hi: z3.ExprRef) -> list[z3.BoolRef]:
    """The lemma instances ordering ``lo`` ≤ ``hi`` at each product / floor quotient where they differ."""
    out: list[z3.BoolRef] = []
    _walk(lo, hi, out, set())
    return out


def _walk(lo: z3.ExprRef, hi: z3.ExprRef, out: list[z3.BoolRef], seen: set[tuple[int, int]]) -> None:
    key = (lo.get_id(), hi.get_id())
    if key in seen or z3.eq(lo, hi) or not (z3.is_app(lo) and z3.is_app(hi)):
        return
    seen.add(key)
    if lo.decl() != hi.decl() or lo.num_args() != hi.num_args():
        return
    kind = lo.decl().kind()
    if kind == z3.Z3_OP_MUL and lo.num_args() == 2:
        (x, k), (x2, k2) = lo.children(), hi.children()
        if z3.eq(k, k2):
            out.append(z3.Implies(z3.And(x <= x2, k >= 0), lo <= hi))
        elif z3.eq(x, x2):
            out.append(z3.Implies(z3.And(k <= k2, x >= 0), lo <= hi))
    elif kind == z3.Z3_OP_IDIV:
        (x, d), (x2, d2) = lo.children(), hi.children()
        if z3.eq(d, d2):
            out.append(z3.Implies(z3.And(x <= x2, d > 0), lo <= hi))
    for a, b in zip(lo.children(), hi.children(), strict=True):
        _walk(a, b, out, seen)


def execution_steps(lo: Any, hi: Any) -> list[z3.BoolRef]:
    """:func:`steps` over two executions of one function: return values, checks and revert conditions,
    paired in order (the same code, so the same sites)."""
    out: list[z3.BoolRef] = []
    seen: set[tuple[int, int]] = set()
    pairs = [
        *zip(lo.returns, hi.returns, strict=True),
        *((a.condition, b.condition) for a, b in zip(lo.checks, hi.checks, strict=True)),
        *((a.when, b.when) for a, b in zip(lo.reverts, hi.reverts, strict=True)),
    ]
    for a, b in pairs:
        _walk(a, b, out, seen)
    return out


def no_higher(small: Any, large: Any, given: Any = None) -> z3.BoolRef:
    """Two executions of one function, compared: where ``large`` completes (and ``given`` holds), ``small``
    completes too and returns no more. Every monotonicity claim on code here is this statement (the one
    :meth:`PureCalls.ordered` assumes at recorded call sites, there over an uninterpreted function)."""
    reach = large.ok if given is None else z3.And(given, large.ok)
    return z3.Implies(reach, z3.And(small.ok, small.ret(0) <= large.ret(0)))


def lemmas() -> list[Obligation]:
    """The two lemmas the instances of :func:`steps` apply, each over fresh integers."""
    x, x2, k = z3.Int("lemma.x"), z3.Int("lemma.x'"), z3.Int("lemma.k")
    shown = (Quantity("x", x, 0, ""), Quantity("x'", x2, 0, ""), Quantity("k", k, 0, ""))
    return [
        Obligation(
            name="lemma (monotone product): x ≤ x' ∧ k ≥ 0 ⇒ x·k ≤ x'·k",
            assumptions=(x <= x2, k >= 0),
            goal=x * k <= x2 * k,
            witness=z3.And(x < x2, k > 0),
            shown=shown,
            explanation="a product with a non-negative factor is not monotone",
        ),
        Obligation(
            name="lemma (monotone floor quotient): x ≤ x' ∧ d > 0 ⇒ x div d ≤ x' div d",
            assumptions=(x <= x2, k > 0),
            goal=x / k <= x2 / k,
            witness=x < x2,
            shown=shown,
            explanation="a floor quotient by a positive divisor is not monotone in the numerator",
        ),
    ]


class PureCalls:
    """An ``internal_summaries`` entry for a function returning one uint256 whose result and revert are
    determined by its arguments (a pure function; or a view function within one state and block, when every
    execution it is used in starts from the same pre-state and environment and writes nothing between the
    calls): the result is ``<name>(args)`` and the revert ``<name>.reverts(args)``, both uninterpreted, and
    every call's arguments are recorded (in execution order, deterministic). ``bools`` are the indices of
    boolean arguments."""

    def __init__(self, name: str, arity: int, bools: Sequence[int] = ()) -> None:
        sorts = [z3.BoolSort() if i in bools else z3.IntSort() for i in range(arity)]
        self.value = z3.Function(name, *sorts, z3.IntSort())
        self.fails = z3.Function(f"{name}.reverts", *sorts, z3.BoolSort())
        self.calls: list[tuple[z3.ExprRef, ...]] = []

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        args = tuple(view.args)
        self.calls.append(args)
        result = self.value(*args)
        return SummaryResult(
            returns=(result,), reverts=self.fails(*args), ensures=z3.And(result >= 0, result < UINT256)
        )

    def ordered(self, varying: int, condition: Any = None) -> list[z3.BoolRef]:
        """For every two recorded calls equal except in argument ``varying`` (an integer, or a bool: False
        below True): the lemma "not reverting at the larger one ⇒ not reverting at the smaller one, and a
        value no larger" there, under ``condition(small_args)`` (a precondition of the lemma) if given."""
        out = []
        for a in self.calls:
            for b in self.calls:
                if a is b or (z3.is_bool(a[varying]) and (z3.is_true(a[varying]) or z3.is_false(b[varying]))):
                    continue  # the same call, or (constant bases) not False below True
                same = [x == y for i, (x, y) in enumerate(zip(a, b, strict=True)) if i != varying]
                below = (
                    z3.And(z3.Not(a[varying]), b[varying])
                    if z3.is_bool(a[varying])
                    else a[varying] <= b[varying]
                )
                pre = [condition(a)] if condition is not None else []
                out.append(
                    z3.Implies(
                        z3.And(*same, below, *pre, z3.Not(self.fails(*b))),
                        z3.And(z3.Not(self.fails(*a)), self.value(*a) <= self.value(*b)),
                    )
                )
        return out
