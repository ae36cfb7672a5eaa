"""From a property id to its parts: declaration, model function (or detector), code targets, tests.

``vaultproof list --markdown`` renders it as the project's ``PROPERTIES.md`` (crytic/properties keeps
such an index from id to code); the report shows the same declaration and model locations. Every
path is relative to the project root, so the index is the same from any checkout.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultproof.config import Config
from vaultproof.prover.registry import DetectorChecker, ModelChecker, PropertyDecl, Registry
from vaultproof.results import SourceLocation

# Test files: pytest modules and forge suites (fixtures are inputs of tests, not tests).
_TEST_GLOBS = ("test_*.py", "*.t.sol")


@dataclass(frozen=True)
class IndexRow:
    id: str
    statement: str
    declaration: SourceLocation | None
    model: SourceLocation | None
    targets: tuple[str, ...]
    tests: tuple[str, ...]


def relative(path: str | Path, root: Path) -> str:
    """``path`` relative to the project root (POSIX separators). A module imported from elsewhere (the
    content installed from another checkout) is named from its top-level package, never by a path
    that depends on the machine."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        top = resolved.parent
        while (top.parent / "__init__.py").is_file():
            top = top.parent
        return (
            resolved.relative_to(top.parent).as_posix() if (top / "__init__.py").is_file() else resolved.name
        )


def declaration_of(registry: Registry, decl_id: str, root: Path) -> SourceLocation | None:
    where = registry.declared_at.get(decl_id)
    if where is None:
        return None
    return SourceLocation(relative(where[0], root), where[1], where[1])


def _function_location(function: Callable[..., Any], root: Path) -> SourceLocation | None:
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None:
        return None
    return SourceLocation(relative(code.co_filename, root), code.co_firstlineno, code.co_firstlineno)


def _class_location(cls: type, root: Path) -> SourceLocation | None:
    # A configured detector is a generated subclass; the declared one is the first to name ARGUMENT.
    declared = next((c for c in cls.__mro__ if "ARGUMENT" in c.__dict__), cls)
    try:
        _, line = inspect.getsourcelines(declared)
        source = inspect.getsourcefile(declared)
    except (OSError, TypeError):
        return None
    return SourceLocation(relative(source, root), line, line) if source else None


def detector_locations(config: Config) -> dict[str, SourceLocation | None]:
    """Where each of the project's detector classes is declared (plain data: cached with the analysis,
    so a warm run does not import the plugin, and Slither with it, just to point at these lines)."""
    return {argument: _class_location(cls, config.root) for argument, cls in detector_classes(config).items()}


def model_of(decl: PropertyDecl, detectors: Mapping[str, type], root: Path) -> SourceLocation | None:
    """The model builder of a Z3 property, or the detector class of a detector property."""
    checker = decl.checker
    if isinstance(checker, ModelChecker):
        return _function_location(checker.model or checker.check, root)
    if isinstance(checker, DetectorChecker) and checker.argument in detectors:
        return _class_location(detectors[checker.argument], root)
    return None


def _mention(word: str) -> re.Pattern[str]:
    # CONV-1 but not CONV-10, nor the seed finding CONV-1.something
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?!\d|\.[a-z]|[\w-])")


def find_test_files(root: Path) -> list[Path]:
    tests = root / "tests"
    if not tests.is_dir():
        return []
    found = {p for glob in _TEST_GLOBS for p in tests.rglob(glob) if "fixtures" not in p.parts}
    return sorted(found, key=lambda p: p.as_posix())


def mentioning_tests(decls: Iterable[PropertyDecl], root: Path) -> dict[str, tuple[str, ...]]:
    """Test files that name the property (its id, or for a detector property its detector argument)."""
    texts = [
        (relative(p, root), p.read_text(encoding="utf-8", errors="replace")) for p in find_test_files(root)
    ]
    out: dict[str, tuple[str, ...]] = {}
    for decl in decls:
        words = [decl.id]
        if isinstance(decl.checker, DetectorChecker):
            words.append(decl.checker.argument)
        patterns = [_mention(w) for w in words]
        out[decl.id] = tuple(name for name, text in texts if any(p.search(text) for p in patterns))
    return out


def index_rows(registry: Registry, root: Path, detectors: Mapping[str, type]) -> list[IndexRow]:
    decls = registry.sorted_properties()
    tests = mentioning_tests(decls, root)
    return [
        IndexRow(
            id=d.id,
            statement=d.statement,
            declaration=declaration_of(registry, d.id, root),
            model=model_of(d, detectors, root),
            targets=tuple(str(t) for t in d.targets),
            tests=tests[d.id],
        )
        for d in decls
    ]


def location_text(location: SourceLocation | None) -> str:
    return f"{location.file}:{location.start_line}" if location is not None else "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: Iterable[IndexRow], project: str) -> str:
    lines = [
        f"# Properties of {project}",
        "",
        "Generated by `vaultproof list --markdown`; do not edit (a test fails when it is stale).",
        "",
        "| id | statement | declaration | model function | code targets | tests |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = (
            row.id,
            row.statement,
            f"`{location_text(row.declaration)}`",
            f"`{location_text(row.model)}`" if row.model else "—",
            ", ".join(f"`{t}`" for t in row.targets) or "—",
            ", ".join(f"`{t}`" for t in row.tests) or "—",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def detector_classes(config: Config) -> dict[str, type]:
    """The project's detectors by argument (none when the project declares no plugin)."""
    if not config.detectors_module:
        return {}
    from vaultproof.analysis.detectors import plugin_detectors

    return {c.ARGUMENT: c for c in plugin_detectors(config)}


def project_index(config: Config, registry: Registry) -> str:
    """The project's PROPERTIES.md."""
    detectors = detector_classes(config) if registry.static_properties() else {}
    rows = index_rows(registry, config.root, detectors)
    return render_markdown(rows, config.name)
