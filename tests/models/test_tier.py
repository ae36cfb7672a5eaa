"""TIER, particular to the family: the models are tied to the extracted per-tier helpers, and a MarginTable
code change (nextDeduction forgetting the previous deduction) breaks both with the model untouched
(``conftest.libs_ctx``, ``tier_mutated``). The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

import pytest

from properties import REGISTRY
from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict

EXPECTED = ["TIER-1", "TIER-2"]
TIER_TIES = [
    f"MarginTable.{fn}: SlithIR extraction == model"
    for fn in ("validLeverage", "slope", "nextDeduction", "tierMaintenance")
]


@pytest.mark.parametrize("pid", EXPECTED)
def test_tier_is_tied_to_the_extracted_helpers(pid: str, libs_ctx: ModelContext) -> None:
    """The per-tier helpers the MarginTable loops call are targets, extracted, and proved equal."""
    decl = REGISTRY.properties[pid]
    targets = {t.function for t in decl.targets if t.contract == "MarginTable"}
    assert {"validLeverage", "slope", "nextDeduction", "tierMaintenance"} <= targets
    result = h.run(JobKind.SHIPPED, pid, libs_ctx)
    names = {ob.name: ob.verdict for ob in result.obligations}
    for tie in TIER_TIES:
        assert names.get(tie) is Verdict.PROVED, (tie, sorted(names))
    assert any(name.startswith("lemma: validLeverage(L)") for name in names)


@pytest.mark.parametrize("pid", EXPECTED)
def test_a_margin_table_code_change_breaks_tier_without_a_model_change(
    pid: str, tier_mutated: ModelContext
) -> None:
    """nextDeduction without D_{i−1} (model untouched): TIER fails through the nextDeduction tie."""
    result = h.run(JobKind.SHIPPED, pid, tier_mutated)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name for ob in failing] == ["MarginTable.nextDeduction: SlithIR extraction == model"]
    assert failing[0].counterexample is not None
    values = {v.name: v for v in failing[0].counterexample.values}
    # the code forgot exactly the previous deduction
    assert values["model ret0"].raw - values["code ret0"].raw == values["prevDeduction"].raw > 0
    assert values["prevDeduction"].unit == "USDC-units×SCALE"
