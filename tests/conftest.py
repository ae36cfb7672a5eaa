"""Test distribution: ``make pytest`` runs two pytest-xdist workers (``--dist loadgroup``, the 2-core
machine). A test module is one group (its module-scoped fixtures are built once), and so is a directory whose
conftest compiles once per session or whose tests write the same generated files under build/. The model
tests are not grouped: their contexts are cached on disk (``build/prover-cache``), and each broken code
twin is its own compile, so they spread over both workers."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = ("analysis", "evidence", "prover/code")
UNGROUPED = ("models",)


def group_of(path: Path) -> str | None:
    relative = path.resolve().relative_to(TESTS).as_posix()
    if relative.startswith(tuple(f"{d}/" for d in UNGROUPED)):
        return None
    return next((d for d in SHARED if relative.startswith(f"{d}/")), relative)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = group_of(item.path)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
