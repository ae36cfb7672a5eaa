"""Helpers shared by the code obligations of this protocol (``models/*_code.py``).

A code obligation states a stage of a model as a pre/post contract of the function it describes, over
that function's executed SlithIR (``vaultproof.prover.code.execute``). Its counterexample must be
concrete: the entry point (in the obligation's name), its arguments, the storage that matters before and
after, the events — each named, in token units. ``Shown`` collects those quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from vaultproof.spec import ModelContext, Obligation, Quantity, RegistryError

USDC = (6, "USDC")
RAW = (0, "")
AMOUNT_BOUND = 2**128  # USDC amounts, balances and cumulative counters below 2^128 units (stated assumption


def code_of(ctx: ModelContext) -> Any:
    """The lowered project from the context (the runner never calls a code check without it)."""
    if ctx.code is None:
        raise RegistryError("code obligations need the lowered project (ModelContext.code)")
    return ctx.code


@dataclass
class Shown:
    """The named values of a code counterexample, in the order a reader wants them."""

    items: list[Quantity] = field(default_factory=list)

    def add(self, name: str, term: Any, unit: tuple[int, str] = RAW) -> Any:
        value = z3.If(term, z3.IntVal(1), z3.IntVal(0)) if z3.is_bool(term) else term
        self.items.append(Quantity(name, value, unit[0], unit[1]))
        return term

    def tuple(self) -> tuple[Quantity, ...]:
        return tuple(self.items)


def obligation_named(ob: Obligation, name: str) -> Obligation:
    from dataclasses import replace

    return replace(ob, name=name)


def bounded(*terms: Any, bound: int = AMOUNT_BOUND) -> list[z3.BoolRef]:
    """Each term below ``bound`` (the declared range of USDC amounts and counters)."""
    return [t < bound for t in terms]


def loop_line(code: Any, function: str, index: int = 0) -> int:
    """Source line of the ``index``-th loop head of ``function`` (``"Contract.fn"``), for ``loops=``
    declarations that do not hard-code a line number."""
    fn = code.entry(function)
    heads: list[int] = sorted(node.line for node in fn.nodes if node.kind == "loop")
    if len(heads) <= index:
        raise RegistryError(f"{function} has {len(heads)} loop(s), not {index + 1}")
    return heads[index]
