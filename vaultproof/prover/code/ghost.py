"""Ghost sums over ``Int → Int`` arrays, for loop invariants that speak of Σ (issue15-debt).

A loop invariant over a memory array often needs "the sum of the elements so far" (``total == Σ cap[0..i)``)
or "how many are still non-zero" — terms Z3 has no name for. :class:`ArraySum` names one: ``S(a, k) =
Σ_{0 ≤ j < k} f(a[j])`` for a declared element function ``f`` (the identity, an indicator ``a[j] ≠ 0`` …),
an uninterpreted function of the array and the bound. It is never defined by a quantified axiom (which
would make every query an MBQI search); instead an invariant is given *instances* of:

* the definition (:meth:`ArraySum.unfold`): ``S(a, 0) = 0`` and ``S(a, k+1) = S(a, k) + f(a[k])`` for
  ``k ≥ 0`` — true of the real sum, so assuming any instance of it is sound;
* three lemmas (:meth:`stored`, :meth:`bounded`, :meth:`constant`), each proved by induction on ``k`` from
  the definition alone by the obligations :meth:`ArraySum.lemmas` returns (base ``k = 0`` and step ``k →
  k+1`` over fresh arrays, indices and values, hence for all of them).

An :class:`~vaultproof.prover.code.execute.Invariant`'s ``facts`` hand such instances to the loop's base,
havocked state and step (assumed, not checked): a property that uses an ``ArraySum`` must include its
``lemmas()`` among its obligations, so every fact it assumes is itself proved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from vaultproof.prover.obligation import Obligation
from vaultproof.prover.terms import subterms

ARRAY = z3.ArraySort(z3.IntSort(), z3.IntSort())


def _identity(x: z3.ArithRef) -> z3.ArithRef:
    return x


@dataclass(frozen=True, eq=False)
class ArraySum:
    """``S(a, k) = Σ_{0 ≤ j < k} f(a[j])``, named ``Σ<name>``; ``f`` maps an element term to an Int term."""

    name: str
    f: Callable[[z3.ArithRef], z3.ArithRef] = _identity
    fn: z3.FuncDeclRef = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fn", z3.Function(f"Σ{self.name}", ARRAY, z3.IntSort(), z3.IntSort()))

    def __call__(self, a: z3.ArrayRef, k: z3.ArithRef | int) -> z3.ArithRef:
        return self.fn(a, k)  # type: ignore[no-any-return]

    def _bound(self) -> z3.ArithRef:
        """The index a lemma's ``ForAll`` binds. Named by the sum, never by ``z3.FreshInt``: Z3's fresh
        counter is process-wide, so ``j!12`` in one process is ``j!48`` in another that built more terms
        first, and the obligation's text (its cache key) would depend on what ran before it — the same
        query solved again by every test and worker. A bound name cannot capture anything but a free
        constant of that very name, and no executed term is named ``Σ<name>.∀j``."""
        return z3.Int(f"Σ{self.name}.∀j")

    def _at(self, a: z3.ArrayRef, j: z3.ArithRef | int) -> z3.ArithRef:
        return self.f(z3.Select(a, j))

    # -- the definition (instances are true of the real sum) ------------------------------------------

    def unfold(self, a: z3.ArrayRef, k: z3.ArithRef | int) -> z3.BoolRef:
        """``S(a, 0) = 0`` and ``k ≥ 0 ⇒ S(a, k+1) = S(a, k) + f(a[k])``."""
        return z3.And(self(a, 0) == 0, z3.Implies(k >= 0, self(a, k + 1) == self(a, k) + self._at(a, k)))

    # -- lemmas (each proved by induction in lemmas()) ---------------------------------------------------

    def stored(self, a: z3.ArrayRef, i: z3.ArithRef, v: z3.ArithRef, k: z3.ArithRef | int) -> z3.BoolRef:
        """A write ``a[i] := v`` changes the sum of the first ``k`` by ``f(v) − f(a[i])`` iff ``i < k``."""
        inside = z3.And(i >= 0, i < k)
        delta = z3.If(inside, self.f(v) - self._at(a, i), 0)
        return z3.Implies(k >= 0, self(z3.Store(a, i, v), k) == self(a, k) + delta)

    def bounded(self, a: z3.ArrayRef, k: z3.ArithRef | int) -> z3.BoolRef:
        """Non-negative terms: the sum is ≥ 0 and ≥ each of its terms (so a zero sum has zero terms)."""
        j = self._bound()
        terms_nonneg = z3.ForAll([j], z3.Implies(z3.And(j >= 0, j < k), self._at(a, j) >= 0))
        dominates = z3.ForAll([j], z3.Implies(z3.And(j >= 0, j < k), self._at(a, j) <= self(a, k)))
        return z3.Implies(z3.And(k >= 0, terms_nonneg), z3.And(self(a, k) >= 0, dominates))

    def constant(self, a: z3.ArrayRef, k: z3.ArithRef | int, c: int) -> z3.BoolRef:
        """Every one of the first ``k`` terms equal to the literal ``c``: the sum is ``c·k``."""
        j = self._bound()
        every = z3.ForAll([j], z3.Implies(z3.And(j >= 0, j < k), self._at(a, j) == c))
        return z3.Implies(z3.And(k >= 0, every), self(a, k) == c * k)

    def _constant_at(self, a: z3.ArrayRef, c: int, k: z3.ArithRef | int) -> z3.BoolRef:
        return self.constant(a, k, c)

    # -- their proofs --------------------------------------------------------------------------------

    def lemmas(self, constants: tuple[int, ...] = (0,)) -> list[Obligation]:
        """The induction proofs of :meth:`stored`, :meth:`bounded` and :meth:`constant` (for each literal in
        ``constants``): a base obligation at ``k = 0`` and a step ``k → k+1``, over fresh terms, from
        instances of the definition only."""
        a = z3.Const(f"lemma.{self.name}.a", ARRAY)
        i, v, k = (z3.Int(f"lemma.{self.name}.{n}") for n in ("i", "v", "k"))
        stored_a = z3.Store(a, i, v)
        cases: list[tuple[str, Callable[[z3.ArithRef | int], z3.BoolRef]]] = [
            (
                "a write a[i] := v changes the sum by f(v) − f(a[i]) iff i < k",
                lambda n: self.stored(a, i, v, n),
            ),
            ("non-negative terms: 0 ≤ each term ≤ the sum", lambda n: self.bounded(a, n)),
        ]
        for c in constants:
            cases.append((f"every term = {c} ⇒ sum = {c}·k", functools.partial(self._constant_at, a, c)))
        out: list[Obligation] = []
        for what, lemma in cases:
            definition = (self.unfold(a, k), self.unfold(stored_a, k))
            out.append(
                Obligation(
                    name=f"ghost Σ{self.name}: {what} (induction base, k = 0)",
                    assumptions=(self(a, 0) == 0, self(stored_a, 0) == 0),
                    goal=lemma(0),
                    witness=z3.BoolVal(True),
                    shown=(),
                    explanation=f"the lemma '{what}' fails for an empty prefix",
                )
            )
            out.append(
                Obligation(
                    name=f"ghost Σ{self.name}: {what} (induction step, k → k+1)",
                    assumptions=(k >= 0, lemma(k), *definition),
                    goal=lemma(k + 1),
                    witness=z3.BoolVal(True),
                    shown=(),
                    explanation=f"the lemma '{what}' holds for k terms but not for k+1",
                )
            )
        return out


def store_layers(term: z3.ExprRef) -> list[tuple[z3.ArrayRef, z3.ArithRef, z3.ArithRef]]:
    """Every ``Store(a, i, v)`` sub-term of ``term`` as ``(a, i, v)`` (outermost first, each once): the
    writes a loop body made to an array, for :meth:`ArraySum.stored` instances."""
    return [(t.arg(0), t.arg(1), t.arg(2)) for t in subterms([term]) if z3.is_store(t)]
