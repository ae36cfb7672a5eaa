"""Every family's model, by property id: declared once with its parts, the shipped model PROVED (or
MODEL-ONLY naming the targets it does not execute), the broken twin VIOLATED with named values in token
units, loops proved by base and step. What is particular to one family is in ``test_<family>.py``.

``FAMILIES`` says what each family is checked against: the context (a ``conftest`` fixture — the real pure
libraries, or the constants the contracts state) and how its broken twin's counterexample is read.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from properties import REGISTRY
from tests.models import helpers as h
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import JobKind

FAMILIES: dict[str, tuple[list[str], str, Callable[[str, ModelContext], None]]] = {
    "ALLOC": ([f"ALLOC-{i}" for i in range(1, 7)], "libs_ctx", h.assert_broken_named_in_token_units),
    "REL": ([f"REL-{i}" for i in range(1, 5)], "libs_ctx", h.assert_broken_named_in_token_units),
    "BF": (["BF-1", "BF-2"], "libs_ctx", h.assert_broken_named_in_token_units),
    "QRE": ([f"QRE-{i}" for i in range(1, 6)], "libs_ctx", h.assert_broken_named_in_token_units),
    "TIER": (["TIER-1", "TIER-2"], "libs_ctx", h.assert_broken_named_in_token_units),
    "CONV": ([f"CONV-{i}" for i in range(1, 8)], "params_ctx", h.assert_broken_named_once_with_units),
    "DEBT": ([f"DEBT-{i}" for i in range(1, 7)], "params_ctx", h.assert_broken_named_once_with_units),
    "LIQ": ([f"LIQ-{i}" for i in range(1, 8)], "params_ctx", h.assert_broken_named_once_with_units),
}
# Properties VIOLATED on the shipped contracts (contract findings awaiting a fix). REL-2 was one until the
# vault recorded the unpaid part of a profit (unpaidProfit[user]); its pre-fix form is now the seed finding
# REL-2.unpaid-profit-dropped (test_rel.py), so the bug stays demonstrated.
CONTRACT_FINDINGS: dict[str, str] = {}
LOOPS = [
    *("CONV-1", "CONV-2", "CONV-4", "CONV-7"),
    *("DEBT-1", "DEBT-2", "DEBT-3", "DEBT-4", "DEBT-5", "DEBT-6"),
    *("LIQ-2", "LIQ-7"),
]
SEEDS = ["DEBT-1.v1-silent-drop", "LIQ-5.seed-case3-fill", "LIQ-5.seed-case3-fee", "LIQ-5.seed-case2-sign"]
ALL = [pid for ids, _, _ in FAMILIES.values() for pid in ids]


def _context(pid: str, request: pytest.FixtureRequest) -> ModelContext:
    context: ModelContext = request.getfixturevalue(FAMILIES[pid.split("-")[0]][1])
    return context


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_property_is_declared_once_with_targets(family: str) -> None:
    h.assert_declared_once_with_targets(family, FAMILIES[family][0])


def test_the_seed_findings_are_declared() -> None:
    assert set(SEEDS) <= set(REGISTRY.seed_findings)


@pytest.mark.parametrize("pid", [p for p in ALL if p not in CONTRACT_FINDINGS])
def test_shipped_model_is_proved(pid: str, request: pytest.FixtureRequest) -> None:
    h.assert_model_proved(h.run(JobKind.SHIPPED, pid, _context(pid, request)))


@pytest.mark.parametrize("pid", ALL)
def test_broken_variant_is_violated_with_named_token_values(pid: str, request: pytest.FixtureRequest) -> None:
    FAMILIES[pid.split("-")[0]][2](pid, _context(pid, request))


@pytest.mark.parametrize("pid", LOOPS)
def test_loops_are_proved_by_base_and_step(pid: str, params_ctx: ModelContext) -> None:
    h.assert_loop_by_induction(pid, params_ctx)
