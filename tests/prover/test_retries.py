"""An rlimit-exhausted query is asked again (``[prove] retries``: the explicit preprocessing pipeline under
successive seeds), and an UNKNOWN says every attempt and the query's fingerprint, so a CI log shows whether
the query or Z3 differed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
import z3

from vaultproof.prover.obligation import Obligation, Strategy
from vaultproof.prover.solver import Attempt, SolverSettings, discharge, query_fingerprint
from vaultproof.results import Verdict


def _hard(rlimit: int, retries: int) -> tuple[Obligation, SolverSettings]:
    """x · y = 2^61 − 1 (a prime) with 1 < x, y: unsat, but not within a handful of Z3's work units."""
    x, y = z3.Ints("x y")
    obligation = Obligation(
        name="prime",
        assumptions=(x > 1, y > 1, x < 2**61, y < 2**61),
        goal=x * y != 2**61 - 1,
        witness=z3.BoolVal(True),
        shown=(),
    )
    return obligation, SolverSettings(rlimit=rlimit, retries=retries)


def test_attempts_are_the_budget_then_a_tenth_preprocessed_under_successive_seeds() -> None:
    assert SolverSettings(rlimit=1_000, seed=3, retries=2).attempts() == (
        Attempt(Strategy.DEFAULT, 3, 1_000),
        Attempt(Strategy.PREPROCESSED, 3, 100),
        Attempt(Strategy.PREPROCESSED, 4, 100),
    )
    assert SolverSettings(rlimit=1_000, retries=0).attempts() == (Attempt(Strategy.DEFAULT, 0, 1_000),)
    # an obligation that names the preprocessing pipeline is asked under it first; the default is the retry
    assert SolverSettings(rlimit=1_000, seed=3, retries=1).attempts(Strategy.PREPROCESSED) == (
        Attempt(Strategy.PREPROCESSED, 3, 1_000),
        Attempt(Strategy.DEFAULT, 3, 100),
    )


def test_an_exhausted_query_names_every_attempt_and_its_fingerprint() -> None:
    obligation, settings = _hard(rlimit=20_000, retries=2)
    result = discharge(obligation, settings)
    assert result.verdict is Verdict.UNKNOWN
    assert result.reason.startswith("resource limit exhausted: rlimit 20,000 "), result.reason
    retries = (
        "preprocessed seed 0 (rlimit 2,000) exhausted; preprocessed seed 1 (rlimit 2,000) exhausted; query "
    )
    assert retries in result.reason, result.reason
    fingerprint = re.search(r"query ([0-9a-f]{12})$", result.reason)
    assert fingerprint is not None, result.reason
    # the fingerprint is the negation query's: the same text in any context, any process
    again = z3.Context()
    terms = [t.translate(again) for t in (*obligation.assumptions, z3.Not(obligation.goal))]
    assert fingerprint.group(1) == query_fingerprint(terms)


def test_without_retries_an_exhausted_query_is_asked_once() -> None:
    obligation, settings = _hard(rlimit=20_000, retries=0)
    result = discharge(obligation, settings)
    assert result.verdict is Verdict.UNKNOWN and "preprocessed" not in result.reason, result.reason


class _StarvedFirst(SolverSettings):
    """The engine's sequence with a first attempt too small for anything (so the retry is what decides)."""

    def attempts(self, first: Strategy = Strategy.DEFAULT) -> tuple[Attempt, ...]:
        return (Attempt(Strategy.DEFAULT, 0, 1), Attempt(Strategy.PREPROCESSED, 0, 10_000_000))


def test_a_retry_that_decides_says_so() -> None:
    x, y = z3.Ints("x y")
    obligation = Obligation(
        name="substituted",
        assumptions=(x == 7, y > 1, y < 2**61),
        goal=x * y != 2**61 - 1,
        witness=z3.BoolVal(True),
        shown=(),
    )
    assert discharge(obligation, _StarvedFirst(retries=0)).verdict is Verdict.PROVED
    result = discharge(obligation, _StarvedFirst(retries=0))
    assert result.reason.startswith(
        "vacuity check decided by preprocessed seed 0 (rlimit 10,000,000) after "
        "default seed 0 (rlimit 1) exhausted"
    ), result.reason
    assert "; decided by preprocessed seed 0" in result.reason, result.reason


def test_a_query_decided_at_once_carries_no_note() -> None:
    x = z3.Int("x")
    proved = Obligation("easy", (x >= 0,), x + 1 > 0, z3.BoolVal(True), ())
    result = discharge(proved, SolverSettings())
    assert result.verdict is Verdict.PROVED and result.reason == ""


def test_an_obligations_own_strategy_decides_first_and_names_the_default_when_that_retries() -> None:
    """``preprocessed_first`` makes PREPROCESSED the first attempt of every obligation its builder returns:
    decided there, no note; starved there, the default strategy is the retry (and is named). The strategy
    is part of the cache key: the two obligations' results are not each other's."""
    from vaultproof.prover.obligation import preprocessed_first
    from vaultproof.prover.runner import obligation_key

    x, y = z3.Ints("x y")

    def build() -> list[Obligation]:
        return [Obligation("product", (x == 7, y > 1, y < 2**61), x * y != 2**61 - 1, z3.BoolVal(True), ())]

    (plain,), (first,) = build(), preprocessed_first(build)()
    assert first.strategy is Strategy.PREPROCESSED and plain.strategy is Strategy.DEFAULT
    result = discharge(first, SolverSettings())
    assert result.verdict is Verdict.PROVED and result.reason == "", result.reason
    starved = discharge(first, SolverSettings(rlimit=1, retries=1))
    assert starved.verdict is Verdict.UNKNOWN  # a tenth of 1 is still 1: nothing decides
    assert "default seed 0 (rlimit 1)" in starved.reason, starved.reason
    assert obligation_key(first, SolverSettings()) != obligation_key(plain, SolverSettings())


@dataclass(frozen=True)
class _Recording(SolverSettings):
    """The engine's sequence, recording which strategy each check asked to start with."""

    firsts: list[Strategy] = field(default_factory=list)

    def attempts(self, first: Strategy = Strategy.DEFAULT) -> tuple[Attempt, ...]:
        self.firsts.append(first)
        return super().attempts(first)


def test_the_vacuity_check_starts_linearized_and_the_negation_with_the_obligations_strategy() -> None:
    """A sat query is far cheaper with the execution's equalities solved away and without nlsat
    (VACUITY_FIRST); the negation keeps its obligation's strategy: DEFAULT here, so the two checks start
    differently."""
    from vaultproof.prover.solver import VACUITY_FIRST

    x = z3.Int("x")
    settings = _Recording()
    result = discharge(Obligation("easy", (x >= 0,), x + 1 > 0, x == 3, ()), settings)
    assert result.verdict is Verdict.PROVED
    assert VACUITY_FIRST is Strategy.LINEARIZED
    assert settings.firsts == [Strategy.LINEARIZED, Strategy.DEFAULT]


def test_a_linearized_attempt_that_is_incomplete_moves_on_to_the_pipeline_with_nlsat() -> None:
    """LINEARIZED holds Z3's non-linear arithmetic to incremental linearization (no nlsat): on a query that
    needs nlsat it says "incomplete", which under a complete procedure would end the query; here the same
    pipeline with nlsat is asked next, with the same seed and budget, decides, and the note says so; when
    nothing decides, the reason describes the first attempt that ran out of budget."""
    from vaultproof.prover import solver as solver_module

    x, y, f = z3.Ints("x y f")
    scale = 10**6
    terms = [x >= 0, x <= y, f >= 0, f <= scale, z3.Not(x - x * f / scale <= y - y * f / scale)]
    assert not Strategy.LINEARIZED.final_when_incomplete
    assert Strategy.DEFAULT.final_when_incomplete and Strategy.PREPROCESSED.final_when_incomplete
    assert SolverSettings(rlimit=1_000, seed=3, retries=1).attempts(Strategy.LINEARIZED) == (
        Attempt(Strategy.LINEARIZED, 3, 1_000),
        Attempt(Strategy.PREPROCESSED, 3, 1_000),
        Attempt(Strategy.DEFAULT, 3, 100),
    )

    settings = SolverSettings(retries=0)
    text = solver_module.query_text(terms)
    alone = solver_module._own_solver(settings, text, Attempt(Strategy.LINEARIZED, 0, settings.rlimit))
    assert alone.check() == z3.unknown and "incomplete" in alone.reason_unknown()
    decision = solver_module._decide(settings, terms, Strategy.LINEARIZED)
    assert decision.answer == z3.unsat
    assert decision.note == (
        "decided by preprocessed seed 0 (rlimit 250,000,000) after linearized seed 0 (rlimit 250,000,000) "
        "incomplete"
    ), decision.note

    # starved after linearization gave up: the UNKNOWN's reason is the complete pipeline's exhausted
    # budget, not the linearized "incomplete", which the note lists with the retry
    starved = solver_module._decide(SolverSettings(rlimit=3_000, retries=1), terms, Strategy.LINEARIZED)
    assert starved.answer == z3.unknown and starved.solver.reason_unknown() == "canceled"
    assert re.fullmatch(
        r"linearized seed 0 \(rlimit 3,000\) incomplete; default seed 0 \(rlimit 300\) exhausted; "
        r"query [0-9a-f]{12}",
        starved.note,
    ), starved.note


class _SlowClock:
    """A clock on which every attempt outlasts any backstop (each reading is a day after the last)."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 86_400.0
        return self.now


def test_an_attempt_that_runs_into_the_backstop_moves_on_to_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search can stop counting rlimit (a preprocessed vacuity query on a shipped code twin: 60 s for
    4.6 M, see ``_decide``); the backstop then ends that attempt, not the query: the next attempt decides
    it, and the note says the first timed out. With no attempt left, the reason names the backstop."""
    from vaultproof.prover import solver as solver_module

    x, y = z3.Ints("x y")
    obligation = Obligation(
        "substituted", (x == 7, y > 1, y < 2**61), x * y != 2**61 - 1, z3.BoolVal(True), ()
    )
    monkeypatch.setattr(solver_module, "time", _SlowClock())
    result = discharge(obligation, _StarvedFirst(retries=0))
    assert result.verdict is Verdict.PROVED, result.reason
    assert result.reason.startswith(
        "vacuity check decided by preprocessed seed 0 (rlimit 10,000,000) after "
        "default seed 0 (rlimit 1) timed out"
    ), result.reason
    starved = discharge(obligation, SolverSettings(rlimit=1, retries=1))
    assert starved.verdict is Verdict.UNKNOWN
    assert starved.reason.startswith("vacuity check: timeout after"), starved.reason
    # the vacuity check starts preprocessed (VACUITY_FIRST); its retry is the default strategy
    assert "; default seed 0 (rlimit 1) timed out; query " in starved.reason, starved.reason
