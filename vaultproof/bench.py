"""Prover benchmark (``make bench`` → ``python -m vaultproof.bench [project]``). Not part of ``make test``.

Generic over the project: what it times and compares comes from the ``[bench]`` table of the project's
``vaultproof.toml``, never from code here.

1. Per-property median proof time over N runs (``properties``: the ids to time; empty = every
   Z3-decided property of the registry).
2. Scaling: for each :class:`vaultproof.spec.ScalingSeries` in the ``SERIES`` of the ``series`` module,
   the inductive obligations (independent of k) against the unrolled composition of k iterations.
3. Side-by-side with halmos on equivalent ``check_`` tests (``halmos_project``, and ``[bench.halmos]``
   mapping property id → test), as a time ratio. halmos pins its own z3-solver, so it lives in
   ``<project>/.venv-halmos``, created if missing. If halmos cannot run, the bench says exactly why.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import z3

from vaultproof import config as config_module
from vaultproof.config import DEFAULTS, Config
from vaultproof.declared import import_declared
from vaultproof.errors import ConfigError, RegistryError, VaultproofError
from vaultproof.prover.obligation import ModelContext, Obligation
from vaultproof.prover.runner import Job, JobKind, declared_registry, run_job
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import PropertyResult, Verdict
from vaultproof.spec import ScalingSeries

FORGE = DEFAULTS["bench_forge"]


@dataclass(frozen=True)
class BenchConfig:
    """The project's ``[bench]`` table."""

    properties: tuple[str, ...] = ()
    series: str = ""
    halmos_project: str = ""
    halmos: Mapping[str, str] = field(default_factory=dict)
    forge: str = FORGE


def bench_config(config: Config) -> BenchConfig:
    """``[bench]`` of ``vaultproof.toml`` (its keys are Config fields, checked when the config loads)."""
    return BenchConfig(
        properties=config.bench_properties,
        series=config.bench_series or "",
        halmos_project=config.bench_halmos_project or "",
        halmos=dict(config.bench_halmos),
        forge=config.bench_forge,
    )


def load_series(config: Config, bench: BenchConfig) -> tuple[ScalingSeries, ...]:
    if not bench.series:
        return ()
    try:
        module = import_declared(bench.series, config.root, "[bench] series")
    except RegistryError as exc:
        raise ConfigError(f"vaultproof.toml: {exc}") from None
    series = getattr(module, "SERIES", None)
    if not isinstance(series, tuple) or not all(isinstance(s, ScalingSeries) for s in series):
        raise ConfigError(f"[bench] series module {bench.series!r} has no SERIES tuple of ScalingSeries")
    return series


# ------------------------------------------------------------------------------------------ context


def cached_context(config: Config) -> ModelContext:
    """The prove stage's context (constants, lowered library functions and stateful code, the deployment
    map), cached under ``<project>/build/prover-cache`` by a hash of the project's sources and the prover
    (``vaultproof.prover.context``)."""
    from vaultproof.prover.context import cached_context as build

    return build(config.root, declared_registry(config).deployment)


# ------------------------------------------------------------------------------------------ timing


def _time_obligations(obligations: Sequence[Obligation], settings: SolverSettings) -> tuple[float, str]:
    started = time.perf_counter()
    worst = Verdict.worst(discharge(ob, settings).verdict for ob in obligations)
    return time.perf_counter() - started, worst.value


@dataclass(frozen=True)
class Row:
    label: str
    seconds: float
    verdict: str


def per_property(
    config: Config, ids: Sequence[str], ctx: ModelContext, runs: int, settings: SolverSettings
) -> list[tuple[str, str, list[float]]]:
    registry = declared_registry(config)
    decls = [d for d in registry.model_properties() if not ids or d.id in ids]
    missing = sorted(set(ids) - {d.id for d in decls})
    if missing:
        raise ConfigError(f"vaultproof.toml: [bench] properties names no Z3 property: {', '.join(missing)}")
    rows = []
    for decl in decls:
        times: list[float] = []
        verdict = ""
        for _ in range(runs):
            result = run_job(registry, Job(JobKind.SHIPPED, decl.id), ctx, settings)
            assert isinstance(result, PropertyResult)
            times.append(result.seconds)
            verdict = result.verdict.value
        rows.append((decl.id, verdict, times))
    return rows


def scaling(
    ctx: ModelContext,
    series: ScalingSeries,
    settings: SolverSettings,
    unrolled_settings: SolverSettings,
) -> list[tuple[int, Row, Row]]:
    rows = []
    gave_up = False
    name = series.property_id
    for k in series.sizes:
        # the inductive obligations do not mention k: time them the same way at every k (median of 3)
        samples = [_time_obligations(series.inductive(ctx), settings) for _ in range(3)]
        ind = Row(f"{name} inductive", statistics.median(s for s, _ in samples), samples[-1][1])
        if gave_up:
            unr = Row(f"{name} unrolled", float("nan"), "skipped (a smaller k already timed out)")
        else:
            seconds, verdict = _time_obligations([series.unrolled(k)], unrolled_settings)
            unr = Row(f"{name} unrolled", seconds, verdict)
            gave_up = verdict == Verdict.UNKNOWN.value
        rows.append((k, ind, unr))
    return rows


# ------------------------------------------------------------------------------------------ halmos


@dataclass(frozen=True)
class Halmos:
    venv: Path
    project: Path
    forge_dir: Path


def ensure_halmos(halmos: Halmos) -> tuple[Path | None, str]:
    """``<venv>/bin/halmos``, creating the venv if missing; or why it cannot run."""
    exe = halmos.venv / "bin" / "halmos"
    if not exe.exists():
        try:
            subprocess.run(
                ["python3", "-m", "venv", str(halmos.venv)],
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
            subprocess.run(
                [str(halmos.venv / "bin" / "pip"), "install", "-q", "halmos"],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            last = detail.strip().splitlines()[-1] if detail.strip() else str(exc)
            return None, f"halmos could not be installed into {halmos.venv.name}: {last}"
    if not exe.exists():
        return None, f"{exe} is missing after installation"
    if not shutil.which("forge", path=str(halmos.forge_dir)):
        return None, f"forge not executable in {halmos.forge_dir} (run `make setup`)"
    return exe, ""


def run_halmos(exe: Path, halmos: Halmos, test: str, timeout_s: int) -> tuple[float | None, str]:
    env = {**os.environ, "PATH": f"{halmos.forge_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [
                str(exe),
                "--root",
                str(halmos.project),
                "--match-test",
                f"^{test}\\(",
                "--solver-timeout-assertion",
                str(timeout_s * 1000),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s * 3 + 120,
            env=env,
            cwd=halmos.project,
        )
    except subprocess.TimeoutExpired:
        return None, f"halmos did not finish within {timeout_s * 3 + 120} s"
    wall = time.perf_counter() - started
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    match = re.search(r"\[(PASS|FAIL|TIMEOUT|ERROR)\]\s+" + re.escape(test) + r"\(.*?time: ([0-9.]+)s", text)
    if not match:
        last = text.strip().splitlines()[-1] if text.strip() else f"exit {proc.returncode}"
        return None, f"halmos gave no result for {test}: {last}"
    return float(match.group(2)), f"{match.group(1)} (wall {wall:.1f} s incl. build)"


# ------------------------------------------------------------------------------------------ main


def _fmt(seconds: float) -> str:
    return "    n/a" if seconds != seconds else f"{seconds:7.3f}"


def _halmos_section(
    config: Config, bench: BenchConfig, medians: Mapping[str, float], args: argparse.Namespace
) -> None:
    print(f"\n== 3. halmos side-by-side (bounded check_ tests in {bench.halmos_project or '—'}) ==")
    print("z3 = median time of the whole property (all its obligations); halmos = its check_ test")
    if args.skip_halmos or not bench.halmos:
        print("halmos: skipped (--skip-halmos)" if args.skip_halmos else "halmos: no [bench.halmos] tests")
        return
    halmos = Halmos(
        venv=config.root / ".venv-halmos",
        project=config.root / bench.halmos_project,
        forge_dir=(config.root / bench.forge).parent,
    )
    exe, why = ensure_halmos(halmos)
    if exe is None:
        print(f"halmos: cannot run — {why}")
        return
    for pid, test in bench.halmos.items():
        z3_time = medians.get(pid)
        h_time, status = run_halmos(exe, halmos, test, args.halmos_timeout)
        z3_text = f"{z3_time:.3f} s" if z3_time is not None else "not timed"
        if h_time is None:
            print(f"{pid:8s} z3 {z3_text:>10s} | halmos: {status}")
            continue
        # a halmos TIMEOUT means the ratio is at least this (halmos gave up, it did not prove)
        bound = "≥" if status.startswith(("TIMEOUT", "ERROR")) else " "
        ratio = f"{bound}{h_time / z3_time:7.1f}x" if z3_time else "     n/a"
        print(f"{pid:8s} z3 {z3_text:>10s} | halmos {h_time:8.2f} s {status:40s} | halmos/z3 {ratio}")


def bench(args: argparse.Namespace) -> None:
    config = config_module.load(Path(args.path))
    plan = bench_config(config)
    series = load_series(config, plan)
    settings = SolverSettings.of(config)
    unrolled_settings = SolverSettings(timeout_ms=args.unrolled_timeout * 1000)
    print(
        f"vaultproof bench of {config.name}: z3 {z3.get_version_string()}, {os.cpu_count()} cpu(s), "
        f"{args.runs} run(s) per property"
    )
    if not args.skip_warm:
        print("\n== 0. warm re-run: `vaultproof run <path> --skip-mutants`, cold then unchanged ==")
        warm_rerun(config.root)
    ctx = cached_context(config)

    print("\n== 1. per-property proof time (median of runs, seconds) ==")
    medians: dict[str, float] = {}
    for pid, verdict, times in per_property(config, plan.properties, ctx, args.runs, settings):
        medians[pid] = statistics.median(times)
        print(
            f"{pid:10s} {verdict:15s} median {medians[pid]:7.3f}  "
            f"min {min(times):7.3f}  max {max(times):7.3f}"
        )
    if medians:
        print(f"{'total':10s} {'':15s} median {sum(medians.values()):7.3f} (sequential, one worker)")

    print("\n== 2. scaling: inductive proof vs unrolled composition (bench-only model), seconds ==")
    if not series:
        print("no scaling series ([bench] series)")
    for s in series:
        print(
            f"{s.property_id} over k {s.what} (inductive: base + step, independent of k; unrolled: k steps)"
        )
        print("      k | inductive (verdict)        | unrolled (verdict)")
        for k, ind, unr in scaling(ctx, s, settings, unrolled_settings):
            print(f"  {k:>5} | {_fmt(ind.seconds)} ({ind.verdict:14s}) | {_fmt(unr.seconds)} ({unr.verdict})")

    _halmos_section(config, plan, medians, args)


def _timed_run(root: Path, out: Path, *flags: str) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children) of one ``vaultproof run --skip-mutants``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    argv = [sys.executable, "-m", "vaultproof", "run", str(root), "--skip-mutants", "-q", "--out", str(out)]
    subprocess.run([*argv, *flags], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_rerun(root: Path) -> None:
    """A cold ``run --skip-mutants --no-cache``, then the same run warm: times and report identity."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vaultproof-bench-") as tmp:
        cold, warm = Path(tmp) / "cold", Path(tmp) / "warm"
        cold_wall, cold_cpu = _timed_run(root, cold, "--no-cache")
        warm_wall, warm_cpu = _timed_run(root, warm)
        differing = sorted(
            p.name
            for p in cold.iterdir()
            if p.name != "timings.json" and p.read_bytes() != (warm / p.name).read_bytes()
        )
    print(f"cold (--no-cache): wall {cold_wall:7.2f} s, cpu {cold_cpu:7.2f} s")
    print(f"warm (unchanged):  wall {warm_wall:7.2f} s, cpu {warm_cpu:7.2f} s  (bar: <= 3 s)")
    print("reports (timings.json aside): " + ("byte-identical" if not differing else f"DIFFER: {differing}"))


def main(argv: Sequence[str] | None = None) -> int:
    doc = __doc__ or "vaultproof bench"
    parser = argparse.ArgumentParser(prog="python -m vaultproof.bench", description=doc.splitlines()[0])
    parser.add_argument(
        "path", nargs="?", default=".", help="project root holding vaultproof.toml (default: .)"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per property for the median (default 5)")
    parser.add_argument(
        "--unrolled-timeout", type=int, default=10, help="seconds per unrolled point (default 10)"
    )
    parser.add_argument(
        "--halmos-timeout", type=int, default=60, help="halmos assertion timeout, s (default 60)"
    )
    parser.add_argument("--skip-halmos", action="store_true")
    parser.add_argument("--skip-warm", action="store_true", help="skip the cold/warm re-run timing")
    args = parser.parse_args(argv)
    try:
        bench(args)
    except VaultproofError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
