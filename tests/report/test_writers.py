"""Markdown, HTML and JUnit writers: content an auditor relies on, escaping, determinism."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.fixtures.results import clean_result, entry, sample_result
from vaultproof.report import REPORT_FILES, render_all, write_reports
from vaultproof.results import BytecodeSize, RunResult, Severity


@pytest.fixture(scope="module")
def sample_reports() -> dict[str, str]:
    """The sample run's reports, rendered once for the tests that only read them."""
    return render_all(sample_result())


@pytest.fixture(scope="module")
def report_md(sample_reports: dict[str, str]) -> str:
    return sample_reports["report.md"]


def _reversed(result: RunResult) -> RunResult:
    """The same run with every collection in another order (as parallel workers might produce it)."""
    return dataclasses.replace(
        result,
        catalogue=result.catalogue[::-1],
        properties=result.properties[::-1],
        seed_findings=result.seed_findings[::-1],
        static_findings=result.static_findings[::-1],
        sizes=result.sizes[::-1],
        mutants=result.mutants[::-1],
        notes=result.notes[::-1],
    )


def _retimed(result: RunResult, factor: float) -> RunResult:
    props = tuple(
        dataclasses.replace(
            p,
            seconds=p.seconds * factor + 1,
            obligations=tuple(dataclasses.replace(o, seconds=o.seconds * factor + 1) for o in p.obligations),
        )
        for p in result.properties
    )
    return dataclasses.replace(result, properties=props)


def test_reports_ignore_order_and_timing(sample_reports: dict[str, str]) -> None:
    shuffled = render_all(_reversed(_retimed(sample_result(), 7.0)))
    for name in REPORT_FILES:
        assert sample_reports[name] == shuffled[name], name
    assert sample_reports["timings.json"] != shuffled["timings.json"]


def test_write_reports_writes_every_file(tmp_path: Path) -> None:
    paths = write_reports(sample_result(), tmp_path / "nested" / "reports")
    assert sorted(p.name for p in paths) == sorted([*REPORT_FILES, "timings.json"])
    assert all(p.read_bytes().endswith(b"\n") and b"\r\n" not in p.read_bytes() for p in paths)


def _section(markdown: str, anchor: str) -> str:
    start = markdown.index(f'<a id="{anchor}"></a>')
    following = markdown.find('<a id="', start + 1)
    return markdown[start : following if following != -1 else None]


def test_markdown_summary_counts_and_gate(report_md: str) -> None:
    summary = _section(report_md, "summary")
    for label in ("PROVED", "PROVED-BOUNDED", "VIOLATED", "VACUOUS", "UNKNOWN"):
        assert re.search(rf"\| (\*\*)?{label}(\*\*)? \| 1 \|", summary), label
    assert "| NOT RUN | 1 |" in summary  # QRE-2: a Z3 property with no result
    assert "| DETECTOR | 1 |" in summary  # ST-1: judged by its detector's findings
    # A detector property is never shown as proved: it shows its open findings.
    assert (
        "| [ST-1](#st-1) | external sells inside try/catch | **high** | "
        "`slither:vp-sell-try-catch` | **1 OPEN** |" in report_md
    )
    assert "| **high** | 1 | 0 | yes |" in summary
    assert "| **medium** | 0 | 1 | yes |" in summary
    assert "1/2 mutants killed (50.0%)" in summary
    assert "FAIL (1 regression(s))" in summary
    assert "1 of 2 confirmed" in summary


def test_markdown_property_section_has_everything_an_auditor_checks(report_md: str) -> None:
    conv = _section(report_md, "conv-1")
    assert "### CONV-1 — price floor on realised proceeds" in conv
    assert "**Verdict:** **VIOLATED**" in conv
    assert "000_stage5_collateral_conversion.md" in conv
    assert "`CollateralMath.minProceeds`, `BalanceManagerVault._coverDeficitWithCollateral`" in conv
    assert "broken variant: liqFactorBps applied twice" in conv
    assert "- qty is a uint128" in conv
    assert "| `floor-rounding` | **VIOLATED** |" in conv
    assert "| name | raw | value (token units) |" in conv
    assert "| qty | `150000000` | 1.5 WBTC |" in conv
    assert "| oraclePrice | `6000012345678` | 60,000.12345678 USD |" in conv
    assert "| received | `88199999` | 88.199999 USDC |" in conv
    # Escaped: the statement's HTML and pipe cannot break the Markdown.
    assert "\\<script\\>" in conv and "a\\|b" in conv
    assert "| `levels` | **PROVED-BOUNDED** | 8 steps |" in _section(report_md, "liq-1")
    assert "timeout after 20000 ms" in _section(report_md, "debt-4")


def test_catalogue_in_the_report_comes_from_the_result() -> None:
    base = sample_result()
    added = dataclasses.replace(base, catalogue=(*base.catalogue, entry("ADL-3", "ADL ranks by ROE")))
    md = render_all(added)["report.md"]
    assert "[ADL-3](#adl-3) | ADL ranks by ROE" in md
    assert "### ADL-3 — ADL ranks by ROE" in md
    assert md.index("### ADL-3") < md.index("### ALLOC-1")  # catalogue order, not insertion order


def test_markdown_seed_findings_metrics_static_sizes_mutants_tools(report_md: str) -> None:
    seed = _section(report_md, "bf-2-seed-rule")
    assert "confirmed (the seed's rule is **VIOLATED**)" in seed
    assert "**Fix proved by:** [ALLOC-1](#alloc-1) — PROVED" in seed
    assert "| unlocked | `5000000000` | 5,000 USDC |" in seed
    assert "**NOT confirmed**" in _section(report_md, "liq-5-fee-seed")
    assert "| badDebt | `1234567890` | 1,234.56789 USDC | maximum over all scenarios |" in report_md
    static = _section(report_md, "static-findings")
    assert "`contracts/BalanceManagerVault.sol:412-415`" in static
    assert "triaged maker hook is nonReentrant-guarded by the caller" in static
    sizes = _section(report_md, "sizes")
    assert (
        "| `BalanceManagerVault` | `contracts/BalanceManagerVault.sol` | 22,001 | 24,576 | 2,575 | 89.5% |"
        in sizes
    )
    assert "| `M-TIER-deduction` | TIER | deduction off by one tier | **survived** | — |" in report_md
    assert "| z3 | `4.15.4` |" in report_md


def test_size_over_limit_is_flagged() -> None:
    base = clean_result()
    big = dataclasses.replace(base, sizes=(BytecodeSize("Fat", "contracts/Fat.sol", 25_000),))
    md = render_all(big)["report.md"]
    assert "| `Fat` | `contracts/Fat.sol` | 25,000 | 24,576 | -424 |" in md
    assert "**OVER LIMIT**" in md and "over the limit: Fat" in md


def test_html_is_self_contained_and_escaped(sample_reports: dict[str, str]) -> None:
    html = sample_reports["report.html"]
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html  # the statement's <script> is escaped, and we ship none
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; a|b `x`" in html
    assert not re.search(r"""(src|href)=["'](https?:|//)""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert '<table class="summary">' in html and '<table class="cex">' in html
    assert '<td class="num">1.5 WBTC</td>' in html


def test_empty_result_renders(tmp_path: Path) -> None:
    base = clean_result()
    empty = dataclasses.replace(
        base,
        catalogue=(),
        properties=(),
        seed_findings=(),
        metrics=(),
        static_findings=(),
        sizes=(),
        mutants=(),
    )
    rendered = render_all(empty)
    assert "No static finding was reported." in rendered["report.md"]
    assert "No mutants were run" in rendered["report.md"]


def test_junit_cases_per_property_seed_and_detector() -> None:
    root = ET.fromstring(render_all(sample_result(), Severity.MEDIUM)["junit.xml"])
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    cases = {c.get("name", "").split(" ")[0]: c for c in root.iter("testcase")}

    assert cases["ALLOC-1"].find("*") is None  # PROVED passes
    failure = cases["CONV-1"].find("failure")
    assert failure is not None and failure.get("type") == "VIOLATED"
    assert "qty = 1.5 WBTC (raw 150000000)" in (failure.text or "")
    bounded = cases["LIQ-1"].find("failure")
    assert bounded is not None and bounded.get("message") == "bounded"
    for pid, kind in (("DEBT-4", "UNKNOWN"), ("TIER-1", "VACUOUS"), ("REL-2", "ERROR")):
        error = cases[pid].find("error")
        assert error is not None and error.get("type") == kind, pid
    timeout = cases["DEBT-4"].find("error")
    assert timeout is not None and "timeout after 20000 ms" in (timeout.get("message") or "")
    assert cases["QRE-2"].find("skipped") is not None
    model_only = cases["DEBT-3"].find("failure")  # MODEL-ONLY is not a pass
    assert model_only is not None and model_only.get("type") == "MODEL-ONLY"
    assert "InsuranceFund.remainingBlockCapacity" in (model_only.get("message") or "")

    assert cases["BF-2.seed-rule"].find("*") is None
    assert cases["LIQ-5.fee-seed"].find("failure") is not None

    # Detectors: the untriaged high finding fails its detector; the triaged medium and the
    # informational one (below fail_on) do not.
    assert cases["vp-sell-try-catch"].find("failure") is not None
    assert cases["reentrancy-benign"].find("*") is None
    assert cases["naming-convention"].find("*") is None

    props = suites["properties"]
    assert (props.get("tests"), props.get("failures"), props.get("errors"), props.get("skipped")) == (
        "8",
        "3",
        "3",
        "1",
    )
    assert root.get("tests") == str(sum(int(s.get("tests") or 0) for s in suites.values()))
    assert all(node.get("time") is None for node in root.iter())  # timings live in timings.json


def test_junit_gate_severity_is_respected() -> None:
    lenient = ET.fromstring(render_all(sample_result(), Severity.CRITICAL)["junit.xml"])
    cases = {c.get("name"): c for c in lenient.iter("testcase")}
    assert cases["vp-sell-try-catch"].find("failure") is None
    strict = ET.fromstring(render_all(sample_result(), Severity.INFORMATIONAL)["junit.xml"])
    cases = {c.get("name"): c for c in strict.iter("testcase")}
    assert cases["naming-convention"].find("failure") is not None
