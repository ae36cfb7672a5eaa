"""`T[] memory` arguments given as terms (MemoryArray) and internal calls replaced by a declared summary
(tests/fixtures/code/contracts/Tables.sol): issue15-qre's executor constructs, for MarginTable's tier tables
and OpenZeppelin's Math.mulDiv / SafeERC20 (inline assembly)."""

from __future__ import annotations

import pytest
import z3

from tests.assertions import verdict
from vaultproof.prover.code import (
    CodeProject,
    ExtractionError,
    MemoryArray,
    SummaryResult,
    Unroll,
    check_obligations,
    execute,
)
from vaultproof.prover.code.execute import CallView
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

SETTINGS = SolverSettings()
PICK = {"Tables.pick:20": Unroll(4)}


def _rows() -> MemoryArray:
    return MemoryArray.fresh("rows", ("bound", "rate", "on"), bools=("on",))


def test_a_memory_array_of_structs_given_as_terms(code: CodeProject) -> None:
    rows = _rows()
    ex = execute(code, "Tables.rateAt", args={"rows": rows}, loops=PICK)
    x = ex.arg("x")
    picked = z3.And(ex.ok, rows.length == 2, rows.at(1, "bound") <= x, rows.at(1, "on"))
    assert verdict(ex, z3.Implies(picked, ex.ret(0) == rows.at(1, "rate"))) is Verdict.PROVED
    # a wrong claim about the same table is refuted: below row 1's bound, row 0 is used
    below = z3.And(ex.ok, rows.length == 2, rows.at(1, "bound") > x, rows.at(0, "rate") != rows.at(1, "rate"))
    assert verdict(ex, z3.Implies(below, ex.ret(0) == rows.at(1, "rate"))) is Verdict.VIOLATED
    # the code's bound is a revert: more than MAX_ROWS rows never returns
    assert verdict(ex, z3.Implies(rows.length > 4, z3.Not(ex.ok))) is Verdict.PROVED
    assert verdict(ex, z3.Implies(rows.length == 0, z3.Not(ex.ok))) is Verdict.PROVED  # rows[0] out of bounds


def test_two_executions_read_the_same_table(code: CodeProject) -> None:
    rows = _rows()
    lib = execute(code, "Tables.rateAt", args={"rows": rows}, loops=PICK, label="lib")
    ext = execute(code, "TableUser.rateAt", args={"rows": rows, "x": lib.arg("x")}, loops=PICK, label="ext")
    assert "Tables.pick" in ext.executed
    same = z3.And(lib.ok == ext.ok, z3.Implies(lib.ok, lib.ret(0) == ext.ret(0)))
    assert verdict([lib, ext], same) is Verdict.PROVED


def test_the_unroll_of_a_table_loop_is_checked(code: CodeProject) -> None:
    rows = _rows()
    short = execute(code, "Tables.pick", args={"rows": rows}, loops={"Tables.pick:20": Unroll(2)})
    (bound,) = check_obligations(short, kinds=("loop-bound",))
    assert discharge(bound, SETTINGS).verdict is Verdict.VIOLATED  # 3 rows need 2 iterations + the exit


def test_a_memory_array_must_match_its_element_type(code: CodeProject) -> None:
    with pytest.raises(ExtractionError, match=r"MemoryArray fields \['bound', 'rate'\].*'on'"):
        execute(code, "Tables.rateAt", args={"rows": MemoryArray.fresh("r", ("bound", "rate"))}, loops=PICK)
    wrong_sort = MemoryArray.fresh("r", ("bound", "rate", "on"))  # `on` given as Int
    with pytest.raises(ExtractionError, match=r"element field 'on' must be Int → bool"):
        execute(code, "Tables.rateAt", args={"rows": wrong_sort}, loops=PICK)
    with pytest.raises(ExtractionError, match="not a dynamic memory array"):
        execute(code, "Tables.rateAt", args={"x": _rows()}, loops=PICK)


def _mul(view: CallView) -> SummaryResult:
    a, b = view.args
    return SummaryResult(returns=(a * b,), reverts=a * b > 2**256 - 1, requires=b > 0)


def test_an_internal_call_replaced_by_its_summary(code: CodeProject) -> None:
    with pytest.raises(ExtractionError, match=r"Tables\.asmMul .*inline assembly"):
        execute(code, "Tables.tripledPlusOne")
    ex = execute(code, "Tables.tripledPlusOne", internal_summaries={"Tables.asmMul": _mul})
    a = ex.arg("a")
    assert ex.executed == ("Tables.tripledPlusOne",)  # the summarised body is not claimed as executed
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == 3 * a + 1)) is Verdict.PROVED
    assert verdict(ex, z3.Implies(a < 2**200, ex.ok)) is Verdict.PROVED
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == 3 * a)) is Verdict.VIOLATED
    (requires,) = check_obligations(ex, kinds=("summary-requires",))
    assert discharge(requires, SETTINGS).verdict is Verdict.PROVED  # b = 3 > 0 at the call site
