"""Assertions several test packages make the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import z3

from vaultproof.errors import VaultproofError
from vaultproof.prover.code import code_obligation
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict


def assert_rejected_in_one_line(
    load: Callable[[Path], object], path: Path, error: type[VaultproofError], message: str
) -> None:
    """``load(path)`` raises ``error`` naming ``message``, and the error renders as one line (bad input is
    one line on stderr and exit 2, never a traceback)."""
    with pytest.raises(error) as info:
        load(path)
    assert message in str(info.value)
    assert "\n" not in info.value.one_line()


def verdict(executions: object, goal: z3.BoolRef, **kw: Any) -> Verdict:
    """The verdict on one code obligation ``goal`` over ``executions``, decided through the real solver
    boundary (``solver.discharge``), so that a wrong translation of the code fails the test asking."""
    return discharge(code_obligation("t", executions, goal, **kw), SolverSettings()).verdict
