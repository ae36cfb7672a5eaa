"""This protocol's display units and amount ranges, shared by its models (vaultproof.spec.Unit tuples)."""

from __future__ import annotations

import z3

from vaultproof.spec import RAW, Scope, Unit

USDC: Unit = (6, "USDC")
USD18: Unit = (18, "USD")
PPM_UNIT: Unit = (0, "ppm")

UINT96_MAX = 2**96 - 1
UINT128_MAX = 2**128 - 1
UINT256_MAX = 2**256 - 1
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1

# USDC amounts and notionals are stored and bounded as uint128 by the vault and the engine.
AMOUNT_BITS = 128


def usdc(s: Scope, name: str, bits: int = AMOUNT_BITS) -> z3.ArithRef:
    """A USDC amount (a ``uint128`` in USDC units), shown in USDC."""
    return s.uint(name, bits, USDC)


__all__ = [
    "AMOUNT_BITS",
    "INT256_MAX",
    "INT256_MIN",
    "PPM_UNIT",
    "RAW",
    "UINT96_MAX",
    "UINT128_MAX",
    "UINT256_MAX",
    "USD18",
    "USDC",
    "usdc",
]
