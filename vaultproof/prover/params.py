"""Protocol parameters read from the compiled contracts.

Every integer ``constant`` of every project contract and library, and every ``immutable`` whose
declaration carries a literal initializer, is folded from its initializer expression (Slither's
expression tree, not the IR, so literal arithmetic keeps Solidity's arbitrary precision) and keyed
``"Contract.NAME"``: ``CollateralMath.BPS → 10000``, ``LockMath.LOCK_VERSION_STAGE7 → 1``.

Models read these through :meth:`ModelContext.param`, so a constant changed in Solidity changes the
proof instead of silently diverging from a re-typed copy. Folding understands literals (``10_000``,
``1e6``, ``0x10``, ``1 days``), ``+ - * / % **``, shifts, unary minus, ``type(uintN).max/min``,
integer type conversions that preserve the value, parentheses and references to other constants.
Constants whose initializer is not an integer expression (``keccak256(...)``, addresses, ``bytes32``)
are skipped and listed in :attr:`ParamsExtraction.skipped`; nothing is approximated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from vaultproof.compile import CompiledProject
from vaultproof.dependencies import DEFAULT_DIRS, is_dependency_path
from vaultproof.errors import VaultproofError


@dataclass(frozen=True)
class ParamsExtraction:
    """Folded values (sorted by key) and, for integer constants that could not be folded, why."""

    values: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


class _NotFoldable(Exception):
    """The initializer is not a compile-time integer expression this folder understands."""


def extract_params(project: CompiledProject) -> dict[str, int]:
    """Every foldable integer constant / literal immutable of the project's contracts.

    Keyed ``"Contract.NAME"`` (inherited constants also under the inheriting contract's name).

    Deterministic: the dict is built in sorted key order. Contracts under ``node_modules/`` are left out.
    Raises :class:`VaultproofError` if two contracts with the same name declare different values for
    the same constant (the key would be ambiguous).
    """
    return extract_params_report(project).values


def extract_params_report(project: CompiledProject) -> ParamsExtraction:
    """Like :func:`extract_params`, also reporting integer constants that were skipped and why."""
    return params_from_contracts(project.slither.contracts, project.config.dependency_dirs)


def params_from_contracts(
    contracts: Iterable[Any], dependency_dirs: tuple[str, ...] = DEFAULT_DIRS
) -> ParamsExtraction:
    """Fold the integer constants of Slither ``Contract`` objects (exposed for tests and other front ends)."""
    values: dict[str, int] = {}
    skipped: dict[str, str] = {}
    for contract in contracts:
        if _is_dependency(contract, dependency_dirs):
            continue
        for variable in contract.state_variables:
            if not _integer_type(variable.type):
                continue
            if not (variable.is_constant or variable.is_immutable):
                continue
            key = f"{contract.name}.{variable.name}"
            if variable.expression is None:
                # an immutable assigned in the constructor: its value is deployment data, not code
                if variable.is_constant:
                    skipped[key] = "constant without initializer"
                continue
            try:
                value = _fold_variable(variable, ())
            except _NotFoldable as exc:
                if variable.is_constant or _is_literal_tree(variable.expression):
                    skipped[key] = str(exc)
                continue
            if key in values and values[key] != value:
                raise VaultproofError(
                    f"parameter {key} has two values ({values[key]} and {value}): two contracts named "
                    f"{contract.name!r} declare it differently"
                )
            values[key] = value
    return ParamsExtraction(values=dict(sorted(values.items())), skipped=dict(sorted(skipped.items())))


def _is_dependency(contract: Any, dirs: tuple[str, ...] = DEFAULT_DIRS) -> bool:
    filename = getattr(contract.source_mapping, "filename", None)
    text = str(getattr(filename, "relative", "") or getattr(filename, "absolute", ""))
    return is_dependency_path(text, dirs)


def _integer_type(sol_type: Any) -> tuple[int, bool] | None:
    """``(bits, signed)`` for ``uintN``/``intN`` elementary types, else ``None``."""
    name = str(sol_type)
    if name in ("uint", "int"):
        name += "256"
    for prefix, signed in (("uint", False), ("int", True)):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            return int(name[len(prefix) :]), signed
    return None


def _in_range(value: int, sol_type: Any) -> bool:
    spec = _integer_type(sol_type)
    if spec is None:
        return False
    bits, signed = spec
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    return bool(low <= value <= high)


def _is_literal_tree(expression: Any) -> bool:
    from slither.core.expressions import Literal

    return isinstance(expression, Literal)


def _fold_variable(variable: Any, stack: tuple[str, ...]) -> int:
    name = f"{getattr(variable, 'contract', None) and variable.contract.name}.{variable.name}"
    if name in stack:
        raise _NotFoldable(f"cyclic constant definition through {name}")
    value, _typed = _fold(variable.expression, (*stack, name))
    if value.denominator != 1:
        raise _NotFoldable(f"initializer is not an integer ({value})")
    result = int(value)
    if not _in_range(result, variable.type):
        raise _NotFoldable(f"value {result} does not fit {variable.type}")
    return result


def _fold(expression: Any, stack: tuple[str, ...]) -> tuple[Fraction, bool]:
    """Evaluate an initializer: ``(value, typed)``. ``typed`` is False for pure literal arithmetic,
    which Solidity evaluates exactly (rationals), True once a typed constant is involved (integers,
    division truncating toward zero)."""
    from slither.core.declarations import SolidityFunction
    from slither.core.expressions import (
        BinaryOperation,
        CallExpression,
        ElementaryTypeNameExpression,
        Identifier,
        Literal,
        MemberAccess,
        TupleExpression,
        TypeConversion,
        UnaryOperation,
    )
    from slither.core.expressions.binary_operation import BinaryOperationType
    from slither.core.expressions.unary_operation import UnaryOperationType
    from slither.core.variables.state_variable import StateVariable
    from slither.utils.integer_conversion import convert_string_to_fraction

    if isinstance(expression, Literal):
        if _integer_type(expression.type) is None:
            raise _NotFoldable(f"literal {expression} is not a number")
        if expression.subdenomination:
            return Fraction(int(expression.converted_value)), False
        return Fraction(convert_string_to_fraction(str(expression.value))), False
    if isinstance(expression, TupleExpression):
        if len(expression.expressions) != 1:
            raise _NotFoldable("tuple initializer")
        return _fold(expression.expressions[0], stack)
    if isinstance(expression, Identifier):
        target = expression.value
        if isinstance(target, StateVariable) and target.is_constant and target.expression is not None:
            if _integer_type(target.type) is None:
                raise _NotFoldable(f"{target.name} is not an integer constant")
            return Fraction(_fold_variable(target, stack)), True
        raise _NotFoldable(f"{expression} is not a compile-time constant")
    if isinstance(expression, UnaryOperation):
        value, typed = _fold(expression.expression, stack)
        if expression.type is UnaryOperationType.MINUS_PRE:
            return -value, typed
        if expression.type is UnaryOperationType.PLUS_PRE:
            return value, typed
        raise _NotFoldable(f"unary operator {expression.type.name} in {expression}")
    if isinstance(expression, TypeConversion):
        value, _typed = _fold(expression.expression, stack)
        if value.denominator != 1 or not _in_range(int(value), expression.type):
            raise _NotFoldable(f"conversion {expression} changes the value")
        return value, True
    if isinstance(expression, MemberAccess) and expression.member_name in ("max", "min"):
        inner = expression.expression
        if isinstance(inner, CallExpression) and isinstance(inner.called, Identifier):
            called = inner.called.value
            if isinstance(called, SolidityFunction) and called.name.startswith("type(") and inner.arguments:
                argument = inner.arguments[0]
                type_name = (
                    str(argument.type)
                    if isinstance(argument, ElementaryTypeNameExpression)
                    else str(argument)
                )
                spec = _integer_type(type_name)
                if spec is not None:
                    bits, signed = spec
                    if expression.member_name == "max":
                        return Fraction(2 ** (bits - 1) - 1 if signed else 2**bits - 1), True
                    return Fraction(-(2 ** (bits - 1)) if signed else 0), True
        raise _NotFoldable(f"{expression} is not type(intN).max/min")
    if isinstance(expression, BinaryOperation):
        left, left_typed = _fold(expression.expression_left, stack)
        right, right_typed = _fold(expression.expression_right, stack)
        typed = left_typed or right_typed
        op = expression.type
        if op is BinaryOperationType.ADDITION:
            return left + right, typed
        if op is BinaryOperationType.SUBTRACTION:
            return left - right, typed
        if op is BinaryOperationType.MULTIPLICATION:
            return left * right, typed
        if op in (BinaryOperationType.DIVISION, BinaryOperationType.MODULO):
            if right == 0:
                raise _NotFoldable(f"division by zero in {expression}")
            if not typed:
                if op is BinaryOperationType.DIVISION:
                    return left / right, False
                if left.denominator != 1 or right.denominator != 1:
                    raise _NotFoldable(f"modulo of a fraction in {expression}")
            quotient = _trunc_div(int(left), int(right))
            if op is BinaryOperationType.DIVISION:
                return Fraction(quotient), typed
            return Fraction(int(left) - int(right) * quotient), typed
        if op is BinaryOperationType.POWER:
            if right.denominator != 1 or right < 0 or right > 4096:
                raise _NotFoldable(f"exponent {right} in {expression}")
            return left ** int(right), typed
        if op in (BinaryOperationType.LEFT_SHIFT, BinaryOperationType.RIGHT_SHIFT):
            if left.denominator != 1 or right.denominator != 1 or right < 0:
                raise _NotFoldable(f"shift in {expression}")
            if op is BinaryOperationType.LEFT_SHIFT:
                return Fraction(int(left) << int(right)), typed
            return Fraction(int(left) >> int(right)), typed
        raise _NotFoldable(f"operator {op.name} in {expression}")
    raise _NotFoldable(f"{type(expression).__name__} {expression} is not foldable")


def _trunc_div(a: int, b: int) -> int:
    """Solidity division: rounds toward zero (Python's ``//`` floors)."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b > 0) else -quotient


def fold_constant(variable: Any) -> int | None:
    """The folded value of one integer ``constant`` state variable, or ``None`` if it is not foldable."""
    if _integer_type(variable.type) is None or variable.expression is None:
        return None
    try:
        return _fold_variable(variable, ())
    except _NotFoldable:
        return None
