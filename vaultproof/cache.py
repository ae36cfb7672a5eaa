"""A content-hash cache for the warm re-run: compile facts, analysis results, obligation results.

Every entry is stored under the SHA-256 of everything its value depends on, so an unchanged input
finds its entry and any changed input misses exactly the entries that depend on it:

- ``facts`` (what later stages read from the compilation: solc version, functions, sizes, model
  parameters, target lines): the engine's own source, the compiler (shim bytes and solc-js version),
  the compile settings, and every project source; each entry also records the hash of every file the
  compiler actually read (imports from node_modules included) and is discarded if one changed.
- ``analysis``: the facts key plus Slither's version, the detector plugin's source files, detector
  settings, triage file, upgrade pairs, size limit and the property ↔ detector map.
- ``job``: a whole proof job's result (a property's verdict over its model and code obligations, a
  seed finding's, a metric's), looked up *before* any model is built, so a warm run neither starts
  workers nor executes code: the engine, Z3's version, the solver settings, the job, the model context
  the job gets (constants, lowered pure functions and stateful code, deployment map: hashed as
  pickled) and every Python source file of the project (``python_sources``: the properties package,
  its models and whatever else it could import).
- ``evidence``: the evidence stage's forge runs (invariant suites, broken variants, replays): the
  engine, the forge binary (path, size, mtime and its npm manifest), the ``[evidence]`` switches, every
  Solidity source forge may compile (``solidity_sources``) with ``foundry.toml`` (its fuzz seed pins the
  runs), the project's Python sources (the evidence declarations) and the replay requests (the
  counterexamples of this run's VIOLATED results). A run whose evidence has a forge failure (an
  ERROR status) is not kept.
- ``obligation`` / ``metric``: computed *in the worker that builds the Z3 terms* (they never cross
  processes) from the engine version, Z3 version, solver settings and the obligation's identity and
  terms (``sexpr`` and structural hash of assumptions, goal, witness and shown quantities): a job that
  missed (a model edited) re-solves only the obligations whose terms changed.

Only settled answers are kept: an UNKNOWN (a timeout depends on the machine's load as much as on the
query) or an ERROR is tried again on the next run, and so is a job with such an obligation.

Entries are pickles. A pickle from an untrusted repository would run code when loaded, so every entry
is signed with HMAC-SHA256 under a per-user key kept outside any project
(``$XDG_CACHE_HOME/vaultproof/cache.key``, mode 0600); an entry whose signature does not verify is
ignored. Writes go to a temporary file and are renamed into place, so concurrent workers and runs never
read half an entry. ``--no-cache`` skips reads (everything is recomputed) but still refreshes entries.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ENGINE_DIR = Path(__file__).resolve().parent
_MAC_BYTES = 32


@cache
def engine_digest() -> str:
    """The engine's version *and* source: an edited engine never reuses results of the old one."""
    from vaultproof import __version__

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        digest.update(path.relative_to(ENGINE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def digest(*parts: object) -> str:
    """SHA-256 over a sequence of parts (bytes as is, anything else by ``repr``), unambiguously framed."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def file_digests(paths: Iterable[Path]) -> tuple[tuple[str, str], ...]:
    """(path, sha256 of its bytes) for each path, sorted; a missing file hashes as ``missing``."""
    out = []
    for path in sorted(set(paths)):
        try:
            out.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        except OSError:
            out.append((str(path), "missing"))
    return tuple(out)


# Directories of a project that hold no Python of its own (toolchains, dependencies, build output).
_NOT_PROJECT_PYTHON = frozenset({"node_modules", "build", "out", "cache", "crytic-export", "__pycache__"})


def python_sources(root: Path) -> tuple[tuple[str, str], ...]:
    """(path relative to ``root``, sha256) of every ``.py`` file of the project: what a properties
    package can import (its models, a helper package beside it, lazily or not). Virtual environments,
    dependencies and build output (dot-directories, ``node_modules``, ``build``, ...) are not the
    project's. Coarser than the modules a registry imports, and so never misses one."""
    return tree_digests(root, (".py",), _NOT_PROJECT_PYTHON)


def solidity_sources(root: Path) -> tuple[tuple[str, str], ...]:
    """Every ``.sol`` file and ``foundry.toml`` under ``root``, dependencies (``node_modules``, ``lib``)
    included, build output and dot-directories not: whatever forge may compile for the evidence stage."""
    return tree_digests(root, (".sol", "foundry.toml"), _NOT_PROJECT_PYTHON - {"node_modules"})


def tree_digests(
    root: Path, suffixes: tuple[str, ...], pruned: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """(relative path, sha256) of the files under ``root`` whose name ends with one of ``suffixes``,
    not descending into dot-directories or directories named in ``pruned``; sorted."""
    out = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in pruned)
        for name in sorted(files):
            if name.endswith(suffixes):
                path = Path(directory) / name
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                out.append((path.relative_to(root).as_posix(), hashlib.sha256(data).hexdigest()))
    return tuple(out)


def _user_key() -> bytes:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vaultproof"
    path = base / "cache.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        base.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd, tmp = tempfile.mkstemp(dir=base)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # first writer wins; a concurrent one reads the winner's key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return path.read_bytes()


@dataclass(frozen=True)
class Cache:
    """``directory`` None: no cache at all. ``read`` False (``--no-cache``): recompute, still write."""

    directory: Path | None
    read: bool = True

    def _path(self, namespace: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / namespace / key[:2] / f"{key}.pickle"

    def get(self, namespace: str, key: str) -> Any | None:
        path = self._path(namespace, key)
        if path is None or not self.read:
            return None
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        mac, body = blob[:_MAC_BYTES], blob[_MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(_user_key(), body, hashlib.sha256).digest()):
            return None  # not written by this user's vaultproof: never unpickled
        try:
            return pickle.loads(body)
        except Exception:  # an entry from an incompatible engine: a miss, recomputed and overwritten
            return None

    def put(self, namespace: str, key: str, value: Any) -> None:
        path = self._path(namespace, key)
        if path is None:
            return
        try:
            body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            mac = hmac.new(_user_key(), body, hashlib.sha256).digest()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(mac + body)
            os.replace(tmp, path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return  # a cache that cannot be written costs time, never correctness
