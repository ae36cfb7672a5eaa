"""The prove stage's :class:`ModelContext` for a compiled project, and for a property's broken code twin.

``build_context`` is what ``prove`` hands to every worker: constants, lowered pure library functions,
the lowered stateful code and the deployment map. A *code twin* (``CodeTwin``) is the project with one
edit: ``twin_root`` writes that variant beside the build (sources copied, the edit applied — it must match
exactly once —, toolchain directories linked), so the same code obligations can be run on it and must
come out VIOLATED. ``cached_context`` memoises either under ``build/prover-cache`` by a hash of
everything the context is built from, so tests compile each variant once.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vaultproof.errors import RegistryError
from vaultproof.prover.obligation import ModelContext
from vaultproof.prover.registry import CodeTwin

# Entries of the project root a twin links instead of copying (read-only toolchain and dependencies).
_LINKED = ("node_modules", "tools", "lib")


def build_context(project: Any, deployment: Mapping[str, str]) -> ModelContext:
    from vaultproof.prover.code import lower_project
    from vaultproof.prover.extract import extract_library_functions
    from vaultproof.prover.params import extract_params

    return ModelContext(
        params=extract_params(project),
        functions=extract_library_functions(project),
        code=lower_project(project),
        deployment=dict(deployment),
    )


def apply_twin(text: str, twin: CodeTwin) -> str:
    """``text`` with the twin's edit; refuses an edit that does not match exactly once."""
    count = text.count(twin.find)
    if count != 1:
        raise RegistryError(f"code twin edit of {twin.file} matches {count} times (must match exactly once)")
    return text.replace(twin.find, twin.replace)


def twin_root(root: Path, sources: Iterable[str], twin: CodeTwin, dest: Path) -> Path:
    """Write the project at ``root`` with the twin's edit under ``dest`` (recreated) and return it."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for entry in (*sources, "vaultproof.toml", "foundry.toml"):
        source = root / entry
        if source.is_dir():
            shutil.copytree(source, dest / entry)
        elif source.is_file():
            (dest / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / entry)
    for entry in _LINKED:
        if (root / entry).exists():
            (dest / entry).symlink_to((root / entry).resolve())
    target = dest / twin.file
    if not target.is_file():
        raise RegistryError(f"code twin names {twin.file}, which is not a source of the project")
    target.write_text(apply_twin(target.read_text(encoding="utf-8"), twin), encoding="utf-8")
    return dest


def _key(root: Path, sources: Iterable[str], twin: CodeTwin | None, deployment: Mapping[str, str]) -> str:
    import vaultproof.prover as prover

    digest = hashlib.sha256()
    engine = Path(prover.__file__).parent
    for path in sorted(engine.rglob("*.py")):
        digest.update(path.read_bytes())
    for entry in sources:
        for path in sorted((root / entry).rglob("*.sol")):
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    digest.update(repr((twin, sorted(deployment.items()))).encode())
    return digest.hexdigest()[:16]


def cached_context(root: Path, deployment: Mapping[str, str], twin: CodeTwin | None = None) -> ModelContext:
    """The context of the project at ``root`` (or of its twin), built once per content hash.

    Both are compiled without the optimizer: the SlithIR the executor reads does not depend on it, and an
    unoptimized compile costs solc less than half as much. Concurrent processes (test workers share build/)
    build a given context one at a time, under a lock: the others wait and read the cache file, which is
    written whole or not at all (renamed into place).
    """
    from vaultproof import config as config_module

    config = config_module.load(root)
    cache = root / "build" / "prover-cache"
    key = _key(root, config.sources, twin, deployment)
    path = cache / f"ctx-{key}.pkl"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"ctx-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.exists():
            loaded = pickle.loads(path.read_bytes())
            if isinstance(loaded, ModelContext):
                return loaded
        ctx = _build(root, config, deployment, twin)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(ctx))
        partial.replace(path)
    return ctx


def _build(root: Path, config: Any, deployment: Mapping[str, str], twin: CodeTwin | None) -> ModelContext:
    from vaultproof.compile import compile_project

    if twin is not None:
        slug = hashlib.sha256(repr(twin).encode()).hexdigest()[:12]
        variant = twin_root(root, config.sources, twin, root / "build" / "twins" / slug)
        # The project's config, already checked, re-rooted at the twin (as a hand-written mutant's copy
        # is): loading the twin's copy of vaultproof.toml afresh would refuse its linked toolchain
        # (``tools/solc`` resolves outside the twin directory by design; containment is for the project).
        config = dataclasses.replace(config, root=variant)
    off = dataclasses.replace(config.compile.optimizer, value=False)
    project = compile_project(
        dataclasses.replace(config, compile=dataclasses.replace(config.compile, optimizer=off))
    )
    return build_context(project, deployment)
