"""The checks every property with code obligations passes (``test_code_shipped.py`` runs them by id): PROVED
on the shipped contracts with every target executed, VIOLATED on its broken code twin with a concrete
counterexample.

The shipped context and every twin's context are compiled and lowered once, then cached under
``build/prover-cache`` by a hash of the sources and the prover (``vaultproof.prover.context``); a twin is
the project with its one declared edit, compiled without the optimizer.
"""

from __future__ import annotations

import tomllib

from properties import REGISTRY
from tests.models.helpers import ROOT, checker, run
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind
from vaultproof.results import Verdict

MUTANTS = tomllib.loads((ROOT / "properties" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]


def with_code(family: str | None = None) -> list[str]:
    """Ids of the properties (of ``family``, or all) whose checker declares code obligations."""
    return sorted(
        p.id
        for p in REGISTRY.model_properties()
        if checker(p.id).code is not None and (family is None or p.family == family)
    )


def assert_shipped_code_proved(pid: str, shipped: ModelContext, summarised: str = "") -> None:
    """Every obligation PROVED, code ones among them, with executed lines; PROVED covering every target, or —
    when a declared target is only summarised, not executed — MODEL-ONLY with exactly ``summarised``."""
    result = run(JobKind.SHIPPED, pid, shipped)
    code = [o for o in result.obligations if o.name.startswith("code:")]
    assert code and all(o.verdict is Verdict.PROVED for o in result.obligations), [
        (o.name, o.verdict, o.reason) for o in result.obligations if o.verdict is not Verdict.PROVED
    ]
    assert result.executed_lines
    if summarised:
        # the named targets, then (for a declared pending reason) why, in parentheses
        assert result.verdict is Verdict.MODEL_ONLY
        assert result.reason == summarised or result.reason.startswith(summarised + " ("), result.reason
        return
    if checker(pid).code_pending:  # code obligations that hold but, declared, do not cover the claim yet
        assert result.verdict is Verdict.MODEL_ONLY
        assert result.reason.startswith("code obligations hold; not yet on code:"), result.reason
        return
    assert result.verdict is Verdict.PROVED, result.reason
    assert set(REGISTRY.properties[pid].targets) <= set(result.executed)


def assert_code_twin_violated(pid: str, in_usdc: bool = True) -> None:
    """VIOLATED on the twin, the counterexample naming the entry point's arguments and storage before and
    after (in USDC unless ``in_usdc`` is False: a twin whose values are raw integers only)."""
    twin = checker(pid).code_twin
    assert twin is not None
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    result = run(JobKind.BROKEN_CODE, pid, ctx)
    assert result.verdict is Verdict.VIOLATED, (
        pid,
        result.reason,
        [(o.name, o.verdict) for o in result.obligations],
    )
    example = result.counterexample
    assert example is not None and example.obligation.startswith("code:")
    names = [v.name for v in example.values]
    assert any("(argument)" in n for n in names), names  # the entry point's arguments
    assert any(" before" in n for n in names) and any(" after" in n for n in names)  # storage before/after
    if in_usdc:
        assert any(v.unit == "USDC" for v in example.values)
