"""SlithIR helpers shared by the detectors: loops, calls, storage writes, guards, constants.

Everything here is about the shape of the IR, never about this project's names, so the detectors stay
usable on any Solidity code base.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function, SolidityFunction, SolidityVariable, SolidityVariableComposed
from slither.core.solidity_types import ElementaryType
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    HighLevelCall,
    Index,
    InternalCall,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
    Operation,
    OperationWithLValue,
    Send,
    SolidityCall,
    Transfer,
    TypeConversion,
)
from slither.slithir.variables import Constant, ReferenceVariable

from vaultproof.graphs import walk

COMPARISONS = {
    BinaryType.LESS,
    BinaryType.LESS_EQUAL,
    BinaryType.GREATER,
    BinaryType.GREATER_EQUAL,
    BinaryType.EQUAL,
    BinaryType.NOT_EQUAL,
}
ARITHMETIC = {
    BinaryType.ADDITION,
    BinaryType.SUBTRACTION,
    BinaryType.MULTIPLICATION,
    BinaryType.DIVISION,
    BinaryType.MODULO,
    BinaryType.POWER,
}

# -- control flow ---------------------------------------------------------------------------------


def reachable_from(starts: Iterable[Node]) -> set[Node]:
    return set(walk(starts, lambda node: node.sons))


def after(node: Node) -> set[Node]:
    """Nodes that can execute after ``node`` in the same call (loop back edges included)."""
    return reachable_from(node.sons)


def loop_nodes(function: Function) -> set[Node]:
    """Nodes on a CFG cycle, i.e. inside a loop body or a loop condition."""
    return {node for node in function.nodes if node in after(node)}


def ordered_nodes(function: Function) -> list[Node]:
    return sorted(function.nodes, key=lambda n: n.node_id)


def is_revert_call(ir: Operation) -> bool:
    return isinstance(ir, SolidityCall) and ir.function.name.startswith("revert")


def is_require(ir: Operation) -> bool:
    return isinstance(ir, SolidityCall) and ir.function.name.startswith(("require", "assert"))


def node_reverts(node: Node) -> bool:
    return node.type == NodeType.THROW or any(is_revert_call(ir) for ir in node.irs)


def branch_reverts(start: Node | None, limit: int = 6) -> bool:
    """Does the straight-line code starting at ``start`` revert before it merges or branches?"""
    node = start
    for _ in range(limit):
        if node is None:
            return False
        if node_reverts(node):
            return True
        if node.type in (NodeType.ENDIF, NodeType.IF, NodeType.IFLOOP) or len(node.sons) != 1:
            return False
        node = node.sons[0]
    return False


def reverting_if(node: Node) -> str | None:
    """For an IF node: ``"true"``/``"false"`` for the branch that reverts straight away, else None."""
    if node.type != NodeType.IF:
        return None
    if branch_reverts(node.son_true):
        return "true"
    if branch_reverts(node.son_false):
        return "false"
    return None


def is_guard(node: Node) -> bool:
    """A ``require``/``assert`` or an ``if (…) revert`` node."""
    return any(is_require(ir) for ir in node.irs) or reverting_if(node) is not None


# -- calls ----------------------------------------------------------------------------------------


def is_external_call(ir: Operation) -> bool:
    if isinstance(ir, LibraryCall):
        return False
    return isinstance(ir, HighLevelCall | LowLevelCall | Transfer | Send)


def is_static_call(ir: Operation) -> bool:
    if isinstance(ir, HighLevelCall):
        return bool(ir.is_static_call())
    if isinstance(ir, LowLevelCall):
        return str(ir.function_name) == "staticcall"
    return False


def call_name(ir: Operation) -> str:
    if isinstance(ir, HighLevelCall | LowLevelCall):
        return str(ir.function_name)
    if isinstance(ir, Transfer):
        return "transfer"
    if isinstance(ir, Send):
        return "send"
    return ""


def callee_target_name(ir: HighLevelCall) -> str:
    """The contract/interface type the call goes to (``IERC20`` for ``token.transfer``)."""
    function = ir.function
    if isinstance(function, Function) and getattr(function, "contract_declarer", None) is not None:
        return str(function.contract_declarer.name)
    dest_type = getattr(ir.destination, "type", None)
    inner = getattr(dest_type, "type", None)
    return str(getattr(inner, "name", dest_type))


def internal_target(ir: Operation) -> Function | None:
    """The function an internal or library call names, implemented or not."""
    if isinstance(ir, InternalCall | LibraryCall) and isinstance(ir.function, Function):
        return ir.function
    return None


def internal_callees(ir: Operation) -> Function | None:
    """The body a call jumps into within the same transaction frame (internal and library code)."""
    target = internal_target(ir)
    return target if target is not None and target.is_implemented else None


def transitive(
    function: Function, predicate: Callable[[Function], bool], _seen: set[Function] | None = None
) -> bool:
    """Does ``function`` or any internal/library function it calls satisfy ``predicate``?"""
    seen = _seen if _seen is not None else set()
    if function in seen:
        return False
    seen.add(function)
    if predicate(function):
        return True
    for node in function.nodes:
        for ir in node.irs:
            callee = internal_callees(ir)
            if callee is not None and transitive(callee, predicate, seen):
                return True
    return False


def functions_reached(roots: Iterable[Function]) -> list[Function]:
    """The roots plus every internal/library function they call, in discovery order."""

    def callees(function: Function) -> list[Function]:
        # pushed so that they pop in source order, the modifiers first
        calls = [c for node in ordered_nodes(function) for ir in node.irs if (c := internal_callees(ir))]
        return [*reversed(calls), *(m for m in reversed(function.modifiers) if m.is_implemented)]

    return walk(list(roots)[::-1], callees)


def state_changing_call_irs(node: Node) -> list[Operation]:
    return [ir for ir in node.irs if is_external_call(ir) and not is_static_call(ir)]


def is_assembly_call(ir: Operation) -> bool:
    """A Yul ``call`` / ``callcode`` / ``delegatecall`` in inline assembly (SlithIR spells them as Solidity
    calls): how OpenZeppelin 5's SafeERC20 reaches the token, so a ``safeTransfer`` calls out through one.
    A Yul ``staticcall`` is not one: it cannot change state."""
    calls = ("call(", "callcode(", "delegatecall(")
    return isinstance(ir, SolidityCall) and ir.function.name.startswith(calls)


def assembly_call_irs(node: Node) -> list[Operation]:
    """The Yul calls out of ``node`` (:func:`is_assembly_call`)."""
    return [ir for ir in node.irs if is_assembly_call(ir)]


def failure_bubbles(node: Node) -> bool:
    """Can the function holding ``node`` revert after it (a ``revert``, ``require`` or ``assert``)? A Yul
    call returns 0 when its callee reverts; it reverts the caller only when the code after it does, as
    SafeERC20's ``if iszero(success) { revert(...) }`` and its ``SafeERC20FailedOperation`` do."""
    return any(node_reverts(m) or any(is_require(ir) for ir in m.irs) for m in after(node) | {node})


def outbound_call_irs(node: Node) -> list[Operation]:
    """Every call of ``node`` that leaves the contract and may change state: a Solidity one
    (:func:`state_changing_call_irs`) or a Yul one (:func:`assembly_call_irs`). What re-entrancy and
    effect checks must look at: SafeERC20 moves tokens through the second kind."""
    return state_changing_call_irs(node) + assembly_call_irs(node)


def by_node(hits: Iterable[tuple[Node, str]]) -> list[tuple[Node, list[str]]]:
    """``(node, name)`` hits as one finding per node, with the distinct names that reach it (entry points,
    frames) sorted; nodes in a stable order, by function and then by position in it."""
    grouped: dict[Node, set[str]] = {}
    for node, name in hits:
        grouped.setdefault(node, set()).add(name)
    ordered = sorted(grouped, key=lambda n: (n.function.canonical_name, n.node_id))
    return [(node, sorted(grouped[node])) for node in ordered]


# -- storage --------------------------------------------------------------------------------------


def storage_temporaries(function: Function) -> frozenset[Any]:
    """Temporaries holding a storage pointer returned by a call (``_layout().field = x``, ERC-7201).

    Cached on the function object itself: the analysis of one compilation owns it, nothing is global."""
    cached = getattr(function, "_vp_storage_temps", None)
    if cached is not None:
        return frozenset(cached)
    temps = set()
    for node in function.nodes:
        for ir in node.irs:
            callee = internal_target(ir)
            if (
                callee is not None
                and ir.lvalue is not None
                and len(callee.returns) == 1
                and callee.returns[0].is_storage
            ):
                temps.add(ir.lvalue)
    result = frozenset(temps)
    function._vp_storage_temps = result  # type: ignore[attr-defined]
    return result


def storage_root(variable: Any, function: Function | None = None) -> Any | None:
    """The state variable or storage pointer a value lives in, or None for memory/stack values."""
    if isinstance(variable, StateVariable):
        return None if (variable.is_constant or variable.is_immutable) else variable
    if isinstance(variable, ReferenceVariable):
        origin = variable.points_to_origin
        return None if origin is None or origin is variable else storage_root(origin, function)
    if isinstance(variable, LocalVariable) and variable.is_storage:
        return variable
    if function is not None and variable in storage_temporaries(function):
        return variable
    return None


def _function_of(ir: Operation) -> Function | None:
    node = getattr(ir, "node", None)
    function = getattr(node, "function", None)
    return function if isinstance(function, Function) else None


def writes_storage_ir(ir: Operation) -> bool:
    if isinstance(ir, Member | Index | Length):
        return False  # address computation, not a write
    if isinstance(ir, Delete):
        return storage_root(ir.lvalue, _function_of(ir)) is not None
    if not isinstance(ir, OperationWithLValue) or ir.lvalue is None:
        return False
    lvalue = ir.lvalue
    if isinstance(lvalue, LocalVariable) or not isinstance(lvalue, ReferenceVariable | StateVariable):
        return False  # (re)pointing a storage pointer, or computing a temporary, is not a write
    return storage_root(lvalue, _function_of(ir)) is not None


def node_writes_storage(node: Node) -> bool:
    return any(writes_storage_ir(ir) for ir in node.irs)


def function_writes_storage(function: Function) -> bool:
    return transitive(function, lambda f: any(node_writes_storage(n) for n in f.nodes))


class Defs:
    """Per-function def map for temporaries and references (SlithIR is flow-insensitive here)."""

    def __init__(self, function: Function) -> None:
        self.by_lvalue: dict[Any, Operation] = {}
        self.by_local: dict[Any, list[Operation]] = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                    self.by_lvalue.setdefault(ir.lvalue, ir)
                    if isinstance(ir.lvalue, LocalVariable):
                        self.by_local.setdefault(ir.lvalue, []).append(ir)

    def definition(self, variable: Any) -> Operation | None:
        return self.by_lvalue.get(variable)

    def assignments(self, variable: Any) -> list[Operation]:
        """Every operation writing the local ``variable``, in node order: a local can be assigned many
        times (SlithIR is not in SSA form here), where :meth:`definition` keeps only the first."""
        return self.by_local.get(variable, [])

    def chain(self, variable: Any, depth: int = 0) -> str:
        """A stable text key for a value: ``$.allocations[posKey].usdcLocked``, ``amount``, ``7``."""
        if depth > 12:
            return "?"
        if isinstance(variable, Constant):
            return str(variable.value)
        ir = self.definition(variable)
        if isinstance(variable, ReferenceVariable) and isinstance(ir, Member):
            return f"{self.chain(ir.variable_left, depth + 1)}.{ir.variable_right}"
        if isinstance(variable, ReferenceVariable) and isinstance(ir, Index):
            return f"{self.chain(ir.variable_left, depth + 1)}[{self.chain(ir.variable_right, depth + 1)}]"
        if isinstance(ir, Length):
            return f"{self.chain(ir.value, depth + 1)}.length"
        if isinstance(ir, Assignment) and not isinstance(variable, LocalVariable | StateVariable):
            return self.chain(ir.rvalue, depth + 1)
        if isinstance(variable, LocalVariable | StateVariable) or ir is None:
            return str(getattr(variable, "name", variable))
        # a temporary: describe how it is computed (TMP_n numbers shift with unrelated edits)
        if isinstance(ir, Binary):
            left, right = self.chain(ir.variable_left, depth + 1), self.chain(ir.variable_right, depth + 1)
            return f"({left} {ir.type.value} {right})"
        if isinstance(ir, TypeConversion):
            return f"{ir.type}({self.chain(ir.variable, depth + 1)})"
        if isinstance(ir, HighLevelCall | InternalCall | LibraryCall | LowLevelCall):
            return f"{call_name(ir) or getattr(ir.function, 'name', 'call')}(…)"
        return "(value)"

    def last_name(self, variable: Any) -> str:
        """The last named component: the mapping/field/state variable an lvalue writes."""
        ir = self.definition(variable)
        if isinstance(variable, ReferenceVariable) and isinstance(ir, Member):
            return str(ir.variable_right)
        if isinstance(variable, ReferenceVariable) and isinstance(ir, Index):
            return self.last_name(ir.variable_left)
        return str(getattr(variable, "name", ""))

    def constant(self, variable: Any, depth: int = 0) -> int | None:
        """The integer value of a constant operand (literal, ``type(T).max``, constant state variable)."""
        if depth > 6:
            return None
        if isinstance(variable, Constant):
            value = variable.value
            return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(variable, StateVariable) and variable.is_constant and variable.expression is not None:
            return evaluate_constant(str(variable.expression))
        ir = self.definition(variable)
        if isinstance(ir, Assignment):
            return self.constant(ir.rvalue, depth + 1)
        if isinstance(ir, TypeConversion):
            return self.constant(ir.variable, depth + 1)
        return None

    def is_constant(self, variable: Any, depth: int = 0) -> bool:
        """A literal, a constant/immutable, or a temporary computed only from those (not a local:
        locals can be reassigned, and SlithIR here is not in SSA form)."""
        if isinstance(variable, Constant):
            return True
        if isinstance(variable, StateVariable) and (variable.is_constant or variable.is_immutable):
            return True
        if depth > 8 or isinstance(variable, LocalVariable | StateVariable):
            return False
        ir = self.definition(variable)
        if isinstance(ir, Assignment | TypeConversion):
            source = ir.rvalue if isinstance(ir, Assignment) else ir.variable
            return self.is_constant(source, depth + 1)
        if isinstance(ir, Binary) and ir.type in ARITHMETIC:
            return self.is_constant(ir.variable_left, depth + 1) and self.is_constant(
                ir.variable_right, depth + 1
            )
        return False

    def sources(self, variable: Any, depth: int = 0) -> Iterator[Any]:
        """Backward slice through temporaries/references to the values a temporary is built from."""
        yield variable
        if depth > 10 or isinstance(variable, LocalVariable | StateVariable | Constant):
            return
        ir = self.definition(variable)
        if ir is None or isinstance(ir, HighLevelCall | LowLevelCall | InternalCall):
            return
        for read in ir.read:
            yield from self.sources(read, depth + 1)


def comparisons(node: Node) -> list[Binary]:
    return [ir for ir in node.irs if isinstance(ir, Binary) and ir.type in COMPARISONS]


_SAFE_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Pow: operator.pow,
    ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift,
}
_TYPE_MAX = re.compile(r"type\(\)?\((u?)int(\d*)\)\.(max|min)")


def evaluate_constant(text: str) -> int | None:
    """Evaluate a constant initialiser (``1_000_000``, ``1e18``, ``2**96``, ``type(uint128).max``)."""
    cleaned = text.replace("_", "")

    def type_bound(match: re.Match[str]) -> str:
        unsigned, bits_text, which = match.group(1) == "u", match.group(2), match.group(3)
        bits = int(bits_text or 256)
        if unsigned:
            return str(2**bits - 1 if which == "max" else 0)
        return str(2 ** (bits - 1) - 1 if which == "max" else -(2 ** (bits - 1)))

    cleaned = _TYPE_MAX.sub(type_bound, cleaned).replace("/", "//")
    cleaned = re.sub(r"\b(\d+)e(\d+)\b", lambda m: f"({m.group(1)}*10**{m.group(2)})", cleaned)
    try:
        tree = ast.parse(cleaned, mode="eval")
    except SyntaxError:
        return None

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return int(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _SAFE_OPS:
            return int(_SAFE_OPS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(text)

    try:
        return walk(tree)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None


def integer_bits(solidity_type: Any) -> tuple[bool, int] | None:
    """``(signed, bits)`` for an integer elementary type, else None."""
    if not isinstance(solidity_type, ElementaryType):
        return None
    name = solidity_type.name
    match = re.fullmatch(r"(u?)int(\d*)", name)
    if match is None:
        return None
    return match.group(1) != "u", int(match.group(2) or 256)


def reads_msg_sender(node: Node) -> bool:
    for variable in node.solidity_variables_read:
        if isinstance(variable, SolidityVariableComposed) and variable.name == "msg.sender":
            return True
    return any(
        isinstance(ir, InternalCall) and ir.function is not None and ir.function.name == "_msgSender"
        for ir in node.irs
    )


def is_solidity(variable: Any) -> bool:
    return isinstance(variable, SolidityVariable | SolidityFunction)
