"""Unknown code behind a `view`/`pure` interface function is called with STATICCALL: the declared havoc of
its writes does not apply (the EVM reverts any write in a static frame), a mutating call still havocs."""

from __future__ import annotations

from pathlib import Path

import pytest
import z3

from tests.assertions import verdict
from vaultproof import config
from vaultproof.compile import compile_project
from vaultproof.prover.code import CodeProject, Havoc, execute, lower_project
from vaultproof.results import Verdict

HAVOC = {"StaticPeek.venue": Havoc(writes=(("StaticPeek", "held"),))}
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "static_call"


@pytest.fixture(scope="module")
def code() -> CodeProject:
    return lower_project(compile_project(config.load(FIXTURE)))


def test_view_call_to_unknown_code_writes_nothing(code: CodeProject) -> None:
    ex = execute(code, "StaticPeek.peek", havoc=HAVOC)
    assert verdict(ex, z3.Implies(ex.ok, ex.ret("h") == ex.before("StaticPeek", "held"))) is Verdict.PROVED
    assert verdict(
        ex, z3.Implies(ex.ok, ex.post("StaticPeek", "held") == ex.before("StaticPeek", "held"))
    ) is (Verdict.PROVED)
    # the answer is still anything the unknown code returns
    assert verdict(ex, z3.Implies(ex.ok, ex.ret("q") == ex.arg("x"))) is Verdict.VIOLATED


def test_mutating_call_to_unknown_code_still_havocs_what_is_declared(code: CodeProject) -> None:
    ex = execute(code, "StaticPeek.takeThenRead", havoc=HAVOC)
    assert verdict(ex, z3.Implies(ex.ok, ex.ret("h") == ex.before("StaticPeek", "held"))) is Verdict.VIOLATED
