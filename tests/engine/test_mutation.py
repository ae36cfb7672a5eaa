"""The mutation campaign kills, reports survivors honestly, and never counts a stillborn mutant."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultproof import config as config_module
from vaultproof.console import Console
from vaultproof.errors import ConfigError
from vaultproof.mutation import Mutant, Reference, load_mutants, run_mutants
from vaultproof.prover.runner import declared_registry
from vaultproof.results import Verdict

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "parallel"])
def test_campaign_on_the_tiny_project(jobs: int) -> None:
    cfg = config_module.load(TINY)
    registry = declared_registry(cfg)
    reference = Reference(verdicts={"TINY-1": Verdict.PROVED}, static_fingerprints=frozenset())
    mutants = load_mutants(TINY / "mutants.toml")
    results = {
        r.mutant_id: r for r in run_mutants(cfg, registry, Console(quiet=True), reference, mutants, jobs=jobs)
    }
    assert list(results) == sorted(results)  # id order, whatever finished first
    assert results["M-TINY-rename"].killed
    assert results["M-TINY-rename"].killed_by == ("registry: a declared target no longer exists",)
    assert not results["M-TINY-stillborn"].killed
    assert "does not compile" in results["M-TINY-stillborn"].description
    assert not results["M-TINY-unseen"].killed  # a survivor is reported as such, not hidden


def test_an_edit_that_no_longer_matches_is_an_error() -> None:
    cfg = config_module.load(TINY)
    registry = declared_registry(cfg)
    stale = Mutant("M-X", "TINY", "contracts/Tiny.sol", "this text is not there", "x", "stale")
    with pytest.raises(ConfigError, match="must match exactly once"):
        run_mutants(cfg, registry, Console(quiet=True), Reference({}, frozenset()), [stale], jobs=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[mutant]]\nid='a'", "missing family, file, find, replace, description"),
        ("x = 1", "expected one or more"),
        ("[[mutant", "malformed TOML"),
    ],
)
def test_malformed_mutants_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_mutants(path)


def test_a_handwritten_edit_is_placed_in_the_function_that_holds_it() -> None:
    """A hand-written mutant runs on the generated mutants' incremental path: its edit becomes a byte
    patch of the function it is in (that function's lowered code is what the proofs see changed)."""
    from vaultproof.mutation import as_patch
    from vaultproof.mutation.campaign import _reference

    cfg = config_module.load(TINY)
    slither, _, _ = _reference(cfg)
    by_id = {m.id: m for m in load_mutants(TINY / "mutants.toml")}
    original = (TINY / "contracts" / "Tiny.sol").read_bytes()
    unseen = as_patch(cfg, slither, by_id["M-TINY-unseen"])
    assert (unseen.contract, unseen.file) == ("Tiny", "contracts/Tiny.sol")
    assert unseen.function == "add"  # not the function TINY-1 targets
    assert unseen.apply(original) == original.replace(b"total += amount;", b"total += amount + 1;")
    floor = as_patch(cfg, slither, by_id["M-TINY-stillborn"])
    assert (floor.contract, floor.function) == ("TinyMath", "floor")
