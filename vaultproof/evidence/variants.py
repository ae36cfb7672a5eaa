"""Code variants: a shipped contract with one declared, marked edit (a seeded defect).

A protocol declares its variants (which contract, which exact text becomes what); this module writes them
as Solidity files beside the suites that run them, and tells whether the committed files are still what
the declarations produce — so a variant cannot drift from the contract it breaks. The edit must match its
anchor exactly once; the new text carries a ``DEFECT`` marker so a reader of the variant sees what changed.
"""

from __future__ import annotations

import os
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


def render(variant: CodeVariant, root: Path, out_dir: Path) -> str:
    """The variant's Solidity text, with relative imports rewritten to resolve from ``out_dir``."""
    source = root / variant.source
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"code variant {variant.id}: cannot read {variant.source}: {exc.strerror}"
        ) from None
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
    relative = os.path.relpath(source.parent, out_dir).replace(os.sep, "/")

    def rebase(match: re.Match[str]) -> str:
        up = "" if match.group(2) == "./" else "../"
        return f"{match.group(1)}{relative}/{up}{match.group(3)}{match.group(4)}"

    banner = (
        f"// GENERATED from {variant.source} by vaultproof (code variant {variant.id}); do not edit.\n"
        f"// Seeded defect: {variant.description}\n"
    )
    return banner + _IMPORT.sub(rebase, text)


def write_variants(variants: Iterable[CodeVariant], root: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for variant in sorted(variants, key=lambda v: v.id):
        path = out_dir / f"{variant.name}.sol"
        path.write_text(render(variant, root, out_dir), encoding="utf-8")
        written.append(path)
    return written


def stale_variants(variants: Iterable[CodeVariant], root: Path, out_dir: Path) -> list[str]:
    """Ids of variants whose committed file is missing or differs from what the declaration produces."""
    stale = []
    for variant in sorted(variants, key=lambda v: v.id):
        path = out_dir / f"{variant.name}.sol"
        if not path.is_file() or path.read_text(encoding="utf-8") != render(variant, root, out_dir):
            stale.append(variant.id)
    return stale
