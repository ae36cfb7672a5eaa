"""DEBT-6 on code (``models/debt6_code.py``): the custodian's solvency over every entry point of its ABI,
each half of the invariant pinned to the code that keeps it by a twin that breaks just that code."""

from __future__ import annotations

import pytest

from properties import REGISTRY
from tests.models.helpers import ROOT, solve
from vaultproof.prover.context import cached_context
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import CodeTwin
from vaultproof.results import Verdict

BM_FILE = "contracts/BalanceManager.sol"

# transferOut pays the token out but leaves the claim recorded: holdings fall, totalClaims does not
PAYS_OUT_KEEPING_CLAIMS = CodeTwin(
    file=BM_FILE,
    find="        _totalClaims[token] -= amount;\n        emit TransferredOut",
    replace="        emit TransferredOut",
    description="BalanceManager.transferOut debits the user and pays out, but keeps totalClaims",
)
# lock credits the locked balance without debiting the free one: a claim out of nothing
LOCKS_WITHOUT_DEBIT = CodeTwin(
    file=BM_FILE,
    find="        _debitFree(user, token, amount);\n        _locked[user][token][locker] += amount;",
    replace="        _locked[user][token][locker] += amount;",
    description="BalanceManager.lock credits the locked balance without debiting the free one",
)
SUMS = "moves Σfree[t] + Σlocked[t] by exactly its change of totalClaims[t]"
BACKED = "grows totalClaims[t] by at most what it receives of t"


def test_every_entry_point_of_the_custodian_is_covered(shipped: ModelContext) -> None:
    from models import debt6_code

    entries = debt6_code.entry_points(shipped)
    moving = ("deposit(", "depositFor(", "withdraw(", "lock(", "unlock(", "transferFrom(", "transferOut(")
    for name in (*moving, "transferLockedFrom(", "setOperator(", "transferOwnership("):
        assert any(e.split(".", 1)[1].startswith(name) for e in entries), (name, entries)
    assert not any(e.split(".", 1)[1].startswith("_") for e in entries)  # internal ones are not entries


@pytest.mark.parametrize(
    ("twin", "entry", "halves"),
    [
        (PAYS_OUT_KEEPING_CLAIMS, "transferOut(address,address,uint256,address)", {SUMS, BACKED}),
        (LOCKS_WITHOUT_DEBIT, "lock(address,address,uint256,address)", {SUMS}),
    ],
    ids=["transferOut-keeps-claims", "lock-without-debit"],
)
def test_each_half_of_the_invariant_fails_on_the_code_that_breaks_it(
    twin: CodeTwin, entry: str, halves: set[str]
) -> None:
    """Exactly the named halves fail, on exactly the broken entry point; every other obligation holds."""
    from models import debt6_code

    obs = debt6_code.debt6_code(cached_context(ROOT, REGISTRY.deployment, twin))
    verdicts = {ob.name: solve(ob).verdict for ob in obs}
    failing = {name for name, v in verdicts.items() if v is not Verdict.PROVED}
    assert failing == {f"code: BalanceManager.{entry} {half}" for half in halves}
    assert all(verdicts[name] is Verdict.VIOLATED for name in failing)
