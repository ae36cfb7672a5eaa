"""Schedule properties, seed findings and metrics over worker processes.

Z3 objects do not cross process boundaries: a worker receives only an id and the registry's module
name, rebuilds the model itself, and sends back plain frozen results. Order of results is the
catalogue order, independent of which worker finished first, so reports are stable.

The result cache is consulted per obligation *in the worker*, where its Z3 terms exist: the key is
the obligation's identity and terms (``sexpr``) with the solver settings and engine (``obligation_key``).
Workers ignore SIGINT: Ctrl-C reaches the parent, which stops the pool and exits 130 with one line.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import z3

from vaultproof.cache import Cache, digest, engine_digest, file_digests, python_sources
from vaultproof.config import Config
from vaultproof.declared import import_declared, module_files
from vaultproof.errors import ConfigError, RegistryError, ToolError, VaultproofError
from vaultproof.executor import Executor, PoolExecutor, SerialExecutor
from vaultproof.prover.coverage import executed_by
from vaultproof.prover.dependence import recording
from vaultproof.prover.obligation import ModelContext, Obligation, OptimizationGoal, Quantity
from vaultproof.prover.registry import ModelChecker, PropertyDecl, Registry, catalogue_order
from vaultproof.prover.solver import OptimizationOutcome, SolverSettings, discharge, optimize
from vaultproof.results import FunctionRef, MetricResult, ObligationResult, PropertyResult, Verdict


class JobKind(enum.StrEnum):
    """What a job runs for its declaration: the shipped model (model and code obligations), the
    deliberately broken model, the code obligations alone (on whatever code the context holds: a broken
    code twin's), a seed's rule, or a metric. A ``StrEnum`` so that jobs of one declaration sort in a fixed
    order."""

    SHIPPED = "shipped"
    BROKEN = "broken"
    BROKEN_CODE = "broken-code"
    SEED = "seed"
    METRIC = "metric"


@dataclass(frozen=True)
class Job:
    kind: JobKind
    decl_id: str


def ignore_sigint() -> None:
    """Pool initializer: Ctrl-C is the parent's to handle (one line, exit 130), not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def load_registry(module_name: str, root: Path | None = None) -> Registry:
    """Import a protocol's properties package (from the project root) and return its ``REGISTRY``."""
    module = import_declared(module_name, root, "properties module")
    registry = getattr(module, "REGISTRY", None)
    if not isinstance(registry, Registry):
        raise RegistryError(f"properties module {module_name!r} does not define REGISTRY = Registry()")
    registry.validate_links()
    return registry


def declared_module(config: Config) -> str:
    """The project's properties package; a project that declares none has nothing to prove."""
    if not config.properties_module:
        raise ConfigError("vaultproof.toml: [prove] properties is not set: declare the properties package")
    return config.properties_module


def declared_registry(config: Config) -> Registry:
    """The project's REGISTRY (see :func:`declared_module`)."""
    return load_registry(declared_module(config), config.root)


def aggregate(decl_id: str, results: Sequence[ObligationResult], seconds: float) -> PropertyResult:
    """One verdict per property: the worst of its obligations' (``Verdict.worst``); none is an ERROR."""
    if not results:
        return PropertyResult(decl_id, Verdict.ERROR, seconds, (), "the model produced no obligations")
    verdict = Verdict.worst(r.verdict for r in results)
    if verdict is Verdict.PROVED:
        return PropertyResult(decl_id, Verdict.PROVED, seconds, tuple(results))
    reasons = "; ".join(f"{r.name}: {r.reason}" for r in results if r.verdict is verdict and r.reason)
    return PropertyResult(decl_id, verdict, seconds, tuple(results), reasons)


def compose(
    decl_id: str,
    targets: Sequence[FunctionRef],
    results: Sequence[ObligationResult],
    obligations: Sequence[Obligation],
    seconds: float,
    missing_reason: str = "",
    pending: str = "",
) -> PropertyResult:
    """The verdict of a property over its model and code obligations, and what it covers.

    The worst obligation verdict, except that a property whose obligations all hold is PROVED only if every
    declared target was executed on code by some obligation: otherwise it is MODEL-ONLY, naming the targets
    no obligation executed (and ``missing_reason``, why its code side is missing). ``pending``: what its
    author declares its code obligations do not cover yet; with every target executed it is still
    MODEL-ONLY, naming that.
    """
    executed, lines = executed_by(obligations)
    result = aggregate(decl_id, results, seconds)
    if result.verdict.rank <= Verdict.PROVED_BOUNDED.rank and result.obligations:
        ran = set(executed)
        missing = [str(t) for t in targets if t not in ran]
        if missing:
            reason = f"not executed on code: {', '.join(missing)}"
            if missing_reason:
                reason += f" ({missing_reason})"
            result = dataclasses.replace(result, verdict=Verdict.MODEL_ONLY, reason=reason)
        elif pending:
            # code obligations that hold but, by their author's declaration, do not yet cover the whole claim
            reason = f"code obligations hold; not yet on code: {pending}"
            result = dataclasses.replace(result, verdict=Verdict.MODEL_ONLY, reason=reason)
    return dataclasses.replace(result, executed=executed, executed_lines=lines)


def one_line(text: str) -> str:
    return " ".join(text.split())


def _checker(registry: Registry, decl_id: str) -> ModelChecker:
    checker = registry.properties[decl_id].checker
    if not isinstance(checker, ModelChecker):
        raise RegistryError(f"{decl_id} is decided by a detector, not a model")
    return checker


def _obligations_for(registry: Registry, job: Job, ctx: ModelContext) -> Sequence[Obligation]:
    if job.kind is JobKind.SEED:
        return registry.seed_findings[job.decl_id].check(ctx)
    checker = _checker(registry, job.decl_id)
    if job.kind is JobKind.BROKEN_CODE:
        if checker.code is None:
            raise RegistryError(f"{job.decl_id} declares no code obligations")
        return checker.code(ctx)
    return checker.broken(ctx) if job.kind is JobKind.BROKEN else checker.check(ctx)


class TermText:
    """The text of Z3 terms for a cache key, memoised by AST id for one job: a model's obligations share
    their scope's assumptions, and printing a large term is the expensive part of a key. The memo lives
    no longer than the job's obligations, which keep the terms (and so their ids) alive.

    ``sexpr`` alone does not name sorts: ``Distinct(x, y, z)`` prints the same over three Ints (sat) and
    three Bools (unsat), and an array's range is not printed. Each term's structural hash (Z3's
    ``Z3_get_ast_hash``: over declarations with their sorts, independent of creation order, stable across
    processes for one Z3 version, which the key also names) is added, so two terms share a key only if
    they print the same *and* hash the same."""

    def __init__(self) -> None:
        self._memo: dict[int, str] = {}

    def __call__(self, *terms: z3.ExprRef) -> tuple[str, ...]:
        out = []
        for term in terms:
            key = term.get_id()
            if key not in self._memo:
                self._memo[key] = f"{term.hash():08x} {term.sexpr()}"
            out.append(self._memo[key])
        return tuple(out)


def obligation_key(obligation: Obligation, settings: SolverSettings, text: TermText | None = None) -> str:
    """Everything the obligation's result depends on: engine (version and source), Z3's version, the
    solver settings, the obligation's identity and every term it hands to the solver.

    The terms are complete for the project's inputs because they are rebuilt on every run, in the
    worker, from what those inputs are now: a model obligation from the properties/models modules
    (imported afresh) and the constants of the compilation; a code obligation from the lowered code
    (itself keyed by the sources, the compiler and its settings, Slither and the engine) and the
    deployment map. A changed input that changes a verdict changes a term, hence the key."""
    text = text or TermText()
    return _solver_key(
        settings,
        obligation.name,
        obligation.bound,
        obligation.explanation,
        obligation.code_derived,
        obligation.strategy.value,  # which strategy decides shapes the counterexample a VIOLATED shows
        text(*obligation.assumptions),
        text(obligation.goal, obligation.witness),
        _quantities(text, obligation.shown),
    )


def goal_key(goal: OptimizationGoal, settings: SolverSettings, text: TermText | None = None) -> str:
    """:func:`obligation_key` for a metric's goal."""
    text = text or TermText()
    return _solver_key(
        settings,
        goal.name,
        goal.maximize,
        goal.note,
        text(*goal.constraints),
        _quantities(text, (goal.objective, *goal.shown)),
    )


def _solver_key(settings: SolverSettings, *query: Any) -> str:
    """The digest of ``query`` (a query's identity and terms) under what answers it: the engine, Z3's
    version and the solver settings."""
    return digest(engine_digest(), z3.get_version_string(), settings, *query)


def _quantities(text: TermText, quantities: Iterable[Quantity]) -> tuple[tuple[Any, ...], ...]:
    """The named quantities a result reports, as keyed: their names, terms and renderings."""
    return tuple((q.name, *text(q.term), q.decimals, q.unit) for q in quantities)


# Not cached: a timeout depends on the machine's load as much as on the query, so it is tried again.
_UNSETTLED = frozenset({Verdict.UNKNOWN, Verdict.ERROR})


_Settled = TypeVar("_Settled", ObligationResult, OptimizationOutcome)


def _through_cache(
    cache: Cache | None,
    namespace: str,
    key: Callable[[], str],
    kind: type[_Settled],
    compute: Callable[[], _Settled],
) -> _Settled:
    """``compute()``, or its cached result under ``key()`` (computed only with a cache: printing the terms
    is the costly part); an unsettled result (UNKNOWN, ERROR) is never kept."""
    if cache is None:
        return compute()
    name = key()
    hit = cache.get(namespace, name)
    if isinstance(hit, kind):
        return hit
    result = compute()
    if result.verdict not in _UNSETTLED:
        cache.put(namespace, name, result)
    return result


def cached_discharge(
    obligation: Obligation, settings: SolverSettings, cache: Cache | None, text: TermText | None = None
) -> ObligationResult:
    return _through_cache(
        cache,
        "obligation",
        lambda: obligation_key(obligation, settings, text),
        ObligationResult,
        lambda: discharge(obligation, settings),
    )


def _discharge_all(
    job: Job,
    obligations: Sequence[Obligation],
    settings: SolverSettings,
    cache: Cache | None,
    stop_worse_than: Verdict | None = None,
) -> list[ObligationResult]:
    """Discharge ``obligations`` in order. With ``stop_worse_than``, stop after the first obligation whose
    verdict is decided and worse than it: a property's verdict is the worst of its obligations', so it is
    already worse whatever the rest would say (a mutant is killed by that; the rest are not asked). A worse
    but undecided one (UNKNOWN, ERROR) does not stop the run: an obligation after it may still decide
    (M-DEBT-adl-take-uncapped: DEBT-1's underflow check at socialize's `remaining -= take` exhausts its
    rlimit, a later obligation is VIOLATED; stopping at the first made the mutant UNDECIDED)."""
    try:
        text = TermText()
        results = []
        for obligation in obligations:
            results.append(cached_discharge(obligation, settings, cache, text))
            if job.kind is JobKind.BROKEN_CODE and results[-1].verdict is Verdict.VIOLATED:
                # a broken code twin is rejected by its first concrete counterexample; the obligations
                # after it are not run (TIER's twins ask fifteen non-linear table sizes, some of which
                # take Z3 minutes to refute again, for no more than "the twin fails")
                break
            verdict = results[-1].verdict
            if stop_worse_than is not None and verdict.decided and verdict.worse_than(stop_worse_than):
                break
        return results
    except z3.Z3Exception as exc:  # the solver itself failed: a tool failure, exit 2
        raise ToolError(f"Z3 failed on {job.decl_id}: {exc}") from None


def cached_optimize(
    goal: OptimizationGoal, settings: SolverSettings, cache: Cache | None, text: TermText | None = None
) -> OptimizationOutcome:
    return _through_cache(
        cache,
        "metric",
        lambda: goal_key(goal, settings, text),
        OptimizationOutcome,
        lambda: optimize(goal, settings),
    )


def _run_shipped(
    registry: Registry,
    job: Job,
    ctx: ModelContext,
    settings: SolverSettings,
    cache: Cache | None,
    stop_worse_than: Verdict | None,
) -> PropertyResult:
    """Model obligations, then code obligations; an executor rejecting a target makes the property ERROR.

    Both kinds go through the cached discharge: a code obligation's terms are built from the lowered
    code (and the deployment map), so its key changes with the Solidity like a model obligation's
    changes with the model. The obligations are built from a context that records what they read (their
    dependence set, attached to the result: the mutation campaign re-proves a property only on a mutant
    that changes it; a result without one is re-proved on every mutant)."""
    started = time.perf_counter()
    decl = registry.properties[job.decl_id]
    checker = _checker(registry, job.decl_id)
    ctx, depends = recording(ctx)
    result = _shipped(job, decl, checker, ctx, settings, started, cache, stop_worse_than)
    return dataclasses.replace(result, depends=depends())


def _shipped(
    job: Job,
    decl: PropertyDecl,
    checker: ModelChecker,
    ctx: ModelContext,
    settings: SolverSettings,
    started: float,
    cache: Cache | None,
    stop_worse_than: Verdict | None,
) -> PropertyResult:
    try:
        obligations = list(checker.check(ctx))
    except RegistryError:
        raise
    except Exception as exc:  # a model that fails to build is an ERROR verdict, never a pass
        return PropertyResult(
            job.decl_id, Verdict.ERROR, time.perf_counter() - started, (), f"model error: {exc!r}"
        )
    missing_reason = checker.code_pending
    if checker.code is not None and ctx.code is None:
        missing_reason = "the code was not lowered into this context"
    elif checker.code is not None:
        try:
            obligations += checker.code(ctx)
        except RegistryError:
            raise
        except VaultproofError as exc:  # the executor rejects a construct of a target: its one-line reason
            return PropertyResult(
                job.decl_id, Verdict.ERROR, time.perf_counter() - started, (), one_line(str(exc))
            )
        except Exception as exc:
            return PropertyResult(
                job.decl_id,
                Verdict.ERROR,
                time.perf_counter() - started,
                (),
                f"code obligation error: {one_line(repr(exc))}",
            )
    results = _discharge_all(job, obligations, settings, cache, stop_worse_than)
    return compose(
        job.decl_id,
        decl.targets,
        results,
        obligations,
        time.perf_counter() - started,
        missing_reason,
        pending=checker.code_pending if checker.code is not None else "",
    )


def run_job(
    registry: Registry,
    job: Job,
    ctx: ModelContext,
    settings: SolverSettings,
    cache: Cache | None = None,
    stop_worse_than: Verdict | None = None,
) -> PropertyResult | MetricResult:
    """Run one job. ``stop_worse_than`` (shipped jobs): stop at the first obligation decided and worse than
    that verdict, for a caller that only asks whether the property is worse (the mutation campaign); the
    verdict is then a lower bound on the full run's."""
    started = time.perf_counter()
    if job.kind is JobKind.METRIC:
        text = TermText()
        outcomes = [
            cached_optimize(goal, settings, cache, text)
            for goal in registry.metrics[job.decl_id].compute(ctx)
        ]
        verdict = Verdict.worst(o.verdict for o in outcomes)
        return MetricResult(
            metric_id=job.decl_id,
            verdict=verdict,
            seconds=time.perf_counter() - started,
            values=tuple(v for o in outcomes for v in o.values),
            reason="; ".join(o.reason for o in outcomes if o.reason),
        )
    if job.kind is JobKind.SHIPPED:
        return _run_shipped(registry, job, ctx, settings, cache, stop_worse_than)
    try:
        obligations = _obligations_for(registry, job, ctx)
    except RegistryError:
        raise
    except VaultproofError as exc:
        return PropertyResult(
            job.decl_id, Verdict.ERROR, time.perf_counter() - started, (), one_line(str(exc))
        )
    except Exception as exc:  # a model that fails to build is an ERROR verdict, never a pass
        return PropertyResult(
            job.decl_id, Verdict.ERROR, time.perf_counter() - started, (), f"model error: {exc!r}"
        )
    results = _discharge_all(job, obligations, settings, cache)
    executed, lines = executed_by(obligations)
    return dataclasses.replace(
        aggregate(job.decl_id, results, time.perf_counter() - started),
        executed=executed,
        executed_lines=lines,
    )


@dataclass(frozen=True)
class _ProverState:
    registry: Registry
    ctx: ModelContext
    settings: SolverSettings
    cache: Cache | None


def _setup_prover(
    payload: tuple[str, Path | None, ModelContext, SolverSettings, Cache | None],
) -> _ProverState:
    """Once per worker (pool, Ray or the serial caller): load the registry, keep the context, the
    solver settings and the cache (the local pool's workers also ignore SIGINT, see executor.py)."""
    module_name, root, ctx, settings, cache = payload
    return _ProverState(load_registry(module_name, root), ctx, settings, cache)


def _prove_task(state: _ProverState, job: Job) -> PropertyResult | MetricResult:
    return run_job(state.registry, job, state.ctx, state.settings, state.cache)


def run_jobs(
    module_name: str,
    jobs: Sequence[Job],
    ctx: ModelContext,
    settings: SolverSettings,
    workers: int = 1,
    root: Path | None = None,
    on_done: Callable[[PropertyResult | MetricResult], None] | None = None,
    cache: Cache | None = None,
    executor: Executor | None = None,
    context_key: str | None = None,
) -> list[PropertyResult | MetricResult]:
    """Run ``jobs`` through ``executor`` (default: a local pool of ``workers`` processes); results come
    back in catalogue order whatever the completion order or the executor.

    With a ``cache`` (and the project ``root``), a job whose result is cached under its job key is not
    run at all; ``context_key`` names ``ctx`` for that key (default: a digest of it pickled)."""
    ordered = sorted(jobs, key=lambda j: (catalogue_order(j.decl_id), j.kind))
    salt = None
    if cache is not None and root is not None:
        salt = job_salt(module_name, root, context_key or context_digest(ctx), settings)
    done: dict[Job, PropertyResult | MetricResult] = {}
    if cache is not None and salt is not None:
        for job in ordered:
            hit = cache.get("job", digest(salt, job.kind, job.decl_id))
            if isinstance(hit, PropertyResult | MetricResult):
                done[job] = hit
                if on_done:
                    on_done(hit)
    todo = [job for job in ordered if job not in done]
    if todo:
        if executor is None:
            executor = SerialExecutor() if workers <= 1 else PoolExecutor(workers)
        payload = (module_name, root, ctx, settings, cache)
        for job, result in zip(
            todo, executor.map(_setup_prover, payload, _prove_task, todo, on_done), strict=True
        ):
            done[job] = result
            if cache is not None and salt is not None and _settled(result):
                cache.put("job", digest(salt, job.kind, job.decl_id), result)
    return [done[job] for job in ordered]


def context_digest(ctx: ModelContext) -> str:
    """sha256 of the context as pickled (what the workers receive); "" if it cannot be pickled."""
    import pickle

    try:
        return hashlib.sha256(pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return ""


def job_salt(module_name: str, root: Path, context: str, settings: SolverSettings) -> str | None:
    """What every job's result depends on besides the job itself (see :mod:`vaultproof.cache`): the
    engine, Z3, the settings, the properties module and the project's Python sources, and the model
    context (``context``: a digest of it). None without a context digest: no job cache."""
    if not context:
        return None
    return digest(
        "job",
        engine_digest(),
        z3.get_version_string(),
        settings,
        module_name,
        python_sources(root),
        file_digests(module_files(module_name, root)),  # the package, also when installed elsewhere
        context,
    )


def _settled(result: PropertyResult | MetricResult) -> bool:
    if result.verdict in _UNSETTLED:
        return False
    return not isinstance(result, PropertyResult) or all(
        o.verdict not in _UNSETTLED for o in result.obligations
    )
