"""Plain-data IR of a whole project for the stateful executor (picklable; no Slither or Z3 objects).

A :class:`CodeProject` holds every project contract (not mocks, interfaces or ``node_modules``) with
its state variables and every function and modifier it can execute (its own and inherited ones), each
lowered to a :class:`FunctionCode`: a CFG of :class:`Node` s whose operations are a direct, typed
transcription of SlithIR. It is built once in the main process (:func:`lower_project`) and travels to
worker processes inside ``ModelContext.code``; Z3 terms are built only there.

A function that cannot be lowered is kept as an :class:`UnsupportedCode` whose one-line reason is raised
(as :class:`ExtractionError`) when an execution reaches it, so one exotic function does not make the
whole project unusable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from vaultproof.prover.code.ir import ExtractionError

# ---------------------------------------------------------------------------------------------- types


@dataclass(frozen=True)
class SolType:
    """A Solidity type. ``kind``: ``int`` (integers, ``address``, ``bytesN``, enums, contract types —
    all ``Int`` with a range), ``bool``, ``mapping`` (``key`` → ``value``), ``struct`` (``fields``),
    ``array`` (``value`` elements, ``length`` for a fixed-size array), ``bytes`` / ``string`` (dynamic
    byte strings: only carried opaquely, e.g. a revert reason), ``tuple``."""

    kind: str
    name: str
    low: int = 0
    high: int = 0
    signed: bool = False
    bits: int = 256
    key: SolType | None = None
    value: SolType | None = None
    fields: tuple[tuple[str, SolType], ...] = ()
    length: int | None = None

    @property
    def elementary(self) -> bool:
        return self.kind in ("int", "bool")

    def field_type(self, name: str) -> SolType:
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        raise ExtractionError(f"struct {self.name} has no field {name}")


def int_type(name: str, bits: int, signed: bool, high: int | None = None) -> SolType:
    if signed:
        return SolType("int", name, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, True, bits)
    return SolType("int", name, 0, 2**bits - 1 if high is None else high, False, bits)


BOOL = SolType("bool", "bool")
UINT256 = int_type("uint256", 256, False)
ADDRESS = int_type("address", 160, False)


# ---------------------------------------------------------------------------------------------- operands


@dataclass(frozen=True)
class Local:
    """A parameter, return variable, local or temporary (``TMP_n``, ``REF_n``, ``TUPLE_n``)."""

    key: str
    type: SolType | None


@dataclass(frozen=True)
class Const:
    value: int | bool | str
    type: SolType


@dataclass(frozen=True)
class StateRef:
    """A state variable of the executing contract (``contract`` is where it is declared)."""

    contract: str
    name: str
    type: SolType
    immutable: bool = False


@dataclass(frozen=True)
class EnvRef:
    """``msg.sender``, ``block.number``, ``block.timestamp``, ``this``, ``msg.value``, ``tx.origin``,
    ``block.chainid``."""

    name: str
    type: SolType


Operand = Local | Const | StateRef | EnvRef


# ---------------------------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class OAssign:
    dest: Operand
    value: Operand


@dataclass(frozen=True)
class OBinary:
    dest: Operand
    op: str
    left: Operand
    right: Operand
    checked: bool
    type: SolType  # result type


@dataclass(frozen=True)
class OUnary:
    dest: Operand
    op: str  # "!" | "~"
    value: Operand
    type: SolType


@dataclass(frozen=True)
class OConvert:
    dest: Operand
    value: Operand
    type: SolType


@dataclass(frozen=True)
class OIndex:
    """``dest`` (a reference) → ``base[index]``."""

    dest: Local
    base: Operand
    index: Operand


@dataclass(frozen=True)
class OMember:
    """``dest`` (a reference) → ``base.field``."""

    dest: Local
    base: Operand
    field: str


@dataclass(frozen=True)
class OLength:
    dest: Local
    base: Operand


@dataclass(frozen=True)
class OCodeSize:
    """``dest`` = ``address.code.length`` (a symbolic per-address code size)."""

    dest: Local
    address: Operand


@dataclass(frozen=True)
class ODelete:
    target: Operand


@dataclass(frozen=True)
class OCall:
    """Internal / library / modifier call of ``callee`` (a key of :attr:`CodeProject.functions`)."""

    dest: Local | None
    callee: str
    args: tuple[Operand, ...]
    modifier: bool = False


@dataclass(frozen=True)
class OExternalCall:
    """``target.fn(args)``: ``interface`` is the static type of the target, ``function`` its
    full name (``transferFrom(address,address,address,uint256)``), ``returns`` its return types."""

    dest: Local | None
    target: Operand
    interface: str
    function: str
    args: tuple[Operand, ...]
    returns: tuple[SolType, ...]
    gas_limited: bool = False  # `{gas: g}`: the call may also fail for lack of gas
    static: bool = False  # the callee is `view`/`pure`: solc calls it with STATICCALL (it cannot write)


@dataclass(frozen=True)
class OSolidity:
    """A Solidity built-in: ``require``, ``assert``, ``revert``, ``keccak256``… (``name`` as Slither's)."""

    dest: Local | None
    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class OEvent:
    name: str
    fields: tuple[str, ...]
    args: tuple[Operand, ...]
    signature: str = ""  # canonical, e.g. "Moved(address,address,uint256)"
    indexed: tuple[bool, ...] = ()


@dataclass(frozen=True)
class OCondition:
    value: Operand


@dataclass(frozen=True)
class OReturn:
    values: tuple[Operand, ...]


@dataclass(frozen=True)
class OUnpack:
    dest: Local
    source: Local
    index: int


@dataclass(frozen=True)
class ONewStruct:
    dest: Local
    type: SolType
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class ONewArray:
    dest: Local
    type: SolType
    length: Operand


@dataclass(frozen=True)
class OPush:
    """``base.push(value)`` on a storage array (Slither spells it as length / index / assign IR)."""

    base: Operand
    value: Operand | None


@dataclass(frozen=True)
class OPop:
    base: Operand


@dataclass(frozen=True)
class OSlotPointer:
    """The recognised ERC-7201 idiom ``assembly { $.slot := slot }``: ``dest`` is a storage pointer to
    the struct at the constant ``slot``."""

    dest: Local
    slot: Operand


@dataclass(frozen=True)
class OTransientLoad:
    """The recognised idiom ``assembly { v := tload(slot) }``."""

    dest: Local
    slot: Operand


@dataclass(frozen=True)
class OTransientStore:
    """The recognised idiom ``assembly { tstore(slot, v) }``."""

    slot: Operand
    value: Operand


@dataclass(frozen=True)
class OGuard:
    """Short-circuit evaluation: ``ops`` (the right operand of ``&&`` / ``||``) run only when ``cond``
    equals ``when``. SlithIR evaluates both operands unconditionally; Solidity does not."""

    cond: Operand
    when: bool
    ops: tuple[Operation, ...]


Operation = (
    OGuard
    | OAssign
    | OBinary
    | OUnary
    | OConvert
    | OIndex
    | OMember
    | OLength
    | OCodeSize
    | ODelete
    | OCall
    | OExternalCall
    | OSolidity
    | OEvent
    | OCondition
    | OReturn
    | OUnpack
    | ONewStruct
    | ONewArray
    | OPush
    | OPop
    | OSlotPointer
    | OTransientLoad
    | OTransientStore
)


# ---------------------------------------------------------------------------------------------- CFG


@dataclass(frozen=True)
class Node:
    """One CFG node. ``kind``: ``plain``, ``if``, ``loop`` (an ``IFLOOP`` head: ``son_true`` is the
    body, ``son_false`` the exit), ``try`` (``sons`` = success clause, then catch clauses), ``catch``,
    ``placeholder`` (``_`` of a modifier), ``return``, ``break``, ``continue``, ``throw``."""

    id: int
    kind: str
    ops: tuple[Operation, ...]
    sons: tuple[int, ...]
    son_true: int | None
    son_false: int | None
    line: int
    text: str
    statement: bool  # counts as a statement line for coverage (not a structural node)


@dataclass(frozen=True)
class Param:
    key: str
    name: str
    type: SolType
    storage: bool = False  # a storage-reference parameter / local (a pointer, not a value)


@dataclass(frozen=True)
class FunctionCode:
    """One function or modifier. ``key`` = ``"Declarer.name(types)"``; ``name`` = ``"Declarer.name"``."""

    key: str
    name: str
    contract: str  # the declaring contract
    file: str
    line: int
    visibility: str
    is_modifier: bool
    params: tuple[Param, ...]
    returns: tuple[Param, ...]
    locals: tuple[Param, ...]
    entry: int
    nodes: tuple[Node, ...]
    order: tuple[int, ...]  # topological order of node ids with loop back-edges removed

    def node(self, node_id: int) -> Node:
        for candidate in self.nodes:
            if candidate.id == node_id:
                return candidate
        raise ExtractionError(f"{self.name}: dangling CFG edge to node {node_id}")

    @property
    def statement_lines(self) -> tuple[int, ...]:
        return tuple(sorted({n.line for n in self.nodes if n.statement}))

    def where(self, node: Node) -> str:
        return f"{self.name} ({self.file}:{node.line}): {node.text}"


@dataclass(frozen=True)
class UnsupportedCode:
    key: str
    name: str
    contract: str
    reason: str
    visibility: str = ""  # as declared: an external one is still an entry point (that cannot be executed)


@dataclass(frozen=True)
class StateVariable:
    contract: str  # declaring contract
    name: str
    type: SolType
    constant: bool
    immutable: bool
    value: int | bool | None = None  # folded value of a constant


@dataclass(frozen=True)
class ContractCode:
    """A deployable project contract: its state (own and inherited) and, per externally visible
    function name/full name and per internal signature, the key of the function that runs."""

    name: str
    file: str
    kind: str  # "contract" | "library" | "abstract"
    state: tuple[StateVariable, ...]
    # "fn(types)" → function key, resolved through inheritance (the most derived implementation)
    dispatch: tuple[tuple[str, str], ...]
    bases: tuple[str, ...] = ()

    def variable(self, name: str) -> StateVariable:
        for variable in self.state:
            if variable.name == name:
                return variable
        raise ExtractionError(f"contract {self.name} has no state variable {name}")

    def resolve(self, full_name: str) -> str | None:
        for signature, key in self.dispatch:
            if signature == full_name:
                return key
        return None


@dataclass(frozen=True)
class CodeProject:
    """Every project contract and the code it runs, lowered. Picklable; ``ModelContext.code``."""

    contracts: tuple[tuple[str, ContractCode], ...]
    functions: tuple[tuple[str, FunctionCode | UnsupportedCode], ...]
    _index: dict[str, FunctionCode | UnsupportedCode] = field(default_factory=dict, compare=False, repr=False)
    _contract_index: dict[str, ContractCode] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(self.functions)
        self._contract_index.update(self.contracts)

    def contract(self, name: str) -> ContractCode:
        found = self._contract_index.get(name)
        if found is None:
            known = ", ".join(sorted(self._contract_index)) or "none"
            raise ExtractionError(f"no project contract {name} (known: {known})")
        return found

    def function(self, key: str) -> FunctionCode:
        found = self._index.get(key)
        if found is None:
            raise ExtractionError(f"no lowered function {key}")
        if isinstance(found, UnsupportedCode):
            raise ExtractionError(found.reason)
        return found

    def entry(self, name: str) -> FunctionCode:
        """``"Contract.fn"`` or ``"Contract.fn(types)"`` as the contract runs it (inheritance resolved)."""
        contract_name, _, function_name = name.partition(".")
        contract = self.contract(contract_name)
        if "(" in function_name:
            key = contract.resolve(function_name)
            if key is None:
                raise ExtractionError(f"{contract_name} has no function {function_name}")
            return self.function(key)
        matches = sorted({key for sig, key in contract.dispatch if sig.split("(")[0] == function_name})
        if not matches:
            raise ExtractionError(f"{contract_name} has no function {function_name}")
        if len(matches) > 1:
            raise ExtractionError(f"{name} is overloaded ({', '.join(matches)}); name it with its types")
        return self.function(matches[0])

    def storage_accessors(self, contract: str) -> Iterator[tuple[FunctionCode, Param]]:
        """The functions ``contract`` dispatches to that take no argument and return one storage pointer,
        with that return, in dispatch order: where a namespaced-storage accessor (``_s()``) is found."""
        for _, key in self.contract(contract).dispatch:
            candidate = self._index.get(key)
            if not isinstance(candidate, FunctionCode) or candidate.params or len(candidate.returns) != 1:
                continue
            if candidate.returns[0].storage:
                yield candidate, candidate.returns[0]

    def callees(self, key: str) -> tuple[str, ...]:
        """The call graph: functions and modifiers ``key`` calls internally (external calls are resolved
        at execution, through the deployment map)."""
        found = self._index.get(key)
        if not isinstance(found, FunctionCode):
            return ()

        def walk(ops: tuple[Operation, ...]) -> list[str]:
            out: list[str] = []
            for op in ops:
                if isinstance(op, OCall):
                    out.append(op.callee)
                elif isinstance(op, OGuard):
                    out.extend(walk(op.ops))
            return out

        return tuple(sorted({c for node in found.nodes for c in walk(node.ops)}))

    def unsupported(self) -> tuple[UnsupportedCode, ...]:
        return tuple(f for _, f in self.functions if isinstance(f, UnsupportedCode))
