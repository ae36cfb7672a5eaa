"""A fixed-length memory array of structs (s23-book): ``new T[](CONSTANT)`` as ``OrderBook.placeMarketOrder``
allocates its fills, elements written by struct constructors through a running index (``a[n++] = T(…)``),
unwritten elements zero, and an index past the length an ``index-out-of-bounds`` revert.

Fixture: ``Store.records`` (tests/fixtures/code/contracts/Store.sol).
"""

from __future__ import annotations

import z3

from vaultproof.prover.code import CodeProject, check_obligations, code_obligation, execute
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

SETTINGS = SolverSettings()


def test_struct_elements_written_by_constructor_read_back(code: CodeProject) -> None:
    ex = execute(code, "Store.records")
    a, b, k = ex.arg("a"), ex.arg("b"), ex.arg("k")
    # recs[0] = (a, b), recs[1] = (b, a), recs[2] never written (zero), length 4
    exact = code_obligation(
        "records: sum = a + a + 0 + 4",
        ex,
        z3.Implies(ex.ok, ex.ret("sum") == a + a + 4),
        witness=z3.And(ex.ok, a > 0),
    )
    assert discharge(exact, SETTINGS).verdict is Verdict.PROVED
    picked = code_obligation(
        "records: recs[k].rate for k = 0, 1, 2..3",
        ex,
        z3.Implies(ex.ok, ex.ret("picked") == z3.If(k == 0, b, z3.If(k == 1, a, 0))),
        witness=z3.And(ex.ok, k == 3),
    )
    assert discharge(picked, SETTINGS).verdict is Verdict.PROVED
    # a wrong reading of the unwritten element is refuted (the test can fail)
    wrong = code_obligation(
        "records: recs[2].rate = a (false)",
        ex,
        z3.Implies(z3.And(ex.ok, k == 2), ex.ret("picked") == a),
        witness=z3.And(ex.ok, k == 2, a > 0),
    )
    assert discharge(wrong, SETTINGS).verdict is Verdict.VIOLATED


def test_index_past_the_constant_length_reverts(code: CodeProject) -> None:
    ex = execute(code, "Store.records")
    k = ex.arg("k")
    bounds = check_obligations(ex, kinds=("index-out-of-bounds",))
    assert bounds, "no bounds check on recs[k]"
    # k ≥ 4 is out of bounds: at least one bounds check is violated (k is free), and the call reverts there
    assert Verdict.VIOLATED in [discharge(ob, SETTINGS).verdict for ob in bounds]
    never_ok = code_obligation(
        "records: k ≥ 4 reverts", ex, z3.Implies(k >= 4, z3.Not(ex.ok)), witness=k >= 4
    )
    assert discharge(never_ok, SETTINGS).verdict is Verdict.PROVED
