"""Every project detector against its fixture snippets: must-flag (bad*) and must-not-flag (good*)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from properties.detectors import DETECTORS, SettingsError, configured_detectors
from properties.detectors._base import WIKI_ROOT, VaultproofDetector
from properties.detectors._ir import evaluate_constant
from tests.analysis.conftest import Hit
from vaultproof.compile import CompiledProject

# detector → (fixture contracts, the (contract, function) pairs it must flag there; nothing else)
FUNCTION_LEVEL: dict[str, tuple[set[str], set[tuple[str, str]]]] = {
    "vp-unguarded-external-call-in-loop": (
        {"ST1Cases"},
        {
            ("ST1Cases", "badLiquidateLoop"),
            ("ST1Cases", "_badSell"),
            ("ST1Cases", "badCoverTryArgument"),
            ("ST1Cases", "_badSafeSend"),
            ("ST1Cases", "_badSendReturningSuccess"),
        },
    ),
    "vp-unbounded-loop": (
        {"ST2Cases"},
        {("ST2Cases", "badStorageLength"), ("ST2Cases", "badExternalList"), ("ST2Cases", "badLinkedList")},
    ),
    "vp-cei-storage-write-after-call": (
        {"ST3Cases"},
        {
            ("ST3Cases", "badWriteAfterSale"),
            ("ST3Cases", "badHelperThenWrite"),
            ("ST3Cases", "badWriteInLoop"),
            ("ST3Cases", "badWriteAfterAssemblyCall"),
        },
    ),
    "vp-return-value-proceeds": (
        {"ST4Cases"},
        {
            ("ST4Cases", "badReturnValue"),
            ("ST4Cases", "badTryReturnValue"),
            ("ST4Cases", "badNoBalanceRead"),
            ("ST4Cases", "_badSwapHelper"),
        },
    ),
    "vp-authorization-revoked": (
        {"ST5Cases"},
        {
            ("ST5Cases", "badRevoke"),
            ("ST5Cases", "badSetFlag"),
            ("ST5Cases", "badDelete"),
            ("ST5Cases", "badStructRevoke"),
        },
    ),
    "vp-unprotected-risk-setter": (
        {"ST6Cases"},
        {("ST6Cases", "badSetOracle"), ("ST6Cases", "badSetSlippage")},
    ),
    "vp-missing-nonreentrant": (
        {"ST7Cases", "ST7PlainCases", "ST7DelegatedGuard"},
        {
            ("ST7Cases", "badUnguarded"),
            ("ST7Cases", "badPublicUnguarded"),
            ("ST7DelegatedGuard", "badWritesBeforeGuarded"),
            ("ST7DelegatedGuard", "badUnguardedHelperToo"),
        },
    ),
    "vp-field-read-outside-accessor": (
        {"ST12Cases", "ST12ThroughAccessor"},
        {
            ("ST12Cases", "badRawRead"),
            ("ST12Cases", "badMemoryCopy"),
            ("ST12ThroughAccessor", "badPassedElsewhere"),
        },
    ),
    "vp-unchecked-downcast": (
        {"ST13Cases", "ST13BoundCases"},
        {
            ("ST13BoundCases", "badBoundByWideVariable"),
            ("ST13BoundCases", "badShiftTooSmall"),
            ("ST13BoundCases", "badAmountNextToHash"),
            ("ST13Cases", "badCast"),
            ("ST13Cases", "badIntCast"),
            ("ST13Cases", "badSignCast"),
            ("ST13Cases", "badWrongBound"),
            ("ST13Cases", "badCheckAfterCast"),
            ("ST13Cases", "badShortCircuitWrongWay"),
            ("ST13Cases", "badRoundTripIgnored"),
        },
    ),
}


def _flagged(hits: list[Hit], contracts: set[str]) -> set[tuple[str, str]]:
    return {(h.contract, h.function) for h in hits if h.contract in contracts}


@pytest.mark.parametrize("argument", sorted(FUNCTION_LEVEL))
def test_function_level_detector_flags_exactly_the_bad_cases(
    argument: str, fixture_hits: dict[str, list[Hit]]
) -> None:
    contracts, expected = FUNCTION_LEVEL[argument]
    assert _flagged(fixture_hits[argument], contracts) == expected


@pytest.mark.parametrize("argument", sorted(FUNCTION_LEVEL))
def test_fixture_names_agree_with_expectations(argument: str, fixture_project: CompiledProject) -> None:
    """bad*/_bad* functions are exactly the expected ones, and every fixture also has good* cases."""
    contracts, expected = FUNCTION_LEVEL[argument]
    bad, good = set(), set()
    for contract in fixture_project.slither.contracts:
        if contract.name not in contracts:
            continue
        for function in contract.functions_declared:
            if function.name.lstrip("_").startswith("bad"):
                bad.add((contract.name, function.name))
            elif function.name.startswith("good"):
                good.add((contract.name, function.name))
    assert bad == expected
    assert len(good) >= 2


def test_every_detector_is_covered_by_a_fixture() -> None:
    contract_level = {
        "vp-arch-parity",
        "vp-noncustodial-transfer",
        "vp-bytecode-size",
        "vp-storage-layout-append-only",
    }
    assert {d.ARGUMENT for d in DETECTORS} == set(FUNCTION_LEVEL) | contract_level


# ---------------------------------------------------------------------------------------- ST-1


def test_st1_configured_frame_replaces_the_heuristic(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-unguarded-external-call-in-loop", {"functions": ["ST1Cases.goodSwapAll"]})
    assert _flagged(hits, {"ST1Cases"}) == {("ST1Cases", "goodSwapAll")}


def test_st1_view_calls_only_with_include_view(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-unguarded-external-call-in-loop", {"include_view": True})
    assert ("ST1Cases", "goodLiquidateViewInLoop") in _flagged(hits, {"ST1Cases"})


def test_st1_unknown_configured_function_is_reported(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-unguarded-external-call-in-loop", {"functions": ["ST1Cases.noSuchFunction"]})
    assert any("ST1Cases.noSuchFunction" in h.description and "not" in h.description for h in hits)


def test_st1_default_roots_cover_absorb_flash_callbacks_and_what_they_reach(
    fixture_hits: dict[str, list[Hit]],
) -> None:
    # absorb (its loop reaches _absorbOne's call), onFlashLoan, and ST1Keeper.sweep reached from
    # absorbAndSweep through the IKeeper interface; rebalance and sweepUnreached are in no frame.
    hits = fixture_hits["vp-unguarded-external-call-in-loop"]
    assert _flagged(hits, {"ST1RootCases", "ST1Keeper"}) == {
        ("ST1RootCases", "_absorbOne"),
        ("ST1RootCases", "onFlashLoan"),
        ("ST1Keeper", "sweep"),
    }


def test_st1_roots_are_configurable(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured(
        "vp-unguarded-external-call-in-loop", {"roots": ["ST1RootCases.rebal*"], "pattern": ""}
    )
    assert {(h.contract, h.function) for h in hits} == {("ST1RootCases", "rebalance")}


# ---------------------------------------------------------------------------------------- ST-2


def test_st2_roots_restrict_the_check_to_their_frame(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-unbounded-loop", {"roots": ["ST2Cases.badStorageLength"]})
    assert {(h.contract, h.function) for h in hits} == {("ST2Cases", "badStorageLength")}


# ---------------------------------------------------------------------------------------- ST-3


def test_st3_trusted_callee_matters(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-cei-storage-write-after-call", {"functions": ["ST3Cases.goodTrustedCall"]})
    assert _flagged(hits, {"ST3Cases"}) == {("ST3Cases", "goodTrustedCall")}


def test_st3_balance_reads_do_not_open_the_window(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-cei-storage-write-after-call", {"functions": ["ST3Cases.goodBalanceDelta"]})
    assert _flagged(hits, {"ST3Cases"}) == set()
    hits = run_configured(
        "vp-cei-storage-write-after-call",
        {"functions": ["ST3Cases.goodBalanceDelta"], "balance_functions": []},
    )
    # balanceOf is a view: even without the allow-list it never opens the window
    assert _flagged(hits, {"ST3Cases"}) == set()


# ---------------------------------------------------------------------------------------- ST-7


def test_st7_configured_contracts(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-missing-nonreentrant", {"contracts": ["ST7PlainCases"]})
    assert _flagged(hits, {"ST7Cases", "ST7PlainCases"}) == {("ST7PlainCases", "goodNotGuardedContract")}


def test_st7_outbound_contracts_are_held_only_where_they_call_out(
    run_configured: Callable[..., list[Hit]],
) -> None:
    """G-CR-5fee9f8ffe (BalanceManager.transferOut without nonReentrant) survived every check while
    ST-7 looked at the vault alone: an outbound contract's transfers out must carry the guard, its
    bookkeeping need not. Its names say which (bad* flagged, good* not)."""
    hits = run_configured(
        "vp-missing-nonreentrant", {"contracts": ["ST7PlainCases"], "outbound_contracts": ["ST7Outbound"]}
    )
    assert _flagged(hits, {"ST7Outbound", "ST7PlainCases"}) == {
        ("ST7PlainCases", "goodNotGuardedContract"),
        ("ST7Outbound", "badSendsUnguarded"),
        ("ST7Outbound", "badSendsThroughHelper"),
        ("ST7Outbound", "badSendsThroughAssembly"),
        ("ST7Outbound", "badDelegatesOnlyTheDebit"),
    }
    said = {h.description.split(" in ST7Outbound ")[-1].strip() for h in hits if h.contract == "ST7Outbound"}
    assert said == {"calls out and not nonReentrant"}
    # a name that is no contract is reported, as for ``contracts``
    missing = run_configured("vp-missing-nonreentrant", {"outbound_contracts": ["NoSuchLedger"]})
    assert any("NoSuchLedger" in h.description for h in missing)


# ---------------------------------------------------------------------------------------- ST-8


def test_st8_matching_arches_are_silent(fixture_hits: dict[str, list[Hit]]) -> None:
    assert fixture_hits["vp-arch-parity"] == []


def test_st8_arch_missing_a_callback(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured(
        "vp-arch-parity",
        {
            "arches": ["ST8ArchA", "ST8ArchC"],
            "callbacks": ["ISettle.releaseFromPosition", "ISettle.allocate"],
        },
    )
    assert [(h.contract, "ISettle.releaseFromPosition" in h.description) for h in hits] == [
        ("ST8ArchC", True)
    ]


def test_st8_unknown_arch_is_reported(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured(
        "vp-arch-parity", {"arches": ["ST8ArchA", "Nope"], "callbacks": ["ISettle.allocate"]}
    )
    assert len(hits) == 1 and "Nope" in hits[0].description


# ---------------------------------------------------------------------------------------- ST-9


def test_st9_flags_exactly_the_custodial_engines(fixture_hits: dict[str, list[Hit]]) -> None:
    flagged = {h.contract for h in fixture_hits["vp-noncustodial-transfer"]}
    assert flagged == {"ST9BadEngine", "ST9BadHelperEngine", "ST9BadCustodyEngine"}


def test_st9_custody_functions_come_from_settings(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-noncustodial-transfer", {"contracts": ["ST9BadCustodyEngine", "ST9GoodEngine"]})
    assert hits == []


# ---------------------------------------------------------------------------------------- ST-10


def test_st10_default_limit_is_eip170(fixture_hits: dict[str, list[Hit]]) -> None:
    assert fixture_hits["vp-bytecode-size"] == []


def test_st10_flags_oversize_and_thin_headroom(
    run_configured: Callable[..., list[Hit]], fixture_project: CompiledProject
) -> None:
    sizes = {s.contract: s.deployed_bytes for s in fixture_project.sizes()}
    small, big = sizes["ST10Small"], sizes["ST10Big"]
    assert small < big
    limit = (small + big) // 2
    over = {h.contract for h in run_configured("vp-bytecode-size", {"limit": limit})}
    assert "ST10Big" in over and "ST10Small" not in over
    thin = run_configured("vp-bytecode-size", {"limit": big + 10, "min_headroom": 100})
    assert any(h.contract == "ST10Big" and "headroom 10 B" in h.description for h in thin)
    assert not any(h.contract == "ST10Small" for h in thin)


# ---------------------------------------------------------------------------------------- ST-11


def test_st11_good_upgrade_is_silent_and_bad_one_lists_every_problem(
    fixture_hits: dict[str, list[Hit]],
) -> None:
    hits = fixture_hits["vp-storage-layout-append-only"]
    assert {h.contract for h in hits} == {"ST11BadVault"}
    text = "\n".join(h.description for h in hits)
    for problem in (
        "Layout.first: moved from position 0 to 1 (reordered)",
        "Layout.second: moved from position 1 to 0 (reordered)",
        "Layout.allocs[].amount: type uint128 became uint256",
        "Layout.inner: struct grew from 1 to 2 fields where it is stored inline",
        "Layout: field(s) tail removed",
        "slither-check-upgradeability order-vars-contracts",
    ):
        assert problem in text, problem


def test_st11_guesses_versioned_pairs_without_configuration(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-storage-layout-append-only", {})
    assert {h.contract for h in hits} == {"ST11BadVault"}


def test_st11_missing_pair_member_is_reported(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-storage-layout-append-only", {"pairs": [["ST11VaultV1", "ST11VaultV9"]]})
    assert len(hits) == 1 and "ST11VaultV9 is not compiled" in hits[0].description


# ---------------------------------------------------------------------------------------- ST-12


def test_st12_without_fields_checks_nothing(run_configured: Callable[..., list[Hit]]) -> None:
    assert run_configured("vp-field-read-outside-accessor", {}) == []


def test_st12_accessor_list_is_what_exempts(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-field-read-outside-accessor", {"fields": ["usdcLocked"]})
    flagged = _flagged(hits, {"ST12Cases", "ST12ThroughAccessor"})
    assert ("ST12Cases", "_effectiveLocked") in flagged
    assert ("ST12ThroughAccessor", "goodPassedToAccessor") in flagged


# ---------------------------------------------------------------------------------------- ST-13


def test_st13_amount_pattern_limits_scope(run_configured: Callable[..., list[Hit]]) -> None:
    hits = run_configured("vp-unchecked-downcast", {"amount_pattern": ""})
    assert ("ST13Cases", "goodNotAnAmount") in _flagged(hits, {"ST13Cases"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1_000_000", 1_000_000),
        ("1e18", 10**18),
        ("2**96", 2**96),
        ("type()(uint128).max", 2**128 - 1),
        ("x", None),
    ],
)
def test_evaluate_constant(text: str, value: int | None) -> None:
    assert evaluate_constant(text) == value


# ---------------------------------------------------------------------------------------- settings


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(SettingsError, match="unknown setting 'bogus'"):
        configured_detectors({"vp-unbounded-loop": {"bogus": 1}})


def test_wrongly_typed_setting_is_rejected() -> None:
    with pytest.raises(SettingsError, match="functions must be a list"):
        configured_detectors({"vp-unbounded-loop": {"functions": "A.b"}})


def test_settings_table_for_unknown_detector_is_rejected() -> None:
    with pytest.raises(SettingsError, match="names no detector"):
        configured_detectors({"vp-nope": {}})


def test_detector_metadata_is_complete() -> None:
    for detector in DETECTORS:
        assert detector.ARGUMENT.startswith("vp-")
        assert detector.WIKI.endswith("#" + detector.ARGUMENT)
        for field in (
            "HELP",
            "WIKI_TITLE",
            "WIKI_DESCRIPTION",
            "WIKI_EXPLOIT_SCENARIO",
            "WIKI_RECOMMENDATION",
        ):
            assert getattr(detector, field).strip(), (detector.ARGUMENT, field)
    assert len({d.ARGUMENT for d in DETECTORS}) == len(DETECTORS) == 13


def test_wiki_is_derived_from_the_argument_unless_the_detector_sets_it() -> None:
    class Derived(VaultproofDetector):
        PROPERTY = "ST-99"
        ARGUMENT = "vp-derived"

    class Documented(VaultproofDetector):
        PROPERTY = "ST-99"
        ARGUMENT = "vp-documented"
        WIKI = "https://example.org/detectors#documented"

    wikis = {detector.ARGUMENT: detector.WIKI for detector in (Derived, Documented)}
    assert wikis == {
        "vp-derived": f"{WIKI_ROOT}#vp-derived",
        "vp-documented": "https://example.org/detectors#documented",
    }


def test_readme_documents_every_detector_and_setting() -> None:
    from tests.analysis.conftest import REPO

    readme = (REPO / "properties" / "detectors" / "README.md").read_text(encoding="utf-8")
    for detector in DETECTORS:
        section = readme.split(f"## {detector.ARGUMENT}\n", 1)
        assert len(section) == 2, detector.ARGUMENT
        body = section[1].split("\n## ", 1)[0]
        assert detector.WIKI_DESCRIPTION in body
        for key in detector.DEFAULTS:
            assert f"`{key} = " in body, (detector.ARGUMENT, key)


def test_st_declarations_and_detectors_correspond_one_to_one() -> None:
    from properties import REGISTRY
    from vaultproof.prover.registry import DetectorChecker

    declared = {
        p.id: p.checker.argument
        for p in REGISTRY.static_properties()
        if isinstance(p.checker, DetectorChecker)
    }
    assert sorted(declared) == sorted(f"ST-{n}" for n in range(1, 14))
    assert sorted(declared.values()) == sorted(d.ARGUMENT for d in DETECTORS)
    # catalogue order ST-1 … ST-13 is the plugin's order too
    assert [declared[f"ST-{n}"] for n in range(1, 14)] == [d.ARGUMENT for d in DETECTORS]
