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
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.errors import CompileError, ConfigError, ToolchainError
from vaultproof.executor import Executor, SerialExecutor
from vaultproof.graphs import walk
from vaultproof.mutation import attribute
from vaultproof.mutation.equivalence import classify
from vaultproof.mutation.generate import GeneratedMutant, Generation, generate, mutable_contracts, sample
from vaultproof.mutation.plan import (
    ForgePlan,
    Plan,
    function_key,
    import_graph,
    reaches,
    targeted,
    witnesses,
)
from vaultproof.mutation.solc import SolcServer, errors, solc_package, standard_input
from vaultproof.prover.obligation import ModelContext
from vaultproof.results import UNCHECKED, MutantResult, MutationSpace, OperatorSpace, PropertyResult, Verdict

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
    space: MutationSpace  # what the results were sampled from, per operator
    seconds: Mapping[str, float] = field(default_factory=dict, compare=False)

    @property
    def generated(self) -> int:  # before sampling
        return self.space.generated


def mutation_space(generation: Generation, sampled: int, seed: int) -> MutationSpace:
    """Per operator that generated or dropped anything: its mutants and its dropped Slither patches."""
    generated = Counter(mutant.operator for mutant in generation.mutants)
    dropped = generation.dropped_by_operator
    operators = sorted(set(generated) | {op for op, n in dropped.items() if n})
    return MutationSpace(
        tuple(OperatorSpace(op, generated.get(op, 0), dropped.get(op, 0)) for op in operators), sampled, seed
    )


def _project_sources(config: Config) -> dict[str, str]:
    files = []
    for entry in config.sources:
        path = config.root / entry
        files += sorted(path.rglob("*.sol")) if path.is_dir() else [path]
    return {p.relative_to(config.root).as_posix(): p.read_text(encoding="utf-8") for p in files}


def _reference(config: Config) -> tuple[Any, str, dict[str, str]]:
    from vaultproof.mutation.slither_unit import slither_of

    package, _ = solc_package(config)
    sources = _project_sources(config)
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
        return set(walk([file], lambda current: graph.get(current, ())))

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
    if isinstance(statuses, attribute.ForgeFailure):
        shutil.rmtree(template.parent, ignore_errors=True)
        raise ToolchainError(
            f"forge cannot build or run the tests of {config.root} without the optimizer "
            f"({statuses.message}); fix the build or leave the forge stage out ([mutate] stages)"
        )
    passing = frozenset(t for t, ok in statuses.items() if ok)
    # A test file none of whose tests passes unmutated (a broken-twin suite) cannot kill: not run.
    suites = {
        f: tuple(t for t in chosen if any(p.startswith(f"{t}:") for p in passing))
        for f, chosen in suites.items()
    }
    return ForgePlan(str(forge), str(template), suites, passing, tuple(sorted(env.items())))


def build_plan(
    config: Config,
    stages: Sequence[str],
    console: Console,
    verdicts: Mapping[str, Verdict] | None = None,
    reference: Sequence[PropertyResult] = (),
    executor: Executor | None = None,
    slither: Any = None,
    exclude: Sequence[str] = (),
    ctx: ModelContext | None = None,
) -> tuple[Plan, Any]:
    """What every mutant is measured against, and the Slither of the unmutated project.

    ``reference`` are the unmutated run's property results (their verdicts and dependence sets); without
    them (or ``verdicts``) the model properties are proved here, on ``executor``. ``slither``: the
    unmutated project's, when the caller has one (the pipeline's compile); else it is built here from
    one AST-only compile. ``exclude``: sources whose functions are not mutated. ``ctx``: the context the
    unmutated proofs ran on, when the caller has it (built from ``slither`` here otherwise).
    """
    from vaultproof.prover.extract import functions_from_contracts
    from vaultproof.prover.params import params_from_contracts
    from vaultproof.prover.runner import declared_registry

    if slither is None:
        slither, version, sources = _reference(config)
    else:
        version, sources = "", _project_sources(config)
    registry = declared_registry(config)
    contracts = mutable_contracts(slither, config.sources, exclude)
    graph = import_graph(config.root, sources, config.remappings)
    from vaultproof.prover.code import lower_project

    if ctx is None:
        ctx = ModelContext(
            params=params_from_contracts(slither.contracts).values,
            functions=functions_from_contracts(slither.contracts),
            code=lower_project(slither),
            deployment=dict(registry.deployment),
        )
    model = frozenset(p.id for p in registry.model_properties())
    results = {r.property_id: r for r in reference}
    if verdicts is None and not results:
        results = _reference_results(config, ctx, model, executor)
    if verdicts is None:
        verdicts = {pid: r.verdict for pid, r in results.items()}
    forge = _forge_plan(config, sorted(sources), console) if "forge" in stages else None
    plan = Plan(
        config=config,
        imports=graph,
        witnesses=witnesses(slither, contracts, graph),
        targeted=targeted(registry, slither),
        model_properties=model,
        verdicts=dict(verdicts),
        ctx=ctx,
        stages=tuple(s for s in STAGES if s in stages),
        forge=forge,
        solc_version=version,
        reach=reaches(slither, contracts, graph),
        depends={pid: r.depends for pid, r in sorted(results.items())},
    )
    return plan, slither


def _reference_results(
    config: Config, ctx: Any, model: frozenset[str], executor: Executor | None
) -> dict[str, PropertyResult]:
    """The model properties proved on the unmutated code (verdicts and dependence sets)."""
    from vaultproof.prover.runner import Job, JobKind, declared_module, run_jobs
    from vaultproof.prover.solver import SolverSettings

    module = declared_module(config)
    settings = SolverSettings.of(config)
    jobs = [Job(JobKind.SHIPPED, pid) for pid in sorted(model)]
    done = run_jobs(module, jobs, ctx, settings, root=config.root, executor=executor)
    return {r.property_id: r for r in done if isinstance(r, PropertyResult)}


def run_campaign(
    config: Config,
    console: Console,
    options: CampaignOptions,
    executor: Executor | None = None,
    verdicts: Mapping[str, Verdict] | None = None,
    on_phase: Callable[[str, float], None] | None = None,
    reference: Sequence[PropertyResult] = (),
    planned: tuple[Plan, Any] | None = None,
) -> Campaign:
    """``planned``: a plan (and the unmutated Slither) the caller built already, with these stages."""
    executor = executor or SerialExecutor()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if planned is None:
        planned = build_plan(
            config, options.stages, console, verdicts, reference, executor, exclude=options.exclude
        )
    plan, slither = planned
    kwargs = {"operators": options.operators} if options.operators else {}
    generation = generate(slither, config.root, config.sources, options.exclude, **kwargs)
    seconds["plan"] = time.perf_counter() - started
    chosen = sample(_only(generation.mutants, options.ids), options.sample, options.seed)
    console.step(
        f"mutate: {len(generation.mutants)} mutants generated ({generation.dropped} Slither patches "
        f"dropped as unusable), {len(chosen)} run on {executor.name}"
    )
    try:
        mark = time.perf_counter()
        done: list[attribute.MutantRun] = []

        def progress(run: attribute.MutantRun) -> None:  # as each run arrives, in the sample's order
            done.append(run)
            killed = f" by {', '.join(run.killed_by)}" if run.outcome.killed else ""
            unsure = f" (not decided: {', '.join(run.undecided)})" if run.undecided else ""
            console.step(
                f"mutate [{len(done)}/{len(chosen)}] {run.mutant_id}: {run.outcome.value}{killed}{unsure}"
            )

        runs = executor.map(
            attribute.setup_worker, plan, attribute.run_task, list(chosen), on_result=progress
        )
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
                undecided=run.undecided,
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
                reproved=run.reproved,
            )
        )
    for run in runs:  # per-stage wall time summed over the mutants (``make bench`` prints the split)
        for stage, value in run.seconds:
            seconds[f"stage:{stage}"] = seconds.get(f"stage:{stage}", 0.0) + value
        for stage, value in run.cpu:
            seconds[f"cpu:{stage}"] = seconds.get(f"cpu:{stage}", 0.0) + value
    seconds["total"] = time.perf_counter() - started
    if on_phase:
        for name, value in seconds.items():
            on_phase(name, value)
    return Campaign(tuple(results), mutation_space(generation, len(chosen), options.seed), seconds)


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
