"""Schedule properties, seed findings and metrics over worker processes.

Z3 objects do not cross process boundaries: a worker receives only an id and the registry's module
name, rebuilds the model itself, and sends back plain frozen results. Order of results is the
catalogue order, independent of which worker finished first, so reports are stable.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import RegistryError, VaultproofError
from vaultproof.executor import Executor, PoolExecutor, SerialExecutor
from vaultproof.prover.coverage import executed_by
from vaultproof.prover.obligation import ModelContext, Obligation
from vaultproof.prover.registry import ModelChecker, Registry, catalogue_order
from vaultproof.prover.solver import SolverSettings, discharge, optimize
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


def load_registry(module_name: str, root: Path | None = None) -> Registry:
    """Import a protocol's properties package (from the project root) and return its ``REGISTRY``."""
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise RegistryError(f"properties module {module_name!r} cannot be imported: {exc}") from None
    registry = getattr(module, "REGISTRY", None)
    if not isinstance(registry, Registry):
        raise RegistryError(f"properties module {module_name!r} does not define REGISTRY = Registry()")
    registry.validate_links()
    return registry


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
) -> PropertyResult:
    """The verdict of a property over its model and code obligations, and what it covers.

    The worst obligation verdict, except that a property whose obligations all hold is PROVED only if every
    declared target was executed on code by some obligation: otherwise it is MODEL-ONLY, naming the targets
    no obligation executed (and ``missing_reason``, why its code side is missing).
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


def _run_shipped(registry: Registry, job: Job, ctx: ModelContext, settings: SolverSettings) -> PropertyResult:
    """Model obligations, then code obligations; an executor rejecting a target makes the property ERROR."""
    started = time.perf_counter()
    decl = registry.properties[job.decl_id]
    checker = _checker(registry, job.decl_id)
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
    results = [discharge(ob, settings) for ob in obligations]
    result = compose(
        job.decl_id, decl.targets, results, obligations, time.perf_counter() - started, missing_reason
    )
    if (
        checker.code is not None
        and checker.code_pending
        and result.verdict.rank <= Verdict.PROVED_BOUNDED.rank
    ):
        # code obligations that hold but, by their author's declaration, do not yet cover the whole claim
        reason = f"code obligations hold; not yet on code: {checker.code_pending}"
        result = dataclasses.replace(result, verdict=Verdict.MODEL_ONLY, reason=reason)
    return result


def run_job(
    registry: Registry, job: Job, ctx: ModelContext, settings: SolverSettings
) -> PropertyResult | MetricResult:
    started = time.perf_counter()
    if job.kind is JobKind.METRIC:
        outcomes = [optimize(goal, settings) for goal in registry.metrics[job.decl_id].compute(ctx)]
        verdict = Verdict.worst(o.verdict for o in outcomes)
        return MetricResult(
            metric_id=job.decl_id,
            verdict=verdict,
            seconds=time.perf_counter() - started,
            values=tuple(v for o in outcomes for v in o.values),
            reason="; ".join(o.reason for o in outcomes if o.reason),
        )
    if job.kind is JobKind.SHIPPED:
        return _run_shipped(registry, job, ctx, settings)
    try:
        obligations = _obligations_for(registry, job, ctx)
        results = [discharge(ob, settings) for ob in obligations]
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


def _setup_prover(payload: tuple[str, Path | None, ModelContext, SolverSettings]) -> _ProverState:
    module_name, root, ctx, settings = payload
    return _ProverState(load_registry(module_name, root), ctx, settings)


def _prove_task(state: _ProverState, job: Job) -> PropertyResult | MetricResult:
    return run_job(state.registry, job, state.ctx, state.settings)


def run_jobs(
    module_name: str,
    jobs: Sequence[Job],
    ctx: ModelContext,
    settings: SolverSettings,
    workers: int = 1,
    root: Path | None = None,
    on_done: Callable[[PropertyResult | MetricResult], None] | None = None,
    executor: Executor | None = None,
) -> list[PropertyResult | MetricResult]:
    """Run ``jobs`` through ``executor`` (default: a local pool of ``workers`` processes); results come
    back in catalogue order whatever the completion order or the executor."""
    ordered = sorted(jobs, key=lambda j: (catalogue_order(j.decl_id), j.kind))
    if executor is None:
        executor = SerialExecutor() if workers <= 1 else PoolExecutor(workers)
    results = executor.map(_setup_prover, (module_name, root, ctx, settings), _prove_task, ordered)
    if on_done:
        for result in results:
            on_done(result)
    return list(results)
