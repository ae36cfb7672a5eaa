"""Engine and content are two distributions: the engine's pyproject knows no protocol, the content's
installs every package of models/ and properties/ and registers the Slither plugin."""

from __future__ import annotations

import tomllib
from importlib.metadata import distribution, entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _packages_under(root: Path) -> set[str]:
    return {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in root.rglob("__init__.py")
        if not {"__pycache__", "build"} & set(init.parts)  # build/: a local `pip wheel`'s leftovers
    }


def test_engine_pyproject_builds_only_the_engine() -> None:
    engine = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert engine["tool"]["setuptools"]["packages"]["find"]["include"] == ["vaultproof*"]
    assert "entry-points" not in engine["project"]


def test_content_pyproject_lists_every_content_package() -> None:
    content = tomllib.loads((REPO / "properties" / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(content["tool"]["setuptools"]["packages"])
    assert listed == _packages_under(REPO / "models") | _packages_under(REPO / "properties")
    plugin = content["project"]["entry-points"]["slither_analyzer.plugin"]
    assert set(plugin.values()) == {"properties.detectors:make_plugin"}


def test_installed_plugin_entry_point_belongs_to_the_content() -> None:
    (plugin,) = [
        e for e in entry_points(group="slither_analyzer.plugin") if e.module == "properties.detectors"
    ]
    assert plugin.dist is not None and plugin.dist.name == "vaultproof-perp-vault"
    assert not (distribution("vaultproof").entry_points.select(group="slither_analyzer.plugin"))
