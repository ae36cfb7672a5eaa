"""Render the audit document as GitHub-flavoured Markdown (``report.md``)."""

from __future__ import annotations

from vaultproof.report import doc
from vaultproof.report.audit import contents

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


def inline(part: doc.Inline, in_table: bool = False) -> str:
    if isinstance(part, str):
        return escape(part)
    if isinstance(part, doc.Code):
        return _code(part.text, in_table)
    if isinstance(part, doc.Strong):
        return f"**{escape(part.text)}**"
    if isinstance(part, doc.Badge):
        return f"**{escape(part.text)}**" if part.tone in ("bad", "warn") else escape(part.text)
    if isinstance(part, doc.Link):
        return f"[{escape(part.text)}](#{part.anchor})"
    raise TypeError(part)


def render_text(parts: doc.Text, in_table: bool = False) -> str:
    return "".join(inline(p, in_table) for p in parts)


def _cell(parts: doc.Text) -> str:
    return render_text(parts, in_table=True)


def _table(table: doc.Table) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.headers))]
    lines = [
        "| " + " | ".join(escape(h) for h in table.headers) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _block(block: doc.Block) -> list[str]:
    if isinstance(block, doc.Heading):
        anchor = f'<a id="{block.anchor}"></a>\n' if block.anchor else ""
        return [f"{anchor}{'#' * block.level} {escape(block.text)}", ""]
    if isinstance(block, doc.Para):
        body = render_text(block.parts)
        return [f"_{body}_" if block.muted and "_" not in body else body, ""]
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.Bullets):
        return [*(f"- {render_text(item)}" for item in block.items), ""]
    if isinstance(block, doc.KeyValues):
        return [*(f"- **{escape(k)}:** {render_text(v)}" for k, v in block.rows), ""]
    if isinstance(block, doc.Section):
        return [line for child in block.blocks for line in _block(child)]
    if isinstance(block, doc.Listing):
        return []  # the marked source is in report.html; report.md lists the lines not executed instead
    raise TypeError(block)


def render_markdown(title: str, blocks: tuple[doc.Block, ...]) -> str:
    lines = [f"# {escape(title)}", ""]
    lines += _block(blocks[0]) if blocks else []
    lines += ["**Contents**", "", *_block(contents(blocks))]
    for block in blocks[1:]:
        lines += _block(block)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
