"""QRE code obligations particular to the family (moved from test_code_obligations.py /
test_code_conv_qre_bf.py); the checks every property with code passes are in ``test_code_shipped.py``.
"""

from __future__ import annotations

import pytest

from properties import REGISTRY
from tests.models import code_checks
from tests.models.helpers import ROOT, checker, run
from vaultproof.prover.context import cached_context
from vaultproof.prover.runner import JobKind
from vaultproof.results import PropertyResult, Verdict

# property → the flow mutant (outside contracts/libraries/) its code twin is
TWIN_MUTANT = {"QRE-2": "M-QRE-usdc-valued-as-18-decimals"}


def _run_code(pid: str, twin: bool) -> PropertyResult:
    code_twin = checker(pid).code_twin if twin else None
    return run(JobKind.SHIPPED, pid, cached_context(ROOT, REGISTRY.deployment, code_twin))


@pytest.mark.parametrize("pid", sorted(TWIN_MUTANT))
def test_the_code_twin_is_a_flow_mutant_outside_the_libraries(pid: str) -> None:
    twin = checker(pid).code_twin
    assert twin is not None
    (mutant,) = [m for m in code_checks.MUTANTS if m["id"] == TWIN_MUTANT[pid]]
    assert (mutant["file"], mutant["find"], mutant["replace"]) == (twin.file, twin.find, twin.replace)
    assert not mutant["file"].startswith("contracts/libraries/")
    assert mutant["family"] == REGISTRY.properties[pid].family


def test_qre2_shipped_is_proved_and_the_mutant_turns_it_violated() -> None:
    """QRE-2's twin is a flow mutant of the campaign; the counterexample on it is concrete (the USDC balance
    and the value the code returned, in token units)."""
    assert _run_code("QRE-2", twin=False).verdict is Verdict.PROVED
    result = _run_code("QRE-2", twin=True)  # the shipped job on the mutated code: what the campaign runs
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "collateralValue18(usdc, balance)" in example.obligation
    values = {v.name: v for v in example.values}
    balance, returned = values["balance (argument)"], values["value returned"]
    assert balance.unit == "USDC" and balance.decimals == 6 and returned.decimals == 18
    assert values["USDC decimals (config) before"].raw == 6
    # the concrete failure: the mutant values USDC 10^12 too low, never balance × 10^12
    assert returned.raw != balance.raw * 10**12
