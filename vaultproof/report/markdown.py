"""Render the audit document as GitHub-flavoured Markdown (``report.md``)."""

from __future__ import annotations

from vaultproof.report.audit import contents
from vaultproof.report.doc import (
    Badge,
    Block,
    Bullets,
    Code,
    Heading,
    Inline,
    KeyValues,
    Link,
    Listing,
    Para,
    Section,
    Strong,
    Table,
    Text,
)

_SPECIAL = set("\\`*[]<>|#")


def escape(value: str) -> str:
    """Escape Markdown metacharacters and fold newlines, so statements render as written.

    An underscore inside a word (``000_stage5``, ``usdc_locked``) never starts emphasis in GFM, so
    it is left alone to keep the source readable; one at a word boundary is escaped.
    """
    flat = " ".join(value.split()) if "\n" in value else value
    out = []
    for i, ch in enumerate(flat):
        if ch == "_":
            before = flat[i - 1] if i else " "
            after = flat[i + 1] if i + 1 < len(flat) else " "
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        else:
            out.append("\\" + ch if ch in _SPECIAL else ch)
    return "".join(out)


def _code(value: str, in_table: bool) -> str:
    flat = " ".join(value.split())
    if in_table:  # GFM splits table cells before parsing code spans; \| is its escape even inside them
        flat = flat.replace("|", "\\|")
    fence = "``" if "`" in flat else "`"
    pad = " " if fence == "``" or flat.startswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}" if flat else ""


def inline(part: Inline, in_table: bool = False) -> str:
    if isinstance(part, str):
        return escape(part)
    if isinstance(part, Code):
        return _code(part.text, in_table)
    if isinstance(part, Strong):
        return f"**{escape(part.text)}**"
    if isinstance(part, Badge):
        return f"**{escape(part.text)}**" if part.tone in ("bad", "warn") else escape(part.text)
    if isinstance(part, Link):
        return f"[{escape(part.text)}](#{part.anchor})"
    raise TypeError(part)


def render_text(parts: Text, in_table: bool = False) -> str:
    return "".join(inline(p, in_table) for p in parts)


def _cell(parts: Text) -> str:
    return render_text(parts, in_table=True)


def _table(table: Table) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.headers))]
    lines = [
        "| " + " | ".join(escape(h) for h in table.headers) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        anchor = f'<a id="{block.anchor}"></a>\n' if block.anchor else ""
        return [f"{anchor}{'#' * block.level} {escape(block.text)}", ""]
    if isinstance(block, Para):
        body = render_text(block.parts)
        return [f"_{body}_" if block.muted and "_" not in body else body, ""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Bullets):
        return [*(f"- {render_text(item)}" for item in block.items), ""]
    if isinstance(block, KeyValues):
        return [*(f"- **{escape(k)}:** {render_text(v)}" for k, v in block.rows), ""]
    if isinstance(block, Section):
        return [line for child in block.blocks for line in _block(child)]
    if isinstance(block, Listing):
        return []  # the marked source is in report.html; report.md lists the lines not executed instead
    raise TypeError(block)


def render_markdown(title: str, blocks: tuple[Block, ...]) -> str:
    lines = [f"# {escape(title)}", ""]
    lines += _block(blocks[0]) if blocks else []
    lines += ["**Contents**", "", *_block(contents(blocks))]
    for block in blocks[1:]:
        lines += _block(block)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
