"""Markdown and HTML loaders: heading paths, front matter, and the noise of scraped pages removed.

Both formats become (kind, text, heading level) events first; :func:`_emit_blocks` turns them into
blocks whose section is the heading path, so Markdown and HTML share one notion of sections. HTML
pages lose their navigation, scripts, forms and other boilerplate, and only the ``<main>``/``<article>``
content counts when a page has one.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Sequence

from .base import Block, BlockKind, Document, normalize_text, tidy


# --------------------------------------------------------------------------------------------
# Section paths, shared by Markdown and HTML
# --------------------------------------------------------------------------------------------


class _Sections:
    """Heading path by level (1 = outermost), as in Markdown and HTML."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def open(self, level: int, text: str) -> tuple[str, ...]:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        return self.path

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._stack)


def _title_heading_index(headings: Sequence[tuple[int, int]]) -> int | None:
    """Index of a document-title heading: the only top-level (h1) heading, placed first.

    Such a heading names the whole document, so it does not prefix every section path.
    """
    top = [position for position, (level, _) in enumerate(headings) if level == 1]
    if len(top) == 1 and top[0] == 0:
        return headings[0][1]
    return None


def _emit_blocks(events: Sequence[tuple[BlockKind, str, int]]) -> list[Block]:
    """Blocks with section paths from (kind, text, heading level) events; see :func:`_title_heading_index`."""
    headings = [(level, index) for index, (kind, _, level) in enumerate(events) if kind == "heading"]
    title_index = _title_heading_index(headings)
    sections = _Sections()
    blocks: list[Block] = []
    for index, (kind, text, level) in enumerate(events):
        if not text:
            continue
        if kind == "heading":
            section = (text,) if index == title_index else sections.open(level, text)
            blocks.append(Block(text, "heading", section))
        else:
            blocks.append(Block(text, kind, sections.path))
    return blocks


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# Abbreviation definitions of scraped pages, also wrapped over lines: "*[\n  KI\n ]: Künstliche Intelligenz".
_MD_ABBREVIATION = re.compile(r"^[ \t]*\*\[[^\]\n]*(?:\n[^\]\n]*){0,3}\]:[^\n]*(?:\n|\Z)", re.MULTILINE)
_MD_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+[^\n]*$", re.MULTILINE)
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_ATX = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_MD_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_MD_RULE = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_MD_ITEM = re.compile(r"^([ \t]*)([*+\-•]|\d{1,3}[.)])[ \t]+(.*)$")
_MD_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_LINK_TAIL = r"\(\s*<?[^\s)>]*>?(?:\s+(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?\s*\)"
_MD_IMAGE = re.compile(r"!\[[^\]]*\]" + _LINK_TAIL)
_MD_LINK = re.compile(r"\[([^\]]*)\]" + _LINK_TAIL)
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^<>\s]+)>")
_MD_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~\"'])")
_LABEL_ONLY = re.compile(
    r"^(?:Teil|Buch|Kapitel|Abschnitt|Unterabschnitt|Titel|Artikel|Art\.|Anlage|Anhang|§)\s*[\dIVXLC]+[a-z]?$", re.IGNORECASE
)
# A line this long is a whole paragraph (scraped pages put one paragraph per line), not a wrapped line.
_UNWRAPPED_LINE = 150


def markdown_inline(text: str) -> str:
    """Markdown inline markup to plain text: images dropped, links to their text, emphasis markers removed."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda match: match.group(1), text)
    text = _MD_REF_LINK.sub(lambda match: match.group(1), text)
    text = _MD_AUTOLINK.sub(lambda match: match.group(1), text)
    text = _MD_HTML_TAG.sub(" ", text)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = _MD_ESCAPE.sub(r"\1", text)
    return tidy(html.unescape(text))


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML-ish ``key: value`` front matter (flat, optionally quoted values) and the remaining text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        key, colon, value = line.partition(":")
        if not colon or not key.strip() or key.startswith((" ", "\t", "-", "#")):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].replace('\\"', '"')
        if value:
            fields[key.strip().lower()] = tidy(value)
    return fields, text[match.end():]


def load_markdown(text: str, name: str, stem: str) -> Document:
    """Markdown as a Document; the title is the front matter's, else the first (h1) heading, else ``stem``."""
    text = normalize_text(text).expandtabs(4)
    metadata, body = _front_matter(text)
    body = _MD_COMMENT.sub("", body)
    body = _MD_ABBREVIATION.sub("", body)
    body = _MD_REFERENCE.sub("", body)
    events = _markdown_events(body.split("\n"))
    blocks = _emit_blocks(events)
    title = metadata.pop("title", "") or next((t for k, t, level in events if k == "heading" and level == 1 and t), "")
    title = title or next((block.text for block in blocks if block.kind == "heading"), "") or stem
    return Document(source=name, title=title, kind="markdown", blocks=tuple(blocks), metadata=metadata)


def _markdown_events(lines: list[str]) -> list[tuple[BlockKind, str, int]]:
    events: list[tuple[BlockKind, str, int]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if not paragraph:
            return
        if any(len(line.strip()) > _UNWRAPPED_LINE for line in paragraph):
            events.extend(("paragraph", markdown_inline(line), 0) for line in paragraph)
        else:
            events.append(("paragraph", markdown_inline(" ".join(line.strip() for line in paragraph)), 0))
        paragraph.clear()

    index = 0
    while index < len(lines):
        raw = lines[index]
        stripped = raw.strip()
        if not stripped:
            flush()
            index += 1
            continue
        fence = _MD_FENCE.match(raw)
        if fence:
            flush()
            index += 1
            code: list[str] = []
            while index < len(lines) and not lines[index].strip().startswith(fence.group(1)):
                code.append(lines[index].rstrip())
                index += 1
            index += 1
            content = "\n".join(code).strip()
            if content:
                events.append(("paragraph", content, 0))
            continue
        atx = _MD_ATX.match(raw)
        if atx:
            flush()
            heading = atx.group(2) or ""
            heading = re.sub(r"[ \t]+#+$", "", heading)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            # "## KAPITEL I" + hard line break + "ALLGEMEINE BESTIMMUNGEN": one heading.
            if following.strip() and not _md_block_start(following) and len(following.strip()) <= _UNWRAPPED_LINE and (
                raw.endswith("  ") or _LABEL_ONLY.match(tidy(heading))
            ):
                heading = f"{heading} – {following.strip()}"
                index += 1
            events.append(("heading", markdown_inline(heading), len(atx.group(1))))
            index += 1
            continue
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        if _MD_SETEXT.match(underline) and not _md_block_start(raw):
            paragraph.append(raw)
            heading_text = markdown_inline(" ".join(line.strip() for line in paragraph))
            paragraph.clear()
            events.append(("heading", heading_text, 1 if underline.strip().startswith("=") else 2))
            index += 2
            continue
        if _MD_RULE.match(raw):
            flush()
            index += 1
            continue
        if "|" in stripped and _MD_TABLE_SEPARATOR.match(underline) and "-" in underline:
            flush()
            rows = [raw]
            index += 2
            while index < len(lines) and lines[index].strip() and "|" in lines[index]:
                rows.append(lines[index])
                index += 1
            for row in rows:
                cells = [markdown_inline(cell) for cell in _table_cells(row)]
                if any(cells):
                    events.append(("table", " | ".join(cells), 0))
            continue
        item = _MD_ITEM.match(raw)
        if item:
            flush()
            marker = item.group(2)
            parts = [item.group(3)]
            index += 1
            while index < len(lines) and lines[index].strip() and not _md_block_start(lines[index]):
                parts.append(lines[index].strip())
                index += 1
            text = markdown_inline(" ".join(parts))
            if marker[0].isdigit():
                text = f"{marker} {text}" if text else ""
            events.append(("list_item", text, 0))
            continue
        paragraph.append(stripped[1:].strip() if stripped.startswith(">") else raw)
        index += 1
    flush()
    return events


def _md_block_start(line: str) -> bool:
    if line.strip().startswith("|"):
        return True
    return bool(_MD_ATX.match(line) or _MD_ITEM.match(line) or _MD_FENCE.match(line) or _MD_RULE.match(line))


def _table_cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML_SKIP = {"nav", "header", "footer", "aside", "script", "style", "iframe", "noscript", "form", "svg", "template"}
_HTML_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HTML_BLOCKS = {
    "p", "div", "section", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote", "pre", "figure", "figcaption", "caption",
    "address", "main", "article", "body", "details", "summary", "hr",
}


class _HtmlBlocks(HTMLParser):
    """Collects text blocks of an HTML page, skipping navigation, scripts and other boilerplate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[BlockKind, str, int, bool]] = []  # kind, text, heading level, inside main/article
        self.title_parts: list[str] = []
        self._buffer: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._main_depth = 0
        self._list_depth = 0
        self._heading_level = 0
        self._in_title = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        attributes = dict(attrs)
        hidden = "hidden" in attributes or attributes.get("aria-hidden") == "true" or re.search(
            r"display\s*:\s*none", attributes.get("style") or ""
        )
        # <header>/<footer> inside <article> or <main> hold the article's own title and byline.
        page_furniture = tag in _HTML_SKIP and not (tag in ("header", "footer") and self._main_depth)
        if (page_furniture or hidden) and tag not in _HTML_VOID:
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "title":
            self._in_title = True
            return
        if tag in _HTML_BLOCKS:
            self._flush()
        if tag in ("main", "article"):
            self._main_depth += 1
        elif tag == "li":
            self._list_depth += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading_level = int(tag[1])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br":
            self._buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag == "title":
            self._in_title = False
            return
        if tag in _HTML_BLOCKS:
            self._flush()
        if tag in ("main", "article"):
            self._main_depth = max(0, self._main_depth - 1)
        elif tag == "li":
            self._list_depth = max(0, self._list_depth - 1)
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading_level = 0
        elif tag in ("td", "th") and self._cell is not None:
            if self._row is not None:
                self._row.append(" ".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            cells = [cell for cell in self._row if cell]
            if cells:
                self.events.append(("table", " | ".join(self._row), 0, self._main_depth > 0))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._in_title:
            self.title_parts.append(data)
        else:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = tidy("".join(self._buffer))
        self._buffer.clear()
        if not text:
            return
        if self._cell is not None:
            self._cell.append(text)
            return
        if self._heading_level:
            self.events.append(("heading", text, self._heading_level, self._main_depth > 0))
        else:
            kind: BlockKind = "list_item" if self._list_depth else "paragraph"
            self.events.append((kind, text, 0, self._main_depth > 0))


def load_html(text: str, name: str, stem: str) -> Document:
    """An HTML page as a Document, without boilerplate; the title is <title>, else the first h1, else ``stem``."""
    parser = _HtmlBlocks()
    parser.feed(normalize_text(text))
    parser.close()
    events = parser.events
    if any(in_main for *_, in_main in events):
        events = [event for event in events if event[3]]  # the page has <main>/<article>: only that content
    blocks = _emit_blocks([(kind, text, level) for kind, text, level, _ in events])
    title = tidy("".join(parser.title_parts))
    title = title or next((t for kind, t, level, _ in events if kind == "heading" and level == 1), "") or stem
    return Document(source=name, title=title, kind="html", blocks=tuple(blocks))
