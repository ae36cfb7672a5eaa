"""The one answer to "is this file a dependency, not the project's code?", by path.

A file is a dependency when any directory on its path is ``node_modules`` (npm packages nest), or when
its project-relative path starts with one of the project's dependency directories: Foundry's ``lib/``
(and the target's own ``libs``) plus any vendored directory the project configures
(``[project] dependencies`` in vaultproof.toml). Compilation, parameter extraction, the detectors and
the finding filter all call :func:`is_dependency_path`, so they never disagree about what is "ours".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

# Always dependencies, wherever they sit.
NESTED = "node_modules"
# Dependencies when they are top-level directories of the project (a contracts/lib/ stays project code).
DEFAULT_DIRS: tuple[str, ...] = (NESTED, "lib")


def _relative_parts(path: str, root: Path | None) -> tuple[str, ...]:
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() and root is not None:
        try:
            return PurePosixPath(Path(path).resolve().relative_to(root.resolve()).as_posix()).parts
        except ValueError:
            return pure.parts
    return tuple(p for p in pure.parts if p not in (".", ""))


def is_dependency_path(path: str, dirs: Iterable[str] = DEFAULT_DIRS, root: Path | None = None) -> bool:
    """True when ``path`` (project-relative, or absolute under ``root``) is dependency code."""
    if not path:
        return False
    parts = _relative_parts(path, root)
    if NESTED in parts:
        return True
    if parts and parts[0] == "..":  # a file reached through ../ is outside the project
        return True
    for directory in dirs:
        prefix = PurePosixPath(directory.strip("/")).parts
        if prefix and parts[: len(prefix)] == prefix and len(parts) > len(prefix):
            return True
    return False
