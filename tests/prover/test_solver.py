"""TAUTOLOGY: a goal that holds by itself, without its assumptions, says nothing and is no proof."""

from __future__ import annotations

from pathlib import Path

import z3

from vaultproof.prover.code import CodeProject, code_obligation, execute
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext, Obligation, settled_at_build
from vaultproof.prover.registry import CodeTwin
from vaultproof.prover.runner import aggregate
from vaultproof.prover.solver import SolverSettings, discharge, query_text
from vaultproof.results import Verdict

SETTINGS = SolverSettings()


def _obligation(goal: z3.BoolRef, *assumptions: z3.BoolRef, code_derived: bool = False) -> Obligation:
    return Obligation(
        name="t",
        assumptions=assumptions,
        goal=goal,
        witness=z3.BoolVal(True),
        shown=(),
        code_derived=code_derived,
    )


def test_a_definition_substituted_into_its_own_check_is_a_tautology() -> None:
    """CONV-5's old step: ``i2 = i + 1`` in Python, then "prove" ``i2 == i + 1``."""
    i = z3.Int("i")
    i2 = i + 1
    result = discharge(_obligation(i2 == i + 1, i >= 0, i < 2**256), SETTINGS)
    assert result.verdict is Verdict.TAUTOLOGY and "without any assumption" in result.reason


def test_a_base_case_over_constants_is_a_tautology() -> None:
    zero = z3.IntVal(0)
    assert (
        discharge(_obligation(z3.And(zero >= zero, zero <= zero * 7)), SETTINGS).verdict is Verdict.TAUTOLOGY
    )


def test_a_goal_that_needs_its_assumptions_is_proved() -> None:
    x = z3.Int("x")
    result = discharge(_obligation(x + 1 > 0, x >= 0), SETTINGS)
    assert result.verdict is Verdict.PROVED
    assert discharge(_obligation(x >= 0, x >= 3), SETTINGS).verdict is Verdict.PROVED


def test_a_false_goal_is_still_violated() -> None:
    x = z3.Int("x")
    assert discharge(_obligation(x > 5, x >= 0), SETTINGS).verdict is Verdict.VIOLATED


def test_a_code_derived_obligation_is_exempt() -> None:
    """``equivalence_obligation``: the code side comes from the Solidity, so its agreement with the
    model on every input is the statement, not an empty one."""
    a, b = z3.Int("a"), z3.Int("b")
    code, model = a * b / 2, a * b / 2
    assert (
        discharge(_obligation(code == model, a >= 0, code_derived=True), SETTINGS).verdict is Verdict.PROVED
    )
    assert discharge(_obligation(code == model, a >= 0), SETTINGS).verdict is Verdict.TAUTOLOGY


def test_a_tautology_is_not_a_pass_for_its_property() -> None:
    x = z3.Int("x")
    results = [discharge(_obligation(x >= 0, x >= 3), SETTINGS), discharge(_obligation(x == x), SETTINGS)]
    verdict = aggregate("P-1", results, 0.0)
    assert verdict.verdict is Verdict.TAUTOLOGY and not verdict.verdict.passed
    assert "without any assumption" in verdict.reason


def test_settled_at_build_drops_a_true_constant_fact_and_keeps_a_false_one() -> None:
    ppm = 1_000_000
    ok = _obligation(z3.IntVal(ppm) > 0)
    bad = _obligation(z3.IntVal(0) > 0)
    assert settled_at_build(ok) == ()
    assert settled_at_build(bad) == (bad,)
    assert discharge(bad, SETTINGS).verdict is Verdict.VIOLATED


# --------------------------------------------------------------------------------------------------
# Code obligations: structurally true because of the code is a proof; true whatever the code is not.
# --------------------------------------------------------------------------------------------------

CODE_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "code"
# One line of Bank.move, edited: the counter no longer grows by exactly the amount moved.
OFF_BY_ONE = CodeTwin(
    "contracts/Bank.sol", "totalMoved += amount;", "totalMoved += amount + 1;", "counts one unit too many"
)


def _moved_counter_obligations(ctx: ModelContext) -> tuple[Obligation, Obligation]:
    """The same statement twice: over an execution of ``Bank.move`` and over a hand-written model."""
    assert isinstance(ctx.code, CodeProject)  # a context built by compiling the fixture
    ex = execute(ctx.code, "Bank.move")
    amount, before = ex.arg("amount"), ex.before("Bank", "totalMoved")
    on_code = code_obligation(
        "totalMoved grows by amount", ex, z3.Implies(ex.ok, ex.post("Bank", "totalMoved") == before + amount)
    )
    after = before + amount  # the model's definition, substituted into its own statement
    model = Obligation(
        "model: totalMoved grows by amount",
        (amount >= 0, before >= 0),
        after == before + amount,
        amount > 0,
        (),
    )
    return on_code, model


def test_a_code_obligation_made_true_by_the_code_is_proved_and_breaks_with_the_code() -> None:
    """``Bank.move`` writes ``totalMoved += amount``: its post-state term *is* ``pre + amount``, so the
    goal simplifies to true without an assumption. That is the code meeting its contract on every path,
    not a statement that says nothing: the one-line edit of the twin makes the same goal VIOLATED. The
    model obligation of the same shape is a TAUTOLOGY: it holds whatever the contracts say."""
    shipped = cached_context(CODE_FIXTURE, {})
    on_code, model = _moved_counter_obligations(shipped)
    assert z3.is_true(z3.simplify(on_code.goal))  # the case the exemption is for
    assert on_code.code_derived and not model.code_derived
    assert discharge(on_code, SETTINGS).verdict is Verdict.PROVED
    assert discharge(model, SETTINGS).verdict is Verdict.TAUTOLOGY

    twin_on_code, _ = _moved_counter_obligations(cached_context(CODE_FIXTURE, {}, OFF_BY_ONE))
    broken = discharge(twin_on_code, SETTINGS)
    assert broken.verdict is Verdict.VIOLATED and broken.counterexample is not None


def test_a_code_obligation_over_no_execution_gets_the_tautology_check() -> None:
    x = z3.Int("x")
    assert not code_obligation("nothing executed", [], x == x).code_derived
    assert discharge(code_obligation("nothing executed", [], x == x), SETTINGS).verdict is Verdict.TAUTOLOGY


def test_a_code_obligation_starts_preprocessed_a_model_one_with_the_default_unless_its_builder_says() -> None:
    """The engine's builders give a code-derived obligation CODE_FIRST (PREPROCESSED: over the shipped
    catalogue's code obligations less than half of the default strategy's time, never another answer); a
    hand-written one keeps DEFAULT, and ``default_first`` sets a builder's obligations back to DEFAULT."""
    from vaultproof.prover.code.obligations import CODE_FIRST
    from vaultproof.prover.obligation import Strategy
    from vaultproof.spec import check_obligations, default_first

    ctx = cached_context(CODE_FIXTURE, {})
    assert isinstance(ctx.code, CodeProject)
    ex = execute(ctx.code, "Bank.move")

    def build() -> list[Obligation]:
        return [*_moved_counter_obligations(ctx), *check_obligations(ex)]

    built = build()
    assert CODE_FIRST is Strategy.PREPROCESSED and len(built) > 2
    assert [(o.code_derived, o.strategy) for o in built] == [
        (True, Strategy.PREPROCESSED),
        (False, Strategy.DEFAULT),
        *((True, Strategy.PREPROCESSED) for _ in built[2:]),
    ]
    assert code_obligation("no execution", [], z3.BoolVal(True)).strategy is Strategy.DEFAULT
    assert {o.strategy for o in default_first(build)()} == {Strategy.DEFAULT}
    assert discharge(built[0], SETTINGS).verdict is Verdict.PROVED


def test_a_counterexample_over_unicode_names_reads_the_querys_own_constants() -> None:
    """A query reaches Z3 as ASCII SMT-LIB text (Z3's parser takes no other): ``Σclaims``, ``a~b`` and
    the ``~3a3~claims`` an escape could be confused with stay three constants, and the counterexample
    reads each one's value, not a default of 0."""
    from vaultproof.prover.obligation import Quantity

    sigma, tilde, lookalike = z3.Int("Σclaims"), z3.Int("a~b"), z3.Int("~3a3~claims")
    goal = z3.Not(z3.And(sigma == 7, tilde == 11, lookalike == 13))
    obligation = Obligation(
        name="t",
        assumptions=(sigma > 0,),
        goal=goal,
        witness=z3.BoolVal(True),
        shown=tuple(Quantity(str(t), t, 0, "") for t in (sigma, tilde, lookalike, sigma + tilde)),
    )
    result = discharge(obligation, SETTINGS)
    assert result.verdict is Verdict.VIOLATED and result.counterexample is not None
    assert [v.raw for v in result.counterexample.values] == [7, 11, 13, 18]


def _query_built_after(history: int) -> list[z3.BoolRef]:
    """The same query in a context of its own, after ``history`` unrelated terms (later AST ids) and with
    ``history`` further references to its shared subterm (higher reference counts)."""
    context = z3.Context()
    keep = [z3.Int(f"other{k}", context) + k for k in range(history)]
    x, y = z3.Int("x", context), z3.Int("y", context)
    shared = x * y + 1
    keep += [shared * k for k in range(history)]
    return [shared > 3, shared < 9, z3.Or(x == shared, y == 2)]


def test_a_querys_text_is_the_same_whatever_else_its_context_holds() -> None:
    """Z3's printer names a let-bound subterm after its AST id and shares a subterm by its reference count,
    both of which follow what else the context holds (the 18-decimal sale-floor query printed 3,643 lets
    alone and 3,649 after another property's obligations were built): the text is printed from a copy in a
    context of its own."""
    alone = query_text(_query_built_after(0))
    assert query_text(_query_built_after(200)) == alone
    assert "(declare-fun x () Int)" in alone


def test_a_querys_text_makes_every_token_plain_as_a_substitution_of_each_token_would() -> None:
    """``query_text`` only looks at the tokens that can change (a line of plain characters is taken as it
    is): its text is the one substituting every token of the grammar gives, over quoted names, ``#``,
    Unicode, ``~``, a bar, a backslash, keywords, and Z3 parses it back."""
    from vaultproof.prover import solver as solver_module

    names = ("plain", "ret#2", "Σclaims", "user (argument)", "a~b", "x|y", "back\\slash", "lemma.x'", "a!3")
    xs = [z3.Int(n) for n in names]
    bv = z3.BitVec("word#", 8)
    terms = [z3.Sum(*xs) > 3, z3.Distinct(*xs), z3.Or(xs[0] == xs[1] * xs[2], bv == 0x2A), z3.ULT(bv, 200)]
    text = query_text(terms)

    every_token = "\n".join(
        solver_module._TOKEN.sub(solver_module._plain_token, line) for line in solver_module._printed(terms)
    )
    assert text == every_token
    assert "|~3a3~claims|" in text and "|ret~23~2|" in text and "lemma.x~27~" in text  # made plain
    assert ":status" in text and "a!3 " in text  # a keyword and a plain name kept
    parsed = z3.Solver(ctx=z3.Context())
    parsed.from_string(text)
    assert parsed.check() == z3.sat
