"""A tiny document model so the Markdown and HTML reports are one document rendered twice.

``build_document`` (in :mod:`vaultproof.report.audit`) decides *what* an auditor reads and in
which order; the renderers decide only *how* it looks, and each escapes for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Badge:
    """A verdict or status pill; ``tone`` picks the colour (ok, bad, warn, info, muted)."""

    text: str
    tone: str


@dataclass(frozen=True)
class Link:
    text: str
    anchor: str


Inline = str | Code | Strong | Badge | Link
Text = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    parts: Text
    muted: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    css: str = ""
    numeric: tuple[int, ...] = ()  # column indexes rendered right-aligned
    # HTML: when the table is wider than the page and scrolls sideways, its first column (what a row
    # is) stays at the left edge and its last (the verdict, triage or status) at the right edge.
    pin_ends: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[Text, ...]


@dataclass(frozen=True)
class KeyValues:
    """Labelled fields of one item (a definition list in HTML, bold-labelled bullets in Markdown)."""

    rows: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class Section:
    """A group of blocks (an HTML card); Markdown renders its children in sequence."""

    blocks: tuple[Block, ...]
    css: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class Listing:
    """A function's source, numbered from ``start_line``: ``executed`` statement lines are marked as run by
    the proofs, the other ``statements`` as not run (HTML only; Markdown points to report.html)."""

    title: str
    start_line: int
    lines: tuple[str, ...]
    statements: tuple[int, ...]
    executed: tuple[int, ...]


Block = Heading | Para | Table | Bullets | KeyValues | Section | Listing


def text(*parts: Inline) -> Text:
    return tuple(parts)


def anchor_for(identifier: str) -> str:
    """A stable, HTML-safe fragment id: lowercase, [a-z0-9-] only."""
    out = []
    for ch in identifier.lower():
        out.append(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-")
    return "".join(out).strip("-") or "section"


VERDICT_TONES = {
    "PROVED": "ok",
    "PROVED-BOUNDED": "warn",
    "MODEL-ONLY": "warn",
    "TAUTOLOGY": "bad",
    "VIOLATED": "bad",
    "VACUOUS": "bad",
    "UNKNOWN": "warn",
    "ERROR": "bad",
    "NOT RUN": "muted",
    "NO FINDING": "info",
    "DETECTOR": "info",
}


def verdict_badge(label: str) -> Badge:
    """A badge for a verdict (or NOT RUN / NO FINDING)."""
    return Badge(label, VERDICT_TONES.get(label, "info"))
