"""Document loaders and text cleaning: PDF, Markdown, HTML and plain text into structured blocks.

Every loader returns a :class:`Document` whose blocks are cleaned text units in reading order, each
with the heading path ("section") that governs it and, for PDFs, its 1-based page. Cleaning is
shared by all formats: Unicode NFC, ligatures expanded, soft hyphens, zero-width and control
characters removed, non-breaking spaces made plain, runs of whitespace collapsed.

PDF is the hard case, because a text layer has neither paragraphs nor headings. They are rebuilt
from line geometry and fonts (pypdf's ``visitor_text``) plus numbering patterns:

* running headers/footers are lines that recur at the same height on many pages (digits may vary:
  "Seite 3 von 45", "- 4 -"); a lone page number in the margin goes as well;
* headings are short lines set bold or larger than the body text, or short lines that start with a
  section number ("2.2 …", "§ 1 …", "Abschnitt 1 …") after a paragraph break;
* paragraphs end at vertical gaps, column changes, list markers and short sentence-final lines;
* hyphenated line ends are joined ("Förder-" + "richtlinie") unless the hyphen belongs to a compound
  ("KI-Projekte") or an elided enumeration ("Forschungs- und Umsetzungsprojekte").
"""

from __future__ import annotations

import codecs
import html
import io
import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from .errors import DocumentError

BlockKind = Literal["heading", "paragraph", "list_item", "table"]


@dataclass(frozen=True)
class Block:
    """One structural unit of a document, in reading order.

    ``section`` is the heading path that governs the block, outermost first, e.g.
    ("KAPITEL IV – Verantwortlicher", "Artikel 35 – Datenschutz-Folgenabschätzung"). A heading block
    carries its own path including itself. ``page`` is 1-based for paginated sources, else None.
    """

    text: str
    kind: BlockKind
    section: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Document:
    """A loaded, cleaned document."""

    source: str  # path relative to the corpus root, with forward slashes
    title: str
    kind: Literal["pdf", "markdown", "html", "text"]
    blocks: tuple[Block, ...]
    pages: int | None = None  # number of pages for PDFs
    metadata: dict[str, str] = field(default_factory=dict)  # publisher, date, language, ...


SUPPORTED_SUFFIXES = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "text"}


def load_document(path: Path, source: str | None = None) -> Document:
    """Load and clean one file; raises DocumentError with a specific message when it cannot be read."""
    path = Path(path)
    name = source or path.name
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(
            f"{name}: Dateityp {path.suffix or '(ohne Endung)'} wird nicht unterstützt – "
            f"unterstützt werden {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(
            f"{name}: Datei kann nicht gelesen werden ({exc.strerror or exc}) – bitte Pfad und Zugriffsrechte prüfen."
        ) from exc
    if not data.strip():
        raise DocumentError(f"{name}: Die Datei ist leer – bitte eine Fassung mit Inhalt ablegen oder die Datei entfernen.")
    if kind == "pdf":
        document = _load_pdf(data, name, path.stem)
    else:
        text = decode_text(data, name)
        loaders: dict[str, Callable[[str, str, str], Document]] = {
            "markdown": _load_markdown,
            "html": _load_html,
            "text": _load_text,
        }
        document = loaders[kind](text, name, path.stem)
    if not document.blocks:
        raise DocumentError(
            f"{name}: enthält nach der Bereinigung keinen Text (nur Markup, Leerzeilen oder Navigation) – "
            "bitte den Inhalt prüfen."
        )
    return document


# --------------------------------------------------------------------------------------------
# Text cleaning shared by all formats
# --------------------------------------------------------------------------------------------

_CHAR_MAP: dict[int, str | None] = {
    **{ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"},
    **{ord(c): None for c in "\u00ad\u200b\u2060\ufeff"},
    **{ord(k): v for k, v in {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}.items()},
}
# C0/C1 control characters except tab and newline (form feed and carriage returns are newlines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
_SPACE_AFTER_OPENING = re.compile(r"([(\[])\s+")
_SPACE_BEFORE_CLOSING = re.compile(r"\s+([)\],;])")


def normalize_text(text: str) -> str:
    """NFC, ligatures expanded, soft hyphens/zero-width characters dropped, odd spaces made plain.

    Line structure is kept: CR/LF and form feeds become ``\\n``, tabs stay, other control characters
    are removed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = unicodedata.normalize("NFC", text).translate(_CHAR_MAP)
    return _CONTROL.sub("", text)


def tidy(text: str) -> str:
    """One line of clean text: whitespace collapsed, no stray spaces inside brackets or before commas.

    Scraped pages often pad abbreviations ("(  BMFSFJ  )", "(  EU  , Euratom)"); those spaces go.
    """
    text = _WHITESPACE.sub(" ", normalize_text(text)).strip()
    text = _SPACE_AFTER_OPENING.sub(r"\1", text)
    return _SPACE_BEFORE_CLOSING.sub(r"\1", text)


# Words after which an elided hyphen stays with its space: "Forschungs- und Umsetzungsprojekte".
_ENUMERATION_WORDS = {
    "und", "oder", "bzw", "sowie", "bis", "als", "wie", "noch", "u", "beziehungsweise", "respektive",
    "resp", "and", "or", "nor", "to",
}
# Words that cannot end a heading or a paragraph: the line continues on the next one.
_FUNCTION_WORDS = {
    "der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem", "einen", "und",
    "oder", "sowie", "bzw.", "für", "von", "vom", "zu", "zur", "zum", "mit", "in", "im", "an", "am", "auf",
    "aus", "bei", "beim", "nach", "über", "unter", "um", "durch", "gegen", "ohne", "als", "wie", "dass",
    "ob", "wenn", "weil", "sich", "nicht", "auch", "ist", "sind", "wird", "werden", "kann", "können",
    "soll", "sollen", "muss", "müssen", "hat", "haben", "deren", "dessen", "welche", "welcher", "pro", "je",
    "per", "bis", "gemäß", "laut", "seit", "vor", "zwischen", "bzw", "sowohl", "weder", "entweder", "the",
    "of", "and", "or", "to", "a", "for", "with", "by", "on", "is", "are",
}
# Abbreviations after which a line-final period does not end a sentence.
_ABBREVIATIONS = {
    "abs", "art", "bzw", "ca", "dr", "prof", "vgl", "nr", "ggf", "inkl", "zzgl", "evtl", "bspw", "sog", "gem",
    "lit", "buchst", "kap", "abschn", "anh", "mio", "mrd", "st", "str", "tel", "hrsg", "rd", "rn", "z.b", "d.h",
    "u.a", "bzgl", "i.v.m", "e.v", "s", "ff", "f",
}
_HYPHEN_END = re.compile(r"([^\W_]+)[-\u2010]$")
_FIRST_TOKEN = re.compile(r"[^\s,;:]+")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class _Vocabulary:
    """Word forms seen in a document, to decide whether a line-end hyphen is a real one."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.hyphenated: set[str] = set()
        self.plain: set[str] = set()
        for line in lines:
            for word in _WORDS.findall(line):
                (self.hyphenated if "-" in word else self.plain).add(word.lower())

    def prefers_hyphen(self, stem: str, continuation: str) -> bool:
        """True when "stem-continuation" occurs inside lines and "stemcontinuation" does not."""
        joined = f"{stem}{continuation}".lower()
        return f"{stem}-{continuation}".lower() in self.hyphenated and joined not in self.plain


def join_lines(lines: Sequence[str], vocabulary: _Vocabulary | None = None) -> str:
    """Join the lines of one paragraph, undoing end-of-line hyphenation (see :func:`_join_pair`)."""
    text = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        text = _join_pair(text, line, vocabulary) if text else line
    return text


def _join_pair(left: str, right: str, vocabulary: _Vocabulary | None) -> str:
    """Join two consecutive lines.

    A soft hyphen at the end always joins. A hyphen joins without space only where it splits one
    word: it stays before an enumeration word ("Forschungs- und"), before a capital or digit
    ("KI-Anwendungen", "Coding-Studie"), after an acronym or digit ("KI-basiert", "5G-fähig"), and
    where the document spells the hyphenated form elsewhere.
    """
    if left.endswith("\u00ad"):
        return left[:-1] + right
    match = _HYPHEN_END.search(left)
    if match is None:
        return f"{left} {right}"
    stem = match.group(1)
    token_match = _FIRST_TOKEN.match(right)
    token = token_match.group(0) if token_match else right
    first = right[0]
    if first in ",;":
        return left + right  # "Versuchs-" + ", Untersuchungs-"
    if token.rstrip(".").lower() in _ENUMERATION_WORDS:
        return f"{left} {right}"
    if first.isupper() or first.isdigit():
        # All-caps headings are hyphenated mid-word too: "GEMEINWOHL-" + "ORIENTIERTER".
        word = re.match(r"[^\W\d_]+", token)
        if stem.isupper() and len(stem) >= 4 and word and word.group(0).isupper() and len(word.group(0)) >= 4:
            return left[:-1] + right
        return left + right
    if first.islower():
        if stem[-1].isupper() or stem[-1].isdigit():
            return left + right
        continuation = re.match(r"[^\W\d_]+", token)
        if vocabulary and continuation and vocabulary.prefers_hyphen(stem, continuation.group(0)):
            return left + right
        return left[:-1] + right
    return left + right


def _ends_sentence(text: str) -> bool:
    """The text ends like a sentence or a clause (".", "!", "?", ":", ";"), closing quotes ignored.

    An abbreviation ("z.", "Abs.", "Nr.") or a single letter with a period does not end a sentence.
    """
    stripped = text.rstrip().rstrip("\"'“”„»«’)")
    if not stripped or stripped[-1] not in ".!?:;…":
        return False
    if stripped.endswith("."):
        last = stripped.rsplit(None, 1)[-1].rstrip(".").lower()
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            return False
    return True


def _ends_open(text: str) -> bool:
    """The text evidently continues on the next line (hyphen, comma, article, preposition, ...)."""
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped[-1] in ",\u00ad" or _HYPHEN_END.search(stripped):
        return True
    last = stripped.rsplit(None, 1)[-1].lower()
    return last in _FUNCTION_WORDS


# --------------------------------------------------------------------------------------------
# Text decoding (Markdown, HTML, plain text)
# --------------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else a legacy code page.

    Raises DocumentError for binary data. Legacy files are read as CP1252 (a superset of Latin-1 for
    printable characters) when that decodes cleanly: charset-normalizer guesses CP1250 or even CP1006
    for short German texts. charset-normalizer decides only when CP1252 cannot decode the bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data):
        raise DocumentError(
            f"{name}: enthält Binärdaten und ist keine Textdatei – bitte eine Text-, Markdown- oder "
            "HTML-Datei in UTF-8 ablegen (oder die Datei umbenennen, falls die Endung falsch ist)."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(sample)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


@dataclass
class _Line:
    """One text line of a PDF page with the geometry of its first glyph run (None when unknown)."""

    text: str
    x: float | None
    y: float | None
    size: float
    bold: bool
    wide_gaps: int = 0  # runs of 2+ spaces after the first word: the mark of a justified line


@dataclass
class _Layout:
    """Typography of a PDF's body text, the yardstick for headings and paragraph breaks."""

    body_size: float
    bold_is_body: bool
    full_line: float  # characters in a typical full-width line
    pitch: float | None  # baseline distance of body lines

    def expected_pitch(self, size: float) -> float | None:
        if self.pitch is None:
            return None
        return self.pitch * max(size, 1.0) / max(self.body_size, 1.0)


@dataclass
class _Heading:
    text: str
    style: tuple[float, bool] | None  # None: body-styled heading recognised by its numbering
    sublevel: int
    numbered: bool


@dataclass
class _Draft:
    kind: BlockKind
    lines: list[str]
    section: tuple[str, ...]
    page: int
    marker: str | None = None
    x: float | None = None
    text: str = ""


_PAGE_NUMBER = re.compile(
    r"^[-–—‒(\[]?\s*(?:(?:seite|page|s\.)\s*)?\d{1,4}\s*(?:(?:von|of|/|aus)\s*\d{1,4})?\s*[-–—‒)\]]?$", re.IGNORECASE
)
_TOC_LEADER = re.compile(r"(?:\s*\.){4,}\s*\d*\s*$|\s*…{2,}\s*\d*\s*$")
_KERNED_NUMBER = re.compile(r"^([\d.]*\d) \.")
_SPACE_BEFORE_PERIOD = re.compile(r"(?<=[^\W_]) \.(?=[^\W_]|\s|$)")  # "e .V ." from kerned text
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=[A-ZÄÖÜ„\"'(§])")
_LEGAL_HEADING = re.compile(
    r"^(?:(?P<para>§{1,2})\s*\d+[a-z]?\b|(?P<art>Art(?:ikel|\.)?)\s*\d+[a-z]?\b"
    r"|(?P<kw>Teil|Buch|Kapitel|Abschnitt|Unterabschnitt|Titel|Anlage|Anhang)\s+(?:[IVXLC]+|\d+[a-z]?)\b)",
    re.IGNORECASE,
)
_LEGAL_SUBLEVEL = {
    "teil": 1, "buch": 1, "anlage": 1, "anhang": 1, "kapitel": 2, "abschnitt": 3, "unterabschnitt": 4,
    "titel": 5, "§": 6, "art": 6,
}
_BULLET = re.compile(r"^(?P<m>[•●▪◦‣∙·■□➢►▸✓✔*]|[-–—])\s+")
_ENUMERATED = re.compile(r"^(?P<m>\(?\d{1,3}[.)]|\(?[a-z]{1,2}\)|\([ivx]{1,4}\))\s+")
_ABSATZ = re.compile(r"^\(\d{1,3}[a-z]?\)\s+")


def _load_pdf(data: bytes, name: str, stem: str) -> Document:
    """Adapter around pypdf: every failure of the parser becomes a DocumentError naming the file."""
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(
            f"{name}: ist keine PDF-Datei (die Kennung %PDF fehlt; beschädigter Download oder falsche "
            "Endung) – bitte die Originaldatei erneut herunterladen oder exportieren."
        )
    # pypdf raises many exception types on damaged files; each one means "this PDF is unreadable".
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise DocumentError(
            f"{name}: PDF ist beschädigt und kann nicht gelesen werden ({type(exc).__name__}: {exc}) – "
            "bitte die Datei neu exportieren oder herunterladen."
        ) from exc
    if encrypted:
        try:
            decrypted = reader.decrypt("")  # owner-password-only PDFs open with an empty password
        except Exception as exc:
            raise DocumentError(
                f"{name}: PDF ist verschlüsselt und lässt sich nicht entschlüsseln ({exc}) – bitte eine "
                "ungeschützte Fassung ablegen."
            ) from exc
        if not decrypted:
            raise DocumentError(
                f"{name}: PDF ist passwortgeschützt – bitte eine Fassung ohne Kennwort ablegen "
                "(z. B. im PDF-Programm entsperren und neu speichern)."
            )
    try:
        page_objects = list(reader.pages)
        pages = [_page_lines(page) for page in page_objects]
        boxes = [(float(page.mediabox.bottom), float(page.mediabox.height)) for page in page_objects]
        info = reader.metadata
        meta = {
            "title": str(info.title or "") if info else "",
            "author": str(info.author or "") if info else "",
            "subject": str(info.subject or "") if info else "",
        }
    except Exception as exc:
        raise DocumentError(
            f"{name}: PDF ist beschädigt, der Text lässt sich nicht auslesen ({type(exc).__name__}: {exc}) – "
            "bitte die Datei neu exportieren oder herunterladen."
        ) from exc
    if not page_objects:
        raise DocumentError(f"{name}: PDF enthält keine Seiten – bitte die Datei neu exportieren.")
    if not any(pages):
        raise DocumentError(
            f"{name}: PDF enthält keinen Textlayer (gescanntes Bild?) – bitte OCR anwenden "
            "(z. B. „ocrmypdf eingabe.pdf ausgabe.pdf“) und die erkannte Fassung ablegen."
        )
    pages = _strip_running_lines(pages, boxes)
    blocks = _pdf_blocks(pages)
    title = _usable_pdf_title(meta["title"]) or next((b.text for b in blocks if b.kind == "heading"), "") or stem
    metadata = {key: tidy(value) for key, value in meta.items() if key != "title" and tidy(value)}
    return Document(source=name, title=title, kind="pdf", blocks=tuple(blocks), pages=len(page_objects), metadata=metadata)


def _usable_pdf_title(raw: str) -> str:
    """The metadata title unless it is empty or a leftover file name ("Microsoft Word - x.docx")."""
    title = tidy(raw)
    if re.match(r"(?i)^microsoft (word|powerpoint) - ", title) or re.search(r"(?i)\.(docx?|pdf|indd|tex|odt|pptx?)$", title):
        return ""
    if title.lower() in {"untitled", "unbenannt", "ohne titel", "title", "titel"} or not re.search(r"[^\W\d_]{2}", title):
        return ""
    return title


def _page_lines(page: Any) -> list[_Line]:
    """The page's text lines as pypdf extracts them, each with position, font size and weight.

    pypdf hands every glyph run to ``visitor_text``; the runs concatenate to exactly the text of
    ``extract_text()``, so splitting them at newlines gives lines with their typography.
    """
    runs: list[list[tuple[str, float | None, float | None, float, bool]]] = [[]]

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, font_size: float) -> None:
        if not text:
            return
        x, y, scale = _position(cm, tm)
        size = abs(float(font_size or 0.0) * scale)
        bold = _is_bold(font)
        for index, piece in enumerate(text.split("\n")):
            if index:
                runs.append([])
            if piece:
                runs[-1].append((piece, x if index == 0 else None, y if index == 0 else None, size, bold))

    page.extract_text(visitor_text=visit)
    lines: list[_Line] = []
    for pieces in runs:
        visible = [piece for piece in pieces if piece[0].strip()]
        if not visible:
            continue
        sizes: Counter[float] = Counter()
        bold_chars = total = 0
        for text, _, _, size, bold in visible:
            count = len(text.strip())
            sizes[round(size * 2) / 2] += count
            total += count
            bold_chars += count if bold else 0
        raw = "".join(piece[0] for piece in pieces).rstrip()
        wide_gaps = len(re.findall(r"\S {2,}(?=\S)", raw.strip().split(" ", 1)[-1]))
        text = _WHITESPACE.sub(" ", normalize_text(raw)).strip()
        while _KERNED_NUMBER.match(text):  # "2 .2 Aufwandsgerechte …", "1 . Das …"
            text = _KERNED_NUMBER.sub(r"\1.", text, count=1)
        if not text:
            continue
        if raw.endswith("\u00ad"):
            text += "\u00ad"  # a soft hyphen at the line end marks a hyphenation point: join without space
        size = sizes.most_common(1)[0][0]
        lines.append(_Line(text, visible[0][1], visible[0][2], size, bold_chars >= 0.6 * total, wide_gaps))
    return lines


def _position(cm: Sequence[float], tm: Sequence[float]) -> tuple[float, float, float]:
    """Page coordinates of a text run and the vertical scale of text space (font size multiplier)."""
    a, b, c, d, e, f = (float(value) for value in tm)
    ca, cb, cc, cd, ce, cf = (float(value) for value in cm)
    x = e * ca + f * cc + ce
    y = e * cb + f * cd + cf
    scale = math.hypot(c * ca + d * cc, c * cb + d * cd)
    return x, y, scale


def _is_bold(font: Any) -> bool:
    if not font:
        return False
    try:
        name = str(font.get("/BaseFont", "")).lower()
        if any(mark in name for mark in ("bold", "black", "heavy", "semibold", "demi")):
            return True
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else None
        weight = descriptor.get("/FontWeight") if descriptor is not None else None
        return weight is not None and float(weight) >= 600
    except (AttributeError, TypeError, ValueError):  # malformed font dictionaries: treat as regular
        return False


def _furniture_key(text: str) -> str:
    return _WHITESPACE.sub(" ", re.sub(r"\d+", "#", text.lower())).strip()


def _strip_running_lines(pages: list[list[_Line]], boxes: list[tuple[float, float]]) -> list[list[_Line]]:
    """Drop running headers/footers and page numbers.

    A line is furniture when it sits in the top or bottom margin and the same text (digits ignored)
    recurs at the same height on at least 30 % of the pages (minimum two). Lines without a known
    position count as "in the margin" when they are among the first or last three of their page.
    A lone page number ("3", "- 4 -", "Seite 3 von 45") in the margin goes even if it occurs once.
    """

    def in_margin(page: int, index: int, line: _Line, edge: int) -> bool:
        if line.y is not None:
            bottom, height = boxes[page]
            relative = (line.y - bottom) / height if height else 0.5
            return relative > 0.88 or relative < 0.1
        return index < edge or index >= len(pages[page]) - edge

    hits: dict[str, list[tuple[int, int, float | None]]] = defaultdict(list)
    remove: set[tuple[int, int]] = set()
    for page, lines in enumerate(pages):
        for index, line in enumerate(lines):
            if in_margin(page, index, line, 3):
                hits[_furniture_key(line.text)].append((page, index, line.y))
            if _PAGE_NUMBER.match(line.text) and in_margin(page, index, line, 2):
                remove.add((page, index))
    min_pages = max(2, math.ceil(0.3 * len(pages)))
    for key, occurrences in hits.items():
        if not re.search(r"\w", key):
            continue
        for cluster in _height_clusters(occurrences):
            if len({page for page, _, _ in cluster}) >= min_pages:
                remove.update((page, index) for page, index, _ in cluster)
    return [[line for index, line in enumerate(lines) if (page, index) not in remove] for page, lines in enumerate(pages)]


def _height_clusters(
    occurrences: list[tuple[int, int, float | None]], tolerance: float = 3.0
) -> list[list[tuple[int, int, float | None]]]:
    """Group occurrences by vertical position (within ``tolerance`` points); unknown positions together."""
    clusters: list[list[tuple[int, int, float | None]]] = []
    unknown = [hit for hit in occurrences if hit[2] is None]
    if unknown:
        clusters.append(unknown)
    anchor: float | None = None
    for hit in sorted((hit for hit in occurrences if hit[2] is not None), key=lambda hit: hit[2] or 0.0):
        height = hit[2] or 0.0
        if anchor is None or height - anchor > tolerance:
            clusters.append([])
            anchor = height
        clusters[-1].append(hit)
    return clusters


def _measure_layout(pages: list[list[_Line]]) -> _Layout:
    sizes: Counter[float] = Counter()
    bold_chars = total = 0
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
            total += len(line.text)
            bold_chars += len(line.text) if line.bold else 0
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    lengths = sorted(
        len(line.text) for lines in pages for line in lines if abs(line.size - body_size) < 0.6 and len(line.text) >= 10
    )
    full_line = float(lengths[int(0.9 * (len(lengths) - 1))]) if len(lengths) >= 5 else 80.0
    pitches = [
        previous.y - line.y
        for lines in pages
        for previous, line in zip(lines, lines[1:])
        if previous.y is not None and line.y is not None and abs(previous.size - body_size) < 0.6
        and abs(line.size - body_size) < 0.6 and 0.5 * body_size < previous.y - line.y < 3 * body_size
    ]
    pitch = statistics.median(pitches) if len(pitches) >= 3 else None
    return _Layout(body_size, total > 0 and bold_chars > 0.5 * total, full_line, pitch)


def _is_styled(line: _Line, layout: _Layout) -> bool:
    """Set apart from body text: clearly larger, or bold (unless the body itself is bold)."""
    if line.size >= layout.body_size * 1.15:
        return True
    return line.bold and not layout.bold_is_body and line.size >= layout.body_size - 0.6


def _gap(previous: _Line, line: _Line, layout: _Layout) -> bool:
    """A paragraph break by geometry: extra vertical space, a jump upwards (new column) or a size change."""
    if abs(previous.size - line.size) > 1.0:
        return True
    if previous.y is None or line.y is None:
        return False
    distance = previous.y - line.y
    expected = layout.expected_pitch(max(previous.size, line.size))
    if distance < -1.0:
        return True
    return expected is not None and distance > 1.25 * expected


def _is_toc_entry(text: str) -> bool:
    return bool(_TOC_LEADER.search(text)) and bool(re.search(r"[^\W\d_]{2}", text))


def _heading_structure(text: str) -> tuple[bool, int]:
    """(numbered, sublevel) of a heading: legal units rank by their keyword, numbers by their depth."""
    legal = _LEGAL_HEADING.match(text)
    if legal and (text[0].isupper() or text[0] == "§"):
        keyword = legal.group("para") or legal.group("art") or legal.group("kw") or ""
        key = "§" if keyword.startswith("§") else ("art" if keyword.lower().startswith("art") else keyword.lower())
        return True, _LEGAL_SUBLEVEL.get(key, 6)
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        return True, numbered.group(1).count(".") + 1
    return False, 1


def _heading_text(lines: Sequence[str], vocabulary: _Vocabulary) -> str:
    text = _SPACE_BEFORE_PERIOD.sub(".", tidy(join_lines(lines, vocabulary)))
    return text.rstrip(":").rstrip()


def _plausible_heading(text: str) -> bool:
    if not 2 <= len(text) <= 200 or not re.search(r"[^\W\d_]{2}", text):
        return False
    if text.rstrip().endswith((",", ";", ".")) or _BULLET.match(text):
        return False
    return not _ends_open(text)


def _pdf_events(lines: list[_Line], layout: _Layout, vocabulary: _Vocabulary) -> list[_Heading | _Line | str]:
    """Classify a page's lines: headings (merged over their lines), TOC entries (str) and text lines."""
    events: list[_Heading | _Line | str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        previous = lines[index - 1] if index else None
        boundary = (
            previous is None
            or (bool(events) and isinstance(events[-1], (_Heading, str)))
            or _gap(previous, line, layout)
            or _ends_sentence(previous.text)
        )
        if _is_toc_entry(line.text):
            entry = tidy(_TOC_LEADER.sub("", line.text))
            events.append(_SPACE_BEFORE_PERIOD.sub(".", entry))
            index += 1
            continue
        if boundary:
            heading, consumed = _styled_heading(lines, index, layout, vocabulary)
            if heading is None:
                heading, consumed = _numbered_heading(lines, index, layout, vocabulary)
            if heading is not None:
                events.append(heading)
                index += consumed
                continue
        events.append(line)
        index += 1
    return events


def _continues_after(lines: list[_Line], end: int, layout: _Layout) -> bool:
    """The line after a heading candidate evidently continues its sentence (lower-case, no gap)."""
    if end >= len(lines):
        return False
    following = lines[end]
    return following.text[:1].islower() and not _marker(following.text) and not _gap(lines[end - 1], following, layout)


def _styled_heading(lines: list[_Line], index: int, layout: _Layout, vocabulary: _Vocabulary) -> tuple[_Heading | None, int]:
    first = lines[index]
    starts_lower = first.text[0].isalpha() and not first.text[0].isupper()
    if not _is_styled(first, layout) or _BULLET.match(first.text) or starts_lower:
        return None, 0
    group = [first]
    end = index + 1
    while (
        end < len(lines)
        and _is_styled(lines[end], layout)
        and abs(lines[end].size - first.size) < 0.6
        and lines[end].bold == first.bold
        and not _is_toc_entry(lines[end].text)
        and not _gap_for_heading(lines[end - 1], lines[end])
        and sum(len(line.text) for line in group) + len(lines[end].text) <= 200
    ):
        group.append(lines[end])
        end += 1
    text = _heading_text([line.text for line in group], vocabulary)
    if not _plausible_heading(text) or _continues_after(lines, end, layout):
        return None, 0
    numbered, sublevel = _heading_structure(text)
    if group[-1].text.rstrip().endswith(":") and not numbered:
        return None, 0  # a run-in label ("ORGANISATION:", "Darum ist das wichtig:") starts its paragraph
    # "2.1 Förderschwerpunkt 1:" followed by its subtitle in body type, then a paragraph break.
    if group[-1].text.rstrip().endswith(":") and end < len(lines):
        subtitle = lines[end]
        subtitle_text = tidy(subtitle.text)
        following = lines[end + 1] if end + 1 < len(lines) else None
        if (
            (following is None or following.y is None or subtitle.y is None or _gap(subtitle, following, layout))
            and subtitle_text[:1].isupper()
            and len(subtitle_text) <= 0.85 * layout.full_line
            and not _ends_sentence(subtitle_text)
            and not subtitle_text.endswith(",")
            and not _ends_open(subtitle_text)
            and not _continues_after(lines, end + 1, layout)
        ):
            text = f"{text}: {_heading_text([subtitle.text], vocabulary)}"
            end += 1
    return _Heading(text, (first.size, first.bold), sublevel, numbered), end - index


def _gap_for_heading(previous: _Line, line: _Line) -> bool:
    """Lines of one multi-line heading sit at most ~1.6 font sizes apart."""
    if previous.y is None or line.y is None:
        return False
    distance = previous.y - line.y
    return distance < -1.0 or distance > 1.6 * max(previous.size, line.size)


def _numbered_heading(lines: list[_Line], index: int, layout: _Layout, vocabulary: _Vocabulary) -> tuple[_Heading | None, int]:
    """A body-type line that starts with a section number ("2.2 …", "§ 3 …") and is short.

    Full-width justified lines ("5.6  Das  Bundesamt  …  als") are numbered paragraphs, not
    headings; a label wrapped over a few short lines ("1. Mangel an" / "digitaler Infrastruktur")
    is merged.
    """
    first = lines[index]
    text = first.text
    if abs(first.size - layout.body_size) >= 0.6:
        return None, 0  # footnotes, captions and marginalia are not in body type
    if not (_NUMBERED_HEADING.match(text) or (_LEGAL_HEADING.match(text) and (text[0].isupper() or text[0] == "§"))):
        return None, 0
    if len(text) > min(120.0, 0.85 * layout.full_line) or first.wide_gaps >= 2:
        return None, 0
    group = [first]
    end = index + 1
    while (
        end < len(lines)
        and len(group) < 6
        and len(lines[end].text) < 0.5 * layout.full_line
        and not _gap(lines[end - 1], lines[end], layout)
        and not _is_styled(lines[end], layout)
        and not _marker(lines[end].text)
        and not _NUMBERED_HEADING.match(lines[end].text)
        and not _LEGAL_HEADING.match(lines[end].text)
        and not _ends_sentence(group[-1].text)
    ):
        group.append(lines[end])
        end += 1
    joined = _heading_text([line.text for line in group], vocabulary)
    if len(joined) > 140 or not _plausible_heading(joined) or _continues_after(lines, end, layout):
        return None, 0
    numbered, sublevel = _heading_structure(joined)
    return _Heading(joined, None, sublevel, numbered), end - index


def _marker(text: str) -> str | None:
    """The kind of list marker a line starts with: "bullet", "dash", "enum", "absatz" or None."""
    if _ABSATZ.match(text):
        return "absatz"
    bullet = _BULLET.match(text)
    if bullet:
        return "dash" if bullet.group("m") in "-–—" else "bullet"
    if _ENUMERATED.match(text):
        return "enum"
    return None


def _pdf_blocks(pages: list[list[_Line]]) -> list[Block]:
    """Headings, paragraphs and list items of all pages, with section paths and page numbers."""
    layout = _measure_layout(pages)
    vocabulary = _Vocabulary([line.text for lines in pages for line in lines])
    events = [_pdf_events(lines, layout, vocabulary) for lines in pages]

    # Heading levels: styles rank by size (bold first); body-type numbered headings come below all
    # styled ones. A style seen only on the first page in the largest size is the cover title and
    # does not open a section.
    styles: dict[tuple[float, bool], set[int]] = defaultdict(set)
    for page, page_events in enumerate(events):
        for event in page_events:
            if isinstance(event, _Heading) and event.style is not None:
                styles[event.style].add(page)
    ranking = sorted(styles, key=lambda style: (-style[0], not style[1]))
    rank = {style: position for position, style in enumerate(ranking)}
    cover_style = ranking[0] if ranking and styles[ranking[0]] == {0} and len(ranking) > 1 else None

    stack: list[tuple[int, int, bool, str]] = []
    drafts: list[_Draft] = []
    toc: _TableOfContents | None = None
    for page, page_events in enumerate(events):
        page_drafts: list[_Draft] = []
        current: _Draft | None = None
        previous: _Line | None = None
        for event in page_events:
            if toc is not None:
                style_rank = rank.get(event.style) if isinstance(event, _Heading) and event.style is not None else None
                if toc.takes(event, page, style_rank):
                    toc.add(event, page_drafts, page + 1)
                    current, previous = None, None
                    continue
                toc = None
            if isinstance(event, _Heading):
                current, previous = None, None
                if event.style is not None and event.style == cover_style:
                    page_drafts.append(_Draft("heading", [event.text], (event.text,), page + 1))
                    continue
                level = rank.get(event.style, len(ranking)) if event.style is not None else len(ranking)
                sublevel = event.sublevel
                if not event.numbered:
                    # An unnumbered heading inside a numbered section of the same style is its subsection.
                    numbered_parents = [entry for entry in stack if entry[0] == level and entry[2]]
                    if numbered_parents:
                        sublevel = numbered_parents[-1][1] + 1
                while stack and (stack[-1][0], stack[-1][1]) >= (level, sublevel):
                    stack.pop()
                stack.append((level, sublevel, event.numbered, event.text))
                path = tuple(entry[3] for entry in stack)
                page_drafts.append(_Draft("heading", [event.text], path, page + 1))
                if _TOC_TITLE.match(event.text):
                    toc = _TableOfContents(path, page, level)
                continue
            section = tuple(entry[3] for entry in stack)
            if isinstance(event, str):
                current, previous = None, None
                page_drafts.append(_Draft("list_item", [event], section, page + 1))
                continue
            line = event
            if current is None or previous is None or _starts_block(current, previous, line, layout):
                marker = _marker(line.text)
                kind: BlockKind = "list_item" if marker in ("bullet", "dash", "enum") else "paragraph"
                current = _Draft(kind, [line.text], section, page + 1, marker, line.x)
                page_drafts.append(current)
            else:
                current.lines.append(line.text)
            previous = line
        for draft in page_drafts:
            draft.text = _block_text(draft, vocabulary)
        _carry_split_word(drafts, page_drafts, vocabulary)
        drafts.extend(page_drafts)
    return [
        Block(draft.text, draft.kind, draft.section, draft.page)
        for draft in drafts
        if draft.text and re.search(r"[^\W\d_]", draft.text)
    ]


_TOC_TITLE = re.compile(
    r"^(?:inhaltsverzeichnis|inhaltsübersicht|inhalt|gliederung|table of contents|contents)$", re.IGNORECASE
)


class _TableOfContents:
    """Entries after a "Inhaltsverzeichnis" heading become list items instead of opening sections.

    The table ends at the first heading that repeats one of its entries (the body starts), at a
    heading set larger than the table's own title, or after six pages.
    """

    def __init__(self, section: tuple[str, ...], page: int, rank: int) -> None:
        self.section = section
        self.first_page = page
        self.rank = rank
        self.entries: set[str] = set()

    @staticmethod
    def _key(text: str) -> str:
        return _WHITESPACE.sub(" ", text).strip().lower()

    def takes(self, event: _Heading | _Line | str, page: int, style_rank: int | None) -> bool:
        if page - self.first_page >= 6:
            return False
        if isinstance(event, _Heading):
            if self._key(event.text) in self.entries:
                return False
            return style_rank is None or style_rank >= self.rank
        return True

    def add(self, event: _Heading | _Line | str, page_drafts: list[_Draft], page: int) -> None:
        text = event if isinstance(event, str) else event.text
        last = page_drafts[-1] if page_drafts else None
        if last is not None and (last.kind != "list_item" or last.section != self.section):
            last = None
        if isinstance(event, _Line) and last is not None and (text[:1].islower() or _ends_open(last.lines[-1])):
            last.lines.append(text)
        else:
            page_drafts.append(_Draft("list_item", [text], self.section, page))
        self.entries.add(self._key(text))


def _starts_block(current: _Draft, previous: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether ``line`` opens a new block instead of continuing ``current``."""
    text = line.text
    marker = _marker(text)
    hard = _gap(previous, line, layout)
    clause_end = previous.text.rstrip().endswith((".", "!", "?", ":", ";", ",")) or _ends_sentence(previous.text)
    if marker == "bullet":
        return True
    if marker == "dash":
        body = _BULLET.sub("", text)
        return hard or clause_end or not body[:1].islower()
    if marker in ("enum", "absatz"):
        if hard:
            return True
        if _ends_open(previous.text) and not previous.text.rstrip().endswith(","):
            return False  # "vom" / "3. November 2021": a wrapped date, not a list
        return clause_end or (marker == "enum" and current.kind == "list_item")
    continuation = _ends_open(previous.text) or text[:1].islower()
    run_in_label = previous.bold and not line.bold and previous.text.rstrip().endswith(":")
    if hard or (line.bold != previous.bold and not run_in_label):
        return not continuation
    if run_in_label:
        return False
    if current.kind == "list_item" and current.x is not None and line.x is not None and line.x < current.x - 1.0:
        return True  # back at the left margin after a hanging-indent list item
    short = len(previous.text) < 0.7 * layout.full_line
    return _ends_sentence(previous.text) and short and not text[:1].islower()


def _block_text(draft: _Draft, vocabulary: _Vocabulary) -> str:
    if draft.kind == "heading":
        return draft.lines[0]
    text = join_lines(draft.lines, vocabulary)
    if draft.marker in ("bullet", "dash"):
        text = _BULLET.sub("", text, count=1)
    return _SPACE_BEFORE_PERIOD.sub(".", tidy(text))


def _carry_split_word(previous_drafts: list[_Draft], page_drafts: list[_Draft], vocabulary: _Vocabulary) -> None:
    """A word hyphenated across a page break ("gemeinwohl-" | "orientierter") is completed on the first page."""
    if not previous_drafts or not page_drafts:
        return
    before, after = previous_drafts[-1], page_drafts[0]
    if before.kind == "heading" or after.kind != "paragraph" or not _HYPHEN_END.search(before.text):
        return
    if not after.text[:1].islower():
        return
    word, _, rest = after.text.partition(" ")
    joined = _join_pair(before.text, word, vocabulary)
    if " " in joined[len(before.text) - 1:]:
        return  # the hyphen stays with a space ("Forschungs- und"): nothing to carry
    before.text = joined
    after.text = rest


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


def _load_markdown(text: str, name: str, stem: str) -> Document:
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


def _load_html(text: str, name: str, stem: str) -> Document:
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


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------


def _load_text(text: str, name: str, stem: str) -> Document:
    """Paragraphs split at blank lines; a short first line without final punctuation is the title."""
    paragraphs = [block for block in re.split(r"\n[ \t]*\n", normalize_text(text).replace("\t", " ")) if block.strip()]
    vocabulary = _Vocabulary(paragraphs)
    title = ""
    blocks: list[Block] = []
    if paragraphs:
        first_line = tidy(paragraphs[0].strip().split("\n", 1)[0])
        if len(first_line) <= 100 and not first_line.endswith((".", ",", ";", ":", "!", "?")):
            title = first_line
            if "\n" not in paragraphs[0].strip():
                blocks.append(Block(title, "heading", (title,)))
                paragraphs = paragraphs[1:]
    for paragraph in paragraphs:
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if len(lines) > 1 and all(_BULLET.match(line.strip()) or _ENUMERATED.match(line.strip()) for line in lines):
            for line in lines:
                item = tidy(_BULLET.sub("", line.strip(), count=1))
                if item:
                    blocks.append(Block(item, "list_item"))
            continue
        joined = tidy(join_lines(lines, vocabulary))
        if joined:
            blocks.append(Block(joined, "paragraph"))
    return Document(source=name, title=title or stem, kind="text", blocks=tuple(blocks))
