"""Symbolic execution of a lowered pure function over Z3 ``Int``/``Bool`` terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from vaultproof.errors import RegistryError
from vaultproof.prover.code.arith import ARITHMETIC, BOOLEAN, arithmetic, boolean, wrapped
from vaultproof.prover.code.ir import (
    MAX_CONSTANT_EXPONENT,
    MAX_INLINE_DEPTH,
    MAX_PATHS,
    Assign,
    BinOp,
    BranchOp,
    CallOp,
    Convert,
    ExtractionError,
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
    named,
)
from vaultproof.prover.code.types import (
    int_spec,
    type_range,
)
from vaultproof.prover.obligation import ModelContext


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
    # an easier sufficient condition for ``reached`` (a vacuity witness), e.g. the site reached in the first
    # iteration of an invariant-proved loop; None: ``reached`` itself
    witness: z3.BoolRef | None = None
    # ``bad`` at that first iteration (the same substitution): ``witness ∧ first_bad`` satisfiable is a
    # genuine failure in the first iteration — a quantifier-light search for a counterexample
    first_bad: z3.BoolRef | None = None

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
        return named(self.param_names, self.args, name, f"{self.name} has no parameter {name!r}")

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
        # the callee's checks and truncations, reached only where the call is
        for found, into in ((inner.checks, self.checks), (inner.truncations, self.truncations)):
            into.extend(
                Check(c.kind, f"{c.where} (called at {where})", z3.And(path.pc, c.reached), c.bad)
                for c in found
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
        if op.op in BOOLEAN:
            return boolean(op.op, a, b)
        type_name = op.dest.type
        spec = int_spec(type_name)
        if spec is None:
            raise self.fail(f"arithmetic result of type {type_name}", where)
        signed = spec[1]
        low, high = type_range(type_name)
        if op.op in ARITHMETIC:
            return arithmetic(
                op.op,
                a,
                b,
                checked=op.checked,
                signed=signed,
                low=low,
                high=high,
                check=lambda kind, bad: self.add_check(path, kind, where, bad),
                wrap=lambda raw: self.wrap(raw, type_name),
            )
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
        return wrapped(raw, bits, signed)


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
