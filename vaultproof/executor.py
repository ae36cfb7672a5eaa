"""One interface for running many independent jobs: serially, on a local process pool, or on Ray.

A job is ``task(state, item)``: ``state`` is built once per worker process by ``setup(payload)`` (a
solc-js server, a forge work directory, a loaded registry: things too costly to rebuild per item and
that do not pickle), ``item`` is small and picklable, and so is the result. ``map`` returns results in
the order of ``items`` whichever worker finished first, so reports do not depend on the executor;
``on_result`` (progress) sees each result in that order as soon as it and those before it are in.
Local pool workers ignore SIGINT: Ctrl-C is the parent's to handle (one line, exit 130), and an
exception in the parent (Ctrl-C, a failed job, ``on_result`` raising) stops the workers at once.

Executors are chosen by a spec string: ``"local"`` (the process pool, the default), ``"serial"``, or
``"ray://HOST:PORT"`` / ``"ray"`` (a Ray cluster through Ray Client, or a local Ray started in-process).
Ray is an optional extra (``pip install 'vaultproof[ray]'``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from vaultproof.errors import ConfigError, ToolchainError

Item = TypeVar("Item")
Result = TypeVar("Result")
Setup = Callable[[Any], Any]
Task = Callable[[Any, Any], Any]
OnResult = Callable[[Any], None] | None

# Per-process worker state, keyed by a token unique to one ``map`` call. A pool's initializer or a
# Ray worker's first task fills it; later tasks of the same call only read it. It lives in the worker
# process (the parent never reads it), and the payload crosses to each worker once, not once per item.
_STATE: dict[str, Any] = {}


class Executor(Protocol):
    name: str

    def map(
        self, setup: Setup, payload: Any, task: Task, items: Sequence[Any], on_result: OnResult = None
    ) -> list[Any]: ...


def _token() -> str:
    return uuid.uuid4().hex


def _init_worker(token: str, setup: Setup, payload: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _STATE[token] = setup(payload)


def _call(token: str, task: Task, item: Any) -> Any:
    return task(_STATE[token], item)


def _call_lazily(token: str, setup: Setup, payload: Any, task: Task, item: Any) -> Any:
    if token not in _STATE:
        _STATE[token] = setup(payload)
    return task(_STATE[token], item)


class SerialExecutor:
    name = "serial"

    def map(
        self, setup: Setup, payload: Any, task: Task, items: Sequence[Any], on_result: OnResult = None
    ) -> list[Any]:
        state = setup(payload)
        try:
            results = []
            for item in items:
                results.append(task(state, item))
                if on_result:
                    on_result(results[-1])
            return results
        finally:
            _close(state)


def _close(state: Any) -> None:
    close = getattr(state, "close", None)
    if callable(close):
        close()


class PoolExecutor:
    """The local process pool (fork): one state per worker process, built in the initializer."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def map(
        self, setup: Setup, payload: Any, task: Task, items: Sequence[Any], on_result: OnResult = None
    ) -> list[Any]:
        if self.workers == 1 or len(items) <= 1:
            return SerialExecutor().map(setup, payload, task, items, on_result)
        token = _token()
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(items)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(token, setup, payload),
        )
        try:
            futures = [pool.submit(_call, token, task, item) for item in items]
            results = []
            for future in futures:
                results.append(future.result())
                if on_result:
                    on_result(results[-1])
        except BaseException:
            # Ctrl-C or a failed job: do not wait for the other workers' solver calls to finish.
            # (``_processes`` is the executor's own table; shutdown() clears it, so read it first.)
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            _stop(processes)
            raise
        # worker states (solc servers, forge copies) end with the pool's processes
        pool.shutdown(wait=True)
        return results


def _stop(processes: Sequence[Any], grace: float = 5.0) -> None:
    """Terminate ``processes`` and return once each has exited (SIGKILL for any still running after
    ``grace`` seconds).

    Exit is read from each process's sentinel, not by reaping it: the pool's own manager thread reaps
    its workers too, and of two threads calling ``waitpid`` on one child the loser is told nothing
    (ECHILD), so ``join``/``is_alive`` here could report a dead worker as running."""
    from multiprocessing.connection import wait

    for process in processes:
        process.terminate()
    ready = wait([process.sentinel for process in processes], timeout=grace)
    stuck = [process for process in processes if process.sentinel not in ready]
    for process in stuck:
        process.kill()
    if stuck:
        wait([process.sentinel for process in stuck], timeout=grace)


class RayExecutor:
    """Ray tasks; each Ray worker process builds its state once and reuses it for later tasks."""

    def __init__(self, address: str | None, workers: int) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "--executor ray needs Ray: pip install 'vaultproof[ray]' (or `pip install ray`)"
            ) from None
        self._ray = ray
        self.name = f"ray://{address}" if address else "ray"
        self.workers = max(1, workers)
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=f"ray://{address}", log_to_driver=False)
                else:
                    ray.init(
                        num_cpus=self.workers,
                        include_dashboard=False,
                        log_to_driver=False,
                        _node_ip_address="127.0.0.1",  # a local Ray stays on the loopback
                    )
            except Exception as exc:  # connection refused, version skew: one line, exit 2
                raise ToolchainError(f"cannot connect to Ray at {self.name}: {exc}") from None

    def map(
        self, setup: Setup, payload: Any, task: Task, items: Sequence[Any], on_result: OnResult = None
    ) -> list[Any]:
        token = _token()
        shared = self._ray.put(payload)
        remote = self._ray.remote(_call_lazily)
        refs = [remote.remote(token, setup, shared, task, item) for item in items]
        try:
            results = []
            for ref in refs:
                results.append(self._ray.get(ref))
                if on_result:
                    on_result(results[-1])
        except BaseException:
            for ref in refs:  # a finished task cannot be cancelled; the rest stop
                with contextlib.suppress(Exception):
                    self._ray.cancel(ref, force=True)
            raise
        return results


def executor_for(spec: str | None, workers: int) -> Executor:
    """``local`` (default), ``serial``, ``ray`` (in-process local Ray) or ``ray://HOST:PORT``."""
    spec = (spec or "local").strip()
    if spec == "local":
        return PoolExecutor(workers)
    if spec == "serial":
        return SerialExecutor()
    if spec == "ray":
        return RayExecutor(None, workers)
    if spec.startswith("ray://"):
        address = spec.removeprefix("ray://")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"--executor {spec}: expected ray://HOST:PORT")
        return RayExecutor(address, workers)
    raise ConfigError(f"unknown executor {spec!r} (expected local, serial, ray or ray://HOST:PORT)")
