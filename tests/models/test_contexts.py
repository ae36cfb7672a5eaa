"""The contexts the family model tests run in read the contracts: the real libraries' constants are the
contracts' own, and the hand-written constants (``helpers.PARAMS``) equal the real extraction."""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.helpers import PARAMS, ROOT, SETTINGS
from vaultproof import config
from vaultproof.prover.obligation import ModelContext


def test_params_come_from_the_contracts(libs_ctx: ModelContext) -> None:
    assert libs_ctx.param("LockMath.PPM") == 1_000_000
    assert libs_ctx.param("LockMath.LOCK_VERSION_STAGE7") == 1
    assert libs_ctx.param("LockMath.MAX_COLLATERAL_DECIMALS") == 18
    assert libs_ctx.param("CollateralMath.BPS") == 10_000
    assert libs_ctx.param("MarginTable.SCALE") % (2 * 50) == 0


def test_params_match_contracts(shipped_ctx: ModelContext) -> None:
    extracted: Mapping[str, int] = shipped_ctx.params
    for key, value in PARAMS.items():
        assert extracted[key] == value, key


def test_the_model_tests_solve_under_the_projects_budget() -> None:
    """The family tests use the engine's default SolverSettings; the project's vaultproof.toml must say the
    same, or `make test` would prove under a budget `make prove` does not use."""
    project = config.load(ROOT)
    assert (project.timeout_ms, project.rlimit) == (SETTINGS.timeout_ms, SETTINGS.rlimit)
