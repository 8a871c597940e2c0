"""The Block/Document types, the load-limit error and the text cleaning shared by all loaders.

Every loader returns a :class:`Document` whose blocks are cleaned text units in reading order, each
with the heading path ("section") that governs it and, for PDFs, its 1-based page. Cleaning is
shared by all formats: Unicode NFC, ligatures expanded, soft hyphens, zero-width and control
characters removed, non-breaking spaces made plain, runs of whitespace collapsed. Hyphenated line
ends are joined ("Förder-" + "richtlinie") unless the hyphen belongs to a compound ("KI-Projekte")
or an elided enumeration ("Forschungs- und Umsetzungsprojekte").

The format loaders (:mod:`.pdf`, :mod:`.markup`, :mod:`.plain`) import this module; the dispatcher
``load_document`` in the package sits above them, so there is no import circle.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Sequence

from ..config import LoadLimits
from ..errors import DocumentError
from ..text import ENUMERATION_WORDS

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


def too_much_text(name: str, limits: LoadLimits) -> DocumentError:
    """The error for a document with more text than :class:`LoadLimits` allows."""
    return DocumentError("doc.too_much_text", name=name, max_chars=limits.max_chars)


# --------------------------------------------------------------------------------------------
# Text cleaning shared by all formats
# --------------------------------------------------------------------------------------------

_CHAR_MAP: dict[int, str | None] = {
    **{ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"},
    # Soft hyphens, zero-width characters and bidi overrides/isolates (which can make text display
    # differently from what it says) carry no content.
    **{ord(c): None for c in "\u00ad\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"},
    **{ord(k): v for k, v in {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}.items()},
}
# C0/C1 control characters except tab and newline (form feed and carriage returns are newlines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
_SPACE_AFTER_OPENING = re.compile(r"([(\[])\s+")
_SPACE_BEFORE_CLOSING = re.compile(r"\s+([)\],;])")


#: Longest run of non-space characters kept whole. No word is this long; such runs are data (base64,
#: hex dumps), and one run of megabytes made a single chunk of megabytes and the keyword analyzer's
#: compound splitting quadratic (hours for a 2-MB "word").
MAX_WORD_CHARS = 1000
# The lookbehind anchors the match at the start of a run, which keeps the scan linear.
_OVERLONG = re.compile(r"(?<!\S)\S{%d,}" % (MAX_WORD_CHARS + 1))


def _break_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return " ".join(run[start : start + MAX_WORD_CHARS] for start in range(0, len(run), MAX_WORD_CHARS))


def normalize_text(text: str) -> str:
    """NFC, ligatures expanded, soft hyphens/zero-width characters dropped, odd spaces made plain.

    Line structure is kept: CR/LF and form feeds become ``\\n``, tabs stay, other control characters
    are removed. Runs of more than :data:`MAX_WORD_CHARS` non-space characters are broken by spaces.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = unicodedata.normalize("NFC", text).translate(_CHAR_MAP)
    return _OVERLONG.sub(_break_run, _CONTROL.sub("", text))


def tidy(text: str) -> str:
    """One line of clean text: whitespace collapsed, no stray spaces inside brackets or before commas.

    Scraped pages often pad abbreviations ("(  BMFSFJ  )", "(  EU  , Euratom)"); those spaces go.
    """
    text = collapse_whitespace(normalize_text(text))
    text = _SPACE_AFTER_OPENING.sub(r"\1", text)
    return _SPACE_BEFORE_CLOSING.sub(r"\1", text)


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace, line breaks included, as one space; no leading or trailing space."""
    return _WHITESPACE.sub(" ", text).strip()


_HYPHEN_END = re.compile(r"([^\W_]+)[-\u2010]$")
_FIRST_TOKEN = re.compile(r"[^\s,;:]+")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# List markers, shared by the plain-text and the PDF loader.
BULLET = re.compile(r"^(?P<m>[•●▪◦‣∙·■□➢►▸✓✔*]|[-–—])\s+")
ENUMERATED = re.compile(r"^(?P<m>\(?\d{1,3}[.)]|\(?[a-z]{1,2}\)|\([ivx]{1,4}\))\s+")


class Vocabulary:
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


def ends_with_hyphen(text: str) -> bool:
    """The text ends in a word and a hyphen ("Förder-"): the word may continue on the next line."""
    return _HYPHEN_END.search(text[-_TAIL:]) is not None


# Only the end of the text joined so far decides how the next line attaches. Searching the whole
# text instead made joining quadratic: minutes for one PDF page packed with thousands of lines.
_TAIL = 256


def join_lines(lines: Sequence[str], vocabulary: Vocabulary | None = None) -> str:
    """Join the lines of one paragraph, undoing end-of-line hyphenation (see :func:`_join_rule`).

    Linear in the total length: pieces are collected and joined once.
    """
    parts: list[str] = []
    tail = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        separator = ""
        if parts:
            drop, separator = _join_rule(tail, line, vocabulary)
            if drop:
                parts[-1] = parts[-1][:-1]
                tail = tail[:-1]
        parts.append(separator + line)
        tail = (tail + separator + line)[-_TAIL:]
    return "".join(parts)


def _join_rule(left: str, right: str, vocabulary: Vocabulary | None) -> tuple[bool, str]:
    """How two consecutive lines join: (drop the last character of ``left``, separator).

    ``left`` may be just the end of the text joined so far. A soft hyphen at the end always joins.
    A hyphen joins without space only where it splits one word: it stays before an enumeration word
    ("Forschungs- und"), before a capital or digit ("KI-Anwendungen", "Coding-Studie"), after an
    acronym or digit ("KI-basiert", "5G-fähig"), and where the document spells the hyphenated form
    elsewhere.
    """
    if left.endswith("\u00ad"):
        return True, ""
    match = _HYPHEN_END.search(left)
    if match is None:
        return False, " "
    stem = match.group(1)
    token_match = _FIRST_TOKEN.match(right)
    token = token_match.group(0) if token_match else right
    first = right[0]
    if first in ",;":
        return False, ""  # "Versuchs-" + ", Untersuchungs-"
    if token.rstrip(".").lower() in ENUMERATION_WORDS:
        return False, " "
    if first.isupper() or first.isdigit():
        # All-caps headings are hyphenated mid-word too: "GEMEINWOHL-" + "ORIENTIERTER".
        word = re.match(r"[^\W\d_]+", token)
        if stem.isupper() and len(stem) >= 4 and word and word.group(0).isupper() and len(word.group(0)) >= 4:
            return True, ""
        return False, ""
    if first.islower():
        if stem[-1].isupper() or stem[-1].isdigit():
            return False, ""
        continuation = re.match(r"[^\W\d_]+", token)
        if vocabulary and continuation and vocabulary.prefers_hyphen(stem, continuation.group(0)):
            return False, ""
        return True, ""
    return False, ""
