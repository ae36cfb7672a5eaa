"""The author API: what a protocol's models and property declarations import, and all they import.

A model builds :class:`Obligation` s in a :class:`Scope` (fresh variables whose Solidity ranges become
assumptions and which a counterexample shows by name, in token units), with the arithmetic helpers
below; it ties itself to the code with :func:`code_tie` (or the lower-level :func:`extracted`,
:func:`equivalence_obligation`, :func:`safety_obligations`). A declaration module registers
:class:`PropertyDecl` s with a :class:`ModelChecker` or :class:`DetectorChecker`. Nothing here knows a
protocol; nothing here calls the solver (``vaultproof/prover/solver.py`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import z3

from vaultproof.errors import RegistryError
from vaultproof.evidence.decl import BrokenSuite, EvidenceDecl, InvariantSuite, Recipe, ReplayTest
from vaultproof.evidence.variants import CodeVariant, Edit
from vaultproof.prover.code import (
    ArraySum,
    Ghost,
    Havoc,
    HookView,
    Invariant,
    MemoryArray,
    SummaryResult,
    Unroll,
    check_obligations,
    code_obligation,
    execute,
    store_layers,
)
from vaultproof.prover.coverage import tied
from vaultproof.prover.extract import (
    ExtractedFunction,
    ExtractionError,
    ModelOutput,
    equivalence_obligation,
    extracted,
    safety_obligations,
)
from vaultproof.prover.obligation import (
    ModelContext,
    Obligation,
    OptimizationGoal,
    Quantity,
    Strategy,
    default_first,
    preprocessed_first,
    settled_at_build,
)
from vaultproof.prover.registry import (
    CodeTwin,
    DetectorChecker,
    MetricDecl,
    ModelChecker,
    PropertyDecl,
    Registry,
    SeedFindingDecl,
)
from vaultproof.prover.terms import subterms, uninterpreted
from vaultproof.results import Counterexample, FunctionRef, Severity

# A quantity's display unit: (decimal places, unit name); ``(6, "USDC")`` shows 1500000 as 1.5 USDC.
Unit = tuple[int, str]
RAW: Unit = (0, "")
BOOL_UNIT: Unit = (0, "(1 = true)")

UINT256 = 2**256


def uint_max(bits: int) -> int:
    return int(2**bits) - 1


@dataclass
class Scope:
    """Fresh variables of one obligation: their ranges become assumptions, each is shown by name."""

    assumptions: list[z3.BoolRef] = field(default_factory=list)
    shown: list[Quantity] = field(default_factory=list)

    def uint(self, name: str, bits: int = 256, unit: Unit = RAW, show: bool = True) -> z3.ArithRef:
        """A ``uintN``: ``0 ≤ x ≤ 2**N − 1``."""
        return self._int(name, 0, uint_max(bits), unit, show)

    def sint(self, name: str, bits: int = 256, unit: Unit = RAW, show: bool = True) -> z3.ArithRef:
        """An ``intN``: ``−2**(N−1) ≤ x ≤ 2**(N−1) − 1``."""
        return self._int(name, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, unit, show)

    def _int(self, name: str, low: int, high: int, unit: Unit, show: bool) -> z3.ArithRef:
        value = z3.Int(name)
        self.assumptions.append(z3.And(value >= low, value <= high))
        if show:
            self.show(name, value, unit)
        return value

    def boolean(self, name: str, show: bool = True) -> z3.BoolRef:
        value = z3.Bool(name)
        if show:
            self.show(name, value)
        return value

    def show(self, name: str, term: z3.ExprRef, unit: Unit = RAW) -> z3.ExprRef:
        """Show ``term`` in a counterexample (a Bool as 1/0); returns ``term`` so it can be used inline."""
        if z3.is_bool(term):
            self.shown.append(Quantity(name, z3.If(term, 1, 0), *BOOL_UNIT))
        else:
            self.shown.append(Quantity(name, term, *unit))  # type: ignore[arg-type]
        return term

    def assume(self, *facts: z3.BoolRef) -> None:
        self.assumptions.extend(facts)

    def obligation(
        self, name: str, goal: z3.BoolRef, witness: z3.BoolRef | bool | None = None, explanation: str = ""
    ) -> Obligation:
        """``assumptions ⇒ goal``; ``witness`` names the case the obligation is about (vacuity check)."""
        if witness is None or isinstance(witness, bool):
            witness = z3.BoolVal(True if witness is None else witness)
        return Obligation(
            name=name,
            assumptions=tuple(self.assumptions),
            goal=goal,
            witness=witness,
            shown=tuple(self.shown),
            explanation=explanation,
        )


# -- arithmetic --------------------------------------------------------------------------------------


def zmin(a: z3.ArithRef | int, b: z3.ArithRef | int) -> z3.ArithRef:
    return z3.If(a <= b, a, b)  # type: ignore[no-any-return]


def zmax(a: z3.ArithRef | int, b: z3.ArithRef | int) -> z3.ArithRef:
    return z3.If(a >= b, a, b)  # type: ignore[no-any-return]


def ceil_div(num: z3.ArithRef | int, den: z3.ArithRef | int) -> z3.ArithRef:
    """Solidity ``(a + b - 1) / b`` for a ≥ 0, b > 0 (Z3 Int division floors for a positive divisor)."""
    return (num + den - 1) / den  # type: ignore[no-any-return, operator]


def pow10(exponent: z3.ArithRef | int, max_exponent: int) -> z3.ArithRef:
    """``10**exponent`` for ``0 ≤ exponent ≤ max_exponent`` as an If-table (Z3 has no integer power)."""
    if isinstance(exponent, int):
        return z3.IntVal(10**exponent)
    table: z3.ArithRef = z3.IntVal(10**max_exponent)
    for k in range(max_exponent - 1, -1, -1):
        table = z3.If(exponent == k, 10**k, table)
    return table


# -- overflow / underflow: each its own obligation -----------------------------------------------------


def no_overflow(scope: Scope, name: str, term: z3.ArithRef, witness: z3.BoolRef | bool = True) -> Obligation:
    """A checked uint256 operation at the declared ranges never wraps (it would revert)."""
    return scope.obligation(f"no-overflow {name}", z3.And(term >= 0, term < UINT256), witness)


def no_underflow(scope: Scope, name: str, term: z3.ArithRef, witness: z3.BoolRef | bool = True) -> Obligation:
    """A checked uint256 subtraction at this point never goes below zero (it would revert)."""
    return scope.obligation(f"no-underflow {name}", term >= 0, witness)


# -- the code tie (SPEC §4.4) --------------------------------------------------------------------------


def code_tie(
    ctx: ModelContext,
    function: str,
    args: Sequence[z3.ArithRef],
    model: Callable[..., z3.ArithRef | tuple[z3.ArithRef, ...]],
    ranges: Mapping[str, tuple[int, int]],
    units: Mapping[str, Unit],
    label: str = "",
) -> list[Obligation]:
    """The Solidity function (SlithIR → Z3) equals the hand-written model on every non-reverting input
    in ``ranges``, and each of its checked operations (overflow, underflow, division by zero, narrowing)
    never fires there: one obligation each.

    Only a context without any extracted function (a unit test's hand-built ``ModelContext``) skips
    this; the prove stage always extracts, and a function that cannot be extracted is an ERROR there.
    """
    if not ctx.functions:
        return []
    fn = extracted(ctx, function, args=list(args))
    suffix = f" {label}" if label else ""
    tie = equivalence_obligation(fn, model, ranges, name=f"{function} (code) == model{suffix}", units=units)
    safety = safety_obligations(fn, ranges, units=units)
    # the tie executes the function on code: it counts towards the property's executed targets
    return tied(ctx, function, [tie, *(replace(ob, name=ob.name + suffix) for ob in safety)])


# -- for the bench (``make bench``) ------------------------------------------------------------------


@dataclass(frozen=True)
class ScalingSeries:
    """What the bench compares for one property: its inductive obligations (which do not mention the
    number of iterations k) against an unrolled composition of k iterations — a bench-only model, never
    a proof of the catalogue — at each of ``sizes``. A content module lists these as ``SERIES``."""

    property_id: str
    what: str  # what k counts, e.g. "book levels"
    sizes: tuple[int, ...]
    inductive: Callable[[ModelContext], Sequence[Obligation]]
    unrolled: Callable[[int], Obligation]


__all__ = [
    "BOOL_UNIT",
    "RAW",
    "UINT256",
    "ArraySum",
    "BrokenSuite",
    "CodeTwin",
    "CodeVariant",
    "Counterexample",
    "DetectorChecker",
    "Edit",
    "EvidenceDecl",
    "ExtractedFunction",
    "ExtractionError",
    "FunctionRef",
    "Ghost",
    "Havoc",
    "HookView",
    "Invariant",
    "InvariantSuite",
    "MemoryArray",
    "MetricDecl",
    "ModelChecker",
    "ModelContext",
    "ModelOutput",
    "Obligation",
    "OptimizationGoal",
    "PropertyDecl",
    "Quantity",
    "Recipe",
    "Registry",
    "RegistryError",
    "ReplayTest",
    "ScalingSeries",
    "Scope",
    "SeedFindingDecl",
    "Severity",
    "Strategy",
    "SummaryResult",
    "Unit",
    "Unroll",
    "ceil_div",
    "check_obligations",
    "code_obligation",
    "code_tie",
    "default_first",
    "equivalence_obligation",
    "execute",
    "extracted",
    "no_overflow",
    "no_underflow",
    "pow10",
    "preprocessed_first",
    "safety_obligations",
    "settled_at_build",
    "store_layers",
    "subterms",
    "tied",
    "uint_max",
    "uninterpreted",
    "zmax",
    "zmin",
]
