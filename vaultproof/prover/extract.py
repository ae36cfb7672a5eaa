"""SlithIR of ``pure`` library functions → Z3, so that the models are tied to the code (SPEC §4.4).

Two layers, so that Slither objects stay in the main process and Z3 objects are built where they
are used (Z3 terms never cross process boundaries):

1. :func:`lower_function` turns a Slither ``Function`` into :class:`PureFunctionIR`, a plain, frozen,
   picklable copy of its CFG (``function.nodes`` / ``node.irs``, non-SSA form). Anything outside the
   supported subset raises :class:`ExtractionError` naming the function, the source line and the IR
   — never a silent approximation. :func:`extract_library_functions` lowers every ``internal`` /
   ``private`` ``pure`` function of the project's libraries; one that cannot be lowered is kept as an
   :class:`UnsupportedFunction` whose reason is raised when a model asks for it.
2. :func:`instantiate` (or :func:`extracted` from a :class:`ModelContext`) symbolically executes that
   CFG over Z3 ``Int``/``Bool`` terms and returns an :class:`ExtractedFunction`: one Z3 expression per
   return value (an ``If`` chain over the paths), and Solidity 0.8's revert conditions — each checked
   overflow/underflow, division or modulo by zero, failed ``require``/``assert``, explicit ``revert`` —
   as separate :class:`Check` s, plus silent narrowing conversions (``uint128(x)`` truncates, it does not
   revert) as ``truncations``. ``reverts`` is their disjunction.

Supported IR: ``Binary`` (``+ - * / % **`` — ``**`` with a constant exponent, or a constant base and a
bounded exponent —, ``<< >>`` by a constant, comparisons, ``&& ||``), ``Unary`` (``! ~``),
``Assignment``, ``TypeConversion`` between integer types, ``Condition`` (if/else and ternaries, which
Slither splits into ``IF`` nodes), ``Return`` of values and tuples, ``require``/``assert``/``revert``,
``InternalCall``/``LibraryCall`` of other extractable pure functions (inlined), ``Unpack`` of their
tuples, constant state variables (folded by :mod:`vaultproof.prover.params`) also through ``Lib.NAME``.
Loops, storage, memory arrays/structs, bitwise ``& | ^``, assembly and external calls are rejected:
loops are proved by induction in the models, not unrolled here.

Semantics: integers are mathematical (``Int``) with the type's range as an assumption on inputs; an
arithmetic result's type follows Solidity (a literal adopts the other operand's type; two typed
operands their common type; ``**`` and shifts the base's type, ``uint256`` for a literal base);
checked operations add a revert check, ``unchecked`` ones wrap modulo 2**N. Division rounds toward
zero (explicit for signed operands).

:func:`equivalence_obligation` builds the obligation "extracted function == hand-written model on
every non-reverting input in range", and :func:`safety_obligations` one obligation per revert check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from vaultproof.errors import RegistryError, VaultproofError
from vaultproof.prover.obligation import ModelContext, Obligation, Quantity

# Guards against pathological inputs: these bound the work of lowering and of symbolic execution.
MAX_PATHS = 512
MAX_CONSTANT_EXPONENT = 64
MAX_INLINE_DEPTH = 16


class ExtractionError(VaultproofError):
    """A function uses IR outside the supported subset, or is not a pure function."""


# --------------------------------------------------------------------------------------------------
# Plain-data IR (picklable, no Slither or Z3 objects)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """A local, parameter, return variable or temporary of the function, with its Solidity type."""

    key: str
    type: str


@dataclass(frozen=True)
class Lit:
    """A constant. ``typed`` is False for a source literal (adopts the other operand's type) and True
    for a constant state variable (has its declared type)."""

    value: int | bool
    type: str
    typed: bool = False


Operand = Var | Lit


@dataclass(frozen=True)
class BinOp:
    dest: Var
    op: str  # "+", "-", "*", "/", "%", "**", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&&", "||"
    left: Operand
    right: Operand
    checked: bool


@dataclass(frozen=True)
class UnOp:
    dest: Var
    op: str  # "!" or "~"
    operand: Operand


@dataclass(frozen=True)
class Assign:
    dest: Var
    value: Operand


@dataclass(frozen=True)
class Convert:
    dest: Var
    value: Operand
    type: str


@dataclass(frozen=True)
class CallOp:
    """Call of another extractable function; ``dest`` is a Var, a tuple key (``TUPLE_n``) or None."""

    dest: Var | str | None
    callee: str  # canonical signature, e.g. "LockMath.scaleTo18(uint256,uint8)"
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class UnpackOp:
    dest: Var
    source: str  # tuple key
    index: int


@dataclass(frozen=True)
class BranchOp:
    condition: Operand


@dataclass(frozen=True)
class ReturnOp:
    values: tuple[Operand, ...]


@dataclass(frozen=True)
class RequireOp:
    condition: Operand
    kind: str  # "require" | "assert"


@dataclass(frozen=True)
class RevertOp:
    reason: str


Op = BinOp | UnOp | Assign | Convert | CallOp | UnpackOp | BranchOp | ReturnOp | RequireOp | RevertOp


@dataclass(frozen=True)
class IRNode:
    id: int
    kind: str  # "plain" | "if" | "return"
    ops: tuple[Op, ...]
    son: int | None  # next node of a plain node
    son_true: int | None
    son_false: int | None
    where: str  # "Lib.fn line N: <expression>"


@dataclass(frozen=True)
class PureFunctionIR:
    """One pure function, lowered. ``callees`` holds every function it (transitively) calls."""

    name: str  # "Lib.fn"
    signature: str  # "Lib.fn(uint256,uint8)"
    params: tuple[Var, ...]
    param_names: tuple[str, ...]
    returns: tuple[Var, ...]
    return_names: tuple[str, ...]
    locals: tuple[Var, ...]
    entry: int
    nodes: tuple[IRNode, ...]
    callees: tuple[tuple[str, PureFunctionIR], ...] = ()
    source: str = ""

    def node(self, node_id: int) -> IRNode:
        for candidate in self.nodes:
            if candidate.id == node_id:
                return candidate
        raise ExtractionError(f"{self.name}: dangling CFG edge to node {node_id}")

    def callee(self, signature: str) -> PureFunctionIR:
        for name, fn in self.callees:
            if name == signature:
                return fn
        raise ExtractionError(f"{self.name}: callee {signature} was not lowered")


@dataclass(frozen=True)
class UnsupportedFunction:
    """A library function that could not be lowered; ``reason`` is raised when a model asks for it."""

    name: str
    signature: str
    reason: str


# --------------------------------------------------------------------------------------------------
# Solidity types
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Lowering: Slither → PureFunctionIR
# --------------------------------------------------------------------------------------------------


def extract_library_functions(project: Any) -> dict[str, PureFunctionIR | UnsupportedFunction]:
    """Lower every ``internal``/``private`` ``pure`` function of every project library.

    Keys are the canonical signature (``"LockMath.scaleTo18(uint256,uint8)"``) and, when the name is
    not overloaded, also ``"LockMath.scaleTo18"``. Sorted, deterministic.
    """
    return functions_from_contracts(project.slither.contracts)


def functions_from_contracts(contracts: Sequence[Any]) -> dict[str, PureFunctionIR | UnsupportedFunction]:
    """:func:`extract_library_functions` over Slither ``Contract`` objects."""
    from vaultproof.prover.params import _is_dependency

    found: dict[str, PureFunctionIR | UnsupportedFunction] = {}
    short_names: dict[str, list[str]] = {}
    for contract in sorted(contracts, key=lambda c: c.name):
        if not contract.is_library or _is_dependency(contract):
            continue
        for function in sorted(contract.functions_declared, key=lambda f: f.full_name):
            if not function.pure or function.visibility not in ("internal", "private"):
                continue
            signature = f"{contract.name}.{function.full_name}"
            short = f"{contract.name}.{function.name}"
            try:
                found[signature] = lower_function(function)
            except ExtractionError as exc:
                found[signature] = UnsupportedFunction(short, signature, str(exc))
            short_names.setdefault(short, []).append(signature)
    for short, signatures in short_names.items():
        if len(signatures) == 1:
            found[short] = found[signatures[0]]
    return dict(sorted(found.items()))


def extract_function(project: Any, name: str) -> PureFunctionIR:
    """Lower one function named ``"Contract.fn"`` or ``"Contract.fn(types)"``; raises if unsupported."""
    contract_name, _, function_name = name.partition(".")
    matches = []
    for contract in project.slither.contracts:
        if contract.name != contract_name:
            continue
        for function in contract.functions_declared:
            if function_name in (function.name, function.full_name):
                matches.append(function)
    if not matches:
        raise ExtractionError(f"no function {name} in the compiled contracts")
    if len(matches) > 1:
        raise ExtractionError(f"{name} is overloaded; name it with its parameter types")
    return lower_function(matches[0])


def lower_function(function: Any, _stack: tuple[str, ...] = ()) -> PureFunctionIR:
    """Lower one Slither ``Function`` (must be ``pure``, without modifiers or loops)."""
    return _Lowerer(function, _stack).lower()


class _Lowerer:
    def __init__(self, function: Any, stack: tuple[str, ...]) -> None:
        self.function = function
        contract = getattr(function, "contract_declarer", None) or getattr(function, "contract", None)
        self.contract_name = contract.name if contract is not None else "<top-level>"
        self.name = f"{self.contract_name}.{function.name}"
        self.signature = f"{self.contract_name}.{function.full_name}"
        self.stack = (*stack, self.signature)
        self.keys: dict[int, str] = {}
        self.used_keys: set[str] = set()
        self.callees: dict[str, PureFunctionIR] = {}
        self.constant_refs: dict[str, Lit] = {}
        self.literal_temps: dict[str, Lit] = {}
        self.temp_types: dict[str, str] = {}
        lines = getattr(function.source_mapping, "lines", None) or [0]
        filename = (
            getattr(function.source_mapping.filename, "relative", "") if function.source_mapping else ""
        )
        self.source = f"{filename}:{lines[0]}"

    def fail(self, detail: str, where: str = "") -> ExtractionError:
        location = where or self.source
        return ExtractionError(f"cannot extract {self.name} ({location}): {detail}")

    def lower(self) -> PureFunctionIR:
        function = self.function
        if not function.pure:
            raise self.fail("not a pure function")
        if function.modifiers:
            raise self.fail("functions with modifiers are not supported")
        if len(self.stack) > MAX_INLINE_DEPTH or self.signature in self.stack[:-1]:
            raise self.fail("recursive call chain " + " → ".join(self.stack))
        params = []
        for variable in function.parameters:
            params.append(self.var(variable, what="parameter"))
        returns = []
        for variable in function.returns:
            returns.append(self.var(variable, what="return value"))
        locals_: list[Var] = []
        param_ids = {id(v) for v in function.parameters}
        for variable in function.variables:
            if id(variable) in param_ids:
                continue
            if not _supported_type(str(variable.type)):
                raise self.fail(
                    f"local variable {variable.name!r} of type {variable.type} is not an integer or bool"
                )
            var = self.var(variable, what="local variable")
            if var not in locals_:
                locals_.append(var)
        for r in returns:
            if r not in locals_:
                locals_.append(r)
        nodes = tuple(self.lower_node(node) for node in function.nodes)
        entry = function.entry_point
        if entry is None:
            raise self.fail("function has no body")
        return PureFunctionIR(
            name=self.name,
            signature=self.signature,
            params=tuple(params),
            param_names=tuple(v.name or f"arg{i}" for i, v in enumerate(function.parameters)),
            returns=tuple(returns),
            return_names=tuple(v.name or f"ret{i}" for i, v in enumerate(function.returns)),
            locals=tuple(locals_),
            entry=entry.node_id,
            nodes=nodes,
            callees=tuple(sorted(self.callees.items())),
            source=self.source,
        )

    # -- variables --------------------------------------------------------------------------------

    def var(self, variable: Any, what: str = "variable") -> Var:
        type_name = str(variable.type)
        if not _supported_type(type_name):
            raise self.fail(
                f"{what} {variable.name!r} has type {type_name} (only integers and bool are supported)"
            )
        key = self.keys.get(id(variable))
        if key is None:
            base = variable.name or "ret"
            key = base
            suffix = 1
            while key in self.used_keys:
                suffix += 1
                key = f"{base}#{suffix}"
            self.keys[id(variable)] = key
            self.used_keys.add(key)
        return Var(key, type_name)

    def operand(self, value: Any, where: str) -> Operand:
        from slither.core.variables.local_variable import LocalVariable
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable

        from vaultproof.prover.params import fold_constant

        if isinstance(value, Constant):
            raw = value.value
            if isinstance(raw, bool):
                return Lit(raw, "bool")
            if isinstance(raw, int):
                return Lit(raw, str(value.type))
            raise self.fail(f"constant {raw!r} is not an integer or bool", where)
        if isinstance(value, StateVariable):
            if value.is_constant:
                folded = fold_constant(value)
                if folded is None:
                    raise self.fail(f"constant {value.name} cannot be folded to an integer", where)
                return Lit(folded, str(value.type), typed=True)
            raise self.fail(f"reads state variable {value.name} (not pure)", where)
        if isinstance(value, ReferenceVariable):
            key = str(value)
            if key in self.constant_refs:
                return self.constant_refs[key]
            raise self.fail(f"reference {value} (storage/memory access) is not supported", where)
        if isinstance(value, LocalVariable):
            return self.var(value)
        if isinstance(value, TemporaryVariable):
            key = str(value)
            if key in self.literal_temps:
                return self.literal_temps[key]
            type_name = self.temp_types.get(key, str(value.type))
            if not _supported_type(type_name):
                raise self.fail(f"temporary {value} of type {type_name} is not supported", where)
            return Var(str(value), type_name)
        raise self.fail(f"operand {value} ({type(value).__name__}) is not supported", where)

    def dest(self, lvalue: Any, where: str, type_name: str | None = None) -> Var:
        from slither.core.variables.local_variable import LocalVariable
        from slither.slithir.variables import TemporaryVariable

        if isinstance(lvalue, LocalVariable):
            return self.var(lvalue)
        if isinstance(lvalue, TemporaryVariable):
            name = type_name or str(lvalue.type)
            if not _supported_type(name):
                raise self.fail(f"temporary {lvalue} of type {name} is not supported", where)
            # our own (Solidity) typing wins over Slither's: `18 - d` with d uint8 is uint8, not uint256
            self.temp_types[str(lvalue)] = name
            return Var(str(lvalue), name)
        raise self.fail(
            f"assignment to {lvalue} ({type(lvalue).__name__}) is not supported (pure functions only)", where
        )

    # -- nodes ------------------------------------------------------------------------------------

    def lower_node(self, node: Any) -> IRNode:
        from slither.core.cfg.node import NodeType

        lines = getattr(node.source_mapping, "lines", None) or [0]
        text = " ".join(str(node.expression).split()) if node.expression is not None else str(node.type.value)
        where = f"{self.name} line {lines[0]}: {text}"
        kind_map = {
            NodeType.ENTRYPOINT: "plain",
            NodeType.EXPRESSION: "plain",
            NodeType.VARIABLE: "plain",
            NodeType.ENDIF: "plain",
            NodeType.IF: "if",
            NodeType.RETURN: "return",
        }
        if node.type not in kind_map:
            detail = {
                NodeType.STARTLOOP: "a loop",
                NodeType.IFLOOP: "a loop",
                NodeType.ENDLOOP: "a loop",
                NodeType.ASSEMBLY: "inline assembly",
            }.get(node.type, f"a {node.type.value} node")
            raise self.fail(f"{detail} is not supported (prove loops by induction in the model)", where)
        ops = tuple(op for ir in node.irs for op in self.lower_ir(ir, where))
        sons = node.sons
        son_true = node.son_true.node_id if node.type == NodeType.IF and node.son_true else None
        son_false = node.son_false.node_id if node.type == NodeType.IF and node.son_false else None
        if node.type == NodeType.IF and (son_true is None or son_false is None):
            raise self.fail("if-node without both branches", where)
        son = sons[0].node_id if node.type != NodeType.IF and sons else None
        if node.type != NodeType.IF and len(sons) > 1:
            raise self.fail("node with several successors", where)
        return IRNode(node.node_id, kind_map[node.type], ops, son, son_true, son_false, where)

    def lower_ir(self, ir: Any, where: str) -> list[Op]:
        from slither.core.declarations import Contract, SolidityFunction
        from slither.core.declarations.function import Function
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.operations import (
            Assignment,
            Binary,
            Condition,
            InternalCall,
            LibraryCall,
            Member,
            Return,
            SolidityCall,
            TypeConversion,
            Unary,
            Unpack,
        )
        from slither.slithir.operations.binary import BinaryType
        from slither.slithir.operations.unary import UnaryType
        from slither.slithir.variables import Constant, TemporaryVariable, TupleVariable

        from vaultproof.prover.params import fold_constant

        if isinstance(ir, Binary):
            supported = {
                BinaryType.ADDITION: "+",
                BinaryType.SUBTRACTION: "-",
                BinaryType.MULTIPLICATION: "*",
                BinaryType.DIVISION: "/",
                BinaryType.MODULO: "%",
                BinaryType.POWER: "**",
                BinaryType.LEFT_SHIFT: "<<",
                BinaryType.RIGHT_SHIFT: ">>",
                BinaryType.LESS: "<",
                BinaryType.GREATER: ">",
                BinaryType.LESS_EQUAL: "<=",
                BinaryType.GREATER_EQUAL: ">=",
                BinaryType.EQUAL: "==",
                BinaryType.NOT_EQUAL: "!=",
                BinaryType.ANDAND: "&&",
                BinaryType.OROR: "||",
            }
            if ir.type not in supported:
                raise self.fail(f"unsupported IR `{ir}` (Binary {ir.type.value})", where)
            op = supported[ir.type]
            left = self.operand(ir.variable_left, where)
            right = self.operand(ir.variable_right, where)
            if (
                isinstance(left, Lit)
                and isinstance(right, Lit)
                and not (left.typed or right.typed)
                and op not in COMPARISONS
                and isinstance(ir.lvalue, TemporaryVariable)
            ):
                # literal-only arithmetic is a compile-time rational in solc: fold it, keep it a literal
                try:
                    folded = fold_literals(op, int(left.value), int(right.value))
                except ValueError as exc:
                    raise self.fail(f"`{ir}`: {exc}", where) from None
                self.literal_temps[str(ir.lvalue)] = Lit(folded, "int256" if folded < 0 else "uint256")
                return []
            try:
                result_type = binary_result_type(op, left, right)
            except ValueError as exc:
                raise self.fail(f"`{ir}`: {exc}", where) from None
            dest = self.dest(ir.lvalue, where, result_type)
            return [BinOp(dest, op, left, right, bool(ir.node.scope.is_checked))]
        if isinstance(ir, Unary):
            unary = {UnaryType.BANG: "!", UnaryType.TILD: "~"}.get(ir.type)
            if unary is None:
                raise self.fail(f"unsupported IR `{ir}` (Unary)", where)
            operand = self.operand(ir.rvalue, where)
            unary_type = (
                "bool"
                if unary == "!"
                else ("uint256" if isinstance(operand, Lit) and not operand.typed else operand.type)
            )
            return [UnOp(self.dest(ir.lvalue, where, unary_type), unary, operand)]
        if isinstance(ir, Assignment):
            value = self.operand(ir.rvalue, where)
            if isinstance(value, Lit) and not value.typed and isinstance(ir.lvalue, TemporaryVariable):
                self.literal_temps[str(ir.lvalue)] = value
                return []
            return [Assign(self.dest(ir.lvalue, where, value.type), value)]
        if isinstance(ir, TypeConversion):
            target = str(ir.type)
            if int_spec(target) is None:
                raise self.fail(f"unsupported IR `{ir}` (conversion to {target})", where)
            return [Convert(self.dest(ir.lvalue, where, target), self.operand(ir.variable, where), target)]
        if isinstance(ir, Condition):
            return [BranchOp(self.operand(ir.value, where))]
        if isinstance(ir, Return):
            return [ReturnOp(tuple(self.operand(v, where) for v in ir.values))]
        if isinstance(ir, Member):
            # `Lib.CONSTANT` read from a library: resolve to the folded constant, nothing else.
            target = ir.variable_left
            member = str(ir.variable_right)
            if isinstance(target, Contract):
                for variable in target.state_variables:
                    if (
                        variable.name == member
                        and isinstance(variable, StateVariable)
                        and variable.is_constant
                    ):
                        member_value = fold_constant(variable)
                        if member_value is not None:
                            self.constant_refs[str(ir.lvalue)] = Lit(
                                member_value, str(variable.type), typed=True
                            )
                            return []
            raise self.fail(f"unsupported IR `{ir}` (member access)", where)
        if isinstance(ir, SolidityCall):
            name = ir.function.name if isinstance(ir.function, SolidityFunction) else str(ir.function)
            if name.startswith("require("):
                return [RequireOp(self.operand(ir.arguments[0], where), "require")]
            if name == "assert(bool)":
                return [RequireOp(self.operand(ir.arguments[0], where), "assert")]
            if name.startswith("revert"):
                reason = name
                if name == "revert(string)" and ir.arguments and isinstance(ir.arguments[0], Constant):
                    reason = f"revert({ir.arguments[0].value!r})"
                return [RevertOp(reason)]
            raise self.fail(f"unsupported IR `{ir}` (Solidity call {name})", where)
        if isinstance(ir, InternalCall | LibraryCall):
            callee = ir.function
            if not isinstance(callee, Function):
                raise self.fail(f"unsupported IR `{ir}` (call of {callee})", where)
            if isinstance(ir, LibraryCall) and callee.visibility not in ("internal", "private"):
                raise self.fail(f"unsupported IR `{ir}` (external library call)", where)
            lowered = lower_function(callee, self.stack)
            self.callees[lowered.signature] = lowered
            for name, inner in lowered.callees:
                self.callees.setdefault(name, inner)
            args = tuple(self.operand(a, where) for a in ir.arguments)
            destination: Var | str | None
            if ir.lvalue is None:
                destination = None
            elif isinstance(ir.lvalue, TupleVariable):
                destination = str(ir.lvalue)
            else:
                destination = self.dest(ir.lvalue, where)
            return [CallOp(destination, lowered.signature, args)]
        if isinstance(ir, Unpack):
            return [UnpackOp(self.dest(ir.lvalue, where), str(ir.tuple), ir.index)]
        raise self.fail(f"unsupported IR `{ir}` ({type(ir).__name__})", where)


# --------------------------------------------------------------------------------------------------
# Symbolic execution: PureFunctionIR → Z3
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Check:
    """A place where execution can revert (or, for truncations, silently lose value).

    ``reached`` is the path condition at that place (every earlier check passed), ``bad`` the failing
    condition there; ``condition`` = ``reached ∧ bad``.
    """

    kind: str  # "overflow" | "underflow" | "division-by-zero" | "require" | "assert" | "revert" | "narrowing"
    where: str
    reached: z3.BoolRef
    bad: z3.BoolRef

    @property
    def condition(self) -> z3.BoolRef:
        return z3.And(self.reached, self.bad)


@dataclass(frozen=True, eq=False)
class ExtractedFunction:
    """A pure function as Z3 terms over ``args``. ``returns`` are meaningful where ``¬reverts``."""

    name: str
    param_names: tuple[str, ...]
    param_types: tuple[str, ...]
    args: tuple[z3.ExprRef, ...]
    return_names: tuple[str, ...]
    return_types: tuple[str, ...]
    returns: tuple[z3.ExprRef, ...]
    reverts: z3.BoolRef
    checks: tuple[Check, ...]
    truncations: tuple[Check, ...] = ()

    def arg(self, name: str) -> z3.ExprRef:
        try:
            return self.args[self.param_names.index(name)]
        except ValueError:
            raise ExtractionError(
                f"{self.name} has no parameter {name!r} (has {', '.join(self.param_names)})"
            ) from None

    @property
    def ret(self) -> z3.ExprRef:
        """The single return value (error if the function returns a tuple)."""
        if len(self.returns) != 1:
            raise ExtractionError(f"{self.name} returns {len(self.returns)} values; use .returns")
        return self.returns[0]

    def input_ranges(self) -> tuple[z3.BoolRef, ...]:
        """Each integer parameter within its Solidity type's range."""
        ranges = []
        for value, type_name in zip(self.args, self.param_types, strict=True):
            if int_spec(type_name) is not None:
                low, high = type_range(type_name)
                ranges.append(z3.And(value >= low, value <= high))
        return tuple(ranges)


@dataclass
class _Path:
    env: dict[str, Any]
    pc: z3.BoolRef
    node: int | None


@dataclass
class _Executor:
    fn: PureFunctionIR
    checks: list[Check] = field(default_factory=list)
    truncations: list[Check] = field(default_factory=list)
    outcomes: list[tuple[z3.BoolRef, tuple[z3.ExprRef, ...]]] = field(default_factory=list)
    depth: int = 0
    prefix: str = ""

    # -- helpers ----------------------------------------------------------------------------------

    def fail(self, detail: str, where: str) -> ExtractionError:
        return ExtractionError(f"cannot extract {self.fn.name} ({where}): {detail}")

    def value(self, path: _Path, operand: Operand, where: str) -> Any:
        if isinstance(operand, Lit):
            if isinstance(operand.value, bool):
                return z3.BoolVal(operand.value)
            return z3.IntVal(operand.value)
        if operand.key not in path.env:
            raise self.fail(f"{operand.key} is read before it is written", where)
        return path.env[operand.key]

    def add_check(self, path: _Path, kind: str, where: str, bad: z3.BoolRef) -> None:
        # simplify only to drop checks that can never fire; keep the original term, whose shape does not
        # depend on term ids (z3.simplify orders arguments by id, which depends on history)
        if z3.is_false(z3.simplify(bad)):
            return
        self.checks.append(Check(kind, where, path.pc, bad))
        path.pc = z3.And(path.pc, z3.Not(bad))

    # -- typing -----------------------------------------------------------------------------------

    # -- execution --------------------------------------------------------------------------------

    def run(self, args: Sequence[z3.ExprRef]) -> None:
        env: dict[str, Any] = {}
        for var in self.fn.locals:
            env[var.key] = z3.BoolVal(False) if var.type == "bool" else z3.IntVal(0)
        for var, arg in zip(self.fn.params, args, strict=True):
            env[var.key] = arg
        work = [_Path(env, z3.BoolVal(True), self.fn.entry)]
        finished = 0
        while work:
            path = work.pop()
            finished += self.step(path, work)
            if finished + len(work) > MAX_PATHS:
                raise self.fail(f"more than {MAX_PATHS} paths", self.fn.source)

    def step(self, path: _Path, work: list[_Path]) -> int:
        """Run ``path`` until it ends (returns 1) or forks (pushes both sides, returns 0)."""
        while path.node is not None:
            node = self.fn.node(path.node)
            for op in node.ops:
                if isinstance(op, ReturnOp):
                    values = tuple(self.value(path, v, node.where) for v in op.values)
                    self.finish(path, values, node.where)
                    return 1
                if isinstance(op, RevertOp):
                    self.add_check(path, "revert", f"{node.where} [{op.reason}]", z3.BoolVal(True))
                    return 1
                if isinstance(op, BranchOp):
                    if node.kind != "if":
                        raise self.fail("condition outside an if-node", node.where)
                    cond = self.value(path, op.condition, node.where)
                    other = _Path(dict(path.env), z3.And(path.pc, z3.Not(cond)), node.son_false)
                    work.append(other)
                    path.pc = z3.And(path.pc, cond)
                    path.node = node.son_true
                    break
                self.execute(path, op, node.where)
            else:
                if node.kind == "if":
                    raise self.fail("if-node without a condition", node.where)
                path.node = node.son
                continue
            continue
        # fell off the end: the named return variables are the result
        self.finish(path, tuple(path.env[r.key] for r in self.fn.returns), self.fn.source)
        return 1

    def finish(self, path: _Path, values: tuple[Any, ...], where: str) -> None:
        if len(values) != len(self.fn.returns):
            raise self.fail(f"returns {len(values)} values, declared {len(self.fn.returns)}", where)
        self.outcomes.append((path.pc, values))

    def execute(self, path: _Path, op: Op, where: str) -> None:
        if isinstance(op, Assign):
            path.env[op.dest.key] = self.value(path, op.value, where)
        elif isinstance(op, BinOp):
            path.env[op.dest.key] = self.binary(path, op, where)
        elif isinstance(op, UnOp):
            operand = self.value(path, op.operand, where)
            if op.op == "!":
                path.env[op.dest.key] = z3.Not(operand)
            else:
                type_name = (
                    op.operand.type if isinstance(op.operand, Var) or op.operand.typed else op.dest.type
                )
                spec = int_spec(type_name)
                if spec is None:
                    raise self.fail(f"~ on {type_name}", where)
                path.env[op.dest.key] = -operand - 1 if spec[1] else (2 ** spec[0] - 1) - operand
        elif isinstance(op, Convert):
            path.env[op.dest.key] = self.convert(path, op, where)
        elif isinstance(op, RequireOp):
            cond = self.value(path, op.condition, where)
            self.add_check(path, op.kind, where, z3.Not(cond))
        elif isinstance(op, CallOp):
            self.call(path, op, where)
        elif isinstance(op, UnpackOp):
            tuple_value = path.env.get(op.source)
            if not isinstance(tuple_value, tuple):
                raise self.fail(f"unpack of {op.source}, which is not a tuple", where)
            path.env[op.dest.key] = tuple_value[op.index]
        else:  # pragma: no cover - BranchOp/ReturnOp/RevertOp are handled by step()
            raise self.fail(f"unexpected op {op}", where)

    def call(self, path: _Path, op: CallOp, where: str) -> None:
        callee = self.fn.callee(op.callee)
        args = [self.value(path, a, where) for a in op.args]
        inner = _instantiate(callee, args, self.depth + 1)
        for check in inner.checks:
            self.checks.append(
                Check(
                    check.kind,
                    f"{check.where} (called at {where})",
                    z3.And(path.pc, check.reached),
                    check.bad,
                )
            )
        for trunc in inner.truncations:
            self.truncations.append(
                Check(
                    trunc.kind,
                    f"{trunc.where} (called at {where})",
                    z3.And(path.pc, trunc.reached),
                    trunc.bad,
                )
            )
        path.pc = z3.And(path.pc, z3.Not(inner.reverts))
        if isinstance(op.dest, Var):
            if len(inner.returns) != 1:
                raise self.fail(f"{op.callee} returns {len(inner.returns)} values into one variable", where)
            path.env[op.dest.key] = inner.returns[0]
        elif isinstance(op.dest, str):
            path.env[op.dest] = tuple(inner.returns)

    def binary(self, path: _Path, op: BinOp, where: str) -> Any:
        a = self.value(path, op.left, where)
        b = self.value(path, op.right, where)
        if op.op in ("&&", "||"):
            return z3.And(a, b) if op.op == "&&" else z3.Or(a, b)
        if op.op in ("==", "!="):
            return a == b if op.op == "==" else a != b
        if op.op in ("<", ">", "<=", ">="):
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op.op]
        type_name = op.dest.type
        spec = int_spec(type_name)
        if spec is None:
            raise self.fail(f"arithmetic result of type {type_name}", where)
        signed = spec[1]
        low, high = type_range(type_name)
        if op.op in ("+", "-", "*"):
            raw = a + b if op.op == "+" else a - b if op.op == "-" else a * b
            if not op.checked:
                return self.wrap(raw, type_name)
            if not signed and op.op == "-":
                self.add_check(path, "underflow", where, raw < 0)
            elif not signed:
                self.add_check(path, "overflow", where, raw > high)
            else:
                self.add_check(path, "overflow", where, z3.Or(raw > high, raw < low))
            return raw
        if op.op in ("/", "%"):
            self.add_check(path, "division-by-zero", where, b == 0)
            if not signed:
                return a / b if op.op == "/" else a % b
            quotient = z3.If(a >= 0, a / b, -((-a) / b))
            if op.op == "/":
                if op.checked:
                    self.add_check(path, "overflow", where, z3.And(a == low, b == -1))
                return quotient
            return a - b * quotient
        if op.op == "**":
            return self.power(path, op, a, b, type_name, where)
        if op.op in ("<<", ">>"):
            if not (
                isinstance(op.right, Lit) and isinstance(op.right.value, int) and 0 <= op.right.value < 512
            ):
                raise self.fail("shift by a non-constant amount", where)
            factor = 2 ** int(op.right.value)
            if op.op == ">>":
                return a / factor  # floor, = arithmetic shift for signed values too
            if signed:
                raise self.fail("left shift of a signed value", where)
            raw = a * factor
            self.truncations.append(
                Check("narrowing", where + " (left shift drops high bits)", path.pc, raw > high)
            )
            return self.wrap(raw, type_name)
        raise self.fail(f"operator {op.op}", where)

    def power(self, path: _Path, op: BinOp, a: Any, b: Any, type_name: str, where: str) -> Any:
        low, high = type_range(type_name)
        if isinstance(op.right, Lit):
            exponent = int(op.right.value)
            if exponent < 0 or exponent > MAX_CONSTANT_EXPONENT:
                raise self.fail(f"exponent {exponent} is out of the supported range", where)
            raw: Any = z3.IntVal(1)
            for _ in range(exponent):
                raw = raw * a
            raw = z3.simplify(raw) if exponent == 0 else raw
            if not op.checked:
                return self.wrap(raw, type_name)
            self.add_check(path, "overflow", where, z3.Or(raw > high, raw < low))
            return raw
        if isinstance(op.left, Lit) and isinstance(op.left.value, int):
            base = int(op.left.value)
            exp_type = op.right.type
            _, exp_high = type_range(exp_type)
            if base < 0:
                raise self.fail("negative base with a variable exponent", where)
            if base in (0, 1):
                return z3.If(b == 0, 1, base) if base == 0 else z3.IntVal(1)
            values = []
            exponent = 0
            while exponent <= exp_high and base**exponent <= high:
                values.append(base**exponent)
                exponent += 1
            if exponent <= exp_high:
                if not op.checked:
                    raise self.fail("unchecked power that can wrap", where)
                self.add_check(path, "overflow", where, b >= exponent)
            result: Any = z3.IntVal(values[-1])
            for k in range(len(values) - 2, -1, -1):
                result = z3.If(b == k, values[k], result)
            return result
        raise self.fail("power with a variable base and a variable exponent", where)

    def convert(self, path: _Path, op: Convert, where: str) -> Any:
        value = self.value(path, op.value, where)
        target_low, target_high = type_range(op.type)
        if isinstance(op.value, Lit):
            if not target_low <= int(op.value.value) <= target_high:
                raise self.fail(f"literal {op.value.value} does not fit {op.type}", where)
            return value
        source = op.value.type
        if int_spec(source) is None:
            raise self.fail(f"conversion from {source} to {op.type}", where)
        source_low, source_high = type_range(source)
        if target_low <= source_low and source_high <= target_high:
            return value
        out_of_range = z3.Or(value < target_low, value > target_high)
        self.truncations.append(Check("narrowing", f"{where} ({source} → {op.type})", path.pc, out_of_range))
        return z3.If(out_of_range, self.wrap(value, op.type), value)

    def wrap(self, raw: Any, type_name: str) -> Any:
        bits, signed = int_spec(type_name) or (256, False)
        modulus = 2**bits
        reduced = raw % modulus
        if signed:
            return z3.If(reduced >= modulus // 2, reduced - modulus, reduced)
        return reduced


def _instantiate(fn: PureFunctionIR, args: Sequence[z3.ExprRef], depth: int) -> ExtractedFunction:
    # every PureFunctionIR carries its transitive callees, so a callee is self-contained too
    if depth > MAX_INLINE_DEPTH:
        raise ExtractionError(f"cannot extract {fn.name}: call depth above {MAX_INLINE_DEPTH}")
    executor = _Executor(fn, depth=depth)
    executor.run(args)
    reverts = z3.Or(*[c.condition for c in executor.checks]) if executor.checks else z3.BoolVal(False)
    returns: list[z3.ExprRef] = []
    for index, var in enumerate(fn.returns):
        if not executor.outcomes:
            returns.append(z3.BoolVal(False) if var.type == "bool" else z3.IntVal(0))
            continue
        pcs_values = [(pc, values[index]) for pc, values in executor.outcomes]
        result = pcs_values[-1][1]
        for pc, value in reversed(pcs_values[:-1]):
            result = z3.If(pc, value, result)
        returns.append(result)
    return ExtractedFunction(
        name=fn.name,
        param_names=fn.param_names,
        param_types=tuple(v.type for v in fn.params),
        args=tuple(args),
        return_names=fn.return_names,
        return_types=tuple(v.type for v in fn.returns),
        returns=tuple(returns),
        reverts=reverts,
        checks=tuple(executor.checks),
        truncations=tuple(executor.truncations),
    )


def instantiate(
    fn: PureFunctionIR, args: Sequence[z3.ExprRef] | None = None, prefix: str | None = None
) -> ExtractedFunction:
    """Symbolically execute ``fn`` on ``args`` (fresh constants ``<prefix>.<param>`` if omitted)."""
    if args is None:
        label = prefix if prefix is not None else fn.name.split(".")[-1]
        args = [
            z3.Bool(f"{label}.{name}") if var.type == "bool" else z3.Int(f"{label}.{name}")
            for var, name in zip(fn.params, fn.param_names, strict=True)
        ]
    if len(args) != len(fn.params):
        raise ExtractionError(f"{fn.name} takes {len(fn.params)} arguments, got {len(args)}")
    return _instantiate(fn, args, 0)


def lowered(ctx: ModelContext, name: str) -> PureFunctionIR:
    """The lowered function ``name`` from the context; a clear error if missing or unsupported."""
    entry = ctx.functions.get(name) if ctx.functions else None
    if entry is None:
        known = ", ".join(sorted(k for k in (ctx.functions or {}) if "(" not in k)) or "none"
        raise RegistryError(f"pure function {name!r} was not extracted from the contracts (known: {known})")
    if isinstance(entry, UnsupportedFunction):
        raise ExtractionError(entry.reason)
    if not isinstance(entry, PureFunctionIR):
        raise RegistryError(f"context entry {name!r} is not a lowered function")
    return entry


def extracted(
    ctx: ModelContext, name: str, args: Sequence[z3.ExprRef] | None = None, prefix: str | None = None
) -> ExtractedFunction:
    """The code's semantics of ``name`` ("LockMath.splitLock") as Z3 terms, from a model's context."""
    return instantiate(lowered(ctx, name), args, prefix)


# --------------------------------------------------------------------------------------------------
# Obligations over extracted functions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelOutput:
    """What a hand-written model returns when it also states when the code must revert."""

    values: tuple[z3.ExprRef, ...]
    reverts: z3.BoolRef | None = None


Units = Mapping[str, tuple[int, str]]


def _range_constraints(
    fn: ExtractedFunction, ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]]
) -> list[z3.BoolRef]:
    if isinstance(ranges, Mapping):
        out = []
        for name, (low, high) in ranges.items():
            arg = fn.arg(name)
            out.append(z3.And(arg >= low, arg <= high))
        return out
    return list(ranges)


def _shown(fn: ExtractedFunction, units: Units, extra: Sequence[Quantity] = ()) -> tuple[Quantity, ...]:
    quantities = []
    for name, arg in zip(fn.param_names, fn.args, strict=True):
        decimals, unit = units.get(name, (0, ""))
        quantities.append(Quantity(name, arg, decimals, unit))  # type: ignore[arg-type]
    for name, value in zip(fn.return_names, fn.returns, strict=True):
        decimals, unit = units.get(name, (0, ""))
        quantities.append(Quantity(f"code {name}", value, decimals, unit))  # type: ignore[arg-type]
    return (*quantities, *extra)


def equivalence_obligation(
    extracted_fn: ExtractedFunction,
    model_fn: Callable[..., Any],
    ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]] = (),
    *,
    name: str | None = None,
    units: Units | None = None,
    witness: z3.BoolRef | None = None,
) -> Obligation:
    """Obligation: on every input in range (type ranges always included) on which the code does not
    revert, each return value equals the model's. ``model_fn(*args)`` returns one term, a tuple of
    terms, or a :class:`ModelOutput` — with ``reverts`` set, the revert conditions must agree too.

    The vacuity witness is "the code does not revert" (∧ ``witness``): an equivalence that holds only
    because every input reverts is rejected as VACUOUS.
    """
    units = units or {}
    output = model_fn(*extracted_fn.args)
    model_reverts = None
    if isinstance(output, ModelOutput):
        values, model_reverts = output.values, output.reverts
    elif isinstance(output, tuple | list):
        values = tuple(output)
    else:
        values = (output,)
    # plain Python numbers/bools from a model become Z3 constants
    values = tuple(
        (z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v)) if isinstance(v, int) else v for v in values
    )
    if len(values) != len(extracted_fn.returns):
        raise ExtractionError(
            f"model of {extracted_fn.name} returns {len(values)} values, the code {len(extracted_fn.returns)}"
        )
    equal = [code == model for code, model in zip(extracted_fn.returns, values, strict=True)]
    goal = z3.Implies(z3.Not(extracted_fn.reverts), z3.And(*equal) if equal else z3.BoolVal(True))
    if model_reverts is not None:
        goal = z3.And(goal, extracted_fn.reverts == model_reverts)
    model_quantities = []
    for ret_name, value in zip(extracted_fn.return_names, values, strict=True):
        decimals, unit = units.get(ret_name, (0, ""))
        model_quantities.append(Quantity(f"model {ret_name}", value, decimals, unit))  # type: ignore[arg-type]
    reach = z3.Not(extracted_fn.reverts)
    return Obligation(
        name=name or f"{extracted_fn.name} (code) == model",
        assumptions=(*extracted_fn.input_ranges(), *_range_constraints(extracted_fn, ranges)),
        goal=goal,
        witness=z3.And(reach, witness) if witness is not None else reach,
        shown=_shown(extracted_fn, units, model_quantities),
        explanation=f"the code of {extracted_fn.name} and its model disagree on this input",
        code_derived=True,
    )


def safety_obligations(
    extracted_fn: ExtractedFunction,
    ranges: Sequence[z3.BoolRef] | Mapping[str, tuple[int, int]] = (),
    *,
    kinds: Sequence[str] = ("overflow", "underflow", "division-by-zero", "narrowing"),
    units: Units | None = None,
    label: str = "",
) -> list[Obligation]:
    """One obligation per check of ``kinds``: under the input ranges the check never fires.

    The witness is that the check's site is reached, so an unreachable site is VACUOUS, not PROVED.
    Narrowing conversions are included with kind ``"narrowing"``.
    """
    units = units or {}
    constraints = (*extracted_fn.input_ranges(), *_range_constraints(extracted_fn, ranges))
    tag = f" ({label})" if label else ""
    obligations = []
    for index, check in enumerate((*extracted_fn.checks, *extracted_fn.truncations)):
        if check.kind not in kinds:
            continue
        obligations.append(
            Obligation(
                name=f"{extracted_fn.name}{tag}: no {check.kind} #{index} at {check.where}",
                assumptions=constraints,
                goal=z3.Not(check.condition),
                witness=check.reached,
                shown=_shown(extracted_fn, units),
                explanation=f"{check.kind} at {check.where}",
                code_derived=True,
            )
        )
    return obligations
