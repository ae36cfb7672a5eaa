"""Render the audit document as ONE self-contained HTML file (``report.html``).

Inline CSS, no script, no external asset (fonts, images, stylesheets): the file is handed to
auditors and may be opened offline or from an archive. Every piece of text goes through
:func:`html.escape`; anchors are generated from ids by :func:`anchor_for` and contain only
``[a-z0-9-]``.
"""

from __future__ import annotations

from html import escape

from vaultproof.report import doc, view
from vaultproof.report.audit import contents
from vaultproof.report.codec import RESULTS_VERSION
from vaultproof.results import RunResult

CSS = """
:root { --ink:#1b2330; --muted:#5d6b7e; --line:#d8dee8; --bg:#f5f7fa; --card:#ffffff;
  --ok:#17663a; --ok-bg:#e3f4e9; --bad:#a3161b; --bad-bg:#fde6e6; --warn:#8a5a00; --warn-bg:#fff2d6;
  --info:#1f4f99; --info-bg:#e4edfb; --mut:#4a5566; --mut-bg:#eceff3; --accent:#243b63; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background:var(--accent); color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 6px; font-size:24px; font-weight:600; letter-spacing:.2px; }
header p { margin:0; color:#d5deee; max-width:980px; }
main { max-width:1180px; margin:0 auto; padding:24px 40px 60px; }
nav.toc { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 18px;
  margin:0 0 22px; }
nav.toc ul { margin:0; padding:0; list-style:none; display:flex; flex-wrap:wrap; gap:4px 18px; }
nav.toc a { color:var(--accent); text-decoration:none; font-weight:500; }
h2 { font-size:19px; margin:34px 0 12px; padding-bottom:6px; border-bottom:2px solid var(--line); }
h3 { font-size:16px; margin:0 0 10px; }
main > h3 { margin:22px 0 10px; }
p { margin:8px 0; }
p.muted { color:var(--muted); font-style:italic; }
a { color:var(--accent); }
code { font: 12.5px/1.4 "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  background:#eef1f6; padding:1px 5px; border-radius:4px; word-break:break-word; }
table { border-collapse:collapse; margin:10px 0 14px; background:var(--card); font-size:13.5px; }
th, td { border:1px solid var(--line); padding:6px 10px; text-align:left; vertical-align:top; }
th { background:#eaeef4; font-weight:600; color:#2b3646; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td:first-child > a, td:first-child > code { white-space:nowrap; }
table.cex td:first-child { font-weight:600; }
table.findings, table.glance, table.sizes, table.mutants, table.regressions { width:100%; }
table.findings td code { overflow-wrap:break-word; word-break:normal; }
div.scroll { overflow-x:auto; max-width:100%; }
/* A wide table scrolls inside its box; its first and last columns stay in view (table.pin_ends). */
th.pin-l, td.pin-l { position:sticky; left:0; z-index:1; background:var(--card);
  box-shadow:1px 0 0 var(--line); }
th.pin-r, td.pin-r { position:sticky; right:0; z-index:1; background:var(--card);
  box-shadow:-1px 0 0 var(--line); min-width:7em; max-width:18em; }
th.pin-l, th.pin-r { background:#eaeef4; }
table.findings td, table.obligations td { overflow-wrap:anywhere; }
div.scroll > table { margin:10px 0 14px; }
table.cex, table.summary { min-width:420px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
  letter-spacing:.3px; white-space:nowrap; }
.badge.ok { color:var(--ok); background:var(--ok-bg); }
.badge.bad { color:var(--bad); background:var(--bad-bg); }
.badge.warn { color:var(--warn); background:var(--warn-bg); }
.badge.info { color:var(--info); background:var(--info-bg); }
.badge.muted { color:var(--mut); background:var(--mut-bg); }
.tiles { display:flex; flex-wrap:wrap; gap:12px; margin:14px 0 6px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 14px;
  min-width:96px; }
.tile .n { font-size:26px; font-weight:700; line-height:1.1; }
.tile .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.5px; }
.tile.ok .n { color:var(--ok); } .tile.bad .n { color:var(--bad); } .tile.warn .n { color:var(--warn); }
.tile.muted .n { color:var(--mut); }
section.card { background:var(--card); border:1px solid var(--line); border-left:4px solid var(--ok);
  border-radius:8px; padding:16px 20px; margin:14px 0; }
section.card.bad { border-left-color:var(--bad); }
section.card.warn { border-left-color:#d49a16; }
section.card.muted { border-left-color:#9aa5b4; }
dl.kv { display:grid; grid-template-columns: 190px 1fr; gap:4px 14px; margin:6px 0 10px; }
dl.kv dt { color:var(--muted); font-weight:600; }
dl.kv dd { margin:0; }
ul { margin:6px 0 10px; padding-left:22px; }
details.listing { margin:6px 0; }
details.listing summary { cursor:pointer; color:var(--accent); }
pre.src { background:#fbfcfe; border:1px solid var(--line); border-radius:6px; padding:8px 0; overflow-x:auto;
  font: 12px/1.45 "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; }
pre.src > span { display:block; padding:0 10px; white-space:pre; }
pre.src span.hit { background:var(--ok-bg); } pre.src span.miss { background:var(--bad-bg); }
pre.src span.ln { display:inline-block; width:42px; color:var(--muted); text-align:right; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
@media print { body { background:#fff; } header { background:#fff; color:var(--ink); }
  header p { color:var(--muted); }
  section.card { break-inside: avoid; } }
""".strip()


def inline(part: doc.Inline) -> str:
    if isinstance(part, str):
        return escape(part)
    if isinstance(part, doc.Code):
        return f"<code>{escape(part.text)}</code>"
    if isinstance(part, doc.Strong):
        return f"<strong>{escape(part.text)}</strong>"
    if isinstance(part, doc.Badge):
        return f'<span class="badge {escape(part.tone)}">{escape(part.text)}</span>'
    if isinstance(part, doc.Link):
        return f'<a href="#{escape(part.anchor)}">{escape(part.text)}</a>'
    raise TypeError(part)


def render_text(parts: doc.Text) -> str:
    return "".join(inline(p) for p in parts)


def _attr(name: str, value: str) -> str:
    return f' {name}="{escape(value)}"' if value else ""


def _table(table: doc.Table) -> list[str]:
    last = len(table.headers) - 1

    def cls(i: int) -> str:
        names = ["num"] if i in table.numeric else []
        if table.pin_ends and i in (0, last):
            names.append("pin-l" if i == 0 else "pin-r")
        return _attr("class", " ".join(names))

    # The wrapper scrolls a wide table sideways instead of letting it overflow the page.
    out = ['<div class="scroll">', f"<table{_attr('class', table.css)}>", "<thead><tr>"]
    out += [f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(table.headers)]
    out += ["</tr></thead>", "<tbody>"]
    for row in table.rows:
        out.append(
            "<tr>" + "".join(f"<td{cls(i)}>{render_text(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        )
    out += ["</tbody>", "</table>", "</div>"]
    return out


def _block(block: doc.Block) -> list[str]:
    if isinstance(block, doc.Heading):
        return [f"<h{block.level}{_attr('id', block.anchor)}>{escape(block.text)}</h{block.level}>"]
    if isinstance(block, doc.Para):
        return [f"<p{_attr('class', 'muted' if block.muted else '')}>{render_text(block.parts)}</p>"]
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.Bullets):
        return ["<ul>", *(f"<li>{render_text(item)}</li>" for item in block.items), "</ul>"]
    if isinstance(block, doc.KeyValues):
        rows = [f"<dt>{escape(k)}</dt><dd>{render_text(v)}</dd>" for k, v in block.rows]
        return ['<dl class="kv">', *rows, "</dl>"]
    if isinstance(block, doc.Section):
        inner = [line for child in block.blocks for line in _block(child)]
        return [f"<section{_attr('class', block.css)}{_attr('id', block.anchor)}>", *inner, "</section>"]
    if isinstance(block, doc.Listing):
        return _listing(block)
    raise TypeError(block)


def _listing(listing: doc.Listing) -> list[str]:
    """The source in a collapsed <details>: run statement lines green, statements not run red."""
    executed, statements = set(listing.executed), set(listing.statements)
    rows = []
    for offset, source in enumerate(listing.lines):
        number = listing.start_line + offset
        css = "hit" if number in executed else "miss" if number in statements else ""
        mark = "▶" if css == "hit" else "✗" if css == "miss" else " "
        rows.append(
            f'<span{_attr("class", css)}><span class="ln">{number}</span> {mark} {escape(source)}</span>'
        )
    return [
        f'<details class="listing"><summary>{escape(listing.title)}</summary>',
        '<pre class="src">' + "".join(rows) + "</pre>",
        "</details>",
    ]


def _tiles(result: RunResult) -> list[str]:
    """Headline numbers above the summary table: what a reader checks first."""
    counts = view.verdict_counts(result)
    tiles = [
        ("proved", counts["PROVED"], "ok"),
        ("proved-bounded", counts["PROVED-BOUNDED"], "warn" if counts["PROVED-BOUNDED"] else "muted"),
        ("model-only", counts["MODEL-ONLY"], "warn" if counts["MODEL-ONLY"] else "muted"),
        ("violated", counts["VIOLATED"], "bad" if counts["VIOLATED"] else "muted"),
        ("vacuous", counts["VACUOUS"], "bad" if counts["VACUOUS"] else "muted"),
        ("unknown", counts["UNKNOWN"], "warn" if counts["UNKNOWN"] else "muted"),
    ]
    if counts["TAUTOLOGY"]:
        tiles.append(("tautology", counts["TAUTOLOGY"], "bad"))
    if counts["ERROR"]:
        tiles.append(("error", counts["ERROR"], "bad"))
    untriaged = sum(1 for f in result.static_findings if not f.triaged)
    tiles.append(("untriaged static findings", untriaged, "warn" if untriaged else "muted"))
    score = view.mutation_score(result)
    if score is not None:
        tiles.append(("mutants killed", score[0], "ok" if score[0] == score[1] else "warn"))
    out = ['<div class="tiles">']
    out += [
        f'<div class="tile {tone}"><div class="n">{n}</div><div class="l">{escape(label)}</div></div>'
        for label, n, tone in tiles
    ]
    if result.gate is None:
        gate_tone, gate_text = "muted", "off"
    else:
        gate_tone, gate_text = ("ok", "PASS") if result.gate.passed else ("bad", "FAIL")
    out.append(
        f'<div class="tile {gate_tone}"><div class="n">{gate_text}</div><div class="l">gate</div></div>'
    )
    out.append("</div>")
    return out


def render_html(title: str, blocks: tuple[doc.Block, ...], result: RunResult) -> str:
    toc = contents(blocks)
    intro = render_text(blocks[0].parts) if blocks and isinstance(blocks[0], doc.Para) else ""
    body: list[str] = []
    for block in blocks[1:]:
        body += _block(block)
        if isinstance(block, doc.Heading) and block.anchor == "summary":
            body += _tiles(view.normalise(result))
    toc_items = "".join(f"<li>{render_text(item)}</li>" for item in toc.items)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        f"<header><h1>{escape(title)}</h1><p>{intro}</p></header>",
        "<main>",
        f'<nav class="toc"><ul>{toc_items}</ul></nav>',
        *body,
        "</main>",
        f"<footer>Generated by vaultproof {escape(result.tools.vaultproof)} from results.json "
        f"(schema vaultproof/results, version {RESULTS_VERSION}).</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"
