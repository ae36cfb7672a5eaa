"""The deployment map: which contract of this project sits behind each address-typed state variable.

Declared once for the whole catalogue and handed to the code executor: a call through a bound address
runs the bound contract's code on its own storage; a call through an address not bound here (the ERC-20
tokens, maker hooks, the arches calling back, a market) is unknown code, havocked within what its
interface allows and never assumed honest. Keys are ``Contract.variable`` (for the vault, the field of its
ERC-7201 storage struct).
"""

from __future__ import annotations

from properties import REGISTRY

BMV = "BalanceManagerVault"

REGISTRY.deploy(
    {
        f"{BMV}.balanceManager": "BalanceManager",
        f"{BMV}.quantumRiskEngine": "QuantumRiskEngine",
        f"{BMV}.poolManager": "PoolManager",
        f"{BMV}.priceOracle": "PriceOracle",
        f"{BMV}.insuranceFund": "InsuranceFund",
        f"{BMV}.adlEngine": "AdlEngine",
        "InsuranceFund.balanceManager": "BalanceManager",
        "AdlEngine.oracle": "PriceOracle",
        "BalanceManager.withdrawGuard": "QuantumRiskEngine",
        "QuantumRiskEngine.balanceManager": "BalanceManager",
        "QuantumRiskEngine.priceOracle": "PriceOracle",
        "QuantumRiskEngine.marginVault": BMV,
        "OrderBook.balanceManager": "BalanceManager",
        "OrderBook.poolManager": "PoolManager",
        "LiquidationEngine.balanceManager": "BalanceManager",
        "LiquidationEngine.qre": "QuantumRiskEngine",
        "LiquidationEngine.insuranceFund": "InsuranceFund",
    }
)
