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
   a test that passed on the unmutated code and fails now kills). None kills: SURVIVED.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vaultproof.mutation.generate import GeneratedMutant
from vaultproof.mutation.plan import Plan, function_key
from vaultproof.mutation.solc import SolcServer, creation_bytecode, errors, solc_package, standard_input
from vaultproof.results import MutantOutcome, Severity, Verdict

FORGE_ENV = {"FOUNDRY_OPTIMIZER": "false", "FOUNDRY_OFFLINE": "true"}
FORGE_TIMEOUT_S = 900  # a mutant that makes a suite hang is caught by the suite, not waited for forever


@dataclass(frozen=True)
class MutantRun:
    """What a worker found; the parent turns a repeated (witness, digest) into DUPLICATE."""

    mutant_id: str
    outcome: MutantOutcome
    killed_by: tuple[str, ...] = ()  # property ids, detectors, forge tests, or the compiler's error
    witness: str = ""  # "file:Contract" whose bytecode was compared; "" when no deployed code holds it
    digest: str = ""  # sha256 of its creation bytecode (no optimizer, no metadata)


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
    detectors: list[Any] = []
    builtin: set[Any] = set()
    if "detector" in plan.stages:
        # A built-in finding below the gate's threshold would not fail a build: it does not kill.
        builtins = [c for c in builtin_detectors(config.builtin_exclude) if _gating(c, config.fail_on)]
        detectors = [*builtins, *plugin_detectors(config)]
        builtin = set(builtins)
    return Worker(plan, SolcServer(package, config.root), registry, detectors, builtin)


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


def run_task(worker: Worker, mutant: GeneratedMutant) -> MutantRun:
    """One compile of the mutated closure (the AST of the mutated file's closure for Slither, creation
    bytecode of the witness contract for equivalence), then the stages unless it is equivalent."""
    witness = worker.plan.witnesses.get(function_key(mutant.contract, mutant.function))
    files = (mutant.file, witness[0]) if witness else (mutant.file,)
    selection = {witness[0]: [witness[1]]} if witness else {}
    analysed = worker.plan.closure((mutant.file,))
    sources = _sources(worker, files, mutant)
    output = _compile(worker, sources, analysed, selection)
    problems = errors(output)
    if problems:
        return MutantRun(
            mutant.id, MutantOutcome.COMPILE_ERROR, (_first_line(problems[0], worker.plan.config.root),)
        )
    if witness is None:
        return MutantRun(mutant.id, MutantOutcome.EQUIVALENT)
    label = f"{witness[0]}:{witness[1]}"
    if label not in worker.original_digest:
        reference = _compile(worker, _sources(worker, files, None), (), selection)
        worker.original_digest[label] = _digest(creation_bytecode(reference, *witness))
    digest = _digest(creation_bytecode(output, *witness))
    if digest == worker.original_digest[label]:
        return MutantRun(mutant.id, MutantOutcome.EQUIVALENT, (), label, digest)
    outcome, killers = _attribute(worker, mutant, output, {f: sources[f] for f in analysed})
    return MutantRun(mutant.id, outcome, killers, label, digest)


def _first_line(message: str, root: Path) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    head = lines[0] if lines else "compiler error"
    where = next((line.removeprefix("--> ") for line in lines if line.startswith("-->")), "")
    where = where.replace(f"{root}/", "").rstrip(":")
    return f"{where}: {head}" if where else head


def _attribute(
    worker: Worker, mutant: GeneratedMutant, output: Any, texts: dict[str, str]
) -> tuple[MutantOutcome, tuple[str, ...]]:
    from vaultproof.mutation.slither_unit import slither_of

    slither = None
    for stage in worker.plan.stages:
        killers: tuple[str, ...] = ()
        if stage in ("proof", "detector") and slither is None:
            _, slither = slither_of(_with_ast(output), worker.solc.version, worker.plan.config.root, texts)
        if stage == "proof":
            killers, outcome = _proof(worker, mutant, slither), MutantOutcome.KILLED_PROOF
        elif stage == "detector":
            killers, outcome = _detectors(worker, mutant, slither), MutantOutcome.KILLED_DETECTOR
        else:
            killers, outcome = _forge(worker, mutant), MutantOutcome.KILLED_FORGE
        if killers:
            return outcome, killers
    return MutantOutcome.SURVIVED, ()


def _with_ast(output: Any) -> dict[str, Any]:
    """Only the sources solc was asked the AST of (the closure Slither analyses)."""
    return {"sources": {k: v for k, v in output.get("sources", {}).items() if v.get("ast")}}


def _reference_slither(worker: Worker, file: str) -> Any:
    from vaultproof.mutation.slither_unit import slither_of

    sources = _sources(worker, (file,), None)
    output = _compile(worker, sources, tuple(sources), {})
    _, slither = slither_of(output, worker.solc.version, worker.plan.config.root, sources)
    return slither


# ------------------------------------------------------------------------------------------- proof


def _proof(worker: Worker, mutant: GeneratedMutant, slither: Any) -> tuple[str, ...]:
    from vaultproof.prover.extract import functions_from_contracts
    from vaultproof.prover.params import params_from_contracts
    from vaultproof.prover.runner import Job, JobKind, run_job
    from vaultproof.prover.solver import SolverSettings

    plan = worker.plan
    wanted = [
        p
        for p in plan.targeted.get(function_key(mutant.contract, mutant.function), ())
        if p in plan.model_properties and p in plan.verdicts and plan.verdicts[p] is not Verdict.ERROR
    ]
    if not wanted:
        return ()
    mine = [c for c in slither.contracts if c.source_mapping.filename.relative == mutant.file]
    try:
        functions = functions_from_contracts(mine)
        params = params_from_contracts(mine).values
    except Exception as exc:  # e.g. two values for one constant: the proofs would fail to start
        return tuple(f"{p} (extraction: {type(exc).__name__})" for p in wanted)
    ctx = replace(
        plan.ctx,
        params={**plan.ctx.params, **params},
        functions={**plan.ctx.functions, **functions},
        code=_merged_code(plan.ctx.code, mine),
    )
    if ctx == plan.ctx:
        return ()  # the mutant changes nothing the proofs read: they cannot change verdict
    settings = SolverSettings(timeout_ms=plan.config.timeout_ms, rlimit=plan.config.rlimit)
    killed = []
    for pid in wanted:
        try:
            result = run_job(worker.registry, Job(JobKind.SHIPPED, pid), ctx, settings)
        except Exception as exc:  # a model that cannot even be built on the mutant: not PROVED
            killed.append(f"{pid} (ERROR: {type(exc).__name__})")
            continue
        if worse(result.verdict, plan.verdicts[pid]):
            killed.append(f"{pid} ({result.verdict.value})")
    return tuple(killed)


def worse(now: Verdict, before: Verdict) -> bool:
    """A mutant is killed by a proof whose verdict got worse than the unmutated run's: PROVED →
    anything, and also MODEL-ONLY → VIOLATED (a code obligation that caught the mutant although a
    target of its property is not yet executed on code)."""
    return now.rank > before.rank


def _merged_code(code: Any, contracts: Any) -> Any:
    """The reference's lowered code with the mutated file's contracts lowered again over it."""
    if code is None:
        return None
    from vaultproof.prover.code.lower_program import lower_contracts
    from vaultproof.prover.code.program import CodeProject

    fresh = lower_contracts(contracts)
    return CodeProject(
        contracts=tuple(sorted({**dict(code.contracts), **dict(fresh.contracts)}.items())),
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


def _detectors(worker: Worker, mutant: GeneratedMutant, slither: Any) -> tuple[str, ...]:
    if not worker.detectors:
        return ()
    if mutant.file not in worker.reference_findings:
        worker.reference_findings[mutant.file] = _finding_keys(
            worker, _reference_slither(worker, mutant.file)
        )
    before = worker.reference_findings[mutant.file]
    after = _finding_keys(worker, slither)
    new = sorted(
        f"{detector} ({contract}.{function})" if function else f"{detector} ({contract})"
        for (detector, contract, function), count in after.items()
        if count > before.get((detector, contract, function), 0)
    )
    return tuple(new)


# ------------------------------------------------------------------------------------------- forge


def _forge(worker: Worker, mutant: GeneratedMutant) -> tuple[str, ...]:
    forge = worker.plan.forge
    if forge is None:
        return ()
    suites = forge.suites.get(mutant.file, ())
    if not suites:
        return ()
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
    if statuses is None:
        return ("(the forge build fails or times out on the mutant)",)
    return tuple(sorted(t for t, ok in statuses.items() if not ok and t in forge.passing))


def forge_glob(suites: tuple[str, ...]) -> str:
    return suites[0] if len(suites) == 1 else "{" + ",".join(suites) + "}"


def run_forge(
    forge: str, project: Path, suites: tuple[str, ...] | None, env: dict[str, str] | None = None
) -> dict[str, bool] | None:
    """``test id → passed`` for the selected test files (all when None); None if the build fails."""
    command = [forge, "test", "--json", "--offline"]
    if suites:
        command += ["--match-path", forge_glob(suites)]
    full = {**os.environ, **FORGE_ENV, **(env or {})}
    try:
        done = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            env=full,
            check=False,
            timeout=FORGE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return None
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("{")), None)
    if line is None:
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    statuses: dict[str, bool] = {}
    for suite, body in data.items():
        for test, result in body.get("test_results", {}).items():
            statuses[f"{suite}::{test.split('(')[0]}"] = result.get("status") == "Success"
    return statuses
