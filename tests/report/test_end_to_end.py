"""The whole pipeline on the tiny fixture project, twice: byte-identical reports, timings apart."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from vaultproof.cli import _main
from vaultproof.report import REPORT_FILES, load_results
from vaultproof.results import ExitCode, RunResult, Verdict

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"
SCHEMA = Path(__file__).resolve().parents[2] / "vaultproof" / "report" / "results.schema.json"


def test_two_runs_give_byte_identical_reports(tmp_path: Path) -> None:
    outputs = []
    for name in ("first", "second"):
        out = tmp_path / name
        outcome = _main(["run", str(TINY), "--out", str(out), "--skip-mutants", "--quiet"])
        assert outcome.exit_code is ExitCode.CLEAN
        assert isinstance(outcome.payload, RunResult)
        outputs.append({f: (out / f).read_bytes() for f in REPORT_FILES})
        assert (out / "timings.json").is_file()
    assert outputs[0] == outputs[1]

    out = tmp_path / "first"
    back = load_results(out / "results.json")
    assert [(p.property_id, p.verdict) for p in back.properties] == [("TINY-1", Verdict.PROVED)]
    assert back.catalogue[0].title == "floor never exceeds quantity"
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(
        json.loads((out / "results.json").read_text(encoding="utf-8"))
    )
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "### TINY-1 — floor never exceeds quantity" in md
    assert "broken variant: haircut of 110%" in md
    timings = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    assert timings["properties"]["TINY-1"]["obligations"][0]["name"] == "floor-le-qty"
