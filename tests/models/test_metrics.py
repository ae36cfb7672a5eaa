"""DEBT-4.worst-case: z3.Optimize gives finite numbers in USDC, monotone in the oracle shock."""

from __future__ import annotations

import pytest

from models.metrics import (
    REFERENCE_PROFILE,
    SHOCKS_PCT,
    closed_form_bad_debt,
    effective_liq_factor,
    worst_case_goals,
)
from properties import REGISTRY
from tests.models.helpers import CACHE, SETTINGS
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.results import MetricResult, Verdict

CTX = ModelContext(params={"CollateralMath.BPS": 10_000})


@pytest.fixture(scope="module")
def result() -> MetricResult:
    out = run_job(REGISTRY, Job(JobKind.METRIC, "DEBT-4.worst-case"), CTX, SETTINGS, CACHE)
    assert isinstance(out, MetricResult)
    return out


def _series(result: MetricResult, prefix: str) -> list[int]:
    values = [v.value for v in result.values if v.name.startswith(prefix)]
    assert len(values) == len(SHOCKS_PCT)
    for value in values:
        assert (value.decimals, value.unit) == (6, "USDC")
    return [v.raw for v in values]


def test_metric_is_registered_and_exact(result: MetricResult) -> None:
    assert "DEBT-4.worst-case" in REGISTRY.metrics
    assert result.verdict is Verdict.PROVED, result.reason


def test_bad_debt_is_finite_positive_and_monotone_in_the_shock(result: MetricResult) -> None:
    bad = _series(result, "bad debt")
    assert all(0 < b < 1_000_000 * 10**6 for b in bad)  # below the normalised 1,000,000 USDC notional
    assert bad == sorted(bad) and len(set(bad)) == len(bad), bad


def test_insurance_needed_covers_the_worst_case(result: MetricResult) -> None:
    assert _series(result, "insurance needed") == _series(result, "bad debt")


def test_optimum_matches_the_closed_form(result: MetricResult) -> None:
    bps = CTX.param("CollateralMath.BPS")
    for shock, raw in zip(SHOCKS_PCT, _series(result, "bad debt"), strict=True):
        by_hand = closed_form_bad_debt(shock, bps)
        # the LP optimum is at a vertex; integer flooring of the proceeds can add at most one unit
        assert by_hand <= raw <= by_hand + 1, (shock, raw, by_hand)
    # 10%: all margin in collateral (weight 90%) sold at 95% of the shocked price
    assert _series(result, "bad debt")[0] in (90_500_000_000, 90_500_000_001)


def test_effective_floor_follows_the_vault_rule() -> None:
    assert effective_liq_factor(9_500, 500, 10_000) == 9_500
    assert effective_liq_factor(9_000, 500, 10_000) == 9_500  # the slippage bound is stricter
    assert effective_liq_factor(9_000, 0, 10_000) == 10_000  # the vault's default: sell only at ≥ oracle


def test_goals_name_the_profile() -> None:
    goals = worst_case_goals(CTX)
    assert len(goals) == len(SHOCKS_PCT)
    assert all(REFERENCE_PROFILE.name in g.note for g in goals)
