"""What a protocol declares for bytecode evidence (its property package exports one ``EVIDENCE``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from vaultproof.declared import import_declared
from vaultproof.errors import RegistryError
from vaultproof.evidence.variants import CodeVariant
from vaultproof.results import Counterexample

# invariant_DEBT_6_custody_solvent → DEBT-6: the property id is in the name (crytic/properties style).
_INVARIANT = re.compile(r"^invariant_([A-Z]{2,6})_(\d{1,2})(?=_|\(|$)")


def property_of_invariant(test_name: str) -> str | None:
    match = _INVARIANT.match(test_name)
    return f"{match.group(1)}-{match.group(2)}" if match else None


@dataclass(frozen=True)
class InvariantSuite:
    path: str  # project-relative .sol file
    contract: str


@dataclass(frozen=True)
class BrokenSuite:
    """``contract`` (in ``path``) deploys code variant ``variant``; its ``invariant`` must fail there.
    ``twin_of`` names the property whose model twin is the same defect, when it is."""

    path: str
    contract: str
    variant: str
    invariant: str
    twin_of: str = ""


@dataclass(frozen=True)
class ReplayTest:
    """A recipe's answer: a forge test body over a base contract that asserts the counterexample's violation.

    ``imports`` are (symbols, project-relative path); ``body`` is the statements of ``test_replay``;
    ``target`` says what bytecode it runs on (for the report)."""

    base: str
    imports: tuple[tuple[str, str], ...]
    body: str
    target: str
    pragma: str = "0.8.28"


Recipe = Callable[[Counterexample], ReplayTest]


@dataclass(frozen=True)
class EvidenceDecl:
    suites: tuple[InvariantSuite, ...] = ()
    variants: tuple[CodeVariant, ...] = ()
    variants_dir: str = ""  # where the variants are staged (generated, under the build directory)
    broken_suites: tuple[BrokenSuite, ...] = ()
    # committed Solidity files declaring the broken suites, staged into variants_dir beside the variants
    broken_sources: tuple[str, ...] = ()
    # committed directory where forge keeps the broken suites' failing sequences (FOUNDRY_INVARIANT_FAILURE_
    # PERSIST_DIR; forge writes failures/<contract>/<invariant> below it). forge replays a kept sequence
    # before it fuzzes, so while it still breaks the invariant every run reports it; forge's own search is
    # not reproducible across processes (its fuzz dictionary iterates per-process-seeded hash maps). Empty:
    # each run fuzzes afresh and may report another sequence.
    broken_failures_dir: str = ""
    # id (property, seed finding, or ``PROPERTY.broken``) → recipe
    recipes: Mapping[str, Recipe] = field(default_factory=dict)
    # id → why there is no bytecode to replay it on (e.g. a model-only broken twin)
    no_bytecode: Mapping[str, str] = field(default_factory=dict)


def load_evidence(module_name: str, root: Path | None) -> EvidenceDecl:
    """The protocol's ``EVIDENCE`` (an empty declaration when it has none), from the declared properties
    module imported from the project ``root`` as the prove stage imports it."""
    module = import_declared(module_name, root, "properties module")
    decl = getattr(module, "EVIDENCE", None)
    if decl is None:
        return EvidenceDecl()
    if not isinstance(decl, EvidenceDecl):
        raise RegistryError(f"{module_name}.EVIDENCE is not a vaultproof.evidence.decl.EvidenceDecl")
    kept = PurePosixPath(decl.broken_failures_dir)
    if decl.broken_failures_dir and (kept.is_absolute() or ".." in kept.parts):
        # forge writes there: it must stay inside the project, as every configured path does
        raise RegistryError(
            f"{module_name}.EVIDENCE.broken_failures_dir {decl.broken_failures_dir!r} is not a path inside "
            "the project"
        )
    return decl
