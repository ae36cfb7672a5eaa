"""Compile the detector fixtures (and the shipped contracts) once per session and keep the results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from properties.detectors import configured_detectors
from vaultproof.analysis.findings import subject
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.config import load

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "detectors"


@dataclass(frozen=True)
class Hit:
    contract: str
    function: str
    description: str


def run_detector(project: CompiledProject, cls: type) -> list[dict[str, Any]]:
    """Run one (configured) detector class on every compilation unit of the project."""
    slither = project.slither
    slither._currently_seen_resuts = set()
    results: list[dict[str, Any]] = []
    for unit in slither.compilation_units:
        results.extend(cls(unit, slither, None).detect())
    return results


def hits(results: list[dict[str, Any]]) -> list[Hit]:
    out = []
    for result in results:
        contract, function = subject(result)
        out.append(Hit(contract, function, " ".join(str(result["description"]).split())))
    return out


@pytest.fixture(scope="session")
def fixture_project() -> CompiledProject:
    return compile_project(load(FIXTURES))


@pytest.fixture(scope="session")
def fixture_context(fixture_project: CompiledProject) -> dict[str, Any]:
    config = fixture_project.config
    return {"size_limit": config.size_limit, "upgrades": [(u.previous, u.current) for u in config.upgrades]}


@pytest.fixture(scope="session")
def fixture_hits(fixture_project: CompiledProject, fixture_context: dict[str, Any]) -> dict[str, list[Hit]]:
    """Every project detector, configured from the fixture's vaultproof.toml, run once."""
    classes = configured_detectors(fixture_project.config.detector_settings, fixture_context)
    return {cls.ARGUMENT: hits(run_detector(fixture_project, cls)) for cls in classes}


@pytest.fixture(scope="session")
def run_configured(fixture_project: CompiledProject) -> Callable[..., list[Hit]]:
    """Run one detector on the fixtures with ad-hoc settings (alternative configurations)."""
    from properties.detectors import DETECTORS

    by_argument = {d.ARGUMENT: d for d in DETECTORS}

    def run(
        argument: str, settings: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        return hits(run_detector(fixture_project, by_argument[argument].configure(settings, context)))

    return run


@pytest.fixture(scope="session")
def shipped_project() -> CompiledProject:
    """The shipped contracts/ (compiled once; the engine's own compile errors surface as failures)."""
    return compile_project(load(REPO))
