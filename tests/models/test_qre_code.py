"""QRE-1, QRE-3, QRE-4, QRE-5 code obligations (models/qre_code.py, issue15-qre, s21-qre): their code twins
(each also a flow mutant outside contracts/libraries/), the other QRE flow mutants, and the monotonicity steps
(models/monotone.py) that make the valuation comparisons linear. QRE-1/3/4 execute the collateral loop of
_equity18 on code (QRE-5 end to end: withdraw with the gate inlined, then the equity after it).
"""

from __future__ import annotations

import pytest

from properties._mutants import MUTANTS, mutant_twin
from tests.models.helpers import code_twin as _twin
from tests.models.helpers import run_on as _run
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict

TWIN_MUTANT = {
    "QRE-1": "M-QRE-initial-weight-above-maintenance",
    "QRE-3": "M-QRE-over-cap-balance-valued-zero",
    "QRE-4": "M-QRE-asset-cap-dropped",
    "QRE-5": "M-QRE-gate-checks-maintenance-margin",
}
OTHER_MUTANTS = {
    "M-QRE-user-cap-ignored": "QRE-4",
    "M-QRE-gate-skips-balance-check": "QRE-5",
    "M-QRE-withdraw-gate-inverted": "QRE-5",
    "M-QRE-equity-ignores-caps": "QRE-4",
    "M-QRE-gate-values-balance-before-withdrawal": "QRE-5",
    "M-QRE-weight-bases-swapped": "QRE-1",
}


@pytest.mark.parametrize("pid", sorted(TWIN_MUTANT))
def test_each_code_twin_is_a_flow_mutant_outside_the_libraries(pid: str) -> None:
    twin, mutant = _twin(pid), MUTANTS[TWIN_MUTANT[pid]]
    assert (mutant["file"], mutant["find"], mutant["replace"]) == (twin.file, twin.find, twin.replace)
    assert not mutant["file"].startswith("contracts/libraries/") and mutant["family"] == "QRE"


@pytest.mark.parametrize("pid", ["QRE-1", "QRE-3", "QRE-4", "QRE-5"])
def test_shipped_is_proved_with_the_collateral_loop_executed(pid: str) -> None:
    result = _run(JobKind.SHIPPED, pid)
    assert result.verdict is Verdict.PROVED, result.reason
    loop = FunctionRef("QuantumRiskEngine", "_equity18")
    assert (loop in result.executed) is (pid != "QRE-3")  # QRE-3 is one collateral's valuation


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
    result = _run(JobKind.SHIPPED, pid, mutant_twin(mutant))
    assert result.verdict is Verdict.VIOLATED, [(o.name, o.verdict) for o in result.obligations]
    assert FunctionRef("QuantumRiskEngine", "canWithdraw") in result.executed or pid != "QRE-5"


def test_qre3_twin_values_a_larger_balance_lower() -> None:
    v = _twin_counterexample("QRE-3", "collateralValue18 is non-decreasing in the balance")
    small, large, cap = (
        v["smaller balance (argument)"],
        v["larger balance (argument)"],
        v["userCap (config) before"],
    )
    assert small <= cap < large  # the mutant drops the balance above the cap instead of capping it
    assert v["value at the smaller balance"] > v["value at the larger balance"] == 0


def test_equity_mutant_counts_the_raw_balance() -> None:
    result = _run(JobKind.SHIPPED, "QRE-4", mutant_twin("M-QRE-equity-ignores-caps"))
    bad = [o.name for o in result.obligations if o.verdict is Verdict.VIOLATED]
    assert bad == [
        "code: QuantumRiskEngine.equity18 = Σ over the registered collaterals of collateralValue18(token, "
        "_counted(token, held balance), maintenance) + pnl − fees"
    ]


# -- models/monotone.py: the steps are instances of the two lemmas; they make a comparison linear


def test_steps_order_each_product_and_quotient_where_the_terms_differ() -> None:
    import z3

    from models.monotone import steps

    b1, b2, p, d = z3.Ints("b1 b2 p d")
    lo, hi = (b1 * p) / d, (b2 * p) / d
    found = steps(lo, hi)
    assert [str(s) for s in found] == [
        str(z3.Implies(z3.And(b1 * p <= b2 * p, d > 0), lo <= hi)),
        str(z3.Implies(z3.And(b1 <= b2, p >= 0), b1 * p <= b2 * p)),
    ]
    assert steps(lo, lo) == [] and steps(b1 + p, b2 + p) == []  # equal terms / linear terms: nothing to add


def test_the_lemmas_are_proved_and_their_broken_forms_are_not() -> None:
    import dataclasses

    import z3

    from models.monotone import lemmas
    from tests.models.helpers import solve

    product, quotient = lemmas()
    assert solve(product).verdict is Verdict.PROVED and solve(quotient).verdict is Verdict.PROVED
    # without the sign premise the product lemma is false (a negative factor reverses the order)
    x, x2, k = z3.Int("lemma.x"), z3.Int("lemma.x'"), z3.Int("lemma.k")
    unsigned = dataclasses.replace(product, assumptions=(x <= x2,))
    assert solve(unsigned).verdict is Verdict.VIOLATED
    assert solve(dataclasses.replace(quotient, assumptions=(x <= x2, k < 0), witness=x < x2)).verdict is (
        Verdict.VIOLATED
    )


def test_pure_calls_order_only_calls_that_differ_in_the_varying_argument() -> None:
    import z3

    from models.monotone import PureCalls

    value = PureCalls("f", 2)
    a, b, c = z3.Ints("a b c")
    value.calls.extend([(a, c), (b, c)])
    facts = value.ordered(0)
    assert len(facts) == 2  # both orders of the two calls, each premised on the other argument being equal
    assert all("f.reverts" in str(f) and "c == c" in str(f) for f in facts)
    basis = PureCalls("g", 2, bools=(1,))
    basis.calls.extend([(a, z3.BoolVal(False)), (a, z3.BoolVal(True))])
    (only,) = basis.ordered(1)  # constant bases: only False below True
    assert str(only).index("g(a, False)") < str(only).index("g(a, True)")


def test_only_the_end_to_end_obligation_sees_a_gate_that_ignores_the_withdrawal() -> None:
    """The gate's own obligation summarises _equity18, so it cannot see what _equity18 is asked; the
    end-to-end chain executes it: its per-collateral bridges (the gate valued the balance before the
    withdrawal, not the one after it) are VIOLATED, concretely."""
    result = _run(JobKind.SHIPPED, "QRE-5", mutant_twin("M-QRE-gate-values-balance-before-withdrawal"))
    bad = [o for o in result.obligations if o.verdict is Verdict.VIOLATED]
    assert bad and all("collateral #" in o.name and "valued after the withdrawal" in o.name for o in bad)
    example = result.counterexample
    assert example is not None
    v = {q.name: q.raw for q in example.values}
    assert (
        v["amount (argument)"] > 0
        and v["free balance after"] == v["free balance before"] - v["amount (argument)"]
    )
