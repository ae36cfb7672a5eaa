"""The mutation campaign kills, reports survivors honestly, and never counts a stillborn mutant."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultproof import config as config_module
from vaultproof.console import Console
from vaultproof.errors import ConfigError
from vaultproof.mutation import Mutant, Reference, load_mutants, run_mutants
from vaultproof.prover.runner import load_registry
from vaultproof.results import Verdict

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "parallel"])
def test_campaign_on_the_tiny_project(jobs: int) -> None:
    cfg = config_module.load(TINY)
    registry = load_registry(cfg.properties_module, cfg.root)
    reference = Reference(verdicts={"TINY-1": Verdict.PROVED}, static_fingerprints=frozenset())
    mutants = load_mutants(TINY / "mutants.toml")
    results = {
        r.mutant_id: r for r in run_mutants(cfg, registry, Console(quiet=True), reference, mutants, jobs=jobs)
    }
    assert list(results) == sorted(results)  # id order, whatever finished first
    assert results["M-TINY-rename"].killed
    assert results["M-TINY-rename"].killed_by == ("registry: a declared target no longer exists",)
    assert not results["M-TINY-stillborn"].killed
    assert "does not compile" in results["M-TINY-stillborn"].description
    assert not results["M-TINY-unseen"].killed  # a survivor is reported as such, not hidden


def test_an_edit_that_no_longer_matches_is_an_error() -> None:
    cfg = config_module.load(TINY)
    registry = load_registry(cfg.properties_module, cfg.root)
    stale = Mutant("M-X", "TINY", "contracts/Tiny.sol", "this text is not there", "x", "stale")
    with pytest.raises(ConfigError, match="must match exactly once"):
        run_mutants(cfg, registry, Console(quiet=True), Reference({}, frozenset()), [stale], jobs=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[mutant]]\nid='a'", "missing family, file, find, replace, description"),
        ("x = 1", "expected one or more"),
        ("[[mutant", "malformed TOML"),
    ],
)
def test_malformed_mutants_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_mutants(path)


def test_a_mutant_is_triaged_with_the_projects_triage_file(tmp_path: Path) -> None:
    """Only the sources are copied into the mutant's directory; the triage file must still be found there
    (it was not, and the ST mutants' static stage crashed on a missing triage.toml)."""
    import shutil
    from dataclasses import replace

    from vaultproof.mutation import _mutated_copy

    project = tmp_path / "tiny"
    shutil.copytree(TINY, project, symlinks=True)  # its node_modules is a link to the engine's
    triage = project / "triage.toml"
    triage.write_text("")
    cfg = replace(config_module.load(project), triage_file="triage.toml")  # relative to the project root
    mutant = load_mutants(project / "mutants.toml")[0]
    workdir = tmp_path / "mutant"
    workdir.mkdir()
    mutated = _mutated_copy(cfg, mutant, workdir)
    assert mutated.root == workdir
    assert mutated.triage_file is not None
    assert mutated.path(mutated.triage_file) == triage.resolve()
    assert (workdir / mutant.file).read_text().count(mutant.replace) == 1
