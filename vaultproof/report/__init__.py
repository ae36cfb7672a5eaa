"""Report writers (placeholder: Markdown only, filled by the reports-and-gate issue)."""

from __future__ import annotations

from pathlib import Path

from vaultproof.errors import VaultproofError
from vaultproof.results import RunResult


def write_reports(result: RunResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"# vaultproof report: {result.project}", "", "| property | verdict |", "|---|---|"]
    lines += [f"| {r.property_id} | {r.verdict.value} |" for r in result.properties]
    lines += ["", "| contract | deployed bytes | headroom |", "|---|---|---|"]
    lines += [f"| {s.contract} | {s.deployed_bytes} | {s.headroom} |" for s in result.sizes]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path]


def load_results(path: Path) -> RunResult:
    raise VaultproofError(f"{path}: reading results back is not implemented yet")
