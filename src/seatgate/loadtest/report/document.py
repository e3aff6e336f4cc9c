"""A report as a list of blocks, rendered to Markdown and to one self-contained HTML
page from the same blocks, so both always say the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

STYLE = """
body{font-family:-apple-system,"Segoe UI","Noto Sans KR","Malgun Gothic",sans-serif;
max-width:980px;margin:2em auto;padding:0 1em;color:#1f2328;line-height:1.5}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #d0d7de;padding:6px 12px;
text-align:left}th{background:#f6f8fa}code{background:#f0f0f0;padding:1px 4px;border-radius:4px}
hr{border:0;border-top:1px solid #d0d7de;margin:2em 0}figure{margin:1em 0}
"""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    alt: str
    file: str
    svg: str


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | Bullets | Table | Image | Rule


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}\n")
        elif isinstance(block, Paragraph):
            out.append(f"{block.text}\n")
        elif isinstance(block, Bullets):
            out.append("".join(f"- {item}\n" for item in block.items))
        elif isinstance(block, Table):
            lines = [
                "| " + " | ".join(map(_cell, block.headers)) + " |",
                "|" + "|".join("---" for _ in block.headers) + "|",
                *("| " + " | ".join(map(_cell, row)) + " |" for row in block.rows),
            ]
            out.append("\n".join(lines) + "\n")
        elif isinstance(block, Image):
            out.append(f"![{block.alt}]({block.file})\n")
        else:
            out.append("---\n")
    return "\n".join(out)


_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    """Escapes text and renders the Markdown the blocks use: `code`, **bold**, [a](b)."""
    html, last = [], 0
    for match in _INLINE.finditer(text):
        html.append(escape(text[last : match.start()]))
        code, bold, label, href = match.groups()
        if code is not None:
            html.append(f"<code>{escape(code)}</code>")
        elif bold is not None:
            html.append(f"<strong>{escape(bold)}</strong>")
        else:
            html.append(f'<a href="{escape(href)}">{escape(label)}</a>')
        last = match.end()
    html.append(escape(text[last:]))
    return "".join(html)


def to_html(blocks: list[Block], title: str, lang: str) -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Image):
            body.append(f'<figure role="img" aria-label="{escape(block.alt)}">{block.svg}</figure>')
        else:
            body.append("<hr>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
