"""Solidity integer typing for the extractor: ranges, result types, literal folding."""

from __future__ import annotations

from vaultproof.prover.code.ir import ExtractionError, Lit, Operand


def int_spec(type_name: str) -> tuple[int, bool] | None:
    """``(bits, signed)`` for ``uintN``/``intN``, else None."""
    name = type_name
    if name in ("uint", "int"):
        name += "256"
    for prefix, signed in (("uint", False), ("int", True)):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            bits = int(name[len(prefix) :])
            if 8 <= bits <= 256 and bits % 8 == 0:
                return bits, signed
    return None


def type_range(type_name: str) -> tuple[int, int]:
    """Inclusive ``(low, high)`` of an integer type."""
    spec = int_spec(type_name)
    if spec is None:
        raise ExtractionError(f"{type_name} is not an integer type")
    bits, signed = spec
    if signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def _supported_type(type_name: str) -> bool:
    return type_name == "bool" or int_spec(type_name) is not None


COMPARISONS = ("<", ">", "<=", ">=", "==", "!=", "&&", "||")


def binary_result_type(op: str, left: Operand, right: Operand) -> str:
    """Solidity's type of ``left op right``: bool for comparisons; for ``**`` and shifts the base's
    type (``uint256``/``int256`` for a literal base, since 0.7); a literal adopts the other operand's
    type; two typed operands give their common (wider) type. Raises ValueError where solc would not
    compile (mixed signedness)."""
    if op in COMPARISONS:
        return "bool"
    if op in ("**", "<<", ">>"):
        if isinstance(left, Lit) and not left.typed:
            return "int256" if int(left.value) < 0 else "uint256"
        return left.type
    left_literal = isinstance(left, Lit) and not left.typed
    right_literal = isinstance(right, Lit) and not right.typed
    if left_literal and not right_literal:
        return right.type
    if right_literal and not left_literal:
        return left.type
    ls, rs = int_spec(left.type), int_spec(right.type)
    if ls is None or rs is None:
        raise ValueError(f"arithmetic on {left.type} and {right.type}")
    if ls[1] != rs[1]:
        raise ValueError(f"mixed signedness {left.type} {op} {right.type}")
    return left.type if ls[0] >= rs[0] else right.type


def fold_literals(op: str, a: int, b: int) -> int:
    """Literal arithmetic as solc does it (exact); refuses what would not be an integer."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "**":
        if b < 0 or b > 4096:
            raise ValueError(f"literal exponent {b}")
        return int(a**b)
    if op in ("/", "%"):
        if b == 0:
            raise ValueError("literal division by zero")
        if op == "/" and a % b != 0:
            # solc keeps literal quotients as exact rationals; refuse rather than approximate
            raise ValueError(f"non-integer literal quotient {a}/{b}")
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b > 0) else -1)
        return quotient if op == "/" else a - b * quotient
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b
    raise ValueError(f"literal operator {op}")
