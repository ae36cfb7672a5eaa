"""ALLOC, particular to the family: what the broken twins' counterexamples tell (USDC locked that the user
does not have; a virtual-backed allocation that succeeds). The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind


def test_broken_counterexamples_tell_the_defect(libs_ctx: ModelContext) -> None:
    alloc1 = h.values_of(h.run(JobKind.BROKEN, "ALLOC-1", libs_ctx))
    assert alloc1["toLock"].raw > alloc1["freeBalance"].raw  # locked USDC the user does not have
    alloc3 = h.values_of(h.run(JobKind.BROKEN, "ALLOC-3", libs_ctx))
    assert alloc3["succeeds"].raw == 1 and alloc3["virtualBacking"].raw > 0
    assert alloc3["equity18"].decimals == 18 and alloc3["equity18"].unit == "USD"
