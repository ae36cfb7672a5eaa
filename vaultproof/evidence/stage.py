"""The evidence stage: after prove, run forge on the compiled bytecode (replays, then invariant suites).

Skipped, with a note, when forge is not installed or the project's ``[evidence]`` switches are off. The
order of the returned evidence is fixed (replays in catalogue order, then invariants by property), so the
reports stay byte-identical across runs with the same outcomes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from vaultproof.cache import Cache, digest, engine_digest, python_sources, solidity_sources
from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.evidence import invariants, repro
from vaultproof.evidence.decl import EvidenceDecl, load_evidence, property_of_invariant
from vaultproof.evidence.forge import Forge, forge_binary
from vaultproof.prover.prove import ProveOutcome
from vaultproof.prover.registry import catalogue_order
from vaultproof.results import BytecodeEvidence, EvidenceStatus, Verdict


def replay_requests(proof: ProveOutcome) -> list[repro.ReplayRequest]:
    """Every VIOLATED result with its counterexample: properties (a regression) and seed findings."""
    requests = [
        repro.ReplayRequest(r.property_id, r.property_id, r.counterexample)
        for r in proof.properties
        if r.verdict is Verdict.VIOLATED
    ]
    requests += [
        repro.ReplayRequest(s.id, s.fixed_by, s.result.counterexample)
        for s in proof.seed_findings
        if s.result.verdict is Verdict.VIOLATED
    ]
    return sorted(requests, key=lambda r: catalogue_order(r.subject))


def run_evidence(
    config: Config, console: Console, proof: ProveOutcome, cache: Cache | None = None
) -> tuple[tuple[BytecodeEvidence, ...], tuple[str, ...]]:
    """(evidence, notes). Nothing runs when every switch is off; no forge is a note, not an error.

    With a ``cache``, unchanged inputs (see :func:`evidence_key`) reuse the last run's evidence: forge's
    runs are pinned by foundry.toml's seed, so the same inputs give the same evidence."""
    if not (config.evidence_replay or config.evidence_invariants or config.evidence_broken):
        return (), ()
    if not config.properties_module:  # no declared properties package: no evidence to gather
        return (), ()
    binary = forge_binary(config.root)
    if binary is None:
        note = "bytecode evidence skipped: no forge binary under node_modules/@foundry-rs/forge-<platform>"
        console.step(f"evidence: {note}")
        return (), (note,)
    key = evidence_key(config, proof, binary) if cache is not None else ""
    if cache is not None:
        hit = cache.get("evidence", key)
        if isinstance(hit, tuple) and all(isinstance(e, BytecodeEvidence) for e in hit):
            console.step("evidence: unchanged sources, forge, suites and counterexamples (cached)")
            return hit, ()
    evidence = _gather(config, console, proof, binary, config.properties_module)
    if cache is not None and all(e.status is not EvidenceStatus.ERROR for e in evidence):
        cache.put("evidence", key, evidence)
    return evidence, ()


def evidence_key(config: Config, proof: ProveOutcome, binary: Path) -> str:
    """Everything the evidence depends on (:mod:`vaultproof.cache`, ``evidence``)."""
    stat = binary.stat()
    manifest = binary.parent.parent / "package.json"
    root = config.root
    return digest(
        "evidence",
        engine_digest(),
        (str(binary.resolve()), stat.st_size, stat.st_mtime_ns),
        manifest.read_bytes() if manifest.is_file() else b"-",
        (config.evidence_replay, config.evidence_invariants, config.evidence_broken),
        config.properties_module,
        solidity_sources(root),
        python_sources(root),
        replay_requests(proof) if config.evidence_replay else (),
        tuple((entry.id, entry.broken_description) for entry in proof.catalogue),
        kept_failures(root, config.properties_module) if config.evidence_broken else (),
    )


def kept_failures(root: Path, module: str | None) -> tuple[tuple[str, bytes], ...]:
    """The failing sequences the project keeps for forge to replay (``broken_failures_dir`` of the declared
    properties module's ``EVIDENCE``): an input of the broken-variant runs like their sources."""
    if not module:
        return ()
    decl = load_evidence(module, root)
    if not decl.broken_failures_dir:
        return ()
    kept = root / decl.broken_failures_dir / "failures"
    files = sorted(p for p in kept.rglob("*") if p.is_file()) if kept.is_dir() else []
    return tuple((p.relative_to(root).as_posix(), p.read_bytes()) for p in files)


def _gather(
    config: Config, console: Console, proof: ProveOutcome, binary: Path, module: str
) -> tuple[BytecodeEvidence, ...]:
    decl = load_evidence(module, config.root)
    forge = Forge(binary, config.root)
    # Invariant suites first: their failing sequences are replayed together with the counterexamples, in
    # one forge run over build/repro/ (one compilation).
    runs: list[invariants.InvariantRun] = []
    if config.evidence_invariants:
        for suite in decl.suites:
            console.step(f"evidence: invariant suite {suite.contract} ({suite.path})")
        for run in invariants.run_suites(decl, forge):
            console.step(
                f"evidence: {run.evidence.test_name} [{run.evidence.property_id}]: {_summary(run.evidence)}"
            )
            runs.append(run)
    if config.evidence_broken and decl.broken_suites:
        console.step(f"evidence: {len(decl.broken_suites)} broken-variant suite(s) ({decl.variants_dir})")
        broken = invariants.run_broken(decl, forge)
        for variant, run in zip(decl.broken_suites, broken, strict=True):
            if variant.twin_of:
                run = dataclasses.replace(
                    run, evidence=dataclasses.replace(run.evidence, subject=f"{variant.twin_of}.broken")
                )
            console.step(
                f"evidence: broken variant {variant.variant} vs {variant.invariant}: {_summary(run.evidence)}"
            )
            runs.append(run)
    requests = replay_requests(proof) if config.evidence_replay else []
    failing = [r for r in runs if r.evidence.status is EvidenceStatus.FAILED]
    if requests or failing:
        console.step(
            f"evidence: replaying {len(requests)} VIOLATED counterexample(s) and {len(failing)} failing "
            f"sequence(s) on the bytecode ({repro.REPRO_DIR}/)"
        )
    replays, replayed = repro.run(requests, decl, forge, failing)
    for e in replays:
        console.step(f"evidence: replay {e.subject}: {e.status.value}")
    by_subject = {(e.subject, e.test_name): e for e in replayed}
    evidence = list(replays)
    evidence += [by_subject.get((r.evidence.subject, r.evidence.test_name), r.evidence) for r in runs]
    evidence += model_only_twins(proof, decl)
    return tuple(evidence)


def model_only_twins(proof: ProveOutcome, decl: EvidenceDecl) -> list[BytecodeEvidence]:
    """Broken twins no code variant carries: said so, rather than replayed on code that does not exist."""
    in_code = {s.twin_of for s in decl.broken_suites if s.twin_of}
    return [
        BytecodeEvidence(
            subject=f"{entry.id}.broken",
            property_id=entry.id,
            kind="replay",
            status=EvidenceStatus.NO_BYTECODE,
            test="",
            test_name="",
            detail=decl.no_bytecode.get(f"{entry.id}.broken")
            or f"model-only broken twin ({entry.broken_description}): no bytecode for this twin",
        )
        for entry in proof.catalogue
        if entry.broken_description and entry.id not in in_code
    ]


def _summary(e: BytecodeEvidence) -> str:
    if e.status is EvidenceStatus.FUZZED:
        return f"FUZZED {e.runs}×{e.depth}"
    if e.status is EvidenceStatus.FAILED:
        return f"FAILED after {len(e.sequence)} call(s)"
    return str(e.status.value)


def evidence_for(property_id: str, evidence: Sequence[BytecodeEvidence]) -> list[BytecodeEvidence]:
    return [e for e in evidence if e.property_id == property_id]


__all__ = ["evidence_for", "property_of_invariant", "replay_requests", "run_evidence"]
