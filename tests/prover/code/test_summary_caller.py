"""A summary's ``requires`` may speak of the caller's locals at the call (``CallView.local`` / ``.memory``):
the precondition a walk must meet when it calls out (LIQ's maker settlement: the fill it asks for is the
minimum of values the caller computed, not only of the call's own arguments)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import z3

from vaultproof.prover.code import (
    CallView,
    CodeProject,
    ExtractionError,
    SummaryResult,
    check_obligations,
    execute,
)
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

BANK = {"Store.bank": "Bank"}


def _pay(code: CodeProject, requires: Callable[[CallView], z3.BoolRef]) -> Verdict:
    def balance(view: CallView) -> SummaryResult:
        return SummaryResult(returns=(z3.Int("balance"),))

    def move(view: CallView) -> SummaryResult:
        return SummaryResult(reverts=z3.BoolVal(False), requires=requires(view))

    ex = execute(code, "Store.pay", summaries={"Bank.balanceOf": balance, "Bank.move": move}, deployment=BANK)
    (ob,) = [ob for ob in check_obligations(ex) if "summary-requires" in ob.name]
    return discharge(ob, SolverSettings()).verdict


def test_requires_reads_the_callers_local(code: CodeProject) -> None:
    # Store.pay(to, amount) calls bank.move(this, to, amount): the call's third argument is the caller's local
    assert _pay(code, lambda view: view.args[2] == view.local("amount")) is Verdict.PROVED
    assert _pay(code, lambda view: view.args[2] == view.local("amount") + 1) is Verdict.VIOLATED


def test_requires_naming_no_local_of_the_caller_is_an_error(code: CodeProject) -> None:
    with pytest.raises(ExtractionError, match="no local nosuch"):
        _pay(code, lambda view: view.local("nosuch") == 0)
