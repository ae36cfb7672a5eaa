"""results.json: versioned schema, validated against its JSON Schema, read back losslessly."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.assertions import assert_rejected_in_one_line
from tests.fixtures.results import clean_result, sample_result
from vaultproof import results as results_module
from vaultproof.cli import _main
from vaultproof.errors import VaultproofError
from vaultproof.report import load_results, write_reports
from vaultproof.report.codec import RESULTS_SCHEMA, RESULTS_VERSION
from vaultproof.report.view import normalise
from vaultproof.results import ExitCode, RunResult

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "vaultproof" / "report" / "results.schema.json"
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("make", [sample_result, clean_result])
def test_results_json_validates_against_its_schema(
    tmp_path: Path, make: typing.Callable[[], RunResult]
) -> None:
    write_reports(make(), tmp_path)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert document["schema"] == RESULTS_SCHEMA == "vaultproof/results"
    assert document["version"] == RESULTS_VERSION == 4
    jsonschema.Draft202012Validator(_schema()).validate(document)


def test_schema_rejects_a_document_with_a_wrong_verdict(tmp_path: Path) -> None:
    write_reports(sample_result(), tmp_path)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    document["result"]["properties"][0]["verdict"] = "PROBABLY"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(document)


def test_schema_covers_every_result_field() -> None:
    """A field added to results.py without a schema (and version) update fails here. A field kept in
    memory only (``results.IN_MEMORY``: the codec does not write it) must not be in the schema."""
    defs = _schema()["$defs"]
    for name, cls in vars(results_module).items():
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or name not in defs:
            continue
        written = {f.name for f in dataclasses.fields(cls) if f.metadata.get("encode", True)}
        expected = written - {"seconds"}
        assert set(defs[name]["properties"]) == expected, name
    assert {"RunResult", "StaticFinding", "Counterexample", "GateOutcome"} <= set(defs)
    assert "depends" not in defs["PropertyResult"]["properties"]  # in memory only


def test_round_trip_is_lossless_including_timings(tmp_path: Path) -> None:
    original = sample_result()
    write_reports(original, tmp_path)
    assert load_results(tmp_path / "results.json") == normalise(original)
    # Seconds are not in results.json, but come back from timings.json beside it.
    back = load_results(tmp_path / "results.json")
    conv = next(p for p in back.properties if p.property_id == "CONV-1")
    assert conv.seconds == 1.25
    assert [o.seconds for o in conv.obligations] == [1.0, 0.25]
    assert back.metrics[0].seconds == 2.5
    assert back.seed_findings[0].result.obligations[0].seconds == 0.3


def test_without_timings_json_seconds_read_as_zero(tmp_path: Path) -> None:
    write_reports(sample_result(), tmp_path)
    (tmp_path / "timings.json").unlink()
    back = load_results(tmp_path / "results.json")
    assert all(p.seconds == 0.0 for p in back.properties)
    assert back.properties[1].counterexample == sample_result().properties[1].counterexample


def test_results_json_carries_no_seconds(tmp_path: Path) -> None:
    write_reports(sample_result(), tmp_path)
    assert '"seconds"' not in (tmp_path / "results.json").read_text(encoding="utf-8")
    timings = json.loads((tmp_path / "timings.json").read_text(encoding="utf-8"))
    assert timings["schema"] == "vaultproof/timings"
    assert timings["properties"]["DEBT-4"]["seconds"] == 20.0


def test_big_integers_survive(tmp_path: Path) -> None:
    from tests.fixtures.results import tv

    base = sample_result()
    huge = tv("x", 2**256 - 1, 18, "WETH")
    original = base.properties[1].obligations[0].counterexample
    assert original is not None
    cex = dataclasses.replace(original, values=(huge,))
    ob = dataclasses.replace(base.properties[1].obligations[0], counterexample=cex)
    prop = dataclasses.replace(base.properties[1], obligations=(ob,))
    result = dataclasses.replace(base, properties=(base.properties[0], prop, *base.properties[2:]))
    write_reports(result, tmp_path)
    back = load_results(tmp_path / "results.json")
    back_cex = back.properties[1].obligations[0].counterexample
    assert back_cex is not None
    assert back_cex.values[0].raw == 2**256 - 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "results.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: {**d, "schema": "other/thing"}, "schema is 'other/thing'"),
        (lambda d: {**d, "version": 2}, "version 2 is not supported"),
        (lambda d: {k: v for k, v in d.items() if k != "result"}, "missing key 'result'"),
        (lambda d: {**d, "result": {**d["result"], "exit_code": 7}}, "exit_code: 7 is not one of"),
        (lambda d: {**d, "result": {k: v for k, v in d["result"].items() if k != "tools"}}, "tools: missing"),
        (lambda d: {**d, "result": {**d["result"], "surprise": 1}}, "unexpected key(s) surprise"),
        (
            lambda d: {**d, "result": {**d["result"], "properties": "ALLOC-1"}},
            "properties: expected an array",
        ),
    ],
)
def test_malformed_results_json_is_a_one_line_error(tmp_path: Path, mutate: Any, message: str) -> None:
    write_reports(sample_result(), tmp_path)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    path = _write(tmp_path, json.dumps(mutate(document)))
    assert_rejected_in_one_line(load_results, path, VaultproofError, message)


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VaultproofError, match="not valid JSON"):
        load_results(_write(tmp_path, "{ nope"))
    with pytest.raises(VaultproofError, match="not found"):
        load_results(tmp_path / "absent" / "results.json")


def test_report_command_rerenders_from_results_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_reports(sample_result(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for name in ("report.md", "report.html", "results.sarif", "junit.xml"):
        (tmp_path / name).unlink()
    outcome = _main(["report", str(TINY), "--out", str(tmp_path), "--quiet"])
    assert outcome.exit_code is ExitCode.REGRESSION  # the sample run's own exit code
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before
    assert capsys.readouterr().out.startswith("vaultproof: 7 properties")


@pytest.mark.parametrize(
    "content", [None, "not json", '{"schema": "vaultproof/results", "version": 9, "result": {}}']
)
def test_report_command_on_bad_results_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    if content is not None:
        _write(tmp_path, content)
    outcome = _main(["report", str(TINY), "--out", str(tmp_path)])
    assert outcome.exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("vaultproof: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_report_rejects_fields_the_schema_forbids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A field results.schema.json does not allow (a typo, a hand edit) fails in one line, exit 2."""
    write_reports(sample_result(), tmp_path)
    original = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    _write(tmp_path, json.dumps({**original, "comment": "edited by hand"}))
    assert _main(["report", str(TINY), "--out", str(tmp_path)]).exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not match results.schema.json at (top level)" in err[0], err
    assert "'comment' was unexpected" in err[0]
