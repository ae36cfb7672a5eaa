"""Property declarations: each property is declared once, validated at import.

A protocol's ``properties`` package builds one :class:`Registry` and calls ``register(...)`` for
every property, seed finding and metric. Reports, tests and the CLI read only this registry.
Like Slither refusing a detector with a missing field, ``register`` refuses an incomplete or
duplicated declaration the moment the module is imported.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from types import FrameType

from vaultproof.errors import RegistryError
from vaultproof.prover.obligation import ModelContext, Obligation, OptimizationGoal
from vaultproof.results import FunctionRef, SeedFinding, Severity

Check = Callable[[ModelContext], Sequence[Obligation]]
MetricCompute = Callable[[ModelContext], Sequence[OptimizationGoal]]
DefectBuilder = Callable[[ModelContext, str | None], Sequence[Obligation]]

PROPERTY_ID = re.compile(r"^[A-Z]{2,6}-\d{1,2}$")
DERIVED_ID = re.compile(r"^[A-Z]{2,6}-\d{1,2}(\.[a-z0-9-]+)?$")


@dataclass(frozen=True)
class CodeTwin:
    """The broken *code* twin of a property: the shipped sources with one edit, ``find`` → ``replace`` in
    ``file`` (relative to the project root; ``find`` must match exactly once).

    The property's code obligations, run on the project compiled with this edit, must come out VIOLATED:
    evidence that they read the code they name, as the broken model twin is evidence for the model.
    """

    file: str
    find: str
    replace: str
    description: str


@dataclass(frozen=True)
class ModelChecker:
    """Decided by Z3. ``broken`` is the same model with one named defect; it must come out VIOLATED,
    so the property cannot be vacuous by construction.

    ``code`` builds the code obligations: each model stage stated as a pre/post contract of the function it
    describes, over that function's executed code (``ModelContext.code``). ``code_twin`` is the broken code
    they must reject. Without ``code`` the property is at best MODEL-ONLY; ``code_pending`` says why the
    code side is missing (shown in the verdict's reason).
    """

    check: Check
    broken: Check
    broken_description: str
    code: Check | None = None
    code_twin: CodeTwin | None = None
    code_pending: str = ""
    # The model function the property's index and report point at (the builder of ``with_defect``).
    model: Callable[..., object] | None = None

    @classmethod
    def with_defect(cls, builder: DefectBuilder, defect: str, description: str) -> ModelChecker:
        """One model builder for both variants: ``builder(ctx, None)`` is the shipped model and
        ``builder(ctx, defect)`` the same model with the named defect switched on."""

        def check(ctx: ModelContext) -> Sequence[Obligation]:
            return builder(ctx, None)

        def broken(ctx: ModelContext) -> Sequence[Obligation]:
            return builder(ctx, defect)

        return cls(check=check, broken=broken, broken_description=description, model=builder)

    def with_code(self, code: Check, twin: CodeTwin) -> ModelChecker:
        """The same checker with its code obligations and their broken code twin."""
        return replace(self, code=code, code_twin=twin)

    def pending(self, reason: str) -> ModelChecker:
        """The same checker, declaring why it has no code obligations yet (it stays MODEL-ONLY)."""
        return replace(self, code_pending=reason)


@dataclass(frozen=True)
class DetectorChecker:
    """Decided by a Slither detector, named by its ``ARGUMENT``."""

    argument: str


Checker = ModelChecker | DetectorChecker


@dataclass(frozen=True)
class PropertyDecl:
    """One property, declared once. Its ``family`` and the id that leads its statement are derived from
    ``id``, never typed a second time."""

    id: str
    title: str
    # What the property says, without its id: ``statement`` prefixes the id for a model property.
    claim: str
    severity: Severity
    seed: str
    rationale: str
    assumptions: tuple[str, ...]
    targets: tuple[FunctionRef, ...]
    checker: Checker

    @property
    def is_static(self) -> bool:
        return isinstance(self.checker, DetectorChecker)

    @property
    def family(self) -> str:
        """``CONV`` for ``CONV-1``: the family is the id's prefix."""
        return self.id.rpartition("-")[0]

    @property
    def statement(self) -> str:
        """As the catalogue prints it: a model property's claim follows its id ("CONV-1 price floor …");
        a detector property's claim is the detector's rule, printed alone."""
        return self.claim if self.is_static else f"{self.id} {self.claim}"


@dataclass(frozen=True)
class SeedFindingDecl(SeedFinding):
    """A seed finding's declaration: ``check`` models the seed's rule as written; it is expected to be
    VIOLATED, and the counterexample is the finding."""

    targets: tuple[FunctionRef, ...]
    check: Check


@dataclass(frozen=True)
class MetricDecl:
    """A quantitative result (``z3.Optimize``) reported as numbers rather than a yes/no verdict."""

    id: str
    title: str
    seed: str
    rationale: str
    compute: MetricCompute


@dataclass
class Registry:
    """The catalogue of one protocol. Mutable only while its declaring modules import."""

    properties: dict[str, PropertyDecl] = field(default_factory=dict)
    seed_findings: dict[str, SeedFindingDecl] = field(default_factory=dict)
    metrics: dict[str, MetricDecl] = field(default_factory=dict)
    # The deployment map: which project contract sits behind each address-typed state variable
    # ("Vault.balanceManager" → "BalanceManager"). A call through an address it does not bind is a call
    # into unknown code (havoc within its interface), never assumed to be the project's.
    deployment: dict[str, str] = field(default_factory=dict)

    def deploy(self, bindings: dict[str, str]) -> None:
        """Declare the deployment map (once per project, from its property package)."""
        if self.deployment:
            raise RegistryError("the deployment map is declared twice")
        for key, contract in bindings.items():
            owner, _, variable = key.partition(".")
            if not (owner and variable and contract) or "." in variable:
                raise RegistryError(f"deployment binding {key!r} → {contract!r} is not 'Contract.variable'")
        self.deployment = dict(sorted(bindings.items()))

    def validate_deployment(self, available: Iterable[tuple[str, str]]) -> None:
        """Every contract the deployment map names (as owner or as bound code) must be compiled."""
        contracts = {contract for contract, _ in available}
        unknown = sorted(
            {part for key, bound in self.deployment.items() for part in (key.partition(".")[0], bound)}
            - contracts
        )
        if unknown:
            raise RegistryError(f"the deployment map names contract(s) not compiled: {', '.join(unknown)}")

    # Where each declaration was registered: (source file, line of the module-level statement).
    declared_at: dict[str, tuple[str, int]] = field(default_factory=dict)

    def register(self, decl: PropertyDecl | SeedFindingDecl | MetricDecl) -> None:
        _require_complete(decl)
        if decl.id in self.properties or decl.id in self.seed_findings or decl.id in self.metrics:
            raise RegistryError(f"duplicate declaration id {decl.id!r}")
        self.declared_at[decl.id] = _declaring_statement()
        if isinstance(decl, PropertyDecl):
            if not PROPERTY_ID.match(decl.id):
                raise RegistryError(f"property id {decl.id!r} is not of the form FAMILY-N")
            if decl.claim.startswith(decl.id):
                raise RegistryError(f"property {decl.id}: the claim repeats the id (it is derived; omit it)")
            if isinstance(decl.checker, ModelChecker):
                if not (callable(decl.checker.check) and callable(decl.checker.broken)):
                    raise RegistryError(f"property {decl.id}: check and broken must be callables")
                if not decl.checker.broken_description.strip():
                    raise RegistryError(f"property {decl.id}: broken variant needs a description")
                _require_code_side(decl.id, decl.checker)
            self.properties[decl.id] = decl
        elif isinstance(decl, SeedFindingDecl):
            if not DERIVED_ID.match(decl.id):
                raise RegistryError(f"seed finding id {decl.id!r} is not of the form FAMILY-N.name")
            if not callable(decl.check):
                raise RegistryError(f"seed finding {decl.id}: check must be callable")
            self.seed_findings[decl.id] = decl
        else:
            if not DERIVED_ID.match(decl.id):
                raise RegistryError(f"metric id {decl.id!r} is not of the form FAMILY-N.name")
            if not callable(decl.compute):
                raise RegistryError(f"metric {decl.id}: compute must be callable")
            self.metrics[decl.id] = decl

    def validate_links(self) -> None:
        """Cross-declaration checks that need the whole catalogue (run after all imports)."""
        for finding in self.seed_findings.values():
            if finding.fixed_by not in self.properties:
                raise RegistryError(
                    f"seed finding {finding.id} is fixed_by unknown property {finding.fixed_by!r}"
                )

    def validate_targets(self, available: Iterable[tuple[str, str]]) -> None:
        """Every named Solidity function must exist in the compiled contracts.

        Checked at start-up so that a rename cannot silently orphan a proof.
        """
        known = set(available)
        declared: list[tuple[str, tuple[FunctionRef, ...]]] = [
            (d.id, d.targets) for d in self.properties.values()
        ] + [(d.id, d.targets) for d in self.seed_findings.values()]
        missing = sorted(
            f"{decl_id} → {target}"
            for decl_id, targets in declared
            for target in targets
            if (target.contract, target.function) not in known
        )
        if missing:
            raise RegistryError(
                f"{len(missing)} declared target(s) not found in the compiled contracts: {'; '.join(missing)}"
            )

    def model_properties(self) -> list[PropertyDecl]:
        return [p for p in self.sorted_properties() if isinstance(p.checker, ModelChecker)]

    def static_properties(self) -> list[PropertyDecl]:
        return [p for p in self.sorted_properties() if isinstance(p.checker, DetectorChecker)]

    def sorted_properties(self) -> list[PropertyDecl]:
        return sorted(self.properties.values(), key=lambda p: catalogue_order(p.id))

    def __iter__(self) -> Iterator[PropertyDecl]:
        return iter(self.sorted_properties())


def _declaring_statement() -> tuple[str, int]:
    """The module-level statement that called ``register`` (through helpers such as a ``_static(...)``
    wrapper), so an index can point at the declaration; the direct caller when there is none."""
    caller = sys._getframe(2)
    frame: FrameType | None = caller
    while frame is not None and frame.f_code.co_name != "<module>":
        frame = frame.f_back
    found = frame if frame is not None and frame.f_code.co_filename != "<string>" else caller
    return found.f_code.co_filename, found.f_lineno


def catalogue_order(identifier: str) -> tuple[str, int, str]:
    """Sort IDs as a reader expects: ALLOC-2 before ALLOC-10, suffixes after the base."""
    head, _, suffix = identifier.partition(".")
    family, _, number = head.rpartition("-")
    return (family, int(number) if number.isdigit() else 0, suffix)


def _require_code_side(decl_id: str, checker: ModelChecker) -> None:
    """Code obligations come with the broken code that must fail them, like a model with its broken twin."""
    if checker.code is None:
        if checker.code_twin is not None:
            raise RegistryError(f"property {decl_id}: a code twin without code obligations")
        return
    if not callable(checker.code):
        raise RegistryError(f"property {decl_id}: code must be callable")
    twin = checker.code_twin
    if twin is None:
        raise RegistryError(f"property {decl_id}: code obligations need a broken code twin (CodeTwin)")
    if not (twin.file.strip() and twin.find and twin.description.strip()) or twin.find == twin.replace:
        raise RegistryError(f"property {decl_id}: the code twin needs a file, a real edit and a description")


def _require_complete(decl: PropertyDecl | SeedFindingDecl | MetricDecl) -> None:
    name = getattr(decl, "id", "?")
    for f in fields(decl):
        value = getattr(decl, f.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RegistryError(f"declaration {name!r} is missing field {f.name!r}")
        static = isinstance(getattr(decl, "checker", None), DetectorChecker)
        if f.name == "targets" and not value and not static:
            raise RegistryError(f"declaration {name!r} names no Solidity target function")
