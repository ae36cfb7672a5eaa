"""Prover benchmark (``make bench`` → ``python -m vaultproof.bench``). Not part of ``make test``.

1. Per-property median proof time over N runs (every Z3-decided property of the registry).
2. Scaling: CONV-1's book walk (levels 1→128) and DEBT-1 / DEBT-4 (collaterals / ranked ADL positions
   1→32). The properties are proved by induction (base + step), whose obligations do not depend on
   the number of levels or collaterals at all; to show what that buys, the bench also builds the
   UNROLLED composition of k iterations (a bench-only model, never a proof of the catalogue) and times it.
3. Side-by-side with halmos on equivalent ``check_`` tests (``bench/halmos/``) for ALLOC-1, BF-2 and
   CONV-1, as a time ratio. halmos pins its own z3-solver, so it lives in ``.venv-halmos``, created here if
   missing. If halmos cannot run, the bench says exactly why and prints the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import z3

from vaultproof.prover.obligation import ModelContext, Obligation, Quantity
from vaultproof.prover.runner import SHIPPED, Job, load_registry, run_job
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import PropertyResult, Verdict

ROOT = Path(__file__).resolve().parents[1]
FORGE_DIR = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin"
HALMOS_VENV = ROOT / ".venv-halmos"
HALMOS_PROJECT = ROOT / "bench" / "halmos"
HALMOS_TESTS = {
    "ALLOC-1": "check_ALLOC1_toLockBounded",
    "BF-2": "check_BF2_postUpgradeUsesUsdcLocked",
    "CONV-1": "check_CONV1_minProceedsRoundsUp",
}
LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)
COLLATERALS = (1, 2, 4, 8, 16, 32)


# ------------------------------------------------------------------------------------------ context


def _cache_key(root: Path) -> str:
    digest = hashlib.sha256()
    sources = sorted((root / "contracts").rglob("*.sol"))
    for path in [*sources, root / "vaultproof/prover/extract.py", root / "vaultproof/prover/params.py"]:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_context(root: Path = ROOT) -> ModelContext:
    """The prove stage's context (extracted constants and lowered library functions), cached under
    ``build/prover-cache`` by a hash of the contracts and the extractor."""
    cache = root / "build" / "prover-cache" / f"ctx-{_cache_key(root)}.pkl"
    if cache.exists():
        params, functions = pickle.loads(cache.read_bytes())
        return ModelContext(params=params, functions=functions)
    from vaultproof import config
    from vaultproof.compile import compile_project
    from vaultproof.prover.extract import extract_library_functions
    from vaultproof.prover.params import extract_params

    project = compile_project(config.load(root))
    params, functions = extract_params(project), dict(extract_library_functions(project))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps((params, functions)))
    return ModelContext(params=params, functions=functions)


# ------------------------------------------------------------------------------------------ timing


def _time_obligations(obligations: Sequence[Obligation], settings: SolverSettings) -> tuple[float, str]:
    started = time.perf_counter()
    verdicts = {discharge(ob, settings).verdict for ob in obligations}
    worst = next(
        (
            v
            for v in (
                Verdict.ERROR,
                Verdict.VIOLATED,
                Verdict.UNKNOWN,
                Verdict.VACUOUS,
                Verdict.PROVED_BOUNDED,
            )
            if v in verdicts
        ),
        Verdict.PROVED,
    )
    return time.perf_counter() - started, worst.value


@dataclass(frozen=True)
class Row:
    label: str
    seconds: float
    verdict: str


def per_property(
    ctx: ModelContext, runs: int, settings: SolverSettings
) -> list[tuple[str, str, list[float]]]:
    registry = load_registry("properties", ROOT)
    rows = []
    for decl in registry.model_properties():
        times: list[float] = []
        verdict = ""
        for _ in range(runs):
            result = run_job(registry, Job(SHIPPED, decl.id), ctx, settings)
            assert isinstance(result, PropertyResult)
            times.append(result.seconds)
            verdict = result.verdict.value
        rows.append((decl.id, verdict, times))
    return rows


# ------------------------------------------------------------------------------ unrolled models (bench only)


def _u(name: str, bits: int, out: list[z3.BoolRef]) -> z3.ArithRef:
    var = z3.Int(name)
    out += [var >= 0, var < 2**bits]
    return var


def _min(a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
    return z3.If(a <= b, a, b)  # type: ignore[no-any-return]


def conv1_unrolled(k: int) -> Obligation:
    """Σ fill_i·price_i ≥ (Σ fill_i)·floor over k explicit levels (the non-inductive formulation)."""
    pre: list[z3.BoolRef] = []
    floor = _u("floorPrice", 128, pre)
    fills = [_u(f"fill{i}", 96, pre) for i in range(k)]
    prices = [_u(f"price{i}", 128, pre) for i in range(k)]
    pre += [p >= floor for p in prices]
    proceeds = z3.Sum([q * p for q, p in zip(fills, prices, strict=True)])
    sold = z3.Sum(fills)
    return Obligation(
        f"CONV-1 walk unrolled over {k} levels",
        tuple(pre),
        proceeds >= sold * floor,
        sold > 0,
        (Quantity("floorPrice", floor),),
        bound=k,
    )


def debt1_unrolled(k: int) -> Obligation:
    """The whole waterfall with k explicit collateral iterations: conservation of the sum."""
    pre: list[z3.BoolRef] = []
    deficit, free = _u("deficit", 128, pre), _u("free", 128, pre)
    used = _min(deficit, free)
    rem = deficit - used
    taken = z3.IntVal(0)
    for i in range(k):
        received = _u(f"received{i}", 128, pre)
        ok = z3.Bool(f"sold{i}")
        paid = z3.If(ok, _min(received, rem), 0)
        taken, rem = taken + paid, rem - paid
    bal, cap, adl = _u("insurance", 128, pre), _u("capLeft", 128, pre), _u("adlCapacity", 128, pre)
    ins = _min(rem, _min(bal, cap))
    rem3 = rem - ins
    soc = _min(rem3, adl)
    recorded = rem3 - soc
    goal = z3.And(deficit == used + taken + ins + soc + recorded, recorded >= 0)
    return Obligation(
        f"DEBT-1 waterfall unrolled over {k} collaterals",
        tuple(pre),
        goal,
        deficit > 0,
        (Quantity("deficit", deficit),),
        bound=k,
    )


def debt4_unrolled(k: int) -> Obligation:
    """The bound with k explicit ADL positions: bad debt ≤ insurance + Σ capacity ⇒ shortfall = 0."""
    pre: list[z3.BoolRef] = []
    bad, bal, cap = _u("badDebt", 128, pre), _u("insurance", 128, pre), _u("capLeft", 128, pre)
    ins = _min(bad, _min(bal, cap))
    rem = bad - ins
    profits = [_u(f"profit{i}", 128, pre) for i in range(k)]
    for p in profits:
        rem = rem - _min(rem, p)
    room = bad <= _min(bal, cap) + z3.Sum(profits)
    return Obligation(
        f"DEBT-4 bound unrolled over {k} ADL positions",
        tuple(pre),
        z3.Implies(room, rem == 0),
        bad > 0,
        (Quantity("badDebt", bad),),
        bound=k,
    )


def scaling(
    ctx: ModelContext,
    name: str,
    sizes: Sequence[int],
    inductive: Callable[[], Sequence[Obligation]],
    unrolled: Callable[[int], Obligation],
    settings: SolverSettings,
    unrolled_settings: SolverSettings,
) -> list[tuple[int, Row, Row]]:
    rows = []
    gave_up = False
    for k in sizes:
        # the inductive obligations do not mention k: time them the same way at every k (median of 3)
        samples = [_time_obligations(inductive(), settings) for _ in range(3)]
        ind = Row(f"{name} inductive", statistics.median(s for s, _ in samples), samples[-1][1])
        if gave_up:
            unr = Row(f"{name} unrolled", float("nan"), "skipped (a smaller k already timed out)")
        else:
            seconds, verdict = _time_obligations([unrolled(k)], unrolled_settings)
            unr = Row(f"{name} unrolled", seconds, verdict)
            gave_up = verdict == Verdict.UNKNOWN.value
        rows.append((k, ind, unr))
    return rows


# ------------------------------------------------------------------------------------------ halmos


def ensure_halmos() -> tuple[Path | None, str]:
    """``.venv-halmos/bin/halmos``, creating the venv if missing; or why it cannot run."""
    exe = HALMOS_VENV / "bin" / "halmos"
    if not exe.exists():
        try:
            subprocess.run(
                ["python3", "-m", "venv", str(HALMOS_VENV)],
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
            subprocess.run(
                [str(HALMOS_VENV / "bin" / "pip"), "install", "-q", "halmos"],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            last = detail.strip().splitlines()[-1] if detail.strip() else str(exc)
            return None, f"halmos could not be installed into {HALMOS_VENV.name}: {last}"
    if not exe.exists():
        return None, f"{exe} is missing after installation"
    if not (FORGE_DIR / "forge").exists():
        return None, f"forge not found at {FORGE_DIR / 'forge'} (run `make setup`)"
    return exe, ""


def run_halmos(exe: Path, test: str, timeout_s: int) -> tuple[float | None, str]:
    env = {**os.environ, "PATH": f"{FORGE_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [
                str(exe),
                "--root",
                str(HALMOS_PROJECT),
                "--match-test",
                f"^{test}\\(",
                "--solver-timeout-assertion",
                str(timeout_s * 1000),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s * 3 + 120,
            env=env,
            cwd=HALMOS_PROJECT,
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


def _timed_run(root: Path, out: Path, *flags: str) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children) of one ``vaultproof run --skip-mutants``."""
    import resource
    import subprocess
    import sys
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    argv = [sys.executable, "-m", "vaultproof", "run", str(root), "--skip-mutants", "-q", "--out", str(out)]
    subprocess.run([*argv, *flags], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_rerun(root: Path = ROOT) -> None:
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
    parser = argparse.ArgumentParser(prog="python -m vaultproof.bench", description=__doc__.splitlines()[0])
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

    settings = SolverSettings()  # the config's defaults (vaultproof/config.py)
    unrolled_settings = SolverSettings(timeout_ms=args.unrolled_timeout * 1000)
    print(
        f"vaultproof bench: z3 {z3.get_version_string()}, {os.cpu_count()} cpu(s), "
        f"{args.runs} run(s) per property"
    )
    if not args.skip_warm:
        print("\n== 0. warm re-run: `vaultproof run . --skip-mutants`, cold then unchanged ==")
        warm_rerun(ROOT)
    ctx = cached_context(ROOT)

    print("\n== 1. per-property proof time (median of runs, seconds) ==")
    medians: dict[str, float] = {}
    for pid, verdict, times in per_property(ctx, args.runs, settings):
        medians[pid] = statistics.median(times)
        print(
            f"{pid:10s} {verdict:15s} median {medians[pid]:7.3f}  "
            f"min {min(times):7.3f}  max {max(times):7.3f}"
        )
    if medians:
        print(f"{'total':10s} {'':15s} median {sum(medians.values()):7.3f} (sequential, one worker)")

    print("\n== 2. scaling: inductive proof vs unrolled composition (bench-only model), seconds ==")
    from models import conversion, deficit

    def walk() -> list[Obligation]:
        return [
            ob for ob in conversion.conv1(ctx, None) if "level walk" in ob.name or "Σ proceeds" in ob.name
        ]

    cases = (
        ("CONV-1", "book levels", LEVELS, walk, conv1_unrolled),
        ("DEBT-1", "collaterals", COLLATERALS, lambda: list(deficit.debt1(ctx, None)), debt1_unrolled),
        ("DEBT-4", "ADL positions", COLLATERALS, lambda: list(deficit.debt4(ctx, None)), debt4_unrolled),
    )
    for pid, what, sizes, inductive, unrolled in cases:
        print(f"{pid} over k {what} (inductive: base + step, independent of k; unrolled: k iterations)")
        print("      k | inductive (verdict)        | unrolled (verdict)")
        for k, ind, unr in scaling(ctx, pid, sizes, inductive, unrolled, settings, unrolled_settings):
            print(f"  {k:>5} | {_fmt(ind.seconds)} ({ind.verdict:14s}) | {_fmt(unr.seconds)} ({unr.verdict})")

    print("\n== 3. halmos side-by-side (bounded check_ tests in bench/halmos) ==")
    print("z3 = median time of the whole property (all its obligations); halmos = its check_ test")
    if args.skip_halmos:
        print("halmos: skipped (--skip-halmos)")
        return 0
    exe, why = ensure_halmos()
    if exe is None:
        print(f"halmos: cannot run — {why}")
        return 0
    if not shutil.which("forge", path=str(FORGE_DIR)):
        print(f"halmos: cannot run — forge not executable in {FORGE_DIR}")
        return 0
    for pid, test in HALMOS_TESTS.items():
        z3_time = medians.get(pid)
        h_time, status = run_halmos(exe, test, args.halmos_timeout)
        z3_text = f"{z3_time:.3f} s" if z3_time is not None else "not registered"
        if h_time is None:
            print(f"{pid:8s} z3 {z3_text:>10s} | halmos: {status}")
            continue
        # a halmos TIMEOUT means the ratio is at least this (halmos gave up, it did not prove)
        bound = "≥" if status.startswith(("TIMEOUT", "ERROR")) else " "
        ratio = f"{bound}{h_time / z3_time:7.1f}x" if z3_time else "     n/a"
        print(f"{pid:8s} z3 {z3_text:>10s} | halmos {h_time:8.2f} s {status:40s} | halmos/z3 {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
