"""Solidity's binary ``&& || == != < > <= >=`` and ``+ - * / %`` over unbounded Z3 integers, one definition
for both executors (the pure-function one in ``pure.py`` and the stateful one in ``execute.py``), so that
they cannot disagree on what a checked operation reverts on; and unsigned ``& | ^``, which only the stateful
executor takes (no library helper uses them).

A checked operation yields the exact result and reports each way it reverts through ``check(kind, bad)``
(in this order: division by zero, then overflow / underflow); an unchecked one yields ``wrap(exact)``.
Signed division truncates toward zero, as the EVM's ``sdiv`` does; ``%`` takes the dividend's sign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

ARITHMETIC = ("+", "-", "*", "/", "%")
BOOLEAN = ("&&", "||", "==", "!=", "<", ">", "<=", ">=")
BITWISE = ("&", "|", "^")


def boolean(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for ``op`` in :data:`BOOLEAN`: a connective or a comparison (exact, never reverts)."""
    if op in ("&&", "||"):
        return z3.And(a, b) if op == "&&" else z3.Or(a, b)
    if op in ("==", "!="):
        return a == b if op == "==" else a != b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def arithmetic(
    op: str,
    a: Any,
    b: Any,
    *,
    checked: bool,
    signed: bool,
    low: int,
    high: int,
    check: Callable[[str, Any], None],
    wrap: Callable[[Any], Any],
) -> Any:
    """``a op b`` for ``op`` in :data:`ARITHMETIC` of an integer type ``[low, high]``."""
    if op in ("+", "-", "*"):
        raw = a + b if op == "+" else a - b if op == "-" else a * b
        if not checked:
            return wrap(raw)
        if not signed and op == "-":
            check("underflow", raw < 0)
        elif not signed:
            check("overflow", raw > high)
        else:
            check("overflow", z3.Or(raw > high, raw < low))
        return raw
    check("division-by-zero", b == 0)
    if not signed:
        return a / b if op == "/" else a % b
    quotient = z3.If(a >= 0, a / b, -((-a) / b))
    if op == "/":
        if checked:
            check("overflow", z3.And(a == low, b == -1))
        return quotient
    return a - b * quotient


def bitwise(op: str, a: Any, b: Any, bits: int) -> Any:
    """``a op b`` for ``op`` in :data:`BITWISE` of two unsigned ``bits``-bit integers (never reverts).

    Exact: both operands go to bit-vectors and back. Z3 then reasons about the bits, which is costly, but a
    mask with a constant ``2**k - 1`` is only ``a % 2**k``; the operands are in range, so ``Int2BV``'s
    reduction changes nothing."""
    for value, mask in ((a, b), (b, a)):
        if z3.is_int_value(mask) and (m := mask.as_long()) >= 0 and m & (m + 1) == 0 and op == "&":
            return value % (m + 1)
    left, right = z3.Int2BV(a, bits), z3.Int2BV(b, bits)
    return z3.BV2Int(left & right if op == "&" else left | right if op == "|" else left ^ right)


def wrapped(raw: Any, bits: int, signed: bool) -> Any:
    """``raw`` reduced to ``bits`` bits, read as two's complement when ``signed``."""
    modulus = 2**bits
    reduced = raw % modulus
    if signed:
        return z3.If(reduced >= modulus // 2, reduced - modulus, reduced)
    return reduced
