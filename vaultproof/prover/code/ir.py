"""Plain-data IR of lowered pure functions (picklable; no Slither or Z3 objects), and the
extraction error with the limits that bound lowering and execution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from vaultproof.errors import VaultproofError

T = TypeVar("T")

# Guards against pathological inputs: these bound the work of lowering and of symbolic execution.
MAX_PATHS = 512
MAX_CONSTANT_EXPONENT = 64
MAX_INLINE_DEPTH = 16


class ExtractionError(VaultproofError):
    """A function uses IR outside the supported subset, or is not a pure function."""


def named(names: Sequence[str], values: Sequence[T], name: str, missing: str) -> T:
    """The value called ``name`` (``values`` in the order of ``names``); a name that is not there is an
    :class:`ExtractionError` saying ``missing`` and the names there are."""
    try:
        return values[list(names).index(name)]
    except ValueError:
        raise ExtractionError(f"{missing} (has {', '.join(names)})") from None


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
