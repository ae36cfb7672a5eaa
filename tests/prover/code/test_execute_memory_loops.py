"""Invariant-proved loops over memory arrays (issue15-debt): ``LoopView.memory`` / ``at_entry``, elements
the body writes first, references declared inside the body, first-iteration vacuity witnesses.

Fixture: ``Store.fillMemory`` (tests/fixtures/code/contracts/Store.sol) fills ``a[i] = i + 1`` through a
scratch array allocated in every iteration.
"""

from __future__ import annotations

import z3

from vaultproof.prover.code import (
    CodeProject,
    Invariant,
    LoopView,
    check_obligations,
    code_obligation,
    execute,
)
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

SETTINGS = SolverSettings()


def _loop(code: CodeProject) -> str:
    (line,) = [node.line for node in code.entry("Store.fillMemory").nodes if node.kind == "loop"]
    return f"Store.fillMemory:{line}"


def _filled(view: LoopView) -> z3.BoolRef:
    i, n, length = view.local("i"), view.local("n"), view.local("len")
    a, a0 = view.memory("a", "#"), view.at_entry().memory("a", "#")
    j = z3.Int("j")
    return z3.And(
        i >= 0,
        i <= length,
        n == i,
        view.memory("a", "length") == length,
        z3.ForAll([j], z3.Implies(z3.And(j >= 0, j < i), z3.Select(a, j) == j + 1)),
        # what the body has not reached yet is as the loop found it (zero)
        z3.ForAll([j], z3.Implies(j >= i, z3.Select(a, j) == z3.Select(a0, j))),
    )


def test_memory_invariant_is_checked_and_the_exit_sees_the_body_writes(code: CodeProject) -> None:
    ex = execute(code, "Store.fillMemory", loops={_loop(code): Invariant(_filled)})
    loop_checks = [ob for ob in check_obligations(ex) if "loop-invariant" in ob.name]
    assert len(loop_checks) == 2
    assert [discharge(ob, SETTINGS).verdict for ob in loop_checks] == [Verdict.PROVED, Verdict.PROVED]
    length, last = ex.arg("len"), ex.ret("last")
    done = z3.And(ex.ok, length > 0, length < 1000)
    # the element the body wrote first is havocked at the exit, not read back as the zero memory starts with
    # the vacuity witness is one concrete exit (len = 3): a model of the quantified invariant for *some*
    # length is a search Z3's MBQI finishes in 0.1 s or not within the budget depending on constants' names
    proved = code_obligation("t", ex, z3.Implies(done, last == length), witness=z3.And(done, length == 3))
    assert discharge(proved, SETTINGS).verdict is Verdict.PROVED
    # with an invariant that says nothing about a, its elements are unknown at the exit — not zero
    weak = execute(
        code, "Store.fillMemory", loops={_loop(code): Invariant(lambda v: v.local("i") <= v.local("len"))}
    )
    weak_done = z3.And(weak.ok, weak.arg("len") > 0, weak.arg("len") < 1000)
    zero = code_obligation("t", weak, z3.Implies(weak_done, weak.ret("last") == 0), witness=weak_done)
    assert discharge(zero, SETTINGS).verdict is Verdict.VIOLATED


def test_a_wrong_memory_invariant_fails_its_step(code: CodeProject) -> None:
    def wrong(view: LoopView) -> z3.BoolRef:
        a = view.memory("a", "#")
        return z3.Select(a, 0) == 0  # "the body never writes a[0]"

    ex = execute(code, "Store.fillMemory", loops={_loop(code): Invariant(wrong)})
    steps = [ob for ob in check_obligations(ex) if "loop-invariant-step" in ob.name]
    assert [discharge(ob, SETTINGS).verdict for ob in steps] == [Verdict.VIOLATED]


def test_body_checks_carry_a_first_iteration_witness(code: CodeProject) -> None:
    loops = {_loop(code): Invariant(_filled)}
    ex = execute(code, "Store.fillMemory", loops=loops)
    body = [c for c in ex.checks if c.kind == "overflow" and "n += 1" in c.where]
    assert body and all(c.witness is not None for c in body)
    # the witness is the site reached in the first iteration: i = 0 there
    solver = z3.Solver()
    solver.add(*ex.assumptions, body[0].witness)
    assert solver.check() == z3.sat
    general = execute(code, "Store.fillMemory", loops={_loop(code): Invariant(_filled, first_witness=False)})
    assert all(c.witness is None for c in general.checks if c.kind == "overflow" and "n += 1" in c.where)
