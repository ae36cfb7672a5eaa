"""forge's --json report → outcomes; invariant names → property ids; shrunk sequences rendered exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vaultproof.evidence.decl import property_of_invariant
from vaultproof.evidence.forge import parse_json
from vaultproof.evidence.invariants import evidence_of
from vaultproof.results import EvidenceStatus

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence" / "forge_invariant_failure.json"


def test_invariant_names_carry_property_ids() -> None:
    assert property_of_invariant("invariant_DEBT_6_custody_solvent()") == "DEBT-6"
    assert property_of_invariant("invariant_ALLOC_6_bookkeeping") == "ALLOC-6"
    assert property_of_invariant("invariant_QRE_4()") == "QRE-4"
    assert property_of_invariant("invariant_solvency()") is None
    assert property_of_invariant("test_DEBT_6()") is None
    assert property_of_invariant("invariant_DEBT_66x()") is None


def test_failed_invariant_parses_with_its_shrunk_sequence() -> None:
    (outcome,) = parse_json(SAMPLE.read_text(encoding="utf-8"))
    assert (outcome.contract, outcome.test) == ("BrokenDebt1Test", "invariant_DEBT_1_waterfall_conserves()")
    assert not outcome.passed
    assert outcome.reason.startswith("DEBT-1: deficit 49,214.438643 USDC")
    assert [s.function for s in outcome.sequence] == [
        "allocate(uint256,uint256,bool,bool,bool)",
        "close(uint256,uint256,uint256,int256)",
    ]
    evidence = evidence_of(outcome)
    assert evidence is not None
    assert evidence.status is EvidenceStatus.FAILED and evidence.property_id == "DEBT-1"
    assert evidence.sequence[0].startswith("SystemHandler.allocate(38033530042318198816059429740805389347582")
    assert "[" not in evidence.sequence[0]  # forge's "[3.8e61]" abbreviations are dropped, exact values kept
    assert evidence.runs >= 1  # forge counts runs up to the failing one


def test_garbage_is_no_outcome() -> None:
    assert parse_json("Compiler run failed:\nError (1234): nope") == ()
    assert parse_json("{not json") == ()


def test_each_forge_run_gets_empty_failure_directories_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """forge replays a persisted failure before fuzzing: a run must never see what another run persisted.
    Each run is pointed at fresh directories (both failure kinds), and they are gone once it returns."""
    import subprocess

    from vaultproof.evidence import forge as forge_module

    seen: list[dict[str, str]] = []
    keys = ("FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR", "FOUNDRY_FUZZ_FAILURE_PERSIST_DIR")

    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        env = kwargs["env"]
        dirs = {k: env[k] for k in keys}
        assert all(not Path(d).exists() or not any(Path(d).iterdir()) for d in dirs.values())
        Path(dirs["FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR"]).mkdir(parents=True)  # as forge does on a failure
        seen.append(dirs)
        return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="Error: nothing")

    monkeypatch.setattr(subprocess, "run", fake_run)
    runner = forge_module.Forge(binary=Path("forge"), root=tmp_path)
    runner.test("a.sol", env={"FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR": "build/forge/invariant-failures"})
    runner.test("a.sol")
    assert len(seen) == 2 and seen[0] != seen[1]
    for dirs in seen:
        assert not any(Path(d).exists() for d in dirs.values())  # removed with the run
        assert not any(str(tmp_path) in d for d in dirs.values())  # never inside the project


def test_a_project_that_keeps_its_invariant_failures_gets_them_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """forge's search is not reproducible across processes; a kept (committed) directory of invariant
    failures is what forge replays first, the same for a checkout and a fresh clone. Only the invariant
    directory is the kept one, the fuzz failures stay fresh; the kept one outlives the run."""
    import subprocess

    from vaultproof.evidence import forge as forge_module

    kept = tmp_path / "tests" / "kept"
    seen: list[dict[str, str]] = []

    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        env = kwargs["env"]
        seen.append(
            {k: env[k] for k in ("FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR", "FOUNDRY_FUZZ_FAILURE_PERSIST_DIR")}
        )
        (kept / "failures" / "BrokenTest").mkdir(parents=True)  # as forge does on a failure
        return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="Error: nothing")

    monkeypatch.setattr(subprocess, "run", fake_run)
    forge_module.Forge(binary=Path("forge"), root=tmp_path).test("a.sol", kept_invariant_failures=kept)
    (dirs,) = seen
    assert dirs["FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR"] == str(kept)
    assert str(tmp_path) not in dirs["FOUNDRY_FUZZ_FAILURE_PERSIST_DIR"]
    assert (kept / "failures" / "BrokenTest").is_dir()


def test_a_kept_failures_directory_outside_the_project_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from vaultproof.errors import RegistryError
    from vaultproof.evidence.decl import EvidenceDecl, load_evidence

    for outside in ("../elsewhere", "/tmp/kept"):
        module = types.ModuleType("vp_fake_evidence")
        module.EVIDENCE = EvidenceDecl(broken_failures_dir=outside)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "vp_fake_evidence", module)
        with pytest.raises(RegistryError, match="not a path inside the project"):
            load_evidence("vp_fake_evidence", None)
