"""Report writers: Markdown and HTML audit report, results.json, SARIF 2.1.0, JUnit XML, the proof
coverage as LCOV, timings.json.

All of them read only the :class:`RunResult`, normalised to one canonical order first. Every file
except ``timings.json`` is byte-identical across two runs on the same input (see docs/REPORTS.md).
"""

from __future__ import annotations

from pathlib import Path

from vaultproof.errors import VaultproofError
from vaultproof.report.audit import build_document
from vaultproof.report.codec import (
    RESULTS_SCHEMA,
    RESULTS_VERSION,
    ResultsFileError,
    dumps,
    load_results,
    results_document,
    timings_document,
)
from vaultproof.report.html import render_html
from vaultproof.report.junit import junit_document
from vaultproof.report.lcov import lcov_document
from vaultproof.report.markdown import render_markdown
from vaultproof.report.sarif import sarif_document
from vaultproof.report.view import normalise
from vaultproof.results import RunResult, Severity

REPORT_FILES = (
    "report.md",
    "report.html",
    "results.json",
    "results.sarif",
    "junit.xml",
    "proof-coverage.lcov",
)
TIMINGS_FILE = "timings.json"


def render_all(result: RunResult, fail_on: Severity = Severity.MEDIUM) -> dict[str, str]:
    """File name → content for every report (timings.json included)."""
    result = normalise(result)
    title, blocks = build_document(result, fail_on)
    return {
        "report.md": render_markdown(title, blocks),
        "report.html": render_html(title, blocks, result),
        "results.json": dumps(results_document(result)),
        "results.sarif": dumps(sarif_document(result)),
        "junit.xml": junit_document(result, fail_on),
        "proof-coverage.lcov": lcov_document(result),
        TIMINGS_FILE: dumps(timings_document(result)),
    }


def write_reports(result: RunResult, out_dir: Path, fail_on: Severity = Severity.MEDIUM) -> list[Path]:
    """Write every report under ``out_dir``; returns the paths written, in a fixed order."""
    rendered = render_all(result, fail_on)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in (*REPORT_FILES, TIMINGS_FILE):
            path = out_dir / name
            # newline="\n": the same bytes on every platform.
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(rendered[name])
            paths.append(path)
    except OSError as exc:
        raise VaultproofError(f"cannot write reports to {out_dir}: {exc.strerror or exc}") from None
    return paths


__all__ = [
    "REPORT_FILES",
    "RESULTS_SCHEMA",
    "RESULTS_VERSION",
    "TIMINGS_FILE",
    "ResultsFileError",
    "load_results",
    "render_all",
    "write_reports",
]
