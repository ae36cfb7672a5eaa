"""This protocol's property catalogue: every property is declared once, here, via ``REGISTRY.register``.

Importing this package imports every family module, each of which registers its declarations;
an incomplete or duplicated declaration fails the import (see ``vaultproof.prover.registry``).
"""

from vaultproof.spec import Registry

REGISTRY = Registry()

# Family modules register into REGISTRY on import; the order here is irrelevant to reports.
from properties import alloc, bf, conv, debt, liq, qre, rel, static, tier  # noqa: E402

__all__ = ["REGISTRY", "alloc", "bf", "conv", "debt", "liq", "qre", "rel", "static", "tier"]
