"""Programme profiles: what a funding document says about who, what, how much, how and until when.

A profile is extracted once per document version at ingest, from the document's indexed chunks, by
rules — no language model: each field is the set of statements (sentences, or a sentence with the
list it introduces) that match the field's cues, quoted verbatim from a chunk with its page and
section, so every field cites a passage that contains it. Amounts, rates and dates are read from
those statements by rules; a field without a matching statement is "nicht angegeben", never guessed.
On two cores the bundled 1.5B model needs tens of seconds per generation; the rules need
milliseconds per programme (measured in the closing note of issue 14) and cannot invent a value.

Detection is explicit: front matter ``kind: programme`` (or any other kind, which says "no") wins;
otherwise a document is a funding programme when its title starts like one ("Förderprogramm",
"Förderrichtlinie", "Richtlinie zur Förderung …") or it opens with a Förderdatenbank entry header.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ..loaders.base import collapse_whitespace
from ..messages import Message, text
from ..text import split_sentences
from .dates import VALIDITY_CUE, Validity, find_dates, format_date, validity_of

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk
    from ..loaders.base import Document

#: Bump when the extraction rules change: every document's profile is then read again at the next ingest
#: (it is part of the ingest pipeline's version; the chunks keep their vectors).
PROFILE_VERSION = 3

#: Front matter values of ``kind`` that mark a funding programme (any other value says it is not one).
PROGRAMME_KINDS = frozenset({"programme", "program", "förderprogramm", "foerderprogramm", "funding", "förderrichtlinie"})
_PROGRAMME_TITLE = re.compile(
    r"^\s*(?:Förderprogramm|Förderrichtlinie|Förderaufruf|Förderlinie|Richtlinie\s+(?:zur|über\s+die|für\s+die)\s+Förderung"
    r"|Bekanntmachung\s+(?:einer|der)\s+Richtlinie|Funding\s+(?:programme|program|guideline))\b",
    re.IGNORECASE,
)
_PROGRAMME_HEADER = re.compile(r"Titel der Förderlinie|Förderrichtlinie", re.IGNORECASE)
#: How much of a document's opening text the header rule reads.
_HEADER_CHARS = 1500


def is_programme(document: "Document") -> bool:
    """Whether ``document`` describes a funding programme (the rule in the module docstring)."""
    declared = document.metadata.get("kind", "").strip().casefold()
    if declared:
        return declared in PROGRAMME_KINDS
    if _PROGRAMME_TITLE.search(document.title):
        return True
    opening = " ".join(block.text for block in document.blocks[:6])[:_HEADER_CHARS]
    return bool(re.search(r"Titel der Förderlinie", opening, re.IGNORECASE))


@dataclass(frozen=True)
class Statement:
    """A verbatim passage of an indexed chunk that supports a field."""

    quote: str
    chunk_id: str
    page: int | None
    section: str


@dataclass
class ProfileField:
    """One field of a profile: a short value and the statements it is read from (empty: not stated)."""

    value: str = ""
    statements: list[Statement] = field(default_factory=list)
    #: For amounts and rates: the largest figure stated (EUR or per cent), for sorting and filtering.
    number: float | None = None

    @property
    def stated(self) -> bool:
        return bool(self.statements)


#: The fields in display order; ``name`` and ``validity`` are derived differently (title, dates).
FIELDS = (
    "funder", "applicants", "excluded", "purpose", "funding_type", "max_amount", "funding_rate",
    "duration", "procedure", "deadlines", "validity", "contact",
)


#: What the CLI and the UI call each field.
FIELD_LABELS = {
    "funder": Message("programme.field.funder"),
    "applicants": Message("programme.field.applicants"),
    "excluded": Message("programme.field.excluded"),
    "purpose": Message("programme.field.purpose"),
    "funding_type": Message("programme.field.funding_type"),
    "max_amount": Message("programme.field.max_amount"),
    "funding_rate": Message("programme.field.funding_rate"),
    "duration": Message("programme.field.duration"),
    "procedure": Message("programme.field.procedure"),
    "deadlines": Message("programme.field.deadlines"),
    "validity": Message("programme.field.validity"),
    "contact": Message("programme.field.contact"),
}


@dataclass
class Profile:
    """A funding programme as one document describes it."""

    source: str
    name: str
    fields: dict[str, ProfileField]
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    extract_seconds: float = 0.0

    def status(self, today: dt.date) -> str:
        """"open", "expired", "not_yet" (in force later) or "unknown" (no validity stated)."""
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        if self.valid_from is not None and self.valid_from > today:
            return "not_yet"
        return "open" if self.valid_until is not None else "unknown"

    def status_text(self, today: dt.date, language: str) -> str:
        """"gilt bis 30.06.2027", "abgelaufen seit 31.12.2025", "unbefristet / nicht angegeben" (localised)."""
        status = self.status(today)
        if status == "expired":
            return text("programme.status.expired", language, date=format_date(self.valid_until, language))  # type: ignore[arg-type]
        if status == "not_yet":
            return text("programme.status.not_yet", language, date=format_date(self.valid_from, language))  # type: ignore[arg-type]
        if status == "open":
            return text("programme.status.open", language, date=format_date(self.valid_until, language))  # type: ignore[arg-type]
        return text("programme.status.unknown", language)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "extract_seconds": self.extract_seconds,
            "fields": {name: asdict(value) for name, value in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Profile":
        """The inverse of :meth:`to_json` (KeyError/TypeError/ValueError on a damaged entry)."""
        fields = {
            name: ProfileField(raw["value"], [Statement(**s) for s in raw["statements"]], raw.get("number"))
            for name, raw in data["fields"].items()
        }
        return cls(
            source=data["source"], name=data["name"], fields=fields,
            valid_from=dt.date.fromisoformat(data["valid_from"]) if data.get("valid_from") else None,
            valid_until=dt.date.fromisoformat(data["valid_until"]) if data.get("valid_until") else None,
            extract_seconds=float(data.get("extract_seconds", 0.0)),
        )


# -- extraction ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A statement of a chunk: the text as it stands in the chunk, and where."""

    text: str
    chunk: "Chunk"


def _statements(chunks: Sequence["Chunk"]) -> Iterator[_Candidate]:
    """Sentences of the chunks in reading order; a line that introduces a list (ends with ":" or without
    a full stop, such as "Antragsberechtigt sind") is joined with the list items that follow it."""
    for chunk in chunks:
        lines = [line for line in chunk.text.split("\n")]
        # The first line of a chunk repeats its innermost heading: not a statement.
        start = 1 if chunk.section and lines and chunk.section.endswith(lines[0].strip()) else 0
        i = start
        while i < len(lines):
            line = lines[i].strip()
            if not line:
                i += 1
                continue
            # "… folgenden Projektträger beauftragt:" may be followed by a blank line before its list.
            first = i + 2 if line.endswith(":") and i + 2 < len(lines) and not lines[i + 1].strip() else i + 1
            if _introduces_list(line) and first < len(lines) and lines[first].strip():
                j = first
                while j < len(lines) and lines[j].strip() and j - i <= _MAX_LIST_ITEMS:
                    j += 1
                yield _Candidate("\n".join(lines[i:j]), chunk)
                i = j
                continue
            for sentence in split_sentences(line):
                yield _Candidate(sentence, chunk)
            i += 1


#: List items joined to the line that introduces them, at most.
_MAX_LIST_ITEMS = 8


def _introduces_list(line: str) -> bool:
    return line.endswith(":") or (not line.endswith((".", "!", "?", ";")) and len(line) < 160 and not line.endswith(","))


@dataclass(frozen=True)
class _Rule:
    """Which statements support a field: they match ``cue`` (and ``context``, if given) but not ``skip``."""

    cue: str
    skip: str = ""
    context: str = ""
    #: Statements kept (the first ones in reading order).
    keep: int = 1
    #: Else the first statement of a section whose heading matches this (PDF guidelines: "2 Gegenstand der Förderung").
    section: str = ""

    def matches(self, candidate: _Candidate) -> bool:
        text = candidate.text
        return bool(
            re.search(self.cue, text)
            and not (self.skip and re.search(self.skip, text))
            and (not self.context or re.search(self.context, text))
        )


# Reading order decides between matches, so the Förderdatenbank summary (first) wins over the guideline
# text behind it. Patterns are case-sensitive: "Gefördert werden" opens a statement, "… gefördert werden" does not.
_SKIP_LEGAL = (r"De-minimis|AGVO|Anmeldeschwelle|Transparenzdatenbank|Beihilfen\s+über|Beihilfeintensit|Mittelausstattung"
               r"|Finanzausstattung|Finanzrahmen|zu\s+Preisen\s+von")
_RULES: dict[str, _Rule] = {
    "funder": _Rule(r"(?:(?:Deutsche|Europäische)\s+)?(?:Bundesministerium|Bundesamt|Bundesstiftung|Ministerium|Europäische\s+Kommission|Stiftung)\b[^()\n]{0,90}\(\s*[A-ZÄÖÜ]{2,8}\s*\)"),
    "applicants": _Rule(r"\bAntragsberechtigt\b|\bantragsberechtigt\s+sind\b|\b(?:Zuwendungsempfänger(?:innen)?|Zuwendungsempfangende\s+Organisationen)\s+sind\b", skip=r"nicht\s+antragsberechtigt"),
    "excluded": _Rule(r"nicht\s+antragsberechtigt|(?:ist|sind)\s+(?:von\s+[^.]{0,60})?ausgeschlossen|[Nn]icht\s+gefördert\s+werden|nicht\s+zuwendungsfähig", keep=2),
    "purpose": _Rule(r"^Wenn\s+Sie\b.*(?:erhalten|bekommen)|^Gefördert\s+werden\b|^Gegenstand\s+der\s+Förderung\b",
                     section=r"Gegenstand\s+der\s+Förderung|Zuwendungszweck|Förderziel"),
    "funding_type": _Rule(r"\b(?:Zuschuss|Zuschüssen?|Darlehen|Bürgschaft)\b", skip=_SKIP_LEGAL, keep=2),
    "max_amount": _Rule(r"(?:maximal|höchstens|[Bb]is\s+zu|Höchstbetrag)\s*(?:jährlich\s+)?(?:EUR|Euro|€)?\s*\d[\d.]*\s*(?:Mio\.?|Millionen)?\s*(?:EUR|Euro|€)?",
                        skip=_SKIP_LEGAL, context=r"(?s)^(?=.*(?:EUR|Euro|€))(?=.*(?:Förder|Zuwendung|Zuschuss))", keep=3),
    "funding_rate": _Rule(r"\d{1,3}(?:,\d+)?\s*(?:Prozent|%)\s+(?:der|Ihrer|ihrer|seiner)\s+(?:zuwendungsfähigen|förderfähigen|beihilfefähigen)", skip=_SKIP_LEGAL, keep=3),
    "duration": _Rule(r"\bLaufzeit\s+von\s+(?:maximal|höchstens|bis\s+zu)?\s*\w+\s+(?:Jahren|Monaten)|\b(?:Förderdauer|Projektlaufzeit)\b[^.]{0,60}\d", skip=r"Laufzeit\s+dieser"),
    "procedure": _Rule(r"zweistufig|einstufig|Antragsverfahren\s+ist|Interessenbekundungsverfahren|Verfahrensstufe|Antrag\s+stellen\s+Sie"
                       r"|Ihren\s+Antrag|[Rr]eichen\s+Sie|easy-Online|Funding\s*&\s*Tender", keep=2),
    "deadlines": _Rule(r"\b(?:spätestens|Stichtag|Einreichungsfrist|Vorlagefrist|Einreichungsschluss|Fristen?|jederzeit\s+eingereicht)\b",
                       skip=r"befristet|in\s+Kraft", context=r"(?i)antr[aä]g|skizze|bewerbung|eingereicht|einzureichen|förderaufruf", keep=3),
    "validity": _Rule(VALIDITY_CUE.pattern, skip=r"delegierte|Befugnis|Rechtsakt", keep=20),
    "contact": _Rule(r"\bAnsprechpartner(?:in)?\s*(?::|ist\b|sind\b|für\s+(?:Fragen|Anträge|die\s+Antragstellung))|\bKontakt\s*:"
                     r"|Projektträger\s+beauftragt|folgenden\s+Projektträger"),
}
_AMOUNT = re.compile(
    r"(?:(?:EUR|Euro|€)\s*(?P<a>\d{1,3}(?:[.\s]\d{3})+(?:,\d{2})?|\d+)(?:\s*(?P<am>Mio\.?|Millionen))?)"
    r"|(?:(?<![\d.,])(?P<b>\d{1,3}(?:[.\s]\d{3})+(?:,\d{2})?|\d+(?:,\d+)?)\s*(?P<bm>Mio\.?|Millionen)?\s*(?:EUR|Euro|€))"
)
_RATE = re.compile(r"(\d{1,3}(?:,\d+)?)\s*(?:Prozent|%)")
_DURATION = re.compile(r"(?:maximal|höchstens|bis\s+zu)?\s*(\w+)\s+(Jahren|Jahre|Monaten|Monate)")
_FUNDER = re.compile(_RULES["funder"].cue)
_TYPES = (("Zuschuss", r"Zuschuss|Zuschüss"), ("Darlehen", r"Darlehen"), ("Bürgschaft", r"Bürgschaft"))


def extract_profile(source: str, title: str, chunks: Sequence["Chunk"]) -> Profile:
    """The profile of the programme that ``chunks`` (one document, in reading order) describe."""
    started = time.perf_counter()
    ordered = sorted(chunks, key=lambda c: c.ordinal)
    candidates = list(_statements(ordered))
    fields: dict[str, ProfileField] = {}
    for name in FIELDS:
        rule = _RULES[name]
        found = [c for c in candidates if rule.matches(c)]
        if not found and rule.section:
            found = [c for c in candidates if re.search(rule.section, c.chunk.section)]
        if name == "funding_type":
            found = _adding_types(found)
        fields[name] = _field(name, found[: rule.keep])
    # The statement that dates the validity ("tritt am … in Kraft und ist befristet bis zum …"), not just any
    # mention of "in Kraft" without a date.
    dated = [(s, v) for s in fields["validity"].statements if (v := validity_of(s.quote)).known][:1]
    validity = dated[0][1] if dated else Validity()
    fields["validity"] = ProfileField(collapse_whitespace(dated[0][0].quote), [dated[0][0]]) if dated else ProfileField()
    profile = Profile(source, programme_name(title), fields, validity.valid_from, validity.valid_until)
    profile.extract_seconds = round(time.perf_counter() - started, 4)
    return profile


def _field(name: str, found: Sequence[_Candidate]) -> ProfileField:
    statements = [Statement(c.text, c.chunk.id, c.chunk.page, c.chunk.section) for c in found]
    if not statements:
        return ProfileField()
    texts = [s.quote for s in statements]
    if name == "max_amount":
        amounts = [a for t in texts for a in _amounts(t)]
        if not amounts:
            return ProfileField()
        best = max(amounts)
        yearly = any("jährlich" in t for t in texts)
        return ProfileField(format_euro(best) + (" jährlich" if yearly else ""), statements, best)
    if name == "funding_rate":
        rates = sorted({float(r.replace(",", ".")) for t in texts for r in _RATE.findall(t)})
        if not rates:
            return ProfileField()
        value = format_percent(rates[0]) if len(rates) == 1 else format_percent(rates[0], rates[-1])
        return ProfileField(value, statements, rates[-1])
    if name == "funding_type":
        kinds = [label for label, pattern in _TYPES if any(re.search(pattern, t) for t in texts)]
        return ProfileField(", ".join(kinds), statements) if kinds else ProfileField()
    if name == "funder":
        match = _FUNDER.search(texts[0])
        return ProfileField(collapse_whitespace(match.group(0) if match else texts[0]), statements)
    if name == "duration":
        match = _DURATION.search(texts[0])
        return ProfileField(collapse_whitespace(match.group(0) if match else texts[0]), statements)
    return ProfileField(collapse_whitespace(texts[0]), statements)


def _adding_types(found: Sequence[_Candidate]) -> list[_Candidate]:
    """The first statement naming a type of funding, then each one that names another ("auch als Darlehen")."""
    kept: list[_Candidate] = []
    seen: set[str] = set()
    for candidate in found:
        kinds = {label for label, pattern in _TYPES if re.search(pattern, candidate.text)}
        if kinds - seen:
            kept.append(candidate)
            seen |= kinds
    return kept


def _amounts(text: str) -> list[float]:
    values = []
    for match in _AMOUNT.finditer(text):
        raw = match.group("a") or match.group("b")
        million = match.group("am") or match.group("bm")
        number = float(re.sub(r"[.\s]", "", raw).replace(",", "."))
        values.append(number * 1_000_000 if million else number)
    return values


def format_euro(value: float) -> str:
    """"300.000 EUR" (German thousands separators)."""
    return f"{value:,.0f}".replace(",", ".") + " EUR"


def format_percent(low: float, high: float | None = None) -> str:
    """"90 %", "2,5 %" or a range "50–100 %"."""
    return "–".join(f"{v:g}".replace(".", ",") for v in (low, high) if v is not None) + " %"


def programme_name(title: str) -> str:
    """The programme's name from a document title: without "Förderprogramm:" and a trailing funder tag."""
    name = re.sub(r"^\s*Förderprogramm\s*:\s*", "", title)
    return re.sub(r"\s*\((?:[A-ZÄÖÜ]{2,8})\)\s*$", "", name).strip() or title


def statement_dates(profile: Profile, name: str) -> list[dt.date]:
    """The dates (with a year) that the statements of field ``name`` give."""
    return [d.value for s in profile.fields[name].statements for d in find_dates(s.quote)]
