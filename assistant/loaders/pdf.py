"""PDF loader: pypdf's text layer rebuilt into headings, paragraphs and list items with their pages.

A text layer has neither paragraphs nor headings. They are rebuilt from line geometry and fonts
(pypdf's ``visitor_text``) plus numbering patterns:

* running headers/footers are lines that recur at the same height on many pages (digits may vary:
  "Seite 3 von 45", "- 4 -"); a lone page number in the margin goes as well;
* headings are short lines set bold or larger than the body text, or short lines that start with a
  section number ("2.2 …", "§ 1 …", "Abschnitt 1 …") after a paragraph break;
* paragraphs end at vertical gaps, column changes, list markers and short sentence-final lines;
* card tables (an ALL-CAPS row name, a few description lines, then "LABEL: value" lines in a narrow
  column, as in "FALLBEISPIEL BEST PRACTICES") become one "table" block per row, so a row's name and
  its cells stay together instead of turning into a heading and fragments (see :func:`_card_regions`);
* hyphenated line ends are joined by :func:`assistant.loaders.base.join_lines`, also across page breaks.

Every pypdf failure (damaged file, encryption, no text layer) becomes a DocumentError naming the file.
Reading is bounded by :class:`~assistant.config.LoadLimits` (pages, characters, text fragments,
seconds), checked while pypdf hands over text, so a bomb stops early instead of exhausting memory.
"""

from __future__ import annotations

import io
import math
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from .base import (
    BULLET,
    ENUMERATED,
    Block,
    BlockKind,
    Document,
    Vocabulary,
    collapse_whitespace,
    ends_with_hyphen,
    join_lines,
    normalize_text,
    tidy,
    too_much_text,
)
from ..config import LoadLimits
from ..errors import DocumentError
from ..messages import Message
from ..text import CONTINUATION_WORDS, LINE_END_ABBREVIATIONS


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
    # The title line above a card table: repeated at the top of every page the table continues on,
    # where it must not open the same section again.
    table_title: bool = False


@dataclass
class _Row:
    """One row of a card table, already joined into one self-contained line."""

    text: str


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
_ABSATZ = re.compile(r"^\(\d{1,3}[a-z]?\)\s+")


class _Budget:
    """Counts what pypdf hands over for one document and stops reading at the first limit reached."""

    def __init__(self, name: str, limits: LoadLimits) -> None:
        self.name = name
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.chars = 0
        self.fragments = 0

    def take(self, text: str) -> None:
        """Account for one text fragment; raises DocumentError once a limit is exceeded."""
        self.chars += len(text)
        self.fragments += 1
        if self.chars > self.limits.max_chars:
            raise too_much_text(self.name, self.limits)
        if self.fragments > self.limits.max_fragments:
            raise DocumentError("doc.pdf_fragments", name=self.name, limit=self.limits.max_fragments)
        if self.fragments % 256 == 0:
            self.check_time()

    def check_time(self) -> None:
        """Raise DocumentError when the wall-clock budget is spent."""
        if time.monotonic() > self.deadline:
            raise DocumentError("doc.pdf_timeout", name=self.name, seconds=self.limits.max_seconds)


def load_pdf(data: bytes, name: str, stem: str, limits: LoadLimits) -> Document:
    """A PDF's bytes as a Document; ``name`` appears in error messages, ``stem`` is the fallback title.

    Adapter around pypdf: every failure of the parser becomes a DocumentError naming the file.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError("doc.not_pdf", name=name)
    budget = _Budget(name, limits)
    # pypdf raises many exception types on damaged files; each one means "this PDF is unreadable".
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise _damaged(name, exc, Message("doc.pdf_damaged_open")) from exc
    if encrypted:
        try:
            decrypted = reader.decrypt("")  # owner-password-only PDFs open with an empty password
        except DependencyError as exc:
            raise DocumentError("doc.pdf_aes", name=name) from exc
        except Exception as exc:
            raise DocumentError("doc.pdf_encrypted", name=name, error=str(exc)) from exc
        if not decrypted:
            raise DocumentError("doc.pdf_password", name=name)
    try:
        page_count = len(reader.pages)
        if page_count > limits.max_pages:
            raise DocumentError("doc.pdf_too_many_pages", name=name, pages=page_count, limit=limits.max_pages)
        page_objects = list(reader.pages)
        pages = []
        for page in page_objects:
            budget.check_time()
            pages.append(_page_lines(page, budget))
        boxes = [(float(page.mediabox.bottom), float(page.mediabox.height)) for page in page_objects]
        info = reader.metadata
        meta = {
            "title": str(info.title or "") if info else "",
            "author": str(info.author or "") if info else "",
            "subject": str(info.subject or "") if info else "",
        }
    except DocumentError:
        raise
    except Exception as exc:
        raise _damaged(name, exc, Message("doc.pdf_damaged_text")) from exc
    if not page_objects:
        raise DocumentError("doc.pdf_no_pages", name=name)
    if not any(pages):
        raise DocumentError("doc.pdf_no_text_layer", name=name)
    pages = _strip_running_lines(pages, boxes)
    blocks = _pdf_blocks(pages)
    title = _usable_pdf_title(meta["title"]) or next((b.text for b in blocks if b.kind == "heading"), "") or stem
    metadata = {key: tidy(value) for key, value in meta.items() if key != "title" and tidy(value)}
    return Document(source=name, title=title, kind="pdf", blocks=tuple(blocks), pages=len(page_objects), metadata=metadata)


def _damaged(name: str, exc: Exception, what: Message) -> DocumentError:
    """The DocumentError for a pypdf failure; pypdf's own resource limits get a message of their own."""
    if type(exc).__name__ == "LimitReachedError":  # pypdf >= 4; absent in older versions
        return DocumentError("doc.pdf_bomb", name=name, error=str(exc))
    return DocumentError("doc.pdf_damaged", name=name, what=what, error_type=type(exc).__name__, error=str(exc))


def _usable_pdf_title(raw: str) -> str:
    """The metadata title unless it is empty or a leftover file name ("Microsoft Word - x.docx")."""
    title = tidy(raw)
    if re.match(r"(?i)^microsoft (word|powerpoint) - ", title) or re.search(r"(?i)\.(docx?|pdf|indd|tex|odt|pptx?)$", title):
        return ""
    if title.lower() in {"untitled", "unbenannt", "ohne titel", "title", "titel"} or not re.search(r"[^\W\d_]{2}", title):
        return ""
    return title


def _page_lines(page: Any, budget: _Budget | None = None) -> list[_Line]:
    """The page's text lines as pypdf extracts them, each with position, font size and weight.

    pypdf hands every glyph run to ``visitor_text``; the runs concatenate to exactly the text of
    ``extract_text()``, so splitting them at newlines gives lines with their typography.
    """
    runs: list[list[tuple[str, float | None, float | None, float, bool]]] = [[]]

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, font_size: float) -> None:
        if not text:
            return
        if budget is not None:
            budget.take(text)
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
        text = collapse_whitespace(normalize_text(raw))
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
    _, _, c, d, e, f = (float(value) for value in tm)
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
    return collapse_whitespace(re.sub(r"\d+", "#", text.lower()))


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


def _ends_sentence(text: str) -> bool:
    """The text ends like a sentence or a clause (".", "!", "?", ":", ";"), closing quotes ignored.

    An abbreviation ("z.", "Abs.", "Nr.") or a single letter with a period does not end a sentence.
    """
    stripped = text.rstrip().rstrip("\"'“”„»«’)")
    if not stripped or stripped[-1] not in ".!?:;…":
        return False
    if stripped.endswith("."):
        last = stripped.rsplit(None, 1)[-1].rstrip(".").lower()
        if last in LINE_END_ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            return False
    return True


def _ends_open(text: str) -> bool:
    """The text evidently continues on the next line (hyphen, comma, article, preposition, ...)."""
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped[-1] in ",\u00ad" or ends_with_hyphen(stripped):
        return True
    last = stripped.rsplit(None, 1)[-1].lower()
    return last in CONTINUATION_WORDS


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


def _heading_text(lines: Sequence[str], vocabulary: Vocabulary) -> str:
    text = _SPACE_BEFORE_PERIOD.sub(".", tidy(join_lines(lines, vocabulary)))
    return text.rstrip(":").rstrip()


def _plausible_heading(text: str) -> bool:
    if not 2 <= len(text) <= 200 or not re.search(r"[^\W\d_]{2}", text):
        return False
    if text.rstrip().endswith((",", ";", ".")) or BULLET.match(text):
        return False
    return not _ends_open(text)


_Event = _Heading | _Line | _Row | str


def _pdf_events(lines: list[_Line], layout: _Layout, vocabulary: Vocabulary) -> list[_Event]:
    """Classify a page's lines: headings (merged over their lines), TOC entries (str), card-table rows
    (_Row, with the table's title as a heading) and text lines."""
    regions = _card_regions(lines, layout, vocabulary)
    starts = sorted(regions)
    next_region = 0  # index into ``starts``: the first region that begins at or after ``index``
    events: list[_Event] = []
    index = 0
    while index < len(lines):
        while next_region < len(starts) and starts[next_region] < index:
            next_region += 1
        region_start = starts[next_region] if next_region < len(starts) else len(lines)
        if index == region_start:
            end, region_events = regions[index]
            events.extend(region_events)
            index = end
            continue
        line = lines[index]
        previous = lines[index - 1] if index else None
        boundary = (
            previous is None
            or (bool(events) and isinstance(events[-1], (_Heading, _Row, str)))
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
            # A heading merged over several lines must not swallow the title or first row of a card table.
            if heading is not None and index + consumed <= region_start:
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


def _styled_heading(lines: list[_Line], index: int, layout: _Layout, vocabulary: Vocabulary) -> tuple[_Heading | None, int]:
    first = lines[index]
    starts_lower = first.text[0].isalpha() and not first.text[0].isupper()
    if not _is_styled(first, layout) or BULLET.match(first.text) or starts_lower:
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


def _numbered_heading(lines: list[_Line], index: int, layout: _Layout, vocabulary: Vocabulary) -> tuple[_Heading | None, int]:
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


# --------------------------------------------------------------------------------------------
# Card tables
# --------------------------------------------------------------------------------------------

#: A cell label: one to five ALL-CAPS words (joined by spaces, "/", "&" or "-"), a colon, maybe the value.
#: Digits are excluded, so captions ("TABELLE 1: …") and legal references are no labels.
_CARD_LABEL = re.compile(
    r"^(?P<label>[A-ZÄÖÜ][A-ZÄÖÜß]+(?:\s*[/&-]\s*[A-ZÄÖÜß]+|\s+[A-ZÄÖÜß]+){0,4}):(?:\s+(?P<value>\S.*))?$"
)
# Bounds of the card parser. They keep the look-ahead from each candidate row name constant, so
# detection stays linear in the lines of a page however many ALL-CAPS lines a hostile PDF holds.
_CARD_NAME_LINES = 3  # an ALL-CAPS row name wraps over at most this many lines
_CARD_TEXT_LINES = 8  # a description or one cell value wraps over at most this many lines
_CARD_FEATURES = 12  # labelled cells per row
_CARD_NAME_CHARS = 80  # longer ALL-CAPS lines are headings or shouting prose, not row names
_CARD_LABEL_CHARS = 40
# Cards are set in a narrow column: every line is at most this share of a full body line. Prose runs
# the full width, so a heading followed by a paragraph never parses as a card.
_CARD_LINE_SHARE = 0.6
# A region needs this many labelled cells: a lone "HINWEIS: …" under an ALL-CAPS heading is no table.
_CARD_MIN_FEATURES = 2


def _card_narrow(line: _Line, layout: _Layout) -> bool:
    return len(line.text) <= _CARD_LINE_SHARE * layout.full_line


def _card_name(line: _Line) -> bool:
    """An ALL-CAPS line that can name a card row ("QUANTIFIED TREES (QTREES)", "KIVI")."""
    text = line.text
    if len(text) > _CARD_NAME_CHARS or text.rstrip().endswith(":") or BULLET.match(text) or _is_toc_entry(text):
        return False
    letters = [char for char in text if char.isalpha()]
    # ALL-CAPS German keeps the lower-case "ß" ("STRAßE"): the capital ẞ is rarely set.
    return len(letters) >= 3 and all(char.isupper() or char == "ß" for char in letters) and not _CARD_LABEL.match(text)


def _card_label(line: _Line, layout: _Layout, size: float) -> re.Match[str] | None:
    """The label match of a "LABEL: value" line in the card's column and type size, else None."""
    if abs(line.size - size) > 1.0 or not _card_narrow(line, layout):
        return None
    match = _CARD_LABEL.match(line.text)
    return match if match and len(match.group("label")) <= _CARD_LABEL_CHARS else None


def _card_text(line: _Line, layout: _Layout, size: float) -> bool:
    """A description or value line: narrow, in the card's type size, neither a label nor a row name."""
    return (
        abs(line.size - size) <= 1.0
        and _card_narrow(line, layout)
        and not _CARD_LABEL.match(line.text)
        and not _card_name(line)
        and not _is_toc_entry(line.text)
    )


def _joined_cell(lines: Sequence[str], vocabulary: Vocabulary) -> str:
    """The lines of one cell as one line, hyphenated line ends joined as in paragraphs."""
    return _SPACE_BEFORE_PERIOD.sub(".", tidy(join_lines(lines, vocabulary)))


def _card_row(lines: list[_Line], start: int, layout: _Layout, vocabulary: Vocabulary) -> tuple[_Row | None, int, int]:
    """Parse the card row whose ALL-CAPS name is ``lines[start]``: (row, end, labelled cells).

    A row is its name (wrapped over caps lines without a gap), up to a few description lines, then
    one or more "LABEL: value" cells whose value may start on the label's line or the next and wraps
    without a gap. A row without a labelled cell is none: (None, start, 0).
    """
    first = lines[start]
    size = first.size
    end = start + 1
    name = [first.text]
    # Without positions a wrapped name cannot be told from a table title above the name: one line then.
    while (
        end < len(lines)
        and len(name) < _CARD_NAME_LINES
        and lines[end].y is not None
        and lines[end - 1].y is not None
        and _card_name(lines[end])
        and not _gap(lines[end - 1], lines[end], layout)
    ):
        name.append(lines[end].text)
        end += 1
    description: list[str] = []
    while (
        end < len(lines)
        and len(description) < _CARD_TEXT_LINES
        and _card_text(lines[end], layout, size)
        and (not description or not _gap(lines[end - 1], lines[end], layout))
    ):
        description.append(lines[end].text)
        end += 1
    cells: list[str] = []
    while end < len(lines) and len(cells) < _CARD_FEATURES:
        label = _card_label(lines[end], layout, size)
        if label is None:
            break
        value = [label.group("value")] if label.group("value") else []
        stop = end + 1
        while (
            stop < len(lines)
            and len(value) < _CARD_TEXT_LINES
            and _card_text(lines[stop], layout, size)
            and not _gap(lines[stop - 1], lines[stop], layout)
        ):
            value.append(lines[stop].text)
            stop += 1
        if not value:
            break  # a label without a value is a run-in heading, not a cell: the row ends before it
        cells.append(f"{tidy(label.group('label'))}: {_joined_cell(value, vocabulary)}")
        end = stop
    if not cells:
        return None, start, 0
    parts = [_joined_cell(name, vocabulary)]
    if description:
        parts.append(_joined_cell(description, vocabulary))
    parts.append("; ".join(cells))
    return _Row(" — ".join(parts)), end, len(cells)


def _card_regions(
    lines: list[_Line], layout: _Layout, vocabulary: Vocabulary
) -> dict[int, tuple[int, list[_Event]]]:
    """Card tables on a page: {first line: (end, events)}, the events being the title and one _Row per row.

    pypdf reads a card table ("QUANTIFIED TREES (QTREES)" / "KI-gestützte Bewässerungs-" /
    "vorhersage für Stadtbäume" / "ORGANISATION: Aufbau auf …" / "VERNETZUNG/KOOPERATION:" /
    "multisektorale Allianzen" …) as short lines that would otherwise become a heading per row name
    and a paragraph per fragment, so no block held a row's name together with its cells. A region is
    a run of rows (see :func:`_card_row`) with at least ``_CARD_MIN_FEATURES`` labelled cells. An
    ALL-CAPS line set off by a gap right above the first name is the table's title
    ("FALLBEISPIEL BEST PRACTICES"): it becomes the section heading of the rows.
    """
    regions: dict[int, tuple[int, list[_Event]]] = {}
    previous_end = 0
    index = 0
    while index < len(lines):
        if not _card_name(lines[index]):
            index += 1
            continue
        rows: list[_Row] = []
        cells = 0
        end = index
        while end < len(lines) and _card_name(lines[end]):
            row, after, count = _card_row(lines, end, layout, vocabulary)
            if row is None:
                break
            rows.append(row)
            cells += count
            end = after
        if not rows or cells < _CARD_MIN_FEATURES:
            index += 1
            continue
        start = index
        events: list[_Event] = list(rows)
        title = _card_title(lines, index, layout, vocabulary, previous_end)
        if title is not None:
            start = index - 1
            events.insert(0, title)
        regions[start] = (end, events)
        index = previous_end = end
    return regions


def _card_title(
    lines: list[_Line], index: int, layout: _Layout, vocabulary: Vocabulary, previous_end: int
) -> _Heading | None:
    """The title line above the card row at ``index`` as a heading, or None when there is none.

    Set in heading type it is the heading the rest of the loader would make of it; in body or small
    type (the repeat on continuation pages) a body-level heading, dropped where it repeats the
    section it is in.
    """
    title_index = index - 1
    if title_index < previous_end or title_index < 0:
        return None
    title, line = lines[title_index], lines[index]
    if not _card_name(title):
        return None
    if title.y is not None and line.y is not None and not _gap(title, line, layout):
        return None  # no gap: part of the row's name
    above = lines[title_index - 1] if title_index else None
    if above is not None and above.y is not None and title.y is not None and not _gap(above, title, layout):
        return None  # the last line of a longer heading or paragraph, not a title of its own
    heading, consumed = _styled_heading(lines, title_index, layout, vocabulary)
    if heading is None or consumed != 1:
        text = _heading_text([title.text], vocabulary)
        if not _plausible_heading(text):
            return None
        numbered, sublevel = _heading_structure(text)
        heading = _Heading(text, None, sublevel, numbered)
    heading.table_title = True
    return heading


def _marker(text: str) -> str | None:
    """The kind of list marker a line starts with: "bullet", "dash", "enum", "absatz" or None."""
    if _ABSATZ.match(text):
        return "absatz"
    bullet = BULLET.match(text)
    if bullet:
        return "dash" if bullet.group("m") in "-–—" else "bullet"
    if ENUMERATED.match(text):
        return "enum"
    return None


def _pdf_blocks(pages: list[list[_Line]]) -> list[Block]:
    """Headings, paragraphs and list items of all pages, with section paths and page numbers."""
    layout = _measure_layout(pages)
    vocabulary = Vocabulary([line.text for lines in pages for line in lines])
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
    # The stack entry a card table's title opened. The title names the table, not the text after it:
    # the first line or heading that is no row closes it, so that text returns to the enclosing section.
    table_entry: tuple[int, int, bool, str] | None = None
    for page, page_events in enumerate(events):
        page_drafts: list[_Draft] = []
        current: _Draft | None = None
        previous: _Line | None = None
        for event in page_events:
            if table_entry is not None and not isinstance(event, _Row) and not (
                isinstance(event, _Heading) and event.table_title
            ):
                for depth, entry in enumerate(stack):
                    if entry is table_entry:
                        del stack[depth:]
                        break
                table_entry = None
            if toc is not None:
                style_rank = rank.get(event.style) if isinstance(event, _Heading) and event.style is not None else None
                if toc.takes(event, page, style_rank):
                    toc.add(event, page_drafts, page + 1)
                    current, previous = None, None
                    continue
                toc = None
            if isinstance(event, _Heading):
                current, previous = None, None
                if event.table_title and stack and stack[-1][3] == event.text:
                    continue  # the table's title repeated on a continuation page: same section
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
                if event.table_title:
                    table_entry = stack[-1]
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
            if isinstance(event, _Row):
                current, previous = None, None
                page_drafts.append(_Draft("table", [event.text], section, page + 1))
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
        return collapse_whitespace(text).lower()

    def takes(self, event: _Event, page: int, style_rank: int | None) -> bool:
        if page - self.first_page >= 6:
            return False
        if isinstance(event, _Heading):
            if self._key(event.text) in self.entries:
                return False
            return style_rank is None or style_rank >= self.rank
        return True

    def add(self, event: _Event, page_drafts: list[_Draft], page: int) -> None:
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
        body = BULLET.sub("", text)
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


def _block_text(draft: _Draft, vocabulary: Vocabulary) -> str:
    if draft.kind in ("heading", "table"):
        return draft.lines[0]  # already joined and cleaned where they were recognised
    text = join_lines(draft.lines, vocabulary)
    if draft.marker in ("bullet", "dash"):
        text = BULLET.sub("", text, count=1)
    return _SPACE_BEFORE_PERIOD.sub(".", tidy(text))


def _carry_split_word(previous_drafts: list[_Draft], page_drafts: list[_Draft], vocabulary: Vocabulary) -> None:
    """A word hyphenated across a page break ("gemeinwohl-" | "orientierter") is completed on the first page."""
    if not previous_drafts or not page_drafts:
        return
    before, after = previous_drafts[-1], page_drafts[0]
    if before.kind == "heading" or after.kind != "paragraph" or not ends_with_hyphen(before.text):
        return
    if not after.text[:1].islower():
        return
    word, _, rest = after.text.partition(" ")
    joined = join_lines([before.text, word], vocabulary)
    if " " in joined[len(before.text) - 1:]:
        return  # the hyphen stays with a space ("Forschungs- und"): nothing to carry
    before.text = joined
    after.text = rest
