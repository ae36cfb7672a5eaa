"""BF code obligations (models/bf_code.py): the legacy-record rule on the stored record, on code."""

from __future__ import annotations

from properties._mutants import mutant_twin
from tests.models.test_alloc_code import _checker, run, values


def test_bf1_twin_forgets_the_v1_lock_on_a_top_up() -> None:
    twin = _checker("BF-1").code_twin
    v = values(run("BF-1", "top-up of a legacy record", twin))
    assert v["allocation lockVersion before"] == 0 and v["allocation usdcLocked before"] == 0
    assert v["allocation amount before"] > 0
    locked_now = v["user's USDC locked by the vault after"] - v["user's USDC locked by the vault before"]
    assert v["allocation usdcLocked after"] == locked_now  # the V1 lock of `amount` is gone from the record


def test_bf2_twin_writes_unstamped_records() -> None:
    twin = _checker("BF-2").code_twin
    v = values(run("BF-2", "allocateForPosition stamps every record", twin))
    assert v["allocation lockVersion after"] == 0


def test_bf2_partial_release_forgetting_the_stamp_is_killed() -> None:
    v = values(run("BF-2", "(legacy record) stamps the record", mutant_twin("M-BF-partial-forgets-version")))
    assert v["allocation lockVersion after"] == 0 and v["allocation exists after"] == 1
