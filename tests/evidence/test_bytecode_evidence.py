"""Bytecode evidence end to end, with the real forge on the compiled contracts.

- every invariant's broken-variant suite FAILS with a shrunk call sequence and a token-unit message;
- every seed finding's counterexample (from the committed reports/results.json) replays as REPLAYED.

The shipped invariant suite itself runs in `make forge` (tests/forge/invariant/SystemInvariants.sol).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from properties import EVIDENCE
from properties.invariants import BROKEN_SUITES
from vaultproof.evidence import invariants, repro
from vaultproof.evidence.decl import BrokenSuite, property_of_invariant
from vaultproof.evidence.forge import Forge, forge_binary
from vaultproof.results import Counterexample, EvidenceStatus, TokenValue

ROOT = Path(__file__).resolve().parents[2]
BINARY = forge_binary(ROOT)
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="forge (npm @foundry-rs/forge-<platform>) not installed"
)


@pytest.fixture(scope="module")
def forge() -> Forge:
    assert BINARY is not None
    return Forge(BINARY, ROOT)


@pytest.mark.parametrize("suite", BROKEN_SUITES, ids=lambda s: s.variant)
def test_each_invariant_fails_on_its_seeded_defect(forge: Forge, suite: BrokenSuite) -> None:
    evidence = invariants.run_broken(suite, forge)
    pid = property_of_invariant(suite.invariant)
    assert evidence.status is EvidenceStatus.FAILED, f"{suite.invariant} missed {suite.variant}: {evidence}"
    assert evidence.expect_failure and evidence.as_expected
    assert evidence.sequence, "forge reported no shrunk call sequence"
    assert all(step.startswith("SystemHandler.") for step in evidence.sequence)
    assert evidence.detail.startswith(f"{pid}: ")
    # the same shrunk sequence's actions, in token units, numbered like forge's calls
    assert "sequence: 1) " in evidence.detail


def _committed_seed_counterexamples() -> list[repro.ReplayRequest]:
    data = json.loads((ROOT / "reports" / "results.json").read_text(encoding="utf-8"))["result"]
    requests = []
    for seed in data["seed_findings"]:
        cx = next(o["counterexample"] for o in seed["result"]["obligations"] if o["counterexample"])
        values = tuple(
            TokenValue(v["name"], v["raw"], v["decimals"], v["unit"], v["display"]) for v in cx["values"]
        )
        requests.append(
            repro.ReplayRequest(
                seed["id"], seed["fixed_by"], Counterexample(cx["obligation"], values, cx["explanation"])
            )
        )
    return requests


def test_every_seed_finding_replays_on_the_bytecode(forge: Forge) -> None:
    requests = _committed_seed_counterexamples()
    assert {r.subject for r in requests} == set(EVIDENCE.recipes), "a seed finding without a replay recipe"
    evidence = repro.run(requests, EVIDENCE, forge)
    assert [e.subject for e in evidence] == [r.subject for r in requests]
    for e in evidence:
        assert e.status is EvidenceStatus.REPLAYED, f"{e.subject}: {e.status.value}: {e.detail}"
        assert e.test == repro.repro_path(e.subject) and (ROOT / e.test).is_file()


def test_a_replay_that_does_not_violate_is_replay_differs(forge: Forge) -> None:
    """The same BF-2 recipe with a counterexample the bytecode refutes: claiming the seed's rule reads 351."""
    (bf2,) = [r for r in _committed_seed_counterexamples() if r.subject == "BF-2.seed-rule"]
    assert bf2.counterexample is not None
    wrong = tuple(
        TokenValue(v.name, v.raw + 1, v.decimals, v.unit, v.display) if v.name == "seedEffectiveLocked" else v
        for v in bf2.counterexample.values
    )
    request = repro.ReplayRequest(
        "BF-2.wrong-claim", "BF-2", Counterexample(bf2.counterexample.obligation, wrong)
    )
    decl = type(EVIDENCE)(recipes={"BF-2.wrong-claim": EVIDENCE.recipes["BF-2.seed-rule"]})
    (evidence,) = repro.run([request], decl, forge)
    assert evidence.status is EvidenceStatus.REPLAY_DIFFERS
    assert "the seed's rule reads the model's lock" in evidence.detail
