"""Catalogue entries carry the source lines of their target functions (for SARIF and the report)."""

from __future__ import annotations

from pathlib import Path

from vaultproof import config as config_module
from vaultproof.compile import compile_project
from vaultproof.prover.prove import catalogue_of, function_locator
from vaultproof.prover.runner import declared_registry
from vaultproof.results import FunctionRef, SourceLocation

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def test_targets_are_located_from_slither() -> None:
    cfg = config_module.load(TINY)
    locate = function_locator(compile_project(cfg))
    assert locate(FunctionRef("TinyMath", "floor")) == SourceLocation("contracts/Tiny.sol", 9, 11)
    assert locate(FunctionRef("TinyMath", "nope")) is None
    (entry,) = catalogue_of(declared_registry(cfg), locate)
    assert entry.target_locations == (SourceLocation("contracts/Tiny.sol", 9, 11),)


def test_an_unlocatable_target_leaves_no_misaligned_locations() -> None:
    cfg = config_module.load(TINY)
    (entry,) = catalogue_of(declared_registry(cfg), lambda target: None)
    assert entry.target_locations == ()
