"""ST-13: Narrowing integer cast of an amount not dominated by a bound check."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    SolidityCall,
    TypeConversion,
    Unary,
)
from slither.slithir.variables import Constant
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import VaultproofDetector

AMOUNT_PATTERN = (
    r"(?i)(amount|amt|qty|quantity|size|notional|balance|value|locked|deficit|pnl|fee|margin|proceeds|"
    r"received|collateral|debt|shares|equity|price|profit|loss|total|sum|delta)"
)


class UncheckedNarrowingCast(VaultproofDetector):
    PROPERTY = "ST-13"
    ARGUMENT = "vp-unchecked-downcast"
    HELP = "Narrowing integer cast of an amount not dominated by a bound check"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI_TITLE = "Unchecked narrowing cast of an amount"
    WIKI_DESCRIPTION = (
        "`uint128(x)`, `uint96(x)`, `int256(x)` and friends silently truncate (or wrap the sign) in Solidity "
        "0.8. The cast must be dominated by a check comparing the value to `type(T).max` or a smaller "
        "constant (`require` or `if … revert`) or to a variable whose type already fits the target "
        "(`require(amount <= cap)` with `uint104 immutable cap`), or by a sign check for signed/unsigned "
        "conversions. Values that fit by construction (`x % 2**32`, `x & MASK`, `x >> 128`), constants and "
        "immutables, and hashes (`address(uint160(uint256(keccak256(…))))`) are not amounts at risk."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`alloc.amount = uint128(amount)` with `amount = 2**128 + 1` stores 1: the user locks one unit of "
        "margin for a position the engine believes is huge."
    )
    WIKI_RECOMMENDATION = "Check against `type(T).max` first or use OpenZeppelin's SafeCast."
    DEFAULTS: ClassVar[dict[str, Any]] = {"amount_pattern": AMOUNT_PATTERN, "functions": []}

    def _detect(self) -> list[Output]:
        configured: list[str] = self.settings["functions"]
        results = self.missing_functions(configured)
        for function in self.selected_functions(configured):
            results.extend(self._check(function))
        return results

    def _check(self, function: Function) -> list[Output]:
        pattern: str = self.settings["amount_pattern"]
        defs = _ir.Defs(function)
        out = []
        for node in _ir.ordered_nodes(function):
            for ir in node.irs:
                if not isinstance(ir, TypeConversion):
                    continue
                source = ir.variable
                if isinstance(source, Constant) or defs.is_constant(source):
                    continue
                target_bits = _ir.integer_bits(ir.type)
                source_bits = _ir.integer_bits(getattr(source, "type", None))
                if target_bits is None or source_bits is None or not _narrowing(source_bits, target_bits):
                    continue
                text = " ".join(defs.chain(v) for v in defs.sources(source))
                if pattern and not re.search(pattern, text):
                    continue
                if _hash_derived(defs, source) or _bounded_by_construction(defs, source, target_bits):
                    # a hash is not an amount (`address(uint160(uint256(keccak256(..fee..))))`), and
                    # `x % 2**32`, `x & MASK`, `x >> 128` fit their target whatever x is
                    continue
                if _ir.node_reverts(node) or self._bounded(node, ir, defs, source, source_bits, target_bits):
                    # a cast inside the revert itself only shapes error data
                    continue
                kind = ("int" if target_bits[0] else "uint") + str(target_bits[1])
                info: DETECTOR_INFO = [
                    function,
                    f" casts {defs.chain(source)} to {kind} without a dominating bound check: ",
                    node,
                    "\n",
                ]
                out.append(self.generate_result(info))
        return out

    def _bounded(
        self,
        cast_node: Node,
        cast: Any,
        defs: _ir.Defs,
        source: Any,
        source_bits: tuple[bool, int],
        target_bits: tuple[bool, int],
    ) -> bool:
        if _round_trip_checked(cast_node, cast, defs, source):
            return True
        target_signed, bits = target_bits
        top = 2 ** (bits - 1) - 1 if target_signed else 2**bits - 1
        key = defs.chain(source)
        negated_key = _negation_of(defs, source)
        need_upper = not (source_bits[0] and not target_signed and bits >= source_bits[1])
        need_lower = source_bits[0] and not target_signed
        have_upper = have_lower = False
        for value_key, op, constant in _facts(cast_node, cast, defs):
            if value_key == key:
                if op in ("<", "<=", "==") and constant <= (top + 1 if op == "<" else top):
                    have_upper = True
                if op in (">", ">=", "==") and constant >= (-1 if op == ">" else 0):
                    have_lower = True
            elif negated_key is not None and value_key == negated_key:
                # facts about x bound -x: x < 0 ⇒ -x > 0; x >= -top ⇒ -x <= top.
                if op in ("<", "<=", "==") and constant <= 0:
                    have_lower = True
                if op in (">", ">=", "==") and -constant <= (top + 1 if op == ">" else top):
                    have_upper = True
        return (have_upper or not need_upper) and (have_lower or not need_lower)


def _round_trip_checked(cast_node: Node, cast: Any, defs: _ir.Defs, source: Any) -> bool:
    """``d = int128(x); if (d != x) revert`` (OpenZeppelin's SafeCast idiom): the truncation is caught right
    after the cast, on the straight-line path that follows it."""
    names = {defs.chain(cast.lvalue)}
    names |= {
        defs.chain(ir.lvalue)
        for ir in cast_node.irs
        if isinstance(ir, Assignment) and ir.rvalue is cast.lvalue and ir.lvalue is not None
    }
    source_key = defs.chain(source)
    node: Node | None = cast_node
    for _ in range(4):
        if node is None:
            return False
        if _ir.is_guard(node):
            for cmp in _ir.comparisons(node):
                if cmp.type not in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                    continue
                pair = {defs.chain(cmp.variable_left), defs.chain(cmp.variable_right)}
                if source_key in pair and pair & names:
                    return True
        node = node.sons[0] if len(node.sons) == 1 else None
    return False


def _narrowing(source: tuple[bool, int], target: tuple[bool, int]) -> bool:
    (s_signed, s_bits), (t_signed, t_bits) = source, target
    if s_signed == t_signed:
        return t_bits < s_bits
    if not s_signed:  # uint → int: safe only if strictly wider
        return t_bits <= s_bits
    return True  # int → uint: negative values wrap


def _negation_of(defs: _ir.Defs, source: Any) -> str | None:
    definition = defs.definition(source)
    if (
        isinstance(definition, Binary)
        and definition.type == BinaryType.SUBTRACTION
        and defs.constant(definition.variable_left) == 0
    ):
        return defs.chain(definition.variable_right)
    if isinstance(definition, Unary) and str(definition.type) in ("-", "UnaryType.MINUS"):
        return defs.chain(definition.rvalue)
    return None


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_OPS = {
    BinaryType.LESS: "<",
    BinaryType.LESS_EQUAL: "<=",
    BinaryType.GREATER: ">",
    BinaryType.GREATER_EQUAL: ">=",
    BinaryType.EQUAL: "==",
    BinaryType.NOT_EQUAL: "!=",
}


def _facts(cast_node: Node, cast: Any, defs: _ir.Defs) -> list[tuple[str, str, int]]:
    """``(value, op, constant)`` facts that hold at ``cast_node`` thanks to dominating conditions."""
    facts: list[tuple[str, str, int]] = []
    for dominator in cast_node.dominators:
        if dominator is cast_node and not any(_ir.is_require(ir) for ir in dominator.irs):
            continue
        holds: bool | None = None
        if any(_ir.is_require(ir) for ir in dominator.irs):
            holds = True
        elif dominator.type == NodeType.IF:
            # inside a branch, that branch's condition holds; after an `if (…) revert`, its negation does
            reverting = _ir.reverting_if(dominator)
            if dominator.son_true is not None and dominator.son_true in cast_node.dominators:
                holds = True
            elif reverting == "true" or (
                dominator.son_false is not None and dominator.son_false in cast_node.dominators
            ):
                holds = False
            elif reverting == "false":
                holds = True
        if holds is None:
            continue
        for cmp in _ir.comparisons(dominator):
            op = written = _OPS[cmp.type]
            left, right = cmp.variable_left, cmp.variable_right
            constant = _constant(defs, right)
            value = left
            if constant is None:
                constant, value, op = _constant(defs, left), right, _FLIP[op]
            if constant is None:
                # `amount <= cap` with a `uint104 cap`: the bound is at most uint104's range
                for value, other, flipped in ((left, right, written), (right, left, _FLIP[written])):
                    effective = flipped if holds else _NEGATE[flipped]
                    bound = _type_bound(other, effective)
                    if bound is not None:
                        facts.append((defs.chain(value), effective, bound))
                continue
            facts.append((defs.chain(value), op if holds else _NEGATE[op], constant))
    facts.extend(_short_circuit_facts(cast_node, cast, defs))
    return facts


def _fold(kind: BinaryType, a: int, b: int) -> int | None:
    if kind == BinaryType.POWER:
        return a**b if 0 <= b <= 256 else None
    if kind == BinaryType.MULTIPLICATION:
        return a * b
    if kind == BinaryType.ADDITION:
        return a + b
    if kind == BinaryType.SUBTRACTION:
        return a - b
    if kind == BinaryType.LEFT_SHIFT:
        return a << b if 0 <= b <= 256 else None
    return None


def _constant(defs: _ir.Defs, variable: Any, depth: int = 0) -> int | None:
    """:meth:`_ir.Defs.constant`, also folding literal arithmetic temporaries (``2 ** 32``, ``1 << 64``)."""
    value = defs.constant(variable)
    if value is not None or depth > 6:
        return value
    definition = defs.definition(variable)
    if isinstance(definition, Binary):
        left = _constant(defs, definition.variable_left, depth + 1)
        right = _constant(defs, definition.variable_right, depth + 1)
        if left is not None and right is not None:
            return _fold(definition.type, left, right)
    return None


def _type_bound(other: Any, op: str) -> int | None:
    """The extreme of ``other``'s integer type on the side ``op`` bounds: ``v <= other`` ⇒ ``v <= max(T)``."""
    bits = _ir.integer_bits(getattr(other, "type", None))
    if bits is None:
        return None
    signed, width = bits
    if op in ("<", "<=", "=="):
        return (1 << (width - 1)) - 1 if signed else (1 << width) - 1
    if op in (">", ">="):
        return -(1 << (width - 1)) if signed else 0
    return None


_HASHES = ("keccak256(", "sha256(", "ripemd160(", "sha3(")


def _hash_derived(defs: _ir.Defs, source: Any) -> bool:
    """The value is (a conversion of) a hash: an identifier or an address, never an amount."""
    current = source
    for _ in range(8):
        definition = defs.definition(current)
        if isinstance(definition, SolidityCall):
            return str(definition.function.name).startswith(_HASHES)
        if isinstance(definition, TypeConversion):
            current = definition.variable
        elif isinstance(definition, Assignment):
            current = definition.rvalue
        else:
            return False
    return False


def _bounded_by_construction(defs: _ir.Defs, source: Any, target: tuple[bool, int]) -> bool:
    """``x % m``, ``x & mask`` with a constant ``m <= 2**bits`` / ``mask < 2**bits``, or ``x >> k`` leaving at
    most ``bits`` bits: the result fits the (unsigned) target for every ``x``."""
    target_signed, bits = target
    top = (1 << (bits - 1)) - 1 if target_signed else (1 << bits) - 1
    definition = defs.definition(source)
    if isinstance(definition, Assignment):
        definition = defs.definition(definition.rvalue) or definition
    if not isinstance(definition, Binary):
        return False
    source_bits = _ir.integer_bits(getattr(definition.variable_left, "type", None))
    if source_bits is None or source_bits[0]:  # signed % and >> keep the sign: not bounded this way
        return False
    right: int | None = _constant(defs, definition.variable_right)
    if right is None:
        return False
    if definition.type == BinaryType.MODULO:
        return 0 < right <= top + 1
    if definition.type == BinaryType.AND:
        return 0 <= right <= top
    if definition.type == BinaryType.RIGHT_SHIFT:
        return source_bits[1] - right <= (bits - 1 if target_signed else bits)
    return False


def _short_circuit_facts(node: Node, cast: Any, defs: _ir.Defs) -> list[tuple[str, str, int]]:
    """``x < 0 || uint256(x) < r``: the right operand only runs when the left one is false (``&&``: true)."""
    irs = list(node.irs)
    position = irs.index(cast)
    facts = []
    for ir in irs[:position]:
        if not (isinstance(ir, Binary) and ir.type in _OPS):
            continue
        consumer = next(
            (
                later
                for later in irs[position:]
                if isinstance(later, Binary)
                and later.type in (BinaryType.OROR, BinaryType.ANDAND)
                and later.variable_left is ir.lvalue
            ),
            None,
        )
        if consumer is None:
            continue
        op = _OPS[ir.type]
        constant, value = defs.constant(ir.variable_right), ir.variable_left
        if constant is None:
            constant, value, op = defs.constant(ir.variable_left), ir.variable_right, _FLIP[op]
        if constant is None:
            continue
        holds = consumer.type == BinaryType.ANDAND
        facts.append((defs.chain(value), op if holds else _NEGATE[op], constant))
    return facts
