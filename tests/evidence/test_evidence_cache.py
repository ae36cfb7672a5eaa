"""The evidence stage's cache: unchanged sources, forge, suites and counterexamples reuse the last run's
evidence (forge's runs are pinned by foundry.toml's seed); any of them changed runs forge again; a run
with a forge failure (ERROR) is never kept. forge itself is replaced here by a counting stand-in."""

from __future__ import annotations

import dataclasses
import platform
import shutil
from pathlib import Path
from typing import Any

import pytest

import vaultproof.evidence.stage as stage
from tests.fixtures.results import sample_result
from vaultproof import config
from vaultproof.cache import Cache
from vaultproof.console import Console
from vaultproof.evidence.forge import _PLATFORMS
from vaultproof.prover.prove import ProveOutcome
from vaultproof.results import BytecodeEvidence, EvidenceStatus

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def _outcome() -> ProveOutcome:
    r = sample_result()
    return ProveOutcome(r.catalogue, r.properties, r.seed_findings, r.metrics)


def _evidence(status: EvidenceStatus) -> tuple[BytecodeEvidence, ...]:
    return (BytecodeEvidence("TINY-1", "TINY-1", "invariant", status, "t.sol", "T.invariant_x", "d", 16, 24),)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy, ignore=shutil.ignore_patterns("build", "__pycache__", "node_modules"))
    suffix = _PLATFORMS.get((platform.system(), platform.machine()))
    if suffix is None:
        pytest.skip("no forge platform package for this machine")
    forge = copy / "node_modules" / "@foundry-rs" / f"forge-{suffix}" / "bin" / "forge"
    forge.parent.mkdir(parents=True)
    forge.write_text("#!/bin/sh\nexit 0\n")
    forge.chmod(0o755)
    return copy


@pytest.fixture
def gathered(monkeypatch: pytest.MonkeyPatch) -> list[EvidenceStatus]:
    """Each forge run of the stage (``_gather``), returning evidence of the status at the list's end."""
    runs: list[EvidenceStatus] = [EvidenceStatus.FUZZED]

    def fake(*args: Any) -> tuple[BytecodeEvidence, ...]:
        runs.append(runs[-1])
        return _evidence(runs[-1])

    monkeypatch.setattr(stage, "_gather", fake)
    return runs


def test_unchanged_inputs_reuse_the_evidence_and_each_input_invalidates_it(
    project: Path, tmp_path: Path, gathered: list[EvidenceStatus]
) -> None:
    cfg, console, cache = config.load(project), Console(quiet=True), Cache(tmp_path / "cache")
    outcome = _outcome()
    first = stage.run_evidence(cfg, console, outcome, cache)
    assert len(gathered) == 2 and first == (_evidence(EvidenceStatus.FUZZED), ())
    assert stage.run_evidence(cfg, console, outcome, cache) == first and len(gathered) == 2  # a hit

    # a forge test edited (a suite, a broken variant, a helper): forge runs again
    suite = project / "tests" / "forge" / "Inv.t.sol"
    suite.parent.mkdir(parents=True)
    suite.write_text("// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n")
    stage.run_evidence(cfg, console, outcome, cache)
    assert len(gathered) == 3

    # other counterexamples to replay: forge runs again
    fewer = dataclasses.replace(outcome, seed_findings=outcome.seed_findings[1:])
    assert stage.replay_requests(fewer) != stage.replay_requests(outcome)
    stage.run_evidence(cfg, console, fewer, cache)
    assert len(gathered) == 4

    # the evidence switches are part of the key; without a cache nothing is reused
    stage.run_evidence(
        dataclasses.replace(cfg, evidence_broken=not cfg.evidence_broken), console, outcome, cache
    )
    assert len(gathered) == 5
    stage.run_evidence(cfg, console, outcome, None)
    assert len(gathered) == 6


def test_a_forge_failure_is_not_kept(project: Path, tmp_path: Path, gathered: list[EvidenceStatus]) -> None:
    cfg, console, cache = config.load(project), Console(quiet=True), Cache(tmp_path / "cache")
    gathered.append(EvidenceStatus.ERROR)
    stage.run_evidence(cfg, console, _outcome(), cache)
    stage.run_evidence(cfg, console, _outcome(), cache)
    assert gathered.count(EvidenceStatus.ERROR) == 3  # the marker and two runs: the second was not a hit


def test_a_kept_failing_sequence_is_an_input(
    project: Path, tmp_path: Path, gathered: list[EvidenceStatus]
) -> None:
    """The sequences a project keeps for forge to replay first (``EvidenceDecl.broken_failures_dir``) decide
    what a broken-variant run reports, as its sources do: an edited one runs forge again."""
    props = project / "tiny_properties.py"
    props.write_text(
        props.read_text(encoding="utf-8")
        + "\nfrom vaultproof.spec import EvidenceDecl\n\n"
        + 'EVIDENCE = EvidenceDecl(broken_failures_dir="tests/kept")\n',
        encoding="utf-8",
    )
    kept = project / "tests" / "kept" / "failures" / "BrokenTinyTest" / "invariant_TINY_1_x"
    kept.parent.mkdir(parents=True)
    kept.write_text('{"call_sequence": []}', encoding="utf-8")
    cfg = dataclasses.replace(config.load(project), evidence_broken=True)
    console, cache = Console(quiet=True), Cache(tmp_path / "cache")
    stage.run_evidence(cfg, console, _outcome(), cache)
    stage.run_evidence(cfg, console, _outcome(), cache)
    assert len(gathered) == 2  # the marker and one run: the second was a hit
    kept.write_text('{"call_sequence": [{"calldata": "0x00"}]}', encoding="utf-8")
    stage.run_evidence(cfg, console, _outcome(), cache)
    assert len(gathered) == 3
