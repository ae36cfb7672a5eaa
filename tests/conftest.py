"""Test distribution: ``make pytest`` runs two pytest-xdist workers (``--dist loadgroup``, the 2-core
machine). A test module is one group (its module-scoped fixtures are built once), and so is a directory whose
conftest compiles once per session or whose tests write the same generated files under build/. The model
tests are not grouped: their contexts are cached on disk (``build/prover-cache``), and each broken code
twin is its own compile, so they spread over both workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = ("analysis", "evidence", "prover/code")
UNGROUPED = ("models",)


def group_of(path: Path) -> str | None:
    relative = path.resolve().relative_to(TESTS).as_posix()
    if relative.startswith(tuple(f"{d}/" for d in UNGROUPED)):
        return None
    return next((d for d in SHARED if relative.startswith(f"{d}/")), relative)


# The groups are given to xdist's scheduler directly, by node id. Marking the items ``xdist_group`` does
# not group them with pytest 9: xdist 3.8 appends the group to ``item._nodeid``, an attribute pytest 9 no
# longer reads, so every group was spread over both workers (each building the module and session fixtures,
# the bytecode evidence's 3-minute forge run among them, twice and at once in the same build/repro/).
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class Groups(LoadGroupScheduling):  # type: ignore[misc]  # xdist ships no type information
        def _split_scope(self, nodeid: str) -> str:
            path = (config.rootpath / nodeid.partition("::")[0]).resolve()
            group = group_of(path) if path.is_relative_to(TESTS) else None  # a test outside tests/: alone
            return nodeid if group is None else group

    return Groups(config, log)
