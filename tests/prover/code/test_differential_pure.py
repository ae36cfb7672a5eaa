"""The pure-function extraction against the EVM: every extractable function of the extraction fixture
(tests/fixtures/extract) on seeded random and edge-case arguments, through ``instantiate`` (terms
simplified to constants) and through the compiled bytecode (a generated wrapper contract under forge).
Revert / no revert and every return value must agree.
"""

from __future__ import annotations

import random

import pytest
import z3

from tests.prover.code.differential import FORGE, ROOT, VM_SOL, assert_forge_passes, write_if_changed
from vaultproof import config
from vaultproof.compile import compile_project
from vaultproof.prover.extract import PureFunctionIR, extract_library_functions, instantiate, type_range

FIXTURE = ROOT / "tests" / "fixtures" / "extract"
SEED = 4_2026
CASES = 8
U256 = 2**256


def _argument(rnd: random.Random, type_name: str) -> int:
    if type_name == "bool":
        return rnd.randint(0, 1)
    low, high = type_range(type_name)
    edges = [low, high, 0, 1, 2, high - 1, low + 1, -1 if low < 0 else 3]
    pick = rnd.random()
    if pick < 0.4:
        return rnd.choice([e for e in edges if low <= e <= high])
    if pick < 0.7:
        return rnd.randint(max(low, -1000), min(high, 10**6))
    return rnd.randint(low, high)


def _evaluate(fn: PureFunctionIR, args: list[int]) -> tuple[bool, tuple[int, ...]]:
    terms = [
        z3.BoolVal(bool(a)) if v.type == "bool" else z3.IntVal(a)
        for a, v in zip(args, fn.params, strict=True)
    ]
    code = instantiate(fn, terms)
    reverts = z3.simplify(code.reverts)
    assert z3.is_true(reverts) or z3.is_false(reverts), f"{fn.name}: revert condition is not constant"
    if z3.is_true(reverts):
        return True, ()
    values = []
    for term in code.returns:
        value = z3.simplify(term)
        if z3.is_true(value) or z3.is_false(value):
            values.append(1 if z3.is_true(value) else 0)
        else:
            assert z3.is_int_value(value), f"{fn.name}: return value is not constant: {value}"
            values.append(value.as_long() % U256)
    return False, tuple(values)


def _literal(value: int, type_name: str) -> str:
    if type_name == "bool":
        return "true" if value else "false"
    return f"{type_name}({value})"


@pytest.mark.skipif(not FORGE.exists(), reason="forge is not installed (make setup)")
def test_pure_extraction_agrees_with_the_evm() -> None:
    functions = extract_library_functions(compile_project(config.load(FIXTURE)))
    chosen = sorted(
        {fn.signature: fn for fn in functions.values() if isinstance(fn, PureFunctionIR)}.values(),
        key=lambda f: f.signature,
    )
    assert len(chosen) >= 15
    rnd = random.Random(SEED)
    wrapper = []
    tests = []
    outcomes = {"revert": 0, "return": 0}
    for index, fn in enumerate(chosen):
        params = ", ".join(f"{v.type} a{i}" for i, v in enumerate(fn.params))
        returns = ", ".join(v.type for v in fn.returns)
        call = f"{fn.name}({', '.join(f'a{i}' for i in range(len(fn.params)))})"
        head = f"    function f{index}({params}) external pure returns ({returns}) {{"
        wrapper.append(f"{head}\n        return {call};\n    }}")
        for case in range(CASES):
            args = [_argument(rnd, v.type) for v in fn.params]
            reverts, values = _evaluate(fn, args)
            outcomes["revert" if reverts else "return"] += 1
            literal_args = ", ".join(_literal(a, v.type) for a, v in zip(args, fn.params, strict=True))
            body = [
                f"    function test_f{index}_{case}() public {{",
                "        (bool ok, bytes memory ret) = address(w).call("
                f"abi.encodeCall(Wrap.f{index}, ({literal_args})));",
            ]
            label = f"{fn.name}({', '.join(map(str, args))})"
            if reverts:
                body.append(f'        vm.assertFalse(ok, "{label}: the executor says it reverts");')
            else:
                body.append(f'        vm.assertTrue(ok, "{label}: the executor says it does not revert");')
                words = ", ".join("uint256" for _ in values)
                outs = ", ".join(f"uint256 r{i}" for i in range(len(values)))
                body.append(f"        ({outs}) = abi.decode(ret, ({words}));")
                for i, value in enumerate(values):
                    body.append(f'        vm.assertEq(r{i}, {value}, "{label}: return {i}");')
            body.append("    }")
            tests.append("\n".join(body))
    assert outcomes["revert"] > 10 and outcomes["return"] > 10 * len(chosen) // 3

    # a stable directory under build/: the cases are seeded, so a re-run reuses forge's compile cache
    project = ROOT / "build" / "code-differential" / "pure"
    for source in (FIXTURE / "contracts").glob("*.sol"):
        write_if_changed(project / "src" / source.name, source.read_bytes())
    write_if_changed(project / "test" / "Vm.sol", VM_SOL.read_bytes())
    toml = (
        "[profile.default]\n"
        'src = "src"\ntest = "test"\nout = "out"\ncache_path = "cache"\n'
        f'solc = "{ROOT / "tools" / "solc"}"\noffline = true\noptimizer = false\n'
    )
    write_if_changed(project / "foundry.toml", toml.encode())
    test_source = [
        "// SPDX-License-Identifier: MIT",
        "pragma solidity 0.8.28;",
        'import {Vm, VaultproofTest} from "./Vm.sol";',
        'import "../src/ExtractMath.sol";',
        "",
        "contract Wrap {",
        *wrapper,
        "}",
        "",
        "contract PureDifferential is VaultproofTest {",
        "    Wrap internal w;",
        "",
        "    function setUp() public {",
        "        w = new Wrap();",
        "    }",
        "",
        *tests,
        "}",
    ]
    test_file = project / "test" / "PureDifferential.t.sol"
    write_if_changed(test_file, ("\n".join(test_source) + "\n").encode())
    assert_forge_passes(project, test_file, len(tests), f"extraction and EVM disagree ({test_file})")
