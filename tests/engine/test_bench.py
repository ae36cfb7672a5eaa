"""The bench is generic: it runs on any project, reading what it compares from ``[bench]``."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from vaultproof import bench

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"
BENCH_SOURCE = Path(bench.__file__)

SERIES_MODULE = """
import z3
from vaultproof.spec import Obligation, ScalingSeries


def inductive(ctx):
    x = z3.Int("x")
    return [Obligation("step", (x >= 0,), x + 1 > 0, x > 1, ())]


def unrolled(k):
    xs = [z3.Int(f"x{i}") for i in range(k)]
    return Obligation(f"{k} steps", tuple(x >= 0 for x in xs), z3.Sum(xs) >= 0, z3.BoolVal(True), (), bound=k)


SERIES = (ScalingSeries("TINY-1", "steps", (1, 2), inductive, unrolled),)
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    (root / "tiny_bench.py").write_text(SERIES_MODULE, encoding="utf-8")
    with (root / "vaultproof.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[bench]\nproperties = ["TINY-1"]\nseries = "tiny_bench"\n')
    return root


def test_bench_runs_what_the_project_config_names(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([str(project), "--runs", "1", "--skip-halmos", "--unrolled-timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert "vaultproof bench of tiny" in out
    assert "TINY-1     PROVED" in out
    assert "TINY-1 over k steps" in out
    rows = [line for line in out.splitlines() if line.strip().startswith(("1 |", "2 |"))]
    assert len(rows) == 2 and all("PROVED" in r for r in rows)
    assert "halmos: skipped" in out


def test_bench_rejects_an_unknown_key_in_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (project / "vaultproof.toml").open("a", encoding="utf-8") as toml:
        toml.write('typo = "x"\n')
    assert bench.main([str(project), "--skip-halmos"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown key 'typo' in [bench]" in err[0]


def test_bench_source_names_no_protocol() -> None:
    tree = ast.parse(BENCH_SOURCE.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"models", "properties"}
    text = BENCH_SOURCE.read_text(encoding="utf-8")
    # no property id, no halmos test name, no hard-coded source folder
    assert not re.search(r"\b[A-Z]{2,6}-\d|check_[A-Z]|\bcontracts\b", text)
