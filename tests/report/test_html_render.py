"""report.html renders in a real browser (headless Debian Chromium): summary and counterexample tables.

Chromium is installed by ``make setup`` (apt). Missing Chromium is a failure, not a skip: the
HTML report is what auditors open first, so CI must have looked at it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

from tests.fixtures.results import sample_result
from vaultproof.report import write_reports

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    assert found, "chromium is not installed: run `make setup` (apt-get install chromium)"
    return found


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_html_renders_summary_and_counterexample(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_reports(sample_result(), out)
    page = (out / "report.html").as_uri()

    dom = _run(tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert "<title>vaultproof audit report — sample-vault</title>" in html.unescape(text)
    # The summary table, with its counts, as the browser parsed it.
    summary = re.search(r'<table class="summary">.*?</table>', text, re.S)
    assert summary, "summary table missing from the rendered DOM"
    assert re.search(r'VIOLATED</span></td><td class="num">1</td>', summary.group(0))
    # A counterexample table with token-unit values.
    cex = re.search(r'<table class="cex">.*?</table>', text, re.S)
    assert cex, "counterexample table missing from the rendered DOM"
    for cell in ("<td>qty</td>", '<td class="num">1.5 WBTC</td>', '<td class="num">88.199999 USDC</td>'):
        assert cell in cex.group(0)
    # The statement's markup is text, not an element.
    assert "<script>alert(1)</script>" not in text

    shot = tmp_path / "report.png"
    screenshot = _run(tmp_path, "--window-size=1280,1800", f"--screenshot={shot}", page)
    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real, non-blank page


_MEASURE = """<script>
window.addEventListener("load", () => {
  const out = [];
  for (const box of document.querySelectorAll("div.scroll")) {
    const table = box.querySelector("table");
    if (!table || !table.querySelector("th.pin-r") || box.scrollWidth <= box.clientWidth) continue;
    box.scrollLeft = box.scrollWidth;  // scrolled to the far right: the first column must still show
    const frame = box.getBoundingClientRect();
    const first = table.querySelector("tbody td.pin-l").getBoundingClientRect();
    box.scrollLeft = 0;  // at the start: the last (verdict/triage) column must already show
    const last = table.querySelector("tbody td.pin-r").getBoundingClientRect();
    out.push(table.className + ":" + (first.left >= frame.left - 1) + ":" + (last.right <= frame.right + 1));
  }
  document.body.setAttribute("data-pinned", out.join(","));
});
</script>"""


def test_wide_tables_keep_the_verdict_and_triage_columns_in_view(tmp_path: Path) -> None:
    """In a narrow window the findings and at-a-glance tables scroll sideways inside their box, and
    their first (id) and last (verdict, triage) columns stay visible whichever way they are scrolled."""
    import dataclasses

    base = sample_result()
    long = "a finding whose description is very long " * 12
    findings = tuple(dataclasses.replace(f, description=long, title=long) for f in base.static_findings)
    out = tmp_path / "reports"
    write_reports(dataclasses.replace(base, static_findings=findings), out)
    page = out / "report.html"
    measured_page = page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>")
    page.write_text(measured_page, encoding="utf-8")

    dom = _run(tmp_path, "--window-size=700,900", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'data-pinned="([^"]*)"', dom.stdout)
    assert match and match.group(1), "no wide table with pinned columns was measured"
    measured = dict(entry.split(":", 1) for entry in match.group(1).split(","))
    assert "findings" in measured
    assert all(v == "true:true" for v in measured.values()), measured
