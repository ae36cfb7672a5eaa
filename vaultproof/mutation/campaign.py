"""The generated mutation campaign: generate → compile and classify → attribute → score.

The parent compiles the project once (AST only, through a solc-js server), generates the mutants,
and builds the :class:`~vaultproof.mutation.plan.Plan` every worker reads. The two per-mutant tasks
go through an :class:`~vaultproof.executor.Executor` (process pool or Ray); results are in
mutant-id order, so the campaign's output does not depend on the executor or on who finished first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import CompileError, ConfigError, ToolchainError
from vaultproof.executor import Executor, SerialExecutor
from vaultproof.mutation import attribute
from vaultproof.mutation.equivalence import classify
from vaultproof.mutation.generate import GeneratedMutant, Generation, generate, mutable_contracts, sample
from vaultproof.mutation.plan import ForgePlan, Plan, function_key, import_graph, targeted, witnesses
from vaultproof.mutation.solc import SolcServer, errors, solc_package, standard_input
from vaultproof.results import UNCHECKED, MutantResult, Verdict

STAGES = ("proof", "detector", "forge")
_SKIP_COPY = {".git", ".venv", ".venv-halmos", "node_modules", "build", "reports", "cache", "out"}


@dataclass(frozen=True)
class CampaignOptions:
    sample: int | None = None  # None: every generated mutant
    seed: int = 0
    operators: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    stages: tuple[str, ...] = STAGES
    ids: tuple[str, ...] = ()  # run only these mutants (before sampling)


@dataclass(frozen=True)
class Campaign:
    results: tuple[MutantResult, ...]
    generated: int  # before sampling
    dropped: int  # Slither patches whose old text did not match their span
    seconds: Mapping[str, float] = field(default_factory=dict, compare=False)


def _reference(config: Config) -> tuple[Any, str, dict[str, str]]:
    from vaultproof.mutation.slither_unit import slither_of

    package, _ = solc_package(config)
    files = []
    for entry in config.sources:
        path = config.root / entry
        files += sorted(path.rglob("*.sol")) if path.is_dir() else [path]
    sources = {p.relative_to(config.root).as_posix(): p.read_text(encoding="utf-8") for p in files}
    with SolcServer(package, config.root) as solc:
        output = solc.compile(standard_input(sources, config.remappings, config.compile.evm_version.value))
        problems = errors(output)
        if problems:
            raise CompileError(attribute._first_line(problems[0], config.root))
        _, slither = slither_of(output, solc.version, config.root)
        return slither, solc.version, sources


def _forge_plan(config: Config, graph_files: Sequence[str], console: Console) -> ForgePlan | None:
    from vaultproof.toolchain import locate

    foundry = config.root / "foundry.toml"
    if not foundry.is_file():
        return None
    forge = locate(config.root, config.solc_shim).forge
    if not forge.is_file():
        return None
    import tomllib

    profile = tomllib.loads(foundry.read_text(encoding="utf-8")).get("profile", {}).get("default", {})
    test_dir = config.root / str(profile.get("test", "test"))
    tests = sorted(p.relative_to(config.root).as_posix() for p in test_dir.rglob("*.t.sol"))
    if not tests:
        return None
    graph = import_graph(config.root, [*tests, *graph_files], config.remappings)

    def reach(file: str) -> set[str]:
        seen: set[str] = set()
        work = [file]
        while work:
            current = work.pop()
            if current not in seen:
                seen.add(current)
                work.extend(graph.get(current, ()))
        return seen

    reached = {t: reach(t) for t in tests}
    suites = {f: tuple(t for t in tests if f in reached[t]) for f in graph_files}
    template = Path(tempfile.mkdtemp(prefix="vaultproof-forge-template-")) / "project"
    shutil.copytree(
        config.root,
        template,
        symlinks=True,
        ignore=lambda _d, names: [n for n in names if n in _SKIP_COPY or n.endswith(".egg-info")],
    )
    for shared in ("node_modules", "lib"):
        if (config.root / shared).exists() and not (template / shared).exists():
            os.symlink(config.root / shared, template / shared)
    env: dict[str, str] = {}
    solc = profile.get("solc")
    if isinstance(solc, str) and "/" in solc:  # a path relative to the project: it must survive the copy
        env["FOUNDRY_SOLC"] = str((config.root / solc).resolve())
    console.step(f"mutate: building the forge copy without the optimizer ({len(tests)} test files)")
    statuses = attribute.run_forge(str(forge), template, None, env)
    if statuses is None:
        shutil.rmtree(template.parent, ignore_errors=True)
        raise ToolchainError(
            f"forge cannot build or run the tests of {config.root} without the optimizer; "
            "fix the build or leave the forge stage out ([mutate] stages)"
        )
    passing = frozenset(t for t, ok in statuses.items() if ok)
    return ForgePlan(str(forge), str(template), suites, passing, tuple(sorted(env.items())))


def build_plan(
    config: Config,
    options: CampaignOptions,
    console: Console,
    verdicts: Mapping[str, Verdict] | None = None,
) -> tuple[Plan, Generation, Any]:
    from vaultproof.prover.extract import functions_from_contracts
    from vaultproof.prover.obligation import ModelContext
    from vaultproof.prover.params import params_from_contracts
    from vaultproof.prover.runner import declared_registry

    slither, version, sources = _reference(config)
    registry = declared_registry(config)
    kwargs = {"operators": options.operators} if options.operators else {}
    generation = generate(slither, config.root, config.sources, options.exclude, **kwargs)
    contracts = mutable_contracts(slither, config.sources, options.exclude)
    graph = import_graph(config.root, sources, config.remappings)
    from vaultproof.prover.code import lower_project

    ctx = ModelContext(
        params=params_from_contracts(slither.contracts).values,
        functions=functions_from_contracts(slither.contracts),
        code=lower_project(slither),
        deployment=dict(registry.deployment),
    )
    model = frozenset(p.id for p in registry.model_properties())
    if verdicts is None:
        verdicts = _reference_verdicts(config, registry, ctx, model)
    forge = _forge_plan(config, sorted(sources), console) if "forge" in options.stages else None
    plan = Plan(
        config=config,
        imports=graph,
        witnesses=witnesses(slither, contracts, graph),
        targeted=targeted(registry, slither),
        model_properties=model,
        verdicts=dict(verdicts),
        ctx=ctx,
        stages=tuple(s for s in STAGES if s in options.stages),
        forge=forge,
        solc_version=version,
    )
    return plan, generation, registry


def _reference_verdicts(config: Config, registry: Any, ctx: Any, model: frozenset[str]) -> dict[str, Verdict]:
    from vaultproof.prover.runner import Job, JobKind, run_job
    from vaultproof.prover.solver import SolverSettings

    settings = SolverSettings(timeout_ms=config.timeout_ms, rlimit=config.rlimit)
    return {pid: run_job(registry, Job(JobKind.SHIPPED, pid), ctx, settings).verdict for pid in sorted(model)}


def run_campaign(
    config: Config,
    console: Console,
    options: CampaignOptions,
    executor: Executor | None = None,
    verdicts: Mapping[str, Verdict] | None = None,
    on_phase: Callable[[str, float], None] | None = None,
) -> Campaign:
    executor = executor or SerialExecutor()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    plan, generation, _ = build_plan(config, options, console, verdicts)
    seconds["plan"] = time.perf_counter() - started
    chosen = sample(_only(generation.mutants, options.ids), options.sample, options.seed)
    console.step(
        f"mutate: {len(generation.mutants)} mutants generated ({generation.dropped} malformed Slither "
        f"patches dropped), {len(chosen)} run on {executor.name}"
    )
    try:
        mark = time.perf_counter()
        runs = executor.map(attribute.setup_worker, plan, attribute.run_task, list(chosen))
        seconds["mutants"] = time.perf_counter() - mark
    finally:
        if plan.forge is not None:
            shutil.rmtree(Path(plan.forge.template).parent, ignore_errors=True)
    classes = classify(runs)
    results = []
    for mutant in chosen:
        run, equivalent_to = classes[mutant.id]
        targets = plan.targeted.get(function_key(mutant.contract, mutant.function), ())
        families = sorted({t.rpartition("-")[0] for t in targets})
        results.append(
            MutantResult(
                mutant_id=mutant.id,
                family="+".join(families) or UNCHECKED,
                description=f"{mutant.operator} in {mutant.contract}.{mutant.function}",
                killed=run.outcome.killed,
                killed_by=run.killed_by,
                mutant_set="generated",
                outcome=run.outcome,
                operator=mutant.operator,
                contract=mutant.contract,
                function=mutant.function,
                file=mutant.file,
                line=mutant.line,
                diff=mutant.diff,
                targeted_by=targets,
                equivalent_to=equivalent_to,
            )
        )
    seconds["total"] = time.perf_counter() - started
    if on_phase:
        for name, value in seconds.items():
            on_phase(name, value)
    return Campaign(tuple(results), len(generation.mutants), generation.dropped, seconds)


def mutants_of(config: Config, options: CampaignOptions) -> tuple[GeneratedMutant, ...]:
    """The generated mutants (sampled as ``options`` say), without running them."""
    slither, _, _ = _reference(config)
    kwargs = {"operators": options.operators} if options.operators else {}
    generation = generate(slither, config.root, config.sources, options.exclude, **kwargs)
    return sample(_only(generation.mutants, options.ids), options.sample, options.seed)


def _only(mutants: Sequence[GeneratedMutant], ids: Sequence[str]) -> Sequence[GeneratedMutant]:
    if not ids:
        return mutants
    known = {m.id for m in mutants}
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ConfigError(f"unknown mutant id(s): {', '.join(unknown)}")
    return [m for m in mutants if m.id in set(ids)]
