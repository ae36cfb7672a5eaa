"""Code variants: a shipped contract with one declared, marked edit (a seeded defect).

A protocol declares its variants (which contract, which exact text becomes what); this module writes them
as Solidity files under the build directory each time they run (:func:`stage`), never committed, so a
variant cannot drift from the contract it breaks. The edit must match its anchor exactly once; the new text
carries a ``DEFECT`` marker so a reader of the variant sees what changed.

The suites that deploy the variants are the protocol's own Solidity (committed, and skipped by the
project's own forge run: they import files that exist only once staged). :func:`stage` copies them beside
the variants, their relative imports rebased, except those of the variants themselves (``./<name>.sol``).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import ConfigError

_IMPORT = re.compile(r'(import\s*\{[^}]*\}\s*from\s*")(\./|\.\./)([^"]+)(";)')


@dataclass(frozen=True)
class Edit:
    """Replace the unique occurrence of ``anchor`` by ``replacement``."""

    anchor: str
    replacement: str


@dataclass(frozen=True)
class CodeVariant:
    """``source`` (project-relative) with ``edits`` applied, its contract renamed ``contract`` → ``name``."""

    id: str
    source: str
    contract: str
    name: str
    description: str
    edits: tuple[Edit, ...]


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read {path}: {exc.strerror}") from None


def _rebase(text: str, source_dir: Path, out_dir: Path, keep: frozenset[str] = frozenset()) -> str:
    """Relative imports of ``text`` (written in ``source_dir``) rewritten to resolve from ``out_dir``;
    ``./X`` imports for ``X`` in ``keep`` stay as they are (files staged beside it)."""
    relative = os.path.relpath(source_dir, out_dir).replace(os.sep, "/")

    def rebase(match: re.Match[str]) -> str:
        if match.group(2) == "./" and match.group(3) in keep:
            return match.group(0)
        target = posixpath.normpath(f"{relative}/{match.group(2)}{match.group(3)}")
        target = target if target.startswith(".") else f"./{target}"
        return f"{match.group(1)}{target}{match.group(4)}"

    return _IMPORT.sub(rebase, text)


def render(variant: CodeVariant, root: Path, out_dir: Path) -> str:
    """The variant's Solidity text, with relative imports rewritten to resolve from ``out_dir``."""
    source = root / variant.source
    text = _read(source, f"code variant {variant.id}")
    for edit in variant.edits:
        count = text.count(edit.anchor)
        if count != 1:
            raise ConfigError(
                f"code variant {variant.id}: anchor occurs {count} times in {variant.source} "
                f"(expected once): {edit.anchor.splitlines()[0]!r}"
            )
        if "DEFECT" not in edit.replacement:
            raise ConfigError(f"code variant {variant.id}: an edit's replacement carries no DEFECT marker")
        text = text.replace(edit.anchor, edit.replacement)
    header = f"contract {variant.contract} "
    if text.count(header) != 1:
        raise ConfigError(
            f"code variant {variant.id}: contract {variant.contract} not declared once in {variant.source}"
        )
    text = text.replace(header, f"contract {variant.name} ")
    banner = (
        f"// GENERATED from {variant.source} by vaultproof (code variant {variant.id}); do not edit.\n"
        f"// Seeded defect: {variant.description}\n"
    )
    return banner + _rebase(text, source.parent, out_dir)


def render_suite(suite: str, variants: Iterable[CodeVariant], root: Path, out_dir: Path) -> str:
    """A committed suite (project-relative ``suite``) as staged in ``out_dir`` beside the variants."""
    keep = frozenset(f"{v.name}.sol" for v in variants)
    text = _read(root / suite, "broken-variant suite")
    banner = f"// GENERATED: {suite} (imports rebased), staged beside its code variants; do not edit.\n"
    return banner + _rebase(text, (root / suite).parent, out_dir, keep)


def stage(variants: Iterable[CodeVariant], suites: Iterable[str], root: Path, out_dir: Path) -> list[Path]:
    """Write every variant, and a copy of every suite that deploys them, into ``out_dir``. A file whose text
    is unchanged is not rewritten, so forge's cache sees it as unchanged; files no declaration produces any
    more are removed (forge compiles every file of its test directory)."""
    variants = sorted(variants, key=lambda v: v.id)
    texts = {out_dir / f"{v.name}.sol": render(v, root, out_dir) for v in variants}
    texts.update({out_dir / Path(s).name: render_suite(s, variants, root, out_dir) for s in sorted(suites)})
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(set(out_dir.glob("*.sol")) - set(texts)):
        stale.unlink()
    for path, text in texts.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return sorted(texts)
