"""Session-scoped compile of the executor's fixture project (tests/fixtures/code), lowered once."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultproof import config
from vaultproof.compile import CompiledProject, compile_project
from vaultproof.prover.code import CodeProject, lower_project

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "code"


@pytest.fixture(scope="session")
def code_compiled() -> CompiledProject:
    return compile_project(config.load(FIXTURE))


@pytest.fixture(scope="session")
def code(code_compiled: CompiledProject) -> CodeProject:
    return lower_project(code_compiled)
