"""The broken-variant contracts are exactly the declared one-edit copies of the shipped contracts, staged
(generated) beside a copy of the committed suites that deploy them, whose imports resolve there."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from properties import EVIDENCE
from properties.invariants import BROKEN_DIR, BROKEN_SOURCES, BROKEN_SUITES, SUITES, VARIANTS
from vaultproof.errors import ConfigError
from vaultproof.evidence.decl import property_of_invariant
from vaultproof.evidence.variants import CodeVariant, Edit, render, stage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The variants and suites staged where, and as, the evidence stage stages them (under build/: the same
    bytes the stage would write, so forge's cache there is unaffected)."""
    out = ROOT / BROKEN_DIR
    stage(VARIANTS, BROKEN_SOURCES, ROOT, out)
    return out


def test_nothing_generated_is_committed() -> None:
    committed = sorted(p.name for p in (ROOT / Path(BROKEN_SOURCES[0]).parent).glob("*.sol"))
    assert committed == sorted(Path(s).name for s in BROKEN_SOURCES), committed
    assert BROKEN_DIR.startswith("build/")


def test_staging_writes_every_variant_and_suite_whose_imports_resolve(staged: Path) -> None:
    names = {f"{v.name}.sol" for v in VARIANTS} | {Path(s).name for s in BROKEN_SOURCES}
    assert {p.name for p in staged.glob("*.sol")} == names
    for path in staged.glob("*.sol"):
        for target in re.findall(r'import\s*\{[^}]*\}\s*from\s*"([^"]+)"', path.read_text()):
            if target.startswith("."):
                assert (path.parent / target).resolve().is_file(), f"{path.name}: {target} does not resolve"
    suite = (staged / Path(BROKEN_SOURCES[0]).name).read_text()
    assert all(f'from "./{v.name}.sol"' in suite for v in VARIANTS), "a variant import was rebased"


def test_restaging_removes_what_no_declaration_produces(tmp_path: Path) -> None:
    (tmp_path / "A.sol").write_text("contract A {\n  uint x = 1;\n}\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "Old.sol").write_text("contract Old {}\n")
    ok = CodeVariant("v", "A.sol", "A", "B", "d", (Edit("uint x = 1;", "uint x = 2; // DEFECT"),))
    assert [p.name for p in stage([ok], [], tmp_path, out)] == ["B.sol"]
    assert sorted(p.name for p in out.glob("*.sol")) == ["B.sol"]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_each_variant_differs_from_its_source_only_by_marked_defect_lines(
    staged: Path, variant: CodeVariant
) -> None:
    shipped = (ROOT / variant.source).read_text(encoding="utf-8").splitlines()
    broken = (staged / f"{variant.name}.sol").read_text(encoding="utf-8").splitlines()
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
