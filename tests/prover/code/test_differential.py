"""The executor against the EVM: seeded random concrete cases, evaluated on the executor's terms and run
through the compiled bytecode under forge; any disagreement (revert, return, storage cell, event) fails.

The forge project is a temporary copy of the fixture contracts (unoptimised, no other sources), so the
compile is a few seconds; the generated test file is kept next to it for inspection on failure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.prover.code.differential import (
    FORGE,
    ROOT,
    VM_SOL,
    Case,
    Deployment,
    Expected,
    assert_forge_passes,
    compile_copy,
    expected,
    forge_test,
    rng_cases,
    write_if_changed,
)
from vaultproof.compile import CompiledProject
from vaultproof.prover.code import CodeProject, execute

FIXTURE = ROOT / "tests" / "fixtures" / "code"
SEED = 20_261_201

BANK, STORE = 0xB0B0000000000000000000000000000000000001, 0x5704E00000000000000000000000000000000002
OPERATOR, ALICE, BOB = 0xA11CE0000000000000000000000000000000000A, 0xA1, 0xB2
HUGE = 2**256 - 1


def _layout(project: CompiledProject) -> dict[tuple[str, str], tuple[int, int]]:
    layout = {}
    for unit in project.slither.compilation_units:
        for contract in unit.contracts:
            for variable in contract.state_variables:
                if variable.is_constant or variable.is_immutable:
                    continue
                try:
                    found = unit.storage_layout_of(contract, variable)
                except KeyError:  # abstract bases have no layout of their own
                    continue
                if found is not None:
                    layout[(contract.name, variable.name)] = (int(found[0]), int(found[1]))
    return layout


def _amount(rnd: random.Random) -> int:
    return rnd.choice([0, 1, rnd.randint(0, 120), rnd.randint(0, 120), HUGE, HUGE - rnd.randint(0, 5)])


def _move(rnd: random.Random, i: int) -> Case:
    frm, to = rnd.choice([ALICE, BOB]), rnd.choice([ALICE, BOB])
    return Case(
        f"move_{i}",
        {"from": frm, "to": to, "amount": rnd.randint(0, 120)},
        sender=rnd.choice([OPERATOR, OPERATOR, ALICE]),
        block=rnd.randint(1, 10**6),
        timestamp=rnd.randint(1, 2**40),
        pre={
            ("Bank", "isOperator", OPERATOR): 1,
            ("Bank", "_bal", frm): rnd.randint(0, 100),
            ("Bank", "_bal", to): rnd.choice([rnd.randint(0, 100), HUGE - rnd.randint(0, 50)]),
            ("Bank", "totalMoved"): rnd.choice([0, 7, HUGE - rnd.randint(0, 200)]),
        },
        observe=(("Bank", "_bal", ALICE), ("Bank", "_bal", BOB), ("Bank", "totalMoved")),
    )


def _store(rnd: random.Random, i: int) -> Case:
    sender = rnd.choice([ALICE, BOB])
    return Case(
        f"store_{i}",
        {"value": rnd.choice([rnd.randint(0, 1000), rnd.randint(900, 1100), HUGE])},
        sender=sender,
        block=1,
        timestamp=1,
        pre={
            ("Store", "total"): rnd.choice([0, 5, HUGE - rnd.randint(0, 900)]),
            ("Store", "credit", sender): rnd.randint(0, 50),
            ("Store", "_entered"): rnd.choice([0, 0, 0, 1]),
        },
        observe=(("Store", "total"), ("Store", "credit", sender), ("Store", "_entered")),
    )


def _open(rnd: random.Random, i: int) -> Case:
    key = rnd.choice([1, 2**255 + 3])
    return Case(
        f"open_{i}",
        {"key": key, "amount": rnd.choice([0, 5, 2**128 - 1])},
        sender=ALICE,
        block=1,
        timestamp=rnd.choice([1_700_000_000, 2**64 + 17, 2**70 - 1]),
        pre={
            ("Store", "positions", key, "open"): rnd.choice([0, 0, 1]),
            ("Store", "positions", key, "amount"): 9,
        },
        observe=(
            ("Store", "positions", key, "amount"),
            ("Store", "positions", key, "stamp"),
            ("Store", "positions", key, "open"),
        ),
    )


def _push(rnd: random.Random, i: int) -> Case:
    n = rnd.randint(0, 5)
    return Case(
        f"push_{i}",
        {"v": rnd.randint(0, HUGE)},
        sender=ALICE,
        block=1,
        timestamp=1,
        pre={("Store", "items", "length"): n},
        observe=(("Store", "items", "length"), ("Store", "items", n)),
    )


def _bump(rnd: random.Random, i: int) -> Case:
    user = rnd.choice([ALICE, BOB])
    return Case(
        f"bump_{i}",
        {"user": user, "by": rnd.choice([0, 3, HUGE])},
        sender=BOB,
        block=1,
        timestamp=1,
        pre={
            ("Store", "counter"): rnd.choice([0, 41, HUGE]),
            ("Store", "Layout.credit", user): rnd.randint(0, 9),
            ("Store", "credit", user): 77,
        },
        observe=(("Store", "counter"), ("Store", "Layout.credit", user), ("Store", "credit", user)),
    )


def _try_pay(rnd: random.Random, i: int) -> Case:
    to = rnd.choice([ALICE, BOB])
    return Case(
        f"tryPay_{i}",
        {"to": to, "amount": rnd.randint(0, 120)},
        sender=ALICE,
        block=1,
        timestamp=1,
        pre={
            ("Bank", "isOperator", STORE): rnd.choice([0, 1, 1]),
            ("Bank", "_bal", STORE): rnd.randint(0, 100),
            ("Bank", "_bal", to): rnd.randint(0, 100),
            ("Store", "total"): rnd.choice([0, HUGE - rnd.randint(0, 100)]),
        },
        observe=(("Bank", "_bal", STORE), ("Bank", "_bal", to), ("Store", "total"), ("Bank", "totalMoved")),
    )


def _fresh(rnd: random.Random, i: int) -> Case:
    now = rnd.randint(1000, 2000)
    return Case(
        f"fresh_{i}",
        {"updatedAt": rnd.randint(0, 3000), "maxAge": rnd.randint(0, 1500)},
        sender=ALICE,
        block=1,
        timestamp=now,
        pre={},
        observe=(),
    )


def _scale(rnd: random.Random, i: int) -> Case:
    return Case(
        f"scaleUp_{i}",
        {"x": rnd.choice([0, 1, 7, 10**30, HUGE]), "d": rnd.choice([0, 1, 18, 59, 77, 78, 255])},
        ALICE,
        1,
        1,
        {},
        (),
    )


def _half(rnd: random.Random, i: int) -> Case:
    return Case(f"selfHalf_{i}", {"x": rnd.choice([0, 7, HUGE, HUGE - 1])}, ALICE, 1, 1, {}, ())


def _mix(rnd: random.Random, i: int) -> Case:
    def word() -> int:
        return rnd.choice([0, 1, 0xFFFF, rnd.randint(0, 2**64), rnd.randint(0, HUGE), HUGE, HUGE - 3])

    return Case(f"mix_{i}", {"a": word(), "b": word(), "c": rnd.randint(0, 2**64 - 1)}, ALICE, 1, 1, {}, ())


SPECS: list[tuple[str, str, Callable[[random.Random, int], Case], tuple[str, ...], dict[str, Any]]] = [
    ("Bank", "move", _move, ("from:address", "to:address", "amount:uint256"), {}),
    ("Store", "store", _store, ("value:uint256",), {}),
    ("Store", "open", _open, ("key:bytes32", "amount:uint128"), {}),
    ("Store", "push", _push, ("v:uint256",), {}),
    ("Store", "bump", _bump, ("user:address", "by:uint256"), {}),
    ("Store", "tryPay", _try_pay, ("to:address", "amount:uint256"), {"deployment": {"Store.bank": "Bank"}}),
    ("Store", "fresh", _fresh, ("updatedAt:uint256", "maxAge:uint256"), {}),
    ("Store", "selfHalf", _half, ("x:uint256",), {}),
    ("Store", "scaleUp", _scale, ("x:uint256", "d:uint8"), {}),
    ("Store", "mix", _mix, ("a:uint256", "b:uint256", "c:uint64"), {}),
]
CASES_PER_FUNCTION = 6


CACHE = ROOT / "build" / "code-differential"


def _run_forge(
    name: str,
    code: CodeProject,
    dep: Deployment,
    cases: list[tuple[str, str, Case, Expected, tuple[str, ...]]],
    sources: list[Path],
    remap: bool,
) -> None:
    # a stable directory under build/: the cases are seeded, so a re-run reuses forge's compile cache
    project = CACHE / name
    for source in sources:
        relative = (
            source.relative_to(source.parents[1])
            if source.parent.name in ("interfaces", "libraries")
            else source.name
        )
        write_if_changed(project / "src" / relative, source.read_bytes())
    write_if_changed(project / "test" / "Vm.sol", VM_SOL.read_bytes())
    remappings = (
        f'remappings = ["@openzeppelin/={ROOT / "node_modules" / "@openzeppelin"}/"]\n' if remap else ""
    )
    toml = (
        "[profile.default]\n"
        'src = "src"\ntest = "test"\nout = "out"\ncache_path = "cache"\n'
        f'solc = "{ROOT / "tools" / "solc"}"\noffline = true\noptimizer = false\nevm_version = "cancun"\n'
        # the unoptimised vault is above EIP-170; its runtime code is only etched at a fixed address
        "disable_code_size_limit = true\n" + remappings
    )
    write_if_changed(project / "foundry.toml", toml.encode())
    test_file = project / "test" / "Differential.t.sol"
    write_if_changed(test_file, forge_test(code, dep, cases, "./Vm.sol").encode())
    assert_forge_passes(project, test_file, len(cases), f"executor and EVM disagree (cases in {test_file})")


def _cases(
    code: CodeProject, dep: Deployment, specs: list[Any], seed: int, per_function: int = CASES_PER_FUNCTION
) -> list[tuple[str, str, Case, Expected, tuple[str, ...]]]:
    cases: list[tuple[str, str, Case, Expected, tuple[str, ...]]] = []
    for index, (contract, function, make, arg_types, options) in enumerate(specs):
        ex = execute(code, f"{contract}.{function}", **options)
        for key, (namespace, field_name) in ex.executor.namespace_of.items():
            dep.roots[key] = ex.executor.root_slot[(key[0], namespace.name)]
            dep.namespaces[key] = (namespace, field_name)
        for case in rng_cases(seed + index, per_function, make):
            cases.append((contract, function, case, expected(ex, case, dep), arg_types))
    # the cases exercise both outcomes: not a suite of reverts only
    assert any(c[3].reverts for c in cases) and sum(not c[3].reverts for c in cases) > len(cases) // 2
    return cases


@pytest.mark.skipif(not FORGE.exists(), reason="forge is not installed (make setup)")
def test_executor_agrees_with_the_evm(code: CodeProject, code_compiled: CompiledProject) -> None:
    dep = Deployment(
        addresses={"Bank": BANK, "Store": STORE},
        create={"Bank": "new Bank()", "Store": f"new Store(IBank(_a({BANK})), IUnknown(address(0)))"},
        imports=("../src/Bank.sol", "../src/Store.sol"),
        layout=_layout(code_compiled),
    )
    cases = _cases(code, dep, SPECS, SEED)
    _run_forge("fixtures", code, dep, cases, sorted((FIXTURE / "contracts").glob("*.sol")), remap=False)


# ---------------------------------------------------------------------------------------------- shipped

SHIPPED = ("PriceOracle.sol", "InsuranceFund.sol", "BalanceManager.sol", "BalanceManagerVault.sol")
ORACLE, FUND, CUSTODIAN = (
    0x0AC1E00000000000000000000000000000000003,
    0xF0ED000000000000000000000000000000000004,
    0xBA1A000000000000000000000000000000000005,
)
USDC, VAULT = 0x05DC000000000000000000000000000000000006, 0x7A17000000000000000000000000000000000007


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledProject, CodeProject, list[Path]]:
    """A copy of the shipped contracts the proofs execute (byte-identical sources), compiled alone."""
    return compile_copy(tmp_path_factory.mktemp("shipped"), "shipped", SHIPPED)


def _oracle(rnd: random.Random, i: int) -> Case:
    now = rnd.randint(10_000, 20_000)
    symbol = rnd.choice([0x455448, 2**255 + 1])
    return Case(
        f"tryGetFreshPrice_{i}",
        {"symbol": symbol},
        sender=ALICE,
        block=1,
        timestamp=now,
        pre={
            ("PriceOracle", "_prices", symbol, "price"): rnd.choice([0, rnd.randint(1, 10**12)]),
            ("PriceOracle", "_prices", symbol, "decimals"): rnd.randint(0, 18),
            ("PriceOracle", "_prices", symbol, "updatedAt"): rnd.choice(
                [now - rnd.randint(0, 4000), now + 5, 2**64 - 1]
            ),
            ("PriceOracle", "maxStaleness"): rnd.choice([0, 600, 3600]),
        },
        observe=(),
    )


def _cover(rnd: random.Random, i: int) -> Case:
    block = rnd.randint(100, 105)
    beneficiary = rnd.choice([ALICE, BOB, 0])
    return Case(
        f"coverDeficit_{i}",
        {"beneficiary": beneficiary, "amount": rnd.choice([0, rnd.randint(1, 500), rnd.randint(1, 500)])},
        sender=rnd.choice([VAULT, VAULT, VAULT, VAULT, BOB]),
        block=block,
        timestamp=1,
        pre={
            ("InsuranceFund", "balanceManager"): CUSTODIAN,
            ("InsuranceFund", "usdc"): USDC,
            ("InsuranceFund", "value"): 1,  # ReentrancyGuard NOT_ENTERED at its ERC-7201 slot
            ("InsuranceFund", "isAuthorized", VAULT): 1,
            ("InsuranceFund", "maxQuantumsInsuranceLost"): rnd.choice([0, 100, 1000, 1000]),
            ("InsuranceFund", "lastPayoutBlock"): rnd.choice([block, block - 1, block - 1]),
            ("InsuranceFund", "paidInBlock"): rnd.randint(0, 150),
            ("InsuranceFund", "totalPaid"): rnd.randint(0, 10**6),
            ("BalanceManager", "_operators", FUND): rnd.choice([1, 1, 1, 0]),
            ("BalanceManager", "_free", FUND, USDC): rnd.randint(0, 600),
            ("BalanceManager", "_free", beneficiary, USDC): rnd.randint(0, 600),
        },
        observe=(
            ("InsuranceFund", "lastPayoutBlock"),
            ("InsuranceFund", "paidInBlock"),
            ("InsuranceFund", "totalPaid"),
            ("BalanceManager", "_free", FUND, USDC),
            ("BalanceManager", "_free", beneficiary, USDC),
        ),
    )


def _transfer(rnd: random.Random, i: int) -> Case:
    frm, to = rnd.choice([ALICE, BOB]), rnd.choice([ALICE, BOB, FUND])
    return Case(
        f"transferFrom_{i}",
        {"from": frm, "to": to, "token": USDC, "amount": rnd.randint(0, 300)},
        sender=rnd.choice([VAULT, VAULT, BOB]),
        block=1,
        timestamp=1,
        pre={
            ("BalanceManager", "_operators", VAULT): 1,
            ("BalanceManager", "_free", frm, USDC): rnd.randint(0, 300),
            ("BalanceManager", "_free", to, USDC): rnd.choice(
                [rnd.randint(0, 300), HUGE - rnd.randint(0, 100)]
            ),
        },
        observe=(
            ("BalanceManager", "_free", ALICE, USDC),
            ("BalanceManager", "_free", BOB, USDC),
            ("BalanceManager", "_free", FUND, USDC),
        ),
    )


def _unlock(rnd: random.Random, i: int) -> Case:
    user = rnd.choice([ALICE, BOB])
    return Case(
        f"unlock_{i}",
        {"user": user, "token": USDC, "amount": rnd.randint(0, 300), "locker": VAULT},
        sender=rnd.choice([VAULT, VAULT, ALICE]),
        block=1,
        timestamp=1,
        pre={
            ("BalanceManager", "_operators", VAULT): 1,
            ("BalanceManager", "_locked", user, USDC, VAULT): rnd.randint(0, 300),
            ("BalanceManager", "_free", user, USDC): rnd.randint(0, 300),
        },
        observe=(("BalanceManager", "_locked", user, USDC, VAULT), ("BalanceManager", "_free", user, USDC)),
    )


@pytest.mark.skipif(not FORGE.exists(), reason="forge is not installed (make setup)")
def test_shipped_functions_agree_with_the_evm(
    shipped: tuple[CompiledProject, CodeProject, list[Path]],
) -> None:
    compiled, code, sources = shipped
    dep = Deployment(
        addresses={"PriceOracle": ORACLE, "InsuranceFund": FUND, "BalanceManager": CUSTODIAN},
        create={
            "PriceOracle": "new PriceOracle(_a(1), 0)",
            "InsuranceFund": f"new InsuranceFund(_a(1), IBalanceManager(_a({CUSTODIAN})), _a({USDC}), 0)",
            "BalanceManager": "new BalanceManager(_a(1))",
        },
        imports=("../src/PriceOracle.sol", "../src/InsuranceFund.sol", "../src/BalanceManager.sol"),
        layout=_layout(compiled),
    )
    specs = [
        ("PriceOracle", "tryGetFreshPrice", _oracle, ("symbol:bytes32",), {}),
        (
            "InsuranceFund",
            "coverDeficit",
            _cover,
            ("beneficiary:address", "amount:uint256"),
            {"deployment": {"InsuranceFund.balanceManager": "BalanceManager"}},
        ),
        (
            "BalanceManager",
            "transferFrom",
            _transfer,
            ("from:address", "to:address", "token:address", "amount:uint256"),
            {},
        ),
        (
            "BalanceManager",
            "unlock",
            _unlock,
            ("user:address", "token:address", "amount:uint256", "locker:address"),
            {},
        ),
    ]
    cases = _cases(code, dep, specs, SEED + 100, per_function=12)
    # the inlined custodian runs on some cases: a payout moves balances and BalanceManager emits
    paying = [c for c in cases if any(log[1].startswith("Transferred(") for log in c[3].logs)]
    assert len(paying) >= 1
    _run_forge("shipped", code, dep, cases, sources, remap=True)


# ---------------------------------------------------------------------------------------------- the vault

ROUTER = 0x4077E40000000000000000000000000000000008
MARKET = 0x3A4E000000000000000000000000000000000009
KEYS = (0x1111, 0x2222)


def _rare(rnd: random.Random, usual: int, *unusual: int) -> int:
    """``usual`` in about 95% of the cases, else one of ``unusual`` (each a way to revert or to take the
    other branch), so the suite runs both outcomes without being mostly reverts."""
    return usual if rnd.random() < 0.95 else rnd.choice(unusual)


def _record(rnd: random.Random, key: int, mode: int, kinds: list[str]) -> dict[tuple[Any, ...], int]:
    """A stored allocation: none, a legacy V1 record (lockVersion 0, usdcLocked 0) or a Stage 7 one."""
    kind = rnd.choice(kinds)
    if kind == "none":
        return {}
    amount = rnd.randint(1, 400)
    cell = ("BalanceManagerVault", "positionAllocations", key)
    return {
        (*cell, "exists"): 1,
        (*cell, "amount"): amount,
        (*cell, "mode"): _rare(rnd, mode, 1 - mode),
        (*cell, "market"): _rare(rnd, MARKET, BOB),
        (*cell, "usdcLocked"): 0 if kind == "legacy" else rnd.randint(0, amount),
        (*cell, "lockVersion"): 0 if kind == "legacy" else 1,
    }


def _vault_pre(
    rnd: random.Random, user: int, key: int, mode: int, kinds: list[str]
) -> dict[tuple[Any, ...], int]:
    cross, isolated = 1000, _rare(rnd, 1000, rnd.randint(0, 400))
    pre = {
        ("BalanceManagerVault", "balanceManager"): CUSTODIAN,
        ("BalanceManagerVault", "usdc"): USDC,
        ("BalanceManagerVault", "collateralDecimals"): 6,
        ("BalanceManagerVault", "settlementRouters", ROUTER): 1,
        ("BalanceManagerVault", "accounts", user, "totalAllocated"): cross + isolated,
        ("BalanceManagerVault", "accounts", user, "crossMarginAllocated"): cross,
        ("BalanceManagerVault", "accounts", user, "isolatedAllocated"): isolated,
        ("BalanceManager", "_operators", VAULT): 1,
        ("BalanceManager", "_free", user, USDC): _rare(rnd, rnd.randint(300, 900), 0, rnd.randint(0, 300)),
        ("BalanceManager", "_locked", user, USDC, VAULT): _rare(rnd, 500, rnd.randint(0, 500)),
    }
    pre.update(_record(rnd, key, mode, kinds))
    return pre


def _vault_observe(user: int, key: int) -> tuple[tuple[Any, ...], ...]:
    cell = ("BalanceManagerVault", "positionAllocations", key)
    return (
        *[(*cell, f) for f in ("amount", "usdcLocked", "lockVersion", "mode", "exists", "market")],
        *[
            ("BalanceManagerVault", "accounts", user, f)
            for f in ("totalAllocated", "crossMarginAllocated", "isolatedAllocated")
        ],
        ("BalanceManager", "_free", user, USDC),
        ("BalanceManager", "_locked", user, USDC, VAULT),
    )


def _allocate(rnd: random.Random, i: int) -> Case:
    user, key, mode = rnd.choice([ALICE, BOB]), rnd.choice(KEYS), rnd.choice([0, 1])
    return Case(
        f"allocateForPosition_{i}",
        {
            "user": user,
            "posKey": key,
            "market": MARKET,
            "amount": _rare(rnd, rnd.randint(1, 300), 0, 2**96),
            "mode": mode,
        },
        sender=_rare(rnd, ROUTER, BOB),
        block=1,
        timestamp=1,
        pre=_vault_pre(rnd, user, key, mode, ["none", "none", "legacy", "stage7", "stage7"]),
        observe=_vault_observe(user, key),
    )


def _deallocate(rnd: random.Random, i: int) -> Case:
    user, key = rnd.choice([ALICE, BOB]), rnd.choice(KEYS)
    # deallocateFromPosition reads neither the decimals nor the record's market: no pre-state leaf for them
    unread = ("collateralDecimals", "market")
    everything = _vault_pre(
        rnd, user, key, rnd.choice([0, 1]), ["none", "legacy", "stage7", "stage7", "stage7"]
    )
    pre = {c: v for c, v in everything.items() if c[1] not in unread and c[-1] not in unread}
    return Case(
        f"deallocateFromPosition_{i}",
        {"user": user, "posKey": key},
        sender=_rare(rnd, ROUTER, BOB),
        block=1,
        timestamp=1,
        pre=pre,
        observe=tuple(c for c in _vault_observe(user, key) if c[-1] != "market"),
    )


@pytest.mark.skipif(not FORGE.exists(), reason="forge is not installed (make setup)")
def test_vault_allocation_agrees_with_the_evm(
    shipped: tuple[CompiledProject, CodeProject, list[Path]],
) -> None:
    """allocateForPosition and deallocateFromPosition (the ALLOC / REL / BF proofs execute them) with the
    custodian inlined, no risk engine set (a virtually backed open reverts before any call to it)."""
    from vaultproof.prover.code import Havoc

    compiled, code, sources = shipped
    dep = Deployment(
        addresses={"BalanceManagerVault": VAULT, "BalanceManager": CUSTODIAN},
        create={
            "BalanceManagerVault": "new BalanceManagerVault()",
            "BalanceManager": "new BalanceManager(_a(1))",
        },
        imports=("../src/BalanceManagerVault.sol", "../src/BalanceManager.sol"),
        layout=_layout(compiled),
    )
    options = {
        "deployment": {"BalanceManagerVault.balanceManager": "BalanceManager"},
        "havoc": {"*": Havoc()},
    }
    specs = [
        (
            "BalanceManagerVault",
            "allocateForPosition",
            _allocate,
            (
                "user:address",
                "posKey:bytes32",
                "market:address",
                "amount:uint256",
                "mode:IBalanceManagerVault.MarginMode",
            ),
            options,
        ),
        (
            "BalanceManagerVault",
            "deallocateFromPosition",
            _deallocate,
            ("user:address", "posKey:bytes32"),
            options,
        ),
    ]
    cases = _cases(code, dep, specs, SEED + 200, per_function=12)
    _run_forge("vault", code, dep, cases, sources, remap=True)
