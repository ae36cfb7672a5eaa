"""The contexts the family model tests run in, each built once per session (whichever family file asks first).

- ``libs_contexts``: the REAL pure libraries (``contracts/libraries``) copied into a temporary project with
  deliberately mutated copies of LockMath and MarginTable, compiled once (a few seconds); their constants
  and SlithIR feed the models exactly as ``vaultproof prove`` does.
- ``params_ctx``: the constants the contracts state, hand-written (no compilation; ``helpers.PARAMS``).
- ``shipped_ctx``: the real prove-stage context (constants, lowered library functions and stateful code),
  cached under ``build/prover-cache`` by a hash of the sources and the prover (``vaultproof.prover.context``).
"""

from __future__ import annotations

import re
import shutil

import pytest

from properties import REGISTRY
from tests.models.helpers import PARAMS, ROOT
from vaultproof import config
from vaultproof.compile import compile_project
from vaultproof.prover.context import cached_context
from vaultproof.prover.extract import extract_library_functions
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.params import extract_params


def _swapped(ctx: ModelContext, mutant: str, library: str) -> ModelContext:
    """``ctx`` with ``library``'s functions replaced by those of its mutated copy ``mutant``."""
    functions = dict(ctx.functions)
    for key, value in ctx.functions.items():
        if key.startswith(f"{mutant}."):
            functions[f"{library}." + key.split(".", 1)[1]] = value
    return ModelContext(params=ctx.params, functions=functions)


@pytest.fixture(scope="session")
def libs_contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelContext, ModelContext]:
    """(real libraries, same with LockMath.partialUnlock rounding UP) from one compilation."""
    root = tmp_path_factory.mktemp("libs")
    (root / "contracts").mkdir()
    for source in sorted((ROOT / "contracts" / "libraries").glob("*.sol")):
        shutil.copy(source, root / "contracts" / source.name)
    original = (ROOT / "contracts" / "libraries" / "LockMath.sol").read_text()
    mutant = original.replace("library LockMath", "library LockMathMutant")
    mutant, count = re.subn(
        r"return \(locked \* fractionPpm\) / PPM;", "return (locked * fractionPpm + PPM - 1) / PPM;", mutant
    )
    assert count == 1, "partialUnlock changed shape; update the mutation"
    (root / "contracts" / "LockMathMutant.sol").write_text(mutant)
    # TIER: nextDeduction drops the accumulated deduction D_{i−1} (continuity breaks from the third tier)
    tiers = (ROOT / "contracts" / "libraries" / "MarginTable.sol").read_text()
    tiers = tiers.replace("library MarginTable", "library MarginTableMutant")
    tiers, count = re.subn(r"return prevDeduction \+ lowerBound \* \(", "return lowerBound * (", tiers)
    assert count == 1, "nextDeduction changed shape; update the mutation"
    (root / "contracts" / "MarginTableMutant.sol").write_text(tiers)
    (root / "vaultproof.toml").write_text('[project]\nname = "libs"\nsources = ["contracts"]\n')
    project = compile_project(config.load(root))
    real = ModelContext(params=extract_params(project), functions=extract_library_functions(project))
    return real, _swapped(real, "LockMathMutant", "LockMath")


@pytest.fixture(scope="session")
def libs_ctx(libs_contexts: tuple[ModelContext, ModelContext]) -> ModelContext:
    return libs_contexts[0]


@pytest.fixture(scope="session")
def tier_mutated(libs_ctx: ModelContext) -> ModelContext:
    """The real libraries with MarginTable replaced by the copy whose nextDeduction drops D_{i−1}."""
    return _swapped(libs_ctx, "MarginTableMutant", "MarginTable")


@pytest.fixture(scope="session")
def params_ctx() -> ModelContext:
    return ModelContext(params=PARAMS)


@pytest.fixture(scope="session")
def shipped_ctx() -> ModelContext:
    """Compiles once (~15 s) when the contracts change; otherwise read from build/prover-cache."""
    return cached_context(ROOT, REGISTRY.deployment)


@pytest.fixture(scope="session")
def shipped(shipped_ctx: ModelContext) -> ModelContext:
    """The name the ``test_<family>_code.py`` files ask for: the same shipped context."""
    return shipped_ctx
