"""TIER code obligations (models/tier_code.py): MarginTable's table functions over one symbolic
``Tier[] memory`` table, PerpArchBase.setMarginTiers, their code twins and the TIER flow mutants.

The generic checks (PROVED on the shipped code with every target executed, VIOLATED on the twin with a
counterexample) run for every property in ``tests/models/test_code_obligations.py``; these pin what is
specific: which stage fails on which broken code, with which concrete table.
"""

from __future__ import annotations

import pytest

from properties._mutants import MUTANTS, mutant_twin
from tests.models.helpers import code_twin as _twin
from tests.models.helpers import run_on as _run
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict

SETTER_MUTANTS = (
    "M-TIER-setter-skips-validate",
    "M-TIER-setter-keeps-old-table",
    "M-TIER-setter-drops-first-tier",
)


@pytest.mark.parametrize("pid", ["TIER-1", "TIER-2"])
def test_shipped_tables_are_proved_on_code(pid: str) -> None:
    result = _run(JobKind.SHIPPED, pid)
    assert result.verdict is Verdict.PROVED, result.reason
    executed = set(result.executed)
    assert {FunctionRef("MarginTable", f) for f in ("maintenanceMargin", "tierIndex", "validate")} <= executed
    assert FunctionRef("MarginTable", "deductionFor") in executed
    names = [o.name for o in result.obligations]
    assert any("loop-bound" in n and "MarginTable.tierIndex" in n for n in names)  # Unroll(16) exhaustive
    assert any("loop-invariant-step" in n and "deductionFor" in n for n in names)  # deductionFor by induction
    if pid == "TIER-1":
        assert FunctionRef("PerpEngine", "setMarginTiers") in executed
        assert any("continuous at every boundary" in n for n in names)


def test_tier1_twin_no_deduction_breaks_the_validate_contract_with_a_concrete_table() -> None:
    result = _run(JobKind.BROKEN_CODE, "TIER-1", _twin("TIER-1"))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "MarginTable.validate returns" in example.obligation
    values = {v.name: v for v in example.values}
    # the concrete table validate now accepts: tier 1 above tier 0's leverage slope, yet D[1] = 0
    assert values["tiers.length (argument)"].raw >= 2
    assert values["tiers[0].lowerBound (argument)"].raw == 0
    assert values["tiers[1].lowerBound (argument)"].unit == "USDC"


def test_tier2_twin_doubled_step_is_violated() -> None:
    result = _run(JobKind.BROKEN_CODE, "TIER-2", _twin("TIER-2"))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and example.obligation.startswith("code: MarginTable.validate returns")


@pytest.mark.parametrize("mutant", SETTER_MUTANTS)
def test_setter_flow_mutants_are_killed_by_tier1(mutant: str) -> None:
    m = MUTANTS[mutant]
    assert m["family"] == "TIER" and not m["file"].startswith("contracts/libraries/")
    twin = mutant_twin(mutant)
    # run as the campaign runs a mutant: up to the first decided obligation that is not PROVED, which must
    # be one of the setter's (the table functions' obligations still hold on this code)
    result = _run(JobKind.SHIPPED, "TIER-1", twin, Verdict.PROVED)
    assert result.verdict.rank > Verdict.PROVED.rank
    *held, failed = result.obligations
    assert all(o.verdict is Verdict.PROVED for o in held)
    assert failed.verdict is not Verdict.PROVED
    assert "setMarginTiers" in failed.name, (failed.name, failed.verdict)
