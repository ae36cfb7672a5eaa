"""The detector package's shape: one detector per module, each naming the property it decides."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from properties import REGISTRY
from properties.detectors import DETECTORS
from properties.detectors._base import VaultproofDetector
from vaultproof.prover.registry import DetectorChecker

DETECTORS_DIR = Path(__file__).resolve().parents[2] / "properties" / "detectors"


def _detector_classes(path: Path) -> list[str]:
    """Classes in ``path`` that declare an ``ARGUMENT`` (Slither's mark of a concrete detector)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "ARGUMENT" for t in stmt.targets)
            for stmt in node.body
        )
    ]


def test_every_module_defines_at_most_one_detector() -> None:
    crowded = {
        str(p.relative_to(DETECTORS_DIR)): classes
        for p in sorted(DETECTORS_DIR.rglob("*.py"))
        if len(classes := _detector_classes(p)) > 1
    }
    assert crowded == {}
    assert sum(len(_detector_classes(p)) for p in DETECTORS_DIR.rglob("*.py")) == len(DETECTORS)


def test_each_detector_lives_in_category_folder_named_after_its_argument() -> None:
    for detector in DETECTORS:
        module = detector.__module__.split(".")
        assert module[:2] == ["properties", "detectors"] and len(module) == 4, detector
        assert module[3] == detector.ARGUMENT.removeprefix("vp-").replace("-", "_"), detector


def test_static_declarations_and_detector_property_ids_agree() -> None:
    """ST-n is declared once (properties/static.py) and decided by the one detector whose PROPERTY is ST-n."""
    declared = {p.id: p.checker.argument for p in REGISTRY if isinstance(p.checker, DetectorChecker)}
    carried = {d.PROPERTY: d.ARGUMENT for d in DETECTORS}
    assert declared == carried
    assert [d.PROPERTY for d in DETECTORS] == [f"ST-{n}" for n in range(1, len(DETECTORS) + 1)]


def test_base_refuses_a_detector_without_property() -> None:
    with pytest.raises(TypeError, match="declares no PROPERTY"):

        class Nameless(VaultproofDetector):  # pragma: no cover - refused at class creation
            ARGUMENT = "vp-nameless"

    class Named(VaultproofDetector):
        PROPERTY = "ST-99"
        ARGUMENT = "vp-named"

    configured = Named.configure({})
    assert issubclass(configured, Named) and configured.PROPERTY == "ST-99"


def test_each_detector_has_its_fixture_named_after_its_argument() -> None:
    fixtures = DETECTORS_DIR.parents[1] / "tests" / "fixtures" / "detectors" / "contracts"
    named = {p.stem for p in fixtures.glob("*.sol")} - {"Common"}
    assert named == {d.ARGUMENT for d in DETECTORS}
