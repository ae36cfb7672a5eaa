"""Proof coverage in the reports: LCOV, the per-property "executed on code" section, HTML source listings."""

from __future__ import annotations

import dataclasses

from tests.fixtures.results import sample_result
from vaultproof.report import render_all
from vaultproof.report.lcov import lcov_document
from vaultproof.results import FunctionRef, LineHits


def _records(lcov: str) -> dict[str, list[str]]:
    records: dict[str, list[str]] = {}
    current = ""
    for line in lcov.splitlines():
        if line.startswith("SF:"):
            current = line[3:]
            records[current] = []
        elif current:
            records[current].append(line)
    return records


def test_lcov_lists_targeted_statements_with_hits_and_misses() -> None:
    lcov = lcov_document(sample_result())
    assert lcov.startswith("TN:") and lcov.endswith("end_of_record\n")
    records = _records(lcov)
    assert list(records) == sorted(records)  # files sorted, paths relative to the project root
    assert all(not f.startswith("/") for f in records)
    fund = records["contracts/InsuranceFund.sol"]
    # executed by DEBT-3 (once), declared but not executed (0): an unproved line shows as a miss
    assert [r for r in fund if r.startswith("DA:")] == [
        "DA:90,1",
        "DA:91,1",
        "DA:92,1",
        "DA:93,0",
        "DA:110,0",
        "DA:111,0",
    ]
    assert "FN:89,InsuranceFund.coverDeficit" in fund and "FNDA:1,InsuranceFund.coverDeficit" in fund
    assert "FNDA:0,InsuranceFund.remainingBlockCapacity" in fund
    assert fund[-3:] == ["LF:6", "LH:3", "end_of_record"]
    # LockMath line 13 is executed by two properties (ALLOC-1 and, as a callee, DEBT-3)
    assert "DA:13,2" in records["contracts/libraries/LockMath.sol"]


def test_lcov_is_deterministic_whatever_the_order() -> None:
    result = sample_result()
    shuffled = dataclasses.replace(
        result,
        properties=result.properties[::-1],
        sources=result.sources[::-1],
    )
    assert lcov_document(result) == lcov_document(shuffled)
    assert render_all(result)["proof-coverage.lcov"] == lcov_document(result)


def test_lcov_counts_lines_outside_the_targets() -> None:
    result = sample_result()
    extra = dataclasses.replace(
        result.properties[0], executed_lines=(LineHits("contracts/Other.sol", (5, 3)),)
    )
    lcov = lcov_document(dataclasses.replace(result, properties=(extra, *result.properties[1:])))
    other = _records(lcov)["contracts/Other.sol"]
    assert other == ["FNF:0", "FNH:0", "DA:3,1", "DA:5,1", "LF:2", "LH:2", "end_of_record"]


def test_report_sections_say_what_the_verdict_covers() -> None:
    rendered = render_all(sample_result())
    markdown, html = rendered["report.md"], rendered["report.html"]
    for text in (markdown, html):
        assert "Executed on code" in text and "Proof coverage" in text
        assert "3/6 statement lines of the targets (50.0%)" in text  # DEBT-3
        assert "3/3 statement lines of the targets (100.0%)" in text  # ALLOC-1
        assert "nothing: no obligation executed the code (model only)" in text  # CONV-1
        assert "not executed on code: InsuranceFund.remainingBlockCapacity" in text
    # the HTML shows each target's source with executed statement lines marked; Markdown does not
    assert '<details class="listing"><summary>InsuranceFund.coverDeficit' in html
    assert '<span class="hit"><span class="ln">90</span> ▶' in html
    assert '<span class="miss"><span class="ln">93</span> ✗' in html
    assert "&lt;cap&gt; &amp; &quot;room&quot;" in html  # source text is escaped
    assert "<details" not in markdown
    assert (
        "| `InsuranceFund.remainingBlockCapacity` | `contracts/InsuranceFund.sol` | 0/2 | 0.0% | 110, 111 |"
        in (markdown)
    )


def test_proof_coverage_counts_only_statement_lines() -> None:
    debt3 = next(p for p in sample_result().properties if p.property_id == "DEBT-3")
    assert debt3.proof_coverage == (3, 6)
    assert FunctionRef("InsuranceFund", "coverDeficit") in debt3.executed
