"""DEBT code obligations on the shipped contracts: AdlEngine.socialize executed with its loops proved by
invariants (DEBT-1's ADL stage, DEBT-5), and DEBT-5's broken code twin VIOLATED with concrete values.

Shares the cached shipped / twin contexts with the other code-obligation tests (build/prover-cache).
"""

from __future__ import annotations

from pathlib import Path

from models import debt_code
from properties import REGISTRY
from properties._mutants import MUTANTS, mutant_twin
from tests.models.helpers import run as _run
from tests.models.helpers import solve
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import ModelChecker
from vaultproof.prover.runner import JobKind
from vaultproof.results import FunctionRef, Verdict

ROOT = Path(__file__).resolve().parents[2]
SOCIALIZE = FunctionRef("AdlEngine", "socialize")


def test_socialize_walk_is_proved_by_invariants_on_its_code(shipped: ModelContext) -> None:
    obligations = debt_code.debt5_code(shipped)
    names = [ob.name for ob in obligations]
    # every loop of the walk and of the scan has its base and step on the code
    for line in ("AdlEngine.sol:221", "AdlEngine.sol:152", "AdlEngine.sol:154"):
        assert any("loop-invariant-base" in n and line in n for n in names), line
        assert any("loop-invariant-step" in n and line in n for n in names), line
    assert any("remaining -= take" in n and "underflow" in n for n in names)
    verdicts = {ob.name: solve(ob).verdict for ob in obligations}
    assert all(v is Verdict.PROVED for v in verdicts.values()), {
        n: v for n, v in verdicts.items() if v is not Verdict.PROVED
    }
    assert any(ref == SOCIALIZE for ob in obligations for ref in ob.executed)


def test_debt1_is_proved_with_socialize_executed(shipped: ModelContext) -> None:
    result = _run(JobKind.SHIPPED, "DEBT-1", shipped)
    assert result.verdict is Verdict.PROVED, result.reason
    assert SOCIALIZE in result.executed
    assert set(REGISTRY.properties["DEBT-1"].targets) <= set(result.executed)
    assert any("socialize splits the shortfall exactly" in o.name for o in result.obligations)


def test_debt5_is_proved_on_code_with_the_round_limit_exit(shipped: ModelContext) -> None:
    """socialize charges min(shortfall, Σ capacity) on every exit — the round limit included, by the ghost
    count of candidates left — and the ghost sums' lemmas are among DEBT-5's proved obligations."""
    result = _run(JobKind.SHIPPED, "DEBT-5", shipped)
    assert result.verdict is Verdict.PROVED, result.reason
    assert set(REGISTRY.properties["DEBT-5"].targets) <= set(result.executed)
    names = [o.name for o in result.obligations]
    assert any(n.startswith("code: AdlEngine.socialize charges min(shortfall, Σ capacity") for n in names)
    assert sum("ghost Σ" in n and "induction" in n for n in names) == 12  # 2 sums × 3 lemmas × base, step


def test_debt5_round_limit_mutant_leaves_a_candidate_untaken_in_token_units() -> None:
    """M-DEBT-adl-round-limit-short (one round fewer than candidates): VIOLATED with one concrete candidate
    whose capacity is left while the shortfall is recorded."""
    twin = mutant_twin("M-DEBT-adl-round-limit-short")
    obligations = debt_code.debt5_code(cached_context(ROOT, REGISTRY.deployment, twin))
    (one,) = [o for o in obligations if o.name.endswith("records the rest (n = 1 candidates)")]
    result = solve(one)
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is not None
    values = {v.name: v for v in result.counterexample.values}
    shortfall, capacity = (
        values["shortfall (argument)"].raw,
        values["capacity of candidate 0 (the walk's entry)"].raw,
    )
    assert values["candidates n (the walk's entry)"].raw == 1 and capacity > 0
    # the only round was cut: nothing charged, the whole shortfall recorded
    assert values["socialized (returned)"].raw == 0 < min(shortfall, capacity)
    assert values["recordedShortfall (returned)"].raw == shortfall
    assert values["shortfall (argument)"].unit == "USDC"


def test_debt5_twin_drops_the_recorded_rest_in_token_units() -> None:
    checker = REGISTRY.properties["DEBT-5"].checker
    assert isinstance(checker, ModelChecker) and checker.code_twin is not None
    twin = checker.code_twin
    assert twin.file == "contracts/AdlEngine.sol" and twin.replace == "recordedShortfall = 0;"
    result = _run(JobKind.BROKEN_CODE, "DEBT-5", cached_context(ROOT, REGISTRY.deployment, twin))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "splits the shortfall exactly" in example.obligation
    values = {v.name: v for v in example.values}
    shortfall = values["shortfall (argument)"].raw
    socialized, recorded = values["socialized (returned)"].raw, values["recordedShortfall (returned)"].raw
    assert socialized + recorded != shortfall
    assert values["shortfall (argument)"].unit == "USDC"


def test_debt_flow_mutants_are_declared_outside_the_libraries() -> None:
    ours = {
        m["id"]: m
        for m in MUTANTS.values()
        if m["id"]
        in {
            "M-DEBT-adl-take-uncapped",
            "M-DEBT-adl-recorded-dropped",
            "M-DEBT-insurance-block-counter-reset",
            "M-DEBT-adl-leg-not-deducted",
            "M-DEBT-adl-round-limit-short",
        }
    }
    assert len(ours) == 5
    for m in ours.values():
        assert m["family"] == "DEBT" and not m["file"].startswith("contracts/libraries/")
        assert (ROOT / m["file"]).read_text(encoding="utf-8").count(m["find"]) == 1


def test_debt4_is_proved_on_code_with_capacity_and_socialize_executed(shipped: ModelContext) -> None:
    result = _run(JobKind.SHIPPED, "DEBT-4", shipped)
    assert result.verdict is Verdict.PROVED, result.reason
    assert set(REGISTRY.properties["DEBT-4"].targets) <= set(result.executed)
    names = [o.name for o in result.obligations]
    assert any(
        "records shortfall = max(0, bad debt − insurance available − ADL capacity)" in n for n in names
    )
    assert any(n.startswith("code: AdlEngine.capacity returns Σ capacity") for n in names)
    assert any(n.startswith("code: AdlEngine.socialize charges min(shortfall") for n in names)


def test_debt4_twin_records_a_shortfall_the_adl_capacity_covered() -> None:
    """ADL asked only when the fund paid nothing: a capped fund pays part, ADL is skipped, and the rest is
    recorded in full, not max(0, bad debt − insurance available − ADL capacity) (concrete, in USDC)."""
    twin = checker_of("DEBT-4").code_twin
    assert twin is not None and "fromInsurance == 0" in twin.replace
    result = _run(JobKind.BROKEN_CODE, "DEBT-4", cached_context(ROOT, REGISTRY.deployment, twin))
    assert result.verdict is Verdict.VIOLATED
    example = result.counterexample
    assert example is not None and "records shortfall = max(0" in example.obligation
    values = {v.name: v.raw for v in example.values}
    bad, available, adl = (
        values[k] for k in ("bad debt: remaining (argument)", "insurance available", "ADL capacity")
    )
    # the fund paid part, ADL was skipped although it had capacity: the rest recorded in full
    assert values["DeficitSettled.shortfall"] != max(0, bad - available - adl)
    assert values["DeficitSettled.fromInsurance"] > 0 and adl > 0
    assert values["DeficitSettled.socialized"] == 0


def checker_of(pid: str) -> ModelChecker:
    found = REGISTRY.properties[pid].checker
    assert isinstance(found, ModelChecker)
    return found


def test_debt2_code_obligations_hold_and_the_collateral_stage_is_named_pending(shipped: ModelContext) -> None:
    """The collateral stage is not proved on code because it is false there: the reason names the bounded
    walk, the numbers of the bytecode finding and where it is shown (tests/forge/Debt2BookBoundFinding.t.sol),
    and the unknown-book case."""
    result = _run(JobKind.SHIPPED, "DEBT-2", shipped)
    assert all(o.verdict is Verdict.PROVED for o in result.obligations)
    names = [o.name for o in result.obligations]
    assert any("insurance pays only after the user's whole free USDC" in n for n in names)
    assert any("ADL socializes only after insurance paid all it can" in n for n in names)
    assert set(REGISTRY.properties["DEBT-2"].targets) <= set(result.executed)
    assert result.verdict is Verdict.MODEL_ONLY
    assert result.reason.startswith("code obligations hold; not yet on code:")
    assert "'no floor-clearing capacity left unsold' is false on the shipped contracts" in result.reason
    assert "MAX_LEVELS_PER_ORDER (16)" in result.reason and "MAX_ORDER_VISITS (64)" in result.reason
    assert "the insurance fund pays 499.9864 USDC while the user keeps 0.00999984 WBTC" in result.reason
    assert "tests/forge/Debt2BookBoundFinding.t.sol" in result.reason
    assert (ROOT / "tests" / "forge" / "Debt2BookBoundFinding.t.sol").is_file()
    assert "a fill below the book's own quote" in result.reason
