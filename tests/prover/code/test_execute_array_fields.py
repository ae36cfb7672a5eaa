"""Memory structs with a dynamic array field (tests/fixtures/code/contracts/Store.sol): constructed with
`new T[](0)`, re-pointed at another array, passed as a fresh entry parameter, read after the call; a write
that would have to show through an alias is an ERROR, never a silent copy."""

from __future__ import annotations

import pytest
import z3

from tests.assertions import verdict
from vaultproof.prover.code import CodeProject, ExtractionError, execute
from vaultproof.results import Verdict


def test_struct_field_repointed_at_an_argument_array(code: CodeProject) -> None:
    ex = execute(code, "Store.build")
    t = ex.arg("t")
    length = ex.memory(t, "length", before=True)
    first = z3.If(
        z3.Or(length == 0, ex.memory(t, 0, "lowerBound", before=True) > ex.arg("n")),
        0,
        ex.memory(t, 0, "rate", before=True),
    )
    assert (
        verdict(ex, z3.Implies(ex.ok, z3.And(ex.ret("len") == length, ex.ret("r") == first)))
        is Verdict.PROVED
    )
    # the `new Tier[](0)` the field held first is gone: claiming its length 0 survived is wrong
    assert verdict(ex, z3.Implies(ex.ok, ex.ret("len") == 0)) is Verdict.VIOLATED


def test_fresh_memory_struct_parameter_with_an_array_field(code: CodeProject) -> None:
    ex = execute(code, "Store._priced")
    n = ex.arg("n")
    length = ex.memory("b", "tiers", "length", before=True)
    rate = ex.memory("b", "tiers", 0, "rate", before=True)
    goal = z3.And(ex.ret(0) == z3.If(length == 0, 0, rate * n), ex.memory("b", "size") == n)
    assert verdict(ex, z3.Implies(ex.ok, goal)) is Verdict.PROVED
    # the parameter is any struct: its size before the call is not n
    assert verdict(ex, z3.Implies(ex.ok, ex.memory("b", "size", before=True) == n)) is Verdict.VIOLATED


def test_write_through_an_aliased_array_is_an_error(code: CodeProject) -> None:
    with pytest.raises(ExtractionError, match=r"alias"):
        execute(code, "Store.aliased")


def test_memory_field_written_on_one_branch_is_zero_on_the_other(code: CodeProject) -> None:
    ex = execute(code, "Store.oneBranch")
    c, x = ex.arg("c"), ex.arg("x")
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == z3.If(c, x, 0))) is Verdict.PROVED
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == x)) is Verdict.VIOLATED
