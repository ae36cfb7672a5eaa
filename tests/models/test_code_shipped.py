"""Code obligations of the catalogue, by property id: PROVED on the shipped contracts with every target
executed, VIOLATED on each broken code twin with a concrete counterexample (``code_checks``). Every property
whose checker declares code obligations is here, of whatever family; what is particular to one family is in
``test_<family>_code_shipped.py`` (and the families' own new ``test_<family>_code.py``).
"""

from __future__ import annotations

import pytest

from tests.models import code_checks
from vaultproof.prover.obligation import ModelContext

WITH_CODE = code_checks.with_code()
# Twins whose first counterexample is over raw integers only (an oracle price has the feed's own, symbolic,
# decimals): their values are named but carry no token unit.
RAW_UNITS = {
    "CONV-7",
    "QRE-1",
    "QRE-3",
    "QRE-4",
    "QRE-5",
    "DEBT-6",
}  # QRE: a collateral of any decimals; DEBT-6: any token of the custodian — both in raw token units
# Code obligations proved, but a declared target is only summarised, not executed: MODEL-ONLY naming it.
SUMMARISED: dict[str, str] = {}  # DEBT-1 executes AdlEngine.socialize since issue15-debt
# CONV-1/CONV-2: every target executed since s23-book (the book's walks by induction, models/book_code.py)
# LIQ: every target executed since s21-liq (the book walk by induction, the QRE's isLiquidatable);
# QRE: since s21-qre (the collateral loop of _equity18 with monotonicity lemmas at the differing terms)


def test_the_priority_properties_have_code_obligations() -> None:
    assert {"ALLOC-1", "ALLOC-2", "CONV-7", "DEBT-1", "DEBT-3", "REL-2"} <= set(WITH_CODE)


@pytest.mark.parametrize("pid", WITH_CODE)
def test_shipped_code_is_proved_and_covers_every_target(pid: str, shipped_ctx: ModelContext) -> None:
    code_checks.assert_shipped_code_proved(pid, shipped_ctx, SUMMARISED.get(pid, ""))


@pytest.mark.parametrize("pid", WITH_CODE)
def test_broken_code_twin_is_violated_with_a_concrete_counterexample(pid: str) -> None:
    code_checks.assert_code_twin_violated(pid, in_usdc=pid not in RAW_UNITS)
