"""Bytecode evidence end to end, with the real forge on the compiled contracts (two forge runs in all).

- every invariant's broken-variant suite FAILS, with forge's shrunk call sequence; replayed alone, that
  sequence fails the invariant again and its message lists exactly those calls in token units;
- every seed finding's counterexample (from the committed reports/results.json) replays as REPLAYED;
- a counterexample the bytecode refutes comes out REPLAY-DIFFERS.

The shipped invariant suite itself runs in `make forge` (tests/forge/invariant/SystemInvariants.sol).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from properties import EVIDENCE
from properties.invariants import BROKEN_SUITES
from vaultproof.evidence import invariants, repro
from vaultproof.evidence.decl import BrokenSuite, EvidenceDecl, property_of_invariant
from vaultproof.evidence.forge import Forge, forge_binary
from vaultproof.results import BytecodeEvidence, Counterexample, EvidenceStatus, TokenValue

ROOT = Path(__file__).resolve().parents[2]
BINARY = forge_binary(ROOT)
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="forge (npm @foundry-rs/forge-<platform>) not installed"
)
WRONG = "BF-2.wrong-claim"


@dataclass(frozen=True)
class Outcome:
    broken: dict[str, invariants.InvariantRun]  # by variant id, before the sequence replay
    sequences: dict[str, BytecodeEvidence]  # by variant id, after it
    replays: dict[str, BytecodeEvidence]  # by subject


def _committed_seed_counterexamples() -> list[repro.ReplayRequest]:
    data = json.loads((ROOT / "reports" / "results.json").read_text(encoding="utf-8"))["result"]
    requests = []
    for seed in data["seed_findings"]:
        cx = next(o["counterexample"] for o in seed["result"]["obligations"] if o["counterexample"])
        values = tuple(
            TokenValue(v["name"], v["raw"], v["decimals"], v["unit"], v["display"]) for v in cx["values"]
        )
        counterexample = Counterexample(cx["obligation"], values, cx["explanation"])
        requests.append(repro.ReplayRequest(seed["id"], seed["fixed_by"], counterexample))
    return requests


def _wrong_claim(requests: list[repro.ReplayRequest]) -> repro.ReplayRequest:
    """BF-2's counterexample with one value the bytecode refutes: the seed's rule reading 1 unit more."""
    (bf2,) = [r for r in requests if r.subject == "BF-2.seed-rule"]
    assert bf2.counterexample is not None
    values = tuple(
        TokenValue(v.name, v.raw + 1, v.decimals, v.unit, v.display) if v.name == "seedEffectiveLocked" else v
        for v in bf2.counterexample.values
    )
    return repro.ReplayRequest(WRONG, "BF-2", Counterexample(bf2.counterexample.obligation, values))


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    assert BINARY is not None
    forge = Forge(BINARY, ROOT)
    broken = invariants.run_broken(EVIDENCE, forge)
    seeds = _committed_seed_counterexamples()
    assert {r.subject for r in seeds} == set(EVIDENCE.recipes), "a seed finding without a replay recipe"
    decl = EvidenceDecl(recipes={**EVIDENCE.recipes, WRONG: EVIDENCE.recipes["BF-2.seed-rule"]})
    failing = [r for r in broken if r.evidence.status is EvidenceStatus.FAILED]
    replays, sequences = repro.run([*seeds, _wrong_claim(seeds)], decl, forge, failing)
    variant_of = {r.evidence.subject: s.variant for s, r in zip(BROKEN_SUITES, broken, strict=True)}
    return Outcome(
        broken={s.variant: r for s, r in zip(BROKEN_SUITES, broken, strict=True)},
        sequences={variant_of[e.subject]: e for e in sequences},
        replays={e.subject: e for e in replays},
    )


@pytest.mark.parametrize("suite", BROKEN_SUITES, ids=lambda s: s.variant)
def test_each_invariant_fails_on_its_seeded_defect(outcome: Outcome, suite: BrokenSuite) -> None:
    evidence = outcome.broken[suite.variant].evidence
    pid = property_of_invariant(suite.invariant)
    assert evidence.status is EvidenceStatus.FAILED, f"{suite.invariant} missed {suite.variant}: {evidence}"
    assert evidence.expect_failure and evidence.as_expected
    assert evidence.sequence, "forge reported no shrunk call sequence"
    assert all(step.startswith("SystemHandler.") for step in evidence.sequence)
    assert evidence.detail.startswith(f"{pid}: ")


@pytest.mark.parametrize("suite", BROKEN_SUITES, ids=lambda s: s.variant)
def test_the_shrunk_sequence_alone_fails_again_with_its_calls_in_token_units(
    outcome: Outcome, suite: BrokenSuite
) -> None:
    replayed = outcome.sequences[suite.variant]
    pid = property_of_invariant(suite.invariant)
    assert replayed.detail.startswith(f"{pid}: "), replayed.detail
    assert "[replayed: build/repro/Seq_" in replayed.detail
    # exactly the shrunk calls that the handler applied (a call that reverted applies nothing)
    listed = replayed.detail.partition("sequence:")[2].count(") ")
    assert 1 <= listed <= len(replayed.sequence)


def test_every_seed_finding_replays_on_the_bytecode(outcome: Outcome) -> None:
    for request in _committed_seed_counterexamples():
        e = outcome.replays[request.subject]
        assert e.status is EvidenceStatus.REPLAYED, f"{e.subject}: {e.status.value}: {e.detail}"
        assert e.test == repro.repro_path(e.subject) and (ROOT / e.test).is_file()


def test_a_replay_that_does_not_violate_is_replay_differs(outcome: Outcome) -> None:
    evidence = outcome.replays[WRONG]
    assert evidence.status is EvidenceStatus.REPLAY_DIFFERS
    assert "the seed's rule reads the model's lock" in evidence.detail
