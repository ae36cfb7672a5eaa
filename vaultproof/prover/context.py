"""The prove stage's :class:`ModelContext` for a compiled project, and for a property's broken code twin.

``build_context`` is what ``prove`` hands to every worker: constants, lowered pure library functions,
the lowered stateful code and the deployment map. A *code twin* (``CodeTwin``) is the project with one
edit: ``twin_root`` writes that variant beside the build (sources copied, the edit applied — it must match
exactly once —, toolchain directories linked), so the same code obligations can be run on it and must
come out VIOLATED; its context is the shipped one with only what the edit can reach analysed again
(:func:`twin_context`). ``cached_context`` memoises either under ``build/prover-cache`` by a hash of
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

    if twin is None:
        return build_context(compile_project(_unoptimized(config), analysis_only=True), deployment)
    shipped = cached_context(root, deployment)  # its own key and lock: built once, then read
    slug = hashlib.sha256(repr(twin).encode()).hexdigest()[:12]
    variant = twin_root(root, config.sources, twin, root / "build" / "twins" / slug)
    # The project's config, already checked, re-rooted at the twin (as a hand-written mutant's copy
    # is): loading the twin's copy of vaultproof.toml afresh would refuse its linked toolchain
    # (``tools/solc`` resolves outside the twin directory by design; containment is for the project).
    return twin_context(shipped, dataclasses.replace(config, root=variant), twin.file)


def _unoptimized(config: Any) -> Any:
    """``config`` compiling without the optimizer (SlithIR does not depend on it; solc costs less)."""
    off = dataclasses.replace(config.compile.optimizer, value=False)
    return dataclasses.replace(config, compile=dataclasses.replace(config.compile, optimizer=off))


def affected_sources(config: Any, edited: str) -> tuple[str, ...]:
    """The project sources whose contracts an edit of ``edited`` can change: the file itself and every
    source that imports it, directly or not. A contract's lowered code, constants and pure functions
    read only its own file and what that file imports, so every contract outside this set is the same
    before and after the edit."""
    from vaultproof.compile import project_sources
    from vaultproof.mutation.plan import import_graph

    sources = sorted(p.relative_to(config.root).as_posix() for p in project_sources(config))
    importers: dict[str, set[str]] = {}
    for source, imported in import_graph(config.root, sources, config.remappings).items():
        for target in imported:
            importers.setdefault(target, set()).add(source)
    seen, work = {edited}, [edited]
    while work:
        for importer in importers.get(work.pop(), set()) - seen:
            seen.add(importer)
            work.append(importer)
    return tuple(sorted(seen & set(sources)))


def twin_context(shipped: ModelContext, config: Any, edited: str) -> ModelContext:
    """The context of the project at ``config.root`` — the shipped project with ``edited`` changed —
    built from ``shipped`` by re-analysing only what the edit can reach (:func:`affected_sources`):
    one analysis-only compile of those sources and their imports, one Slither over that, and the
    contracts they declare lowered again in place of the shipped ones (their constants and pure library
    functions too). ``test_contexts`` checks it equal to a full rebuild of a twin."""
    from vaultproof.compile import compile_project
    from vaultproof.prover.code.lower import functions_from_contracts
    from vaultproof.prover.code.lower_program import lower_contracts
    from vaultproof.prover.code.program import CodeProject
    from vaultproof.prover.params import params_from_contracts

    affected = affected_sources(config, edited)
    narrowed = dataclasses.replace(_unoptimized(config), sources=affected)
    slither = compile_project(narrowed, analysis_only=True).slither
    chosen = [c for c in slither.contracts if c.source_mapping.filename.relative in affected]
    names = {c.name for c in chosen}

    def kept(table: Iterable[tuple[str, Any]]) -> dict[str, Any]:
        return {key: value for key, value in table if key.split(".", 1)[0] not in names}

    before = shipped.code
    assert isinstance(before, CodeProject), "the shipped context holds the lowered code"
    fresh = lower_contracts(chosen, config.dependency_dirs)
    code = CodeProject(
        contracts=tuple(sorted({**kept(before.contracts), **dict(fresh.contracts)}.items())),
        functions=tuple(sorted({**kept(before.functions), **dict(fresh.functions)}.items())),
    )
    params = {**kept(shipped.params.items()), **params_from_contracts(chosen, config.dependency_dirs).values}
    functions = {**kept(shipped.functions.items()), **functions_from_contracts(chosen)}
    return ModelContext(
        params=dict(sorted(params.items())),
        functions=dict(sorted(functions.items())),
        code=code,
        deployment=dict(shipped.deployment),
    )
