"""Which solc a target needs: ``pragma solidity`` constraints, read from the sources and their imports.

The answer is the highest released solc that satisfies every file's pragma (solc-select and Foundry's
auto-detection pick the same way). The list of releases is fixed in the engine rather than asked of the
registry, so the same sources resolve to the same compiler on every machine and on every day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vaultproof.errors import CompileError

Version = tuple[int, int, int]

# Every solc release published on npm as `solc@<version>` from 0.6.0 on (the "-fixed" re-publications are
# the same compilers). Newer releases are added here, not discovered.
RELEASES: tuple[Version, ...] = (
    *((0, 6, p) for p in range(13)),
    *((0, 7, p) for p in range(7)),
    *((0, 8, p) for p in range(38)),
)

_PRAGMA = re.compile(r"^\s*pragma\s+solidity\s+([^;]+);", re.MULTILINE)
_IMPORT = re.compile(r"""^\s*import\s+(?:[^"';]*?\bfrom\s+)?["']([^"']+)["']""", re.MULTILINE)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_COMPARATOR = re.compile(r"(\^|~|>=|<=|>|<|=)?\s*v?(\d+|x|X|\*)(?:\.(\d+|x|X|\*))?(?:\.(\d+|x|X|\*))?")


def parse_version(text: str) -> Version:
    parts = text.strip().split("+")[0].split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a solc version: {text!r} (expected x.y.z, e.g. 0.8.15)")
    return int(parts[0]), int(parts[1]), int(parts[2])


def show(version: Version) -> str:
    return ".".join(str(p) for p in version)


def _partial(major: str, minor: str | None, patch: str | None) -> list[int | None]:
    return [None if p is None or p in "xX*" else int(p) for p in (major, minor, patch)]


def _comparator_ok(op: str, parts: list[int | None], v: Version) -> bool:
    """npm-semver semantics, as solc implements them, for one comparator with a possibly partial version."""
    known: list[int] = []
    for part in parts:  # the leading concrete parts: "0.8.x" is the partial "0.8"
        if part is None:
            break
        known.append(part)
    n = len(known)
    low: Version = (*known, *([0] * (3 - n)))  # type: ignore[assignment]
    if n == 0:
        return True
    # The first version above the partial: 0.8 → 0.9.0; 0.8.3 → 0.8.4 (exclusive upper bound).
    high: Version = (*known[:-1], known[-1] + 1, *([0] * (3 - n)))  # type: ignore[assignment]
    if op == "^":
        # ^0.8.3 → <0.9.0; ^1.2.3 → <2.0.0; ^0.0.3 → <0.0.4: the left-most non-zero part is fixed.
        first = next((i for i, p in enumerate(low) if p != 0), n - 1)
        first = min(first, n - 1)
        upper: Version = (*low[:first], low[first] + 1, *([0] * (2 - first)))  # type: ignore[assignment]
        return low <= v < upper
    if op == "~":
        fixed = 2 if n >= 2 else 1
        upper = (*low[: fixed - 1], low[fixed - 1] + 1, *([0] * (3 - fixed)))  # type: ignore[assignment]
        return low <= v < upper
    if op == ">=":
        return v >= low
    if op == ">":
        return v >= high
    if op == "<":
        return v < low
    if op == "<=":
        return v < high
    return low <= v < high  # "=" or none: 0.8.15 exactly, 0.8 any 0.8.x


def satisfies(constraint: str, version: Version) -> bool:
    """True when ``version`` satisfies a ``pragma solidity`` constraint (``||``, ranges, partials)."""
    for alternative in constraint.split("||"):
        text = alternative.strip()
        if " - " in text:  # hyphen range: a - b, both inclusive
            low_text, high_text = (t.strip() for t in text.split(" - ", 1))
            text = f">={low_text} <={high_text}"
        comparators = list(_COMPARATOR.finditer(text))
        if not comparators:
            continue
        if all(
            _comparator_ok(m.group(1) or "=", _partial(m.group(2), m.group(3), m.group(4)), version)
            for m in comparators
        ):
            return True
    return False


@dataclass(frozen=True)
class Pragma:
    file: str  # project-relative (or as imported, for a file outside the project)
    constraint: str


def _remap(unit: str, remappings: Sequence[str]) -> str:
    best = ("", "")
    for entry in remappings:
        prefix, _, target = entry.partition("=")
        prefix = prefix.rpartition(":")[2]  # drop a context ("ctx:prefix=target")
        if prefix and unit.startswith(prefix) and len(prefix) > len(best[0]):
            best = (prefix, target)
    return best[1] + unit[len(best[0]) :] if best[0] else unit


def _resolve(importer: str, target: str, remappings: Sequence[str]) -> str:
    if target.startswith(("./", "../")):
        parts: list[str] = []
        for part in (*PurePosixPath(importer).parent.parts, *PurePosixPath(target).parts):
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)
    return _remap(target, remappings)


def collect_pragmas(root: Path, sources: Iterable[Path], remappings: Sequence[str]) -> tuple[Pragma, ...]:
    """The pragma of every source and every file they import (followed through the remappings)."""
    queue = [str(s.relative_to(root)) for s in sources]
    seen: set[str] = set()
    found: list[Pragma] = []
    while queue:
        unit = queue.pop()
        if unit in seen:
            continue
        seen.add(unit)
        path = root / unit
        try:
            text = _COMMENTS.sub("", path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue  # solc reports the missing import with its own file:line
        for match in _PRAGMA.finditer(text):
            found.append(Pragma(unit, " ".join(match.group(1).split())))
        queue.extend(_resolve(unit, m.group(1), remappings) for m in _IMPORT.finditer(text))
    return tuple(sorted(set(found), key=lambda p: (p.file, p.constraint)))


def resolve_version(pragmas: Sequence[Pragma]) -> Version:
    """The highest release every pragma allows; a conflict is one line naming two files that disagree."""
    allowed = {p: {v for v in RELEASES if satisfies(p.constraint, v)} for p in pragmas}
    for pragma, versions in allowed.items():
        if not versions:
            raise CompileError(
                f"{pragma.file}: pragma solidity {pragma.constraint} matches no known solc release "
                f"({show(RELEASES[0])} … {show(RELEASES[-1])})"
            )
    common = set(RELEASES).intersection(*allowed.values())
    if common:
        return max(common)
    ordered = list(allowed)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if not allowed[first] & allowed[second]:
                raise CompileError(
                    f"no single solc version satisfies every pragma: {first.file} needs "
                    f"{first.constraint}, {second.file} needs {second.constraint} "
                    "(compile them as separate projects, or align the pragmas)"
                )
    listed = ", ".join(f"{p.file} ({p.constraint})" for p in ordered)
    raise CompileError(f"no single solc version satisfies every pragma: {listed}")


def check_pinned(version: Version, pragmas: Sequence[Pragma], origin: str) -> None:
    """A configured version that some pragma refuses fails here, naming the file, not deep inside solc."""
    for pragma in pragmas:
        if not satisfies(pragma.constraint, version):
            raise CompileError(
                f"solc {show(version)} ({origin}) does not satisfy {pragma.file}: "
                f"pragma solidity {pragma.constraint}"
            )
