"""Exit codes mean what they say, and only what vaultproof.toml declares runs.

A tool failure (a properties module or plugin that raises, a crashing solver call) is one line and
exit 2, never a traceback or the gate's exit 1; Ctrl-C is one line and exit 130; ``--debug`` shows the
traceback. An analysed project's ``tools/solc``, ``node_modules/solc`` or undeclared plugin never runs.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import z3

from vaultproof import config as config_module
from vaultproof.analysis.detectors import plugin_detectors
from vaultproof.cli import _main
from vaultproof.errors import ToolError
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import Registry
from vaultproof.prover.runner import Job, JobKind, load_registry, run_job
from vaultproof.prover.solver import SolverSettings
from vaultproof.results import ExitCode
from vaultproof.toolchain import ENGINE_ROOT, PACKAGE_SHIM, locate

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def _project(tmp_path: Path, module: str, body: str, extra_toml: str = "") -> Path:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "A.sol").write_text("pragma solidity ^0.8.0; contract A {}\n")
    (tmp_path / f"{module}.py").write_text(body)
    (tmp_path / "vaultproof.toml").write_text(f"[prove]\nproperties = '{module}'\n{extra_toml}")
    return tmp_path


def test_a_properties_module_that_raises_is_exit_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "crashing_props_a", "raise RuntimeError('broken at import')\n")
    assert _main(["list", str(project)]).exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "vaultproof: error: properties module 'crashing_props_a' failed while importing: "
        "RuntimeError: broken at import"
    ]


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, "crashing_props_b", "raise RuntimeError('broken at import')\n")
    assert _main(["list", str(project), "--debug"]).exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith(
        "RuntimeError: broken at import"
    )


def test_an_unexpected_exception_is_exit_2_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*args: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setitem(
        __import__("vaultproof.commands").commands.COMMANDS, "list", (explode, ("--quiet", "--debug"))
    )
    assert _main(["list", str(TINY)]).exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tool failure: OSError: disk on fire" in err[0] and "--debug" in err[0]


def test_ctrl_c_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(
        __import__("vaultproof.commands").commands.COMMANDS, "list", (interrupted, ("--quiet", "--debug"))
    )
    assert _main(["list", str(TINY)]).exit_code is ExitCode.INTERRUPTED and ExitCode.INTERRUPTED.value == 130
    assert capsys.readouterr().err == "vaultproof: interrupted\n"


def test_a_crashing_solver_call_is_a_tool_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = load_registry("tiny_properties", TINY)

    def crash(*args: object) -> None:
        raise z3.Z3Exception("out of memory")

    monkeypatch.setattr("vaultproof.prover.runner.discharge", crash)
    with pytest.raises(ToolError, match="Z3 failed on TINY-1: out of memory"):
        run_job(registry, Job(JobKind.SHIPPED, "TINY-1"), ModelContext(), SolverSettings())


def test_the_project_root_is_not_prepended_to_sys_path(tmp_path: Path) -> None:
    """A project shipping ``z3.py`` must not shadow the real one: the root is only appended, and only
    while the declared module imports."""
    project = _project(
        tmp_path,
        "declared_props_c",
        "from vaultproof.prover.registry import Registry\nREGISTRY = Registry()\n",
    )
    (project / "z3.py").write_text("raise SystemExit('shadowed z3 imported')\n")
    before = list(sys.path)
    assert isinstance(load_registry("declared_props_c", project), Registry)
    assert sys.path == before and str(project) not in sys.path


def test_an_undeclared_plugin_is_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "p").mkdir()
    project = _project(tmp_path / "p", "props_d", "")
    (project / "properties").mkdir()
    (project / "properties" / "__init__.py").write_text("")
    (project / "properties" / "detectors.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    assert plugin_detectors(config_module.load(project)) == []
    assert not marker.exists()


def test_settings_for_detectors_without_a_plugin_are_an_error(tmp_path: Path) -> None:
    project = _project(tmp_path, "props_e", "", "[analyse.detectors.vp-x]\nfunctions = []\n")
    with pytest.raises(
        Exception, match=r"\[analyse.detectors.vp-x\] configures a detector but no \[analyse\] plugin"
    ):
        plugin_detectors(config_module.load(project))


def test_a_project_solc_runs_only_when_declared(tmp_path: Path) -> None:
    """A committed ``tools/solc`` (or ``node_modules/solc``) is the project's code: not run unless named."""
    project = _project(tmp_path, "props_f", "")
    (project / "tools").mkdir()
    (project / "tools" / "solc").write_text("#!/bin/sh\necho pwned > marker\n")
    (project / "tools" / "solc").chmod(0o755)
    shutil.copytree(ENGINE_ROOT / "node_modules" / "solc", project / "node_modules" / "solc", symlinks=True)
    toolchain = locate(project, config_module.load(project).solc_shim)
    assert toolchain.solc_shim == PACKAGE_SHIM.resolve()  # the engine's own
    assert toolchain.node_modules == ENGINE_ROOT / "node_modules"
    (project / "vaultproof.toml").write_text(
        "[project]\nsolc = 'tools/solc'\n[prove]\nproperties = 'props_f'\n"
    )
    assert (
        locate(project, config_module.load(project).solc_shim).solc_shim
        == (project / "tools" / "solc").resolve()
    )


def test_ctrl_c_during_the_worker_pool_stops_the_workers() -> None:
    """Ctrl-C while workers prove: the parent stops the pool at once (no worker left running, no
    traceback from each worker: they ignore SIGINT) and the interrupt reaches the CLI."""
    import multiprocessing

    from vaultproof.prover.runner import run_jobs

    def interrupt(result: object) -> None:
        raise KeyboardInterrupt

    # Only this pool's workers count: an earlier test in the same process (xdist worker) may still own a
    # child of its own (a pool it has not reaped yet), which is not what this test is about.
    earlier = {child.pid for child in multiprocessing.active_children()}
    jobs = [Job(JobKind.SHIPPED, "TINY-1"), Job(JobKind.SHIPPED, "TINY-1")]
    with pytest.raises(KeyboardInterrupt):
        run_jobs(
            "tiny_properties", jobs, ModelContext(), SolverSettings(), workers=2, root=TINY, on_done=interrupt
        )
    ours = [child for child in multiprocessing.active_children() if child.pid not in earlier]
    # run_jobs returned only once its workers had exited: each sentinel is ready without waiting. (Not
    # is_alive(): the pool's manager thread may be reaping the same child, and the thread that loses that
    # waitpid race reads the dead worker as alive.)
    from multiprocessing.connection import wait

    running = [child.pid for child in ours if child.sentinel not in wait([child.sentinel], timeout=0)]
    assert running == []
