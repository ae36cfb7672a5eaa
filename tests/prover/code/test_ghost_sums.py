"""Ghost sums in loop invariants (issue15-debt): ``ArraySum`` names Σ f(a[j]) over an array prefix, its
lemmas are proved by induction, and ``Invariant(facts=...)`` hands their instances to base, havoc and step.

Fixture: ``Store.sumFirst`` (tests/fixtures/code/contracts/Store.sol): ``s += xs[i]`` over the first
``min(xs.length, MAX_ITEMS)`` elements — proved here for any length by an invariant, not by unrolling.
"""

from __future__ import annotations

import z3

from vaultproof.prover.code import (
    ArraySum,
    CodeProject,
    Execution,
    Invariant,
    LoopView,
    MemoryArray,
    check_obligations,
    code_obligation,
    execute,
    store_layers,
)
from vaultproof.prover.obligation import Obligation
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

SETTINGS = SolverSettings()
LOOP = "Store.sumFirst:166"
TOTAL = ArraySum("xs")


def _running(view: LoopView) -> z3.BoolRef:
    i, n, s = view.local("i"), view.local("n"), view.local("s")
    xs = view.memory("xs", "#")
    return z3.And(i >= 0, i <= n, s == TOTAL(xs, i))


def _unfold(view: LoopView) -> list[z3.BoolRef]:
    return [TOTAL.unfold(view.memory("xs", "#"), view.local("i"))]


def _sum_first(code: CodeProject, invariant: Invariant) -> tuple[Execution, Obligation]:
    xs = MemoryArray.fresh("xs")
    ex = execute(code, "Store.sumFirst", args={"xs": xs}, loops={LOOP: invariant})
    n = z3.If(xs.length < 4, xs.length, 4)  # MAX_ITEMS
    goal = code_obligation(
        "sumFirst returns Σ xs[0..n)", ex, z3.Implies(ex.ok, ex.ret("s") == TOTAL(xs.elements[""], n))
    )
    return ex, goal


def test_the_lemmas_are_proved_by_induction() -> None:
    count = ArraySum("nonzero", lambda x: z3.If(x != 0, 1, 0))
    for ghost in (TOTAL, count):
        lemmas = ghost.lemmas(constants=(0, 1))
        assert len(lemmas) == 8  # stored, bounded, constant 0, constant 1: base and step each
        assert all(discharge(ob, SETTINGS).verdict is Verdict.PROVED for ob in lemmas), [
            (ob.name, discharge(ob, SETTINGS).verdict) for ob in lemmas
        ]


def test_a_false_lemma_fails_its_induction() -> None:
    class Wrong(ArraySum):
        def stored(self, a: z3.ArrayRef, i: z3.ArithRef, v: z3.ArithRef, k: z3.ArithRef | int) -> z3.BoolRef:
            # forgets that a write at or beyond k does not change the prefix sum
            return z3.Implies(k >= 0, self(z3.Store(a, i, v), k) == self(a, k) + v - z3.Select(a, i))

    verdicts = [discharge(ob, SETTINGS).verdict for ob in Wrong("w").lemmas()[:2]]
    assert Verdict.VIOLATED in verdicts


def test_a_running_sum_loop_is_proved_with_the_definition_as_facts(code: CodeProject) -> None:
    ex, goal = _sum_first(code, Invariant(_running, facts=_unfold))
    loop_checks = [ob for ob in check_obligations(ex) if "loop-invariant" in ob.name]
    assert [discharge(ob, SETTINGS).verdict for ob in loop_checks] == [Verdict.PROVED, Verdict.PROVED]
    assert discharge(goal, SETTINGS).verdict is Verdict.PROVED


def test_without_the_facts_the_sum_is_an_unknown_function(code: CodeProject) -> None:
    ex, _ = _sum_first(code, Invariant(_running))
    steps = [ob for ob in check_obligations(ex) if "loop-invariant" in ob.name]
    # Σ is uninterpreted: without its definition neither the base (Σ of nothing = 0) nor the step holds
    assert [discharge(ob, SETTINGS).verdict for ob in steps] == [Verdict.VIOLATED, Verdict.VIOLATED]


def test_a_wrong_running_sum_fails_its_step(code: CodeProject) -> None:
    def off_by_one(view: LoopView) -> z3.BoolRef:
        i, s = view.local("i"), view.local("s")
        return s == TOTAL(view.memory("xs", "#"), i) + i

    ex, _ = _sum_first(code, Invariant(off_by_one, facts=_unfold))
    (step,) = [ob for ob in check_obligations(ex) if "loop-invariant-step" in ob.name]
    assert discharge(step, SETTINGS).verdict is Verdict.VIOLATED


def test_store_layers_finds_every_write() -> None:
    a = z3.Array("a", z3.IntSort(), z3.IntSort())
    i, j = z3.Ints("i j")
    term = z3.If(i > j, z3.Store(z3.Store(a, i, 0), j, 1), a)
    layers = store_layers(term)
    assert [(str(x), str(k), str(v)) for x, k, v in layers] == [("Store(a, i, 0)", "j", "1"), ("a", "i", "0")]


def test_a_lemma_reads_the_same_whatever_was_built_before_it() -> None:
    """The obligations' cache keys do not depend on how many fresh Z3 names the process made before (a
    test worker builds other properties first): the same lemmas, asked again after ``z3.FreshInt`` has
    moved on, print and key the same, so the session's cache answers the second asker."""
    from vaultproof.prover.runner import obligation_key

    before = [obligation_key(o, SETTINGS) for o in ArraySum("keyed").lemmas((0, 1))]
    z3.FreshInt("j"), z3.FreshInt("j")  # what another property's terms would have used up
    after = [obligation_key(o, SETTINGS) for o in ArraySum("keyed").lemmas((0, 1))]
    assert before == after
