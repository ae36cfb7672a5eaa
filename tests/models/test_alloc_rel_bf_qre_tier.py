"""ALLOC, REL, BF, QRE, TIER: shipped models PROVED, broken variants VIOLATED with named counterexamples in
token units, the BF-2 seed finding with its story, and the tie to the code (SPEC §4.4).

The context is built from the REAL pure libraries (``contracts/libraries``): they are copied into a
temporary project with deliberately mutated copies of LockMath and MarginTable, compiled once (a few
seconds), and their constants and SlithIR feed the models exactly as ``vaultproof prove`` does.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from properties import REGISTRY
from vaultproof import config
from vaultproof.compile import compile_project
from vaultproof.errors import RegistryError
from vaultproof.prover.extract import extract_library_functions
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.params import extract_params
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import PropertyResult, TokenValue, Verdict

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("ALLOC", "REL", "BF", "QRE", "TIER")
MINE = sorted(p for p in REGISTRY.properties if p.split("-")[0] in FAMILIES)
SETTINGS = SolverSettings(timeout_ms=20_000)
TOKEN_UNITS = {"USDC", "USD", "WBTC", "WETH", "MON", "token units", "ppm", "bps", "USDC-units×SCALE", "x"}
EXPECTED = [
    *(f"ALLOC-{i}" for i in range(1, 7)),
    *(f"REL-{i}" for i in range(1, 5)),
    "BF-1",
    "BF-2",
    *(f"QRE-{i}" for i in range(1, 6)),
    "TIER-1",
    "TIER-2",
]
# Properties VIOLATED on the shipped contracts (contract findings awaiting a fix). REL-2 was one until the
# vault recorded the unpaid part of a profit (unpaidProfit[user]); its pre-fix form is now the seed finding
# REL-2.unpaid-profit-dropped (test below), so the bug stays demonstrated.
CONTRACT_FINDINGS: dict[str, str] = {}


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelContext, ModelContext]:
    """(real libraries, same with LockMath.partialUnlock rounding UP) from one compilation."""
    root = tmp_path_factory.mktemp("libs")
    (root / "contracts").mkdir()
    for source in sorted((ROOT / "contracts" / "libraries").glob("*.sol")):
        shutil.copy(source, root / "contracts" / source.name)
    original = (ROOT / "contracts" / "libraries" / "LockMath.sol").read_text()
    mutant = original.replace("library LockMath", "library LockMathMutant")
    mutant, count = re.subn(
        r"return \(locked \* fractionPpm\) / PPM;", "return (locked * fractionPpm + PPM - 1) / PPM;", mutant
    )
    assert count == 1, "partialUnlock changed shape; update the mutation"
    (root / "contracts" / "LockMathMutant.sol").write_text(mutant)
    # TIER: nextDeduction drops the accumulated deduction D_{i−1} (continuity breaks from the third tier)
    tiers = (ROOT / "contracts" / "libraries" / "MarginTable.sol").read_text()
    tiers = tiers.replace("library MarginTable", "library MarginTableMutant")
    tiers, count = re.subn(r"return prevDeduction \+ lowerBound \* \(", "return lowerBound * (", tiers)
    assert count == 1, "nextDeduction changed shape; update the mutation"
    (root / "contracts" / "MarginTableMutant.sol").write_text(tiers)
    (root / "vaultproof.toml").write_text('[project]\nname = "libs"\nsources = ["contracts"]\n')
    project = compile_project(config.load(root))
    params = extract_params(project)
    functions = extract_library_functions(project)
    real = ModelContext(params=params, functions=functions)
    swapped = dict(functions)
    for key, value in functions.items():
        if key.startswith("LockMathMutant."):
            swapped["LockMath." + key.split(".", 1)[1]] = value
    return real, ModelContext(params=params, functions=swapped)


@pytest.fixture(scope="module")
def ctx(contexts: tuple[ModelContext, ModelContext]) -> ModelContext:
    return contexts[0]


@pytest.fixture(scope="module")
def tier_mutated(ctx: ModelContext) -> ModelContext:
    """The real libraries with MarginTable replaced by the copy whose nextDeduction drops D_{i−1}."""
    swapped = dict(ctx.functions)
    for key, value in ctx.functions.items():
        if key.startswith("MarginTableMutant."):
            swapped["MarginTable." + key.split(".", 1)[1]] = value
    return ModelContext(params=ctx.params, functions=swapped)


def _run(kind: JobKind, decl_id: str, context: ModelContext) -> PropertyResult:
    result = run_job(REGISTRY, Job(kind, decl_id), context, SETTINGS)
    assert isinstance(result, PropertyResult)
    return result


def _assert_model_proved(result: PropertyResult) -> None:
    """Every model obligation PROVED. This context holds no stateful code, so the property is PROVED only if
    its obligations executed every target (pure-library ties); otherwise it is MODEL-ONLY and its reason
    names the targets not executed (the code side is tested in test_code_obligations.py)."""
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


def _values(result: PropertyResult) -> dict[str, TokenValue]:
    example = result.counterexample
    assert example is not None, result
    return {v.name: v for v in example.values}


def test_every_property_is_declared_once_with_targets() -> None:
    assert sorted(EXPECTED) == MINE
    for pid in MINE:
        decl = REGISTRY.properties[pid]
        assert decl.statement.startswith(pid + " ")
        assert decl.targets and decl.assumptions and decl.rationale
        assert ".txt" in decl.seed


def test_params_come_from_the_contracts(ctx: ModelContext) -> None:
    assert ctx.param("LockMath.PPM") == 1_000_000
    assert ctx.param("LockMath.LOCK_VERSION_STAGE7") == 1
    assert ctx.param("LockMath.MAX_COLLATERAL_DECIMALS") == 18
    assert ctx.param("CollateralMath.BPS") == 10_000
    assert ctx.param("MarginTable.SCALE") % (2 * 50) == 0


@pytest.mark.parametrize("pid", [p for p in EXPECTED if p not in CONTRACT_FINDINGS])
def test_shipped_model_is_proved(pid: str, ctx: ModelContext) -> None:
    _assert_model_proved(_run(JobKind.SHIPPED, pid, ctx))


def test_rel2_pre_fix_vault_drops_unpaid_profit(ctx: ModelContext) -> None:
    """The vault before the fix (unpaid profit recorded nowhere): REL-2 is VIOLATED on the profitable close
    with the counterexample the harness first reported — a profit the insurance fund cannot pay vanishes."""
    result = _run(JobKind.SEED, "REL-2.unpaid-profit-dropped", ctx)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name.split(":")[0] for ob in failing] == ["profitable close"]
    values = _values(result)
    assert values["pnl"].raw > 0 and values["unpaidProfit"].raw > 0
    assert values["unpaidProfit"].unit == "USDC" and values["pnl"].decimals == 6
    assert values["unpaidProfit"].raw == values["pnl"].raw - values["creditedFromInsurance"].raw
    assert values["creditedFromInsurance"].raw == values["insuranceCanPay"].raw < values["pnl"].raw
    assert values["unpaidProfitRecorded"].raw == 0  # recorded nowhere: the realised PnL shrinks
    # the counterexample first reported against the shipped vault (deterministic solver settings)
    assert (values["pnl"].display, values["insuranceCanPay"].display) == ("0.000001 USDC", "0 USDC")
    assert values["userChange"].raw + values["unpaidProfitRecorded"].raw != values["pnl"].raw
    assert REGISTRY.seed_findings["REL-2.unpaid-profit-dropped"].fixed_by == "REL-2"


def test_rel2_fixed_vault_records_the_unpaid_profit(ctx: ModelContext) -> None:
    """The shipped model proves both REL-2 obligations, and its vacuity witness is the case the pre-fix
    vault got wrong (the fund pays less than the profit), so the fix is exercised, not assumed away."""
    result = _run(JobKind.SHIPPED, "REL-2", ctx)
    _assert_model_proved(result)
    names = [ob.name for ob in result.obligations]
    assert any(name.startswith("profitable close") and "unpaidProfitRecorded" in name for name in names)


@pytest.mark.parametrize("pid", EXPECTED)
def test_broken_variant_is_violated_with_named_token_values(pid: str, ctx: ModelContext) -> None:
    result = _run(JobKind.BROKEN, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, result.reason
    values = _values(result)
    assert values and all(name.strip() for name in values)
    for value in values.values():
        assert value.display.endswith(value.unit) or not value.unit
    assert any(v.unit in TOKEN_UNITS for v in values.values())


def test_broken_counterexamples_tell_the_defect(ctx: ModelContext) -> None:
    alloc1 = _values(_run(JobKind.BROKEN, "ALLOC-1", ctx))
    assert alloc1["toLock"].raw > alloc1["freeBalance"].raw  # locked USDC the user does not have
    rel1 = _values(_run(JobKind.BROKEN, "REL-1", ctx))
    # USDC that was never locked for the position leaves the lock (unlocked or forfeited to insurance)
    assert rel1["unlocked"].raw + rel1["forfeitedToInsurance"].raw > rel1["usdcLocked"].raw
    rel4 = _values(_run(JobKind.BROKEN, "REL-4", ctx))
    assert rel4["released"].raw * 1_000_000 > rel4["locked"].raw * rel4["fractionPpm"].raw
    alloc3 = _values(_run(JobKind.BROKEN, "ALLOC-3", ctx))
    assert alloc3["succeeds"].raw == 1 and alloc3["virtualBacking"].raw > 0
    assert alloc3["equity18"].decimals == 18 and alloc3["equity18"].unit == "USD"


def test_bf2_seed_rule_is_violated_with_the_story(ctx: ModelContext) -> None:
    result = _run(JobKind.SEED, "BF-2.seed-rule", ctx)
    assert result.verdict is Verdict.VIOLATED
    v = _values(result)
    assert (v["amount"].raw, v["amount"].decimals, v["amount"].unit) == (350_000_000, 6, "USDC")
    assert v["amount"].display == "350 USDC"
    assert v["freeBalance"].raw == 0 and v["usdcLocked"].raw == 0  # new, fully virtual-backed CROSS position
    assert v["lockVersion"].raw == ctx.param("LockMath.LOCK_VERSION_STAGE7")  # written after the upgrade
    assert v["seedEffectiveLocked"].display == "350 USDC"  # the seed's rule backfills it as locked
    assert v["unlockedAtClose"].display == "350 USDC"  # its close unlocks USDC never locked for it
    assert v["otherPositionsLockedAfter"].raw == v["otherPositionsLocked"].raw - 350_000_000
    assert REGISTRY.seed_findings["BF-2.seed-rule"].fixed_by == "BF-2"


def test_a_code_change_breaks_the_proof_without_a_model_change(
    contexts: tuple[ModelContext, ModelContext],
) -> None:
    """partialUnlock rounding UP (model untouched): REL-4 fails through its equivalence obligation."""
    _real, mutated = contexts
    result = _run(JobKind.SHIPPED, "REL-4", mutated)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name for ob in failing] == ["LockMath.partialUnlock: SlithIR extraction == model"]
    values = {v.name: v for v in failing[0].counterexample.values}  # type: ignore[union-attr]
    assert values["code ret0"].raw == values["model ret0"].raw + 1


TIER_TIES = [
    f"MarginTable.{fn}: SlithIR extraction == model"
    for fn in ("validLeverage", "slope", "nextDeduction", "tierMaintenance")
]


@pytest.mark.parametrize("pid", ["TIER-1", "TIER-2"])
def test_tier_is_tied_to_the_extracted_helpers(pid: str, ctx: ModelContext) -> None:
    """The per-tier helpers the MarginTable loops call are targets, extracted, and proved equal."""
    decl = REGISTRY.properties[pid]
    targets = {t.function for t in decl.targets if t.contract == "MarginTable"}
    assert {"validLeverage", "slope", "nextDeduction", "tierMaintenance"} <= targets
    result = _run(JobKind.SHIPPED, pid, ctx)
    names = {ob.name: ob.verdict for ob in result.obligations}
    for tie in TIER_TIES:
        assert names.get(tie) is Verdict.PROVED, (tie, sorted(names))
    assert any(name.startswith("lemma: validLeverage(L)") for name in names)


@pytest.mark.parametrize("pid", ["TIER-1", "TIER-2"])
def test_a_margin_table_code_change_breaks_tier_without_a_model_change(
    pid: str, tier_mutated: ModelContext
) -> None:
    """nextDeduction without D_{i−1} (model untouched): TIER fails through the nextDeduction tie."""
    result = _run(JobKind.SHIPPED, pid, tier_mutated)
    assert result.verdict is Verdict.VIOLATED
    failing = [ob for ob in result.obligations if ob.verdict is Verdict.VIOLATED]
    assert [ob.name for ob in failing] == ["MarginTable.nextDeduction: SlithIR extraction == model"]
    values = {v.name: v for v in failing[0].counterexample.values}  # type: ignore[union-attr]
    # the code forgot exactly the previous deduction
    assert values["model ret0"].raw - values["code ret0"].raw == values["prevDeduction"].raw > 0
    assert values["prevDeduction"].unit == "USDC-units×SCALE"


def test_a_missing_parameter_is_an_error_not_a_pass(ctx: ModelContext) -> None:
    params = {k: v for k, v in ctx.params.items() if k != "LockMath.PPM"}
    with pytest.raises(RegistryError, match=r"LockMath\.PPM"):
        run_job(
            REGISTRY,
            Job(JobKind.SHIPPED, "REL-4"),
            ModelContext(params=params, functions=ctx.functions),
            SETTINGS,
        )
