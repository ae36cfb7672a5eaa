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
    """Find the shim and node_modules: the project's own first, then the engine checkout's."""
    if shutil.which("node") is None:
        raise ToolchainError("node is not on PATH; install Node.js 18+ (make setup does it on Debian)")
    candidates = [project_root / shim] if shim else []
    candidates += [project_root / "tools" / "solc", ENGINE_ROOT / "tools" / "solc"]
    solc_shim = next((c.resolve() for c in candidates if c.is_file()), None)
    if solc_shim is None:
        raise ToolchainError(f"no solc shim found (looked in {', '.join(str(c) for c in candidates)})")
    modules = next(
        (d / "node_modules" for d in (project_root, ENGINE_ROOT) if (d / "node_modules" / "solc").is_dir()),
        None,
    )
    if modules is None:
        raise ToolchainError("node_modules/solc is missing; run `npm ci` (make setup does it)")
    return Toolchain(solc_shim=solc_shim, node_modules=modules)
