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
from ..indexing.chunking import split_sentences
from .conversation import Session, Turn
from ..errors import AssistantError
from ..indexing.lexical import STOPWORDS

if TYPE_CHECKING:
    from ..app import App
    from ..answering.retrieval import Hit
    from ..indexing.store import DocumentRecord

#: Labels of the UI in both languages; keys are used by the Gradio adapter and the renderers below.
TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Beratungsassistent",
        "intro": "Fragen zu Förderung, Ethik und Datenschutz gemeinwohlorientierter KI-Projekte – beantwortet "
        "aus der lokalen Wissensbasis, mit Quellenangabe (Dokument, Seite, Abschnitt). Alles bleibt auf diesem Rechner.",
        "language": "Sprache / Language",
        "tab_chat": "Chat",
        "tab_documents": "Dokumente",
        "tab_status": "Einstellungen und Status",
        "chat_label": "Gespräch",
        "chat_placeholder": "Stellen Sie eine Frage, z. B.: „Wer ist nach der Förderrichtlinie KI für das Gemeinwohl "
        "antragsberechtigt?“",
        "question": "Ihre Frage",
        "question_placeholder": "Frage eingeben und mit Enter senden",
        "send": "Senden",
        "stop": "Stopp",
        "new_chat": "Neues Gespräch",
        "mode": "Antwortmodus",
        "mode_extractive": "Belegstellen",
        "mode_llm": "KI-Antwort",
        "mode_info": "Belegstellen: wörtliche Auszüge, ohne Sprachmodell. KI-Antwort: ausformuliert vom lokalen "
        "Sprachmodell, jede Quellenangabe wird geprüft.",
        "query_accordion": "Gesuchte Anfrage",
        "query_label": "Tatsächlich gesuchte Anfrage (Rückfragen werden um das Thema der vorigen Frage ergänzt)",
        "sources": "Quellen",
        "sources_empty": "Die Quellen der aktuellen Antwort erscheinen hier.",
        "sources_pending": "Quellen werden ermittelt …",
        "sources_none": "Diese Antwort enthält keine Quellen.",
        "refusal_title": "Keine belegte Antwort",
        "nearest": "Nächstgelegene Fundstellen (beantworten die Frage möglicherweise nicht):",
        "more_hits": "Weitere Treffer der Suche",
        "page": "S.",
        "section": "Abschnitt",
        "open_pdf": "PDF auf Seite {page} öffnen",
        "open_document": "Dokument öffnen",
        "open_passage": "Textstelle im Dokument anzeigen",
        "new_window": "(öffnet in neuem Fenster)",
        "searching": "Suche in der Wissensbasis …",
        "queued": "Wartet auf das Sprachmodell – Position {position} in der Warteschlange …",
        "stopped": "Antwort abgebrochen.",
        "error_title": "Fehler",
        "unverified": "{count} Satz/Sätze ließen sich nicht mit den Quellen belegen und sind markiert.",
        "meta_extractive": "Belegstellen",
        "meta_llm": "KI-Antwort",
        "seconds": "{seconds} s",
        "upload": "Dokumente hochladen (PDF, Markdown, HTML, TXT; höchstens {mb} MB je Datei)",
        "upload_button": "Hochladen und indexieren",
        "documents_table": "Indexierte Dokumente",
        "col_title": "Titel",
        "col_kind": "Typ",
        "col_pages": "Seiten",
        "col_chunks": "Abschnitte",
        "col_indexed": "Indexiert am",
        "col_source": "Datei",
        "delete_choice": "Dokument zum Löschen auswählen",
        "delete": "Ausgewähltes Dokument löschen",
        "reindex": "Alles neu prüfen (inkrementell indexieren)",
        "refresh": "Liste aktualisieren",
        "progress_lesen": "Dateien lesen",
        "progress_einbetten": "Abschnitte einbetten",
        "status_heading": "Geladene Modelle und Index",
        "embedder": "Embedding-Modell",
        "llm": "Sprachmodell",
        "llm_none": "keines verfügbar – nur Belegstellen-Modus",
        "default_mode": "Standardmodus",
        "index_size": "Index",
        "index_counts": "{documents} Dokumente, {pages} Seiten, {chunks} Abschnitte",
        "origin_bundled": "gebündelt",
        "origin_models-folder": "eigenes Modell aus models/",
        "origin_setting": "eigenes Modell (Einstellung)",
        "origin_external": "vom Programm übergeben",
        "size": "Größe",
        "source": "Herkunft",
        "not_loaded": "wird beim ersten Gebrauch geladen",
        "help_heading": "Ein besseres Sprachmodell verwenden",
        "help": "Das gebündelte Gemma 3 270M ist ein kleines Basismodell, das Fakten nicht zuverlässig wiedergibt; "
        "deshalb antwortet der Assistent damit nur mit Belegstellen. Für ausformulierte Antworten eine "
        "Instruct-GGUF-Datei (z. B. ein 3–8B-Modell in Q4_K_M) in den Ordner {models} legen und die Oberfläche neu "
        "starten: Die neueste *.gguf-Datei dort wird automatisch verwendet (oder ASSISTANT_LLM=/pfad/modell.gguf "
        "setzen). „KI-Antwort“ wird dann Standard; jede Quellenangabe wird weiterhin gegen die Quellen geprüft.",
        "kind_pdf": "PDF",
        "kind_markdown": "Markdown",
        "kind_html": "HTML",
        "kind_text": "Text",
        "empty_question": "Bitte zuerst eine Frage eingeben.",
        "decimal": ",",
        "notice_label": "Hinweis:",
        "source_word": "Quelle",
    },
    "en": {
        "title": "Advisory assistant",
        "intro": "Questions on funding, ethics and data protection for public-interest AI projects – answered from "
        "the local knowledge base, with sources (document, page, section). Everything stays on this computer.",
        "language": "Sprache / Language",
        "tab_chat": "Chat",
        "tab_documents": "Documents",
        "tab_status": "Settings and status",
        "chat_label": "Conversation",
        "chat_placeholder": "Ask a question, e.g. “Who is eligible under the funding guideline AI for the common good?”",
        "question": "Your question",
        "question_placeholder": "Type a question and press Enter",
        "send": "Send",
        "stop": "Stop",
        "new_chat": "New conversation",
        "mode": "Answer mode",
        "mode_extractive": "Evidence",
        "mode_llm": "AI answer",
        "mode_info": "Evidence: verbatim excerpts, no language model. AI answer: written by the local language model, "
        "every citation is checked.",
        "query_accordion": "Searched query",
        "query_label": "Query actually searched (follow-ups get the topic of the previous question)",
        "sources": "Sources",
        "sources_empty": "The sources of the current answer appear here.",
        "sources_pending": "Looking up sources …",
        "sources_none": "This answer has no sources.",
        "refusal_title": "No sourced answer",
        "nearest": "Closest passages (they may not answer the question):",
        "more_hits": "Further search results",
        "page": "p.",
        "section": "Section",
        "open_pdf": "Open PDF at page {page}",
        "open_document": "Open document",
        "open_passage": "Show passage in the document",
        "new_window": "(opens in a new window)",
        "searching": "Searching the knowledge base …",
        "queued": "Waiting for the language model – position {position} in the queue …",
        "stopped": "Answer stopped.",
        "error_title": "Error",
        "unverified": "{count} sentence(s) could not be verified against the sources and are marked.",
        "meta_extractive": "Evidence",
        "meta_llm": "AI answer",
        "seconds": "{seconds} s",
        "upload": "Upload documents (PDF, Markdown, HTML, TXT; at most {mb} MB per file)",
        "upload_button": "Upload and index",
        "documents_table": "Indexed documents",
        "col_title": "Title",
        "col_kind": "Type",
        "col_pages": "Pages",
        "col_chunks": "Chunks",
        "col_indexed": "Indexed at",
        "col_source": "File",
        "delete_choice": "Choose a document to delete",
        "delete": "Delete selected document",
        "reindex": "Re-check everything (incremental indexing)",
        "refresh": "Refresh list",
        "progress_lesen": "Reading files",
        "progress_einbetten": "Embedding chunks",
        "status_heading": "Loaded models and index",
        "embedder": "Embedding model",
        "llm": "Language model",
        "llm_none": "none available – evidence mode only",
        "default_mode": "Default mode",
        "index_size": "Index",
        "index_counts": "{documents} documents, {pages} pages, {chunks} chunks",
        "origin_bundled": "bundled",
        "origin_models-folder": "user-supplied, from models/",
        "origin_setting": "user-supplied (setting)",
        "origin_external": "passed in by the program",
        "size": "Size",
        "source": "Source",
        "not_loaded": "loaded on first use",
        "help_heading": "Using a better language model",
        "help": "The bundled Gemma 3 270M is a small base model that does not reproduce facts reliably, so with it "
        "the assistant answers with evidence only. For written answers, put an instruct GGUF file (e.g. a 3–8B model "
        "in Q4_K_M) into the folder {models} and restart the UI: the newest *.gguf there is used automatically (or "
        "set ASSISTANT_LLM=/path/model.gguf). “AI answer” then becomes the default; every citation is still checked "
        "against the sources.",
        "kind_pdf": "PDF",
        "kind_markdown": "Markdown",
        "kind_html": "HTML",
        "kind_text": "Text",
        "empty_question": "Please enter a question first.",
        "decimal": ".",
        "notice_label": "Note:",
        "source_word": "Source",
    },
}

LANGUAGES = {"Deutsch": "de", "English": "en"}

#: Markdown syntax characters, written as entities so text can never become Markdown markup.
_MARKDOWN_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_[]#!|~$"}
_MARKER = re.compile(r"(\[\d+\])")
_WORD = re.compile(r"\w+")


def texts(language: str) -> dict[str, str]:
    """UI strings for a language code ("de" or "en"); German for anything else."""
    return TEXTS.get(language, TEXTS["de"])


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
    t = texts(session.language)
    messages: list[dict[str, str]] = []
    for number, turn in enumerate(session.turns, start=1):
        messages.append({"role": "user", "content": escape(turn.question)})
        messages.append({"role": "assistant", "content": turn_html(turn, number, t)})
    return messages


def turn_html(turn: Turn, number: int, t: dict[str, str]) -> str:
    """The assistant's message for one turn, in its current state (searching, streaming, done …)."""
    if turn.status == "error":
        return _box("error", t["error_title"], f"<p>{escape(turn.error)}</p>")
    if turn.answer is not None:
        return answer_html(turn.answer, number, t)
    draft = _body_html(turn.draft, {}) if turn.draft.strip() else ""
    if turn.status == "stopped":
        return f'<div class="answer stopped">{draft}<p class="status">{escape(t["stopped"])}</p></div>'
    if turn.status == "queued":
        status = t["queued"].format(position=turn.queue_position)
    elif turn.status == "answering":
        return f'<div class="answer streaming" aria-busy="true">{draft}<span class="cursor" aria-hidden="true">▍</span></div>'
    else:
        status = t["searching"]
    return f'<div class="answer pending" aria-busy="true"><p class="status">{escape(status)}</p></div>'


def answer_html(answer: Answer, number: int, t: dict[str, str]) -> str:
    """A final answer: notice, text with ``[n]`` linked to the sources panel, refusals set apart.

    Kept on one line so Markdown treats it as a single HTML block.
    """
    targets = {c.n: anchor_id(number, c.n) for c in answer.citations}
    parts: list[str] = []
    if answer.notice:
        parts.append(f'<p class="notice"><strong>{escape(t["notice_label"])}</strong> {escape(answer.notice)}</p>')
    parts.append(_body_html(answer.text, targets, t["source_word"]))
    if answer.unverified_sentences:
        parts.append(f'<p class="notice">{escape(t["unverified"].format(count=answer.unverified_sentences))}</p>')
    seconds = answer.timings.get("total_s")
    meta = t["meta_llm"] if answer.mode == "llm" else t["meta_extractive"]
    if isinstance(seconds, (int, float)):
        meta += " · " + t["seconds"].format(seconds=_number(seconds, t))
    parts.append(f'<p class="meta">{escape(meta)}</p>')
    if answer.refused:
        return _box("refusal", t["refusal_title"], "".join(parts))
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


def _number(value: float, t: dict[str, str]) -> str:
    formatted = f"{value:.1f}" if value >= 1 else f"{value:.2f}"
    return formatted.replace(".", t["decimal"])


# -- sources panel ------------------------------------------------------------------------------------


def sources_html(session: Session) -> str:
    """The sources panel (plain HTML, no Markdown) for the latest turn: numbered sources with page, section, passage."""
    t = texts(session.language)
    heading = f'<h2 class="sources-title">{escape_html(t["sources"])}</h2>'
    if not session.turns:
        return f'<div class="sources">{heading}<p class="placeholder">{escape_html(t["sources_empty"])}</p></div>'
    number = len(session.turns)
    turn = session.turns[-1]
    if turn.status == "error" or (turn.answer is None and turn.status == "stopped"):
        return f'<div class="sources">{heading}<p class="placeholder">{escape_html(t["sources_none"])}</p></div>'
    if turn.answer is None:
        return f'<div class="sources" aria-busy="true">{heading}<p class="placeholder">{escape_html(t["sources_pending"])}</p></div>'
    answer = turn.answer
    body: list[str] = []
    if answer.refused:
        body.append(f'<p class="refusal-note"><strong>{escape_html(t["refusal_title"])}.</strong> {escape_html(t["nearest"])}</p>')
        body.append('<ol class="hits">' + "".join(_hit_item(hit, t) for hit in distinct_sources(answer.retrieved)[:3]) + "</ol>")
    elif not answer.citations:
        body.append(f'<p class="placeholder">{escape_html(t["sources_none"])}</p>')
    else:
        items = "".join(_citation_item(c, number, answer.retrieved, t) for c in answer.citations)
        body.append(f'<ol class="citations">{items}</ol>')
        cited = {(c.source, c.text) for c in answer.citations}
        others = [h for h in answer.retrieved if (h.chunk.source, h.chunk.text) not in cited]
        if others:
            body.append(
                f'<details class="more"><summary>{escape_html(t["more_hits"])} ({len(others)})</summary>'
                f'<ol class="hits">{"".join(_hit_item(h, t) for h in others)}</ol></details>'
            )
    return f'<div class="sources">{heading}{"".join(body)}</div>'


def _citation_item(citation: Citation, number: int, retrieved: Sequence["Hit"], t: dict[str, str]) -> str:
    chunk_id = next((h.chunk.id for h in retrieved if h.chunk.source == citation.source and h.chunk.text == citation.text), None)
    passage_url = document_url(citation.source, chunk_id=chunk_id) if chunk_id else document_url(citation.source)
    if is_pdf(citation.source) and citation.page:
        main_url = document_url(citation.source, page=citation.page)
        main_label = t["open_pdf"].format(page=citation.page)
    else:
        main_url, main_label = passage_url, t["open_passage"]
    links = [_link(main_url, main_label, t, cls="open-source")]
    if main_url != passage_url:
        links.append(_link(passage_url, t["open_passage"], t, cls="open-passage"))
    return (
        f'<li id="{anchor_id(number, citation.n)}" class="source" tabindex="-1">'
        f'<p class="source-head"><span class="num">[{citation.n}]</span> <strong>{escape_html(citation.title)}</strong></p>'
        f'<p class="source-meta">{_meta(citation.page, citation.section, citation.source, t)}</p>'
        f'<blockquote class="passage">{highlight(citation.text, citation.quotes)}</blockquote>'
        f'<p class="source-links">{" · ".join(links)}</p></li>'
    )


def _hit_item(hit: "Hit", t: dict[str, str]) -> str:
    chunk = hit.chunk
    if is_pdf(chunk.source) and chunk.page:
        url, label = document_url(chunk.source, page=chunk.page), t["open_pdf"].format(page=chunk.page)
    else:
        url, label = document_url(chunk.source, chunk_id=chunk.id), t["open_passage"]
    snippet = " ".join(chunk.text.split())
    if len(snippet) > 240:
        snippet = snippet[:240].rsplit(" ", 1)[0] + " …"
    return (
        f'<li class="hit"><strong>{escape_html(chunk.title)}</strong> '
        f'<span class="source-meta">{_meta(chunk.page, chunk.section, chunk.source, t)}</span>'
        f'<br><span class="snippet">{escape_html(snippet)}</span><br>{_link(url, label, t, cls="open-source")}</li>'
    )


def _meta(page: int | None, section: str, source: str, t: dict[str, str]) -> str:
    parts = []
    if page:
        parts.append(f'<span class="page">{escape_html(t["page"])} {page}</span>')
    if section:
        parts.append(f"{escape_html(t['section'])}: {escape_html(section)}")
    parts.append(f'<span class="file">{escape_html(source)}</span>')
    return " · ".join(parts)


def _link(url: str, label: str, t: dict[str, str], cls: str) -> str:
    # The URL is built by document_url from a quoted source name; escaping keeps "&" valid in HTML.
    return (
        f'<a class="{cls}" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
        f'{escape_html(label)}<span class="visually-hidden"> {escape_html(t["new_window"])}</span></a>'
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
    t = texts(language)
    rows: list[list[str | int]] = []
    for record in sorted(records, key=lambda r: (r.title.lower(), r.source)):
        rows.append([
            record.title,
            t.get(f"kind_{record.kind}", record.kind),
            record.pages if record.pages else "–",
            len(record.chunk_ids),
            format_timestamp(record.indexed_at, language),
            record.source,
        ])
    return rows


def document_headers(language: str) -> list[str]:
    """Column headers matching :func:`document_rows`."""
    t = texts(language)
    return [t["col_title"], t["col_kind"], t["col_pages"], t["col_chunks"], t["col_indexed"], t["col_source"]]


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
    """A model as shown in the status tab; ``origin`` is a key of the "origin_*" texts."""

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


def collect_status(app: "App") -> StatusInfo:
    """Gather the status of an app without loading any model."""
    from ..models import resolve_embedder

    embedder = ModelInfo(app.embedder.name, "external", None)
    try:
        resolved = resolve_embedder(app.settings)
        if resolved.name == app.embedder.name:
            embedder = ModelInfo(resolved.name, resolved.origin, resolved.size_bytes)
    except AssistantError:
        pass  # an injected embedder (tests, benchmarks) has no resolvable origin
    llm = ModelInfo(app.llm.name, app.llm.origin, app.llm.size_bytes) if app.llm is not None else None
    if llm is None and app.answerer.default_mode == "llm":
        llm = ModelInfo("—", "external", None)
    records = list(app.index.manifest.documents.values()) if app.index.manifest else []
    return StatusInfo(
        embedder=embedder,
        llm=llm,
        default_mode=app.answerer.default_mode,
        documents=len(records),
        pages=sum(r.pages or 0 for r in records),
        chunks=sum(len(r.chunk_ids) for r in records),
        models_dir=str(app.settings.models_dir),
    )


def status_html(info: StatusInfo, language: str) -> str:
    """The status tab: models (name, size, origin), default mode, index size, help on better models."""
    t = texts(language)

    def model_row(label: str, model: ModelInfo | None, empty: str) -> str:
        if model is None:
            return f"<tr><th scope=\"row\">{escape_html(label)}</th><td>{escape_html(empty)}</td></tr>"
        details = [f"{t['source']}: {t.get('origin_' + model.origin, model.origin)}"]
        if model.size_bytes:
            details.append(f"{t['size']}: {format_size(model.size_bytes, language)}")
        return (
            f"<tr><th scope=\"row\">{escape_html(label)}</th><td><strong>{escape_html(model.name)}</strong><br>"
            f"{escape_html(' · '.join(details))}</td></tr>"
        )

    mode = t["mode_llm"] if info.default_mode == "llm" else t["mode_extractive"]
    counts = t["index_counts"].format(documents=info.documents, pages=info.pages, chunks=info.chunks)
    return (
        f'<div class="status"><h2>{escape_html(t["status_heading"])}</h2><table>'
        + model_row(t["embedder"], info.embedder, "")
        + model_row(t["llm"], info.llm, t["llm_none"])
        + f"<tr><th scope=\"row\">{escape_html(t['default_mode'])}</th><td>{escape_html(mode)}</td></tr>"
        + f"<tr><th scope=\"row\">{escape_html(t['index_size'])}</th><td>{escape_html(counts)}</td></tr>"
        + f'</table><h2>{escape_html(t["help_heading"])}</h2><p>{escape_html(t["help"].format(models=info.models_dir))}</p></div>'
    )


def format_size(size_bytes: int, language: str) -> str:
    """Bytes as "253 MB" / "1,2 GB" (decimal units)."""
    value, unit = (size_bytes / 1e9, "GB") if size_bytes >= 1e9 else (size_bytes / 1e6, "MB")
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return (text.replace(".", ",") if language == "de" else text) + f" {unit}"
