"""The contexts the family model tests run in read the contracts: the real libraries' constants are the
contracts' own, and the hand-written constants (``helpers.PARAMS``) equal the real extraction."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from properties import REGISTRY
from tests.models.helpers import PARAMS, ROOT, SETTINGS, checker
from vaultproof import config
from vaultproof.compile import compile_project
from vaultproof.prover.code import CodeProject
from vaultproof.prover.context import affected_sources, build_context, twin_context, twin_root
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


def test_a_twin_context_is_the_full_rebuild_of_the_twin(shipped_ctx: ModelContext) -> None:
    """The incremental twin context (only the edited file and its importers analysed again, the rest kept
    from the shipped context) equals a full analysis-only rebuild of the twin project. The twin edits a
    library (MarginTable) so the edit reaches other files' contracts through their imports. Equal as they
    are, not up to renaming: lowering numbers Slither's temporaries per function, so the two builds'
    different compile orders leave no trace (Z3's cost follows the names)."""
    twin = checker("TIER-1").code_twin
    assert twin is not None and twin.file.startswith("contracts/libraries/")
    project = config.load(ROOT)
    variant = twin_root(ROOT, project.sources, twin, ROOT / "build" / "twins" / "rebuild-check")
    twin_config = dataclasses.replace(project, root=variant)
    affected = affected_sources(twin_config, twin.file)
    assert twin.file in affected and "contracts/LiquidationEngine.sol" in affected  # an importer
    assert "contracts/PriceOracle.sol" not in affected  # does not import MarginTable
    incremental = twin_context(shipped_ctx, twin_config, twin.file)
    full = build_context(compile_project(twin_config, analysis_only=True), REGISTRY.deployment)
    assert isinstance(incremental.code, CodeProject) and isinstance(full.code, CodeProject)
    assert isinstance(shipped_ctx.code, CodeProject)
    assert dict(incremental.params) == dict(full.params)
    assert incremental.functions == full.functions
    assert incremental.code.contracts == full.code.contracts
    assert incremental.code.functions == full.code.functions
    assert incremental.code.functions != shipped_ctx.code.functions  # the edit shows
