"""BF, particular to the family: the BF-2 seed finding with its story (the seed's backfill rule unlocks, at
close, USDC never locked for a virtual-backed CROSS position). The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

from properties import REGISTRY
from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict


def test_bf2_seed_rule_is_violated_with_the_story(libs_ctx: ModelContext) -> None:
    result = h.run(JobKind.SEED, "BF-2.seed-rule", libs_ctx)
    assert result.verdict is Verdict.VIOLATED
    v = h.values_of(result)
    assert (v["amount"].raw, v["amount"].decimals, v["amount"].unit) == (350_000_000, 6, "USDC")
    assert v["amount"].display == "350 USDC"
    assert v["freeBalance"].raw == 0 and v["usdcLocked"].raw == 0  # new, fully virtual-backed CROSS position
    assert v["lockVersion"].raw == libs_ctx.param("LockMath.LOCK_VERSION_STAGE7")  # written after the upgrade
    assert v["seedEffectiveLocked"].display == "350 USDC"  # the seed's rule backfills it as locked
    assert v["unlockedAtClose"].display == "350 USDC"  # its close unlocks USDC never locked for it
    assert v["otherPositionsLockedAfter"].raw == v["otherPositionsLocked"].raw - 350_000_000
    assert REGISTRY.seed_findings["BF-2.seed-rule"].fixed_by == "BF-2"
