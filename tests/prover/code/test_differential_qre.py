"""Differential test of the risk engine's collateral loop (s21-qre): QuantumRiskEngine.equity18 and
initialEquity18 with the custodian and the oracle inlined and _equity18's loop unrolled to MAX_COLLATERALS,
as QRE-1/4/5 execute it (OpenZeppelin's Math.mulDiv, inline assembly, by its floor contract), against the
compiled bytecode under forge: seeded random baskets (1–3 collaterals, fresh / stale / missing prices,
caps that bind, a margin vault's locked balance, pnl and fees), returns and revert/no-revert must agree.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from models.qre_code import INTERNAL
from tests.prover.code.differential import FORGE, Case, Deployment, compile_copy
from tests.prover.code.test_differential import (
    ALICE,
    CUSTODIAN,
    ORACLE,
    SEED,
    USDC,
    VAULT,
    _cases,
    _layout,
    _run_forge,
)
from vaultproof.compile import CompiledProject
from vaultproof.prover.code import CodeProject, Unroll

SOURCES = ("PriceOracle.sol", "BalanceManager.sol", "QuantumRiskEngine.sol")
QRE_ADDRESS = 0x9E0000000000000000000000000000000000000B
QRE = "QuantumRiskEngine"
WETH, WBTC = 0xE7, 0xB7  # small addresses, distinct from ALICE (0xA1) and BOB (0xB2)
SYMBOLS = {WETH: 0x455448, WBTC: 0x425443}
DECIMALS = {USDC: 6, WETH: 18, WBTC: 8}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledProject, CodeProject, list[Path]]:
    """A copy of the risk engine, the custodian and the oracle (byte-identical sources), compiled alone."""
    return compile_copy(tmp_path_factory.mktemp("qre"), "qre", SOURCES)


def _basket(rnd: random.Random, i: int, name: str = "equity") -> Case:
    now = rnd.randint(10_000, 20_000)
    user = rnd.choice([ALICE, ALICE, VAULT + 1])
    tokens = [USDC, WETH, WBTC][: rnd.randint(1, 3)]
    vault = rnd.choice([0, VAULT])
    pre: dict[tuple[Any, ...], int] = {
        (QRE, "balanceManager"): CUSTODIAN,
        (QRE, "priceOracle"): ORACLE,
        (QRE, "usdc"): USDC,
        (QRE, "marginVault"): vault,
        (QRE, "_collaterals", "length"): len(tokens),
        (QRE, "unrealizedPnl18", user): rnd.choice([0, rnd.randint(-(10**24), 10**24), -(2**255)]),
        (QRE, "pendingFees18", user): rnd.choice([0, rnd.randint(0, 10**22)]),
        ("PriceOracle", "maxStaleness"): rnd.choice([600, 3600]),
    }
    for k, token in enumerate(tokens):
        initial = rnd.randint(0, 10_000)
        pre[(QRE, "_collaterals", k)] = token
        pre[(QRE, "_configs", token, "enabled")] = rnd.choice([1, 1, 1, 0])
        pre[(QRE, "_configs", token, "decimals")] = DECIMALS[token]
        pre[(QRE, "_configs", token, "initialWeightBps")] = 10_000 if token == USDC else initial
        pre[(QRE, "_configs", token, "maintenanceWeightBps")] = (
            10_000 if token == USDC else rnd.randint(initial, 10_000)
        )
        pre[(QRE, "_configs", token, "priceSymbol")] = SYMBOLS.get(token, 0)
        scale = 10 ** DECIMALS[token]
        held = rnd.randint(0, 1000) * scale // rnd.choice([1, 7])
        pre[(QRE, "_configs", token, "userCap")] = rnd.choice([2**256 - 1, rnd.randint(1, 2000) * scale])
        pre[(QRE, "_configs", token, "assetCap")] = rnd.choice([2**256 - 1, rnd.randint(1, 5000) * scale])
        pre[(QRE, "_configs", token, "maxNotionalUsd18")] = rnd.choice(
            [2**256 - 1, rnd.randint(1, 10**6) * 10**18]
        )
        pre[("BalanceManager", "_free", user, token)] = held
        pre[("BalanceManager", "_totalClaims", token)] = held + rnd.choice(
            [0, rnd.randint(0, 10_000) * scale]
        )
        if vault:
            pre[("BalanceManager", "_locked", user, token, vault)] = rnd.randint(0, 100) * scale
        if token in SYMBOLS:
            symbol = SYMBOLS[token]
            pre[("PriceOracle", "_prices", symbol, "price")] = rnd.choice([0, rnd.randint(1, 10**8) * 10**6])
            pre[("PriceOracle", "_prices", symbol, "decimals")] = rnd.choice([8, 8, 18, 19])
            pre[("PriceOracle", "_prices", symbol, "updatedAt")] = rnd.choice(
                [now - rnd.randint(0, 4000), now]
            )
    return Case(f"{name}_{i}", {"user": user}, sender=ALICE, block=1, timestamp=now, pre=pre, observe=())


@pytest.mark.skipif(not FORGE.exists(), reason="forge is not installed (make setup)")
def test_collateral_loop_agrees_with_the_evm(engine: tuple[CompiledProject, CodeProject, list[Path]]) -> None:
    compiled, code, sources = engine
    dep = Deployment(
        addresses={"PriceOracle": ORACLE, "BalanceManager": CUSTODIAN, QRE: QRE_ADDRESS},
        create={
            "PriceOracle": "new PriceOracle(_a(1), 0)",
            "BalanceManager": "new BalanceManager(_a(1))",
            QRE: f"new QuantumRiskEngine(_a(1), _a({CUSTODIAN}), _a({ORACLE}), _a({USDC}), 6)",
        },
        imports=("../src/PriceOracle.sol", "../src/BalanceManager.sol", "../src/QuantumRiskEngine.sol"),
        layout=_layout(compiled),
    )
    line = min(n.line for n in code.entry(f"{QRE}._equity18").nodes if n.kind == "loop")
    options = {
        "deployment": {f"{QRE}.balanceManager": "BalanceManager", f"{QRE}.priceOracle": "PriceOracle"},
        "loops": {f"{QRE}._equity18:{line}": Unroll(8)},
        "internal_summaries": {"Math.mulDiv": INTERNAL["Math.mulDiv"]},
    }
    specs = [
        (QRE, "equity18", _basket, ("user:address",), options),
        (QRE, "initialEquity18", lambda r, i: _basket(r, i, "initialEquity"), ("user:address",), options),
    ]
    cases = _cases(code, dep, specs, SEED + 300, per_function=10)
    _run_forge("qre", code, dep, cases, sources, remap=True)
