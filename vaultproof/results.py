"""Result types shared by every stage. Frozen, plain-valued, picklable, sortable.

Every report writer and the gate read only these; nothing downstream touches Z3 or Slither objects.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

# EIP-170's deployed-code limit; vaultproof.config's ``[analyse] size_limit`` defaults to it.
EIP170_BYTES = 24_576


class Verdict(enum.Enum):
    """Outcome of one property or obligation. Only PROVED is a pass.

    Members are declared best first, worst last: the declaration order *is* the precedence (as
    CrossHair puts it on its enum), so a property's verdict over its obligations is ``Verdict.worst``.

    - PROVED_BOUNDED: holds only for k unrolled steps.
    - MODEL_ONLY: the hand-written model is proved, but the code obligations that would tie it to the
      functions it names are missing or were not all executed: not a statement about the code.
    - TAUTOLOGY: the goal holds without its assumptions, so the obligation says nothing.
    """

    PROVED = "PROVED"
    PROVED_BOUNDED = "PROVED-BOUNDED"
    MODEL_ONLY = "MODEL-ONLY"
    TAUTOLOGY = "TAUTOLOGY"
    VACUOUS = "VACUOUS"
    UNKNOWN = "UNKNOWN"
    VIOLATED = "VIOLATED"
    ERROR = "ERROR"

    @property
    def passed(self) -> bool:
        return self is Verdict.PROVED

    @property
    def rank(self) -> int:
        """0 for PROVED, growing with how far the verdict is from a pass."""
        return list(Verdict).index(self)

    @classmethod
    def worst(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """The worst of ``verdicts`` by declaration order; PROVED for none."""
        return max(verdicts, key=lambda v: v.rank, default=cls.PROVED)

    @property
    def decided(self) -> bool:
        """The solver or the engine reached a verdict: everything but UNKNOWN (out of budget) and ERROR
        (the tool failed), which say nothing about the code checked."""
        return self not in (Verdict.UNKNOWN, Verdict.ERROR)

    def worse_than(self, before: Verdict) -> bool:
        """Further from a pass than ``before``: the one rule by which a mutant is killed by a proof.

        PROVED → anything else, and also MODEL-ONLY → VIOLATED (a code obligation that caught the
        mutant although a target of its property is not yet executed on code). Nothing is worse than
        ERROR: a property that errs on the unmutated code kills no mutant.
        """
        return self.rank > before.rank


class Severity(enum.Enum):
    """Impact if a property fails or a finding is real (Slither's scale plus CRITICAL)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"
    OPTIMIZATION = "optimization"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Severity:
        key = text.strip().lower()
        for member in cls:
            if member.value == key:
                return member
        raise ValueError(f"unknown severity {text!r} (expected one of {', '.join(m.value for m in cls)})")


_SEVERITY_ORDER = [
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFORMATIONAL,
    Severity.OPTIMIZATION,
]


class ExitCode(enum.IntEnum):
    """Process exit status, documented in the README."""

    CLEAN = 0
    REGRESSION = 1
    BAD_INPUT = 2  # bad input or a tool failure: never a verdict about the code
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


@dataclass(frozen=True, order=True)
class TokenValue:
    """One named value of a counterexample: raw integer plus its rendering in token units."""

    name: str
    raw: int
    decimals: int
    unit: str
    display: str


@dataclass(frozen=True)
class Counterexample:
    """A concrete assignment that falsifies an obligation, every variable named, in token units."""

    obligation: str
    values: tuple[TokenValue, ...]
    explanation: str = ""


@dataclass(frozen=True)
class ObligationResult:
    """The solver's answer for one proof obligation (base, step, no-overflow, ...)."""

    name: str
    verdict: Verdict
    seconds: float
    reason: str = ""
    counterexample: Counterexample | None = None
    bound: int | None = None


@dataclass(frozen=True, order=True)
class FunctionRef:
    """A Solidity function a property speaks about: ``Contract.function``."""

    contract: str
    function: str

    def __str__(self) -> str:
        return f"{self.contract}.{self.function}"


@dataclass(frozen=True, order=True)
class LineHits:
    """Source lines of one file (path relative to the project root) that a proof executed."""

    file: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class FunctionCoverage:
    """Of one targeted function's statement lines, those its property's code obligations executed."""

    function: FunctionRef
    file: str
    statement_lines: tuple[int, ...]
    executed_lines: tuple[int, ...]


# Field metadata of a result field that stays in memory: ``results.json`` does not carry it.
IN_MEMORY = {"encode": False}


@dataclass(frozen=True)
class Dependence:
    """What one property's obligations were built from (``vaultproof.prover.dependence`` records it):
    keys of the folded constants (``params``, "Contract.NAME"), of the lowered pure library functions
    (``pure``, "Lib.fn" and "Lib.fn(types)"), of the lowered project's functions (``code``,
    "Contract.fn(types)") and contracts (``contracts``). ``everything``: some read was not by key."""

    params: frozenset[str] = frozenset()
    pure: frozenset[str] = frozenset()
    code: frozenset[str] = frozenset()
    contracts: frozenset[str] = frozenset()
    everything: bool = False


@dataclass(frozen=True)
class PropertyResult:
    """Aggregate verdict of a property over all its obligations.

    ``executed`` are the functions some obligation executed on code (SlithIR), ``executed_lines`` every
    source line those executions ran (targets and callees), ``coverage`` each target's statement lines
    and which of them were executed (filled in by the prove stage, which knows the sources),
    ``depends`` what its obligations read of the context (in memory only).
    """

    property_id: str
    verdict: Verdict
    seconds: float
    obligations: tuple[ObligationResult, ...]
    reason: str = ""
    executed: tuple[FunctionRef, ...] = ()
    executed_lines: tuple[LineHits, ...] = ()
    coverage: tuple[FunctionCoverage, ...] = ()
    # The dependence set of the run that produced this result (the mutation campaign reuses a verdict
    # on a mutant that changes none of it); None when not recorded (e.g. read back from results.json).
    depends: Dependence | None = field(default=None, compare=False, repr=False, metadata=IN_MEMORY)

    @property
    def proof_coverage(self) -> tuple[int, int]:
        """(statement lines executed, statement lines) over the targets that have statements."""
        executed = sum(len(set(c.executed_lines) & set(c.statement_lines)) for c in self.coverage)
        return executed, sum(len(c.statement_lines) for c in self.coverage)

    @property
    def counterexample(self) -> Counterexample | None:
        for ob in self.obligations:
            if ob.counterexample is not None:
                return ob.counterexample
        return None


@dataclass(frozen=True)
class MetricValue:
    """One number of a quantitative analysis (z3.Optimize), rendered in token units."""

    name: str
    value: TokenValue
    note: str = ""


@dataclass(frozen=True)
class MetricResult:
    metric_id: str
    verdict: Verdict
    seconds: float
    values: tuple[MetricValue, ...]
    reason: str = ""


@dataclass(frozen=True)
class SourceLocation:
    file: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class StaticFinding:
    """One detector hit, Slither-shaped, plus the fingerprint the gate compares by meaning."""

    detector: str
    check_id: str
    title: str
    impact: Severity
    confidence: str
    description: str
    contract: str
    function: str
    locations: tuple[SourceLocation, ...]
    fingerprint: str
    triaged: bool = False
    triage_reason: str = ""
    slither_json: str = field(default="", compare=False)


@dataclass(frozen=True)
class BytecodeSize:
    contract: str
    source: str
    deployed_bytes: int
    limit_bytes: int = EIP170_BYTES

    @property
    def headroom(self) -> int:
        return self.limit_bytes - self.deployed_bytes

    @property
    def within_limit(self) -> bool:
        return self.deployed_bytes <= self.limit_bytes


@dataclass(frozen=True)
class ToolVersions:
    vaultproof: str
    solc: str
    z3: str
    slither: str
    crytic_compile: str
    python: str


class CheckerKind(enum.Enum):
    """What decides a property: a Z3 model or a Slither detector."""

    Z3 = "z3"
    SLITHER = "slither"

    def label(self, argument: str = "") -> str:
        """The catalogue's ``checker`` text: ``z3`` or ``slither:<detector argument>``."""
        return f"{self.value}:{argument}" if self is CheckerKind.SLITHER else self.value


@dataclass(frozen=True)
class CatalogueEntry:
    """The declaration of a property as reports show it (copied from the registry, plain values)."""

    id: str
    family: str
    title: str
    statement: str
    severity: Severity
    seed: str
    rationale: str
    assumptions: tuple[str, ...]
    targets: tuple[FunctionRef, ...]
    checker: str  # CheckerKind.label(): "z3" or "slither:<argument>"; read it through the two properties
    broken_description: str = ""
    # Where each target is defined, aligned with ``targets`` (empty when the target was not located).
    target_locations: tuple[SourceLocation, ...] = ()
    # Where the property is declared, and the model function (or detector class) that decides it.
    declaration: SourceLocation | None = None
    model_function: SourceLocation | None = None

    @property
    def checker_kind(self) -> CheckerKind:
        return CheckerKind(self.checker.partition(":")[0])

    @property
    def detector(self) -> str:
        """The detector argument behind a Slither-decided property ("" for a Z3 property)."""
        return self.checker.partition(":")[2] if self.checker_kind is CheckerKind.SLITHER else ""


@dataclass(frozen=True)
class FunctionSource:
    """A targeted function's source text as the report shows it (lines ``start_line`` … on)."""

    function: FunctionRef
    file: str
    start_line: int
    text: tuple[str, ...]
    statement_lines: tuple[int, ...]


@dataclass(frozen=True)
class SeedFinding:
    """A rule written in a design document that the harness shows to be unsound, as declared;
    ``fixed_by`` names the property that proves the shipped fix."""

    id: str
    fixed_by: str
    title: str
    seed: str
    statement: str
    rationale: str
    severity: Severity


@dataclass(frozen=True)
class SeedFindingResult(SeedFinding):
    """A design-document rule shown unsound: expected VIOLATED, with its counterexample."""

    result: PropertyResult

    @property
    def confirmed(self) -> bool:
        return self.result.verdict is Verdict.VIOLATED


class MutantOutcome(enum.Enum):
    """What became of one mutant. Only the three KILLED_* and SURVIVED count in a mutation score:
    an equivalent or duplicate mutant cannot be killed, one the compiler rejects (the contracts, or the
    forge suites against its changed interface) says nothing about the harness, and an UNDECIDED one
    is a mutant no stage killed while some stage could not judge it (a proof UNKNOWN or ERROR on it, the
    forge suites timing out): counted killed it would credit the harness with a tool failure, counted
    survived it would blame the checks for one."""

    KILLED_PROOF = "killed:proof"
    KILLED_DETECTOR = "killed:detector"
    KILLED_FORGE = "killed:forge"
    SURVIVED = "survived"
    COMPILE_ERROR = "compile-error"
    EQUIVALENT = "equivalent"
    DUPLICATE = "duplicate"
    UNDECIDED = "undecided"

    @property
    def scored(self) -> bool:
        return self in _SCORED

    @property
    def killed(self) -> bool:
        return self in (MutantOutcome.KILLED_PROOF, MutantOutcome.KILLED_DETECTOR, MutantOutcome.KILLED_FORGE)


_SCORED = (
    MutantOutcome.KILLED_PROOF,
    MutantOutcome.KILLED_DETECTOR,
    MutantOutcome.KILLED_FORGE,
    MutantOutcome.SURVIVED,
)

UNCHECKED = "(unchecked)"  # the family of a generated mutant in code no property targets


@dataclass(frozen=True)
class MutantResult:
    """One mutant: which family it breaks, whether the harness caught it, and with what.

    Hand-written mutants (``mutant_set == "handwritten"``) name their family; a generated one takes the
    families of the properties that target its function (``targeted_by``), or ``UNCHECKED``.
    ``killed_by`` names the property ids, detector arguments or forge tests that caught it, or the
    compiler's first error; ``equivalent_to`` the mutant (or ``original``) with the same bytecode;
    ``undecided`` what could not judge it (a property UNKNOWN or ERROR on it, a forge timeout), whether
    or not another stage killed it.
    """

    mutant_id: str
    family: str
    description: str
    killed: bool
    killed_by: tuple[str, ...]
    mutant_set: str = "handwritten"
    outcome: MutantOutcome | None = None
    operator: str = ""
    contract: str = ""
    function: str = ""
    file: str = ""
    line: int = 0
    diff: str = ""
    targeted_by: tuple[str, ...] = ()
    equivalent_to: str = ""
    # The properties proved again on the mutant: every other one kept the unmutated run's verdict, its
    # dependence set not containing what the mutant changed (``vaultproof.mutation.attribute._proof``).
    reproved: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(self.family.split("+")) if self.family else ()

    @property
    def scored(self) -> bool:
        """Counts in the score: a hand-written mutant unless undecided (stillborn ones are flagged in the
        description and never killed), a generated one unless equivalent, duplicate, not compiling or
        undecided."""
        return self.outcome is None or self.outcome.scored


@dataclass(frozen=True)
class OperatorSpace:
    """One mutation operator over the project: the mutants it generated (before sampling) and the
    Slither patches of it dropped as unusable (old text not at its span, no change, a CR of less than a
    whole statement)."""

    operator: str
    generated: int
    dropped: int = 0


@dataclass(frozen=True)
class MutationSpace:
    """What the generated mutants run were drawn from: per operator, in operator order, and the
    sample's seed (``sampled`` is how many were drawn; every one when it equals the generated total)."""

    operators: tuple[OperatorSpace, ...]
    sampled: int
    seed: int

    @property
    def generated(self) -> int:
        return sum(o.generated for o in self.operators)

    @property
    def dropped(self) -> int:
        return sum(o.dropped for o in self.operators)


class EvidenceStatus(enum.Enum):
    """What the compiled bytecode showed about one result (a second kind of evidence beside its verdict).

    Declared worst first (the report lists REPLAY-DIFFERS before anything else):

    - REPLAY_DIFFERS: the model's counterexample, replayed on the bytecode, did not violate: model and code
      disagree, which is itself a finding.
    - FAILED: an invariant suite found a violating call sequence (forge's shrunk sequence is attached).
    - ERROR: forge could not run the test (compile error, crash, timeout).
    - REPLAYED: the counterexample, replayed on the bytecode, violates there too.
    - FUZZED: an invariant suite ran runs × depth calls without a violation (evidence, not a proof).
    - NO_BYTECODE: there is nothing to run it on (a model-only broken twin, or no recipe declared).
    """

    REPLAY_DIFFERS = "REPLAY-DIFFERS"
    FAILED = "FAILED"
    ERROR = "ERROR"
    REPLAYED = "REPLAYED"
    FUZZED = "FUZZED"
    NO_BYTECODE = "NO-BYTECODE"

    @property
    def rank(self) -> int:
        return list(EvidenceStatus).index(self)


@dataclass(frozen=True)
class BytecodeEvidence:
    """One forge run about one result: ``subject`` is a property id, seed finding id, or ``ID.broken``."""

    subject: str
    property_id: str  # the catalogue property it is evidence for (a seed finding's ``fixed_by``)
    kind: str  # "replay" | "invariant"
    status: EvidenceStatus
    test: str  # project-relative test file ("" when there is none)
    test_name: str  # Contract.function
    detail: str  # token units: what the replay asserted, or the invariant's failure message
    runs: int = 0
    depth: int = 0
    calls: int = 0
    sequence: tuple[str, ...] = ()  # a failing invariant's shrunk calls, one rendered call each
    expect_failure: bool = False  # a broken-variant run: FAILED is the required outcome

    @property
    def as_expected(self) -> bool:
        """Whether this evidence agrees with what the harness claims (the gate-able reading)."""
        if self.expect_failure:
            return self.status is EvidenceStatus.FAILED
        return self.status in (EvidenceStatus.REPLAYED, EvidenceStatus.FUZZED, EvidenceStatus.NO_BYTECODE)


@dataclass(frozen=True)
class GateRegression:
    kind: str  # "property" | "static" | "size" | "seed-finding" | "mutation" | "evidence"
    key: str
    message: str


@dataclass(frozen=True)
class GateOutcome:
    baseline: str
    regressions: tuple[GateRegression, ...]
    improvements: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.regressions


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced; every report and the gate read only this."""

    project: str
    catalogue: tuple[CatalogueEntry, ...]
    properties: tuple[PropertyResult, ...]
    seed_findings: tuple[SeedFindingResult, ...]
    metrics: tuple[MetricResult, ...]
    static_findings: tuple[StaticFinding, ...]
    sizes: tuple[BytecodeSize, ...]
    mutants: tuple[MutantResult, ...]
    tools: ToolVersions
    gate: GateOutcome | None
    exit_code: ExitCode
    notes: tuple[str, ...] = ()
    # Source of every function a property targets, for the report's executed-lines view.
    sources: tuple[FunctionSource, ...] = ()
    evidence: tuple[BytecodeEvidence, ...] = ()
    # the generated campaign's population (None when no generated mutant ran)
    mutation_space: MutationSpace | None = None
