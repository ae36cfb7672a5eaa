"""The dependence set: what a property's obligations read of the context, recorded key by key, and the
rule that decides whether a mutant's change can alter them (vaultproof.prover.dependence)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vaultproof.errors import VaultproofError
from vaultproof.prover.code import CodeProject, UnsupportedCode
from vaultproof.prover.code.program import ContractCode
from vaultproof.prover.dependence import Change, affected, change_between, recording
from vaultproof.prover.obligation import ModelContext
from vaultproof.results import Dependence

VAULT = ContractCode(name="Vault", file="contracts/Vault.sol", kind="contract", state=(), dispatch=())
CODE = CodeProject(
    contracts=(("Vault", VAULT),),
    functions=(("K.f()", UnsupportedCode("K.f()", "K.f", "K", "not lowered")),),
)
CTX = ModelContext(params={"A.X": 1, "B.Y": 2}, functions={"L.f": "ir-f", "L.g": "ir-g"}, code=CODE)


def test_each_key_read_is_recorded_and_nothing_else() -> None:
    ctx, depends = recording(CTX)
    assert ctx.param("A.X") == 1
    assert ctx.functions.get("L.f") == "ir-f"
    assert "L.missing" not in ctx.functions
    code = ctx.code
    assert isinstance(code, CodeProject)  # a copy whose lookups record; the check itself reads no key
    with pytest.raises(VaultproofError):
        code.function("K.f()")
    assert code.contract("Vault") == VAULT
    assert depends() == Dependence(
        params=frozenset({"A.X"}),
        pure=frozenset({"L.f", "L.missing"}),
        code=frozenset({"K.f()"}),
        contracts=frozenset({"Vault"}),
    )


@pytest.mark.parametrize(
    "walk",
    [
        lambda ctx: dict(ctx.params),
        lambda ctx: list(ctx.functions.items()),
        lambda ctx: ctx.code.unsupported(),  # walks the lowered project's functions tuple
        lambda ctx: sorted(ctx.code._index),
    ],
    ids=["params", "pure functions", "code tuple", "code index"],
)
def test_walking_a_part_of_the_context_depends_on_everything(walk: Callable[[ModelContext], object]) -> None:
    ctx, depends = recording(CTX)
    walk(ctx)
    assert depends().everything


def test_the_recording_context_answers_like_the_original() -> None:
    ctx, _ = recording(CTX)
    assert dict(ctx.params) == dict(CTX.params)
    assert isinstance(ctx.code, CodeProject)
    assert ctx.code.unsupported() == CODE.unsupported()
    assert CTX.code is CODE and CODE._index.__class__ is dict  # the original is left untouched


def test_a_change_affects_exactly_the_properties_that_read_it() -> None:
    reads_x = Dependence(params=frozenset({"A.X"}), code=frozenset({"K.f()"}))
    assert affected(reads_x, Change(params=frozenset({"A.X"})))
    assert affected(reads_x, Change(code=frozenset({"K.f()", "K.g()"})))
    assert not affected(reads_x, Change(params=frozenset({"B.Y"}), pure=frozenset({"L.f"})))
    assert not affected(reads_x, Change())  # a mutant that changes nothing the prover reads
    assert affected(None, Change(pure=frozenset({"L.f"})))  # not recorded: proved again
    assert affected(Dependence(everything=True), Change(contracts=frozenset({"Vault"})))


def test_change_between_two_contexts_names_the_differing_keys() -> None:
    after = ModelContext(
        params={"A.X": 1, "B.Y": 3}, functions={"L.f": "ir-f", "L.g": "ir-g2", "L.h": "new"}, code=CODE
    )
    change = change_between(CTX, after)
    assert change == Change(params=frozenset({"B.Y"}), pure=frozenset({"L.g", "L.h"}))
    assert change_between(CTX, CTX).empty


def test_lowered_code_is_compared_up_to_the_names_of_ir_temporaries() -> None:
    """Slither numbers temporaries per compilation: the same function from the whole project and from a
    mutant's closure reads TMP_8 in one and TMP_12 in the other; a changed operation is still a change."""
    same = ModelContext(functions={"L.f": "BinOp(dest=TMP_12, left=TMP_13, right=TMP_12)", "L.g": "ir-g"})
    before = ModelContext(functions={"L.f": "BinOp(dest=TMP_8, left=TMP_9, right=TMP_8)", "L.g": "ir-g"})
    assert change_between(before, same).empty
    swapped = ModelContext(functions={"L.f": "BinOp(dest=TMP_12, left=TMP_12, right=TMP_13)", "L.g": "ir-g"})
    assert change_between(before, swapped) == Change(pure=frozenset({"L.f"}))
