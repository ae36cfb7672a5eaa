"""Lowering of ``pure`` functions: Slither ``Function`` → :class:`PureFunctionIR` (main process only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vaultproof.prover.code.ir import (
    MAX_INLINE_DEPTH,
    Assign,
    BinOp,
    BranchOp,
    CallOp,
    Convert,
    ExtractionError,
    IRNode,
    Lit,
    Op,
    Operand,
    PureFunctionIR,
    RequireOp,
    ReturnOp,
    RevertOp,
    UnOp,
    UnpackOp,
    UnsupportedFunction,
    Var,
)
from vaultproof.prover.code.keys import LocalKeys
from vaultproof.prover.code.types import (
    COMPARISONS,
    _supported_type,
    binary_result_type,
    fold_literals,
    int_spec,
)


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
        self.keys = LocalKeys()
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
        return ExtractionError(self.keys.renumbered(f"cannot extract {self.name} ({location}): {detail}"))

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
        return Var(self.keys.key(variable), type_name)

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
            return Var(self.keys.temporary(value), type_name)
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
            return Var(self.keys.temporary(lvalue), name)
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
                destination = self.keys.temporary(ir.lvalue)
            else:
                destination = self.dest(ir.lvalue, where)
            return [CallOp(destination, lowered.signature, args)]
        if isinstance(ir, Unpack):
            return [UnpackOp(self.dest(ir.lvalue, where), self.keys.temporary(ir.tuple), ir.index)]
        raise self.fail(f"unsupported IR `{ir}` ({type(ir).__name__})", where)
