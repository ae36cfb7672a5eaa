"""Constants from the contracts (params.py) and SlithIR → Z3 extraction (extract.py), on small snippets.

The fixture project ``tests/fixtures/extract`` is compiled once per module (about two seconds). Every
extracted function is checked against an independent Z3 statement of what Solidity 0.8 does with it,
through the real solver boundary (``solver.discharge``), so a wrong translation fails a test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import z3

from vaultproof import config
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.errors import RegistryError, VaultproofError
from vaultproof.prover.extract import (
    ExtractedFunction,
    ExtractionError,
    ModelOutput,
    PureFunctionIR,
    UnsupportedFunction,
    equivalence_obligation,
    extract_function,
    extract_library_functions,
    extracted,
    instantiate,
    safety_obligations,
)
from vaultproof.prover.obligation import ModelContext, Obligation, Quantity
from vaultproof.prover.params import extract_params, extract_params_report
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "extract"
SETTINGS = SolverSettings()
U256 = 2**256


@pytest.fixture(scope="module")
def project() -> CompiledProject:
    return compile_project(config.load(FIXTURE))


@pytest.fixture(scope="module")
def functions(project: CompiledProject) -> dict[str, PureFunctionIR | UnsupportedFunction]:
    return extract_library_functions(project)


def fn(functions: dict[str, Any], name: str, prefix: str | None = None) -> ExtractedFunction:
    entry = functions[f"ExtractMath.{name}"]
    assert isinstance(entry, PureFunctionIR), getattr(entry, "reason", entry)
    return instantiate(entry, prefix=prefix)


def verdict(ob: Obligation) -> Verdict:
    return discharge(ob, SETTINGS).verdict


def equiv(code: ExtractedFunction, model: Callable[..., Any], ranges: Sequence[z3.BoolRef] = ()) -> Verdict:
    return verdict(equivalence_obligation(code, model, ranges))


# ---------------------------------------------------------------------------------------------- params


def test_params_fold_every_integer_constant(project: CompiledProject) -> None:
    params = extract_params(project)
    assert params["ExtractMath.BPS"] == 10_000  # 10_000 with an underscore
    assert params["ExtractMath.PPM"] == 1_000_000  # 1e6
    assert params["ExtractMath.VERSION"] == 1  # uint8
    assert params["ExtractMath.MAX96"] == 2**96 - 1  # type(uint96).max
    assert params["ExtractMath.WAD"] == 10**18  # 10 ** 18
    assert params["ExtractMath.NEG"] == -5  # unary minus on int256
    assert params["ExtractMath.DERIVED"] == 20_001  # BPS * 2 + 1, through another constant
    assert params["OtherMath.K"] == 7
    assert params["ExtractUser.FEE_BPS"] == 30  # contract constant
    assert params["ExtractUser.cap"] == 5_000_000  # immutable with a literal initializer


def test_params_skip_non_integers_and_are_deterministic(project: CompiledProject) -> None:
    params = extract_params(project)
    assert "ExtractMath.NOT_AN_INT" not in params  # an address constant
    assert "ExtractUser.total" not in params  # a plain state variable
    assert list(params) == sorted(params)
    assert extract_params(project) == params
    assert extract_params_report(project).skipped == {}


def test_model_context_param_missing_is_an_error() -> None:
    with pytest.raises(RegistryError, match=r"LockMath\.PPM"):
        ModelContext(params={"X.Y": 1}).param("LockMath.PPM")


# ---------------------------------------------------------------------------------------------- lowering


def test_library_functions_are_keyed_by_name_and_signature(functions: dict[str, Any]) -> None:
    assert "ExtractMath.mulDivDown" in functions
    assert "ExtractMath.mulDivDown(uint256,uint256,uint256)" in functions
    assert list(functions) == sorted(functions)
    # only library internal pure functions: the contract's external function is not there
    assert not any(k.startswith("ExtractUser.") for k in functions)


def test_unsupported_loop_is_rejected_with_function_and_ir(
    project: CompiledProject, functions: dict[str, Any]
) -> None:
    entry = functions["ExtractMath.loopSum"]
    assert isinstance(entry, UnsupportedFunction)
    assert "ExtractMath.loopSum" in entry.reason and "loop" in entry.reason
    with pytest.raises(ExtractionError, match=r"ExtractMath\.loopSum.*loop"):
        extract_function(project, "ExtractMath.loopSum")


def test_unsupported_bitwise_is_rejected(project: CompiledProject, functions: dict[str, Any]) -> None:
    with pytest.raises(ExtractionError, match=r"cannot extract ExtractMath\.bitAnd .*a & b.*Binary &"):
        extract_function(project, "ExtractMath.bitAnd")
    ctx = ModelContext(functions=functions)
    with pytest.raises(VaultproofError, match="bitAnd"):  # asking a context for it raises the same reason
        extracted(ctx, "ExtractMath.bitAnd")
    with pytest.raises(RegistryError, match="not extracted"):
        extracted(ctx, "ExtractMath.noSuchFunction")


def test_lowered_functions_are_picklable(functions: dict[str, Any]) -> None:
    import pickle

    assert pickle.loads(pickle.dumps(functions)) == functions


# ---------------------------------------------------------------------------------------------- semantics


def test_mul_div_down_and_its_revert_checks(functions: dict[str, Any]) -> None:
    code = fn(functions, "mulDivDown")
    assert equiv(code, lambda a, b, c: (a * b) / c) is Verdict.PROVED
    assert equiv(code, lambda a, b, c: (a * b + c - 1) / c) is Verdict.VIOLATED  # rounding up is different
    kinds = [c.kind for c in code.checks]
    assert kinds == ["overflow", "division-by-zero"]
    a, b, c = code.args
    # reverts exactly on overflow of a*b or c == 0
    exact = z3.Or(a * b >= U256, c == 0)
    assert (
        verdict(equivalence_obligation(code, lambda *x: ModelOutput(((a * b) / c,), exact))) is Verdict.PROVED
    )
    by_zero = [o for o in safety_obligations(code) if "division-by-zero" in o.name]
    assert len(by_zero) == 1 and verdict(by_zero[0]) is Verdict.VIOLATED
    assert all(
        verdict(o) is Verdict.PROVED for o in safety_obligations(code, [c > 0, a < 2**100, b < 2**100])
    )


def test_ternary_and_if_else_min_max(functions: dict[str, Any]) -> None:
    assert equiv(fn(functions, "minOf"), lambda a, b: z3.If(a < b, a, b)) is Verdict.PROVED
    assert equiv(fn(functions, "minOf"), lambda a, b: z3.If(a > b, a, b)) is Verdict.VIOLATED
    assert equiv(fn(functions, "maxIf"), lambda a, b: z3.If(a > b, a, b)) is Verdict.PROVED


def test_tuple_returns_with_early_returns(functions: dict[str, Any]) -> None:
    code = fn(functions, "split")

    def model(amount: Any, free: Any, iso: Any) -> tuple[Any, ...]:
        lock = z3.If(free >= amount, amount, free)
        return (
            z3.Or(z3.Not(iso), free >= amount),
            z3.If(iso, z3.If(free >= amount, amount, 0), lock),
            z3.If(iso, 0, amount - lock),
        )

    assert equiv(code, model) is Verdict.PROVED
    assert code.return_names == ("ok", "toLock", "rest")
    assert verdict(equivalence_obligation(code, lambda a, f, i: (z3.BoolVal(True), a, 0))) is Verdict.VIOLATED


def test_variable_exponent_scaling_reverts_above_18_decimals(functions: dict[str, Any]) -> None:
    code = fn(functions, "scale")
    amount, decimals = code.args
    table: Any = z3.IntVal(1)
    for k in range(18, -1, -1):
        table = z3.If(decimals == k, 10 ** (18 - k), table)
    reverts = z3.Or(decimals > 18, z3.And(decimals <= 18, amount * table >= U256))
    assert (
        verdict(equivalence_obligation(code, lambda a, d: ModelOutput((a * table,), reverts)))
        is Verdict.PROVED
    )
    # `18 - decimals` is uint8 arithmetic: its underflow is the first check
    assert code.checks[0].kind == "underflow"


def test_constant_exponent_power(functions: dict[str, Any]) -> None:
    code = fn(functions, "cube")
    assert equiv(code, lambda x: x * x * x) is Verdict.PROVED
    (x,) = code.args
    assert (
        verdict(equivalence_obligation(code, lambda *_: ModelOutput((x * x * x,), x * x * x >= U256)))
        is Verdict.PROVED
    )


def test_uint8_arithmetic_overflows_at_255(functions: dict[str, Any]) -> None:
    code = fn(functions, "incr8")
    (d,) = code.args
    ob = equivalence_obligation(code, lambda *_: ModelOutput((d + 1,), d == 255))
    assert verdict(ob) is Verdict.PROVED


def test_narrowing_cast_truncates_and_is_flagged(functions: dict[str, Any]) -> None:
    code = fn(functions, "narrow")
    (x,) = code.args
    assert equiv(code, lambda v: v % 2**128) is Verdict.PROVED
    assert [t.kind for t in code.truncations] == ["narrowing"]
    narrowing = safety_obligations(code, kinds=("narrowing",))
    assert len(narrowing) == 1 and verdict(narrowing[0]) is Verdict.VIOLATED
    assert verdict(safety_obligations(code, [x < 2**128], kinds=("narrowing",))[0]) is Verdict.PROVED


def test_require_guards_a_narrowing(functions: dict[str, Any]) -> None:
    code = fn(functions, "checkedNarrow")
    (_x,) = code.args
    assert verdict(equivalence_obligation(code, lambda v: ModelOutput((v,), v > 2**96 - 1))) is Verdict.PROVED
    assert [c.kind for c in code.checks] == ["require"]
    # the cast after the require is unreachable with a value that does not fit: PROVED, not VACUOUS
    assert verdict(safety_obligations(code, kinds=("narrowing",))[0]) is Verdict.PROVED


def test_internal_and_library_calls_are_inlined(functions: dict[str, Any]) -> None:
    helper = fn(functions, "useHelper")
    assert equiv(helper, lambda a, b: z3.If(a < b, a, b) + 10_000) is Verdict.PROVED
    pair = fn(functions, "usePair")
    (_a,) = pair.args
    assert (
        verdict(equivalence_obligation(pair, lambda v: ModelOutput((v,), z3.BoolVal(False))))
        is Verdict.PROVED
    )
    other = fn(functions, "crossLibrary")
    assert equiv(other, lambda v: v / 2 + 7) is Verdict.PROVED


def test_unchecked_subtraction_wraps(functions: dict[str, Any]) -> None:
    code = fn(functions, "wrapSub")
    assert code.checks == ()
    _a, _b = code.args
    assert equiv(code, lambda x, y: z3.If(x >= y, x - y, x - y + U256)) is Verdict.PROVED


def test_signed_division_truncates_toward_zero(functions: dict[str, Any]) -> None:
    code = fn(functions, "signedHalf")
    (a,) = code.args
    ob = equivalence_obligation(code, lambda v: z3.If(v >= 0, v / 2, -((-v) / 2)))
    assert verdict(ob) is Verdict.PROVED
    # concretely: -3 / 2 == -1 in Solidity (Z3's Int division would give -2)
    point = equivalence_obligation(code, lambda v: z3.IntVal(-1), [a == -3])
    assert verdict(point) is Verdict.PROVED


def test_uint_to_int_conversion_wraps(functions: dict[str, Any]) -> None:
    code = fn(functions, "toSigned")
    assert equiv(code, lambda v: z3.If(v >= 2**255, v - U256, v)) is Verdict.PROVED


def test_boolean_operators_and_custom_revert(functions: dict[str, Any]) -> None:
    assert (
        equiv(fn(functions, "boolOps"), lambda a, b: z3.And(a != b, z3.Or(a > 1, b <= 2))) is Verdict.PROVED
    )
    code = fn(functions, "customRevert")
    (_a,) = code.args
    assert [c.kind for c in code.checks] == ["revert", "underflow"]
    assert verdict(equivalence_obligation(code, lambda v: ModelOutput((v - 10,), v < 10))) is Verdict.PROVED


def test_literal_arithmetic_is_folded_exactly(functions: dict[str, Any]) -> None:
    code = fn(functions, "literalFold")
    assert equiv(code, lambda: z3.IntVal(25 * 10**16)) is Verdict.PROVED


def test_equivalence_is_vacuous_when_every_input_reverts(functions: dict[str, Any]) -> None:
    code = fn(functions, "customRevert")
    (a,) = code.args
    ob = equivalence_obligation(code, lambda v: z3.IntVal(0), [a < 10])  # every input in range reverts
    assert verdict(ob) is Verdict.VACUOUS


# ---------------------------------------------------------------------------------------------- solver


def _obligation(assumptions: Sequence[z3.BoolRef], goal: z3.BoolRef, witness: z3.BoolRef) -> Obligation:
    x = z3.Int("x")
    return Obligation("t", tuple(assumptions), goal, witness, (Quantity("x", x, 6, "USDC"),))


def test_discharge_unreachable_witness_is_vacuous() -> None:
    x = z3.Int("x")
    result = discharge(_obligation([x >= 0, x < 10], x < 10, x > 100), SETTINGS)
    assert result.verdict is Verdict.VACUOUS


def test_discharge_timeout_is_unknown_never_proved() -> None:
    # factor a 128-bit semiprime over Int: hopeless in 1 ms
    p, q = 18446744073709551557, 18446744073709551533
    x, y, z = z3.Ints("x y z")
    hard = Obligation(
        "factor",
        (x > 1, y > 1, x < p * q, y < p * q, z == x * y),
        z != p * q,
        z3.BoolVal(True),
        (Quantity("x", x), Quantity("y", y)),
    )
    result = discharge(hard, SolverSettings(timeout_ms=1))
    assert result.verdict is Verdict.UNKNOWN
    assert "timeout" in result.reason or "unknown" in result.reason


def test_discharge_counterexample_is_in_token_units() -> None:
    x = z3.Int("x")
    result = discharge(_obligation([x == 1_500_000], x < 1_000_000, z3.BoolVal(True)), SETTINGS)
    assert result.verdict is Verdict.VIOLATED and result.counterexample is not None
    (value,) = result.counterexample.values
    assert (value.name, value.raw, value.display) == ("x", 1_500_000, "1.5 USDC")


def test_discharge_counterexample_does_not_depend_on_history() -> None:
    """Each obligation is solved in a fresh Z3 context (SPEC §4.2): earlier terms cannot change the model."""

    def build() -> Obligation:
        a, b = z3.Ints("a b")
        return Obligation(
            "order",
            (a >= 0, b >= 0, a < 10**6, b < 10**6),
            a * 3 + b * 7 != 1_000,
            z3.BoolVal(True),
            (Quantity("a", a, 6, "USDC"), Quantity("b", b, 6, "USDC")),
        )

    first = discharge(build(), SETTINGS)
    noise = [z3.Int(f"noise{i}") * (i + 1) + 7 for i in range(500)]  # shifts every later term id
    assert noise
    second = discharge(build(), SETTINGS)
    assert first.verdict is second.verdict is Verdict.VIOLATED
    assert first.counterexample == second.counterexample
