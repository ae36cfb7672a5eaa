"""Run one mutant through the harness and say what caught it.

A worker holds what is costly to build and reused for every mutant it gets (:class:`Worker`): a
solc-js server, the loaded registry and detectors, the unmutated closures' detector results, a
built forge copy. One task, :func:`run_task`:

1. one compile of the mutated file's closure (plus the witness contract's file): the AST of the
   closure Slither will analyse, creation bytecode of the witness contract only, no optimizer, no
   metadata. A compiler error is the outcome; bytecode equal to the unmutated code's is EQUIVALENT; the
   digest goes back to the parent, which turns a repeated one into DUPLICATE
   (:mod:`vaultproof.mutation.equivalence`).
2. the stages in order, stopping at the first that kills —
   **proof** (only the properties whose targets or their callees include the mutated function, and only
   if the mutant changes what the proofs read: the lowered pure library functions and the folded
   constants; a property PROVED on the unmutated code and not PROVED now kills), **detector** (every
   detector over the mutated file's closure; a (detector, contract, function) that reports more results
   than on the unmutated closure kills), **forge** (the test files whose imports reach the mutated file;
   a test that passed on the unmutated code and fails now kills; suites that no longer compile against
   the mutant, whose interface it changed, make it a COMPILE_ERROR). None kills: SURVIVED — unless a
   stage could not judge it (a property UNKNOWN or ERROR on the mutant, the forge suites timing out):
   then UNDECIDED, out of the score and listed with what could not decide.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vaultproof.evidence.forge import fresh_failure_dirs
from vaultproof.mutation.generate import GeneratedMutant
from vaultproof.mutation.plan import Plan, function_key
from vaultproof.mutation.solc import SolcServer, creation_bytecode, errors, solc_package, standard_input
from vaultproof.prover.runner import one_line
from vaultproof.results import MutantOutcome, Severity, Verdict

# No optimizer (a mutant is measured by behaviour, not gas), offline, and no forge-lint pass on every
# build (its warnings are no test's verdict).
FORGE_ENV = {"FOUNDRY_OPTIMIZER": "false", "FOUNDRY_OFFLINE": "true", "FOUNDRY_LINT_LINT_ON_BUILD": "false"}
FORGE_TIMEOUT_S = 900  # a mutant that makes a suite hang is caught by the suite, not waited for forever


@dataclass(frozen=True)
class MutantRun:
    """What a worker found; the parent turns a repeated (witness, digest) into DUPLICATE."""

    mutant_id: str
    outcome: MutantOutcome
    killed_by: tuple[str, ...] = ()  # property ids, detectors, forge tests, or the compiler's error
    witness: str = ""  # "file:Contract" whose bytecode was compared; "" when no deployed code holds it
    digest: str = ""  # sha256 of its creation bytecode (no optimizer, no metadata)
    # The properties proved again on the mutant; every other one kept the unmutated run's verdict
    # (its dependence set does not contain what the mutant changed: ``_proof``).
    reproved: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()  # what could not judge it: "ID (UNKNOWN: …)", a forge timeout
    # Wall seconds per stage of this run ("compile", "analyse", "prove", "detect", "forge"): for
    # ``make bench``, never in a report.
    seconds: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    cpu: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # CPU seconds, same stages


@dataclass
class Worker:
    plan: Plan
    solc: SolcServer
    registry: Any
    detectors: list[Any]
    builtin: set[Any]
    texts: dict[str, str] = field(default_factory=dict)
    original_digest: dict[str, str] = field(default_factory=dict)
    reference_findings: dict[str, Counter[tuple[str, str, str]]] = field(default_factory=dict)
    forge_dir: Path | None = None

    def text(self, relative: str) -> str:
        if relative not in self.texts:
            self.texts[relative] = (self.plan.config.root / relative).read_text(encoding="utf-8")
        return self.texts[relative]

    def close(self) -> None:
        self.solc.close()


def setup_worker(plan: Plan) -> Worker:
    from vaultproof.analysis.detectors import builtin_detectors, plugin_detectors
    from vaultproof.prover.runner import declared_registry

    config = plan.config
    package, _ = solc_package(config)
    registry = declared_registry(config)
    # A built-in finding below the gate's threshold would not fail a build: it does not kill. Loaded
    # whatever the stages: a hand-written mutant of a static family runs them too.
    builtins = [c for c in builtin_detectors(config.builtin_exclude) if _gating(c, config.fail_on)]
    detectors = [*builtins, *plugin_detectors(config)]
    return Worker(plan, SolcServer(package, config.root), registry, detectors, set(builtins))


def _gating(detector: Any, fail_on: Severity) -> bool:
    try:
        return Severity.parse(detector.IMPACT.name).rank <= fail_on.rank
    except ValueError:
        return False


def _sources(worker: Worker, files: tuple[str, ...], mutant: GeneratedMutant | None) -> dict[str, str]:
    sources = {f: worker.text(f) for f in worker.plan.closure(files)}
    if mutant is not None:
        original = worker.text(mutant.file).encode("utf-8")
        sources[mutant.file] = mutant.apply(original).decode("utf-8", "replace")
    return sources


def _compile(
    worker: Worker, sources: dict[str, str], ast: Iterable[str], bytecode: dict[str, list[str]]
) -> Any:
    config = worker.plan.config
    return worker.solc.compile(
        standard_input(sources, config.remappings, config.compile.evm_version.value, ast, bytecode)
    )


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


class _Clock:
    """Wall and CPU seconds per stage, summed (a stage can run twice: the reference closure, then the
    mutant). CPU is this worker's, its finished children's (forge and the solc-js it starts) and its
    solc-js server's: on a shared machine wall time measures the load, CPU time the work."""

    def __init__(self, worker: Worker) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._server = worker.solc.pid
        self._mark = time.perf_counter()
        self._cpu_mark = self._cpu_now()

    def _cpu_now(self) -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime + _process_cpu(self._server)

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), self._cpu_now()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._mark
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu - self._cpu_mark
        self._mark, self._cpu_mark = now, cpu

    def done(self, run: MutantRun) -> MutantRun:
        return replace(run, seconds=tuple(sorted(self.seconds.items())), cpu=tuple(sorted(self.cpu.items())))


def _process_cpu(pid: int | None) -> float:
    """User + system seconds of a live process (Linux ``/proc``; 0 elsewhere or once it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def analysed_files(plan: Plan, mutant: GeneratedMutant) -> tuple[str, ...]:
    """The sources whose AST a mutant's Slither reads: the closure of the mutated file and of every
    source the proofs need re-lowered (``Plan.reach``)."""
    reach = plan.reach.get(function_key(mutant.contract, mutant.function))
    return plan.closure(reach.files if reach is not None else (mutant.file,))


def run_task(worker: Worker, mutant: GeneratedMutant) -> MutantRun:
    """One compile of the mutated closure (the AST of what Slither analyses, creation bytecode of the
    witness contract for equivalence), then the stages unless it is equivalent."""
    clock = _Clock(worker)
    witness = worker.plan.witnesses.get(function_key(mutant.contract, mutant.function))
    analysed = analysed_files(worker.plan, mutant)
    files = (*analysed, witness[0]) if witness else analysed
    selection = {witness[0]: [witness[1]]} if witness else {}
    sources = _sources(worker, files, mutant)
    output = _compile(worker, sources, analysed, selection)
    problems = errors(output)
    if problems:
        clock.lap("compile")
        line = _first_line(problems[0], worker.plan.config.root)
        return clock.done(MutantRun(mutant.id, MutantOutcome.COMPILE_ERROR, (line,)))
    if witness is None:
        clock.lap("compile")
        return clock.done(MutantRun(mutant.id, MutantOutcome.EQUIVALENT))
    label = f"{witness[0]}:{witness[1]}"
    if label not in worker.original_digest:
        reference = _compile(worker, _sources(worker, (witness[0],), None), (), selection)
        worker.original_digest[label] = _digest(creation_bytecode(reference, *witness))
    digest = _digest(creation_bytecode(output, *witness))
    clock.lap("compile")
    if digest == worker.original_digest[label]:
        return clock.done(MutantRun(mutant.id, MutantOutcome.EQUIVALENT, (), label, digest))
    texts = {f: sources[f] for f in analysed}
    outcome, killers, reproved, undecided = _attribute(worker, mutant, output, texts, clock)
    run = MutantRun(mutant.id, outcome, killers, label, digest, reproved=reproved, undecided=undecided)
    return clock.done(run)


def _first_line(message: str, root: Path) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    head = lines[0] if lines else "compiler error"
    where = next((line.removeprefix("--> ") for line in lines if line.startswith("-->")), "")
    where = where.replace(f"{root}/", "").rstrip(":")
    return f"{where}: {head}" if where else head


def _attribute(
    worker: Worker, mutant: GeneratedMutant, output: Any, texts: dict[str, str], clock: _Clock
) -> tuple[MutantOutcome, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(outcome, killers, reproved, undecided): the first stage that kills decides; a stage that could
    not judge the mutant does not stop the later ones, and with no kill makes it UNDECIDED."""
    from vaultproof.mutation.slither_unit import slither_of

    slither = None
    reproved: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()
    for stage in worker.plan.stages:
        killers: tuple[str, ...] = ()
        unsure: tuple[str, ...] = ()
        if stage in ("proof", "detector") and slither is None:
            _, slither = slither_of(_with_ast(output), worker.solc.version, worker.plan.config.root, texts)
            clock.lap("analyse")
        if stage == "proof":
            verdicts = _proof(worker, mutant, slither)
            killers, unsure, reproved = verdicts.killed, verdicts.undecided, verdicts.reproved
            outcome = MutantOutcome.KILLED_PROOF
            clock.lap("prove")
        elif stage == "detector":
            killers = _detectors(worker, slither, tuple(sorted(texts)))
            outcome = MutantOutcome.KILLED_DETECTOR
            clock.lap("detect")
        else:
            run = _forge(worker, mutant)
            killers, unsure, outcome = run.failed, run.undecided, MutantOutcome.KILLED_FORGE
            clock.lap("forge")
            if run.build_error:
                return MutantOutcome.COMPILE_ERROR, (run.build_error,), reproved, undecided
        undecided += unsure
        if killers:
            return outcome, killers, reproved, undecided
    return (MutantOutcome.UNDECIDED if undecided else MutantOutcome.SURVIVED), (), reproved, undecided


def _with_ast(output: Any) -> dict[str, Any]:
    """Only the sources solc was asked the AST of (the closure Slither analyses)."""
    return {"sources": {k: v for k, v in output.get("sources", {}).items() if v.get("ast")}}


def _reference_slither(worker: Worker, files: tuple[str, ...]) -> Any:
    from vaultproof.mutation.slither_unit import slither_of

    sources = _sources(worker, files, None)
    output = _compile(worker, sources, tuple(sources), {})
    _, slither = slither_of(output, worker.solc.version, worker.plan.config.root, sources)
    return slither


# ------------------------------------------------------------------------------------------- proof


@dataclass(frozen=True)
class ProofVerdicts:
    """What the proof stage made of one mutant."""

    killed: tuple[str, ...]  # "ID (VERDICT)": decided, and worse than on the unmutated code
    undecided: tuple[str, ...]  # "ID (UNKNOWN: …)", "ID (ERROR: …)": worse, but the tool could not decide
    reproved: tuple[str, ...]  # the properties proved again on it


def _proof(
    worker: Worker, mutant: GeneratedMutant, slither: Any, only: tuple[str, ...] | None = None
) -> ProofVerdicts:
    """The properties whose verdict got worse on the mutant (decided, or not), and those proved again.

    Only a decided verdict kills (VIOLATED, VACUOUS, TAUTOLOGY, MODEL-ONLY where it was PROVED): an
    UNKNOWN (the solver ran out of budget) or an ERROR (the executor rejects a construct the mutant
    wrote, the model cannot be built on it) says nothing about whether the property catches the mutant.

    The mutant's context is the unmutated one with what the mutant can change rebuilt from its Slither
    (:func:`mutant_context`). Only the properties whose dependence set — what their obligations read of
    the unmutated context, recorded by the prover: lowered functions and contracts executed or looked
    up, pure library functions their model ties extract, constants read — contains an entry that
    differs on the mutant are proved again; the others keep the unmutated run's verdict.

    Why that is sound: a property's obligations are a function of its model code and of the context
    entries it reads. If none of those differs between the unmutated and the mutated context, the model
    builds the same terms on the mutant, the solver gets the same queries under the same settings, and
    the verdict is the unmutated one. Whatever is not recorded precisely — a model walking a whole map or
    the lowered project's tuples, a property without a recorded dependence — counts as depending on
    everything and is proved again. ``only`` restricts the candidates (a hand-written mutant measures
    its own family).
    """
    from vaultproof.prover.dependence import affected, change_between
    from vaultproof.prover.runner import Job, JobKind, run_job
    from vaultproof.prover.solver import SolverSettings

    plan = worker.plan
    candidates = [
        p
        for p in sorted(plan.model_properties if only is None else only)
        if p in plan.model_properties and p in plan.verdicts and plan.verdicts[p] is not Verdict.ERROR
    ]
    if not candidates:
        return ProofVerdicts((), (), ())
    try:
        ctx = mutant_context(plan, mutant.contract, mutant.function, mutant.file, slither)
    except Exception as exc:  # e.g. two values for one constant: the proofs cannot start
        why = f"extraction: {_one_line(exc)}"
        return ProofVerdicts((), tuple(f"{p} (ERROR: {why})" for p in candidates), tuple(candidates))
    change = change_between(plan.ctx, ctx)
    wanted = [p for p in candidates if affected(plan.depends.get(p), change)]
    settings = SolverSettings.of(plan.config)
    killed, undecided = [], []
    for pid in wanted:
        try:
            # a kill needs only one obligation worse than the unmutated verdict: the rest are not asked
            reference = plan.verdicts[pid]
            result = run_job(worker.registry, Job(JobKind.SHIPPED, pid), ctx, settings, None, reference)
        except Exception as exc:  # a model that cannot even be built on the mutant: no verdict
            undecided.append(f"{pid} (ERROR: {_one_line(exc)})")
            continue
        if not result.verdict.worse_than(reference):
            continue
        if result.verdict.decided:
            killed.append(f"{pid} ({result.verdict.value})")
        else:
            undecided.append(f"{pid} ({result.verdict.value}: {_one_line(result.reason)})")
    return ProofVerdicts(tuple(killed), tuple(undecided), tuple(wanted))


def _one_line(what: object, limit: int = 160) -> str:
    """``runner.one_line`` of an exception (its type named) or a reason, cut to ``limit`` characters."""
    text = one_line(f"{type(what).__name__}: {what}" if isinstance(what, Exception) else str(what))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mutant_context(plan: Plan, contract: str, function: str, file: str, slither: Any) -> Any:
    """The unmutated context with what a mutant of ``contract.function`` can change (``Plan.reach``)
    rebuilt from the mutant's Slither: the lowered code of the contracts holding a copy of the function,
    the pure functions of the libraries inlining it, and the constants for a state-variable mutant."""
    from vaultproof.prover.extract import functions_from_contracts
    from vaultproof.prover.params import params_from_contracts

    reach = plan.reach.get(function_key(contract, function))
    own = [c for c in slither.contracts if "node_modules/" not in c.source_mapping.filename.relative]
    if reach is None:  # not planned: everything of the mutated file, constants included
        code = [c for c in own if c.source_mapping.filename.relative == file]
        libraries, params = code, True
    else:
        code = [c for c in own if c.name in reach.code]
        libraries, params = [c for c in own if c.name in reach.pure], reach.params
    functions = {**plan.ctx.functions, **functions_from_contracts(libraries)}
    constants = {**plan.ctx.params, **params_from_contracts(own).values} if params else plan.ctx.params
    # A function mutant changes that function's copies only; a state-variable one (constants, layout,
    # initializers), or an unplanned edit, can change anything its contracts declare.
    only = (contract, function) if reach is not None and not reach.params else None
    lowered = _merged_code(plan.ctx.code, code, only)
    return replace(plan.ctx, params=constants, functions=functions, code=lowered)


class _OnlyFunction:
    """A Slither contract seen through one of its functions (and modifiers) by name and declarer: what
    :func:`lower_contracts` lowers of it is that function's copy in the contract (and its callees)."""

    def __init__(self, contract: Any, declarer: str, name: str) -> None:
        self._contract = contract
        self._declarer = declarer
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._contract, attribute)

    def _mine(self, functions: Any) -> list[Any]:
        return [
            f
            for f in functions
            if f.name == self._name and getattr(f.contract_declarer, "name", None) == self._declarer
        ]

    @property
    def functions(self) -> list[Any]:
        return self._mine(self._contract.functions)

    @property
    def modifiers(self) -> list[Any]:
        return self._mine(self._contract.modifiers)


def _merged_code(code: Any, contracts: Any, only: tuple[str, str] | None = None) -> Any:
    """The reference's lowered code with ``contracts`` (Slither, of the mutant) lowered again over it:
    every function of them, or with ``only`` = (declarer, name) that function's copies alone (the
    contracts' state and dispatch are then the reference's: a function mutant does not change them)."""
    if code is None:
        return None
    from vaultproof.prover.code.lower_program import lower_contracts
    from vaultproof.prover.code.program import CodeProject

    if not contracts:
        return code
    if only is None:
        fresh = lower_contracts(contracts)
        merged_contracts = {**dict(code.contracts), **dict(fresh.contracts)}
    else:
        fresh = lower_contracts([_OnlyFunction(c, *only) for c in contracts])
        merged_contracts = dict(code.contracts)
    return CodeProject(
        contracts=tuple(sorted(merged_contracts.items())),
        functions=tuple(sorted({**dict(code.functions), **dict(fresh.functions)}.items())),
    )


# ---------------------------------------------------------------------------------------- detector


def _finding_keys(worker: Worker, slither: Any) -> Counter[tuple[str, str, str]]:
    from vaultproof.analysis.detectors import run_detectors
    from vaultproof.analysis.findings import is_dependency_only, subject

    counts: Counter[tuple[str, str, str]] = Counter()
    for run in run_detectors(slither, worker.detectors, worker.builtin):
        if run.error:
            continue
        for found in run.results:
            if is_dependency_only(found):
                continue
            contract, function = subject(found)
            counts[(run.argument, contract, function)] += 1
    return counts


def _detectors(worker: Worker, slither: Any, analysed: tuple[str, ...]) -> tuple[str, ...]:
    """New (detector, contract, function) results over the analysed closure, against the same closure
    unmutated (a detector that needs a contract outside the closure sees neither)."""
    if not worker.detectors:
        return ()
    key = "\\x1f".join(analysed)
    if key not in worker.reference_findings:
        worker.reference_findings[key] = _finding_keys(worker, _reference_slither(worker, analysed))
    before = worker.reference_findings[key]
    after = _finding_keys(worker, slither)
    new = sorted(
        f"{detector} ({contract}.{function})" if function else f"{detector} ({contract})"
        for (detector, contract, function), count in after.items()
        if count > before.get((detector, contract, function), 0)
    )
    return tuple(new)


# ------------------------------------------------------------------------------------------- forge


@dataclass(frozen=True)
class ForgeVerdict:
    """What the forge stage made of one mutant: the tests that passed unmutated and fail now, or the
    suites' build error (they no longer compile against the mutant's interface), or a timeout."""

    failed: tuple[str, ...] = ()
    build_error: str = ""
    undecided: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForgeFailure:
    """forge produced no test results: its build failed (``message``: the first error) or it timed out."""

    timed_out: bool
    message: str


def _forge(worker: Worker, mutant: GeneratedMutant) -> ForgeVerdict:
    forge = worker.plan.forge
    if forge is None:
        return ForgeVerdict()
    suites = forge.suites.get(mutant.file, ())
    if not suites:
        return ForgeVerdict()
    if worker.forge_dir is None:
        # Beside the template, which the parent removes at the end: pool workers exit without atexit.
        worker.forge_dir = Path(forge.template).parent / f"worker-{os.getpid()}-{id(worker)}"
        shutil.copytree(forge.template, worker.forge_dir, symlinks=True)
    target = worker.forge_dir / mutant.file
    original = worker.text(mutant.file).encode("utf-8")
    target.write_bytes(mutant.apply(original))
    try:
        statuses = run_forge(forge.forge, worker.forge_dir, suites, dict(forge.env))
    finally:
        target.write_bytes(original)
    if isinstance(statuses, ForgeFailure):
        if statuses.timed_out:
            return ForgeVerdict(undecided=(f"forge ({statuses.message})",))
        return ForgeVerdict(
            build_error=f"forge: the suites do not build against the mutant: {statuses.message}"
        )
    return ForgeVerdict(broken_tests(statuses, forge.passing, suites))


def broken_tests(
    statuses: Mapping[str, bool], passing: frozenset[str], suites: Sequence[str]
) -> tuple[str, ...]:
    """The tests of the files ``suites`` that passed unmutated and do not pass now: failing, or missing from
    forge's results although their file ran — a ``setUp`` that reverts is reported as one failing
    ``setUp`` entry and none of the file's tests (so G-MIA-e5f52e2c5c, which inverts the guard of
    ``BalanceManagerVaultV1.initialize`` and breaks Upgrade.t.sol's set-up, read SURVIVED)."""
    ran = tuple(f"{suite}:" for suite in suites)
    return tuple(sorted(t for t in passing if t.startswith(ran) and not statuses.get(t, False)))


def forge_glob(suites: tuple[str, ...]) -> str:
    return suites[0] if len(suites) == 1 else "{" + ",".join(suites) + "}"


def run_forge(
    forge: str, project: Path, suites: tuple[str, ...] | None, env: dict[str, str] | None = None
) -> dict[str, bool] | ForgeFailure:
    """``test id → passed`` for the selected test files (all when None), or why there is none."""
    command = [forge, "test", "--json", "--offline"]
    if suites:
        command += ["--match-path", forge_glob(suites)]
    try:
        # a worker's forge copy serves many mutants: none may replay a failure another one persisted
        with fresh_failure_dirs() as scratch:
            done = subprocess.run(
                command,
                cwd=project,
                capture_output=True,
                text=True,
                env={**os.environ, **FORGE_ENV, **(env or {}), **scratch},
                check=False,
                timeout=FORGE_TIMEOUT_S,
            )
    except subprocess.TimeoutExpired:
        return ForgeFailure(True, f"timed out after {FORGE_TIMEOUT_S} s")
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("{")), None)
    if line is None:
        return ForgeFailure(False, _forge_error(done.stdout + "\n" + done.stderr, project))
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return ForgeFailure(False, "its JSON output cannot be read")
    statuses: dict[str, bool] = {}
    for suite, body in data.items():
        for test, result in body.get("test_results", {}).items():
            statuses[f"{suite}::{test.split('(')[0]}"] = result.get("status") == "Success"
    return statuses


def _forge_error(output: str, project: Path) -> str:
    """The first compiler error forge printed (``Error (7576): Undeclared identifier.`` and where), or its
    first line of output: one line for the report (:func:`_first_line`, which also leaves the worker
    copy's path out)."""
    lines = output.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("Error")), 0)
    return _one_line(_first_line("\n".join(lines[start:]), project) if output.strip() else "no output")
