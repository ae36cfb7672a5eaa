"""DEBT code obligations particular to the family (moved from test_code_obligations.py /
test_code_conv_qre_bf.py); the checks every property with code passes are in ``test_code_shipped.py``.
"""

from __future__ import annotations

from properties import REGISTRY
from tests.models import code_checks
from tests.models.helpers import ROOT, checker, run
from vaultproof.prover.context import cached_context
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict


def test_debt1_twin_is_the_silent_drop_mutant() -> None:
    """Passing 0 instead of `remaining` to _absorbResidual makes DEBT-1 VIOLATED on the code (issue 15)."""
    twin = checker("DEBT-1").code_twin
    assert twin is not None and twin.replace.endswith("fromCollateral, 0);")
    assert any(
        m["file"] == twin.file and m["find"] == twin.find and m["replace"] == twin.replace
        for m in code_checks.MUTANTS
    )
    result = run(JobKind.SHIPPED, "DEBT-1", cached_context(ROOT, REGISTRY.deployment, twin))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "DeficitSettled sums to the deficit" in example.obligation
    values = {v.name: v.raw for v in example.values}
    tags = sorted({k.split(".")[0] for k in values if k.startswith("DeficitSettled#")})
    assert tags
    tag = tags[0]
    parts = ("fromFreeUsdc", "fromCollateral", "fromInsurance", "socialized", "shortfall")
    assert values[f"{tag}.deficit"] != sum(values[f"{tag}.{p}"] for p in parts)


def test_debt3_twin_is_the_room_mutant_and_names_the_cap() -> None:
    """Deleting `if (paid > room) paid = room;` turns DEBT-3 from PROVED to VIOLATED (issue 15)."""
    twin = checker("DEBT-3").code_twin
    assert twin is not None and twin.find.strip() == "if (paid > room) paid = room;"
    assert any(m["file"] == twin.file and m["find"].strip() == twin.find.strip() for m in code_checks.MUTANTS)
    result = run(JobKind.BROKEN_CODE, "DEBT-3", cached_context(ROOT, REGISTRY.deployment, twin))
    violated = {o.name for o in result.obligations if o.verdict is Verdict.VIOLATED}
    assert any("per-block counter within the cap" in n for n in violated), violated
    assert FunctionRef("InsuranceFund", "coverDeficit") in result.executed
