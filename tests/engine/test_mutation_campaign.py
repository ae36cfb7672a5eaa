"""The protocol's mutation campaign (``properties/mutants.toml``, SPEC §4.5) is wired, covers every family,
and still applies to the current contracts. Cheap: nothing is compiled, except one representative mutant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from properties import REGISTRY
from vaultproof import config as config_module
from vaultproof.console import Console
from vaultproof.mutation import Mutant, Reference, load_mutants, run_mutants
from vaultproof.results import Verdict

ROOT = Path(__file__).resolve().parents[2]
CONFIG = config_module.load(ROOT)
CAMPAIGN = load_mutants(CONFIG.path(CONFIG.mutants_dir)) if CONFIG.mutants_dir else ()
MODEL_FAMILIES = {p.family for p in REGISTRY.model_properties()}


def test_the_campaign_is_wired_in_the_config() -> None:
    assert CONFIG.mutants_dir == "properties/mutants.toml"
    assert CAMPAIGN, "properties/mutants.toml declares no mutants"


def test_every_model_family_and_st_has_a_mutant() -> None:
    covered = {m.family for m in CAMPAIGN}
    assert MODEL_FAMILIES  # the registry is loaded, so the comparison below means something
    missing = sorted((MODEL_FAMILIES | {"ST"}) - covered)
    assert not missing, f"families without a mutant: {missing}"
    # every family named by a mutant exists, so no mutant is measured against nothing
    known = {p.family for p in REGISTRY.properties.values()}
    assert {m.family for m in CAMPAIGN} <= known


def test_st_mutants_have_a_static_property_to_trip() -> None:
    assert any(p.family == "ST" for p in REGISTRY.static_properties())


@pytest.mark.parametrize("mutant", CAMPAIGN, ids=lambda m: m.id)
def test_every_edit_matches_exactly_once_in_the_current_contracts(mutant: Mutant) -> None:
    path = ROOT / mutant.file
    assert path.is_file(), f"{mutant.id}: {mutant.file} does not exist"
    assert any(path.resolve().is_relative_to((ROOT / source).resolve()) for source in CONFIG.sources), (
        f"{mutant.id}: {mutant.file} is not among the compiled sources {CONFIG.sources}"
    )
    text = path.read_text(encoding="utf-8")
    assert text.count(mutant.find) == 1, f"{mutant.id}: the edit no longer matches exactly once"
    assert mutant.find != mutant.replace
    assert text.replace(mutant.find, mutant.replace) != text


def test_mutant_ids_name_their_family() -> None:
    for mutant in CAMPAIGN:
        assert mutant.id.startswith(f"M-{mutant.family}-"), mutant.id


def test_a_representative_mutant_is_killed_by_its_family() -> None:
    """One real campaign step (one compile of the whole project): TIER's nextDeduction mutant is killed
    by both TIER properties, through the SlithIR tie, with no model edit.

    Under a budget of 20 M rlimit instead of the project's 250 M: the mutant's TIER queries do not decide
    (a kill by UNKNOWN, like a VIOLATED one), and at the project's budget each would run for minutes. The
    kill means something only if the unmutated code is PROVED under the same budget on the same context,
    so that is established first (its heaviest query needs ~5.5 M)."""
    import dataclasses

    from vaultproof.mutation.campaign import build_plan
    from vaultproof.prover.runner import Job, JobKind, run_job
    from vaultproof.prover.solver import SolverSettings

    budget = dataclasses.replace(CONFIG, rlimit=20_000_000)
    (mutant,) = [m for m in CAMPAIGN if m.id == "M-TIER-deduction-forgets-previous"]
    settings = SolverSettings.of(budget)
    reference = Reference({"TIER-1": Verdict.PROVED, "TIER-2": Verdict.PROVED}, frozenset())
    planned = build_plan(budget, ("proof", "detector"), Console(quiet=True), verdicts=reference.verdicts)
    for pid in ("TIER-1", "TIER-2"):
        shipped = run_job(REGISTRY, Job(JobKind.SHIPPED, pid), planned[0].ctx, settings)
        assert shipped.verdict is Verdict.PROVED, (pid, shipped.verdict, shipped.reason)
    quiet = Console(quiet=True)
    (result,) = run_mutants(budget, REGISTRY, quiet, reference, [mutant], jobs=1, planned=planned)
    assert result.killed, result
    assert result.killed_by == ("TIER-1", "TIER-2")
