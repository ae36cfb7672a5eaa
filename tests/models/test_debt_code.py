"""DEBT code obligations on the shipped contracts: AdlEngine.socialize executed with its loops proved by
invariants (DEBT-1's ADL stage, DEBT-5), and DEBT-5's broken code twin VIOLATED with concrete values.

Shares the cached shipped / twin contexts with the other code-obligation tests (build/prover-cache).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from models import debt_code
from properties import REGISTRY
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


def test_debt5_executes_its_targets_but_names_the_unproved_exit(shipped: ModelContext) -> None:
    """DEBT-5's code obligations hold, yet the round-limit exit's exhaustion is not one of them: the
    property stays MODEL-ONLY and says exactly that (never PROVED)."""
    result = _run(JobKind.SHIPPED, "DEBT-5", shipped)
    assert set(REGISTRY.properties["DEBT-5"].targets) <= set(result.executed)
    assert all(o.verdict is Verdict.PROVED for o in result.obligations)
    assert result.verdict is Verdict.MODEL_ONLY
    assert result.reason.startswith("code obligations hold; not yet on code:")
    assert "round-limit exit" in result.reason


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
    mutants = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
    ours = {
        m["id"]: m
        for m in mutants
        if m["id"]
        in {
            "M-DEBT-adl-take-uncapped",
            "M-DEBT-adl-recorded-dropped",
            "M-DEBT-insurance-block-counter-reset",
            "M-DEBT-adl-leg-not-deducted",
        }
    }
    assert len(ours) == 4
    for m in ours.values():
        assert m["family"] == "DEBT" and not m["file"].startswith("contracts/libraries/")
        assert (ROOT / m["file"]).read_text(encoding="utf-8").count(m["find"]) == 1
