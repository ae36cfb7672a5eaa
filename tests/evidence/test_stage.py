"""Evidence-stage decisions that need no forge: what is replayed, model-only twins, the config switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from properties.invariants import BROKEN_SUITES
from tests.fixtures.results import sample_result
from vaultproof import config
from vaultproof.errors import ConfigError
from vaultproof.evidence.decl import EvidenceDecl
from vaultproof.evidence.repro import ReplayRequest, contract_name, repro_path, write
from vaultproof.evidence.stage import model_only_twins, replay_requests
from vaultproof.prover.prove import ProveOutcome
from vaultproof.results import EvidenceStatus, Verdict


def _outcome() -> ProveOutcome:
    r = sample_result()
    return ProveOutcome(r.catalogue, r.properties, r.seed_findings, r.metrics)


def test_every_violated_result_is_replayed_and_nothing_else() -> None:
    outcome = _outcome()
    requests = replay_requests(outcome)
    violated = {p.property_id for p in outcome.properties if p.verdict is Verdict.VIOLATED}
    violated |= {s.id for s in outcome.seed_findings if s.result.verdict is Verdict.VIOLATED}
    assert {r.subject for r in requests} == violated
    assert all(r.counterexample is not None for r in requests)


def test_twins_without_a_code_variant_say_so() -> None:
    outcome = _outcome()
    decl = EvidenceDecl(broken_suites=tuple(s for s in BROKEN_SUITES if s.twin_of == "CONV-1"))
    twins = model_only_twins(outcome, decl)
    with_twin = {c.id for c in outcome.catalogue if c.broken_description}
    assert {e.subject for e in twins} == {f"{pid}.broken" for pid in with_twin}
    assert all(e.status is EvidenceStatus.NO_BYTECODE and "no bytecode" in e.detail for e in twins)


def test_a_result_without_a_recipe_is_no_bytecode_not_a_pass(tmp_path: Path) -> None:
    (request, *_) = replay_requests(_outcome())
    settled = write([request], EvidenceDecl(), tmp_path)
    assert settled[request.subject].status is EvidenceStatus.NO_BYTECODE
    assert "no replay recipe" in settled[request.subject].detail
    assert not (tmp_path / repro_path(request.subject)).exists()
    assert contract_name("BF-2.seed-rule") == "Repro_BF_2_seed_rule"
    assert ReplayRequest("X-1", "X-1", None).counterexample is None


def test_evidence_switches_are_booleans(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "vaultproof.toml").write_text('[project]\nname = "t"\n[evidence]\nreplay = "yes"\n')
    with pytest.raises(ConfigError, match=r"\[evidence\] replay must be true or false"):
        config.load(tmp_path)
    (tmp_path / "vaultproof.toml").write_text('[project]\nname = "t"\n[evidence]\ninvariants = false\n')
    cfg = config.load(tmp_path)
    assert (cfg.evidence_replay, cfg.evidence_invariants, cfg.evidence_broken) == (True, False, False)
