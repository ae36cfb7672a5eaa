"""Code obligations written by 15-more (QRE-2, …): each twin is a flow mutant of the campaign, and the
counterexample on it is concrete (the USDC balance and the value the code returned, in token units).

The generic checks (PROVED on the shipped code with every target executed, VIOLATED on the twin) run for
every property in ``tests/models/test_code_obligations.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from properties import REGISTRY
from vaultproof.prover.context import cached_context
from vaultproof.prover.registry import ModelChecker
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import PropertyResult, Verdict

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SolverSettings(timeout_ms=20_000)
MUTANTS = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
# property → the flow mutant (outside contracts/libraries/) its code twin is
TWIN_MUTANT = {"QRE-2": "M-QRE-usdc-valued-as-18-decimals"}


def _checker(pid: str) -> ModelChecker:
    checker = REGISTRY.properties[pid].checker
    assert isinstance(checker, ModelChecker)
    return checker


def _run(pid: str, twin: bool) -> PropertyResult:
    code_twin = _checker(pid).code_twin if twin else None
    ctx = cached_context(ROOT, REGISTRY.deployment, code_twin)
    result = run_job(REGISTRY, Job(JobKind.SHIPPED, pid), ctx, SETTINGS)
    assert isinstance(result, PropertyResult)
    return result


@pytest.mark.parametrize("pid", sorted(TWIN_MUTANT))
def test_the_code_twin_is_a_flow_mutant_outside_the_libraries(pid: str) -> None:
    twin = _checker(pid).code_twin
    assert twin is not None
    (mutant,) = [m for m in MUTANTS if m["id"] == TWIN_MUTANT[pid]]
    assert (mutant["file"], mutant["find"], mutant["replace"]) == (twin.file, twin.find, twin.replace)
    assert not mutant["file"].startswith("contracts/libraries/")
    assert mutant["family"] == REGISTRY.properties[pid].family


def test_qre2_shipped_is_proved_and_the_mutant_turns_it_violated() -> None:
    assert _run("QRE-2", twin=False).verdict is Verdict.PROVED
    result = _run("QRE-2", twin=True)  # the shipped job on the mutated code: what the campaign runs
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "collateralValue18(usdc, balance)" in example.obligation
    values = {v.name: v for v in example.values}
    balance, returned = values["balance (argument)"], values["value returned"]
    assert balance.unit == "USDC" and balance.decimals == 6 and returned.decimals == 18
    assert values["USDC decimals (config) before"].raw == 6
    # the concrete failure: the mutant values USDC 10^12 too low, never balance × 10^12
    assert returned.raw != balance.raw * 10**12
