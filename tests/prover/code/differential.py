"""Differential testing of the executor against the EVM (forge).

For one entry point, :func:`expected` evaluates the executor's terms on a concrete case (arguments,
environment, the storage cells that matter; every other cell 0) by substitution and simplification;
:func:`forge_test` writes the same case as a forge test that places the compiled contracts at fixed
addresses (``vm.etch``), writes the pre-state with ``vm.store``, calls the function and asserts the
executor's prediction: revert or not, return values, the observed storage cells, and the emitted
logs (topic 0, indexed topics, data). Any disagreement fails forge with the case's name.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from vaultproof.prover.code.execute import Execution
from vaultproof.prover.code.program import CodeProject, SolType

U256 = 2**256

Cell = tuple[Any, ...]  # (instance, var, *path) with keys as ints and fields as strings


@dataclass(frozen=True)
class Case:
    name: str
    args: Mapping[str, int]
    sender: int
    block: int
    timestamp: int
    pre: Mapping[Cell, int]  # storage cells set before the call (others are 0)
    observe: tuple[Cell, ...]  # storage cells compared after the call


@dataclass(frozen=True)
class Expected:
    reverts: bool
    returns: tuple[int, ...]
    cells: tuple[tuple[Cell, int], ...]
    logs: tuple[
        tuple[str, str, tuple[int, ...], tuple[bool, ...]], ...
    ]  # (emitter, signature, values, indexed)


@dataclass
class Deployment:
    """Fixed addresses of the instances and the Solidity that creates each one's runtime code."""

    addresses: dict[str, int]
    create: dict[str, str]  # instance → Solidity expression deploying it (its code is then etched)
    imports: tuple[str, ...] = ()
    layout: dict[tuple[str, str], tuple[int, int]] = field(
        default_factory=dict
    )  # (contract, var) → (slot, offset)
    roots: dict[tuple[str, str], int] = field(default_factory=dict)  # (contract, var) → namespace slot
    namespaces: dict[tuple[str, str], tuple[SolType, str]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- layout


def _size(t: SolType) -> int:
    if t.kind == "bool":
        return 1
    if t.kind == "int":
        return t.bits // 8
    raise ValueError(t.name)


def struct_layout(t: SolType) -> tuple[dict[str, tuple[int, int]], int]:
    """Solidity's packing of a struct's fields: name → (slot, offset); and its size in slots."""
    slot, offset = 0, 0
    out: dict[str, tuple[int, int]] = {}
    for name, field_type in t.fields:
        if field_type.elementary:
            size = _size(field_type)
            if offset + size > 32:
                slot, offset = slot + 1, 0
            out[name] = (slot, offset)
            offset += size
        else:
            if offset:
                slot, offset = slot + 1, 0
            out[name] = (slot, 0)
            slot += struct_layout(field_type)[1] if field_type.kind == "struct" else 1
    return out, slot + (1 if offset else 0)


def slot_of(code: CodeProject, dep: Deployment, cell: Cell) -> tuple[str, int, int, SolType]:
    """(Solidity uint256 slot expression, byte offset, byte size, type) of a storage cell."""
    instance, var, *path = cell
    contract = code.contract(instance)
    if (instance, var) in dep.roots:
        namespace, field_name = dep.namespaces[(instance, var)]
        fields, _ = struct_layout(namespace)
        rel, off = fields[field_name]
        expr = f"(uint256({dep.roots[(instance, var)]}) + {rel})"
        t = namespace.field_type(field_name)
    else:
        slot, off = dep.layout[(instance, var)]
        expr = f"uint256({slot})"
        t = contract.variable(var).type
    for step in path:
        if t.kind == "mapping":
            assert t.value is not None
            expr = f"uint256(keccak256(abi.encode(uint256({int(step) % U256!s}), {expr})))"
            t, off = t.value, 0
        elif t.kind == "array" and step == "length":
            t, off = SolType("int", "uint256", 0, U256 - 1, False, 256), 0
        elif t.kind == "array":
            # one element per slot: not packed when an element takes more than half a slot (address[])
            assert t.value is not None and (t.value.kind != "int" or t.value.bits > 128)
            expr = f"(uint256(keccak256(abi.encode({expr}))) + {int(step)})"
            t, off = t.value, 0
        elif t.kind == "struct":
            fields, _ = struct_layout(t)
            rel, off = fields[str(step)]
            expr = f"({expr} + {rel})"
            t = t.field_type(str(step))
        else:
            raise ValueError(f"cannot step {step} into {t.name}")
    return expr, off, _size(t), t


# ---------------------------------------------------------------------------------------------- evaluation


def _concrete_world(ex: Execution, case: Case, dep: Deployment) -> list[tuple[Any, Any]]:
    pairs: list[tuple[Any, Any]] = []
    executor = ex.executor
    for name, value in case.args.items():
        pairs.append((ex.arg(name), z3.IntVal(value) if z3.is_int(ex.arg(name)) else z3.BoolVal(bool(value))))
    pairs.append((ex.env["msg.sender"], z3.IntVal(case.sender)))
    pairs.append((ex.env["block.number"], z3.IntVal(case.block)))
    pairs.append((ex.env["block.timestamp"], z3.IntVal(case.timestamp)))
    for instance, address in executor.instances.items():
        pairs.append((address, z3.IntVal(dep.addresses[instance])))
    code = z3.K(z3.IntSort(), z3.IntVal(0))
    for address in dep.addresses.values():
        code = z3.Store(code, z3.IntVal(address), z3.IntVal(1))
    pairs.append((executor.codesize, code))
    for key, term in executor.pre_world.storage.items():
        instance, var, path = key
        entries = [
            (c, v) for c, v in case.pre.items() if c[0] == instance and c[1] == var and _matches(c[2:], path)
        ]
        sort = term.sort()
        if isinstance(sort, z3.ArraySortRef) or z3.is_array(term):
            dims = sum(1 for p in path if p in ("[]", "#"))
            zero: Any = z3.BoolVal(False) if _range_sort(term) == z3.BoolSort() else z3.IntVal(0)
            concrete: Any = (
                z3.K(z3.IntSort(), zero)
                if dims == 1
                else z3.Lambda([z3.Int(f"k{i}") for i in range(dims)], zero)
            )
            for cell, value in entries:
                keys = [z3.IntVal(int(k)) for k in cell[2:] if not isinstance(k, str)]
                concrete = z3.Store(concrete, *keys, _value(zero, value))
            pairs.append((term, concrete))
        else:
            value = entries[0][1] if entries else 0
            pairs.append((term, z3.BoolVal(bool(value)) if z3.is_bool(term) else z3.IntVal(value)))
    return pairs


def _range_sort(term: Any) -> Any:
    sort = term.sort()
    while isinstance(sort, z3.ArraySortRef):
        sort = sort.range()
    return sort


def _value(zero: Any, value: int) -> Any:
    return z3.BoolVal(bool(value)) if z3.is_bool(zero) else z3.IntVal(value)


def _matches(cell_path: Sequence[Any], leaf_path: tuple[str, ...]) -> bool:
    shape = tuple("[]" if not isinstance(step, str) else step for step in cell_path)
    normalised = tuple("[]" if p == "#" else p for p in leaf_path)
    return tuple("[]" if s == "#" else s for s in shape) == normalised


def _eval(term: Any, pairs: list[tuple[Any, Any]]) -> int:
    value = z3.simplify(z3.substitute(term, *pairs)) if pairs else z3.simplify(term)
    if z3.is_true(value):
        return 1
    if z3.is_false(value):
        return 0
    if z3.is_int_value(value):
        return int(value.as_long())
    raise AssertionError(f"term does not evaluate to a constant: {str(value)[:300]}")


def expected(ex: Execution, case: Case, dep: Deployment) -> Expected:
    # read the observed cells first: an untouched cell is a pre-state leaf the substitution must cover
    posts = [(cell, ex.post(cell[0], cell[1], *cell[2:])) for cell in case.observe]
    for cell in case.pre:
        ex.before(cell[0], cell[1], *cell[2:])
    pairs = _concrete_world(ex, case, dep)
    ok = _eval(ex.ok, pairs)
    if not ok:
        return Expected(True, (), (), ())
    returns = tuple(_eval(r, pairs) % U256 for r in ex.returns)
    cells = []
    for cell, term in posts:
        cells.append((cell, _eval(term, pairs) % U256))
    logs = []
    for event in ex.events:
        if not _eval(event.when, pairs):
            continue
        values = tuple(_eval(v, pairs) % U256 for v in event.values)
        logs.append((event.contract, event.signature, values, event.indexed))
    return Expected(False, returns, tuple(cells), tuple(logs))


# ---------------------------------------------------------------------------------------------- forge


HELPERS = """
    function _a(uint256 x) internal pure returns (address) {
        return address(uint160(x));
    }
    function _set(address a, uint256 slot, uint256 off, uint256 size, uint256 v) internal {
        uint256 mask = size == 32 ? type(uint256).max : ((uint256(1) << (size * 8)) - 1) << (off * 8);
        uint256 old = uint256(vm.load(a, bytes32(slot)));
        vm.store(a, bytes32(slot), bytes32((old & ~mask) | ((v << (off * 8)) & mask)));
    }

    function _get(address a, uint256 slot, uint256 off, uint256 size) internal view returns (uint256) {
        uint256 word = uint256(vm.load(a, bytes32(slot))) >> (off * 8);
        return size == 32 ? word : word & ((uint256(1) << (size * 8)) - 1);
    }
"""


ROOT = Path(__file__).resolve().parents[3]
FORGE = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
# the cheatcode interface every generated suite imports
VM_SOL = ROOT / "tests" / "forge" / "utils" / "Vm.sol"


def compile_copy(root: Path, name: str, contracts: Sequence[str]) -> tuple[Any, CodeProject, list[Path]]:
    """A copy of ``contracts`` (with every interface and library, byte-identical) under ``root``, compiled
    alone and lowered: a few seconds, where the whole project takes a full compile. The copy resolves its
    imports from its own ``node_modules`` (a link to ours), as a real project would."""
    import shutil

    from vaultproof import config
    from vaultproof.compile import compile_project
    from vaultproof.prover.code import lower_project

    sources = [ROOT / "contracts" / c for c in contracts]
    sources += sorted((ROOT / "contracts" / "interfaces").glob("*.sol"))
    sources += sorted((ROOT / "contracts" / "libraries").glob("*.sol"))
    for source in sources:
        target = root / "contracts" / source.relative_to(ROOT / "contracts")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    (root / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    (root / "vaultproof.toml").write_text(
        f'[project]\nname = "{name}"\nsources = ["contracts"]\n[prove]\nproperties = "none"\n'
    )
    compiled = compile_project(config.load(root))
    return compiled, lower_project(compiled), sources


def write_if_changed(path: Path, data: bytes) -> None:
    """Write only what changed, so forge's cache sees unchanged sources as unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def assert_forge_passes(project: Path, test_file: Path, count: int, disagree: str) -> None:
    """forge runs the generated suite ``test_file`` of ``project``: it succeeds and all ``count`` tests
    pass; otherwise the assertion says ``disagree`` with the end of forge's output."""
    match = test_file.relative_to(project).as_posix()
    run = subprocess.run(
        [str(FORGE), "test", "--root", str(project), "--match-path", match],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, f"{disagree}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert f"{count} passed" in run.stdout, run.stdout[-3000:]


def forge_test(
    code: CodeProject,
    dep: Deployment,
    cases: Sequence[tuple[str, str, Case, Expected, Sequence[str]]],
    vm_import: str,
) -> str:
    """One forge test contract with a test per case: (contract, function signature, case, expected, arg
    Solidity types)."""
    lines = [
        "// SPDX-License-Identifier: MIT",
        "// Generated by tests/prover/code/differential.py",
        "pragma solidity 0.8.28;",
        "",
    ]
    lines.append(f'import {{Vm, VaultproofTest}} from "{vm_import}";')
    lines.extend(f'import "{path}";' for path in dep.imports)
    lines += ["", "contract Differential is VaultproofTest {", HELPERS]
    lines.append("    function setUp() public {")
    for instance, create in dep.create.items():
        lines.append(f"        vm.etch(_a({dep.addresses[instance]!s}), address({create}).code);")
    lines.append("    }")
    for contract, signature, case, exp, arg_types in cases:
        fn_name = signature.split("(")[0]
        lines.append("")
        lines.append(f"    function test_{case.name}() public {{")
        for cell, value in case.pre.items():
            if _immutable(code, cell):
                continue  # part of the runtime code: set by the constructor in setUp
            expr, off, size, _ = slot_of(code, dep, cell)
            lines.append(
                f"        _set(_a({dep.addresses[cell[0]]!s}), {expr}, {off}, {size}, {value % U256!s});"
            )
        lines.append(f"        vm.roll({case.block});")
        lines.append(f"        vm.warp({case.timestamp});")
        lines.append("        vm.recordLogs();")
        lines.append(f"        vm.prank(address({case.sender!s}));")
        args = ", ".join(_sol_literal(case.args[name], t) for name, t in arg_types_items(arg_types))
        target = f"{contract}(_a({dep.addresses[contract]!s}))"
        if exp.reverts:
            lines.append("        vm.expectRevert();")
            lines.append(f"        {target}.{fn_name}({args});")
            lines.append("    }")
            continue
        if exp.returns:
            outs = ", ".join(f"uint256 r{i}" for i in range(len(exp.returns)))
            raw = f"{target}.{fn_name}({args})"
            lines.append(
                f"        bytes memory ret = _call(_a({dep.addresses[contract]!s}), "
                f"abi.encodeCall({contract}.{fn_name}, ({args})));"
            )
            lines.append(
                f"        ({outs}) = abi.decode(ret, ({', '.join('uint256' for _ in exp.returns)}));"
            )
            del raw
            for i, value in enumerate(exp.returns):
                lines.append(f'        vm.assertEq(r{i}, {value!s}, "{case.name}: return {i}");')
        else:
            lines.append(f"        {target}.{fn_name}({args});")
        for cell, value in exp.cells:
            expr, off, size, _ = slot_of(code, dep, cell)
            label = ".".join(str(c) for c in cell[:2])
            lines.append(
                f"        vm.assertEq(_get(_a({dep.addresses[cell[0]]!s}), {expr}, {off}, {size}), "
                f'{value!s}, "{case.name}: {label}");'
            )
        lines.append("        Vm.Log[] memory logs = vm.getRecordedLogs();")
        lines.append(f'        vm.assertEq(logs.length, {len(exp.logs)}, "{case.name}: number of events");')
        for i, (emitter, sig, values, indexed) in enumerate(exp.logs):
            lines.append(
                f"        vm.assertEq(logs[{i}].emitter, _a({dep.addresses[emitter]!s}), "
                f'"{case.name}: emitter {i}");'
            )
            lines.append(
                f'        vm.assertEq(logs[{i}].topics[0], keccak256("{sig}"), '
                f'"{case.name}: event {i} {sig}");'
            )
            topic = 1
            data = []
            for value, is_indexed in zip(values, indexed, strict=True):
                if is_indexed:
                    lines.append(
                        f"        vm.assertEq(logs[{i}].topics[{topic}], bytes32(uint256({value!s})), "
                        f'"{case.name}: topic");'
                    )
                    topic += 1
                else:
                    data.append(f"uint256({value!s})")
            lines.append(
                f"        vm.assertEq(keccak256(logs[{i}].data), keccak256(abi.encode({', '.join(data)})), "
                f'"{case.name}: data {i}");'
            )
        lines.append("    }")
    lines.append("""
    function _call(address target, bytes memory data) internal returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        require(ok, "call reverted");
        return ret;
    }""")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _immutable(code: CodeProject, cell: Cell) -> bool:
    contract = code.contract(str(cell[0]))
    return any(v.name == cell[1] and v.immutable for v in contract.state)


def arg_types_items(arg_types: Sequence[str]) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind in (a.split(":") for a in arg_types)]


def _sol_literal(value: int, sol_type: str) -> str:
    if sol_type == "address":
        return f"_a({value})"
    if sol_type == "bool":
        return "true" if value else "false"
    if sol_type == "bytes32":
        return f"bytes32(uint256({value!s}))"
    return f"{sol_type}({value!s})"


def rng_cases(seed: int, count: int, make: Callable[[random.Random, int], Case]) -> list[Case]:
    rnd = random.Random(seed)
    return [make(rnd, i) for i in range(count)]
