"""QRE-1, QRE-4, QRE-5 code obligations (models/qre_code.py, issue15-qre): the stages around the collateral
loop on code, their code twins (each also a flow mutant outside contracts/libraries/) and the other QRE flow
mutants. The loop of _equity18 itself is not decided on code: those properties stay MODEL-ONLY naming it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.models.helpers import code_twin as _twin
from tests.models.helpers import run_on as _run
from vaultproof.prover.registry import CodeTwin
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = {
    m["id"]: m
    for m in tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
}
TWIN_MUTANT = {
    "QRE-1": "M-QRE-initial-weight-above-maintenance",
    "QRE-4": "M-QRE-asset-cap-dropped",
    "QRE-5": "M-QRE-gate-checks-maintenance-margin",
}
OTHER_MUTANTS = {
    "M-QRE-user-cap-ignored": "QRE-4",
    "M-QRE-gate-skips-balance-check": "QRE-5",
    "M-QRE-withdraw-gate-inverted": "QRE-5",
}


@pytest.mark.parametrize("pid", sorted(TWIN_MUTANT))
def test_each_code_twin_is_a_flow_mutant_outside_the_libraries(pid: str) -> None:
    twin, mutant = _twin(pid), MUTANTS[TWIN_MUTANT[pid]]
    assert (mutant["file"], mutant["find"], mutant["replace"]) == (twin.file, twin.find, twin.replace)
    assert not mutant["file"].startswith("contracts/libraries/") and mutant["family"] == "QRE"


@pytest.mark.parametrize(
    ("pid", "missing"),
    [
        ("QRE-1", "QuantumRiskEngine.equity18"),
        ("QRE-4", "QuantumRiskEngine.equity18"),
        ("QRE-5", "_equity18"),
    ],
)
def test_shipped_stages_are_proved_and_the_loop_is_named_as_missing(pid: str, missing: str) -> None:
    result = _run(JobKind.SHIPPED, pid)
    code = [o for o in result.obligations if o.name.startswith("code:")]
    assert code and all(o.verdict is Verdict.PROVED for o in code)
    assert result.verdict is Verdict.MODEL_ONLY  # not a pass: the valuation loop is not executed on code
    assert missing in result.reason and "does not decide within the 20 s budget" in result.reason


def _twin_counterexample(pid: str, obligation_part: str = "") -> dict[str, int]:
    """The code twin is VIOLATED with a counterexample on an obligation naming ``obligation_part``: its
    raw values by name."""
    result = _run(JobKind.BROKEN_CODE, pid, _twin(pid))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and obligation_part in example.obligation
    return {q.name: q.raw for q in example.values}


def test_qre4_twin_exceeds_the_asset_cap_concretely() -> None:
    v = _twin_counterexample("QRE-4", "_counted")
    total, cap = v["BalanceManager totalClaims(token) before"], v["assetCap (config) before"]
    assert (
        total > cap
        and v["counted (returned)"] * total > min(v["bal (argument)"], v["userCap (config) before"]) * cap
    )


def test_qre5_twin_lets_initial_margin_go_uncovered() -> None:
    v = _twin_counterexample("QRE-5", "canWithdraw is true only if")
    assert v["canWithdraw (returned)"] == 1
    assert v["initial-weighted equity without the amount"] < v["initialMargin18 before"]


def test_qre1_twin_accepts_an_initial_weight_above_maintenance() -> None:
    v = _twin_counterexample("QRE-1")
    assert v["initialWeightBps after"] > v["maintenanceWeightBps after"]


@pytest.mark.parametrize(("mutant", "pid"), sorted(OTHER_MUTANTS.items()))
def test_other_qre_flow_mutants_are_killed_by_a_z3_property(mutant: str, pid: str) -> None:
    m = MUTANTS[mutant]
    assert m["family"] == "QRE" and not m["file"].startswith("contracts/libraries/")
    result = _run(JobKind.SHIPPED, pid, CodeTwin(m["file"], m["find"], m["replace"], m["description"]))
    assert result.verdict is Verdict.VIOLATED, [(o.name, o.verdict) for o in result.obligations]
    assert FunctionRef("QuantumRiskEngine", "canWithdraw") in result.executed or pid != "QRE-5"
