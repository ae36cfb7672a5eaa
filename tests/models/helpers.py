"""What every family's model tests share: running one job, the PROVED / MODEL-ONLY reading of a shipped model,
the checks every declaration and every broken twin must pass, the counterexample's values by name.

The checks every property of every family passes are table-driven, by id: ``test_families.py`` (the model)
and ``test_code_shipped.py`` (the code obligations). What is particular to one family — its seed findings,
its counterexample stories, its ties to the pure libraries — is in ``test_<family>.py`` and
``test_<family>_code_shipped.py``. The contexts they run in are the session fixtures of ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

from properties import REGISTRY
from vaultproof.cache import Cache
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext, Obligation
from vaultproof.prover.registry import CodeTwin, ModelChecker
from vaultproof.prover.runner import Job, JobKind, cached_discharge, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import ObligationResult, PropertyResult, TokenValue, Verdict

ROOT = Path(__file__).resolve().parents[2]
# the engine's defaults, which are the project's budget (vaultproof.toml [prove]; test_contexts checks they
# agree): rlimit decides, so a test's verdict does not depend on how loaded the machine is
SETTINGS = SolverSettings()
# One obligation cache for the whole session, every xdist worker: the same query asked by two tests (LIQ-6's
# code obligations are read by test_liq, test_liq_code and test_code_shipped) is solved once. It is the
# prover's own (keyed by the engine's source, Z3's version, the settings and every term, so an edited model,
# contract or engine misses; UNKNOWN is never kept), under build/, which a fresh clone does not have.
CACHE = Cache(ROOT / "build" / "test-cache")
TOKEN_UNITS = {"USDC", "USD", "WBTC", "WETH", "MON", "token units", "ppm", "bps", "USDC-units×SCALE", "x"}

# The constants the contracts state (checked against the real extraction in test_contexts.py): the context
# of the CONV, DEBT and LIQ model tests, which need no compilation.
PARAMS: dict[str, int] = {
    "CollateralMath.BPS": 10_000,
    "BalanceManagerVault.BPS": 10_000,
    "BalanceManagerVault.MAX_COLLATERALS": 8,
    "QuantumRiskEngine.MAX_COLLATERALS": 8,
    "LockMath.MAX_COLLATERAL_DECIMALS": 18,
    "LiquidationMath.PPM": 1_000_000,
}


def family_ids(family: str) -> list[str]:
    """The family's declared property ids, in catalogue order."""
    return [pid for pid in REGISTRY.properties if pid.split("-")[0] == family]


def run(
    kind: JobKind, decl_id: str, context: ModelContext, stop_worse_than: Verdict | None = None
) -> PropertyResult:
    result = run_job(REGISTRY, Job(kind, decl_id), context, SETTINGS, CACHE, stop_worse_than)
    assert isinstance(result, PropertyResult)
    return result


def run_on(
    kind: JobKind, decl_id: str, twin: CodeTwin | None = None, stop_worse_than: Verdict | None = None
) -> PropertyResult:
    """One job on the real prove-stage context: the shipped contracts, or with ``twin`` applied to them;
    ``stop_worse_than`` as the mutation campaign runs a mutant (stop at the first obligation decided and
    worse)."""
    return run(kind, decl_id, cached_context(ROOT, REGISTRY.deployment, twin), stop_worse_than)


def code_twin(pid: str) -> CodeTwin:
    """The property's declared code twin (the find/replace it must come out VIOLATED on)."""
    found = checker(pid).code_twin
    assert found is not None, pid
    return found


def solve(obligation: Obligation) -> ObligationResult:
    """One obligation through the session's cache."""
    return cached_discharge(obligation, SETTINGS, CACHE)


def checker(pid: str) -> ModelChecker:
    found = REGISTRY.properties[pid].checker
    assert isinstance(found, ModelChecker)
    return found


def assert_declared_once_with_targets(family: str, expected: list[str]) -> None:
    """Exactly ``expected`` is declared for ``family``; each with targets, assumptions, rationale, seed."""
    assert sorted(family_ids(family)) == sorted(expected)
    for pid in expected:
        decl = REGISTRY.properties[pid]
        assert decl.statement.startswith(pid + " "), pid
        assert decl.targets and decl.assumptions and decl.rationale
        assert ".txt" in decl.seed


def assert_model_proved(result: PropertyResult) -> None:
    """Every model obligation PROVED. A context that holds no stateful code makes the property PROVED only if
    its obligations executed every target (pure-library ties); otherwise it is MODEL-ONLY and its reason
    names the targets not executed (the code side is tested in test_<family>_code_shipped.py)."""
    assert all(ob.verdict is Verdict.PROVED for ob in result.obligations), [
        (ob.name, ob.verdict, ob.reason) for ob in result.obligations if ob.verdict is not Verdict.PROVED
    ]
    targets = REGISTRY.properties[result.property_id].targets
    if set(targets) <= set(result.executed):
        assert result.verdict is Verdict.PROVED, result.reason
    else:
        assert result.verdict is Verdict.MODEL_ONLY, (result.verdict, result.reason)
        missing = [str(t) for t in targets if t not in set(result.executed)]
        assert result.reason.startswith("not executed on code: " + ", ".join(missing)), result.reason


def assert_broken_named_in_token_units(pid: str, ctx: ModelContext) -> None:
    """The broken twin is VIOLATED; every value is named, shown in its unit, some in token units."""
    result = run(JobKind.BROKEN, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, result.reason
    values = values_of(result)
    assert values and all(name.strip() for name in values)
    for value in values.values():
        assert value.display.endswith(value.unit) or not value.unit
    assert any(v.unit in TOKEN_UNITS for v in values.values())


def assert_broken_named_once_with_units(pid: str, ctx: ModelContext) -> None:
    """The broken twin is VIOLATED; its counterexample names each value once, some in token units."""
    result = run(JobKind.BROKEN, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (pid, result.reason)
    example = result.counterexample
    assert example is not None and example.values
    names = [v.name for v in example.values]
    assert len(names) == len(set(names)), "every counterexample value is named once"
    in_units = [v for v in example.values if v.unit]
    assert in_units, f"{pid}: the counterexample names no value in token units"
    for value in in_units:
        assert value.display.endswith(value.unit) and value.decimals >= 0


def assert_loop_by_induction(pid: str, ctx: ModelContext) -> None:
    names = [ob.name for ob in checker(pid).check(ctx)]
    assert any("base" in n for n in names), names
    assert any("step" in n for n in names), names
    assert all(ob.bound is None for ob in checker(pid).check(ctx)), "no unrolled (bounded) obligation"


def assert_tied_to_the_extracted_code(pid: str, ties: tuple[str, ...], code_ctx: ModelContext) -> None:
    """PROVED on the real prove-stage context, through each named code == model tie and the code's own
    overflow/underflow obligations."""
    result = run(JobKind.SHIPPED, pid, code_ctx)
    assert_model_proved(result)
    names = [o.name for o in result.obligations]
    for tie in ties:
        assert any(n.startswith(tie) for n in names), (tie, names)
    assert any(": no " in n for n in names), "the code's own overflow/underflow checks are obligations too"


def assert_broken_disagrees_with_the_code(pid: str, code_ctx: ModelContext) -> None:
    result = run(JobKind.BROKEN, pid, code_ctx)
    ties = [o for o in result.obligations if "(code) == model" in o.name]
    assert ties and any(tie.verdict is Verdict.VIOLATED for tie in ties), [(t.name, t.verdict) for t in ties]


def values_of(result: PropertyResult) -> dict[str, TokenValue]:
    """The result's counterexample, by value name."""
    example = result.counterexample
    assert example is not None, result
    return {v.name: v for v in example.values}


def obligation_values(result: PropertyResult, obligation_part: str = "") -> dict[str, TokenValue]:
    """The counterexample of the first obligation whose name contains ``obligation_part``, by value name."""
    for ob in result.obligations:
        if ob.counterexample is not None and obligation_part in ob.name:
            return {v.name: v for v in ob.counterexample.values}
    raise AssertionError(f"no counterexample in an obligation matching {obligation_part!r}")
