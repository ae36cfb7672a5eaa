"""The broken-variant contracts are exactly the declared one-edit copies of the shipped contracts."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from properties import EVIDENCE
from properties.invariants import BROKEN_DIR, BROKEN_SUITES, SUITES, VARIANTS
from vaultproof.errors import ConfigError
from vaultproof.evidence.decl import property_of_invariant
from vaultproof.evidence.variants import CodeVariant, Edit, render, stale_variants

ROOT = Path(__file__).resolve().parents[2]
REGEN = (
    ".venv/bin/python -c 'from pathlib import Path; from properties.invariants import VARIANTS, BROKEN_DIR; "
    'from vaultproof.evidence.variants import write_variants; write_variants(VARIANTS, Path("."), '
    "Path(BROKEN_DIR))'"
)


def test_committed_variants_are_what_the_declarations_produce() -> None:
    stale = stale_variants(VARIANTS, ROOT, ROOT / BROKEN_DIR)
    assert not stale, f"regenerate {stale} (the shipped contract changed): {REGEN}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_each_variant_differs_from_its_source_only_by_marked_defect_lines(variant: CodeVariant) -> None:
    shipped = (ROOT / variant.source).read_text(encoding="utf-8").splitlines()
    broken = (ROOT / BROKEN_DIR / f"{variant.name}.sol").read_text(encoding="utf-8").splitlines()
    added = [line[1:] for line in difflib.unified_diff(shipped, broken, lineterm="", n=0) if line[:1] == "+"]
    added = [line for line in added if not line.startswith("++")]
    unexplained = [
        line
        for line in added
        if "DEFECT" not in line
        and not line.startswith("// ")  # the generated banner
        and not line.startswith("import ")  # relative imports rebased to the variant's directory
        and not line.startswith(f"contract {variant.name} ")
    ]
    assert not unexplained, f"{variant.id}: lines changed without a DEFECT marker: {unexplained}"
    assert any("DEFECT" in line for line in added)


def test_every_broken_suite_names_a_declared_variant_and_an_invariant_with_an_id() -> None:
    ids = {v.id for v in VARIANTS}
    for suite in BROKEN_SUITES:
        assert suite.variant in ids
        assert property_of_invariant(suite.invariant) is not None
        assert suite.twin_of in ("", property_of_invariant(suite.invariant))
    assert {v.id for v in VARIANTS} == {s.variant for s in BROKEN_SUITES}, "a variant no suite runs"
    assert EVIDENCE.suites == SUITES and EVIDENCE.broken_suites == BROKEN_SUITES


def test_an_anchor_must_match_exactly_once(tmp_path: Path) -> None:
    (tmp_path / "A.sol").write_text("contract A {\n  uint x = 1;\n  uint y = 1;\n}\n")
    twice = CodeVariant("v", "A.sol", "A", "B", "d", (Edit(" = 1;", " = 2; // DEFECT"),))
    with pytest.raises(ConfigError, match="occurs 2 times"):
        render(twice, tmp_path, tmp_path)
    unmarked = CodeVariant("v", "A.sol", "A", "B", "d", (Edit("uint x = 1;", "uint x = 2;"),))
    with pytest.raises(ConfigError, match="DEFECT"):
        render(unmarked, tmp_path, tmp_path)
    ok = CodeVariant("v", "A.sol", "A", "B", "d", (Edit("uint x = 1;", "uint x = 2; // DEFECT"),))
    assert "contract B {" in render(ok, tmp_path, tmp_path)
