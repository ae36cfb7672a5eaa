"""Where the offline toolchain lives: the solc shim, node, forge. Nothing here downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import ToolchainError

ENGINE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Toolchain:
    solc_shim: Path
    node_modules: Path

    @property
    def forge(self) -> Path:
        return self.node_modules / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"

    def env(self) -> dict[str, str]:
        """Environment in which ``solc`` on PATH is the shim (crytic-compile runs ``solc`` by name)."""
        env = dict(os.environ)
        env["PATH"] = f"{self.solc_shim.parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def identity(self) -> bytes:
        """What names the compiler without running it (node startup costs a warm run ~1 s): the shim's
        bytes and the solc-js package it loads. Part of the compile cache key."""
        parts = [self.solc_shim.read_bytes()]
        for package in (self.solc_shim.parent.parent / "node_modules" / "solc", self.node_modules / "solc"):
            manifest = package / "package.json"
            parts.append(manifest.read_bytes() if manifest.is_file() else b"-")
        return b"\0".join(parts)

    def solc_version(self) -> str:
        try:
            out = subprocess.run(
                [str(self.solc_shim), "--version"], capture_output=True, text=True, check=True, timeout=60
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise ToolchainError(
                f"the solc shim at {self.solc_shim} did not answer --version: {exc}"
            ) from None
        for line in out.splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
        raise ToolchainError(f"the solc shim at {self.solc_shim} printed no version line")


def locate(project_root: Path, shim: str | None = None) -> Toolchain:
    """The engine's own shim over the compilers it installed, unless ``[project] solc`` names the
    project's own explicitly (then that executable runs: it is declared). A ``tools/solc`` or
    ``node_modules/solc`` that an analysed project merely contains is never run."""
    if shutil.which("node") is None:
        raise ToolchainError("node is not on PATH; install Node.js 18+ (make setup does it on Debian)")
    solc_shim = (project_root / shim if shim else ENGINE_ROOT / "tools" / "solc").resolve()
    if not solc_shim.is_file():
        where = "[project] solc" if shim else "the engine's tools/solc"
        raise ToolchainError(f"no solc shim at {solc_shim} ({where})")
    modules = ENGINE_ROOT / "node_modules"
    if not (modules / "solc").is_dir():
        raise ToolchainError("node_modules/solc is missing; run `npm ci` (make setup does it)")
    return Toolchain(solc_shim=solc_shim, node_modules=modules)
