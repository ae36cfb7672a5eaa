"""Import the modules a project's vaultproof.toml declares (its properties package, its detector plugin,
its bench series) from the project root, and name their files without importing them (for cache keys).

One place decides how a project's code enters the process, so the prove stage, the evidence stage, the
analyser and the bench all import a declared module the same way.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from vaultproof.errors import RegistryError, ToolError


def import_declared(module_name: str, root: Path | None, what: str) -> object:
    """Import a module that vaultproof.toml declares, from the project root.

    The root is on ``sys.path`` only while the declared module (and what it imports at import time)
    loads, and only after the entries already there, so a project cannot shadow an installed module
    (``z3.py``, ``slither/``) by shipping one. A module that raises while importing is a tool failure
    (exit 2), named in one line.
    """
    if root is not None:
        _forget_other_project(module_name, root)
    added = root is not None and str(root) not in sys.path
    if added:
        sys.path.append(str(root))
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise RegistryError(f"{what} {module_name!r} cannot be imported: {exc}") from None
    except Exception as exc:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise ToolError(f"{what} {module_name!r} failed while importing: {text}") from None
    finally:
        if added:
            sys.path.remove(str(root))


def _forget_other_project(module_name: str, root: Path) -> None:
    """Drop ``module_name``'s package from ``sys.modules`` when this process imported it from somewhere
    else than ``root`` ships it: two projects declaring ``properties`` (or a fixture's copy of one) in one
    long-lived process — a Ray driver, a test session — must each get their own, not the first one's."""
    top = module_name.split(".")[0]
    if not ((root / top).is_dir() or (root / f"{top}.py").is_file()):
        return  # not shipped by the project: an installed package, whoever imported it
    loaded = sys.modules.get(top)
    origin = getattr(loaded, "__file__", None)
    if loaded is None or origin is None or Path(origin).resolve().is_relative_to(root.resolve()):
        return
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


def module_files(module_name: str, root: Path) -> list[Path]:
    """The source files of a declared module's top-level package, found without importing it (for
    cache keys): under the project root, or wherever it is installed."""
    import importlib.util

    top = module_name.split(".")[0]
    added = str(root) not in sys.path
    if added:
        sys.path.append(str(root))
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    finally:
        if added:
            sys.path.remove(str(root))
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return sorted(p for d in spec.submodule_search_locations for p in Path(d).rglob("*.py"))
    return [Path(spec.origin)] if spec.origin else []
