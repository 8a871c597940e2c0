"""What the web UI shows, as pure functions: chat messages, the sources panel, document rows, status.

Everything that comes from a document or a model — titles, sections, passages, file names, answer
text — is escaped here before our own markup is added. The chat renders Markdown, so escaping covers
Markdown syntax too (``*``, ``_``, ``[``, ``]``, ``$``…, as HTML entities), not only HTML: a malicious
document can neither inject a tag nor a link. Only ``[n]`` markers of verified citations become links.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Sequence
from urllib.parse import quote

from ..answering.answer import Answer, Citation, distinct_sources
from .conversation import Session, Turn
from .library import report_messages
from ..errors import AssistantError
from ..messages import Message, text
from ..text import STOPWORDS, split_sentences

if TYPE_CHECKING:
    from ..indexing.background import IngestStatus
    from ..answering.retrieval import Hit
    from ..config import Settings
    from ..indexing.store import DocumentRecord
    from ..models import ResolvedModel

LANGUAGES = {"Deutsch": "de", "English": "en"}
#: How the documents table names each document kind.
_KINDS = {
    "pdf": Message("ui.kind.pdf"), "markdown": Message("ui.kind.markdown"), "html": Message("ui.kind.html"),
    "text": Message("ui.kind.text"),
}
#: How the status tab names where a model comes from (see :class:`ModelInfo`).
_ORIGINS = {
    "bundled": Message("ui.origin.bundled"), "models-folder": Message("ui.origin.models_folder"),
    "setting": Message("ui.origin.setting"), "external": Message("ui.origin.external"),
}

#: Markdown syntax characters, written as entities so text can never become Markdown markup.
_MARKDOWN_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_[]#!|~$"}
_MARKER = re.compile(r"(\[\d+\])")
_WORD = re.compile(r"\w+")


def escape(text: str) -> str:
    """``text`` made inert for both HTML and Markdown rendering (chat messages)."""
    escaped = html.escape(text, quote=True)
    return "".join(_MARKDOWN_ENTITIES.get(c, c) for c in escaped)


def escape_html(text: str) -> str:
    """``text`` made inert for HTML that is not rendered as Markdown (sources panel, status)."""
    return html.escape(text, quote=True)


def document_url(source: str, *, page: int | None = None, chunk_id: str | None = None) -> str:
    """Link to a document served by :mod:`assistant.web.serving`: a PDF at a page, or a text at a passage."""
    url = "/quelle/" + quote(source, safe="/")
    if chunk_id:
        return f"{url}?chunk={quote(chunk_id, safe='')}#stelle"
    if page:
        return f"{url}?page={page}#page={page}"
    return url


def is_pdf(source: str) -> bool:
    """Whether a document is served as a PDF (opened at a page) rather than as a passage view."""
    return source.lower().endswith(".pdf")


def anchor_id(turn_number: int, n: int) -> str:
    """HTML id of source ``n`` of a turn in the sources panel (citation links point here)."""
    return f"quelle-{turn_number}-{n}"


# -- chat ---------------------------------------------------------------------------------------------


def chat_messages(session: Session) -> list[dict[str, str]]:
    """The whole conversation as Chatbot messages (role/content), rendered from the session."""
    messages: list[dict[str, str]] = []
    for number, turn in enumerate(session.turns, start=1):
        messages.append({"role": "user", "content": escape(turn.question)})
        messages.append({"role": "assistant", "content": turn_html(turn, number, session.language)})
    return messages


def turn_html(turn: Turn, number: int, language: str) -> str:
    """The assistant's message for one turn, in its current state (searching, streaming, done …)."""
    if turn.status == "error":
        reason = turn.error.render(language) if turn.error else ""
        return _box("error", text("ui.error_title", language), f"<p>{escape(reason)}</p>")
    if turn.answer is not None:
        if turn.answer.mode == "llm" and not turn.answer.refused and turn.evidence is not None:
            # The excerpts shown while the model wrote stay available under the written answer.
            return answer_html(turn.answer, number, language, evidence=turn.evidence)
        return answer_html(turn.answer, number, language)
    draft = _body_html(turn.draft, {}) if turn.draft.strip() else ""
    # The evidence (verbatim excerpts) is shown as soon as retrieval is done; the written answer follows.
    evidence = _evidence_html(turn.evidence, number, language) if turn.evidence is not None else ""
    if turn.status == "stopped":
        return f'<div class="answer stopped">{evidence}{draft}<p class="status">{escape(text("ui.stopped", language))}</p></div>'
    if turn.status == "queued":
        status = text("ui.queued", language, position=turn.queue_position)
    elif turn.status == "answering" and draft:
        writing = f'<p class="status">{escape(text("ui.writing", language))}</p>'
        return f'<div class="answer streaming" aria-busy="true">{evidence}{writing}{draft}<span class="cursor" aria-hidden="true">▍</span></div>'
    elif turn.evidence is not None:
        status = text("ui.writing", language)
    else:
        status = text("ui.searching", language)
    return f'<div class="answer pending" aria-busy="true">{evidence}<p class="status">{escape(status)}</p></div>'


def _evidence_html(evidence: Answer, number: int, language: str) -> str:
    targets = {c.n: anchor_id(number, c.n) for c in evidence.citations}
    return f'<div class="evidence">{_body_html(evidence.text, targets, text("ui.source_word", language))}</div>'


def answer_html(answer: Answer, number: int, language: str, evidence: Answer | None = None) -> str:
    """A final answer: notice, text with ``[n]`` linked to the sources panel, refusals set apart.

    ``evidence`` (the extractive answer to the same question) is added as a folded list of verbatim
    excerpts, each labelled with its document and page (its own numbers would clash with the answer's).
    Kept on one line so Markdown treats it as a single HTML block.
    """
    targets = {c.n: anchor_id(number, c.n) for c in answer.citations}
    parts: list[str] = []
    if answer.notice:
        parts.append(f'<p class="notice"><strong>{escape(text("ui.notice_label", language))}</strong> {escape(answer.notice)}</p>')
    parts.append(_body_html(answer.text, targets, text("ui.source_word", language)))
    if answer.unverified_sentences:
        parts.append(f'<p class="notice">{escape(text("ui.unverified", language, count=answer.unverified_sentences))}</p>')
    seconds = answer.timings.get("total_s")
    meta = text("ui.mode.llm", language) if answer.mode == "llm" else text("ui.mode.extractive", language)
    if isinstance(seconds, (int, float)):
        meta += " · " + _seconds(seconds, language)
    parts.append(f'<p class="meta">{escape(meta)}</p>')
    if evidence is not None and evidence.citations:
        quotes = "".join(
            f"<li>„{escape(quote)}“ — <em>{escape(citation.label(language))}</em></li>"
            for citation in evidence.citations for quote in citation.quotes
        )
        parts.append(f'<details class="evidence"><summary>{escape(text("ui.evidence_summary", language))}</summary><ul>{quotes}</ul></details>')
    if answer.refused:
        return _box("refusal", text("ui.refusal_title", language), "".join(parts))
    return f'<div class="answer">{"".join(parts)}</div>'


def _box(kind: str, title: str, body: str) -> str:
    return f'<div class="answer {kind}" role="note"><p class="box-title"><strong>{escape(title)}</strong></p>{body}</div>'


def _body_html(text: str, targets: dict[int, str], source_word: str = "") -> str:
    """Plain answer text as paragraphs and bullet lists; markers become links when they have a target."""
    parts: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line[:2] in ("- ", "* ", "• "):
            items.append(_inline(line[2:], targets, source_word))
        else:
            flush()
            parts.append(f"<p>{_inline(line, targets, source_word)}</p>")
    flush()
    return "".join(parts)


def _inline(text: str, targets: dict[int, str], source_word: str) -> str:
    out: list[str] = []
    for piece in _MARKER.split(text):
        match = re.fullmatch(r"\[(\d+)\]", piece)
        if match and int(match.group(1)) in targets:
            n = int(match.group(1))
            hidden = f'<span class="visually-hidden">{escape(source_word)} </span>' if source_word else ""
            out.append(f'<a class="cite" href="#{targets[n]}">{hidden}&#91;{n}&#93;</a>')
        else:
            out.append(escape(piece))
    return "".join(out)


def _seconds(value: float, language: str) -> str:
    # Sub-second timings keep two decimals: "0,42 s".
    return text("ui.seconds", language, seconds=value) if value >= 1 else text("ui.seconds_fraction", language, seconds=value)


# -- sources panel ------------------------------------------------------------------------------------


def sources_html(session: Session) -> str:
    """The sources panel (plain HTML, no Markdown) for the latest turn: numbered sources with page, section, passage."""
    language = session.language
    heading = f'<h2 class="sources-title">{escape_html(text("ui.sources", language))}</h2>'
    if not session.turns:
        return f'<div class="sources">{heading}<p class="placeholder">{escape_html(text("ui.sources_empty", language))}</p></div>'
    number = len(session.turns)
    turn = session.turns[-1]
    # While the written answer is pending, the panel lists the sources of the evidence shown.
    answer = turn.answer or turn.evidence
    if turn.status == "error" or (answer is None and turn.status == "stopped"):
        return f'<div class="sources">{heading}<p class="placeholder">{escape_html(text("ui.sources_none", language))}</p></div>'
    if answer is None:
        return f'<div class="sources" aria-busy="true">{heading}<p class="placeholder">{escape_html(text("ui.sources_pending", language))}</p></div>'
    body: list[str] = []
    if answer.refused:
        body.append(f'<p class="refusal-note"><strong>{escape_html(text("ui.refusal_title", language))}.</strong> {escape_html(text("ui.nearest", language))}</p>')
        body.append('<ol class="hits">' + "".join(_hit_item(hit, language) for hit in distinct_sources(answer.retrieved)[:3]) + "</ol>")
    elif not answer.citations:
        body.append(f'<p class="placeholder">{escape_html(text("ui.sources_none", language))}</p>')
    else:
        items = "".join(_citation_item(c, number, answer.retrieved, language) for c in answer.citations)
        body.append(f'<ol class="citations">{items}</ol>')
        cited = {(c.source, c.text) for c in answer.citations}
        others = [h for h in answer.retrieved if (h.chunk.source, h.chunk.text) not in cited]
        if others:
            body.append(
                f'<details class="more"><summary>{escape_html(text("ui.more_hits", language))} ({len(others)})</summary>'
                f'<ol class="hits">{"".join(_hit_item(h, language) for h in others)}</ol></details>'
            )
    return f'<div class="sources">{heading}{"".join(body)}</div>'


def _citation_item(citation: Citation, number: int, retrieved: Sequence["Hit"], language: str) -> str:
    chunk_id = next((h.chunk.id for h in retrieved if h.chunk.source == citation.source and h.chunk.text == citation.text), None)
    passage_url = document_url(citation.source, chunk_id=chunk_id) if chunk_id else document_url(citation.source)
    if is_pdf(citation.source) and citation.page:
        main_url = document_url(citation.source, page=citation.page)
        main_label = text("ui.open_pdf", language, page=citation.page)
    else:
        main_url, main_label = passage_url, text("ui.open_passage", language)
    links = [new_window_link(main_url, main_label, language, cls="open-source")]
    if main_url != passage_url:
        links.append(new_window_link(passage_url, text("ui.open_passage", language), language, cls="open-passage"))
    return (
        f'<li id="{anchor_id(number, citation.n)}" class="source" tabindex="-1">'
        f'<p class="source-head"><span class="num">[{citation.n}]</span> <strong>{escape_html(citation.title)}</strong></p>'
        f'<p class="source-meta">{_meta(citation.page, citation.section, citation.source, language)}</p>'
        f'<blockquote class="passage">{highlight(citation.text, citation.quotes)}</blockquote>'
        f'<p class="source-links">{" · ".join(links)}</p></li>'
    )


def _hit_item(hit: "Hit", language: str) -> str:
    chunk = hit.chunk
    if is_pdf(chunk.source) and chunk.page:
        url, label = document_url(chunk.source, page=chunk.page), text("ui.open_pdf", language, page=chunk.page)
    else:
        url, label = document_url(chunk.source, chunk_id=chunk.id), text("ui.open_passage", language)
    snippet = " ".join(chunk.text.split())
    if len(snippet) > 240:
        snippet = snippet[:240].rsplit(" ", 1)[0] + " …"
    return (
        f'<li class="hit"><strong>{escape_html(chunk.title)}</strong> '
        f'<span class="source-meta">{_meta(chunk.page, chunk.section, chunk.source, language)}</span>'
        f'<br><span class="snippet">{escape_html(snippet)}</span><br>{new_window_link(url, label, language, cls="open-source")}</li>'
    )


def _meta(page: int | None, section: str, source: str, language: str) -> str:
    parts = []
    if page:
        parts.append(f'<span class="page">{escape_html(text("ui.page", language))} {page}</span>')
    if section:
        parts.append(f"{escape_html(text('ui.section', language))}: {escape_html(section)}")
    parts.append(f'<span class="file">{escape_html(source)}</span>')
    return " · ".join(parts)


def new_window_link(url: str, label: str, language: str, cls: str) -> str:
    """A link that opens in a new window, announced to screen readers."""
    # The URL is built by document_url from a quoted source name; escaping keeps "&" valid in HTML.
    return (
        f'<a class="{cls}" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
        f'{escape_html(label)}<span class="visually-hidden"> {escape_html(text("ui.new_window", language))}</span></a>'
    )


def highlight(text: str, quotes: Sequence[str]) -> str:
    """``text`` escaped, with the quoted passages wrapped in ``<mark>``.

    Quotes are found regardless of line breaks and spacing; a quote that is not verbatim in the text
    (an LLM sentence that paraphrases its source) marks the source sentence sharing most words with it.
    """
    spans: list[tuple[int, int]] = []
    for quote_text in quotes:
        span = find_passage(text, quote_text)
        if span:
            spans.append(span)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(escape_html(text[position:start]))
        out.append(f"<mark>{escape_html(text[start:end])}</mark>")
        position = end
    out.append(escape_html(text[position:]))
    return "".join(out)


def find_passage(text: str, quote_text: str) -> tuple[int, int] | None:
    """Character span of ``quote_text`` in ``text``: verbatim up to whitespace, else the most similar sentence."""
    words = quote_text.split()
    if not words:
        return None
    pattern = r"\s*".join(re.escape(w) if w not in ("-", "•") else r"[-•]?" for w in words)
    match = re.search(pattern, text)
    if match:
        return match.span()
    wanted = _content_words(quote_text)
    best: tuple[float, int, int] | None = None
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        have = _content_words(sentence)
        if not have or not wanted:
            continue
        score = len(have & wanted) / len(have | wanted)
        if best is None or score > best[0]:
            best = (score, start, start + len(sentence))
    if best is None or best[0] < 0.2:
        return None
    return best[1], best[2]


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and not w.isdigit()}


# -- documents tab --------------------------------------------------------------------------------------


def document_rows(records: Iterable["DocumentRecord"], language: str) -> list[list[str | int]]:
    """Rows of the documents table: title, type, pages, chunks, date indexed (local time), file."""
    rows: list[list[str | int]] = []
    for record in sorted(records, key=lambda r: (r.title.lower(), r.source)):
        rows.append([
            record.title,
            _KINDS[record.kind].render(language) if record.kind in _KINDS else record.kind,
            record.pages if record.pages else "–",
            len(record.chunk_ids),
            format_timestamp(record.indexed_at, language),
            record.source,
        ])
    return rows


def document_headers(language: str) -> list[str]:
    """Column headers matching :func:`document_rows`."""
    return [
        text("ui.col.title", language), text("ui.col.kind", language), text("ui.col.pages", language),
        text("ui.col.chunks", language), text("ui.col.indexed", language), text("ui.col.source", language),
    ]


def document_choices(records: Iterable["DocumentRecord"]) -> list[tuple[str, str]]:
    """(label, source) pairs for choosing a document to delete."""
    return [(f"{r.title} ({r.source})", r.source) for r in sorted(records, key=lambda r: (r.title.lower(), r.source))]


def format_timestamp(iso: str, language: str) -> str:
    """An ISO 8601 UTC timestamp in local time, "21.11.2025 22:26" (German) or "2025-11-21 22:26"."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return moment.strftime("%d.%m.%Y %H:%M" if language == "de" else "%Y-%m-%d %H:%M")


# -- status tab -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """A model as shown in the status tab; ``origin`` is a key of ``_ORIGINS``."""

    name: str
    origin: str
    size_bytes: int | None


@dataclass(frozen=True)
class StatusInfo:
    """What the status tab reports."""

    embedder: ModelInfo
    llm: ModelInfo | None
    default_mode: str
    documents: int
    pages: int
    chunks: int
    models_dir: str


def collect_status(
    settings: "Settings",
    embedder_name: str,
    llm: "ResolvedModel | None",
    default_mode: str,
    records: Iterable["DocumentRecord"],
) -> StatusInfo:
    """The status tab's facts, without loading any model: the embedder in use (``embedder_name``), the
    resolved chat model, the default answer mode and the indexed documents."""
    from ..models import resolve_embedder

    embedder = ModelInfo(embedder_name, "external", None)
    try:
        resolved = resolve_embedder(settings)
        if resolved.name == embedder_name:
            embedder = ModelInfo(resolved.name, resolved.origin, resolved.size_bytes)
    except AssistantError:
        pass  # an injected embedder (tests, benchmarks) has no resolvable origin
    chat = ModelInfo(llm.name, llm.origin, llm.size_bytes) if llm is not None else None
    if settings.llm_url:
        chat = ModelInfo(f"{settings.llm_model or '–'} @ {settings.llm_url}", "external", None)
    if chat is None and default_mode == "llm":
        chat = ModelInfo("—", "external", None)
    records = list(records)
    return StatusInfo(
        embedder=embedder,
        llm=chat,
        default_mode=default_mode,
        documents=len(records),
        pages=sum(r.pages or 0 for r in records),
        chunks=sum(len(r.chunk_ids) for r in records),
        models_dir=str(settings.models_dir),
    )


def status_html(info: StatusInfo, language: str) -> str:
    """The status tab: models (name, size, origin), default mode, index size, help on better models."""
    def model_row(label: str, model: ModelInfo | None, empty: str) -> str:
        if model is None:
            return f"<tr><th scope=\"row\">{escape_html(label)}</th><td>{escape_html(empty)}</td></tr>"
        origin = _ORIGINS[model.origin].render(language) if model.origin in _ORIGINS else model.origin
        details = [f"{text('ui.source', language)}: {origin}"]
        if model.size_bytes:
            details.append(f"{text('ui.size', language)}: {format_size(model.size_bytes, language)}")
        return (
            f"<tr><th scope=\"row\">{escape_html(label)}</th><td><strong>{escape_html(model.name)}</strong><br>"
            f"{escape_html(' · '.join(details))}</td></tr>"
        )

    mode = text("ui.mode.llm", language) if info.default_mode == "llm" else text("ui.mode.extractive", language)
    counts = text("ui.index_counts", language, documents=info.documents, pages=info.pages, chunks=info.chunks)
    return (
        f'<div class="status"><h2>{escape_html(text("ui.status_heading", language))}</h2><table>'
        + model_row(text("ui.embedder", language), info.embedder, "")
        + model_row(text("ui.llm", language), info.llm, text("ui.llm_none", language))
        + f"<tr><th scope=\"row\">{escape_html(text('ui.default_mode', language))}</th><td>{escape_html(mode)}</td></tr>"
        + f"<tr><th scope=\"row\">{escape_html(text('ui.index_size', language))}</th><td>{escape_html(counts)}</td></tr>"
        + f'</table><h2>{escape_html(text("ui.help_heading", language))}</h2><p>{escape_html(text("ui.help", language, models=info.models_dir))}</p></div>'
    )


def format_size(size_bytes: int, language: str) -> str:
    """Bytes as "253 MB" / "1,2 GB" (decimal units)."""
    value, unit = (size_bytes / 1e9, "GB") if size_bytes >= 1e9 else (size_bytes / 1e6, "MB")
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return (text.replace(".", ",") if language == "de" else text) + f" {unit}"


# -- indexing banner ------------------------------------------------------------------------------------


def indexing_html(status: "IngestStatus | None", language: str) -> str:
    """The banner above the tabs while the knowledge base is built in the background ("" when there is none).

    It says how far the run is and that questions are answered meanwhile from what is indexed; after
    the run, its summary (or why it failed).
    """
    if status is None or status.state == "idle":
        return ""
    if status.state == "running" and status.chunks_total:
        left = (text("ui.indexing.left", language, minutes=max(1, round(status.seconds_left / 60)))
                if status.seconds_left is not None else "")
        message, kind = text("ui.indexing.embedding", language, done=status.chunks_done, total=status.chunks_total, left=left), "running"
    elif status.state == "running":
        message, kind = text("ui.indexing.reading", language, done=status.files_done, total=status.files_total), "running"
    elif status.state == "failed" and status.error is not None:
        message, kind = text("ui.indexing.failed", language, reason=status.error.render(language)), "failed"
    else:
        summary = report_messages(status.report, language)[0] if status.report is not None else ""
        message, kind = text("ui.indexing.done", language, summary=summary), "done"
    busy = ' aria-busy="true"' if kind == "running" else ""
    return f'<div class="indexing {kind}" role="status"{busy}>{escape_html(message)}</div>'
