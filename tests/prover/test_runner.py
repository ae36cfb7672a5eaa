"""The runner's early stop for the mutation campaign: a mutant is killed by the first obligation that is
decided and worse than the unmutated verdict; one that only comes back UNKNOWN does not stop the run."""

from __future__ import annotations

import z3

from vaultproof.prover.obligation import Obligation
from vaultproof.prover.runner import Job, JobKind, _discharge_all
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import Verdict


def _obligation(name: str, goal: z3.BoolRef, *assumptions: z3.BoolRef) -> Obligation:
    return Obligation(name=name, assumptions=assumptions, goal=goal, witness=z3.BoolVal(True), shown=())


def _out_of_budget() -> Obligation:
    """x · y = 2^61 − 1 (a prime) with 1 < x, y: unsat, but not within 20,000 of Z3's work units."""
    x, y = z3.Ints("x y")
    return _obligation("prime", x * y != 2**61 - 1, x > 1, y > 1, x < 2**61, y < 2**61)


def _violated(name: str) -> Obligation:
    a = z3.Int(f"{name}.a")
    return _obligation(name, a < 10, a >= 0, a <= 20)


def test_an_unknown_obligation_does_not_stop_the_search_for_a_violated_one() -> None:
    """M-DEBT-adl-take-uncapped's shape: the first obligation worse than PROVED exhausts its rlimit, a later
    one is VIOLATED. Stopping at the UNKNOWN left the mutant UNDECIDED; the VIOLATED one kills it, and
    what comes after the kill is not asked."""
    settings = SolverSettings(rlimit=20_000, retries=0)
    obligations = [_out_of_budget(), _violated("second"), _violated("third")]
    results = _discharge_all(Job(JobKind.SHIPPED, "X-1"), obligations, settings, None, Verdict.PROVED)
    assert [(r.name, r.verdict) for r in results] == [
        ("prime", Verdict.UNKNOWN),
        ("second", Verdict.VIOLATED),
    ]
    # without a reference verdict, every obligation is asked
    full = _discharge_all(Job(JobKind.SHIPPED, "X-1"), obligations, settings, None)
    assert [r.verdict for r in full] == [Verdict.UNKNOWN, Verdict.VIOLATED, Verdict.VIOLATED]
