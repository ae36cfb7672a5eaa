"""The mutation section of the report: scores that leave unscored mutants out, the survivors with their
diff and targeting properties, unchecked code grouped apart; results.json round-trips the new fields."""

from __future__ import annotations

import dataclasses

from tests.fixtures.results import clean_result
from vaultproof.report import render_all
from vaultproof.report.codec import decode_result, results_document
from vaultproof.report.view import mutation_score, mutation_scores, survivors
from vaultproof.results import UNCHECKED, MutantOutcome, MutantResult, MutationSpace, OperatorSpace, RunResult


def _generated(
    mid: str, outcome: MutantOutcome, function: str, targets: tuple[str, ...] = ()
) -> MutantResult:
    family = "+".join(sorted({t.rpartition("-")[0] for t in targets})) or UNCHECKED
    return MutantResult(
        mutant_id=mid,
        family=family,
        description=f"AOR in Vault.{function}",
        killed=outcome.killed,
        killed_by=("FEE-1 (VIOLATED)",) if outcome is MutantOutcome.KILLED_PROOF else (),
        mutant_set="generated",
        outcome=outcome,
        operator="AOR",
        contract="Vault",
        function=function,
        file="contracts/Vault.sol",
        line=12,
        diff=f"{function}: a + b → a - b",
        targeted_by=targets,
        equivalent_to="original" if outcome is MutantOutcome.EQUIVALENT else "",
    )


def _result() -> RunResult:
    mutants = (
        _generated("G-AOR-1", MutantOutcome.KILLED_PROOF, "fee", ("FEE-1",)),
        _generated("G-AOR-2", MutantOutcome.SURVIVED, "deposit", ("FEE-1",)),
        _generated("G-AOR-3", MutantOutcome.SURVIVED, "sweep"),
        _generated("G-AOR-4", MutantOutcome.EQUIVALENT, "echo"),
        dataclasses.replace(
            _generated("G-AOR-5", MutantOutcome.UNDECIDED, "fee", ("FEE-1",)),
            undecided=("FEE-1 (UNKNOWN: rlimit 250,000,000 exhausted)",),
        ),
    )
    space = MutationSpace((OperatorSpace("AOR", 40), OperatorSpace("CR", 9, dropped=3)), sampled=5, seed=7)
    return dataclasses.replace(clean_result(), mutants=mutants, mutation_space=space)


def test_scores_leave_unscored_mutants_out() -> None:
    result = _result()
    assert mutation_score(result) == (1, 3)
    assert mutation_scores(result, "family") == {"FEE": (1, 2), UNCHECKED: (0, 1)}
    assert mutation_scores(result, "operator") == {"AOR": (1, 3)}
    checked, unchecked = survivors(result)
    assert [m.mutant_id for m in checked] == ["G-AOR-2"]
    assert [m.mutant_id for m in unchecked] == ["G-AOR-3"]


def test_the_report_lists_survivors_and_unchecked_code() -> None:
    markdown = render_all(_result())["report.md"]
    survivors_at = markdown.index("### Survivors")
    unchecked_at = markdown.index("### Unchecked code")
    assert survivors_at < unchecked_at
    assert "`deposit: a + b → a - b`" in markdown[survivors_at:unchecked_at]
    assert "`FEE-1`" in markdown[survivors_at:unchecked_at]
    assert (
        "Vault.sweep" in markdown[unchecked_at:]
        and "Vault.deposit" not in markdown[unchecked_at:].split("### Not scored")[0]
    )
    assert "Mutation score: **1/3 (33.3%)**" in markdown
    assert "G-AOR-4" in markdown.split("### Not scored")[1]


def test_an_undecided_mutant_is_neither_killed_nor_survived_and_says_what_could_not_decide() -> None:
    """A proof that came back UNKNOWN on a mutant is a tool limit: it is listed with its reason, out of
    the score (1/3 as without it), and not among the survivors."""
    result = _result()
    undecided = next(m for m in result.mutants if m.mutant_id == "G-AOR-5")
    assert not undecided.scored and not undecided.killed
    assert "G-AOR-5" not in [m.mutant_id for group in survivors(result) for m in group]
    markdown = render_all(result)["report.md"]
    unscored = markdown.split("### Not scored")[1]
    assert "G-AOR-5" in unscored and "`FEE-1 (UNKNOWN: rlimit 250,000,000 exhausted)`" in unscored
    assert "1 undecided" in markdown and "Mutation score: **1/3 (33.3%)**" in markdown


def test_results_json_round_trips_the_mutation_fields() -> None:
    result = _result()
    decoded = decode_result(results_document(result))
    assert decoded.mutants == result.mutants and decoded.mutation_space == result.mutation_space


def test_the_report_says_what_the_sample_was_drawn_from_and_what_was_dropped() -> None:
    """A sample's score means little without its population: the report names the generated total per
    operator, the seed, and the Slither patches dropped unparsed (code the campaign does not mutate)."""
    markdown = render_all(_result())["report.md"]
    assert (
        "Drawn (seed 7) from 49 mutants generated over the project's functions (AOR 40, CR 9). "
        "3 Slither patches were dropped as unusable (CR 3): their old text is not at their span, they change "
        "nothing, or a CR would comment out less than a whole statement."
    ) in markdown
    whole = dataclasses.replace(
        _result(), mutation_space=MutationSpace((OperatorSpace("AOR", 5),), sampled=5, seed=0)
    )
    markdown = render_all(whole)["report.md"]
    assert "Every one of the 5 mutants generated over the project's functions (AOR 5)." in markdown
    assert "dropped as unusable" not in markdown


def test_results_json_with_generated_mutants_matches_the_schema() -> None:
    import json
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("vaultproof.report").joinpath("results.schema.json").read_text())
    jsonschema.validate(json.loads(render_all(_result())["results.json"]), schema)
