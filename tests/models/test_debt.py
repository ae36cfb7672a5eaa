"""DEBT, particular to the family: DEBT-6 has one induction step per operation, the V1 silent-drop seed
finding with its 300/250/50 USDC counterexample, and the tie to the extracted DeficitMath code
(``conftest.shipped_ctx``). The per-id checks are in ``test_families.py``; code in
``test_debt_code_shipped.py``.
"""

from __future__ import annotations

import pytest

from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict

TIES = {"DEBT-1": ("DeficitMath.takeFree (code) == model", "DeficitMath.payToInsurance (code) == model")}


def test_debt6_has_one_obligation_per_operation(params_ctx: ModelContext) -> None:
    names = [ob.name for ob in h.checker("DEBT-6").check(params_ctx)]
    for op in ("deposit", "withdraw", "allocate", "release", "liquidate"):
        assert sum(n.startswith(f"step {op}:") for n in names) == 1, names
    assert any(n.startswith("base") for n in names)


def test_v1_silent_drop_is_violated_with_the_300_250_50_counterexample(params_ctx: ModelContext) -> None:
    result = h.run(JobKind.SEED, "DEBT-1.v1-silent-drop", params_ctx)
    assert result.verdict is Verdict.VIOLATED
    values = h.obligation_values(result, "deficit 300 USDC")
    expected = {
        "deficit": 300_000_000,
        "userFreeUsdc": 250_000_000,
        "fromFreeUsdc": 250_000_000,
        "fromCollateral": 0,
        "fromInsurance": 0,
        "socialized": 0,
        "recordedShortfall": 0,
        "silentlyDropped": 50_000_000,
    }
    for name, raw in expected.items():
        assert values[name].raw == raw, name
        assert (values[name].decimals, values[name].unit) == (6, "USDC")
    assert values["silentlyDropped"].display == "50 USDC"
    # the general statement is violated as well (any deficit above the free balance)
    assert sum(o.verdict is Verdict.VIOLATED for o in result.obligations) == 2


@pytest.mark.parametrize("pid", sorted(TIES))
def test_models_are_proved_equal_to_the_extracted_code(pid: str, shipped_ctx: ModelContext) -> None:
    h.assert_tied_to_the_extracted_code(pid, TIES[pid], shipped_ctx)
