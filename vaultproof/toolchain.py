"""Where the toolchain lives: the solc shim, the solc it runs, node, forge.

One solc per target: the engine's bundled ``node_modules/solc`` when the target wants that version,
otherwise ``solc@<version>`` from the npm registry, installed on first use into a per-user cache (as
solc-select does for native binaries) and reused after:

    $VAULTPROOF_SOLC_CACHE/<version>/node_modules/solc
    else $XDG_CACHE_HOME/vaultproof/solc/<version>/…, else ~/.cache/vaultproof/solc/<version>/…

An install happens under an exclusive lock in a temporary directory that is renamed into place only when
complete, so concurrent runs neither corrupt the cache nor see a half-installed compiler.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import ToolchainError

ENGINE_ROOT = Path(__file__).resolve().parent.parent
# Shipped inside the package, so a target without tools/ (any third-party project) has one.
PACKAGE_SHIM = Path(__file__).resolve().parent / "shim" / "solc"
BUNDLED_SOLC = ENGINE_ROOT / "node_modules" / "solc"
CACHE_ENV = "VAULTPROOF_SOLC_CACHE"
_INSTALL_TIMEOUT_S = 600
_NPM_FLAGS = ("--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--silent")


@dataclass(frozen=True)
class Toolchain:
    solc_shim: Path
    node_modules: Path
    solc_js: Path | None = None  # the solc npm package the shim loads (None: the shim's default)

    @property
    def forge(self) -> Path:
        return self.node_modules / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"

    def env(self) -> dict[str, str]:
        """Environment in which ``solc`` on PATH is the shim running this target's compiler."""
        env = dict(os.environ)
        env["PATH"] = f"{self.solc_shim.parent}{os.pathsep}{env.get('PATH', '')}"
        if self.solc_js is not None:
            env["VAULTPROOF_SOLC_JS"] = str(self.solc_js)
        return env

    def identity(self) -> bytes:
        """What names the compiler without running it (node startup costs a warm run ~1 s): the shim's
        bytes and the solc-js packages it may load (the target's version's, the bundled one). Part of
        the compile cache key, with the compile settings (which pick the version)."""
        parts = [self.solc_shim.read_bytes()]
        for package in (self.solc_js, self.node_modules / "solc"):
            manifest = package / "package.json" if package is not None else None
            parts.append(manifest.read_bytes() if manifest is not None and manifest.is_file() else b"-")
        return b"\0".join(parts)

    def solc_version(self) -> str:
        try:
            out = subprocess.run(
                [str(self.solc_shim), "--version"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
                env=self.env(),
            ).stdout
        except subprocess.CalledProcessError as exc:
            detail = " ".join((exc.stderr or "").split()) or f"exit {exc.returncode}"
            raise ToolchainError(f"the solc shim at {self.solc_shim} failed: {detail}") from None
        except (OSError, subprocess.SubprocessError) as exc:
            raise ToolchainError(
                f"the solc shim at {self.solc_shim} did not answer --version: {exc}"
            ) from None
        for line in out.splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
        raise ToolchainError(f"the solc shim at {self.solc_shim} printed no version line")


def cache_root() -> Path:
    """The per-user compiler cache (overridable with ``$VAULTPROOF_SOLC_CACHE``, e.g. for tests)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vaultproof" / "solc"


def _package_version(package: Path) -> str | None:
    try:
        version = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def bundled_version() -> str | None:
    """The version of the engine's own ``node_modules/solc`` (None in an install without it)."""
    return _package_version(BUNDLED_SOLC)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_solc(version: str) -> Path:
    """The solc npm package directory for ``version``, installing it into the cache on first use."""
    if bundled_version() == version:
        return BUNDLED_SOLC
    root = cache_root()
    package = root / version / "node_modules" / "solc"
    if _package_version(package) == version:
        return package
    with _locked(root / f".{version}.lock"):
        if _package_version(package) == version:  # another run installed it while we waited
            return package
        _install(version, root)
    return package


def _install(version: str, root: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError(f"solc {version} is not in the cache {root}, and npm is not on PATH to fetch it")
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
    try:
        proc = subprocess.run(
            [npm, "install", "--prefix", str(staging), f"solc@{version}", *_NPM_FLAGS],
            capture_output=True,
            text=True,
            timeout=_INSTALL_TIMEOUT_S,
            check=False,
        )
        installed = _package_version(staging / "node_modules" / "solc")
        if proc.returncode != 0 or installed != version:
            detail = " ".join((proc.stderr or proc.stdout).split())[:300] or f"npm exited {proc.returncode}"
            raise ToolchainError(f"could not install solc@{version} from the npm registry: {detail}")
        final = root / version
        if final.exists():  # a stale, incomplete directory from an interrupted run without the lock
            shutil.rmtree(final)
        staging.rename(final)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"installing solc@{version} from npm timed out") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def locate(project_root: Path, shim: str | None = None, solc_version: str | None = None) -> Toolchain:
    """The shim (the project's own if configured, else the engine's) bound to ``solc_version``."""
    if shutil.which("node") is None:
        raise ToolchainError("node is not on PATH; install Node.js 18+ (make setup does it on Debian)")
    candidates = [project_root / shim] if shim else []
    candidates += [PACKAGE_SHIM]
    solc_shim = next((c.resolve() for c in candidates if c.is_file()), None)
    if solc_shim is None:
        raise ToolchainError(f"no solc shim found (looked in {', '.join(str(c) for c in candidates)})")
    solc_js = ensure_solc(solc_version) if solc_version else None
    return Toolchain(solc_shim=solc_shim, node_modules=ENGINE_ROOT / "node_modules", solc_js=solc_js)
