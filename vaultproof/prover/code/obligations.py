"""Obligations over extracted pure functions: equivalence with a model, and safety of each check.

Every obligation built here is ``code_derived`` and so exempt from the TAUTOLOGY check
(``solver.discharge``: a goal that Z3's simplifier proves without any assumption). Why that is sound:

- The check exists to catch a *hand-written* goal that says nothing: a model that substitutes a
  definition into both sides of its own statement (``i2 = i + 1``, then "prove" ``i2 == i + 1``), a base
  case ``0 >= 0``. There both sides come from the same Python expression, so the goal is true whatever the
  contracts say.
- Here one side of the goal is built by executing the Solidity (SlithIR lowered by the engine). If it
  simplifies to true, it is because the lowered code computes exactly what the statement requires on
  every path: the code makes it *structurally* true (a setter writing ``pre + amount`` against the goal
  ``post == pre + amount``; a check ``x + 1`` that cannot overflow under a constant bound). That is the
  strongest form of the proof, not an empty one: the goal is a function of the code and an edit of the
  Solidity changes it (``tests/prover/test_solver.py`` runs one such code obligation on a fixture
  contract and on a one-line edit of it: PROVED, then VIOLATED).
- A code obligation whose goal held *whatever* the code did (``Implies(ex.ok, x == x)``) would be a
  tautology of the property that this exemption lets through. It cannot carry a property: every property
  with code obligations declares a broken code twin (``ModelChecker.with_code(check, CodeTwin)``, a
  mandatory argument), and its code obligations must come out VIOLATED on the twin (JobKind.BROKEN_CODE,
  enforced by tests), which a set of goals independent of the code cannot.
- The property's *model* obligations (``ModelChecker.check``) are never code-derived: a model goal that
  holds without its assumptions is a TAUTOLOGY, whatever its property's code obligations say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import z3

from vaultproof.prover.code.ir import ExtractionError
from vaultproof.prover.code.pure import ExtractedFunction
from vaultproof.prover.obligation import Obligation, Quantity, Strategy

if TYPE_CHECKING:
    from vaultproof.results import FunctionRef, LineHits


# The strategy a code-derived obligation's negation is asked under first (a builder may say otherwise:
# ``default_first``). Measured over the negations of all 540 code-derived obligations of the shipped
# catalogue at seed 0, each parsed into a context of its own: 65.7 s in all under PREPROCESSED against
# 149.6 s under DEFAULT, 77 M rlimit against 1,191 M, never a different answer (a step of the book's
# market-order walk 1.1 s against 7.7 s, LIQ-6's insuranceDelta equivalence 0.25 s against 6.5 s, the
# partial-release steps of REL-4 12 s against 24 s). An execution states its storage cells, call results
# and decimals as equalities; solving them away first leaves ``smt`` the arithmetic. The exception measured
# is LIQ-5's replay of seed 004 (``models/liq_code.py``, default_first): 14.1 s against 3.9 s.
CODE_FIRST = Strategy.PREPROCESSED


@dataclass(frozen=True, eq=False)
class ModelOutput:
    """What a hand-written model returns when it also states when the code must revert."""

    values: tuple[z3.ExprRef, ...]
    reverts: z3.BoolRef | None = None


Units = Mapping[str, tuple[int, str]]


def _range_constraints(
    fn: ExtractedFunction, ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]]
) -> list[z3.BoolRef]:
    if isinstance(ranges, Mapping):
        out = []
        for name, (low, high) in ranges.items():
            arg = fn.arg(name)
            out.append(z3.And(arg >= low, arg <= high))
        return out
    return list(ranges)


def _shown(fn: ExtractedFunction, units: Units, extra: Sequence[Quantity] = ()) -> tuple[Quantity, ...]:
    quantities = []
    for name, arg in zip(fn.param_names, fn.args, strict=True):
        decimals, unit = units.get(name, (0, ""))
        quantities.append(Quantity(name, arg, decimals, unit))  # type: ignore[arg-type]
    for name, value in zip(fn.return_names, fn.returns, strict=True):
        decimals, unit = units.get(name, (0, ""))
        quantities.append(Quantity(f"code {name}", value, decimals, unit))  # type: ignore[arg-type]
    return (*quantities, *extra)


def equivalence_obligation(
    extracted_fn: ExtractedFunction,
    model_fn: Callable[..., Any],
    ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]] = (),
    *,
    name: str | None = None,
    units: Units | None = None,
    witness: z3.BoolRef | None = None,
) -> Obligation:
    """Obligation: on every input in range (type ranges always included) on which the code does not
    revert, each return value equals the model's. ``model_fn(*args)`` returns one term, a tuple of
    terms, or a :class:`ModelOutput` — with ``reverts`` set, the revert conditions must agree too.

    The vacuity witness is "the code does not revert" (∧ ``witness``): an equivalence that holds only
    because every input reverts is rejected as VACUOUS.
    """
    units = units or {}
    output = model_fn(*extracted_fn.args)
    model_reverts = None
    if isinstance(output, ModelOutput):
        values, model_reverts = output.values, output.reverts
    elif isinstance(output, tuple | list):
        values = tuple(output)
    else:
        values = (output,)
    # plain Python numbers/bools from a model become Z3 constants
    values = tuple(
        (z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v)) if isinstance(v, int) else v for v in values
    )
    if len(values) != len(extracted_fn.returns):
        raise ExtractionError(
            f"model of {extracted_fn.name} returns {len(values)} values, the code {len(extracted_fn.returns)}"
        )
    equal = [code == model for code, model in zip(extracted_fn.returns, values, strict=True)]
    goal = z3.Implies(z3.Not(extracted_fn.reverts), z3.And(*equal) if equal else z3.BoolVal(True))
    if model_reverts is not None:
        goal = z3.And(goal, extracted_fn.reverts == model_reverts)
    model_quantities = []
    for ret_name, value in zip(extracted_fn.return_names, values, strict=True):
        decimals, unit = units.get(ret_name, (0, ""))
        model_quantities.append(Quantity(f"model {ret_name}", value, decimals, unit))  # type: ignore[arg-type]
    reach = z3.Not(extracted_fn.reverts)
    return Obligation(
        name=name or f"{extracted_fn.name} (code) == model",
        assumptions=(*extracted_fn.input_ranges(), *_range_constraints(extracted_fn, ranges)),
        goal=goal,
        witness=z3.And(reach, witness) if witness is not None else reach,
        shown=_shown(extracted_fn, units, model_quantities),
        explanation=f"the code of {extracted_fn.name} and its model disagree on this input",
        code_derived=True,
        strategy=CODE_FIRST,
    )


def safety_obligations(
    extracted_fn: ExtractedFunction,
    ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]] = (),
    *,
    kinds: Sequence[str] = ("overflow", "underflow", "division-by-zero", "narrowing"),
    units: Units | None = None,
    label: str = "",
) -> list[Obligation]:
    """One obligation per check of ``kinds``: under the input ranges the check never fires.

    The witness is that the check's site is reached, so an unreachable site is VACUOUS, not PROVED.
    Narrowing conversions are included with kind ``"narrowing"``.
    """
    units = units or {}
    constraints = (*extracted_fn.input_ranges(), *_range_constraints(extracted_fn, ranges))
    return _no_check_fires(extracted_fn, kinds, label, constraints, _shown(extracted_fn, units))


def _no_check_fires(
    subject: Any,
    kinds: Sequence[str],
    label: str,
    assumptions: tuple[z3.BoolRef, ...],
    shown: tuple[Quantity, ...],
    executed: tuple[FunctionRef, ...] = (),
    lines: tuple[LineHits, ...] = (),
) -> list[Obligation]:
    """One obligation per check of ``kinds`` of ``subject`` (an extracted function or an execution: both
    carry ``name``, ``checks`` and ``truncations``), numbered over its checks then its truncations."""
    tag = f" ({label})" if label else ""
    return [
        Obligation(
            name=f"{subject.name}{tag}: no {check.kind} #{index} at {check.where}",
            assumptions=assumptions,
            goal=z3.Not(check.condition),
            witness=check.reached if check.witness is None else check.witness,
            shown=shown,
            explanation=f"{check.kind} at {check.where}",
            executed=executed,
            lines=lines,
            code_derived=True,
            strategy=CODE_FIRST,
        )
        for index, check in enumerate((*subject.checks, *subject.truncations))
        if check.kind in kinds
    ]


# --------------------------------------------------------------------------------------------------
# Obligations over executions of stateful entry points (vaultproof.prover.code.execute)
# --------------------------------------------------------------------------------------------------


def _coverage(executions: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    from vaultproof.results import FunctionRef, LineHits

    functions: set[tuple[str, str]] = set()
    lines: dict[str, set[int]] = {}
    for execution in executions:
        for name in execution.executed:
            contract, _, function = name.partition(".")
            functions.add((contract, function))
        for file, hit in execution.lines.items():
            lines.setdefault(file, set()).update(hit)
    refs = tuple(FunctionRef(c, f) for c, f in sorted(functions))
    hits = tuple(LineHits(f, tuple(sorted(v))) for f, v in sorted(lines.items()))
    return refs, hits


def code_obligation(
    name: str,
    executions: Any,
    goal: z3.BoolRef,
    *,
    assumptions: Sequence[z3.BoolRef] = (),
    witness: z3.BoolRef | None = None,
    shown: Sequence[Quantity] = (),
    explanation: str = "",
    bound: int | None = None,
) -> Obligation:
    """An obligation over one or more :class:`~vaultproof.prover.code.execute.Execution` s.

    Assumptions are every execution's facts (type ranges of arguments, environment and storage reads,
    deployment) plus ``assumptions``; ``goal`` is stated by the caller (usually ``Implies(ex.ok, …)``);
    the vacuity witness defaults to "every execution completes" (``ex.ok``), so a goal that holds
    because every path reverts is VACUOUS. ``executed`` / ``lines`` carry the coverage.
    """
    runs = list(executions) if isinstance(executions, list | tuple) else [executions]
    facts: list[z3.BoolRef] = []
    for run in runs:
        facts.extend(run.assumptions)
    reach = z3.And(*[run.ok for run in runs]) if runs else z3.BoolVal(True)
    refs, hits = _coverage(runs)
    return Obligation(
        name=name,
        assumptions=(*facts, *assumptions),
        goal=goal,
        witness=witness if witness is not None else reach,
        shown=tuple(shown),
        bound=bound,
        explanation=explanation,
        executed=refs,
        lines=hits,
        code_derived=bool(runs),  # over no execution it is a model obligation and gets the check
        strategy=CODE_FIRST if runs else Strategy.DEFAULT,
    )


def check_obligations(
    execution: Any,
    *,
    kinds: Sequence[str] = (
        "overflow",
        "underflow",
        "division-by-zero",
        "index-out-of-bounds",
        "loop-bound",
        "loop-invariant-base",
        "loop-invariant-step",
        "summary-requires",
    ),
    assumptions: Sequence[z3.BoolRef] = (),
    shown: Sequence[Quantity] = (),
    label: str = "",
) -> list[Obligation]:
    """One obligation per check of ``kinds`` of an execution: under its facts (and ``assumptions``) the
    check never fires. The witness is that the check's site is reached (unreachable → VACUOUS)."""
    refs, hits = _coverage([execution])
    return _no_check_fires(
        execution, kinds, label, (*execution.assumptions, *assumptions), tuple(shown), refs, hits
    )
