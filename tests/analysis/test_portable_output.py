"""Static results do not depend on where the project is checked out."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from vaultproof import config as config_module
from vaultproof.analysis import portable, run_analysis
from vaultproof.compile import compile_project
from vaultproof.console import Console
from vaultproof.prover.registry import Registry

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"
ROOT = Path(__file__).resolve().parents[2]


def _checkout(into: Path) -> Path:
    shutil.copytree(TINY, into, ignore=shutil.ignore_patterns("__pycache__", "node_modules", "reports"))
    os.symlink(ROOT / "node_modules", into / "node_modules")
    return into


def test_same_sources_in_two_checkouts_give_identical_slither_json(tmp_path: Path) -> None:
    outputs = []
    for name in ("first", "second-checkout"):
        cfg = config_module.load(_checkout(tmp_path / name))
        outcome = run_analysis(compile_project(cfg), Registry(), Console(quiet=True))
        assert outcome.findings, "the tiny project has built-in findings to compare"
        outputs.append((outcome.slither_json, [f.slither_json for f in outcome.findings], outcome.log_text))
    assert outputs[0] == outputs[1]  # reports/slither.log included
    assert str(tmp_path) not in outputs[0][0]
    assert '"filename_absolute": "contracts/Tiny.sol"' in outputs[0][0]


def test_portable_strips_only_the_root_prefix(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    value = {"a": [f"{root}/contracts/A.sol", "/elsewhere/B.sol"], "n": 3}
    assert portable(value, root) == {"a": ["contracts/A.sol", "/elsewhere/B.sol"], "n": 3}
