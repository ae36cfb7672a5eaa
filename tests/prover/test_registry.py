"""``register`` refuses incomplete, duplicated or dangling declarations at import time."""

from __future__ import annotations

import pytest

from tests.fixtures.decls import stub_decl, stub_seed, trivial
from vaultproof.errors import RegistryError
from vaultproof.prover.registry import (
    DetectorChecker,
    ModelChecker,
    PropertyDecl,
    Registry,
    catalogue_order,
)
from vaultproof.prover.runner import aggregate
from vaultproof.results import FunctionRef, ObligationResult, Verdict


def decl(**overrides: object) -> PropertyDecl:
    return stub_decl(**{"id": "ALLOC-1", "seed": "001", **overrides})


def test_register_accepts_a_complete_declaration() -> None:
    registry = Registry()
    registry.register(decl())
    assert [p.id for p in registry] == ["ALLOC-1"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": " "}, "missing field 'title'"),
        ({"rationale": ""}, "missing field 'rationale'"),
        ({"targets": ()}, "names no Solidity target"),
        ({"id": "alloc-1"}, "not of the form"),
        ({"claim": "ALLOC-1 toLock ≤ amount"}, "repeats the id"),
        ({"checker": ModelChecker(trivial, trivial, "")}, "needs a description"),
        # deliberately ill-typed: the registry's own run-time check is what is tested
        ({"checker": ModelChecker(trivial, None, "d")}, "must be callables"),  # type: ignore[arg-type]
    ],
)
def test_register_refuses_incomplete_declarations(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        Registry().register(decl(**overrides))


def test_family_and_statement_id_are_derived_from_the_id() -> None:
    model = decl(id="REL-4", claim="partial release is proportional")
    static = decl(id="ST-1", claim="No call in a loop.", targets=(), checker=DetectorChecker("vp-x"))
    assert (model.family, model.statement) == ("REL", "REL-4 partial release is proportional")
    assert (static.family, static.statement) == ("ST", "No call in a loop.")


def test_duplicate_ids_are_refused() -> None:
    registry = Registry()
    registry.register(decl())
    with pytest.raises(RegistryError, match="duplicate"):
        registry.register(decl(title="another"))


def test_static_properties_may_omit_targets() -> None:
    registry = Registry()
    registry.register(decl(id="ST-1", targets=(), checker=DetectorChecker("vp-x")))
    assert registry.static_properties()[0].is_static


def test_seed_finding_must_point_at_a_known_property() -> None:
    registry = Registry()
    registry.register(stub_seed(id="BF-2.seed-rule", fixed_by="BF-2"))
    with pytest.raises(RegistryError, match="unknown property 'BF-2'"):
        registry.validate_links()


def test_targets_must_exist_in_compiled_contracts() -> None:
    present = Registry()
    present.register(decl(targets=(FunctionRef("Vault", "allocate"),)))
    present.validate_targets([("Vault", "allocate")])
    registry = Registry()
    registry.register(decl(targets=(FunctionRef("Vault", "renamedAway"),)))
    with pytest.raises(RegistryError, match=r"ALLOC-1 → Vault.renamedAway"):
        registry.validate_targets([("Vault", "allocate")])


def test_catalogue_order_is_numeric() -> None:
    ids = ["ALLOC-10", "ALLOC-2", "ALLOC-1.seed", "ALLOC-1"]
    assert sorted(ids, key=catalogue_order) == ["ALLOC-1", "ALLOC-1.seed", "ALLOC-2", "ALLOC-10"]


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([Verdict.PROVED, Verdict.PROVED], Verdict.PROVED),
        ([Verdict.PROVED, Verdict.PROVED_BOUNDED], Verdict.PROVED_BOUNDED),
        ([Verdict.PROVED, Verdict.VACUOUS], Verdict.VACUOUS),
        ([Verdict.UNKNOWN, Verdict.VACUOUS], Verdict.UNKNOWN),
        ([Verdict.UNKNOWN, Verdict.VIOLATED], Verdict.VIOLATED),
    ],
)
def test_aggregate_never_upgrades_a_weaker_verdict(verdicts: list[Verdict], expected: Verdict) -> None:
    results = [ObligationResult(f"o{i}", v, 0.0) for i, v in enumerate(verdicts)]
    assert aggregate("X-1", results, 0.0).verdict is expected


def test_no_obligations_is_an_error_not_a_pass() -> None:
    assert aggregate("X-1", [], 0.0).verdict is Verdict.ERROR
