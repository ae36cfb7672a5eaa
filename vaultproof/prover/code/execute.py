"""Symbolic execution of a lowered entry point over a multi-contract symbolic state (Z3 terms).

The CFG of each function is walked in topological order and the states reaching a join are merged
(``If`` over their path conditions), so straight-line code with *k* ``if`` s costs *k* merges, not 2^k
paths. A function returns one merged normal outcome; every revert is kept as its own
:class:`RevertOutcome` (condition, reason, place). Storage is one dictionary of *leaves*
``(instance, variable, path)`` → term, where ``path`` spells struct fields, ``[]`` for a mapping key and
``#`` for an array index; a leaf under *n* keys is a Z3 ``Array`` over *n* ``Int`` indices, initially the
pre-state constant ``"<instance>.<variable><path>"``.

Semantics (Solidity 0.8): integers are ``Int`` with their type's range (every value read from storage,
every argument and environment value is in range, as :attr:`Execution.assumptions`); each checked
``+ - *`` over/underflow and each division by zero is a :class:`Check` *and* a revert; ``unchecked``
wraps; a narrowing conversion truncates (recorded in ``truncations``). ``require``/``revert``/custom
errors/``assert``, array bounds and failed external calls revert. ``try``/``catch`` continues in the
catch clause with the state before the call. Events are an ordered log; an event emitted on one side of a
branch carries that side's condition.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import z3

from vaultproof.prover.code import program  # its operations as program.OAssign, program.OCall, ...
from vaultproof.prover.code.arith import ARITHMETIC, BITWISE, BOOLEAN, arithmetic, bitwise, boolean, wrapped
from vaultproof.prover.code.ir import ExtractionError, named
from vaultproof.prover.code.program import (
    ADDRESS,
    UINT256,
    CodeProject,
    Const,
    EnvRef,
    FunctionCode,
    Local,
    Node,
    Operand,
    Operation,
    Param,
    SolType,
    StateRef,
)
from vaultproof.prover.code.pure import Check

MAX_CALL_DEPTH = 24
MAX_UNROLL = 64

# ---------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, eq=False)
class SLoc:
    """A storage location: leaf prefix ``(instance, var, path)`` with the index terms along ``path``."""

    instance: str
    var: str
    path: tuple[str, ...]
    keys: tuple[Any, ...]
    type: SolType


@dataclass(frozen=True, eq=False)
class SChoice(SLoc):
    """``T storage p = c ? a : b``: one of several storage locations, by mutually exclusive path
    conditions; every access distributes over the options."""

    pcs: tuple[Any, ...] = ()
    options: tuple[SLoc, ...] = ()


@dataclass(frozen=True, eq=False)
class MLoc:
    """A memory location: heap object ``obj`` and a path into it (fields, ``#`` for array elements)."""

    obj: int
    path: tuple[str, ...]
    keys: tuple[Any, ...]
    type: SolType


@dataclass(frozen=True, eq=False)
class RefTo:
    """What a SlithIR ``REF_n`` stands for: a location, read on use, written on assignment."""

    loc: SLoc | MLoc


@dataclass(frozen=True, eq=False)
class Opaque:
    """A dynamic ``bytes`` / ``string`` value the executor carries but does not model (a revert reason)."""

    text: str


@dataclass(frozen=True, eq=False)
class Encoded:
    """``abi.encode(...)`` / ``abi.encodePacked(...)`` of elementary values, only ever hashed."""

    kind: str
    values: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class CodeOf:
    """``address.code``, usable only through ``.length`` (a symbolic per-address code size)."""

    address: Any


@dataclass(frozen=True, eq=False)
class Poison:
    """A value that differs across merged paths in a way no term can express; reading it is an error."""

    reason: str


@dataclass(frozen=True, eq=False)
class Event:
    """One emitted event: it occurs iff ``when`` (already conjoined with the entry point not reverting)."""

    name: str
    contract: str
    fields: tuple[str, ...]
    values: tuple[Any, ...]
    when: z3.BoolRef
    where: str
    signature: str = ""
    indexed: tuple[bool, ...] = ()

    def __getitem__(self, name: str) -> Any:
        return named(self.fields, self.values, name, f"event {self.name} has no field {name}")


@dataclass(frozen=True, eq=False)
class RevertOutcome:
    when: z3.BoolRef
    reason: str
    where: str


@dataclass
class World:
    """Storage (persistent and transient), memory heap and event log of one path."""

    storage: dict[tuple[str, str, tuple[str, ...]], Any] = field(default_factory=dict)
    transient: dict[tuple[str, int], Any] = field(default_factory=dict)
    heap: dict[int, dict[tuple[str, ...], Any]] = field(default_factory=dict)
    events: tuple[Event, ...] = ()

    def copy(self) -> World:
        return World(
            dict(self.storage), dict(self.transient), {k: dict(v) for k, v in self.heap.items()}, self.events
        )


@dataclass
class PathState:
    pc: z3.BoolRef
    world: World
    env: dict[str, Any]

    def fork(self, pc: z3.BoolRef) -> PathState:
        return PathState(pc, self.world.copy(), dict(self.env))


# ---------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Unroll:
    """Unroll a loop ``times`` times; that this is exhaustive is a ``loop-bound`` check to prove."""

    times: int


@dataclass(frozen=True, eq=False)
class Invariant:
    """A loop invariant over a :class:`LoopView`; checked on the code (base, step), assumed at exit."""

    holds: Callable[[LoopView], z3.BoolRef]
    # vacuity witnesses of the body's checks: the site reached in the FIRST iteration (quantifier-light;
    # a site reachable only later comes out VACUOUS) or, False, in any iteration (the havocked state)
    first_witness: bool = True
    # facts assumed (not checked) wherever the invariant is evaluated — the base, the havocked state, the
    # step: instances of proved lemmas only (e.g. ``ArraySum``'s, whose proofs the property must include)
    facts: Callable[[LoopView], Sequence[z3.BoolRef]] | None = None

    def known(self, view: LoopView) -> list[z3.BoolRef]:
        return list(self.facts(view)) if self.facts is not None else []

    def failing(self, view: LoopView) -> z3.BoolRef:
        """The invariant fails at ``view`` (under the facts there, if any)."""
        bad = z3.Not(self.holds(view))
        facts = self.known(view)
        return z3.And(*facts, bad) if facts else bad


LoopSpec = Unroll | Invariant


@dataclass(frozen=True, eq=False)
class CallView:
    """What a summary sees: the call's arguments, caller and the state before the call."""

    function: str
    args: tuple[Any, ...]
    sender: Any
    target: Any
    executor: Executor
    state: PathState
    frame: Frame | None = None  # the calling frame: a summary's ``requires`` may speak of its locals

    def read(self, instance: str, var: str, *path: Any) -> Any:
        return self.executor.read_path(self.state, instance, var, path)

    def local(self, name: str) -> Any:
        """A local of the caller at the call (by source name), as :meth:`LoopView.local`."""
        return self._caller().local(name)

    def memory(self, name: str, *path: str) -> Any:
        """A leaf of the caller's memory local at the call, as :meth:`LoopView.memory`."""
        return self._caller().memory(name, *path)

    def _caller(self) -> LoopView:
        if self.frame is None:
            raise ExtractionError(f"summary of {self.function}: the caller's frame is not known")
        return LoopView(self.executor, self.state, self.frame)


@dataclass(frozen=True, eq=False)
class SummaryResult:
    """A summary's contract: return values (fresh terms are fine), storage writes
    ``{(instance, var, *path): value}``, the condition under which the call reverts (then nothing changes),
    ``requires`` — a precondition checked at every call site (a ``summary-requires`` check to prove) —
    and ``ensures`` — a postcondition over the returns and writes, assumed where the call returns."""

    returns: tuple[Any, ...] = ()
    writes: Mapping[tuple[Any, ...], Any] = field(default_factory=dict)
    reverts: z3.BoolRef | None = None
    requires: z3.BoolRef | None = None
    ensures: z3.BoolRef | None = None


Summary = Callable[[CallView], SummaryResult]


@dataclass(frozen=True)
class Havoc:
    """Unknown code behind an address: it may revert, returns fresh values within their types, and may
    change exactly ``writes`` (``(instance, variable)`` pairs, e.g. the custodian's balances)."""

    writes: tuple[tuple[str, str], ...] = ()
    may_revert: bool = True


@dataclass(frozen=True)
class Ghost:
    """A ghost state variable of a contract: storage the bytecode does not have, read and written like a
    state variable (``ex.before/post("Custodian", "Σfree", token)``, summary ``writes``) but changed only by
    :class:`StorageHook` s and summaries. ``keys`` mapping levels (``uint256`` keys: addresses are ints); the
    value an unbounded integer (a Σ over ``uint256`` s is no ``uint256``). Its pre-state is any value: an
    obligation over a ghost speaks of how an execution changes it (Certora's ghost-and-hook pattern)."""

    keys: int = 0

    def sol_type(self) -> SolType:
        value = GHOST_INT
        for _ in range(self.keys):
            value = SolType("mapping", f"mapping(uint256 => {value.name})", key=UINT256, value=value)
        return value


# The range of a ghost integer: wide enough for a Σ of 2^160 uint256 balances, so never what limits it.
GHOST_INT = SolType("int", "ghost int", -(2**512), 2**512, True, 513)


@dataclass(frozen=True, eq=False)
class HookView:
    """What a storage hook sees at one write: the keys written (``keys[0]`` the outermost mapping key), the
    leaf's value before and after it, and the state just before it (``read`` a ghost's current value)."""

    instance: str
    var: str
    keys: tuple[Any, ...]
    old: Any
    new: Any
    executor: Executor
    state: PathState

    def read(self, var: str, *path: Any) -> Any:
        return self.executor.read_path(self.state, self.instance, var, path)


# A hook returns the ghost writes of its instance, ``{(ghost, *keys): value}``, made at the same write.
StorageHook = Callable[[HookView], Mapping[tuple[Any, ...], Any]]


@dataclass(frozen=True, eq=False)
class MemoryArray:
    """A ``T[] memory`` argument given as terms (``execute(args={"tiers": table})``): its ``length`` and,
    per element leaf, an ``Int → value`` Z3 array — ``elements[""]`` for an elementary ``T``,
    ``elements["field"]`` (nested: ``"a.b"``) for each leaf of a struct ``T``. Executions given the same
    object read the same table, so one entry's obligations can speak about another's (``validate``, then
    ``maintenanceMargin``). Nothing bounds ``length`` but its type: a bound is the code's (a ``require``)
    or an assumption."""

    length: Any
    elements: Mapping[str, Any]

    @classmethod
    def fresh(cls, name: str, fields: Sequence[str] = ("",), bools: Sequence[str] = ()) -> MemoryArray:
        """Fresh terms ``<name>.length`` and ``<name>[].<field>`` (``bools`` name the bool leaves)."""
        elements = {
            f: z3.Array(
                f"{name}[]{'.' + f if f else ''}", z3.IntSort(), z3.BoolSort() if f in bools else z3.IntSort()
            )
            for f in fields
        }
        return cls(z3.Int(f"{name}.length"), elements)

    def at(self, index: Any, field: str = "") -> Any:
        """Element ``index``'s leaf ``field`` (a term; in range where the code reads it)."""
        if field not in self.elements:
            raise ExtractionError(f"memory array has no element field {field!r} ({sorted(self.elements)})")
        return z3.Select(self.elements[field], index)


@dataclass(frozen=True, eq=False)
class LoopView:
    """Locals (by source name) and storage of a state at a loop head, for an :class:`Invariant`."""

    executor: Executor
    state: PathState
    frame: Frame
    entry: PathState | None = None  # the state where the loop is entered (None: this is it)

    def local(self, name: str) -> Any:
        for key in (name, *[k for k in self.state.env if k.split("#")[0] == name]):
            if key in self.state.env:
                return self.executor.plain(self.state, self.state.env[key], self.frame)
        raise ExtractionError(f"loop invariant: no local {name}")

    def read(self, instance: str, var: str, *path: Any) -> Any:
        return self.executor.read_path(self.state, instance, var, path)

    def memory(self, name: str, *path: str) -> Any:
        """The term of a memory local's leaf: ``memory("cap", "length")``; ``memory("cap", "#")`` is the
        whole element array (an Int → value Z3 array, so an invariant may quantify over the index);
        ``memory("p", "price")`` a struct field."""
        loc = self.local(name)
        if not isinstance(loc, MLoc):
            raise ExtractionError(f"loop invariant: {name} is not a memory reference")
        obj = self.state.world.heap.get(loc.obj)
        if obj is None:
            raise ExtractionError(f"loop invariant: memory of {name} was merged away")
        leaf = (*loc.path, *path)
        if leaf in obj:
            return obj[leaf]
        if leaf == (*loc.path, "length"):
            raise ExtractionError(f"loop invariant: {name} has no length")
        # never written: memory starts zeroed (a dimension per "#" in the path)
        dims = sum(1 for p in leaf if p == "#")
        if dims > 1:
            raise ExtractionError(f"loop invariant: nested memory array {name}")
        return z3.K(z3.IntSort(), z3.IntVal(0)) if dims == 1 else z3.IntVal(0)

    def at_entry(self) -> LoopView:
        """The same locals and storage where the loop was entered (ghost values for a step: e.g. the
        capacities a ranked walk started from)."""
        return LoopView(self.executor, self.entry or self.state, self.frame)


# ---------------------------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class Execution:
    """The code's semantics of one entry point as Z3 terms.

    ``ok`` is the condition under which it does not revert; ``returns`` are its return values (meaningful
    where ``ok``); ``world`` the merged post-state; ``reverts`` every revert outcome; ``checks`` the
    overflow / underflow / division / bounds checks and the loop obligations (``loop-bound``,
    ``loop-invariant-base``, ``loop-invariant-step``); ``assumptions`` the type-range facts of every
    argument, environment value and storage read, and the deployment facts.
    """

    name: str
    args: Mapping[str, Any]
    env: Mapping[str, Any]
    ok: z3.BoolRef
    returns: tuple[Any, ...]
    return_names: tuple[str, ...]
    world: World
    pre: World
    events: tuple[Event, ...]
    reverts: tuple[RevertOutcome, ...]
    checks: tuple[Check, ...]
    truncations: tuple[Check, ...]
    assumptions: tuple[z3.BoolRef, ...]
    executed: tuple[str, ...]  # "Contract.function" of every function run (entry, callees, modifiers)
    lines: Mapping[str, tuple[int, ...]]  # file → executed lines (first line of each executed node)
    statement_lines: Mapping[str, tuple[str, tuple[int, ...]]]  # function → (file, statement lines)
    executor: Executor

    @property
    def reverted(self) -> z3.BoolRef:
        return z3.Not(self.ok)

    def ret(self, name: str | int = 0) -> Any:
        if isinstance(name, int):
            return self.returns[name]
        try:
            return self.returns[self.return_names.index(name)]
        except ValueError:
            raise ExtractionError(f"{self.name} has no return value {name!r}") from None

    def arg(self, name: str) -> Any:
        try:
            return self.args[name]
        except KeyError:
            raise ExtractionError(f"{self.name} has no parameter {name!r}") from None

    def post(self, instance: str, var: str, *path: Any) -> Any:
        """Storage after the call: ``post("Bank", "_bal", user)``, ``post("Store", "positions", k, "f")``."""
        return self.executor.read_world(self.world, instance, var, path)

    def before(self, instance: str, var: str, *path: Any) -> Any:
        """Storage before the call (the pre-state terms)."""
        return self.executor.read_world(self.pre, instance, var, path)

    def events_named(self, name: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.name == name)

    def memory(self, value: str | int | MLoc, *path: Any, before: bool = False) -> Any:
        """A field of a memory argument or return value after the call (``before=True``: as passed in):
        ``memory("o", "insuranceUsed")``, ``memory("o", "tiers", i, "lowerBound")``, ``memory(0, "fee")``."""
        if isinstance(value, str) and value in self.args:
            loc = self.args[value]
        elif isinstance(value, MLoc):
            loc = value
        else:
            loc = self.ret(value)
        if not isinstance(loc, MLoc):
            raise ExtractionError(f"{self.name}: {value!r} is not a memory value")
        heap = self.executor.entry_heap if before else self.world.heap
        fields, keys = list(loc.path), list(loc.keys)
        for step in path:
            if isinstance(step, str):
                fields.append(step)
            else:
                fields.append("#")
                keys.append(z3.IntVal(step) if isinstance(step, int) else step)
        obj = heap.get(loc.obj)
        if obj is None:
            raise ExtractionError(f"{self.name}: memory {value!r} is not live after the call")
        if tuple(fields) not in obj and not keys:
            # never written nor read: still the zero value memory starts with
            leaf_type = loc.type
            for step in path:
                leaf_type = UINT256 if step == "length" else leaf_type.field_type(step)
            if not leaf_type.elementary:
                raise ExtractionError(f"{self.name}: {value!r}.{'.'.join(map(str, path))} is not a value")
            return z3.BoolVal(False) if leaf_type.kind == "bool" else z3.IntVal(0)
        if tuple(fields) not in obj:
            raise ExtractionError(
                f"{self.name}: memory {value!r}.{'.'.join(map(str, path))} was never written"
            )
        leaf = obj[tuple(fields)]
        return z3.Select(leaf, *keys) if keys else leaf

    def reverts_with(self, reason_part: str) -> z3.BoolRef:
        conds = [r.when for r in self.reverts if reason_part in r.reason]
        return z3.Or(*conds) if conds else z3.BoolVal(False)


# ---------------------------------------------------------------------------------------------- executor


@dataclass
class Frame:
    fn: FunctionCode
    instance: str
    this: Any
    sender: Any
    returns: list[tuple[PathState, tuple[Any, ...]]] = field(default_factory=list)
    placeholder: Callable[[PathState], PathState | None] | None = None
    depth: int = 0


class Executor:
    """One symbolic execution (mutable while it runs). Use :func:`execute`."""

    def __init__(
        self,
        project: CodeProject,
        *,
        label: str,
        deployment: Mapping[str, str],
        summaries: Mapping[str, Summary],
        havoc: Mapping[str, Havoc],
        loops: Mapping[str, LoopSpec],
        max_paths: int,
        internal_summaries: Mapping[str, Summary] | None = None,
        ghosts: Mapping[str, Ghost] | None = None,
        hooks: Mapping[str, StorageHook] | None = None,
    ) -> None:
        self.project = project
        self.ghosts = dict(ghosts or {})
        self.hooks = dict(hooks or {})
        for key in [*self.ghosts, *self.hooks]:
            contract, _, var = key.partition(".")
            if not var or not any(c == contract for c, _ in project.contracts):
                raise ExtractionError(
                    f"ghost or hook {key!r}: not <Contract>.<variable> of a project contract"
                )
        for key in self.ghosts:
            contract, _, var = key.partition(".")
            if any(v.name == var for v in project.contract(contract).state):
                raise ExtractionError(f"ghost {key!r} has the name of a state variable of {contract}")
        self.label = label
        self.deployment = dict(deployment)
        self.summaries = dict(summaries)
        self.havoc = dict(havoc)
        self.loops = dict(loops)
        self.max_paths = max_paths
        self.internal_summaries = dict(internal_summaries or {})
        self.checks: list[Check] = []
        self.truncations: list[Check] = []
        self.facts: list[z3.BoolRef] = []
        self.sinks: list[list[RevertOutcome]] = [[]]
        self.lines: dict[str, set[int]] = {}
        self.executed: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.origin: dict[int, tuple[str, Any]] = {}
        self.instances: dict[str, Any] = {}
        self.roots: dict[tuple[str, str], str] = {}
        self.counter = itertools.count()
        self.heap_ids = itertools.count(1)
        self.codesize = z3.Array(f"{label}.extcodesize", z3.IntSort(), z3.IntSort())
        self.pre_world = World()
        self.power_tables: dict[tuple[int, int], Any] = {}

    # -- errors / bookkeeping -------------------------------------------------------------------

    def fail(self, where: str, detail: str) -> ExtractionError:
        return ExtractionError(f"cannot execute {where}: {detail}")

    def fresh_name(self, name: str) -> str:
        """``<label>.<name>#<n>``: the n-th fresh term of this execution. Named by this counter, never by
        z3.FreshConst's process-wide one, so the obligation's text is the same in any process."""
        return f"{self.label}.{name}#{next(self.counter)}"

    def fresh(self, name: str, sol_type: SolType) -> Any:
        term = z3.Bool(self.fresh_name(name)) if sol_type.kind == "bool" else None
        if term is None:
            term = z3.Int(self.fresh_name(name))
            self.in_range(term, sol_type)
        return term

    def in_range(self, term: Any, sol_type: SolType) -> None:
        if sol_type.kind == "int" and z3.is_int(term):
            self.facts.append(z3.And(term >= sol_type.low, term <= sol_type.high))

    def address_of(self, contract: str) -> Any:
        """The address of the (one) deployed instance of ``contract``."""
        if contract not in self.instances:
            address = z3.Int(f"{contract}.address")
            for other in self.instances.values():
                self.facts.append(address != other)
            self.facts.append(z3.And(address > 0, address < 2**160))
            self.facts.append(z3.Select(self.codesize, address) > 0)
            self.instances[contract] = address
        return self.instances[contract]

    def add_check(self, ps: PathState, kind: str, where: str, bad: z3.BoolRef) -> None:
        if z3.is_false(z3.simplify(bad)):
            return
        self.checks.append(Check(kind, where, ps.pc, bad))
        self.revert(ps, bad, kind, where)

    def revert(self, ps: PathState, bad: z3.BoolRef, reason: str, where: str) -> None:
        self.sinks[-1].append(RevertOutcome(z3.And(ps.pc, bad), reason, where))
        # an unconditional revert ends the path here (not an unsat condition carried to the join)
        ps.pc = z3.BoolVal(False) if z3.is_true(bad) else z3.And(ps.pc, z3.Not(bad))

    # -- storage ----------------------------------------------------------------------------------

    def leaf_sort(self, sol_type: SolType) -> Any:
        return z3.BoolSort() if sol_type.kind == "bool" else z3.IntSort()

    def pre_leaf(self, key: tuple[str, str, tuple[str, ...]], sol_type: SolType) -> Any:
        if key in self.pre_world.storage:
            return self.pre_world.storage[key]
        instance, var, path = key
        dims = sum(1 for p in path if p in ("[]", "#"))
        name = f"{instance}.{var}{''.join('.' + p if p not in ('[]', '#') else p for p in path)}"
        sort = self.leaf_sort(sol_type)
        term = z3.Const(name, sort) if dims == 0 else z3.Array(name, *([z3.IntSort()] * dims), sort)
        self.pre_world.storage[key] = term
        return term

    def leaf(self, world: World, key: tuple[str, str, tuple[str, ...]], sol_type: SolType) -> Any:
        if key in world.storage:
            return world.storage[key]
        term = self.pre_leaf(key, sol_type)
        world.storage[key] = term
        return term

    def key_term(self, value: Any) -> Any:
        if z3.is_bool(value):
            return z3.If(value, z3.IntVal(1), z3.IntVal(0))
        return value

    def load(self, ps: PathState, loc: SLoc | MLoc, where: str) -> Any:
        if not loc.type.elementary:
            return loc
        if isinstance(loc, SChoice):
            return self.ite(list(loc.pcs), [self.load(ps, o, where) for o in loc.options])
        if isinstance(loc, SLoc):
            base = self.leaf(ps.world, (loc.instance, loc.var, loc.path), loc.type)
            value = z3.Select(base, *loc.keys) if loc.keys else base
            self.in_range(value, loc.type)
            self.origin[value.get_id()] = (f"{self.contract_of(loc.instance)}.{loc.var}", value)
            return value
        obj = ps.world.heap.get(loc.obj)
        if obj is None:
            raise self.fail(where, "memory object read after its reference was merged away")
        if loc.path not in obj:
            obj[loc.path] = self.zero_leaf(loc, where)
        base = obj[loc.path]
        value = z3.Select(base, *loc.keys) if loc.keys else base
        self.in_range(value, loc.type)  # memory holds values of their type only
        return value

    def zero_leaf(self, loc: MLoc, where: str) -> Any:
        dims = sum(1 for p in loc.path if p == "#")
        zero = z3.BoolVal(False) if loc.type.kind == "bool" else z3.IntVal(0)
        if dims == 0:
            return zero
        return z3.K(z3.IntSort(), zero) if dims == 1 else self._fail_dims(where)

    def _fail_dims(self, where: str) -> Any:
        raise self.fail(where, "nested memory arrays are not supported")

    def store(self, ps: PathState, loc: SLoc | MLoc, value: Any, where: str) -> None:
        if not loc.type.elementary:
            self.copy_into(ps, loc, value, where)
            return
        if isinstance(value, Poison | Opaque | SLoc | MLoc | tuple):
            raise self.fail(where, f"cannot store {value!r} into an elementary location")
        if isinstance(loc, SChoice):
            for pc, option in zip(loc.pcs, loc.options, strict=True):
                self.store(ps, option, z3.If(pc, value, self.load(ps, option, where)), where)
            return
        if isinstance(loc, SLoc):
            key = (loc.instance, loc.var, loc.path)
            base = self.leaf(ps.world, key, loc.type)
            hook = self.hooks.get(f"{self.contract_of(loc.instance)}.{loc.var}")
            if hook is not None:
                old = z3.Select(base, *loc.keys) if loc.keys else base
                view = HookView(loc.instance, loc.var, tuple(loc.keys), old, value, self, ps)
                ghost_writes = dict(hook(view))  # read before this write lands
            ps.world.storage[key] = z3.Store(base, *loc.keys, value) if loc.keys else value
            if hook is not None:
                for (ghost, *rest), ghost_value in ghost_writes.items():
                    if f"{self.contract_of(loc.instance)}.{ghost}" not in self.ghosts:
                        raise self.fail(
                            where, f"storage hook of {loc.var} writes {ghost}, not a declared ghost"
                        )
                    self.store(ps, self.resolve_path(loc.instance, str(ghost), rest), ghost_value, where)
            return
        if loc.obj in self.frozen:
            raise self.fail(where, "write to a memory object after it was merged with another (aliasing)")
        if any(obj == loc.obj and loc.path[: len(p)] == p for obj, p in self.frozen_fields):
            raise self.fail(where, "write into a memory array field that aliases another array")
        obj = ps.world.heap[loc.obj]
        if loc.path not in obj:
            obj[loc.path] = self.zero_leaf(loc, where)
        obj[loc.path] = z3.Store(obj[loc.path], *loc.keys, value) if loc.keys else value

    def leaves(self, sol_type: SolType, where: str) -> list[tuple[tuple[str, ...], SolType]]:
        """Elementary leaves of a struct (nested structs flattened; mappings and arrays are not copied)."""
        if sol_type.elementary:
            return [((), sol_type)]
        if sol_type.kind != "struct":
            raise self.fail(where, f"copy of {sol_type.name} is not supported")
        out = []
        for name, field_type in sol_type.fields:
            if field_type.kind in ("mapping",):
                continue
            if field_type.kind == "array":
                raise self.fail(where, f"copy of a struct with an array field ({sol_type.name}.{name})")
            for path, leaf_type in self.leaves(field_type, where):
                out.append(((name, *path), leaf_type))
        return out

    def sub(self, loc: SLoc | MLoc, path: tuple[str, ...], sol_type: SolType) -> SLoc | MLoc:
        if isinstance(loc, SChoice):
            options = tuple(self.sub(o, path, sol_type) for o in loc.options)
            return _choice(loc.pcs, options, sol_type)  # type: ignore[arg-type]
        if isinstance(loc, SLoc):
            return SLoc(loc.instance, loc.var, loc.path + path, loc.keys, sol_type)
        return MLoc(loc.obj, loc.path + path, loc.keys, sol_type)

    def copy_into(self, ps: PathState, dest: SLoc | MLoc, value: Any, where: str) -> None:
        if not isinstance(value, SLoc | MLoc):
            raise self.fail(where, f"cannot copy {value!r} into {dest.type.name}")
        if isinstance(dest, MLoc) and _dynamic_array(dest.type):
            self.alias_array(ps, dest, value, where)
            return
        arrays = [f for f in dest.type.fields if _dynamic_array(f[1])] if dest.type.kind == "struct" else []
        if arrays and isinstance(dest, MLoc) and isinstance(value, MLoc):
            # a memory struct with array fields: the other fields copied, each array field aliased
            plain = replace(dest.type, fields=tuple(f for f in dest.type.fields if not _dynamic_array(f[1])))
            self.copy_into(ps, replace(dest, type=plain), replace(value, type=plain), where)
            for name, field_type in arrays:
                field = self.sub(dest, (name,), field_type)
                assert isinstance(field, MLoc)
                self.alias_array(ps, field, self.sub(value, (name,), field_type), where)
            return
        for path, leaf_type in self.leaves(dest.type, where):
            self.store(
                ps,
                self.sub(dest, path, leaf_type),
                self.load(ps, self.sub(value, path, leaf_type), where),
                where,
            )

    def alias_array(self, ps: PathState, dest: MLoc, value: SLoc | MLoc, where: str) -> None:
        """``s.arr = a`` for a dynamic memory array field (a struct constructor argument, an assignment): in
        Solidity the field then REFERS to ``a``. The field's length and element leaves become ``a``'s (a
        storage array is first copied to memory), and both sides are frozen — a later write through the
        field or through ``a`` is an ERROR (it would have to show through the other), so reads are exact."""
        if dest.keys or not isinstance(dest.type.value, SolType):
            raise self.fail(where, f"array field {dest.type.name} inside a memory array")
        source = self.to_memory(ps, value, where) if isinstance(value, SLoc) else value
        if source.keys:
            raise self.fail(where, f"array field {dest.type.name} assigned from inside a memory array")
        fields = ps.world.heap.get(source.obj)
        if fields is None:
            raise self.fail(where, "memory array read after its reference was merged away")
        taken = {
            path[len(source.path) :]: leaf
            for path, leaf in fields.items()
            if path[: len(source.path)] == source.path
            and path[len(source.path) : len(source.path) + 1] in (("length",), ("#",))
        }
        taken.setdefault(("length",), z3.IntVal(0))
        obj = ps.world.heap[dest.obj]
        for path in [p for p in obj if p[: len(dest.path)] == dest.path]:
            del obj[path]
        for path, leaf in taken.items():
            obj[(*dest.path, *path)] = leaf
        if source.path:
            self.frozen_fields.add((source.obj, source.path))
        else:
            self.frozen.add(source.obj)
        self.frozen_fields.add((dest.obj, dest.path))

    frozen_fields: set[tuple[int, tuple[str, ...]]]
    entry_heap: dict[int, dict[tuple[str, ...], Any]]

    def new_object(self, ps: PathState) -> int:
        obj = next(self.heap_ids)
        ps.world.heap[obj] = {}
        return obj

    def to_memory(self, ps: PathState, value: SLoc | MLoc, where: str) -> MLoc:
        obj = self.new_object(ps)
        dest = MLoc(obj, (), (), value.type)
        t = value.type
        if t.kind == "array" and t.length is None and t.value is not None and isinstance(value, SLoc):
            # a storage array copied to memory: its length, and each element leaf as the storage leaf
            # read at this array's keys (a lambda over the index, exact and lazy)
            ps.world.heap[obj][("length",)] = self.load(ps, self.sub(value, ("length",), UINT256), where)
            index = z3.Int("__index")
            for path, leaf_type in self.leaves(t.value, where):
                key = (value.instance, value.var, (*value.path, "#", *path))
                base = self.leaf(ps.world, key, leaf_type)
                ps.world.heap[obj][("#", *path)] = z3.Lambda([index], z3.Select(base, *value.keys, index))
            return dest
        self.copy_into(ps, dest, value, where)
        return dest

    def zero_into(self, ps: PathState, loc: SLoc | MLoc, where: str) -> None:
        if loc.type.kind == "mapping":
            raise self.fail(where, "delete of a whole mapping")
        if loc.type.kind == "array":
            self.store(ps, self.sub(loc, ("length",), UINT256), z3.IntVal(0), where)
            return
        for path, leaf_type in self.leaves(loc.type, where):
            zero = z3.BoolVal(False) if leaf_type.kind == "bool" else z3.IntVal(0)
            self.store(ps, self.sub(loc, path, leaf_type), zero, where)

    # -- named access (for obligations) -----------------------------------------------------------

    def contract_of(self, instance: str) -> str:
        return instance

    def resolve_path(self, instance: str, var: str, path: Sequence[Any]) -> SLoc:
        contract = self.project.contract(instance)
        sol_type: SolType | None = None
        for variable in contract.state:
            if variable.name == var and not variable.constant:
                sol_type = variable.type
        root = self.roots.get((instance, var))
        if sol_type is None and root is not None:
            sol_type = self.project_root_type(root, var)
        ghost = self.ghosts.get(f"{self.contract_of(instance)}.{var}")
        if sol_type is None and ghost is not None:
            sol_type = ghost.sol_type()
        if sol_type is None:
            sol_type = self.untouched_namespaced(instance, var)
        if sol_type is None:
            raise ExtractionError(f"{instance} has no state variable {var}")
        loc = SLoc(instance, var, (), (), sol_type)
        for step in path:
            loc = self.step(loc, step, f"{instance}.{var}")
        return loc

    def untouched_namespaced(self, instance: str, var: str) -> SolType | None:
        """The type of a field of one of ``instance``'s ERC-7201 namespaces that no path of the execution
        reached (so ``member`` never registered it): found statically, from the struct the contract's
        ``$.slot := CONST`` accessor returns. Its value before and after is then the pre-state cell — an
        untouched field is unchanged, and reading it is no error."""
        for _, ret in self.slot_accessors(instance):
            if ret.type.kind != "struct":
                continue
            for name, field_type in ret.type.fields:
                if self.namespaced_var(instance, ret.type, name) == var:
                    owner = self.register_namespaced(instance, ret.type, name, var)
                    return field_type if owner == ret.type.name else None
        return None

    def register_namespaced(self, instance: str, struct: SolType, field: str, var: str) -> str:
        """Record ``var`` as ``struct``'s ``field`` in ``instance``'s namespace; the struct that first
        declared ``var`` is returned (another one than ``struct``: two namespaces claim the name, and
        nothing is recorded)."""
        owner = self.root_owner.setdefault((instance, var), struct.name)
        if owner == struct.name:
            self.root_types[(instance, var)] = struct.field_type(field)
            self.roots[(instance, var)] = instance
            self.namespace_of[(instance, var)] = (struct, field)
        return owner

    def slot_accessors(self, contract: str) -> Iterator[tuple[FunctionCode, Param]]:
        """``storage_accessors`` that set their pointer by ``$.slot := CONST`` (a namespace's root)."""
        for candidate, ret in self.project.storage_accessors(contract):
            if any(isinstance(op, program.OSlotPointer) for node in candidate.nodes for op in node.ops):
                yield candidate, ret

    def namespaced_var(self, instance: str, struct: SolType, field: str) -> str:
        """The variable name a namespace field is kept under: the field's name, or ``<Struct>.<field>``
        when the contract also declares a state variable of that name."""
        declared = {v.name for v in self.project.contract(instance).state if not v.constant}
        return f"{struct.name.split('.')[-1]}.{field}" if field in declared else field

    def project_root_type(self, root: str, var: str) -> SolType | None:
        return self.root_types.get((root, var))

    root_types: dict[tuple[str, str], SolType]

    def step(self, loc: SLoc, step: Any, where: str) -> SLoc:
        t = loc.type
        if isinstance(step, str):
            if step == "length" and t.kind == "array":
                return SLoc(loc.instance, loc.var, (*loc.path, "length"), loc.keys, UINT256)
            if t.kind != "struct":
                raise ExtractionError(f"{where}: field {step} of non-struct {t.name}")
            return SLoc(loc.instance, loc.var, (*loc.path, step), loc.keys, t.field_type(step))
        key = z3.IntVal(step) if isinstance(step, int) and not isinstance(step, bool) else step
        if t.kind == "mapping" and t.value is not None:
            return SLoc(loc.instance, loc.var, (*loc.path, "[]"), (*loc.keys, self.key_term(key)), t.value)
        if t.kind == "array" and t.value is not None:
            return SLoc(loc.instance, loc.var, (*loc.path, "#"), (*loc.keys, key), t.value)
        raise ExtractionError(f"{where}: index into {t.name}")

    def read_world(self, world: World, instance: str, var: str, path: Sequence[Any]) -> Any:
        loc = self.resolve_path(instance, var, path)
        if not loc.type.elementary:
            raise ExtractionError(
                f"{instance}.{var}: path does not reach an elementary value ({loc.type.name})"
            )
        key = (loc.instance, loc.var, loc.path)
        base = world.storage.get(key)
        if base is None:
            base = self.pre_leaf(key, loc.type)
        return z3.Select(base, *loc.keys) if loc.keys else base

    def read_path(self, ps: PathState, instance: str, var: str, path: Sequence[Any]) -> Any:
        return self.read_world(ps.world, instance, var, path)

    # -- operands ---------------------------------------------------------------------------------

    def plain(self, ps: PathState, value: Any, frame: Frame, where: str = "") -> Any:
        if isinstance(value, RefTo):
            return self.load(ps, value.loc, where)
        if isinstance(value, Poison):
            raise self.fail(where or frame.fn.name, value.reason)
        return value

    def value(self, ps: PathState, operand: Operand, frame: Frame, where: str) -> Any:
        if isinstance(operand, Const):
            if isinstance(operand.value, bool):
                return z3.BoolVal(operand.value)
            if isinstance(operand.value, str):
                return Opaque(operand.value)
            return z3.IntVal(operand.value)
        if isinstance(operand, EnvRef):
            return self.env_value(operand.name, frame, ps)
        if isinstance(operand, StateRef):
            loc = self.state_loc(operand, frame)
            return self.load(ps, loc, where)
        if operand.key not in ps.env:
            raise self.fail(where, f"{operand.key} is read before it is written")
        return self.plain(ps, ps.env[operand.key], frame, where)

    def env_value(self, name: str, frame: Frame, ps: PathState) -> Any:
        if name == "this":
            return frame.this
        if name == "msg.sender":
            return frame.sender
        return self.env[name]

    env: dict[str, Any]

    def state_loc(self, ref: StateRef, frame: Frame) -> SLoc:
        # an immutable is a symbolic per-instance constant: a leaf that is never written
        return SLoc(frame.instance, ref.name, (), (), ref.type)

    def location(self, ps: PathState, operand: Operand, frame: Frame, where: str) -> SLoc | MLoc:
        if isinstance(operand, StateRef):
            return self.state_loc(operand, frame)
        if isinstance(operand, Local):
            value = ps.env.get(operand.key)
            if isinstance(value, RefTo):
                return value.loc
            if isinstance(value, SLoc | MLoc):
                return value
            if isinstance(value, Poison):
                raise self.fail(where, value.reason)
        raise self.fail(where, f"{operand} is not a location")

    def assign(self, ps: PathState, dest: Operand, value: Any, frame: Frame, where: str) -> None:
        if isinstance(dest, StateRef):
            if dest.immutable:
                raise self.fail(where, f"write to immutable {dest.name}")
            self.store(ps, self.state_loc(dest, frame), value, where)
            return
        if not isinstance(dest, Local):
            raise self.fail(where, f"cannot assign to {dest}")
        current = ps.env.get(dest.key)
        if isinstance(current, RefTo):
            self.store(ps, current.loc, value, where)
            return
        declared = frame_param(frame, dest.key)
        if declared is not None and not declared.type.elementary:
            if declared.storage:
                if not isinstance(value, SLoc):
                    raise self.fail(where, f"storage pointer {dest.key} assigned a non-storage value")
                ps.env[dest.key] = value
                return
            if isinstance(value, SLoc):
                ps.env[dest.key] = self.to_memory(ps, value, where)
                return
        ps.env[dest.key] = value

    # -- entry ------------------------------------------------------------------------------------

    def run_entry(
        self,
        fn: FunctionCode,
        instance: str,
        args: Sequence[Any],
        ps: PathState,
        sender: Any,
    ) -> tuple[PathState | None, tuple[Any, ...]]:
        frame = Frame(fn, instance, self.address_of(instance), sender)
        return self.run_function(frame, args, ps)

    def run_function(
        self, frame: Frame, args: Sequence[Any], ps: PathState
    ) -> tuple[PathState | None, tuple[Any, ...]]:
        fn = frame.fn
        if frame.depth > MAX_CALL_DEPTH:
            raise self.fail(fn.name, f"call depth above {MAX_CALL_DEPTH}")
        self.executed.setdefault(fn.name, (fn.file, fn.statement_lines))
        caller_env = ps.env
        ps = PathState(ps.pc, ps.world, {})
        if len(args) != len(fn.params):
            raise self.fail(fn.name, f"called with {len(args)} arguments, takes {len(fn.params)}")
        for param, arg in zip(fn.params, args, strict=True):
            ps.env[param.key] = arg
        for ret in fn.returns:
            ps.env[ret.key] = self.zero_value(ps, ret.type, ret.storage, fn.name)
        for local in fn.locals:
            if local.type.kind == "bytes" and local.key not in ps.env:
                # a `catch (bytes memory reason)` / revert data: carried opaquely, never inspected
                ps.env[local.key] = Opaque(local.name)
        self.run_region(frame, {fn.entry: ps}, set())
        outcomes = frame.returns
        if not outcomes:
            return None, ()
        merged = self.merge([o[0] for o in outcomes], fn.name)
        self.merging = merged.world
        try:
            values = tuple(
                self.merge_values([o[0].pc for o in outcomes], [o[1][i] for o in outcomes], fn.name)
                for i in range(len(outcomes[0][1]))
            )
        finally:
            self.merging = None
        merged.env = caller_env
        return merged, values

    def zero_value(self, ps: PathState, sol_type: SolType, storage: bool, where: str) -> Any:
        if sol_type.kind == "bool":
            return z3.BoolVal(False)
        if sol_type.kind == "int":
            return z3.IntVal(0)
        if storage:
            return Poison(f"storage pointer of type {sol_type.name} read before assignment")
        if sol_type.kind in ("struct", "array"):
            obj = self.new_object(ps)
            return MLoc(obj, (), (), sol_type)
        return Opaque("")

    # -- regions ----------------------------------------------------------------------------------

    def run_region(self, frame: Frame, start: dict[int, PathState], stops: set[int]) -> dict[int, PathState]:
        """Run from ``start`` states until the function ends or a state reaches a node of ``stops``."""
        fn = frame.fn
        pending: dict[int, list[PathState]] = {}
        parked: dict[int, list[PathState]] = {}

        def deliver(node_id: int, state: PathState) -> None:
            if z3.is_false(state.pc):
                return
            if node_id in stops:
                parked.setdefault(node_id, []).append(state)
            else:
                pending.setdefault(node_id, []).append(state)

        for node_id, state in start.items():
            pending.setdefault(node_id, []).append(state)
        for node_id in fn.order:
            states = pending.pop(node_id, None)
            if not states:
                continue
            node = fn.node(node_id)
            state = self.merge(states, fn.where(node)) if len(states) > 1 else states[0]
            self.process(frame, node, state, deliver)
        if pending:
            raise self.fail(fn.name, f"states left at nodes {sorted(pending)} (unstructured control flow)")
        return {k: self.merge(v, fn.name) for k, v in parked.items()}

    def mark(self, fn: FunctionCode, node: Node) -> None:
        self.lines.setdefault(fn.file, set()).add(node.line)

    def process(
        self, frame: Frame, node: Node, ps: PathState, deliver: Callable[[int, PathState], None]
    ) -> None:
        fn = frame.fn
        where = fn.where(node)
        self.mark(fn, node)
        if node.kind == "loop":
            self.loop(frame, node, ps, deliver)
            return
        if node.kind == "try":
            self.try_node(frame, node, ps, deliver)
            return
        if node.kind == "placeholder":
            if frame.placeholder is None:
                raise self.fail(where, "placeholder outside a modifier")
            after = frame.placeholder(ps)
            if after is None:
                return
            ps = after
        for op in node.ops:
            if isinstance(op, program.OReturn):
                values = tuple(self.ret_value(ps, v, frame, where) for v in op.values)
                self.finish(frame, ps, values)
                return
            if isinstance(op, program.OCondition):
                cond = self.value(ps, op.value, frame, where)
                if node.son_true is None or node.son_false is None:
                    raise self.fail(where, "condition without two branches")
                # a condition that folds to a constant (e.g. over given storage) takes one branch only
                folded = z3.simplify(cond)
                if z3.is_true(folded) or z3.is_false(folded):
                    deliver(node.son_true if z3.is_true(folded) else node.son_false, ps)
                    return
                other = ps.fork(z3.And(ps.pc, z3.Not(cond)))
                ps.pc = z3.And(ps.pc, cond)
                deliver(node.son_true, ps)
                deliver(node.son_false, other)
                return
            if isinstance(op, program.OCall) and op.modifier:
                self.modifier(frame, node, op, ps, where)
                return
            self.execute_op(frame, op, ps, where)
            if z3.is_false(ps.pc):
                return
        if node.kind == "throw":
            self.revert(ps, z3.BoolVal(True), "throw", where)
            return
        if node.kind == "return":
            self.finish(frame, ps, tuple(ps.env[r.key] for r in fn.returns))
            return
        if not node.sons:
            self.finish(frame, ps, tuple(ps.env[r.key] for r in fn.returns))
            return
        if len(node.sons) > 1:
            raise self.fail(where, f"a {node.kind} node with {len(node.sons)} successors")
        deliver(node.sons[0], ps)

    def ret_value(self, ps: PathState, operand: Operand, frame: Frame, where: str) -> Any:
        value = self.value(ps, operand, frame, where)
        return value

    def finish(self, frame: Frame, ps: PathState, values: tuple[Any, ...]) -> None:
        resolved = tuple(self.plain(ps, v, frame) for v in values)
        frame.returns.append((ps, resolved))

    def modifier(self, frame: Frame, node: Node, op: program.OCall, ps: PathState, where: str) -> None:
        modifier = self.project.function(op.callee)
        args = [self.value(ps, a, frame, where) for a in op.args]
        body_returns: list[tuple[PathState, tuple[Any, ...]]] = []

        def rest(state: PathState) -> PathState | None:
            inner = Frame(
                frame.fn, frame.instance, frame.this, frame.sender, [], frame.placeholder, frame.depth
            )
            if not node.sons:
                inner.returns.append((state, tuple(state.env[r.key] for r in frame.fn.returns)))
            else:
                self.run_region(inner, {node.sons[0]: state}, set())
            if not inner.returns:
                return None
            merged = self.merge([r[0] for r in inner.returns], where)
            self.merging = merged.world
            try:
                values = tuple(
                    self.merge_values(
                        [r[0].pc for r in inner.returns], [r[1][i] for r in inner.returns], where
                    )
                    for i in range(len(inner.returns[0][1]))
                )
            finally:
                self.merging = None
            body_returns.append((merged, values))
            return PathState(merged.pc, merged.world, saved_env)

        saved_env: dict[str, Any] = {}
        mod_frame = Frame(modifier, frame.instance, frame.this, frame.sender, [], rest, frame.depth + 1)
        self.executed.setdefault(modifier.name, (modifier.file, modifier.statement_lines))
        mod_ps = PathState(ps.pc, ps.world, {})
        for param, arg in zip(modifier.params, args, strict=True):
            mod_ps.env[param.key] = arg
        body_env_holder = ps.env

        def rest_wrapper(state: PathState) -> PathState | None:
            nonlocal saved_env
            saved_env = state.env
            return rest(PathState(state.pc, state.world, dict(body_env_holder)))

        mod_frame.placeholder = rest_wrapper
        self.run_region(mod_frame, {modifier.entry: mod_ps}, set())
        if not mod_frame.returns or not body_returns:
            return
        finals = [r[0] for r in mod_frame.returns]
        merged = self.merge(finals, where)
        # the function's return values are the body's (merged over every placeholder run)
        values = body_returns[-1][1] if len(body_returns) == 1 else self.fail_multi(where)
        frame.returns.append((merged, values))

    def fail_multi(self, where: str) -> tuple[Any, ...]:
        raise self.fail(where, "a modifier running its placeholder more than once")

    # -- loops --------------------------------------------------------------------------------------

    def loop_key(self, fn: FunctionCode, node: Node) -> str:
        return f"{fn.name}:{node.line}"

    def loop(
        self, frame: Frame, node: Node, ps: PathState, deliver: Callable[[int, PathState], None]
    ) -> None:
        fn = frame.fn
        where = fn.where(node)
        key = self.loop_key(fn, node)
        spec = self.loops.get(key)
        if spec is None:
            bound = self.constant_bound(node)
            if bound is None:
                raise self.fail(
                    where,
                    f"loop without a constant bound: declare loops={{{key!r}: Unroll(k)}} or an Invariant",
                )
            spec = Unroll(bound)
        if node.son_true is None or node.son_false is None:
            raise self.fail(where, "loop head without body and exit")
        if isinstance(spec, Invariant):
            self.invariant_loop(frame, node, ps, spec, deliver)
            return
        if spec.times > MAX_UNROLL:
            raise self.fail(where, f"unrolling {spec.times} iterations is above the limit {MAX_UNROLL}")
        exits: list[PathState] = []
        head = ps
        entry_pc = ps.pc
        for _ in range(spec.times + 1):
            cond, head = self.loop_condition(frame, node, head, where)
            exit_state = head.fork(z3.And(head.pc, z3.Not(cond)))
            exits.append(exit_state)
            head.pc = z3.And(head.pc, cond)
            if z3.is_false(z3.simplify(head.pc)):
                head = None  # type: ignore[assignment]
                break
            if _ == spec.times:
                # the unrolling is exhaustive only if no state still wants another iteration
                self.checks.append(
                    Check("loop-bound", f"{where} (after {spec.times} iterations)", entry_pc, head.pc)
                )
                head = None  # type: ignore[assignment]
                break
            parked = self.run_region(frame, {node.son_true: head}, {node.id, node.son_false})
            if node.son_false in parked:
                exits.append(parked[node.son_false])
            if node.id not in parked:
                head = None  # type: ignore[assignment]
                break
            head = parked[node.id]
        live = [e for e in exits if not z3.is_false(e.pc)]
        if live:
            deliver(node.son_false, self.merge(live, where) if len(live) > 1 else live[0])

    def loop_condition(self, frame: Frame, node: Node, ps: PathState, where: str) -> tuple[Any, PathState]:
        cond: Any = None
        for op in node.ops:
            if isinstance(op, program.OCondition):
                cond = self.value(ps, op.value, frame, where)
            else:
                self.execute_op(frame, op, ps, where)
        if cond is None:
            raise self.fail(where, "loop head without a condition")
        return cond, ps

    def constant_bound(self, node: Node) -> int | None:
        for op in node.ops:
            if (
                isinstance(op, program.OBinary)
                and op.op in ("<", "<=")
                and isinstance(op.right, Const)
                and isinstance(op.right.value, int)
                and not isinstance(op.right.value, bool)
            ):
                return op.right.value + (1 if op.op == "<=" else 0)
        return None

    def invariant_loop(
        self,
        frame: Frame,
        node: Node,
        ps: PathState,
        spec: Invariant,
        deliver: Callable[[int, PathState], None],
    ) -> None:
        fn = frame.fn
        where = fn.where(node)
        assert node.son_true is not None and node.son_false is not None
        # base: the invariant holds when the loop is entered
        self.checks.append(
            Check("loop-invariant-base", where, ps.pc, spec.failing(LoopView(self, ps, frame, ps)))
        )
        # what the body may change: found by a dry run of one iteration (its checks and reverts discarded)
        saved = (len(self.checks), len(self.truncations), len(frame.returns))
        self.sinks.append([])
        probe = ps.fork(ps.pc)
        _, probe = self.loop_condition(frame, node, probe, where)
        parked = self.run_region(frame, {node.son_true: probe}, {node.id, node.son_false})
        self.sinks.pop()
        del self.checks[saved[0] :]
        del self.truncations[saved[1] :]
        del frame.returns[saved[2] :]
        changed_env: set[str] = set()
        changed_storage: set[tuple[str, str, tuple[str, ...]]] = set()
        changed_heap: set[tuple[int, tuple[str, ...]]] = set()
        # a term of each changed leaf (its sort), for leaves the entry state has not materialised yet
        sample: dict[Any, Any] = {}
        loop_events = False
        for after in parked.values():
            for k, v in after.env.items():
                if k not in ps.env or not _same(ps.env[k], v):
                    changed_env.add(k)
            for leaf, term in after.world.storage.items():
                # a leaf only read by the body is still its pre-state value: not changed
                before = ps.world.storage.get(leaf, self.pre_world.storage.get(leaf))
                if before is None or not _same(before, term):
                    changed_storage.add(leaf)
                    sample.setdefault(("s", leaf), term)
            if len(after.world.events) > len(ps.world.events):
                loop_events = True
            for obj, fields in after.world.heap.items():
                for path, v in fields.items():
                    if (
                        obj not in ps.world.heap
                        or path not in ps.world.heap[obj]
                        or not _same(ps.world.heap[obj][path], v)
                    ):
                        changed_heap.add((obj, path))
                        sample.setdefault(("m", obj, path), v)
        havocked = ps.fork(ps.pc)
        # each havocked term and its value at the entry: substituted, a site of the body reached in the
        # first iteration (an easier vacuity witness than the havocked state under the invariant)
        first: list[tuple[Any, Any]] = []
        for k in sorted(changed_env):
            old = havocked.env.get(k)
            if old is None or not z3.is_expr(old):
                # temporaries, and a reference declared inside the body (Solidity's block scope
                # re-initialises it every iteration, so no iteration reads the previous one's)
                if k.startswith(("TMP_", "REF_", "TUPLE_")) or k not in ps.env:
                    havocked.env.pop(k, None)
                    continue
                raise self.fail(where, f"loop body changes {k}, which is not a plain value")
            declared = frame_param(frame, k)
            havocked.env[k] = self.fresh(f"loop{node.line}.{k}", declared.type if declared else UINT256)
            first.append((havocked.env[k], old))
        for key in sorted(changed_storage):
            # a leaf first touched by the body is havocked too (its sort from the body's term)
            entry_term = ps.world.storage.get(key, self.pre_world.storage.get(key))
            old = entry_term if entry_term is not None else sample[("s", key)]
            havocked.world.storage[key] = z3.Const(self.fresh_name(f"loop{node.line}.{key[1]}"), old.sort())
            if entry_term is not None:
                first.append((havocked.world.storage[key], entry_term))
        for obj, path in sorted(changed_heap):
            if obj not in havocked.world.heap:
                continue  # an object allocated by the body: no later iteration or the exit sees it
            # a leaf the body writes first (memory is zero until then) is havocked as well: the exit
            # must not read it as still zero
            entry_term = havocked.world.heap[obj].get(path)
            old = entry_term if entry_term is not None else sample[("m", obj, path)]
            fresh = z3.Const(self.fresh_name(f"loop{node.line}.mem"), old.sort())
            havocked.world.heap[obj][path] = fresh
            if entry_term is None:
                zero = z3.K(z3.IntSort(), z3.IntVal(0)) if z3.is_array(old) else z3.IntVal(0)
                entry_term = zero if zero.sort() == old.sort() else None
            if entry_term is not None:
                first.append((fresh, entry_term))
        havocked_view = LoopView(self, havocked, frame, ps)
        inv = spec.holds(havocked_view)
        havocked.pc = z3.And(havocked.pc, inv, *spec.known(havocked_view))
        cond, havocked = self.loop_condition(frame, node, havocked, where)
        body = havocked.fork(z3.And(havocked.pc, cond))
        exit_state = havocked.fork(z3.And(havocked.pc, z3.Not(cond)))
        body_checks = len(self.checks)
        parked = self.run_region(frame, {node.son_true: body}, {node.id, node.son_false})
        if node.id in parked:
            after = parked[node.id]
            step = spec.failing(LoopView(self, after, frame, ps))
            self.checks.append(Check("loop-invariant-step", where, after.pc, step))
        for index in range(body_checks, len(self.checks) if spec.first_witness else body_checks):
            check = self.checks[index]
            reached = check.reached if check.witness is None else check.witness
            # reached in the first iteration: sufficient for reachability, and quantifier-light (the
            # invariant at the entry is the base case). A site reachable only in a later iteration comes
            # out VACUOUS — conservative, never a false pass
            bad = check.bad if check.first_bad is None else check.first_bad
            self.checks[index] = replace(
                check,
                witness=z3.substitute(reached, *first) if first else reached,
                first_bad=z3.substitute(bad, *first) if first else bad,
            )
        exits = [exit_state]
        if node.son_false in parked:
            exits.append(parked[node.son_false])
        if loop_events:
            # the events of the iterations before the exit are not enumerated: one opaque record says so
            for state in exits:
                marker = Event(
                    f"<events of the loop at {self.loop_key(fn, node)}>",
                    frame.instance,
                    (),
                    (),
                    state.pc,
                    where,
                )
                state.world.events = (*state.world.events, marker)
        deliver(node.son_false, self.merge(exits, where) if len(exits) > 1 else exits[0])

    # -- try / catch --------------------------------------------------------------------------------

    def try_node(
        self, frame: Frame, node: Node, ps: PathState, deliver: Callable[[int, PathState], None]
    ) -> None:
        where = frame.fn.where(node)
        # Slither's TRY node: one CATCH son for the success clause, one per catch clause (and sometimes an
        # extra edge to the join, which no execution takes)
        clauses = [son for son in node.sons if frame.fn.node(son).kind == "catch"]
        if len(clauses) != 2:
            raise self.fail(
                where, f"try with {len(clauses) - 1} catch clauses (one generic catch is supported)"
            )
        ops = list(node.ops)
        call_index = max(
            (i for i, op in enumerate(ops) if isinstance(op, program.OExternalCall)), default=None
        )
        if call_index is None:
            raise self.fail(where, "try without an external call")
        for op in ops[:call_index]:
            self.execute_op(frame, op, ps, where)
        before = ps.fork(ps.pc)
        self.sinks.append([])
        call = ops[call_index]
        assert isinstance(call, program.OExternalCall)
        saved_outer = self.outer_sink
        self.outer_sink = len(self.sinks) - 2  # what try/catch cannot catch goes to the enclosing frame
        try:
            self.external_call(frame, call, ps, where)
        finally:
            self.outer_sink = saved_outer
        caught = self.sinks.pop()
        for op in ops[call_index + 1 :]:
            self.execute_op(frame, op, ps, where)
        deliver(clauses[0], ps)
        if caught:
            before.pc = z3.Or(*[r.when for r in caught])
            deliver(clauses[1], before)

    # -- operations ---------------------------------------------------------------------------------

    def execute_op(self, frame: Frame, op: Operation, ps: PathState, where: str) -> None:
        if isinstance(op, program.OGuard):
            self.guard(frame, op, ps, where)
        elif (
            isinstance(op, program.OLength | program.OMember)
            and isinstance(op.base, Local)
            and isinstance(ps.env.get(op.base.key), CodeOf)
        ):
            if isinstance(op, program.OMember) and op.field != "length":
                raise self.fail(where, f"address.code.{op.field} is not supported")
            code_of = ps.env[op.base.key]
            size = z3.Select(self.codesize, code_of.address)
            self.facts.append(size >= 0)
            ps.env[op.dest.key] = size
        elif isinstance(op, program.OAssign):
            if isinstance(op.value, Local) and isinstance(ps.env.get(op.value.key), RefTo):
                ref = ps.env[op.value.key]
                value = ref.loc if not ref.loc.type.elementary else self.load(ps, ref.loc, where)
            else:
                value = self.value(ps, op.value, frame, where)
            self.assign(ps, op.dest, value, frame, where)
        elif isinstance(op, program.OBinary):
            self.assign(ps, op.dest, self.binary(frame, ps, op, where), frame, where)
        elif isinstance(op, program.OUnary):
            value = self.value(ps, op.value, frame, where)
            if op.op == "!":
                ps.env[op.dest.key] = z3.Not(value)  # type: ignore[union-attr]
            else:
                t = op.type
                ps.env[op.dest.key] = -value - 1 if t.signed else (2**t.bits - 1) - value  # type: ignore[union-attr]
        elif isinstance(op, program.OConvert):
            self.assign(ps, op.dest, self.convert(frame, ps, op, where), frame, where)
        elif isinstance(op, program.OIndex):
            base = self.location(ps, op.base, frame, where)
            index = self.value(ps, op.index, frame, where)
            ps.env[op.dest.key] = RefTo(self.index(ps, base, index, where))
        elif isinstance(op, program.OMember):
            base = self.location(ps, op.base, frame, where)
            ps.env[op.dest.key] = RefTo(self.member(base, op.field, where))
        elif isinstance(op, program.OLength):
            base = self.location(ps, op.base, frame, where)
            if base.type.kind != "array":
                raise self.fail(where, f"length of {base.type.name}")
            if base.type.length is not None:
                ps.env[op.dest.key] = z3.IntVal(base.type.length)
            else:
                ps.env[op.dest.key] = RefTo(self.sub(base, ("length",), UINT256))
        elif isinstance(op, program.OCodeSize):
            address = self.value(ps, op.address, frame, where)
            size = z3.Select(self.codesize, address)
            self.facts.append(size >= 0)
            ps.env[op.dest.key] = size
        elif isinstance(op, program.ODelete):
            self.delete(frame, ps, op, where)
        elif isinstance(op, program.OCall):
            self.internal_call(frame, op, ps, where)
        elif isinstance(op, program.OExternalCall):
            self.external_call(frame, op, ps, where)
        elif isinstance(op, program.OSolidity):
            self.solidity(frame, op, ps, where)
        elif isinstance(op, program.OEvent):
            values = tuple(self.value(ps, a, frame, where) for a in op.args)
            event = Event(op.name, frame.instance, op.fields, values, ps.pc, where, op.signature, op.indexed)
            ps.world.events = (*ps.world.events, event)
        elif isinstance(op, program.OUnpack):
            source = ps.env.get(op.source.key)
            if not isinstance(source, tuple):
                raise self.fail(where, f"unpack of {op.source.key}, which is not a tuple")
            # the target may be a reference (`(ok, p.price) = f()`): write through it, as an assignment
            self.assign(ps, op.dest, source[op.index], frame, where)
        elif isinstance(op, program.ONewStruct):
            obj = self.new_object(ps)
            loc = MLoc(obj, (), (), op.type)
            if op.args:
                fields = [f for f in op.type.fields if f[1].kind != "mapping"]
                if len(fields) != len(op.args):
                    raise self.fail(where, f"{op.type.name}(...) with {len(op.args)} of {len(fields)} fields")
                for (name, field_type), arg in zip(fields, op.args, strict=True):
                    value = self.value(ps, arg, frame, where)
                    self.store(ps, self.sub(loc, (name,), field_type), value, where)
            ps.env[op.dest.key] = loc
        elif isinstance(op, program.ONewArray):
            obj = self.new_object(ps)
            loc = MLoc(obj, (), (), op.type)
            length = self.value(ps, op.length, frame, where)
            ps.world.heap[obj][("length",)] = length
            ps.env[op.dest.key] = loc
        elif isinstance(op, program.OSlotPointer):
            slot = z3.simplify(self.value(ps, op.slot, frame, where))
            if not z3.is_int_value(slot):
                raise self.fail(where, "storage pointer to a non-constant slot")
            declared = frame_param(frame, op.dest.key)
            if declared is None:
                raise self.fail(where, f"slot pointer into unknown variable {op.dest.key}")
            ps.env[op.dest.key] = SLoc(frame.instance, "", (), (), declared.type)
            self.root_slot[(frame.instance, declared.type.name)] = slot.as_long()
        elif isinstance(op, program.OTransientLoad):
            slot = z3.simplify(self.value(ps, op.slot, frame, where))
            if not z3.is_int_value(slot):
                raise self.fail(where, "tload of a non-constant slot")
            key = (frame.instance, slot.as_long())
            # transient storage is zero at the start of the transaction
            current = ps.world.transient.get(key, z3.IntVal(0))
            self.assign(ps, op.dest, self.from_word(current, frame_param(frame, op.dest.key)), frame, where)
        elif isinstance(op, program.OTransientStore):
            slot = z3.simplify(self.value(ps, op.slot, frame, where))
            if not z3.is_int_value(slot):
                raise self.fail(where, "tstore to a non-constant slot")
            value = self.value(ps, op.value, frame, where)
            ps.world.transient[(frame.instance, slot.as_long())] = (
                z3.If(value, z3.IntVal(1), z3.IntVal(0)) if z3.is_bool(value) else value
            )
        elif isinstance(op, program.OCondition | program.OReturn):  # pragma: no cover - handled by process()
            raise self.fail(where, "misplaced control operation")
        else:  # pragma: no cover
            raise self.fail(where, f"operation {type(op).__name__}")

    root_slot: dict[tuple[str, str], int]

    def guard(self, frame: Frame, op: program.OGuard, ps: PathState, where: str) -> None:
        cond = self.value(ps, op.cond, frame, where)
        taken_if = cond if op.when else z3.Not(cond)
        taken = ps.fork(z3.And(ps.pc, taken_if))
        skipped = ps.fork(z3.And(ps.pc, z3.Not(taken_if)))
        for inner in op.ops:
            self.execute_op(frame, inner, taken, where)
            if z3.is_false(taken.pc):
                break
        for key, value in taken.env.items():
            if key not in skipped.env:
                # the operand is not evaluated on this side; the operator's result ignores it there
                if z3.is_expr(value) and z3.is_bool(value):
                    skipped.env[key] = z3.BoolVal(False)
                elif z3.is_expr(value) and z3.is_int(value):
                    skipped.env[key] = z3.IntVal(0)
                else:
                    skipped.env[key] = Poison(f"{key} is not evaluated (short-circuit) at {where}")
        merged = self.merge([taken, skipped], where)
        ps.pc, ps.world, ps.env = merged.pc, merged.world, merged.env

    def from_word(self, word: Any, declared: Any) -> Any:
        if declared is not None and declared.type.kind == "bool":
            return word != 0
        return word

    def index(self, ps: PathState, base: SLoc | MLoc, index: Any, where: str) -> SLoc | MLoc:
        t = base.type
        if isinstance(base, SChoice):
            if t.kind == "array" and t.length is None:
                size = self.load(ps, self.sub(base, ("length",), UINT256), where)
                self.add_check(ps, "index-out-of-bounds", where, z3.Or(index < 0, index >= size))
                assert t.value is not None
                options = tuple(
                    SLoc(o.instance, o.var, (*o.path, "#"), (*o.keys, index), t.value) for o in base.options
                )
                return _choice(base.pcs, options, t.value)
            options = tuple(self.index(ps, o, index, where) for o in base.options)  # type: ignore[misc]
            return _choice(base.pcs, options, options[0].type)  # type: ignore[arg-type]
        if t.kind == "mapping" and t.value is not None:
            if isinstance(base, MLoc):
                raise self.fail(where, "mapping in memory")
            return SLoc(
                base.instance, base.var, (*base.path, "[]"), (*base.keys, self.key_term(index)), t.value
            )
        if t.kind == "array" and t.value is not None:
            if t.length is not None:
                length: Any = z3.IntVal(t.length)
            else:
                length = self.load(ps, self.sub(base, ("length",), UINT256), where)
            self.add_check(ps, "index-out-of-bounds", where, z3.Or(index < 0, index >= length))
            if isinstance(base, SLoc):
                return SLoc(base.instance, base.var, (*base.path, "#"), (*base.keys, index), t.value)
            return MLoc(base.obj, (*base.path, "#"), (*base.keys, index), t.value)
        raise self.fail(where, f"index into {t.name}")

    def member(self, base: SLoc | MLoc, name: str, where: str) -> SLoc | MLoc:
        t = base.type
        if isinstance(base, SChoice):
            options = tuple(self.member(o, name, where) for o in base.options)
            return _choice(base.pcs, options, options[0].type)  # type: ignore[arg-type]
        if t.kind != "struct":
            raise self.fail(where, f"member {name} of {t.name}")
        field_type = t.field_type(name)
        if isinstance(base, SLoc) and base.var == "":
            # a field of an ERC-7201 namespace: a variable of the contract, named by the field — or
            # "<Struct>.<field>" when the contract also has a state variable of that name
            var = self.namespaced_var(base.instance, t, name)
            owner = self.register_namespaced(base.instance, t, name, var)
            if owner != t.name:
                raise self.fail(where, f"namespaced field {name} is declared by both {owner} and {t.name}")
            return SLoc(base.instance, var, (), (), field_type)
        return self.sub(base, (name,), field_type)

    root_owner: dict[tuple[str, str], str]
    namespace_of: dict[tuple[str, str], tuple[SolType, str]]

    def delete(self, frame: Frame, ps: PathState, op: program.ODelete, where: str) -> None:
        target = op.target
        if isinstance(target, StateRef):
            loc: SLoc | MLoc = self.state_loc(target, frame)
        else:
            loc = self.location(ps, target, frame, where)
        if loc.type.elementary:
            self.store(ps, loc, z3.BoolVal(False) if loc.type.kind == "bool" else z3.IntVal(0), where)
        else:
            self.zero_into(ps, loc, where)

    def solidity(self, frame: Frame, op: program.OSolidity, ps: PathState, where: str) -> None:
        name = op.name
        if name == "code(address)" and op.dest is not None:
            # only `a.code.length` is supported: the code itself is never read
            ps.env[op.dest.key] = CodeOf(self.value(ps, op.args[0], frame, where))
            return
        if name.startswith("require("):
            cond = self.value(ps, op.args[0], frame, where)
            reason = ""
            if len(op.args) > 1 and isinstance(op.args[1], Const):
                reason = f": {op.args[1].value}"
            self.revert_check(ps, z3.Not(cond), f"require{reason}", where)
            return
        if name == "assert(bool)":
            cond = self.value(ps, op.args[0], frame, where)
            self.add_check(ps, "assert", where, z3.Not(cond))
            return
        if name.startswith("revert"):
            reason = name
            if name == "revert(string)" and op.args and isinstance(op.args[0], Const):
                reason = f"revert({op.args[0].value!r})"
            self.revert(ps, z3.BoolVal(True), reason, where)
            return
        if name.startswith("abi.encode") and op.dest is not None:
            values = tuple(self.key_term(self.value(ps, a, frame, where)) for a in op.args)
            if not all(z3.is_expr(v) and z3.is_int(v) for v in values):
                raise self.fail(where, f"{name} of a non-elementary value")
            ps.env[op.dest.key] = Encoded(name.split("(")[0], values)
            return
        if name == "keccak256(bytes)" and op.dest is not None:
            data = self.value(ps, op.args[0], frame, where)
            if not isinstance(data, Encoded):
                raise self.fail(where, "keccak256 of data not built by abi.encode in this function")
            # an uninterpreted function: proofs hold for every hash function, collisions included
            sorts = [z3.IntSort()] * len(data.values)
            hash_fn = z3.Function(f"keccak256.{data.kind}/{len(data.values)}", *sorts, z3.IntSort())
            digest = hash_fn(*data.values)
            self.in_range(digest, UINT256)
            ps.env[op.dest.key] = digest
            return
        raise self.fail(where, f"Solidity call {name} is not supported")

    def revert_check(self, ps: PathState, bad: z3.BoolRef, reason: str, where: str) -> None:
        if z3.is_false(z3.simplify(bad)):
            return
        self.revert(ps, bad, reason, where)

    # -- arithmetic -------------------------------------------------------------------------------

    def binary(self, frame: Frame, ps: PathState, op: program.OBinary, where: str) -> Any:
        a = self.value(ps, op.left, frame, where)
        b = self.value(ps, op.right, frame, where)
        if op.op in BOOLEAN:
            return boolean(op.op, a, b)
        t = op.type
        if t.kind != "int":
            raise self.fail(where, f"arithmetic result of type {t.name}")
        low, high = t.low, t.high
        if op.op in ARITHMETIC:
            return arithmetic(
                op.op,
                a,
                b,
                checked=op.checked,
                signed=t.signed,
                low=low,
                high=high,
                check=lambda kind, bad: self.add_check(ps, kind, where, bad),
                wrap=lambda raw: self.wrap(raw, t),
            )
        if op.op == "**":
            if isinstance(op.right, Const) and isinstance(op.right.value, int):
                raw = z3.IntVal(1)
                for _ in range(op.right.value):
                    raw = raw * a
                if op.checked:
                    self.add_check(ps, "overflow", where, z3.Or(raw > high, raw < low))
                    return raw
                return self.wrap(raw, t)
            if isinstance(op.left, Const) and isinstance(op.left.value, int) and op.left.value >= 2:
                base = op.left.value
                values = []
                exponent = 0
                while base**exponent <= high and exponent <= 512:
                    values.append(base**exponent)
                    exponent += 1
                self.add_check(ps, "overflow", where, b >= exponent)
                # one table per (base, type) and execution: base**k for every k that fits, read by index
                table = self.power_tables.get((base, high))
                if table is None:
                    table = z3.K(z3.IntSort(), z3.IntVal(values[-1]))
                    for k, value in enumerate(values):
                        table = z3.Store(table, k, value)
                    self.power_tables[(base, high)] = table
                return z3.Select(table, b)
            raise self.fail(where, "power with a variable base")
        if op.op in BITWISE:
            if t.signed:
                raise self.fail(where, f"bitwise {op.op} on a signed integer")
            return bitwise(op.op, a, b, t.bits)
        if op.op in ("<<", ">>"):
            if not (isinstance(op.right, Const) and isinstance(op.right.value, int)):
                raise self.fail(where, "shift by a non-constant amount")
            factor = 2**op.right.value
            if op.op == ">>":
                return a / factor
            return self.wrap(a * factor, t)
        raise self.fail(where, f"operator {op.op}")

    def wrap(self, raw: Any, t: SolType) -> Any:
        return wrapped(raw, t.bits, t.signed)

    def convert(self, frame: Frame, ps: PathState, op: program.OConvert, where: str) -> Any:
        value = self.value(ps, op.value, frame, where)
        target = op.type
        if not z3.is_expr(value):
            raise self.fail(where, f"conversion of {value!r} to {target.name}")
        if z3.is_bool(value) or target.kind != "int":
            if z3.is_bool(value) and target.kind == "bool":
                return value
            raise self.fail(where, f"conversion to {target.name}")
        source = _operand_sol_type(op.value)
        origin = self.origin.get(value.get_id())
        if (
            source is not None
            and source.kind == "int"
            and target.low <= source.low
            and source.high <= target.high
        ):
            result = value
        elif isinstance(op.value, Const):
            if not target.low <= int(op.value.value) <= target.high:  # type: ignore[arg-type]
                raise self.fail(where, f"literal {op.value.value} does not fit {target.name}")
            result = value
        elif (
            source is not None
            and source.kind == "int"
            and source.bits == target.bits
            and source.signed == target.signed
        ):
            result = value  # same width: address ↔ contract types ↔ uint160, bytes32 ↔ uint256
        else:
            out = z3.Or(value < target.low, value > target.high)
            self.truncations.append(Check("narrowing", f"{where} (→ {target.name})", ps.pc, out))
            result = z3.If(out, self.wrap(value, target), value)
        if origin is not None:
            self.origin[result.get_id()] = (origin[0], result)
        return result

    # -- calls --------------------------------------------------------------------------------------

    def internal_call(self, frame: Frame, op: program.OCall, ps: PathState, where: str) -> None:
        key = op.callee.split("(")[0]
        if not op.modifier and key in self.internal_summaries:
            # a declared contract instead of the body (e.g. a dependency's assembly): checked like an
            # external summary's, its `requires` proved at this call site
            values = tuple(self.value(ps, arg, frame, where) for arg in op.args)
            if any(isinstance(v, SLoc | MLoc | RefTo | Poison | Opaque) for v in values):
                raise self.fail(where, f"summary of {key}: only elementary arguments can be summarised")
            self.apply_summary(frame, op, ps, key, frame.this, values, where, self.internal_summaries[key])
            return
        callee = self.project.function(op.callee)
        args = []
        for arg, param in zip(op.args, callee.params, strict=False):
            if param.storage:
                args.append(self.location(ps, arg, frame, where))
            else:
                value = self.value(ps, arg, frame, where)
                args.append(value)
        inner = Frame(callee, frame.instance, frame.this, frame.sender, depth=frame.depth + 1)
        after, values = self.run_function(inner, args, ps)
        self.continue_after(ps, after, op.dest, values, where)

    def continue_after(
        self, ps: PathState, after: PathState | None, dest: Local | None, values: tuple[Any, ...], where: str
    ) -> None:
        if after is None:
            ps.pc = z3.BoolVal(False)
            return
        ps.pc = after.pc
        ps.world = after.world
        if dest is not None:
            if dest.key.startswith("TUPLE_") or len(values) != 1:
                ps.env[dest.key] = tuple(values)
            else:
                ps.env[dest.key] = values[0]

    def binding(self, target: Any) -> str | None:
        found = self.origin.get(target.get_id()) if z3.is_expr(target) else None
        return found[0] if found is not None else None

    def external_call(self, frame: Frame, op: program.OExternalCall, ps: PathState, where: str) -> None:
        # only this call (not the code it runs) is the one a surrounding try/catch wraps
        outer, self.outer_sink = self.outer_sink, None
        target = self.value(ps, op.target, frame, where)
        args = tuple(self.value(ps, a, frame, where) for a in op.args)
        if op.gas_limited:
            # with a gas limit the callee may run out of gas anywhere; its effects are then undone, so
            # "reverts at once" stands for every such failure
            out_of_gas = z3.Bool(f"{self.label}.call{next(self.counter)}.out-of-gas")
            self.revert(ps, out_of_gas, f"{op.interface}.{op.function} runs out of gas", where)
        fname = op.function.split("(")[0]
        label = self.binding(target)
        is_self = isinstance(op.target, EnvRef) and op.target.name == "this"
        bound = None
        if is_self:
            bound = frame.instance
        elif label is not None and label in self.deployment:
            bound = self.deployment[label]
        # a summary declared for the bound contract's function or the interface's wins over inlining
        for key in ([f"{bound}.{fname}"] if bound else []) + [
            f"{op.interface}.{fname}",
            *([f"{label}.{fname}"] if label else []),
        ]:
            if key in self.summaries:
                self.apply_summary(frame, op, ps, key, target, args, where)
                return
        if bound is not None:
            address = frame.this if is_self else self.address_of(bound)
            if not is_self:
                self.facts.append(target == address)
            contract = self.project.contract(bound)
            resolved = contract.resolve(op.function)
            if resolved is None:
                raise self.fail(where, f"{bound} has no function {op.function}")
            callee = self.project.function(resolved)
            inner = Frame(callee, bound, address, frame.this, depth=frame.depth + 1)
            after, values = self.run_function(inner, list(args), ps)
            self.continue_after(ps, after, op.dest, self.shape_returns(ps, values, op), where)
            return
        for key in [*([label] if label else []), op.interface, "*"]:
            if key in self.havoc:
                self.apply_havoc(frame, op, ps, self.havoc[key], where, outer)
                return
        raise self.fail(
            where,
            f"external call {op.interface}.{op.function} through "
            f"{label or 'an address'} that the deployment map does not bind, "
            "with no summary or havoc declared",
        )

    def discover_namespaces(self, contract: str, sender: Any, ps: PathState) -> None:
        """Register the fields of every namespace the contract's `_s()`-style accessors return."""
        for _, ret in self.project.storage_accessors(contract):
            if ret.type.kind == "struct":
                try:
                    root = self.namespace_root(contract, ret.type, sender, ps, contract, ret.name)
                except ExtractionError:
                    continue
                for name, _ in ret.type.fields:
                    self.member(root, name, contract)

    def namespace_root(
        self, contract: str, sol_type: SolType, sender: Any, ps: PathState, entry: str, name: str
    ) -> SLoc:
        """The storage struct an entry's ``T storage $`` parameter points to: the root returned by the
        contract's own accessor of that struct (the ``$.slot := CONST`` idiom, e.g. ``_s()``)."""
        for candidate, ret in self.slot_accessors(contract):
            if ret.type.name != sol_type.name:
                continue
            frame = Frame(candidate, contract, self.address_of(contract), sender)
            after, values = self.run_function(frame, [], ps)
            if after is not None and len(values) == 1 and isinstance(values[0], SLoc):
                return values[0]
        raise ExtractionError(
            f"{entry}: storage parameter {name} ({sol_type.name}) is not the root of a namespaced storage "
            "struct of the contract; give it in args="
        )

    def shape_returns(
        self, ps: PathState, values: tuple[Any, ...], op: program.OExternalCall
    ) -> tuple[Any, ...]:
        return values

    def apply_summary(
        self,
        frame: Frame,
        op: program.OExternalCall | program.OCall,
        ps: PathState,
        key: str,
        target: Any,
        args: tuple[Any, ...],
        where: str,
        summary: Summary | None = None,
    ) -> None:
        view = CallView(key, args, frame.this, target, self, ps, frame)
        result = (summary or self.summaries[key])(view)
        if result.requires is not None:
            self.checks.append(Check("summary-requires", f"{where} ({key})", ps.pc, z3.Not(result.requires)))
        if result.reverts is not None:
            self.revert(ps, result.reverts, f"{key} reverts (summary)", where)
        if result.ensures is not None:
            self.facts.append(z3.Implies(ps.pc, result.ensures))
        for path, value in result.writes.items():
            instance, var, *rest = path
            loc = self.resolve_path(str(instance), str(var), rest)
            self.store(ps, loc, value, where)
        self.executed.setdefault(f"summary:{key}", ("", ()))
        if op.dest is not None:
            values = result.returns
            ps.env[op.dest.key] = (
                tuple(values) if (op.dest.key.startswith("TUPLE_") or len(values) != 1) else values[0]
            )

    def uncaught_revert(
        self, ps: PathState, bad: z3.BoolRef, reason: str, where: str, outer: int | None
    ) -> None:
        """A failure in the calling frame itself (no code at the target, undecodable return data): a
        try/catch around this very call does not catch it."""
        sink = self.sinks[outer] if outer is not None else self.sinks[-1]
        sink.append(RevertOutcome(z3.And(ps.pc, bad), reason, where))
        ps.pc = z3.And(ps.pc, z3.Not(bad))

    outer_sink: int | None = None

    def apply_havoc(
        self,
        frame: Frame,
        op: program.OExternalCall,
        ps: PathState,
        spec: Havoc,
        where: str,
        outer: int | None = None,
    ) -> None:
        target = self.value(ps, op.target, frame, where)
        call_tag = f"{op.interface}.{op.function}"
        # unknown code is never assumed to exist or to answer well-formed data
        self.facts.append(z3.Select(self.codesize, target) >= 0)
        no_code = z3.Select(self.codesize, target) == 0
        self.uncaught_revert(ps, no_code, f"{call_tag}: no code at the target", where, outer)
        if spec.may_revert:
            failed = z3.Bool(f"{self.label}.call{next(self.counter)}.reverts")
            self.revert(ps, failed, f"{op.interface}.{op.function} reverts (unknown code)", where)
        # a view/pure callee is reached by STATICCALL: whatever code answers, the EVM lets it write nothing
        for instance, var in () if op.static else spec.writes:
            if f"{self.contract_of(instance)}.{var}" in self.hooks:
                raise self.fail(
                    where, f"unknown code may change {instance}.{var}, which a storage hook follows"
                )
            root = self.resolve_path(instance, var, ())
            for path, leaf_type in all_leaves(root.type):
                key = (instance, var, path)
                old = self.leaf(ps.world, key, leaf_type)
                fresh = z3.Const(self.fresh_name(f"havoc.{var}"), old.sort())
                if old.sort() != z3.IntSort() or leaf_type.kind != "int":
                    ps.world.storage[key] = fresh
                else:
                    self.in_range(fresh, leaf_type)
                    ps.world.storage[key] = fresh
        if op.returns:
            malformed = z3.Bool(f"{self.label}.call{next(self.counter)}.malformed-return")
            self.uncaught_revert(ps, malformed, f"{call_tag}: return data that does not decode", where, outer)
        values = []
        for ret_type in op.returns:
            values.append(self.fresh_value(ps, ret_type, f"{op.function.split('(')[0]}.ret", where))
        if op.dest is not None:
            ps.env[op.dest.key] = (
                tuple(values) if (op.dest.key.startswith("TUPLE_") or len(values) != 1) else values[0]
            )

    havoc_roots: list[Any]

    def memory_array(self, ps: PathState, param: Any, given: MemoryArray, where: str) -> MLoc:
        """A heap object holding a :class:`MemoryArray` argument, its leaves checked against the type."""
        t = param.type
        if param.storage or t.kind != "array" or t.length is not None or t.value is None:
            raise self.fail(where, f"{param.name} is not a dynamic memory array (given a MemoryArray)")
        leaves = {".".join(path): leaf for path, leaf in self.leaves(t.value, where)}
        if set(leaves) != set(given.elements):
            raise self.fail(
                where,
                f"{param.name}: MemoryArray fields {sorted(given.elements)}, the element "
                f"type {t.value.name} has {sorted(leaves)}",
            )
        obj = self.new_object(ps)
        self.in_range(given.length, UINT256)
        ps.world.heap[obj][("length",)] = given.length
        for name, leaf in leaves.items():
            array = given.elements[name]
            if array.sort() != z3.ArraySort(z3.IntSort(), self.leaf_sort(leaf)):
                raise self.fail(where, f"{param.name}: element field {name!r} must be Int → {leaf.name}")
            ps.world.heap[obj][("#", *(name.split(".") if name else ()))] = array
        return MLoc(obj, (), (), t)

    def fresh_value(self, ps: PathState, sol_type: SolType, name: str, where: str) -> Any:
        if sol_type.elementary:
            return self.fresh(name, sol_type)
        if sol_type.kind == "struct":
            obj = self.new_object(ps)
            loc = MLoc(obj, (), (), sol_type)
            plain = replace(sol_type, fields=tuple(f for f in sol_type.fields if not _dynamic_array(f[1])))
            for path, leaf_type in self.leaves(plain, where):
                ps.world.heap[obj][path] = self.fresh(f"{name}.{'.'.join(path)}", leaf_type)
            for field_name, field_type in sol_type.fields:
                if _dynamic_array(field_type):
                    # a dynamic array field (any length, any elements): a fresh array aliased into the field
                    array = self.fresh_value(ps, field_type, f"{name}.{field_name}", where)
                    self.alias_array(ps, MLoc(obj, (field_name,), (), field_type), array, where)
            return loc
        if sol_type.kind == "array" and sol_type.value is not None and sol_type.length is None:
            element = sol_type.value
            if not (element.elementary or element.kind == "struct"):
                raise self.fail(where, f"fresh value of type {sol_type.name}")
            obj = self.new_object(ps)
            length = self.fresh(f"{name}.length", UINT256)
            ps.world.heap[obj][("length",)] = length
            for path, leaf_type in self.leaves(element, where):
                suffix = "." + ".".join(path) if path else ""
                ps.world.heap[obj][("#", *path)] = z3.Array(
                    f"{self.label}.{name}{suffix}#{next(self.counter)}",
                    z3.IntSort(),
                    self.leaf_sort(leaf_type),
                )
            return MLoc(obj, (), (), sol_type)
        if sol_type.kind == "bytes":
            return Opaque("returndata")
        raise self.fail(where, f"fresh value of type {sol_type.name}")

    # -- merging ----------------------------------------------------------------------------------

    merging: World | None = None

    def snapshot(self, pcs: Sequence[z3.BoolRef], values: Sequence[Any], where: str) -> MLoc:
        """Two memory objects meet in one variable (``return cond ? a : b`` shapes): the merged value is
        a new object holding the If of their contents. Exact as long as none of them is written again,
        so all of them are frozen: a later write through any of them is an ERROR, not an approximation."""
        assert self.merging is not None
        obj = next(self.heap_ids)
        fields: dict[tuple[str, ...], Any] = {}
        paths: set[tuple[str, ...]] = set()
        for v in values:
            paths.update(self.merging.heap.get(v.obj, {}).keys())
        for path in sorted(paths):
            leaf_values = []
            present = [self.merging.heap.get(v.obj, {}).get(path) for v in values]
            sample = next(p for p in present if p is not None)
            for value in present:
                # a field never written is still the object's zero value
                leaf_values.append(value if value is not None else _zero_like(sample))
            fields[path] = self.ite(pcs, leaf_values)
        self.merging.heap[obj] = fields
        self.frozen.update({obj, *(v.obj for v in values)})
        return MLoc(obj, (), (), values[0].type)

    frozen: set[int]

    def merge(self, states: Sequence[PathState], where: str) -> PathState:
        states = [s for s in states if not z3.is_false(s.pc)]
        if not states:
            return PathState(z3.BoolVal(False), World(), {})
        if len(states) == 1:
            return states[0]
        if len(states) > self.max_paths:
            raise self.fail(where, f"more than {self.max_paths} states meet here")
        pcs = [s.pc for s in states]
        pc = z3.Or(*pcs)
        world = World()
        keys = set().union(*[s.world.storage.keys() for s in states])
        for key in sorted(keys):
            values = [s.world.storage.get(key) for s in states]
            if any(v is None for v in values):
                pre = self.pre_world.storage[key]
                values = [pre if v is None else v for v in values]
            world.storage[key] = self.ite(pcs, values)
        tkeys = set().union(*[s.world.transient.keys() for s in states])
        for tkey in sorted(tkeys):
            world.transient[tkey] = self.ite(pcs, [s.world.transient.get(tkey, z3.IntVal(0)) for s in states])
        objs = set().union(*[s.world.heap.keys() for s in states])
        for obj in sorted(objs):
            owners = [(s.pc, s.world.heap[obj]) for s in states if obj in s.world.heap]
            paths = set().union(*[o[1].keys() for o in owners])
            merged_obj: dict[tuple[str, ...], Any] = {}
            for path in paths:
                present = [(p, o[path]) for p, o in owners if path in o]
                if len(present) < len(owners):
                    # a path one state never touched still holds the object's zero value there (memory is
                    # zero-initialised), not another state's write
                    sample = present[0][1]
                    present = [(p, o.get(path, _zero_like(sample))) for p, o in owners]
                if len(present) == 1:
                    merged_obj[path] = present[0][1]
                else:
                    merged_obj[path] = self.ite([p for p, _ in present], [v for _, v in present])
            world.heap[obj] = merged_obj
        world.events = self.merge_events([(s.pc, s.world.events) for s in states])
        env: dict[str, Any] = {}
        names = set().union(*[s.env.keys() for s in states])
        self.merging = world
        try:
            for name in sorted(names):
                if not all(name in s.env for s in states):
                    continue
                env[name] = self.merge_values(pcs, [s.env[name] for s in states], where)
        finally:
            self.merging = None
        return PathState(pc, world, env)

    def merge_events(self, logs: Sequence[tuple[z3.BoolRef, tuple[Event, ...]]]) -> tuple[Event, ...]:
        # An event is one record, made once where it was emitted, under that path's condition (its
        # ``when``); states forked after it share it. So an event several logs hold (the common prefix;
        # an unrolled loop's exits: the exit after k iterations holds the first k iterations' events) is
        # kept once, in the order the logs hold it, never once per log.
        merged: list[Event] = []
        seen: set[int] = set()
        for _, log in logs:
            for event in log:
                if id(event) not in seen:
                    seen.add(id(event))
                    merged.append(event)
        return tuple(merged)

    def ite(self, pcs: Sequence[z3.BoolRef], values: Sequence[Any]) -> Any:
        first = values[0]
        if all(v is first or (z3.is_expr(v) and z3.eq(v, first)) for v in values):
            return first
        result = values[-1]
        for pc, value in zip(reversed(pcs[:-1]), reversed(values[:-1]), strict=True):
            result = z3.If(pc, value, result)
        return result

    def merge_values(self, pcs: Sequence[z3.BoolRef], values: Sequence[Any], where: str) -> Any:
        first = values[0]
        if all(v is first for v in values):
            return first
        if all(z3.is_expr(v) for v in values):
            if len({v.sort() for v in values}) == 1:  # type: ignore[union-attr]
                return self.ite(pcs, values)
            return Poison(f"values of different sorts meet at {where}")
        if all(isinstance(v, tuple) for v in values) and len({len(v) for v in values}) == 1:
            return tuple(self.merge_values(pcs, [v[i] for v in values], where) for i in range(len(first)))
        if (
            all(isinstance(v, SLoc) and not isinstance(v, SChoice) for v in values)
            and not all(
                v.instance == values[0].instance and v.var == values[0].var and v.path == values[0].path
                for v in values
            )
            and len({v.type.name for v in values}) == 1
        ):
            return _choice(tuple(pcs), tuple(values), values[0].type)
        if all(isinstance(v, SLoc) for v in values):
            a = values[0]
            if all(v.instance == a.instance and v.var == a.var and v.path == a.path for v in values):
                keys = tuple(self.ite(pcs, [v.keys[i] for v in values]) for i in range(len(a.keys)))
                return SLoc(a.instance, a.var, a.path, keys, a.type)
        if all(isinstance(v, MLoc) for v in values):
            a = values[0]
            if all(v.obj == a.obj and v.path == a.path for v in values):
                keys = tuple(self.ite(pcs, [v.keys[i] for v in values]) for i in range(len(a.keys)))
                return MLoc(a.obj, a.path, keys, a.type)
            if all(v.path == () and v.type.name == a.type.name for v in values) and self.merging is not None:
                return self.snapshot(pcs, values, where)
            return Poison(f"memory references to different objects meet at {where}")
        if all(isinstance(v, RefTo) for v in values):
            return Poison(f"references meet at {where}")
        if all(isinstance(v, Opaque) for v in values):
            return first
        return Poison(f"values that cannot be merged meet at {where}")


def _choice(pcs: tuple[Any, ...], options: tuple[SLoc, ...], sol_type: SolType) -> SChoice:
    first = options[0]
    return SChoice(first.instance, first.var, first.path, first.keys, sol_type, pcs, options)


def all_leaves(sol_type: SolType, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], SolType]]:
    """Every storage leaf under a variable of ``sol_type``: fields, ``[]`` per mapping, ``#``/``length``
    per dynamic array."""
    if sol_type.elementary:
        return [(prefix, sol_type)]
    if sol_type.kind == "mapping" and sol_type.value is not None:
        return all_leaves(sol_type.value, (*prefix, "[]"))
    if sol_type.kind == "array" and sol_type.value is not None:
        out = all_leaves(sol_type.value, (*prefix, "#"))
        if sol_type.length is None:
            out.append(((*prefix, "length"), UINT256))
        return out
    if sol_type.kind == "struct":
        out = []
        for name, field_type in sol_type.fields:
            out.extend(all_leaves(field_type, (*prefix, name)))
        return out
    return []


def _zero_like(term: Any) -> Any:
    sort = term.sort()
    if sort == z3.BoolSort():
        return z3.BoolVal(False)
    if sort == z3.IntSort():
        return z3.IntVal(0)
    if isinstance(sort, z3.ArraySortRef):
        return z3.K(sort.domain(), _zero_like(z3.FreshConst(sort.range())))
    raise ExtractionError(f"no zero value of sort {sort}")


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if z3.is_expr(a) and z3.is_expr(b):
        return bool(z3.eq(a, b))
    return False


def frame_param(frame: Frame, key: str) -> Any:
    for group in (frame.fn.params, frame.fn.returns, frame.fn.locals):
        for param in group:
            if param.key == key:
                return param
    return None


def _operand_sol_type(operand: Operand) -> SolType | None:
    return operand.type


def _dynamic_array(t: SolType) -> bool:
    return t.kind == "array" and t.length is None and t.value is not None


# ---------------------------------------------------------------------------------------------- API


def execute(
    project: CodeProject,
    entry: str,
    *,
    args: Mapping[str, Any] | None = None,
    env: Mapping[str, Any] | None = None,
    deployment: Mapping[str, str] | None = None,
    summaries: Mapping[str, Summary] | None = None,
    havoc: Mapping[str, Havoc] | None = None,
    loops: Mapping[str, LoopSpec] | None = None,
    pre: Execution | None = None,
    storage: Mapping[tuple[Any, ...], Any] | None = None,
    label: str | None = None,
    max_paths: int = 256,
    internal_summaries: Mapping[str, Summary] | None = None,
    ghosts: Mapping[str, Ghost] | None = None,
    hooks: Mapping[str, StorageHook] | None = None,
) -> Execution:
    """Symbolically execute ``entry`` (``"Contract.fn"`` or ``"Contract.fn(types)"``) of ``project``.

    See :mod:`vaultproof.prover.code` for the meaning of each argument.
    """
    contract_name = entry.partition(".")[0]
    fn = project.entry(entry)
    tag = label if label is not None else entry.split(".")[-1].split("(")[0]
    executor = Executor(
        project,
        label=tag,
        deployment=deployment or {},
        summaries=summaries or {},
        havoc=havoc or {},
        loops=loops or {},
        max_paths=max_paths,
        internal_summaries=internal_summaries,
        ghosts=ghosts,
        hooks=hooks,
    )
    executor.root_types = {}
    executor.root_slot = {}
    executor.root_owner = {}
    executor.havoc_roots = []
    executor.frozen = set()
    executor.frozen_fields = set()
    executor.namespace_of = {}
    world = World()
    if pre is not None:
        # continue from a previous execution's post-state (same pre-state constants, facts carried over)
        executor.pre_world = pre.executor.pre_world
        executor.instances = dict(pre.executor.instances)
        executor.root_types = dict(pre.executor.root_types)
        executor.root_owner = dict(pre.executor.root_owner)
        executor.roots = dict(pre.executor.roots)
        executor.namespace_of = dict(pre.executor.namespace_of)
        executor.codesize = pre.executor.codesize
        executor.facts.extend(pre.assumptions)
        executor.facts.append(pre.ok)
        world = pre.world.copy()
        world.events = ()
        world.transient = {}
    values = dict(env or {})
    environment: dict[str, Any] = {}
    for name, sol_type in (
        ("block.number", UINT256),
        ("block.timestamp", UINT256),
        ("msg.value", UINT256),
        ("block.chainid", UINT256),
        ("tx.origin", ADDRESS),
    ):
        environment[name] = values.get(name)
        if environment[name] is None:
            environment[name] = z3.Int(f"{tag}.{name}")
            executor.in_range(environment[name], sol_type)
    executor.env = environment
    sender = values.get("msg.sender")
    if sender is None:
        sender = z3.Int(f"{tag}.msg.sender")
        executor.in_range(sender, ADDRESS)
    arg_values: dict[str, Any] = {}
    given = dict(args or {})
    ps = PathState(z3.BoolVal(True), world, {})
    positional = []
    for param in fn.params:
        value = given.pop(param.name, None)
        if isinstance(value, MemoryArray):
            value = executor.memory_array(ps, param, value, fn.name)
        if value is None and param.storage:
            value = executor.namespace_root(contract_name, param.type, sender, ps, entry, param.name)
        if value is None:
            value = (
                executor.fresh_value(ps, param.type, f"{param.name}", fn.name)
                if not param.type.elementary
                else (
                    z3.Bool(f"{tag}.{param.name}")
                    if param.type.kind == "bool"
                    else z3.Int(f"{tag}.{param.name}")
                )
            )
            if param.type.kind == "int":
                executor.in_range(value, param.type)
        arg_values[param.name] = value
        positional.append(value)
    if given:
        raise ExtractionError(f"{entry} has no parameter(s) {', '.join(sorted(given))}")
    executor.entry_heap = {obj: dict(fields) for obj, fields in ps.world.heap.items()}
    for cell, value in (storage or {}).items():
        # given pre-state cells (e.g. an unset address): branches over them fold instead of forking
        instance, var, *path = cell
        executor.discover_namespaces(str(instance), sender, ps)
        loc = executor.resolve_path(str(instance), str(var), path)
        term = z3.IntVal(value) if isinstance(value, int) and not isinstance(value, bool) else value
        executor.store(ps, loc, z3.BoolVal(value) if isinstance(value, bool) else term, entry)
    after, returns = executor.run_entry(fn, contract_name, positional, ps, sender)
    top_reverts = tuple(executor.sinks[0])
    ok = after.pc if after is not None else z3.BoolVal(False)
    final_world = after.world if after is not None else world
    events = tuple(
        Event(e.name, e.contract, e.fields, e.values, z3.And(e.when, ok), e.where, e.signature, e.indexed)
        for e in final_world.events
    )
    if not returns:
        returns = tuple(
            z3.BoolVal(False) if r.type.kind == "bool" else z3.IntVal(0)
            for r in fn.returns
            if r.type.elementary
        )
    plain_returns = tuple(
        executor.plain(after, r, Frame(fn, contract_name, None, None)) if after is not None else r
        for r in returns
    )
    return Execution(
        name=fn.name,
        args=arg_values,
        env={**environment, "msg.sender": sender},
        ok=ok,
        returns=plain_returns,
        return_names=tuple(r.name for r in fn.returns),
        world=final_world,
        pre=executor.pre_world,
        events=events,
        reverts=top_reverts,
        checks=tuple(executor.checks),
        truncations=tuple(executor.truncations),
        assumptions=tuple(executor.facts),
        executed=tuple(sorted(k for k in executor.executed if not k.startswith("summary:"))),
        lines={f: tuple(sorted(v)) for f, v in sorted(executor.lines.items())},
        statement_lines={k: v for k, v in sorted(executor.executed.items()) if not k.startswith("summary:")},
        executor=executor,
    )
