"""REL code obligations (models/rel_code.py): each twin's counterexample shows its defect in token units;
a flow mutant that is not a twin is killed; the waterfall summaries REL relies on are proved on code."""

from __future__ import annotations

from pathlib import Path

from properties import REGISTRY
from properties._mutants import mutant_twin
from tests.models.helpers import solve
from tests.models.test_alloc_code import _checker, code_of, run, values
from vaultproof.prover.context import cached_context
from vaultproof.results import Verdict

ROOT = Path(__file__).resolve().parents[2]


def _released(v: dict[str, int]) -> int:
    return v["user's USDC locked by the vault before"] - v["user's USDC locked by the vault after"]


def test_rel1_twin_unlocks_the_virtual_part() -> None:
    twin = _checker("REL-1").code_twin
    v = values(run("REL-1", "releaseFromPosition takes exactly", twin))
    # the claimed amount left the lock, not the effective one
    assert v["allocation amount before"] == _released(v) != v["effective locked before"]


def test_rel1_dealloc_mutant_is_killed() -> None:
    v = values(
        run("REL-1", "deallocateFromPosition takes", mutant_twin("M-REL-dealloc-unlocks-claimed-amount"))
    )
    assert v["allocation amount before"] == _released(v) != v["effective locked before"]


def test_rel3_twin_drops_a_fully_virtual_loss() -> None:
    twin = _checker("REL-3").code_twin
    v = values(run("REL-3", "fully virtual-backed, loss", twin))
    assert v["pnl (argument)"] < 0 and v["effective locked before"] == 0
    assert not any(v[k] for k in v if k.endswith(" emitted"))  # no DeficitSettled at all


def test_rel3_cross_deficit_skipping_the_account_is_killed() -> None:
    v = values(run("REL-3", "fully virtual-backed, loss", mutant_twin("M-REL-cross-deficit-skips-account")))
    free, loss = v["user's free USDC before"], -v["pnl (argument)"]
    emitted = [k.split(" ")[0] for k in v if k.endswith(" emitted") and v[k]]
    assert emitted and any(v[f"{tag}.fromFreeUsdc"] != min(free, loss) for tag in emitted)


def test_rel4_twin_releases_more_than_its_fraction() -> None:
    twin = _checker("REL-4").code_twin
    ctx = cached_context(ROOT, REGISTRY.deployment, twin)
    obs = [o for o in code_of("REL-4")(ctx) if "releases exactly" in o.name]
    results = [solve(o) for o in obs]
    violated = [r for r in results if r.verdict is Verdict.VIOLATED]
    assert violated, [(r.name, r.verdict) for r in results]
    v = values(violated[0])
    locked, f = v["effective locked before"], v["fractionPpm (argument)"]
    assert _released(v) != locked * f // 1_000_000


def test_rel4_floor_lemma_and_waterfall_summaries_are_proved() -> None:
    from models.rel_code import floor_lemma, sale_frame

    ctx = cached_context(ROOT, REGISTRY.deployment)
    for ob in (floor_lemma(ctx), *sale_frame(ctx)):
        assert solve(ob).verdict is Verdict.PROVED, ob.name
