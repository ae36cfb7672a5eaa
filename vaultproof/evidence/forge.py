"""The one place that starts forge: the platform binary, JSON results, one error line on failure.

The npm wrapper (``node_modules/.bin/forge``) exits 0 when tests fail, so it is never used: the platform
package's binary is. forge's ``--json`` report is parsed into plain per-test outcomes.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import ToolchainError

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


def forge_binary(root: Path) -> Path | None:
    """The platform forge under ``root/node_modules``, or None when it is not installed."""
    suffix = _PLATFORMS.get((platform.system(), platform.machine()))
    if suffix is None:
        return None
    path = root / "node_modules" / "@foundry-rs" / f"forge-{suffix}" / "bin" / "forge"
    return path if path.is_file() and os.access(path, os.X_OK) else None


# Generated forge tests (replays, staged code variants and their suites) compile in their own test directory
# with their own artifacts, so the project's suites stay as forge cached them; they share one compilation.
GENERATED_DIR = "build/repro"


def clear_generated_tests(root: Path) -> Path:
    """Remove earlier generated tests (``GENERATED_DIR/*.t.sol``) and return the directory: forge compiles
    every file of its test directory, and a stale one (written against an older contract) must not fail this
    run's compilation. The staged variants below it are restaged, not removed (their bytes keep the cache)."""
    out_dir = root / GENERATED_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(out_dir.glob("*.t.sol")):
        stale.unlink()
    return out_dir


@contextlib.contextmanager
def fresh_failure_dirs(kept_invariant_failures: Path | None = None) -> Iterator[dict[str, str]]:
    """FOUNDRY_* overrides that give one forge run empty failure directories of its own, removed after it.

    forge replays a persisted failing sequence (``[invariant]`` / ``[fuzz]`` ``failure_persist_dir``)
    before it fuzzes again, so with a shared directory a run's result depends on the runs before it: the
    broken variant's sequence reported after another variant's, a mutant judged by the sequence an earlier
    mutant of the same worker left, a checkout's report differing from a fresh clone's. Every run fuzzes
    from the pinned seed alone — except where the project keeps its invariant failures on purpose
    (``kept_invariant_failures``, committed: :attr:`EvidenceDecl.broken_failures_dir`), the same for a
    checkout and a fresh clone."""
    with tempfile.TemporaryDirectory(prefix="vaultproof-forge-") as scratch:
        invariant = kept_invariant_failures or Path(scratch, "invariant")
        yield {
            "FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR": str(invariant),
            "FOUNDRY_FUZZ_FAILURE_PERSIST_DIR": os.path.join(scratch, "fuzz"),
        }


def generated_env() -> dict[str, str]:
    """FOUNDRY_* overrides that point forge at the generated tests (paths relative to the project root)."""
    return {
        "FOUNDRY_TEST": GENERATED_DIR,
        "FOUNDRY_OUT": f"{GENERATED_DIR}/out",
        "FOUNDRY_CACHE_PATH": f"{GENERATED_DIR}/cache",
    }


@dataclass(frozen=True)
class CallStep:
    """One call of a failing invariant sequence, as forge shrank it (raw ABI values), replayable as is."""

    target: str  # contract name
    function: str  # name(types)
    args: tuple[str, ...]
    sender: str = ""
    address: str = ""
    calldata: str = ""  # 0x-hex
    warp: int | None = None
    roll: int | None = None


@dataclass(frozen=True)
class TestOutcome:
    """One forge test's result (``Contract.test()`` in ``path``)."""

    path: str
    contract: str
    test: str
    passed: bool
    reason: str
    runs: int = 0
    calls: int = 0
    reverts: int = 0
    sequence: tuple[CallStep, ...] = ()


@dataclass(frozen=True)
class ForgeRun:
    outcomes: tuple[TestOutcome, ...]
    error: str = ""  # set when forge itself failed (compile error, crash): no outcomes


@dataclass(frozen=True)
class Forge:
    """forge for one project root; ``env`` adds FOUNDRY_* overrides (test dir, out dir, profile)."""

    binary: Path
    root: Path
    timeout_s: float = 900.0

    def test(
        self,
        match_path: str,
        match_contract: str | None = None,
        match_test: str | None = None,
        env: Mapping[str, str] | None = None,
        kept_invariant_failures: Path | None = None,
    ) -> ForgeRun:
        """``forge test --json`` on ``match_path``; failure directories as :func:`fresh_failure_dirs`."""
        cmd = [str(self.binary), "test", "--root", str(self.root), "--json", "--match-path", match_path]
        if match_contract:
            cmd += ["--match-contract", match_contract]
        if match_test:
            cmd += ["--match-test", match_test]
        try:
            with fresh_failure_dirs(kept_invariant_failures) as scratch:
                full_env = {**os.environ, "NO_COLOR": "1", **(env or {}), **scratch}
                proc = subprocess.run(
                    cmd, cwd=self.root, env=full_env, capture_output=True, text=True, timeout=self.timeout_s
                )
        except subprocess.TimeoutExpired:
            return ForgeRun((), f"forge timed out after {self.timeout_s:.0f}s on {match_path}")
        except OSError as exc:
            raise ToolchainError(f"cannot run forge ({self.binary}): {exc.strerror}") from None
        outcomes = parse_json(proc.stdout)
        if not outcomes:
            return ForgeRun((), _first_error(proc.stderr or proc.stdout) or f"forge exited {proc.returncode}")
        return ForgeRun(outcomes)


def parse_json(text: str) -> tuple[TestOutcome, ...]:
    """forge ``test --json`` output → outcomes, sorted by (path, contract, test). Unparseable → ()."""
    start = text.find("{")
    if start < 0:
        return ()
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError:
        return ()
    if not isinstance(data, dict):
        return ()
    outcomes = []
    for suite, body in data.items():
        path, _, contract = suite.rpartition(":")
        for test, result in (body.get("test_results") or {}).items():
            outcomes.append(_outcome(path, contract, test, result))
    return tuple(sorted(outcomes, key=lambda o: (o.path, o.contract, o.test)))


def _outcome(path: str, contract: str, test: str, result: dict[str, object]) -> TestOutcome:
    kind = result.get("kind")
    runs = calls = reverts = 0
    if isinstance(kind, dict) and isinstance(kind.get("Invariant"), dict):
        inv = kind["Invariant"]
        runs, calls, reverts = int(inv.get("runs", 0)), int(inv.get("calls", 0)), int(inv.get("reverts", 0))
    return TestOutcome(
        path=path,
        contract=contract,
        test=test,
        passed=result.get("status") == "Success",
        reason=str(result.get("reason") or ""),
        runs=runs,
        calls=calls,
        reverts=reverts,
        sequence=_sequence(result.get("counterexample")),
    )


def _sequence(counterexample: object) -> tuple[CallStep, ...]:
    steps = counterexample.get("Sequence") if isinstance(counterexample, dict) else None
    # forge 1.x: [shrunk length, [step, ...]]; older: [step, ...]
    if isinstance(steps, list) and len(steps) == 2 and isinstance(steps[1], list):
        steps = steps[1]
    if not isinstance(steps, list):
        return ()
    out = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        signature = str(step.get("signature") or step.get("func_name") or "?")
        args = step.get("raw_args") or step.get("args")
        raw = tuple(a.strip() for a in str(args).split(",")) if isinstance(args, str) and args else ()
        out.append(
            CallStep(
                target=str(step.get("contract_name") or "").rpartition(":")[2],
                function=signature,
                args=raw,
                sender=str(step.get("sender") or ""),
                address=str(step.get("addr") or ""),
                calldata=str(step.get("calldata") or ""),
                warp=_int_or_none(step.get("warp")),
                roll=_int_or_none(step.get("roll")),
            )
        )
    return tuple(out)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        try:
            return int(value, 0)
        except ValueError:
            return None
    return None


def _first_error(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.lower().startswith(("error", "compiler run failed")) or "Error (" in stripped:
            return stripped[:300]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
