"""What a model hands to the solver. Models build these; they never call ``check()`` themselves."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import ParamSpec

import z3

from vaultproof.errors import RegistryError
from vaultproof.results import FunctionRef, LineHits

_P = ParamSpec("_P")


class Strategy(Enum):
    """How the solver is built for an obligation (:mod:`vaultproof.prover.solver`). DEFAULT is
    ``z3.Solver()``: Z3 picks its tactic by probing the logic (for these queries, a simplifier then its
    preamble then ``smt``). PREPROCESSED spells a pipeline out: the equalities an execution states (storage
    cells, call results, decimals) are solved and substituted and unconstrained terms eliminated before
    ``smt`` sees the query. Neither is better on every query: the negation of a market-order loop step of
    the book's walk takes 20 M rlimit (7.7 s) under DEFAULT and 2 M (1.1 s) under PREPROCESSED, while LIQ-5's
    replay of seed 004 case 2 takes 2.5 s under DEFAULT and 13.3 s under PREPROCESSED for a third of the
    rlimit. So the first attempt at an obligation's negation is its own choice: DEFAULT for a hand-written
    model obligation, PREPROCESSED for one the engine built from the code (``code.obligations.CODE_FIRST``,
    which says what was measured), unless its builder says otherwise (:func:`preprocessed_first`,
    :func:`default_first`); the other strategy is the retry when the rlimit runs out. Its vacuity check, a
    sat query, starts with the pipeline whatever the choice, LINEARIZED then PREPROCESSED
    (``solver.VACUITY_FIRST``: preprocessed, over the whole catalogue 65 s against 1,426 s under DEFAULT,
    never a different answer)."""

    DEFAULT = "default"
    PREPROCESSED = "preprocessed"
    # The pipeline with Z3's non-linear arithmetic held to incremental linearization (``arith.nl.nra``
    # off: no calls of the complete nlsat procedure). It builds models, so it is the vacuity check's
    # (``solver.VACUITY_FIRST``); on a query that needs nlsat it says "incomplete", and the next attempt
    # is asked.
    LINEARIZED = "linearized"

    @property
    def final_when_incomplete(self) -> bool:
        """Whether Z3's "incomplete" under this strategy ends a query's attempts: no budget changes it
        under a complete procedure, while LINEARIZED left the complete one out on purpose."""
        return self is not Strategy.LINEARIZED


@dataclass(frozen=True, eq=False)
class Quantity:
    """A Z3 term that a counterexample shows by name, in token units (``decimals`` places of ``unit``)."""

    name: str
    term: z3.ArithRef
    decimals: int = 0
    unit: str = ""


@dataclass(frozen=True, eq=False)
class Obligation:
    """Under ``assumptions``, ``goal`` holds.

    The solver proves it by showing ``assumptions ∧ ¬goal`` unsat, and rejects it as vacuous unless
    ``assumptions ∧ witness`` is sat: the witness names the case the property is about (e.g. a sale
    with qty > 0), so an over-constrained model cannot pass by proving nothing.
    ``bound`` is set when the obligation covers only k unrolled steps: it can then be at most
    PROVED-BOUNDED(k), never PROVED.

    ``executed`` names the functions whose code (SlithIR) built the terms of this obligation and
    ``lines`` the source lines that execution ran; both are empty for an obligation over a hand-written
    model only. A property is PROVED only if every target it declares was executed by some obligation.

    ``strategy`` is the solver strategy asked first (:class:`Strategy`; the other one is the retry): the
    verdict does not depend on it, only the cost and, for a violated one, which counterexample is shown.

    ``code_derived`` marks an obligation over terms the engine built from the code itself (set only by
    the builders of :mod:`vaultproof.prover.code.obligations`): a pure function's code equals its model,
    a division/overflow check at a line never fires, an execution of an entry point meets its contract.
    Its goal simplifying to true is then a fact about the code (the lowered Solidity establishes it on
    every path, and an edit of the Solidity changes it), so it is exempt from the TAUTOLOGY check that
    every hand-written model obligation gets; see that module for the argument.
    """

    name: str
    assumptions: tuple[z3.BoolRef, ...]
    goal: z3.BoolRef
    witness: z3.BoolRef
    shown: tuple[Quantity, ...]
    bound: int | None = None
    explanation: str = ""
    executed: tuple[FunctionRef, ...] = ()
    lines: tuple[LineHits, ...] = ()
    code_derived: bool = False
    strategy: Strategy = Strategy.DEFAULT


def _asked_first(
    strategy: Strategy, build: Callable[_P, Sequence[Obligation]]
) -> Callable[_P, list[Obligation]]:
    @functools.wraps(build)
    def built(*args: _P.args, **kwargs: _P.kwargs) -> list[Obligation]:
        return [replace(o, strategy=strategy) for o in build(*args, **kwargs)]

    return built


def preprocessed_first(build: Callable[_P, Sequence[Obligation]]) -> Callable[_P, list[Obligation]]:
    """A builder of obligations whose every obligation is asked first under :attr:`Strategy.PREPROCESSED`
    (the default strategy is then the retry): for hand-written queries over an execution whose equalities
    Z3's default strategy searches through instead of substituting. A decorator, so that the choice sits on
    the builder it was measured for, and the broken code twin (the same builder on other code) shares it."""
    return _asked_first(Strategy.PREPROCESSED, build)


def default_first(build: Callable[_P, Sequence[Obligation]]) -> Callable[_P, list[Obligation]]:
    """A builder of obligations whose every obligation is asked first under :attr:`Strategy.DEFAULT`
    (PREPROCESSED is then the retry): for code obligations, which start preprocessed
    (``code.obligations.CODE_FIRST``), where measuring says the default strategy is the cheaper one."""
    return _asked_first(Strategy.DEFAULT, build)


def settled_at_build(obligation: Obligation) -> tuple[Obligation, ...]:
    """An obligation over constants only (an induction base over the zero initial state, a check of
    constants extracted from the code) is settled when the model is built: dropped when simplification
    proves it (as an obligation it would be a TAUTOLOGY: it says nothing to the solver), kept when it
    does not, so that a changed constant or invariant comes out VIOLATED."""
    return () if z3.is_true(z3.simplify(obligation.goal)) else (obligation,)


@dataclass(frozen=True, eq=False)
class OptimizationGoal:
    """Maximise (or minimise) ``objective`` under ``constraints``; report ``shown`` at the optimum."""

    name: str
    constraints: tuple[z3.BoolRef, ...]
    objective: Quantity
    maximize: bool
    shown: tuple[Quantity, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ModelContext:
    """Protocol parameters read from the compiled contracts (constants, decimals, limits).

    Models take every number that the Solidity also states from here, so a parameter changed in
    the contracts changes the proof instead of silently diverging from a re-typed copy.
    """

    params: Mapping[str, int] = field(default_factory=dict)
    # Pure library functions lowered from SlithIR (``vaultproof.prover.extract``), keyed "Lib.fn" and
    # "Lib.fn(types)"; plain data, so the context still crosses process boundaries.
    functions: Mapping[str, object] = field(default_factory=dict)
    # The project's stateful code lowered by ``vaultproof.prover.code`` (plain data, picklable); None when
    # the context was built without compiling (a unit test's hand-built context): code obligations then
    # cannot run and a property is at best MODEL-ONLY.
    code: object | None = None
    # Which project contract sits behind each address-typed state variable ("Vault.balanceManager" →
    # "BalanceManager"), from the property package; an address it does not bind is unknown code.
    deployment: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> int:
        try:
            return self.params[name]
        except KeyError:
            known = ", ".join(sorted(self.params)) or "none"
            raise RegistryError(
                f"model parameter {name!r} was not extracted from the contracts (known: {known})"
            ) from None
