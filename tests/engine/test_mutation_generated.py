"""The generated campaign on the mutation fixture (tests/fixtures/projects/mutation): ids are stable,
equivalent and duplicate mutants are recognised, and each kind of kill is attributed to what made it.

The fixture has one function per outcome: ``FeeMath.fee`` (FEE-1 is proved on its extracted code),
``Vault.capped`` (a constant branch is Slither's boolean-cst), ``Vault.deposit`` (a forge test checks the
totals; its event is checked by nothing), ``Vault.echo`` (``pure`` → ``view`` leaves the bytecode
unchanged) and ``FeeMath.unused`` (no deployed contract contains it).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from vaultproof import config as config_module
from vaultproof.console import Console
from vaultproof.executor import executor_for
from vaultproof.mutation.attribute import MutantRun
from vaultproof.mutation.campaign import Campaign, CampaignOptions, mutants_of, run_campaign
from vaultproof.mutation.equivalence import ORIGINAL, classify
from vaultproof.mutation.generate import _commented_statement, sample
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.runner import Job, JobKind, run_jobs
from vaultproof.prover.solver import SolverSettings
from vaultproof.report.codec import dumps, encode
from vaultproof.results import UNCHECKED, MetricResult, MutantOutcome, MutantResult, PropertyResult, Verdict

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "mutation"
QUIET = Console(quiet=True)


# (function, operator, statement after): one mutant per outcome the tests below check. Running only
# these keeps the module to a dozen compiles and a handful of forge runs.
PICKED = (
    ("fee", "AOR", "return (amount + bps) / BPS"),
    ("capped", "ICM", "true"),
    ("halve", "CR", "//uint256 half = amount / 2"),
    ("deposit", "AOR", "total -= amount"),
    ("deposit", "ASOR", "total -= amount"),
    ("deposit", "CR", "//emit Deposited(msg.sender, amount)"),
    ("echo", "FHR", "function echo(uint256 x) external view returns (uint256)"),
    ("deposit", "FHR", "function deposit(uint256 amount) internal"),
    ("unused", "AOR", "return x - 1"),
)


def picked_ids() -> tuple[str, ...]:
    mutants = mutants_of(config_module.load(FIXTURE), CampaignOptions())
    return tuple(
        m.id
        for m in mutants
        for function, operator, after in PICKED
        if m.function == function and m.operator == operator and m.diff.endswith(f"→ {after}")
    )


@pytest.fixture(scope="module")
def ids() -> tuple[str, ...]:
    return picked_ids()


@pytest.fixture(scope="module")
def campaign(ids: tuple[str, ...]) -> Campaign:
    assert len(ids) == len(PICKED)
    return run_campaign(
        config_module.load(FIXTURE), QUIET, CampaignOptions(ids=ids), executor_for("local", 2)
    )


def _one(campaign: Campaign, function: str, operator: str, after: str) -> MutantResult:
    found = [
        r
        for r in campaign.results
        if r.function == function and r.operator == operator and r.diff.endswith(f"→ {after}")
    ]
    assert len(found) == 1, [r.diff for r in campaign.results if r.function == function]
    return found[0]


def test_generation_is_deterministic_and_ids_do_not_depend_on_lines(tmp_path: Path) -> None:
    first = mutants_of(config_module.load(FIXTURE), CampaignOptions())
    again = mutants_of(config_module.load(FIXTURE), CampaignOptions())
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first) > 50
    assert {m.operator for m in first} >= {"AOR", "ASOR", "CR", "FHR", "ICM", "ROR", "RR", "SFA", "SOA"}
    # the same code three lines further down keeps every id (the line changes, the meaning does not)
    moved = tmp_path / "mutation"
    shutil.copytree(FIXTURE, moved, ignore=shutil.ignore_patterns("build", "cache", "out"))
    source = moved / "contracts" / "Vault.sol"
    source.write_text(source.read_text().replace("pragma solidity 0.8.28;", "pragma solidity 0.8.28;\n\n\n"))
    shifted = mutants_of(config_module.load(moved), CampaignOptions())
    assert [m.id for m in shifted] == [m.id for m in first]
    assert [m.line for m in shifted] == [m.line + 3 for m in first]


def test_comment_replacement_comments_out_whole_statements_only() -> None:
    """Slither's CR puts ``//`` before any CFG node: an if-condition (``if (//amount > 1_000_000) {``) does
    not parse, and a syntax error says nothing of what the checks look at. Only whole statements are
    commented out; a statement over several lines is commented out whole, ``;`` included."""
    mutants = mutants_of(config_module.load(FIXTURE), CampaignOptions())
    commented = {(m.function, m.after) for m in mutants if m.operator == "CR"}
    assert ("deposit", "//emit Deposited(msg.sender, amount)") in commented
    assert ("capped", "//return 1_000_000") in commented
    assert not [after for function, after in commented if function == "capped" and "1_000_000)" in after]
    text = b"    if (a > b) {\n        x = f(\n            a);\n    }\n    { y = 1; }\n"
    condition = text.index(b"a > b")
    assert _commented_statement(text, condition, condition + 5, "a > b") is None
    call = text.index(b"x = f(")
    multi = text.index(b")", call) + 1
    assert _commented_statement(text, call, multi, text[call:multi].decode()) == (
        multi + 1,
        "/*x = f(\n            a);*/",
    )
    braced = text.index(b"y = 1")
    assert _commented_statement(text, braced, braced + 5, "y = 1") is None


def test_the_campaign_says_what_it_drew_from_and_which_patches_it_dropped(campaign: Campaign) -> None:
    """The mutants run are few (the picked ones); the population they come from is counted per operator,
    and so are Slither's unusable patches: CR's ``if (//amount > 1_000_000) {`` in capped."""
    everything = mutants_of(config_module.load(FIXTURE), CampaignOptions())
    space = campaign.space
    assert space.sampled == len(campaign.results) == len(PICKED)
    generated = {o.operator: o.generated for o in space.operators if o.generated}
    assert generated == {
        op: sum(m.operator == op for m in everything) for op in {m.operator for m in everything}
    }
    dropped = {o.operator: o.dropped for o in space.operators if o.dropped}
    assert dropped.get("CR", 0) >= 1 and space.dropped == sum(dropped.values())


def test_a_deterministic_sample_is_the_same_subset_for_the_same_seed() -> None:
    config = config_module.load(FIXTURE)
    a = mutants_of(config, CampaignOptions(sample=10, seed=7))
    b = mutants_of(config, CampaignOptions(sample=10, seed=7))
    c = mutants_of(config, CampaignOptions(sample=10, seed=8))
    assert [m.id for m in a] == [m.id for m in b]
    assert len(a) == 10 and [m.id for m in a] != [m.id for m in c]
    # a mutant's rank is its own: the population changed elsewhere, the sample keeps the others
    everything = mutants_of(config, CampaignOptions())
    outside = next(m for m in everything if m not in a)
    fewer = sample([m for m in everything if m != outside], 10, 7)
    assert [m.id for m in fewer] == [m.id for m in a]


def test_killed_by_proof_names_the_property(campaign: Campaign) -> None:
    result = _one(campaign, "fee", "AOR", "return (amount + bps) / BPS")
    assert result.outcome is MutantOutcome.KILLED_PROOF
    assert result.killed_by == ("FEE-1 (VIOLATED)",)
    assert result.family == "FEE" and "FEE-1" in result.targeted_by
    assert result.reproved == ("FEE-1",)  # its dependence set holds FeeMath.fee, which the mutant changed


def test_killed_by_detector_names_the_detector(campaign: Campaign) -> None:
    result = _one(campaign, "capped", "ICM", "true")
    assert result.outcome is MutantOutcome.KILLED_DETECTOR
    assert result.killed_by == ("boolean-cst (Vault.capped)",)
    assert result.family == UNCHECKED


def test_killed_by_forge_names_the_test(campaign: Campaign) -> None:
    result = _one(campaign, "deposit", "AOR", "total -= amount")
    assert result.outcome is MutantOutcome.KILLED_FORGE
    assert result.killed_by == ("test/Vault.t.sol:VaultTest::test_deposit_adds_to_total",)


def test_a_survivor_is_reported_with_its_diff_and_targets(campaign: Campaign) -> None:
    result = _one(campaign, "deposit", "CR", "//emit Deposited(msg.sender, amount)")
    assert result.outcome is MutantOutcome.SURVIVED and not result.killed and not result.killed_by
    assert result.diff == "emit Deposited(msg.sender, amount) → //emit Deposited(msg.sender, amount)"
    assert result.targeted_by == ("FEE-1",)  # FEE-1 targets Vault.deposit, and still misses it
    # FEE-1's obligations read FeeMath.fee only (recorded in the unmutated run): a mutant of Vault.deposit
    # changes Vault's lowered code, not that, so FEE-1 keeps its verdict without being proved again.
    assert result.reproved == ()


def test_equivalent_and_duplicate_mutants_are_recognised(campaign: Campaign) -> None:
    same_bytecode = _one(campaign, "echo", "FHR", "function echo(uint256 x) external view returns (uint256)")
    assert same_bytecode.outcome is MutantOutcome.EQUIVALENT and same_bytecode.equivalent_to == ORIGINAL
    dead = [r for r in campaign.results if r.function == "unused"]
    assert dead and all(r.outcome is MutantOutcome.EQUIVALENT and r.equivalent_to == ORIGINAL for r in dead)
    twin = _one(campaign, "deposit", "ASOR", "total -= amount")  # `+=`→`-=` twice: AOR and ASOR
    original = _one(campaign, "deposit", "AOR", "total -= amount")
    assert twin.outcome is MutantOutcome.DUPLICATE and twin.equivalent_to == original.mutant_id
    assert not any(r.scored for r in (same_bytecode, twin, *dead))


def test_a_mutant_that_does_not_compile_is_not_scored(campaign: Campaign) -> None:
    result = _one(campaign, "halve", "CR", "//uint256 half = amount / 2")
    assert result.outcome is MutantOutcome.COMPILE_ERROR and not result.scored
    assert result.killed_by[0].startswith("contracts/Vault.sol:")


def test_a_mutant_the_forge_suites_do_not_build_against_is_a_compile_error_not_a_kill(
    campaign: Campaign,
) -> None:
    """`external` → `internal` compiles as a contract, but the test calling it does not: that says nothing
    of what the tests check (a forge build failure was counted as a forge kill before)."""
    result = _one(campaign, "deposit", "FHR", "function deposit(uint256 amount) internal")
    assert result.outcome is MutantOutcome.COMPILE_ERROR and not result.scored and not result.killed
    assert result.killed_by[0].startswith("forge: the suites do not build against the mutant: ")
    assert "test/Vault.t.sol" in result.killed_by[0], result.killed_by


def test_a_mutant_no_stage_kills_while_a_proof_cannot_be_decided_is_undecided(
    ids: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proofs cannot be built on the mutant (here: its context cannot be extracted), the forge test
    does not look at fees: neither killed nor survived, out of the score, with the reason. Serial, so
    the patched extraction is the one the mutant runs through."""
    from vaultproof.mutation import attribute

    def cannot_extract(*_args: object) -> None:
        raise RuntimeError("two values for FeeMath.BPS")

    monkeypatch.setattr(attribute, "mutant_context", cannot_extract)
    fee = next(
        m.id
        for m in mutants_of(config_module.load(FIXTURE), CampaignOptions(ids=ids))
        if m.function == "fee" and m.diff.endswith("→ return (amount + bps) / BPS")
    )
    campaign = run_campaign(
        config_module.load(FIXTURE), QUIET, CampaignOptions(ids=(fee,)), executor_for("serial", 1)
    )
    (result,) = campaign.results
    assert result.function == "fee" and result.diff.endswith("→ return (amount + bps) / BPS")
    assert result.outcome is MutantOutcome.UNDECIDED and not result.killed and not result.scored
    assert result.killed_by == ()
    assert result.undecided == ("FEE-1 (ERROR: extraction: RuntimeError: two values for FeeMath.BPS)",)


def test_classification_of_digests() -> None:
    runs = [
        MutantRun("G-A", MutantOutcome.SURVIVED, (), "f:C", "d1"),
        MutantRun("G-B", MutantOutcome.KILLED_FORGE, ("t",), "f:C", "d1"),
        MutantRun("G-C", MutantOutcome.EQUIVALENT, (), "f:C", "d0"),
        MutantRun("G-D", MutantOutcome.SURVIVED, (), "f:D", "d1"),
    ]
    out = classify(runs)
    assert out["G-B"][0].outcome is MutantOutcome.DUPLICATE and out["G-B"][1] == "G-A"
    assert out["G-C"][1] == ORIGINAL
    assert out["G-D"][0].outcome is MutantOutcome.SURVIVED  # same digest, another witness contract


def _document(campaign: Campaign) -> str:
    return dumps({"mutants": [encode(r) for r in campaign.results]})


def _verdicts_and_obligations(
    results: list[PropertyResult | MetricResult],
) -> list[tuple[Verdict, list[str]]]:
    """Each proof job's verdict and obligation names (the tiny project's jobs are properties, not metrics)."""
    shown: list[tuple[Verdict, list[str]]] = []
    for r in results:
        assert isinstance(r, PropertyResult)
        shown.append((r.verdict, [o.name for o in r.obligations]))
    return shown


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install ray)")
def test_ray_gives_the_same_results_as_the_process_pool(ids: tuple[str, ...], campaign: Campaign) -> None:
    import ray

    config = config_module.load(FIXTURE)
    options = CampaignOptions(ids=ids)
    pool = campaign  # the module's campaign: the same options on the local process pool
    tiny = FIXTURE.parent / "tiny"
    jobs = [Job(JobKind.SHIPPED, "TINY-1"), Job(JobKind.BROKEN, "TINY-1")]
    settings = SolverSettings()
    proofs = run_jobs("tiny_properties", jobs, ModelContext(), settings, workers=2, root=tiny)
    try:
        ray_executor = executor_for("ray", 2)
        on_ray = run_campaign(config, QUIET, options, ray_executor)
        ray_proofs = run_jobs(
            "tiny_properties", jobs, ModelContext(), settings, root=tiny, executor=ray_executor
        )
    finally:
        ray.shutdown()
    assert len(pool.results) == len(PICKED)
    assert _document(on_ray) == _document(pool)
    # proof jobs go through the same interface: same verdicts and obligations, whoever ran them
    assert _verdicts_and_obligations(ray_proofs) == _verdicts_and_obligations(proofs)
    # catalogue order: broken first; the shipped model is proved, but an empty context executes no code,
    # so it reads MODEL-ONLY (a verdict covers only what was executed on code)
    assert [r.verdict.value for r in proofs] == ["VIOLATED", "MODEL-ONLY"]


def test_a_test_file_whose_set_up_reverts_kills_with_every_test_that_passed() -> None:
    """forge reports a reverting ``setUp`` as one failing entry and none of the file's tests; those tests
    passed unmutated and do not pass now. Counting only the entries forge lists as failing read such a
    mutant SURVIVED (G-MIA-e5f52e2c5c: BalanceManagerVaultV1.initialize's guard inverted). A file that did
    not run (another mutant's suites) kills nothing."""
    from vaultproof.mutation.attribute import broken_tests

    passing = frozenset(
        {
            "test/Upgrade.t.sol:UpgradeTest::test_layout",
            "test/Upgrade.t.sol:UpgradeTest::test_upgrade",
            "test/Other.t.sol:OtherTest::test_other",
        }
    )
    set_up_reverts = {"test/Upgrade.t.sol:UpgradeTest::setUp": False}
    assert broken_tests(set_up_reverts, passing, ("test/Upgrade.t.sol",)) == (
        "test/Upgrade.t.sol:UpgradeTest::test_layout",
        "test/Upgrade.t.sol:UpgradeTest::test_upgrade",
    )
    one_fails = {
        "test/Upgrade.t.sol:UpgradeTest::test_layout": True,
        "test/Upgrade.t.sol:UpgradeTest::test_upgrade": False,
    }
    assert broken_tests(one_fails, passing, ("test/Upgrade.t.sol",)) == (
        "test/Upgrade.t.sol:UpgradeTest::test_upgrade",
    )
    all_pass = dict.fromkeys(
        ("test/Upgrade.t.sol:UpgradeTest::test_layout", "test/Upgrade.t.sol:UpgradeTest::test_upgrade"), True
    )
    assert broken_tests(all_pass, passing, ("test/Upgrade.t.sol",)) == ()


def test_lir_mutants_do_not_depend_on_the_order_slither_lists_the_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Function.local_variables`` is ``list(set(...))``, ordered by object address; Slither's LIR gives
    each literal the values collected before it in that order. Every literal gets all of them, whatever
    the order: both of Limits.window's literals get int256's and uint256's bounds."""
    from slither.core.declarations.function import Function

    config = config_module.load(FIXTURE)
    options = CampaignOptions(operators=("LIR",))
    first = mutants_of(config, options)
    listed = Function.local_variables
    monkeypatch.setattr(Function, "local_variables", property(lambda self: list(reversed(listed.fget(self)))))
    assert [m.id for m in mutants_of(config, options)] == [m.id for m in first]
    window = {m.after for m in first if m.function == "window"}
    int_max, uint_max = str(2**255 - 1), str(2**256 - 1)
    assert {f"int256 low = {int_max}", f"int256 low = {uint_max}"} <= window
    assert {f"uint256 cap = {int_max}", f"uint256 cap = {uint_max}"} <= window
