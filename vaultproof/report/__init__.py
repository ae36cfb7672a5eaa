"""Report writers: Markdown and HTML audit report, results.json, SARIF 2.1.0, JUnit XML, the proof
coverage as LCOV, timings.json.

All of them read only the :class:`RunResult`, normalised to one canonical order first. Every file
except ``timings.json`` is byte-identical across two runs on the same input (see docs/REPORTS.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from vaultproof.output import write_set
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


def write_reports(
    result: RunResult,
    out_dir: Path,
    fail_on: Severity = Severity.MEDIUM,
    extra: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write every report (and ``extra`` files, e.g. slither.json) under ``out_dir`` as one set
    (:func:`vaultproof.output.write_set`: staged, then renamed into place, never through a symlink);
    returns the paths written, in a fixed order."""
    rendered = render_all(result, fail_on)
    files = {name: rendered[name] for name in (*REPORT_FILES, TIMINGS_FILE)}
    files.update(extra or {})
    return write_set(out_dir, files)


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
