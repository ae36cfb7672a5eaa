"""Lowering of a whole project for the stateful executor: Slither → :class:`CodeProject` (main process).

Every function and modifier a project contract runs (its own, inherited ones, and every internal /
library function they reach) is transcribed from SlithIR (non-SSA) into :mod:`program` operations.
A construct outside the supported subset makes that one function an :class:`UnsupportedCode` whose
reason names the function, the source line and the IR; executing it raises that reason.

Inline assembly is rejected except for three exact idioms whose semantics are known without reading
Yul: the storage-pointer idiom of ERC-7201 / ``StorageSlot`` (``assembly { $.slot := slot }``, the only
statement, the slot a ``bytes32`` local, parameter or constant) and the transient-storage accessors
``v := tload(slot)`` / ``tstore(slot, v)`` (OpenZeppelin's ``TransientSlot``, behind
``ReentrancyGuardTransient``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slither.core.cfg.node import NodeType
from slither.core.declarations import (
    Contract,
    Enum,
    Function,
    Modifier,
    SolidityFunction,
    SolidityVariable,
    Structure,
)
from slither.core.solidity_types import ArrayType, ElementaryType, MappingType, TypeAlias, UserDefinedType
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable as SlitherStateVariable
from slither.core.variables.variable import Variable
from slither.slithir.operations import (
    Assignment,
    Binary,
    Condition,
    Delete,
    EventCall,
    HighLevelCall,
    Index,
    InitArray,
    InternalCall,
    Length,
    LibraryCall,
    Member,
    NewArray,
    NewStructure,
    Return,
    SolidityCall,
    TypeConversion,
    Unary,
    Unpack,
)
from slither.slithir.operations.binary import BinaryType
from slither.slithir.operations.unary import UnaryType
from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable, TupleVariable

from vaultproof.dependencies import DEFAULT_DIRS, is_dependency_path
from vaultproof.graphs import walk
from vaultproof.prover.code.ir import ExtractionError
from vaultproof.prover.code.keys import LocalKeys
from vaultproof.prover.code.program import (
    ADDRESS,
    BOOL,
    UINT256,
    CodeProject,
    Const,
    ContractCode,
    EnvRef,
    FunctionCode,
    Local,
    Node,
    OAssign,
    OBinary,
    OCall,
    OCodeSize,
    OCondition,
    OConvert,
    ODelete,
    OEvent,
    OExternalCall,
    OGuard,
    OIndex,
    OLength,
    OMember,
    ONewArray,
    ONewStruct,
    Operand,
    Operation,
    OReturn,
    OSlotPointer,
    OSolidity,
    OTransientLoad,
    OTransientStore,
    OUnary,
    OUnpack,
    Param,
    SolType,
    StateRef,
    StateVariable,
    UnsupportedCode,
    int_type,
)
from vaultproof.prover.params import fold_constant

_ENV_TYPES = {
    "msg.sender": ADDRESS,
    "tx.origin": ADDRESS,
    "this": ADDRESS,
    "block.number": UINT256,
    "block.timestamp": UINT256,
    "block.chainid": UINT256,
    "msg.value": UINT256,
}

_BINARY = {
    "ADDITION": "+",
    "SUBTRACTION": "-",
    "MULTIPLICATION": "*",
    "DIVISION": "/",
    "MODULO": "%",
    "POWER": "**",
    "LEFT_SHIFT": "<<",
    "RIGHT_SHIFT": ">>",
    "LESS": "<",
    "GREATER": ">",
    "LESS_EQUAL": "<=",
    "GREATER_EQUAL": ">=",
    "EQUAL": "==",
    "NOT_EQUAL": "!=",
    "ANDAND": "&&",
    "OROR": "||",
    "AND": "&",
    "OR": "|",
    "CARET": "^",
}


def _relative(mapping: Any) -> str:
    filename = getattr(mapping, "filename", None)
    return str(getattr(filename, "relative", "") or getattr(filename, "absolute", "") or "")


def _is_project_contract(contract: Any, dependency_dirs: tuple[str, ...] = DEFAULT_DIRS) -> bool:
    if contract.is_interface or is_dependency_path(_relative(contract.source_mapping), dependency_dirs):
        return False
    text = _relative(contract.source_mapping)
    return "/mocks/" not in f"/{text}"


# ---------------------------------------------------------------------------------------------- types


def lower_type(sol_type: Any, _depth: int = 0) -> SolType:
    """A Slither type as :class:`SolType`; raises :class:`ExtractionError` for what has no model."""

    if _depth > 12:
        raise ExtractionError(f"type {sol_type} is nested too deeply")
    if isinstance(sol_type, ElementaryType):
        name = sol_type.name
        if name == "bool":
            return BOOL
        if name in ("address", "address payable"):
            return ADDRESS
        if name in ("uint", "int"):
            name += "256"
        for prefix, signed in (("uint", False), ("int", True)):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                return int_type(name, int(name[len(prefix) :]), signed)
        if name.startswith("bytes") and name[5:].isdigit():
            return int_type(name, 8 * int(name[5:]), False)
        if name in ("bytes", "string"):
            return SolType("bytes", name)
        raise ExtractionError(f"elementary type {name} is not supported")
    if isinstance(sol_type, TypeAlias):
        underlying = lower_type(sol_type.type, _depth + 1)
        return SolType(
            underlying.kind,
            underlying.name,
            underlying.low,
            underlying.high,
            underlying.signed,
            underlying.bits,
        )
    if isinstance(sol_type, MappingType):
        key = lower_type(sol_type.type_from, _depth + 1)
        value = lower_type(sol_type.type_to, _depth + 1)
        return SolType("mapping", f"mapping({key.name} => {value.name})", key=key, value=value)
    if isinstance(sol_type, ArrayType):
        element = lower_type(sol_type.type, _depth + 1)
        length = None
        if sol_type.length is not None:
            try:
                length = int(str(sol_type.length_value.value if sol_type.length_value else sol_type.length))
            except (TypeError, ValueError):
                raise ExtractionError(f"array type {sol_type} has a non-literal length") from None
        suffix = f"[{length}]" if length is not None else "[]"
        return SolType("array", element.name + suffix, value=element, length=length)
    if isinstance(sol_type, UserDefinedType):
        target = sol_type.type
        if isinstance(target, Structure):
            fields = tuple((elem.name, lower_type(elem.type, _depth + 1)) for elem in target.elems_ordered)
            owner = getattr(target, "contract", None)
            name = f"{owner.name}.{target.name}" if owner is not None else target.name
            return SolType("struct", name, fields=fields)
        if isinstance(target, Enum):
            return int_type(target.name, 8, False, high=len(target.values) - 1)
        if isinstance(target, Contract):
            return SolType("int", target.name, 0, 2**160 - 1, False, 160)
    raise ExtractionError(f"type {sol_type} is not supported")


# ---------------------------------------------------------------------------------------------- project


def lower_project(project: Any) -> CodeProject:
    """Lower every project contract of a compiled project (``CompiledProject`` or a Slither object)."""
    slither = getattr(project, "slither", project)
    config = getattr(project, "config", None)
    return lower_contracts(slither.contracts, getattr(config, "dependency_dirs", DEFAULT_DIRS))


def lower_contracts(contracts: Iterable[Any], dependency_dirs: tuple[str, ...] = DEFAULT_DIRS) -> CodeProject:
    lowered: dict[str, FunctionCode | UnsupportedCode] = {}
    contract_codes: dict[str, ContractCode] = {}
    pending: list[Any] = []
    for contract in sorted(contracts, key=lambda c: c.name):
        if not _is_project_contract(contract, dependency_dirs):
            continue
        state = []
        for variable in contract.state_variables:
            state.append(_state_variable(variable))
        dispatch: dict[str, str] = {}
        for function in contract.functions + contract.modifiers:
            if getattr(function, "is_shadowed", False) or function.is_constructor:
                continue
            if getattr(function, "is_constructor_variables", False):
                continue
            key = function_key(function)
            dispatch.setdefault(function.full_name, key)
            pending.append(function)
        kind = (
            "library"
            if contract.is_library
            else ("abstract" if not contract.is_fully_implemented else "contract")
        )
        contract_codes[contract.name] = ContractCode(
            name=contract.name,
            file=_relative(contract.source_mapping),
            kind=kind,
            state=tuple(state),
            dispatch=tuple(sorted(dispatch.items())),
            bases=tuple(b.name for b in contract.inheritance),
        )
    while pending:
        function = pending.pop()
        key = function_key(function)
        if key in lowered:
            continue
        lowerer = _FunctionLowerer(function)
        try:
            lowered[key] = lowerer.lower()
        except ExtractionError as exc:
            name = f"{function.contract.name}.{function.name}" if function.contract else function.name
            lowered[key] = UnsupportedCode(
                key, name, function.contract.name if function.contract else "", str(exc), function.visibility
            )
        pending.extend(lowerer.reached)
    return CodeProject(tuple(sorted(contract_codes.items())), tuple(sorted(lowered.items())))


def function_key(function: Any) -> str:
    """``"Contract.name(types)"`` with the contract the function runs in (copies per inheriting contract)."""
    contract = getattr(function, "contract", None)
    return f"{contract.name if contract is not None else '<top-level>'}.{function.full_name}"


def _state_variable(variable: Any) -> StateVariable:

    declarer = variable.contract.name if getattr(variable, "contract", None) is not None else ""
    try:
        sol_type = lower_type(variable.type)
    except ExtractionError:
        sol_type = SolType("unsupported", str(variable.type))
    value: int | bool | None = None
    if variable.is_constant:
        value = _constant_value(variable, fold_constant)
    return StateVariable(
        declarer, variable.name, sol_type, bool(variable.is_constant), bool(variable.is_immutable), value
    )


def _constant_value(variable: Any, fold: Any) -> int | bool | None:
    folded = fold(variable)
    if folded is not None:
        return int(folded)
    expression = getattr(variable, "expression", None)
    text = str(expression) if expression is not None else ""
    if text.startswith("0x"):
        try:
            return int(text, 16)
        except ValueError:
            return None
    if text in ("true", "false"):
        return text == "true"
    return None


# ---------------------------------------------------------------------------------------------- functions


class _FunctionLowerer:
    def __init__(self, function: Any) -> None:
        self.function = function
        contract = function.contract
        self.contract_name = contract.name if contract is not None else "<top-level>"
        self.name = f"{self.contract_name}.{function.name}"
        self.key = function_key(function)
        self.file = _relative(function.source_mapping) if function.source_mapping else ""
        self.keys = LocalKeys()
        self.reached: list[Any] = []
        self.locals: dict[str, Param] = {}
        self.where = self.name

    def fail(self, detail: str) -> ExtractionError:
        return ExtractionError(self.keys.renumbered(f"cannot execute {self.where}: {detail}"))

    def lower(self) -> FunctionCode:

        function = self.function
        if function.entry_point is None:
            raise self.fail("function has no body (unimplemented or an interface function)")
        params = tuple(self.param(v) for v in function.parameters)
        returns = tuple(self.param(v) for v in function.returns)
        for variable in function.variables:
            param = self.param(variable)
            self.locals.setdefault(param.key, param)
        reachable = self.reachable(function.entry_point)
        assembly = self.assembly_nodes(reachable)
        nodes = []
        for node in sorted(reachable, key=lambda n: n.node_id):
            if node.type == NodeType.OTHER_ENTRYPOINT:
                raise self.fail("an OTHER_ENTRYPOINT node")
            nodes.append(self.lower_node(node, node.node_id in assembly))
        nodes = _repair_ternary_conditions(nodes)
        order = _topological(function.entry_point, reachable)
        lines = getattr(function.source_mapping, "lines", None) or [0]
        return FunctionCode(
            key=self.key,
            name=self.name,
            contract=self.contract_name,
            file=self.file,
            line=lines[0],
            visibility=str(function.visibility),
            is_modifier=_is_modifier(function),
            params=params,
            returns=returns,
            locals=tuple(sorted(self.locals.values(), key=lambda p: p.key)),
            entry=function.entry_point.node_id,
            nodes=tuple(nodes),
            order=order,
        )

    @staticmethod
    def reachable(entry: Any) -> list[Any]:
        return walk([entry], lambda node: node.sons, key=lambda node: node.node_id)

    def assembly_nodes(self, nodes: Sequence[Any]) -> set[int]:

        inside: set[int] = set()
        for node in nodes:
            if node.type != NodeType.ASSEMBLY:
                continue
            stack = list(node.sons)
            while stack:
                current = stack.pop()
                if current.type == NodeType.ENDASSEMBLY or current.node_id in inside:
                    continue
                inside.add(current.node_id)
                stack.extend(current.sons)
        return inside

    # -- variables ----------------------------------------------------------------------------------

    def param(self, variable: Any) -> Param:
        key = self.local_key(variable)
        try:
            sol_type = lower_type(variable.type)
        except ExtractionError as exc:
            raise self.fail(f"variable {variable.name!r}: {exc}") from None
        storage = str(getattr(variable, "location", "")) == "storage" and not sol_type.elementary
        return Param(key, variable.name or key, sol_type, storage)

    def local_key(self, variable: Any) -> str:
        return self.keys.key(variable)

    def type_of(self, value: Any) -> SolType | None:
        value_type = getattr(value, "type", None)
        if value_type is None:
            return None
        if isinstance(value_type, list):
            return None
        try:
            return lower_type(value_type)
        except ExtractionError:
            return None

    def operand(self, value: Any) -> Operand:

        if isinstance(value, Constant):
            raw = value.value
            const_type = self.type_of(value) or UINT256
            if isinstance(raw, bool):
                return Const(raw, BOOL)
            if isinstance(raw, int):
                return Const(raw, const_type)
            if isinstance(raw, str):
                return Const(raw, SolType("bytes", "string"))
            raise self.fail(f"constant {raw!r} is not supported")
        if isinstance(value, SlitherStateVariable):
            sol_type = self.type_of(value)
            if sol_type is None:
                raise self.fail(f"state variable {value.name} has unsupported type {value.type}")
            if value.is_constant:
                folded = _constant_value(value, fold_constant)
                if folded is None:
                    raise self.fail(f"constant {value.name} cannot be folded")
                return Const(folded, sol_type)
            declarer = value.contract.name if value.contract is not None else self.contract_name
            return StateRef(declarer, value.name, sol_type, bool(value.is_immutable))
        if isinstance(value, LocalVariable):
            key = self.local_key(value)
            return Local(key, self.type_of(value))
        if isinstance(value, TemporaryVariable | ReferenceVariable | TupleVariable):
            return Local(self.keys.temporary(value), self.type_of(value))
        if isinstance(value, SolidityVariable):
            name = value.name
            if name in _ENV_TYPES:
                return EnvRef(name, _ENV_TYPES[name])
            raise self.fail(f"Solidity variable {name} is not supported")
        raise self.fail(f"operand {value} ({type(value).__name__}) is not supported")

    def call_dest(self, lvalue: Any) -> Local | None:
        """Where a call's result goes: nowhere, a tuple the ``Unpack`` after it reads, or a typed local."""
        if lvalue is None:
            return None
        if isinstance(lvalue, TupleVariable):
            return Local(self.keys.temporary(lvalue), None)
        return self.dest(lvalue)

    def dest(self, lvalue: Any) -> Local:
        operand = self.operand(lvalue)
        if not isinstance(operand, Local):
            raise self.fail(f"destination {lvalue} is not a local")
        return operand

    def target(self, lvalue: Any) -> Operand:
        """An assignment destination: a local, a reference, or a state variable."""
        return self.operand(lvalue)

    # -- nodes --------------------------------------------------------------------------------------

    def lower_node(self, node: Any, in_assembly: bool) -> Node:

        lines = getattr(node.source_mapping, "lines", None) or [0]
        text = _node_text(node)
        self.where = f"{self.name} ({self.file}:{lines[0]}): {text}"
        kind = {
            NodeType.IF: "if",
            NodeType.IFLOOP: "loop",
            NodeType.RETURN: "return",
            NodeType.TRY: "try",
            NodeType.CATCH: "catch",
            NodeType.PLACEHOLDER: "placeholder",
            NodeType.BREAK: "break",
            NodeType.CONTINUE: "continue",
            NodeType.THROW: "throw",
        }.get(node.type, "plain")
        if in_assembly:
            ops = self.assembly_ops(node)
        elif node.type == NodeType.VARIABLE and not node.irs and node.variable_declaration is not None:
            # `T x;` re-initialises x to its zero value each time the declaration runs (inside loops too)
            ops = self.zero_init(node.variable_declaration)
        else:
            ops = self.lower_structured(_short_circuit(list(node.irs)), lines[0])
        self.where = self.name
        structural = node.type in (
            NodeType.ENTRYPOINT,
            NodeType.ENDIF,
            NodeType.ENDLOOP,
            NodeType.STARTLOOP,
            NodeType.ASSEMBLY,
            NodeType.ENDASSEMBLY,
            NodeType.CATCH,
            NodeType.PLACEHOLDER,
        )
        statement = not structural and (node.expression is not None or kind in ("break", "continue", "throw"))
        son_true = (
            node.son_true.node_id if node.type in (NodeType.IF, NodeType.IFLOOP) and node.son_true else None
        )
        son_false = (
            node.son_false.node_id if node.type in (NodeType.IF, NodeType.IFLOOP) and node.son_false else None
        )
        return Node(
            id=node.node_id,
            kind=kind,
            ops=tuple(ops),
            sons=tuple(s.node_id for s in node.sons),
            son_true=son_true,
            son_false=son_false,
            line=lines[0],
            text=text,
            statement=statement,
        )

    def lower_structured(self, items: list[Any], line: int) -> list[Operation]:
        ops: list[Operation] = []
        for item in items:
            if isinstance(item, _Guard):
                inner = self.lower_structured(item.items, line)
                ops.append(OGuard(self.operand(item.cond), item.when, tuple(inner)))
                continue
            self.where = f"{self.name} ({self.file}:{line}): `{item}`"
            ops.extend(self.lower_ir(item))
        return ops

    def zero_init(self, variable: Any) -> list[Operation]:
        param = self.param(variable)
        dest = Local(param.key, param.type)
        if param.type.kind == "bool":
            return [OAssign(dest, Const(False, BOOL))]
        if param.type.kind == "int":
            return [OAssign(dest, Const(0, param.type))]
        if param.type.kind == "struct" and not param.storage:
            return [ONewStruct(dest, param.type, ())]
        if param.type.kind == "array" and not param.storage:
            return [ONewArray(dest, param.type, Const(0, UINT256))]
        raise self.fail(f"declaration of {variable.name} ({param.type.name}) without an initializer")

    def assembly_ops(self, node: Any) -> list[Operation]:

        irs = list(node.irs)
        text = _node_text(node)
        lines = getattr(node.source_mapping, "lines", None) or [0]
        where = f"{self.name} ({self.file}:{lines[0]}): `{text}`"
        if len(irs) == 1 and isinstance(irs[0], Assignment):
            ir = irs[0]
            dest_type = self.type_of(ir.lvalue)
            source_type = self.type_of(ir.rvalue)
            if (
                dest_type is not None
                and dest_type.kind == "struct"
                and source_type is not None
                and source_type.name == "bytes32"
            ):
                return [OSlotPointer(self.dest(ir.lvalue), self.operand(ir.rvalue))]
        if irs and isinstance(irs[0], SolidityCall) and isinstance(irs[0].function, SolidityFunction):
            name = irs[0].function.name
            if name.startswith("tload(") and len(irs) == 2 and isinstance(irs[1], Assignment):
                return [OTransientLoad(self.dest(irs[1].lvalue), self.operand(irs[0].arguments[0]))]
            if name.startswith("tstore(") and len(irs) == 1:
                return [OTransientStore(self.operand(irs[0].arguments[0]), self.operand(irs[0].arguments[1]))]
        raise ExtractionError(
            f"cannot execute {where}: inline assembly is not supported "
            "(only `$.slot := slot`, `tload` and `tstore` are recognised)"
        )

    def lower_ir(self, ir: Any) -> list[Operation]:

        if isinstance(ir, Assignment):
            return [OAssign(self.target(ir.lvalue), self.operand(ir.rvalue))]
        if isinstance(ir, InitArray):
            values = ir.init_values
            if len(values) == 1 and not isinstance(values[0], list):
                # `T[] storage x = ref` / `T[] memory x = f()`: a pointer copy, spelled as an array literal
                return [OAssign(self.target(ir.lvalue), self.operand(values[0]))]
            raise self.fail("array literals are not supported")
        if isinstance(ir, Binary):
            op = _BINARY.get(ir.type.name)
            if op is None:
                raise self.fail(f"binary operator {ir.type.value} is not supported")
            result = self.type_of(ir.lvalue)
            left, right = self.operand(ir.variable_left), self.operand(ir.variable_right)
            result_type = _result_type(op, left, right, result)
            checked = bool(ir.node.scope.is_checked)
            return [OBinary(self.target(ir.lvalue), op, left, right, checked, result_type)]
        if isinstance(ir, Unary):
            unary = {UnaryType.BANG: "!", UnaryType.TILD: "~"}.get(ir.type)
            if unary is None:
                raise self.fail("unary operator is not supported")
            value = self.operand(ir.rvalue)
            value_type = BOOL if unary == "!" else (_operand_type(value) or UINT256)
            return [OUnary(self.dest(ir.lvalue), unary, value, value_type)]
        if isinstance(ir, TypeConversion):
            target_type = lower_type(ir.type)
            return [OConvert(self.dest(ir.lvalue), self.operand(ir.variable), target_type)]
        if isinstance(ir, Index):
            return [
                OIndex(self.dest(ir.lvalue), self.operand(ir.variable_left), self.operand(ir.variable_right))
            ]
        if isinstance(ir, Member):
            left = ir.variable_left
            member = str(ir.variable_right)
            if isinstance(left, Enum):
                values = list(left.values)
                if member not in values:
                    raise self.fail(f"enum {left.name} has no member {member}")
                return [
                    OAssign(self.dest(ir.lvalue), Const(values.index(member), int_type(left.name, 8, False)))
                ]
            if isinstance(left, Contract):
                for variable in left.state_variables:
                    if variable.name == member and variable.is_constant:
                        return [OAssign(self.dest(ir.lvalue), self.operand(variable))]
                raise self.fail(f"member {left.name}.{member} is not a constant")
            if isinstance(left, SolidityVariable):
                raise self.fail(f"member {left}.{member} is not supported")
            if member == "code" and (_operand_type(self.operand(left)) or UINT256).kind == "int":
                # `a.code` is only supported as `a.code.length` (resolved by the Length that follows)
                self.code_refs[str(ir.lvalue)] = self.operand(left)
                return []
            return [OMember(self.dest(ir.lvalue), self.operand(left), member)]
        if isinstance(ir, Length):
            base_key = str(ir.value)
            if base_key in self.code_refs:
                return [OCodeSize(self.dest(ir.lvalue), self.code_refs[base_key])]
            return [OLength(self.dest(ir.lvalue), self.operand(ir.value))]
        if isinstance(ir, Delete):
            return [ODelete(self.operand(ir.variable))]
        if isinstance(ir, Condition):
            return [OCondition(self.operand(ir.value))]
        if isinstance(ir, Return):
            return [OReturn(tuple(self.operand(v) for v in ir.values))]
        if isinstance(ir, Unpack):
            return [OUnpack(self.dest(ir.lvalue), self.dest(ir.tuple), ir.index)]
        if isinstance(ir, NewStructure):
            struct_type = lower_type(ir.lvalue.type)
            return [
                ONewStruct(self.dest(ir.lvalue), struct_type, tuple(self.operand(a) for a in ir.arguments))
            ]
        if isinstance(ir, NewArray):
            array_type = lower_type(ir.lvalue.type)
            if len(ir.arguments) != 1:
                raise self.fail("new array without exactly one length argument")
            return [ONewArray(self.dest(ir.lvalue), array_type, self.operand(ir.arguments[0]))]
        if isinstance(ir, EventCall):
            return [self.event(ir)]
        if isinstance(ir, SolidityCall):
            name = ir.function.name if isinstance(ir.function, SolidityFunction) else str(ir.function)
            args = tuple(self.operand(a) for a in ir.arguments if not isinstance(a, list))
            dest = self.dest(ir.lvalue) if ir.lvalue is not None else None
            return [OSolidity(dest, name, args)]
        if isinstance(ir, InternalCall | LibraryCall):
            callee = ir.function
            if not isinstance(callee, Function):
                raise self.fail(f"call of {callee} is not supported")
            if isinstance(ir, LibraryCall) and callee.visibility not in ("internal", "private"):
                raise self.fail(f"external library call {callee.canonical_name} is not supported")
            self.reached.append(callee)
            dest = self.call_dest(ir.lvalue)
            modifier = bool(getattr(ir, "is_modifier_call", False))
            return [OCall(dest, function_key(callee), tuple(self.operand(a) for a in ir.arguments), modifier)]
        if isinstance(ir, HighLevelCall):
            if isinstance(ir, LibraryCall):  # pragma: no cover - handled above
                raise self.fail("library call")
            callee = ir.function
            interface = ""
            dest_type = getattr(ir.destination, "type", None)
            if dest_type is not None:
                interface = str(dest_type)
            full_name = getattr(callee, "full_name", None) or str(ir.function_name)
            returns: tuple[SolType, ...] = ()
            static = False
            if isinstance(callee, Function):
                returns = tuple(lower_type(r.type) for r in callee.returns)
                static = bool(callee.view or callee.pure)
            elif isinstance(callee, Variable):
                raise self.fail(f"call of the public getter {ir.function_name} is not supported")
            if getattr(ir, "call_value", None) is not None:
                raise self.fail("external call with value (ether transfers are not modelled)")
            gas_limited = getattr(ir, "call_gas", None) is not None
            dest = self.call_dest(ir.lvalue)
            return [
                OExternalCall(
                    dest,
                    self.operand(ir.destination),
                    interface,
                    full_name,
                    tuple(self.operand(a) for a in ir.arguments),
                    returns,
                    gas_limited,
                    static,
                )
            ]
        raise self.fail(f"{type(ir).__name__} is not supported")

    def event(self, ir: Any) -> OEvent:
        contract = self.function.contract
        candidates = []
        if contract is not None:
            for event in getattr(contract, "events", []):
                if event.name == ir.name and len(event.elems) == len(ir.arguments):
                    candidates.append(event)
            for base in getattr(contract, "inheritance", []):
                for event in getattr(base, "events", []):
                    if event.name == ir.name and len(event.elems) == len(ir.arguments):
                        candidates.append(event)
        signature = ""
        indexed: tuple[bool, ...] = ()
        if candidates:
            fields = tuple(elem.name for elem in candidates[0].elems)
            signature = _abi_signature(candidates[0])
            indexed = tuple(bool(getattr(elem, "indexed", False)) for elem in candidates[0].elems)
        else:
            fields = tuple(f"arg{i}" for i in range(len(ir.arguments)))
        return OEvent(str(ir.name), fields, tuple(self.operand(a) for a in ir.arguments), signature, indexed)

    @property
    def code_refs(self) -> dict[str, Operand]:
        refs: dict[str, Operand] | None = getattr(self, "_code_refs", None)
        if refs is None:
            refs = {}
            self._code_refs = refs
        return refs


def _repair_ternary_conditions(nodes: list[Node]) -> list[Node]:
    """``if (c ? a : b)``: Slither splits the ternary into two branches that each compute a bool and
    joins them in an END_IF with two successors and no condition. Each branch's last result is the
    condition; name it, and make the join the ``if`` it stands for (its sons are true, then false)."""
    by_id = {n.id: n for n in nodes}
    replaced: dict[int, Node] = {}
    for node in nodes:
        if node.kind != "plain" or len(node.sons) != 2 or node.ops:
            continue
        preds = [p for p in nodes if node.id in p.sons]
        cond = Local(f"COND_{node.id}", BOOL)
        ok = bool(preds)
        for pred in preds:
            last = pred.ops[-1] if pred.ops else None
            dest = getattr(last, "dest", None)
            if not (isinstance(dest, Local) and dest.type is not None and dest.type.kind == "bool"):
                ok = False
        if not ok:
            continue
        for pred in preds:
            current = replaced.get(pred.id, pred)
            dest = getattr(current.ops[-1], "dest", None)
            assert isinstance(dest, Local)
            replaced[pred.id] = _with(current, ops=(*current.ops, OAssign(cond, dest)))
        replaced[node.id] = _with(
            node, kind="if", ops=(OCondition(cond),), son_true=node.sons[0], son_false=node.sons[1]
        )
    return [replaced.get(n.id, by_id[n.id]) for n in nodes]


def _with(node: Node, **changes: Any) -> Node:
    from dataclasses import replace

    return replace(node, **changes)


class _Guard:
    def __init__(self, cond: Any, when: bool, items: list[Any]) -> None:
        self.cond, self.when, self.items = cond, when, items


def _short_circuit(irs: list[Any]) -> list[Any]:
    """Group the IR computing the right operand of each ``&&`` / ``||`` under a guard on the left one.

    Slither emits an expression's IR in post-order (left operand, right operand, operator), each
    operand's IR contiguous, so the right operand's IR is the block that ends at the definition of the
    operator's right variable and starts after the left operand's definition (or, for a left operand
    not computed in this node, at the first IR the right operand depends on)."""

    def defined(index_limit: int, variable: Any) -> int | None:
        for i in range(index_limit - 1, -1, -1):
            if getattr(irs[i], "lvalue", None) is variable:
                return i
        return None

    for p in range(len(irs) - 1, -1, -1):
        ir = irs[p]
        if not isinstance(ir, Binary) or ir.type not in (BinaryType.ANDAND, BinaryType.OROR):
            continue
        r = defined(p, ir.variable_right)
        if r is None:
            continue
        left_def = defined(r, ir.variable_left)
        if left_def is not None:
            start = left_def + 1
        else:
            deps = {id(ir.variable_right)}
            start = r
            for i in range(r, -1, -1):
                if id(getattr(irs[i], "lvalue", None)) in deps:
                    start = i
                    for read in getattr(irs[i], "read", []):
                        deps.add(id(read))
        block = irs[start : r + 1]
        when = ir.type == BinaryType.ANDAND
        return [
            *_short_circuit(irs[:start]),
            _Guard(ir.variable_left, when, _short_circuit(block)),
            *_short_circuit(irs[r + 1 :]),
        ]
    return irs


def _node_text(node: Any) -> str:
    """The node's source text on one line (Slither's expression printer is slow on big literals)."""
    if node.expression is None:
        return str(node.type.value)
    content = getattr(node.source_mapping, "content", None) or ""
    text = " ".join(str(content).split())
    return text[:160] if text else str(node.type.value)


def _is_modifier(function: Any) -> bool:

    return isinstance(function, Modifier)


def _operand_type(operand: Operand) -> SolType | None:
    if isinstance(operand, Local):
        return operand.type
    return operand.type


def _result_type(op: str, left: Operand, right: Operand, slither_type: SolType | None) -> SolType:
    """Solidity's result type (as the pure extractor): comparisons bool; ``**``/shifts the base's type; a
    literal adopts the other operand's type; two typed operands the wider one."""
    if op in ("<", ">", "<=", ">=", "==", "!=", "&&", "||"):
        return BOOL
    left_type, right_type = _operand_type(left), _operand_type(right)
    left_literal = isinstance(left, Const) and not isinstance(left.value, str)
    right_literal = isinstance(right, Const)
    if op in ("**", "<<", ">>"):
        if left_literal or left_type is None:
            return slither_type or UINT256
        return left_type
    if left_literal and right_type is not None and not right_literal:
        return right_type
    if right_literal and left_type is not None and not left_literal:
        return left_type
    if left_type is not None and right_type is not None and left_type.kind == right_type.kind == "int":
        return left_type if left_type.bits >= right_type.bits else right_type
    return slither_type or left_type or UINT256


def _topological(entry: Any, nodes: Sequence[Any]) -> tuple[int, ...]:
    """Node ids in topological order of the CFG without its loop back-edges (edges to a DFS ancestor)."""
    back: set[tuple[int, int]] = set()
    state: dict[int, int] = {}
    stack: list[tuple[Any, int]] = [(entry, 0)]
    state[entry.node_id] = 1
    while stack:
        node, index = stack.pop()
        sons = list(node.sons)
        if index < len(sons):
            stack.append((node, index + 1))
            son = sons[index]
            mark = state.get(son.node_id, 0)
            if mark == 1:
                back.add((node.node_id, son.node_id))
            elif mark == 0:
                state[son.node_id] = 1
                stack.append((son, 0))
        else:
            state[node.node_id] = 2
    indegree = {n.node_id: 0 for n in nodes}
    for node in nodes:
        for son in node.sons:
            if (node.node_id, son.node_id) not in back:
                indegree[son.node_id] += 1
    by_id = {n.node_id: n for n in nodes}
    ready = sorted(i for i, d in indegree.items() if d == 0)
    order: list[int] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for son in by_id[current].sons:
            if (current, son.node_id) in back:
                continue
            indegree[son.node_id] -= 1
            if indegree[son.node_id] == 0:
                ready.append(son.node_id)
                ready.sort()
    return tuple(order)


def _abi_signature(event: Any) -> str:
    """The canonical signature topic 0 hashes: ABI types (an enum is ``uint8``, a contract ``address``), not
    Slither's ``full_name`` (``E(IFoo.Mode)``)."""
    from slither.utils.type import convert_type_for_solidity_signature_to_string

    try:
        types = [convert_type_for_solidity_signature_to_string(elem.type) for elem in event.elems]
    except Exception:  # a type Slither cannot render canonically: keep its own name (never guessed)
        return str(getattr(event, "full_name", ""))
    return f"{event.name}({','.join(types)})"
