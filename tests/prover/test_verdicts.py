"""Verdict composition: PROVED needs the code; MODEL-ONLY names what was not executed; rejections are ERROR.

A one-contract registry built here (no compilation): obligations mark the functions they executed, the
runner composes the verdict from the obligations' answers and the declared targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import z3

from tests.fixtures.decls import stub_decl
from vaultproof.errors import RegistryError
from vaultproof.prover.coverage import on_code
from vaultproof.prover.extract import ExtractionError
from vaultproof.prover.obligation import ModelContext, Obligation, Quantity
from vaultproof.prover.registry import CodeTwin, ModelChecker, PropertyDecl, Registry
from vaultproof.prover.runner import Job, JobKind, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import FunctionRef, LineHits, PropertyResult, Verdict

PAY = FunctionRef("Fund", "pay")
ROOM = FunctionRef("Fund", "room")
TWIN = CodeTwin("contracts/Fund.sol", "if (paid > room) paid = room;", "", "the cap is not applied")
SETTINGS = SolverSettings()
CODE = object()  # stands for a lowered program: the code checks below build their terms themselves


def _holds(name: str, executed: Sequence[FunctionRef] = (), lines: Sequence[LineHits] = ()) -> Obligation:
    x = z3.Int("x")
    # a goal that needs its assumptions (``x + 1 > x`` would be a TAUTOLOGY: it holds by simplification)
    ob = Obligation(name, (x >= 0, x < 100), x + 1 > 0, x > 3, (Quantity("x", x, 6, "USDC"),))
    return on_code([ob], executed, lines)[0]


def _fails(name: str, executed: Sequence[FunctionRef]) -> Obligation:
    x = z3.Int("x")
    ob = Obligation(name, (x >= 0, x < 100), x < 50, x > 3, (Quantity("x", x, 6, "USDC"),))
    return on_code([ob], executed)[0]


def _registry(code: Callable[[ModelContext], Sequence[Obligation]] | None, pending: str = "") -> Registry:
    checker = ModelChecker(
        check=lambda ctx: [_holds("model")], broken=lambda ctx: [_fails("model", ())], broken_description="d"
    )
    if code is not None:
        checker = checker.with_code(code, TWIN)
    if pending:
        checker = checker.pending(pending)
    registry = Registry()
    registry.register(stub_decl(id="FUND-1", targets=(PAY, ROOM), checker=checker))
    return registry


def _run(registry: Registry, kind: JobKind = JobKind.SHIPPED, code: object | None = CODE) -> PropertyResult:
    result = run_job(registry, Job(kind, "FUND-1"), ModelContext(code=code), SETTINGS)
    assert isinstance(result, PropertyResult)
    return result


def test_proved_needs_every_target_executed_on_code() -> None:
    lines = (LineHits("contracts/Fund.sol", (10, 11)),)
    result = _run(_registry(lambda ctx: [_holds("code: pay", (PAY,), lines), _holds("code: room", (ROOM,))]))
    assert result.verdict is Verdict.PROVED, result.reason
    assert result.executed == (PAY, ROOM)
    assert result.executed_lines == lines
    assert [o.name for o in result.obligations] == ["model", "code: pay", "code: room"]


def test_a_proved_model_without_code_is_model_only_naming_the_targets() -> None:
    result = _run(_registry(None, pending="Fund is being rewritten"))
    assert result.verdict is Verdict.MODEL_ONLY
    assert result.reason == "not executed on code: Fund.pay, Fund.room (Fund is being rewritten)"
    assert all(o.verdict is Verdict.PROVED for o in result.obligations)


def test_a_target_left_unexecuted_is_model_only() -> None:
    result = _run(_registry(lambda ctx: [_holds("code: pay", (PAY,))]))
    assert result.verdict is Verdict.MODEL_ONLY
    assert result.reason == "not executed on code: Fund.room"
    assert result.executed == (PAY,)


def test_code_obligations_without_lowered_code_are_model_only() -> None:
    result = _run(_registry(lambda ctx: [_holds("code", (PAY, ROOM))]), code=None)
    assert result.verdict is Verdict.MODEL_ONLY
    assert "the code was not lowered into this context" in result.reason


def test_a_violated_code_obligation_is_the_verdict() -> None:
    result = _run(_registry(lambda ctx: [_fails("code: cap", (PAY, ROOM))]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is not None and result.counterexample.values[0].unit == "USDC"


def test_an_unsupported_target_is_an_error_with_the_executors_reason() -> None:
    def rejects(ctx: ModelContext) -> list[Obligation]:
        raise ExtractionError("cannot execute Fund.room (contracts/Fund.sol:12): inline assembly\n  `mstore`")

    result = _run(_registry(rejects))
    assert result.verdict is Verdict.ERROR
    assert result.reason == "cannot execute Fund.room (contracts/Fund.sol:12): inline assembly `mstore`"


def test_the_broken_code_job_runs_only_the_code_obligations() -> None:
    result = _run(_registry(lambda ctx: [_fails("code: cap", (PAY, ROOM))]), kind=JobKind.BROKEN_CODE)
    assert result.verdict is Verdict.VIOLATED
    assert [o.name for o in result.obligations] == ["code: cap"]
    with pytest.raises(RegistryError, match="declares no code obligations"):
        _run(_registry(None), kind=JobKind.BROKEN_CODE)


def test_code_obligations_need_a_broken_code_twin() -> None:
    registry = Registry()
    checker = ModelChecker(
        check=lambda ctx: [], broken=lambda ctx: [], broken_description="d", code=lambda c: []
    )
    decl = stub_decl(id="FUND-2", targets=(PAY,), checker=checker)
    with pytest.raises(RegistryError, match="broken code twin"):
        registry.register(decl)
    same = CodeTwin("contracts/Fund.sol", "x", "x", "no edit")
    with pytest.raises(RegistryError, match="real edit"):
        registry.register(PropertyDecl(**{**decl.__dict__, "checker": checker.with_code(lambda c: [], same)}))


def test_the_deployment_map_is_declared_once_and_checked() -> None:
    registry = Registry()
    registry.deploy({"Vault.fund": "Fund"})
    assert registry.deployment == {"Vault.fund": "Fund"}
    with pytest.raises(RegistryError, match="declared twice"):
        registry.deploy({"Vault.fund": "Fund"})
    registry.validate_deployment([("Vault", "f"), ("Fund", "pay")])
    with pytest.raises(RegistryError, match="not compiled: Fund"):
        registry.validate_deployment([("Vault", "f")])
    with pytest.raises(RegistryError, match=r"not 'Contract\.variable'"):
        Registry().deploy({"fund": "Fund"})
