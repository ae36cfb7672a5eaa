"""CONV, particular to the family: CONV-1's obligations cover both decimal cases and the overflow, its broken
twin shows the floor below the oracle value, the models read the contracts' numbers (a changed constant
changes the verdict), and the ties to the extracted CollateralMath/DeficitMath code
(``conftest.shipped_ctx``). The per-id checks are in ``test_families.py``.
"""

from __future__ import annotations

import pytest

from tests.models import helpers as h
from vaultproof.errors import RegistryError
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict

TIES = {
    "CONV-1": ("CollateralMath.minProceeds (code) == model", "CollateralMath.floorPrice (code) == model"),
    "CONV-3": ("DeficitMath.payToInsurance (code) == model",),
}


def test_conv1_covers_both_decimal_cases_and_overflow(params_ctx: ModelContext) -> None:
    names = [ob.name for ob in h.checker("CONV-1").check(params_ctx)]
    for tag in ("base 8dp, quote 6dp, oracle 8dp", "base 18dp, quote 6dp, oracle 8dp"):
        mine = [n for n in names if tag in n]
        assert any("rounds in the protocol's favour" in n for n in mine)
        assert any(n.startswith("no-overflow qty * price * liqFactorBps * 10**quoteDecimals") for n in mine)
        assert any("level walk: step" in n for n in mine)


def test_conv1_broken_shows_floor_below_oracle_value(params_ctx: ModelContext) -> None:
    values = h.obligation_values(h.run(JobKind.BROKEN, "CONV-1", params_ctx), "floorPrice rounds")
    assert values["floorPrice"].unit.startswith("USDC/")
    assert values["oraclePrice"].unit == "USD" and values["oraclePrice"].decimals == 8


def test_models_read_contract_numbers_through_ctx_param() -> None:
    with pytest.raises(RegistryError, match=r"CollateralMath\.BPS"):
        h.run(JobKind.SHIPPED, "CONV-1", ModelContext(params={}))


def test_a_changed_constant_changes_the_verdict() -> None:
    # a vault loop bound below what the QRE can enable would skip collaterals: CONV-4 must notice
    shrunk = ModelContext(params={**h.PARAMS, "BalanceManagerVault.MAX_COLLATERALS": 4})
    result = h.run(JobKind.SHIPPED, "CONV-4", shrunk)
    assert result.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("pid", sorted(TIES))
def test_models_are_proved_equal_to_the_extracted_code(pid: str, shipped_ctx: ModelContext) -> None:
    h.assert_tied_to_the_extracted_code(pid, TIES[pid], shipped_ctx)


def test_broken_model_disagrees_with_the_code(shipped_ctx: ModelContext) -> None:
    h.assert_broken_disagrees_with_the_code("CONV-3", shipped_ctx)
