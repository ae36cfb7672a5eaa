"""The plain Slither CLI finds the project's detectors through the ``slither_analyzer.plugin`` entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.analysis.conftest import REPO


def test_slither_cli_runs_plugin_detectors_with_settings_from_vaultproof_toml() -> None:
    slither = Path(sys.executable).parent / "slither"
    env = dict(os.environ)
    env["PATH"] = f"{REPO / 'tools'}{os.pathsep}{env.get('PATH', '')}"  # crytic-compile runs `solc` by name
    completed = subprocess.run(
        [
            str(slither),
            "tests/fixtures/detectors/cli",
            "--solc-standard-json",
            "--detect",
            "vp-unbounded-loop,vp-field-read-outside-accessor",
            "--json",
            "-",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    document = json.loads(completed.stdout)
    assert document["success"], completed.stderr[-2000:]
    found = sorted((r["check"], r["description"].split("(")[0]) for r in document["results"]["detectors"])
    assert found == [
        ("vp-field-read-outside-accessor", "CliCases.badRawRead"),
        ("vp-unbounded-loop", "CliCases.badStorageLength"),
    ]
