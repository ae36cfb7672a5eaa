"""vaultproof.spec is the whole author API: one Scope, the arithmetic helpers, the code tie."""

from __future__ import annotations

import ast
from pathlib import Path

import z3

from vaultproof.spec import (
    ModelContext,
    Scope,
    ceil_div,
    code_tie,
    no_overflow,
    no_underflow,
    pow10,
    uint_max,
    zmax,
    zmin,
)

REPO = Path(__file__).resolve().parents[2]


def _value(term: z3.ExprRef) -> int:
    return int(z3.simplify(term).as_long())


def test_scope_ranges_units_and_shown_quantities() -> None:
    s = Scope()
    amount = s.uint("amount", 8, (6, "USDC"))
    delta = s.sint("delta", 8)
    flag = s.boolean("flag")
    hidden = s.uint("hidden", 8, show=False)
    shown = s.show("sum", amount + delta, (6, "USDC"))
    assert shown is not None and z3.eq(shown, amount + delta)
    assert [(q.name, q.decimals, q.unit) for q in s.shown] == [
        ("amount", 6, "USDC"),
        ("delta", 0, ""),
        ("flag", 0, "(1 = true)"),
        ("sum", 6, "USDC"),
    ]
    solver = z3.Solver()
    solver.add(*s.assumptions)
    for out_of_range in (amount == 256, amount == -1, delta == 128, delta == -129, hidden == 256):
        assert solver.check(out_of_range) == z3.unsat
    assert solver.check(amount == 255, delta == -128, flag) == z3.sat


def test_obligation_witness_defaults_to_true_and_accepts_bools() -> None:
    s = Scope()
    x = s.uint("x", 8)
    assert z3.is_true(s.obligation("a", x >= 0).witness)
    assert z3.is_false(s.obligation("b", x >= 0, False).witness)
    assert z3.eq(s.obligation("c", x >= 0, x > 1).witness, x > 1)
    assert no_overflow(s, "x", x).name == "no-overflow x"
    assert no_underflow(s, "x", x - 1).name == "no-underflow x"


def test_arithmetic_helpers() -> None:
    assert _value(zmin(z3.IntVal(3), 5)) == 3 and _value(zmax(z3.IntVal(3), 5)) == 5
    assert _value(ceil_div(z3.IntVal(7), 2)) == 4 and _value(ceil_div(z3.IntVal(8), 2)) == 4
    assert _value(z3.substitute(pow10(z3.Int("e"), 6), (z3.Int("e"), z3.IntVal(4)))) == 10**4
    assert uint_max(8) == 255


def test_code_tie_needs_extracted_functions() -> None:
    s = Scope()
    x = s.uint("x", 8)
    assert code_tie(ModelContext(), "Lib.f", [x], lambda a: a, {}, {}) == []


def test_models_and_properties_import_only_the_author_api_from_the_engine() -> None:
    offenders = []
    for path in sorted([*(REPO / "models").glob("*.py"), *(REPO / "properties").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("vaultproof") and module != "vaultproof.spec":
                offenders.append(f"{path.relative_to(REPO)}: {module}")
    assert offenders == []
