"""The content-hash cache: an unchanged re-run recomputes nothing and writes the same bytes; a changed
input recomputes exactly what depends on it; ``--no-cache`` recomputes everything; a forged entry is
never unpickled."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.decls import stub_decl
from vaultproof.cache import Cache
from vaultproof.cli import _main
from vaultproof.report import REPORT_FILES
from vaultproof.results import ExitCode

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy, ignore=shutil.ignore_patterns("build", "__pycache__"))
    return copy


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts of the expensive steps: compiling, Slither's analysis, one proof job (its models built and
    code executed), one solver decision."""
    import vaultproof.pipeline as pipeline
    import vaultproof.prover.runner as runner
    from vaultproof.analysis import run_analysis
    from vaultproof.compile import compile_project
    from vaultproof.prover.solver import discharge

    counter: Counter[str] = Counter()

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counter[name] += 1
            return real(*args, **kwargs)

        return wrapper

    # patched where they are looked up (the pipeline's and the runner's module globals)
    monkeypatch.setattr(pipeline, "compile_project", counting("compile", compile_project))
    monkeypatch.setattr(pipeline, "run_analysis", counting("analyse", run_analysis))
    monkeypatch.setattr(runner, "discharge", counting("discharge", discharge))
    monkeypatch.setattr(runner, "run_job", counting("job", runner.run_job))  # a model built, code executed
    return counter


def _run(project: Path, out: Path, *flags: str) -> None:
    argv = ["run", str(project), "--out", str(out), "--skip-mutants", "-q", "--jobs", "1", *flags]
    assert _main(argv).exit_code is ExitCode.CLEAN


def _reports(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (*REPORT_FILES, "slither.json")}


def test_warm_rerun_hits_and_writes_the_same_bytes(
    project: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    _run(project, tmp_path / "cold")
    assert calls["compile"] == 1 and calls["analyse"] == 1 and calls["discharge"] >= 1
    calls.clear()
    _run(project, tmp_path / "warm")
    assert calls == Counter()  # nothing compiled, analysed, built or solved
    assert _reports(tmp_path / "warm") == _reports(tmp_path / "cold")


def test_a_changed_input_invalidates_exactly_what_depends_on_it(
    project: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    _run(project, tmp_path / "r")
    solved = calls["discharge"]
    calls.clear()

    # A source edit recompiles and re-analyses; the obligations' terms are unchanged, so none is re-solved.
    source = project / "contracts" / "Tiny.sol"
    source.write_text(source.read_text() + "\n// an edit\n")
    _run(project, tmp_path / "r")
    assert (calls["compile"], calls["analyse"], calls["discharge"]) == (1, 1, 0)
    calls.clear()

    # A model edited (one obligation renamed): its job runs again and re-solves only that obligation.
    properties = project / "tiny_properties.py"
    properties.write_text(
        properties.read_text().replace('name="floor-le-qty"', 'name="floor is at most qty"')
    )
    sys.modules.pop("tiny_properties", None)  # a new run is a new process: the edited module is imported
    _run(project, tmp_path / "r")
    assert (calls["compile"], calls["analyse"], calls["job"], calls["discharge"]) == (0, 0, 1, 1)
    calls.clear()

    # Solver settings are part of every obligation's key: all re-solved, nothing recompiled.
    _run(project, tmp_path / "r", "--timeout-ms", "19999")
    assert (calls["compile"], calls["analyse"], calls["discharge"]) == (0, 0, solved)
    calls.clear()

    # A detector-setting change re-runs Slither on the cached compilation (solc does not run again),
    # and the reports are those of a run without any cache.
    toml = project / "vaultproof.toml"
    plugin = 'plugin = "properties.detectors"'
    toml.write_text(toml.read_text().replace(plugin, plugin + "\nbuiltin_exclude = ['pragma']"))
    _run(project, tmp_path / "r")
    assert (calls["compile"], calls["analyse"], calls["discharge"]) == (0, 1, 0)
    calls.clear()

    # --no-cache forces everything.
    _run(project, tmp_path / "fresh", "--no-cache")
    assert (calls["compile"], calls["analyse"], calls["discharge"]) == (1, 1, solved)
    assert _reports(tmp_path / "fresh") == _reports(tmp_path / "r")


def test_a_cached_import_that_changed_is_recompiled(
    project: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    """Entries record every file the compiler read; an edit to an imported file misses too."""
    (project / "contracts" / "Lib.sol").write_text("pragma solidity ^0.8.0;\nlibrary TinyLib { }\n")
    source = project / "contracts" / "Tiny.sol"
    source.write_text('import "./Lib.sol";\n' + source.read_text())
    _run(project, tmp_path / "r")
    calls.clear()
    (project / "contracts" / "Lib.sol").write_text(
        "pragma solidity ^0.8.0;\nlibrary TinyLib { uint256 constant X = 1; }\n"
    )
    _run(project, tmp_path / "r")
    assert calls["compile"] == 1


def test_a_forged_entry_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    cache = Cache(tmp_path / "cache")
    cache.put("ns", "ab" * 32, {"answer": 42})
    assert cache.get("ns", "ab" * 32) == {"answer": 42}
    entry = next((tmp_path / "cache").rglob("*.pickle"))
    import pickle

    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (exec, ("raise SystemExit('executed')",))

    entry.write_bytes(b"\0" * 32 + pickle.dumps(Boom()))  # a committed entry without this user's key
    assert cache.get("ns", "ab" * 32) is None
    assert Cache(tmp_path / "cache", read=False).get("ns", "ab" * 32) is None


def test_an_unknown_result_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout depends on the machine's load: the next run tries again instead of replaying it."""
    import z3

    import vaultproof.prover.runner as runner
    from vaultproof.prover.obligation import Obligation
    from vaultproof.prover.solver import SolverSettings
    from vaultproof.results import ObligationResult, Verdict

    x = z3.Int("x")
    ob = Obligation("o", (x >= 0,), x + 1 > 0, z3.BoolVal(True), ())
    cache = Cache(tmp_path / "cache")
    settings = SolverSettings()
    timeout = ObligationResult(name="o", verdict=Verdict.UNKNOWN, seconds=20.0, reason="timeout")
    monkeypatch.setattr(runner, "discharge", lambda o, s: timeout)
    assert runner.cached_discharge(ob, settings, cache).verdict is Verdict.UNKNOWN
    monkeypatch.undo()
    assert runner.cached_discharge(ob, settings, cache).verdict is Verdict.PROVED  # solved, not replayed
    monkeypatch.setattr(runner, "discharge", lambda o, s: timeout)
    assert runner.cached_discharge(ob, settings, cache).verdict is Verdict.PROVED  # now a settled hit


def test_the_key_tells_sorts_apart() -> None:
    """``sexpr`` prints three distinct Ints and three distinct Bools alike; only one of them is sat."""
    import z3

    from vaultproof.prover.obligation import Obligation
    from vaultproof.prover.runner import obligation_key
    from vaultproof.prover.solver import SolverSettings, discharge

    def distinct(make: Callable[[str], Any]) -> Obligation:
        x, y, z = make("x"), make("y"), make("z")
        return Obligation("o", (z3.Distinct(x, y, z),), z3.BoolVal(False) == (x == y), z3.BoolVal(True), ())

    ints, bools = distinct(z3.Int), distinct(z3.Bool)
    assert (
        ints.goal.sexpr() == bools.goal.sexpr()
        and ints.assumptions[0].sexpr() == bools.assumptions[0].sexpr()
    )
    assert discharge(ints, SolverSettings()).verdict is not discharge(bools, SolverSettings()).verdict
    assert obligation_key(ints, SolverSettings()) != obligation_key(bools, SolverSettings())


def test_code_obligations_are_cached_and_a_code_edit_resolves_only_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shipped job's code obligations go through the cache like its model obligations: a warm job solves
    nothing; the same job on a one-line edit of the contract re-solves the code obligations (their terms
    are built from the lowered code) and none of the model's."""
    import z3

    import vaultproof.prover.runner as runner
    from vaultproof.prover.code import CodeProject, code_obligation, execute
    from vaultproof.prover.context import cached_context
    from vaultproof.prover.obligation import ModelContext, Obligation
    from vaultproof.prover.registry import CodeTwin, ModelChecker, Registry
    from vaultproof.prover.solver import SolverSettings, discharge
    from vaultproof.results import FunctionRef, ObligationResult, PropertyResult, Verdict

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "code"
    twin = CodeTwin("contracts/Bank.sol", "totalMoved += amount;", "totalMoved += amount + 1;", "off by one")

    def model(ctx: ModelContext) -> list[Obligation]:
        a = z3.Int("a")
        return [Obligation("model", (a >= 1,), a + 1 > 1, a > 1, ())]

    def code(ctx: ModelContext) -> list[Obligation]:
        assert isinstance(ctx.code, CodeProject)  # the runner calls a code check with the lowered project
        ex = execute(ctx.code, "Bank.move")
        grows = ex.post("Bank", "totalMoved") == ex.before("Bank", "totalMoved") + ex.arg("amount")
        return [code_obligation("code: totalMoved grows by amount", ex, z3.Implies(ex.ok, grows))]

    registry = Registry()
    registry.register(
        stub_decl(
            id="BANK-1",
            claim="the moved counter grows by the amount moved",
            targets=(FunctionRef("Bank", "move"),),
            checker=ModelChecker(check=model, broken=model, broken_description="d").with_code(code, twin),
        )
    )
    solved: list[str] = []

    def recorded(ob: Obligation, s: SolverSettings) -> ObligationResult:
        solved.append(ob.name)
        return discharge(ob, s)

    monkeypatch.setattr(runner, "discharge", recorded)
    cache, settings = Cache(tmp_path / "cache"), SolverSettings()
    job = runner.Job(runner.JobKind.SHIPPED, "BANK-1")

    def run(ctx: ModelContext) -> PropertyResult:
        result = runner.run_job(registry, job, ctx, settings, cache)
        assert isinstance(result, PropertyResult)
        return result

    shipped = cached_context(fixture, {})
    assert run(shipped).verdict is Verdict.PROVED and solved == ["model", "code: totalMoved grows by amount"]
    solved.clear()
    warm = run(shipped)
    assert warm.verdict is Verdict.PROVED and solved == [] and FunctionRef("Bank", "move") in warm.executed
    edited = run(cached_context(fixture, {}, twin))
    assert edited.verdict is Verdict.VIOLATED and solved == ["code: totalMoved grows by amount"]
