"""This protocol's property catalogue: every property is declared once, here, via ``REGISTRY.register``.

Importing this package imports every family module, each of which registers its declarations;
an incomplete or duplicated declaration fails the import (see ``vaultproof.prover.registry``).
"""

from vaultproof.spec import Registry

REGISTRY = Registry()

# Family modules register into REGISTRY on import; the order here is irrelevant to reports.
from properties import alloc, bf, conv, debt, deployment, liq, qre, rel, static, tier  # noqa: E402

__all__ = [
    "EVIDENCE",
    "REGISTRY",
    "alloc",
    "bf",
    "conv",
    "debt",
    "deployment",
    "liq",
    "qre",
    "rel",
    "static",
    "tier",
]

# Bytecode evidence (forge): invariant suites, their seeded code variants, replay recipes per seed finding.
from properties import invariants as _invariants  # noqa: E402
from properties import replay as _replay  # noqa: E402
from vaultproof.spec import EvidenceDecl  # noqa: E402

EVIDENCE = EvidenceDecl(
    suites=_invariants.SUITES,
    variants=_invariants.VARIANTS,
    variants_dir=_invariants.BROKEN_DIR,
    broken_suites=_invariants.BROKEN_SUITES,
    broken_sources=_invariants.BROKEN_SOURCES,
    broken_failures_dir=_invariants.BROKEN_FAILURES_DIR,
    recipes=_replay.RECIPES,
)
