"""CONV, DEBT and LIQ: shipped models PROVED, broken variants VIOLATED, seed findings with their numbers.

Most tests run against a hand-built ``ModelContext`` (the constants the contracts state), so they take
seconds. The tie-to-code tests need the SlithIR of the pure libraries: they compile the project once
and cache the lowered functions under ``build/`` keyed by the sources they depend on.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from properties import REGISTRY
from vaultproof.bench import cached_context
from vaultproof.config import load
from vaultproof.errors import RegistryError
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import PropertyResult, TokenValue, Verdict

ROOT = Path(__file__).resolve().parents[2]
MINE = [p for p in REGISTRY.properties if p.split("-")[0] in ("CONV", "DEBT", "LIQ")]
SETTINGS = SolverSettings(timeout_ms=20_000)

# The constants the contracts state (checked against the real extraction in test_params_match_contracts).
PARAMS: dict[str, int] = {
    "CollateralMath.BPS": 10_000,
    "BalanceManagerVault.BPS": 10_000,
    "BalanceManagerVault.MAX_COLLATERALS": 8,
    "QuantumRiskEngine.MAX_COLLATERALS": 8,
    "LockMath.MAX_COLLATERAL_DECIMALS": 18,
    "LiquidationMath.PPM": 1_000_000,
}


@pytest.fixture(scope="module")
def ctx() -> ModelContext:
    return ModelContext(params=PARAMS)


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


def _values(result: PropertyResult, obligation_part: str = "") -> dict[str, TokenValue]:
    for ob in result.obligations:
        if ob.counterexample is not None and obligation_part in ob.name:
            return {v.name: v for v in ob.counterexample.values}
    raise AssertionError(f"no counterexample in an obligation matching {obligation_part!r}")


def test_catalogue_declares_every_conv_debt_liq_property() -> None:
    expected = (
        {f"CONV-{i}" for i in range(1, 8)}
        | {f"DEBT-{i}" for i in range(1, 7)}
        | {f"LIQ-{i}" for i in range(1, 8)}
    )
    assert set(MINE) == expected
    for pid in MINE:
        decl = REGISTRY.properties[pid]
        assert decl.statement.startswith(pid + " "), pid
        assert decl.targets and decl.assumptions and decl.rationale
        assert ".txt" in decl.seed
    assert {
        "DEBT-1.v1-silent-drop",
        "LIQ-5.seed-case3-fill",
        "LIQ-5.seed-case3-fee",
        "LIQ-5.seed-case2-sign",
    } <= set(REGISTRY.seed_findings)


@pytest.mark.parametrize("pid", MINE)
def test_shipped_model_is_proved(pid: str, ctx: ModelContext) -> None:
    _assert_model_proved(_run(JobKind.SHIPPED, pid, ctx))


@pytest.mark.parametrize("pid", MINE)
def test_broken_variant_is_violated_with_token_units(pid: str, ctx: ModelContext) -> None:
    result = _run(JobKind.BROKEN, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (pid, result.reason)
    example = result.counterexample
    assert example is not None and example.values
    names = [v.name for v in example.values]
    assert len(names) == len(set(names)), "every counterexample value is named once"
    in_units = [v for v in example.values if v.unit]
    assert in_units, f"{pid}: the counterexample names no value in token units"
    for value in in_units:
        assert value.display.endswith(value.unit) and value.decimals >= 0


LOOPS = [
    "CONV-1",
    "CONV-2",
    "CONV-4",
    "CONV-7",
    "DEBT-1",
    "DEBT-2",
    "DEBT-3",
    "DEBT-4",
    "DEBT-5",
    "DEBT-6",
    "LIQ-2",
    "LIQ-7",
]


@pytest.mark.parametrize("pid", LOOPS)
def test_loops_are_proved_by_base_and_step(pid: str, ctx: ModelContext) -> None:
    checker = REGISTRY.properties[pid].checker
    names = [ob.name for ob in checker.check(ctx)]  # type: ignore[union-attr]
    assert any("base" in n for n in names), names
    assert any("step" in n for n in names), names
    assert all(ob.bound is None for ob in checker.check(ctx)), "no unrolled (bounded) obligation"  # type: ignore[union-attr]


def test_debt6_has_one_obligation_per_operation(ctx: ModelContext) -> None:
    names = [ob.name for ob in REGISTRY.properties["DEBT-6"].checker.check(ctx)]  # type: ignore[union-attr]
    for op in ("deposit", "withdraw", "allocate", "release", "liquidate"):
        assert sum(n.startswith(f"step {op}:") for n in names) == 1, names
    assert any(n.startswith("base") for n in names)


def test_conv1_covers_both_decimal_cases_and_overflow(ctx: ModelContext) -> None:
    names = [ob.name for ob in REGISTRY.properties["CONV-1"].checker.check(ctx)]  # type: ignore[union-attr]
    for tag in ("base 8dp, quote 6dp, oracle 8dp", "base 18dp, quote 6dp, oracle 8dp"):
        mine = [n for n in names if tag in n]
        assert any("rounds in the protocol's favour" in n for n in mine)
        assert any(n.startswith("no-overflow qty * price * liqFactorBps * 10**quoteDecimals") for n in mine)
        assert any("level walk: step" in n for n in mine)


def test_conv1_broken_shows_floor_below_oracle_value(ctx: ModelContext) -> None:
    values = _values(_run(JobKind.BROKEN, "CONV-1", ctx), "floorPrice rounds")
    assert values["floorPrice"].unit.startswith("USDC/")
    assert values["oraclePrice"].unit == "USD" and values["oraclePrice"].decimals == 8


# ---------------------------------------------------------------------------------------------- seeds


def test_v1_silent_drop_is_violated_with_the_300_250_50_counterexample(ctx: ModelContext) -> None:
    result = _run(JobKind.SEED, "DEBT-1.v1-silent-drop", ctx)
    assert result.verdict is Verdict.VIOLATED
    values = _values(result, "deficit 300 USDC")
    expected = {
        "deficit": 300_000_000,
        "userFreeUsdc": 250_000_000,
        "fromFreeUsdc": 250_000_000,
        "fromCollateral": 0,
        "fromInsurance": 0,
        "socialized": 0,
        "recordedShortfall": 0,
        "silentlyDropped": 50_000_000,
    }
    for name, raw in expected.items():
        assert values[name].raw == raw, name
        assert (values[name].decimals, values[name].unit) == (6, "USDC")
    assert values["silentlyDropped"].display == "50 USDC"
    # the general statement is violated as well (any deficit above the free balance)
    assert sum(o.verdict is Verdict.VIOLATED for o in result.obligations) == 2


def test_seed_case3_fill_shows_4950_not_5000(ctx: ModelContext) -> None:
    result = _run(JobKind.SEED, "LIQ-5.seed-case3-fill", ctx)
    assert result.verdict is Verdict.VIOLATED
    v = _values(result)
    assert v["fillQuoteValue"].display == "4,950 USDC"
    assert v["document.fillCost"].display == "5,000 USDC"
    assert v["Carl.balanceAfter"].display == "45,524.25 USDC"
    assert v["document.Carl.balanceAfter"].display == "45,474 USDC"
    assert v["liquidatedSize"].display == "0.1 BTC"


def test_seed_case3_fee_shows_24_75_not_25(ctx: ModelContext) -> None:
    result = _run(JobKind.SEED, "LIQ-5.seed-case3-fee", ctx)
    assert result.verdict is Verdict.VIOLATED
    v = _values(result)
    assert v["fee"].raw == 24_750_000 and v["fee"].display == "24.75 USDC"
    assert v["document.fee"].display == "25 USDC"


def test_seed_case2_sign_shows_54476_and_healthy_equity(ctx: ModelContext) -> None:
    result = _run(JobKind.SEED, "LIQ-5.seed-case2-sign", ctx)
    assert result.verdict is Verdict.VIOLATED
    assert all(o.verdict is Verdict.VIOLATED for o in result.obligations)
    v = _values(result)
    assert v["Dave.balance"].display == "49,501 USDC"
    assert v["Dave.balanceAfter"].display == "54,476 USDC"
    assert v["document.Dave.balanceAfter"].display == "-44,526 USDC"
    assert v["Dave.equityBefore"].display == "99,501 USDC"


def test_liq5_reproduces_the_cases_from_their_inputs(ctx: ModelContext) -> None:
    import z3

    from models.liq import CASES, case_terms
    from vaultproof.spec import Scope

    expected = {
        0: ("1 BTC", "249 USDC", "100,000 USDC", "250 USDC"),
        1: ("0.1 BTC", "-44,526 USDC", "95,000 USDC", "25 USDC"),
        2: ("0.1 BTC", "45,524.25 USDC", "54,950 USDC", "24.75 USDC"),
    }
    from vaultproof.prover.solver import format_units

    for index, case in enumerate(CASES):
        s = Scope()
        t = case_terms(s, case, PARAMS["LiquidationMath.PPM"])
        solver = z3.Solver()
        solver.add(*s.assumptions)
        assert solver.check() == z3.sat
        model = solver.model()

        def show(term: z3.ArithRef, dec: int, unit: str, model: z3.ModelRef = model) -> str:
            return format_units(model.eval(term).as_long(), dec, unit)

        got = (
            show(t.size, 8, "BTC"),
            show(t.balance_after, 6, "USDC"),
            show(t.counterparty_after, 6, "USDC"),
            show(t.insurance_delta, 6, "USDC"),
        )
        assert got == expected[index], case.name


def test_liq6_broken_fee_at_the_cap_breaks_the_bankruptcy_line(ctx: ModelContext) -> None:
    result = _run(JobKind.BROKEN, "LIQ-6", ctx)
    v = _values(result, "keeps at least")
    assert v["fee"].raw > v["insuranceDelta"].raw > 0, "the broken fee exceeds d"
    assert v["tncAfter"].unit == "USDC" and v["tncAfter"].decimals == 6


def test_liq7_broken_limit_is_exceeded_in_token_units(ctx: ModelContext) -> None:
    result = _run(JobKind.BROKEN, "LIQ-7", ctx)
    v = _values(result, "stays within")
    assert v["insuranceLostAfter"].raw > v["maxQuantumsInsuranceLost"].raw
    assert v["insuranceLostAfter"].display.endswith(" USDC")


def test_liq_fill_walk_is_an_induction(ctx: ModelContext) -> None:
    names = [ob.name for ob in REGISTRY.properties["LIQ-1"].checker.check(ctx)]  # type: ignore[union-attr]
    assert any(n.startswith("fill walk: base") for n in names)
    assert any(n.startswith("fill walk: step") for n in names)


# ---------------------------------------------------------------------------------------------- params


def test_models_read_contract_numbers_through_ctx_param() -> None:
    with pytest.raises(RegistryError, match=r"CollateralMath\.BPS"):
        _run(JobKind.SHIPPED, "CONV-1", ModelContext(params={}))


def test_a_changed_constant_changes_the_verdict(ctx: ModelContext) -> None:
    # a vault loop bound below what the QRE can enable would skip collaterals: CONV-4 must notice
    shrunk = ModelContext(params={**PARAMS, "BalanceManagerVault.MAX_COLLATERALS": 4})
    result = _run(JobKind.SHIPPED, "CONV-4", shrunk)
    assert result.verdict is Verdict.VIOLATED


# ---------------------------------------------------------------------------------------------- code ties


@pytest.fixture(scope="module")
def code_ctx() -> ModelContext:
    """The real prove-stage context (extracted constants and lowered library functions), cached under
    build/prover-cache by a hash of the contracts (compiles once, ~15 s, when they change)."""
    return cached_context(load(ROOT))


def test_params_match_contracts(code_ctx: ModelContext) -> None:
    extracted: Mapping[str, int] = code_ctx.params
    for key, value in PARAMS.items():
        assert extracted[key] == value, key


TIES = {
    "CONV-1": ("CollateralMath.minProceeds (code) == model", "CollateralMath.floorPrice (code) == model"),
    "CONV-3": ("DeficitMath.payToInsurance (code) == model",),
    "DEBT-1": ("DeficitMath.takeFree (code) == model", "DeficitMath.payToInsurance (code) == model"),
    "LIQ-1": (
        "LiquidationMath.liquidationNotional (code) == model",
        "LiquidationMath.adjustedBankruptcyRating (code) == model",
        "LiquidationMath.fillablePrice (code) == model",
    ),
    "LIQ-3": ("LiquidationMath.liquidationFee (code) == model",),
    "LIQ-6": (
        "LiquidationMath.bankruptcyShare (code) == model",
        "LiquidationMath.insuranceDelta (code) == model",
        "LiquidationMath.feeFromDelta (code) == model",
    ),
    "LIQ-7": ("LiquidationMath.admitFill (code) == model",),
}


@pytest.mark.parametrize("pid", sorted(TIES))
def test_models_are_proved_equal_to_the_extracted_code(pid: str, code_ctx: ModelContext) -> None:
    result = _run(JobKind.SHIPPED, pid, code_ctx)
    _assert_model_proved(result)
    names = [o.name for o in result.obligations]
    for tie in TIES[pid]:
        assert any(n.startswith(tie) for n in names), (tie, names)
    assert any(": no " in n for n in names), "the code's own overflow/underflow checks are obligations too"


@pytest.mark.parametrize("pid", ["CONV-3", "LIQ-1", "LIQ-3", "LIQ-6", "LIQ-7"])
def test_broken_model_disagrees_with_the_code(pid: str, code_ctx: ModelContext) -> None:
    result = _run(JobKind.BROKEN, pid, code_ctx)
    ties = [o for o in result.obligations if "(code) == model" in o.name]
    assert ties and any(tie.verdict is Verdict.VIOLATED for tie in ties), [(t.name, t.verdict) for t in ties]
