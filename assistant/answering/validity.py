"""Date-aware answers: an answer that rests on an expired guideline says so, with the cited date.

After an answer is made (either mode), the programmes it cites are looked up in the
:class:`~assistant.programmes.book.ProgrammeBook`. When one is no longer in force on today's date (or
not yet), or a deadline it states has passed, a line opens the answer — "Achtung: … ist seit dem
31.12.2025 außer Kraft. [n]" — citing the passage that states the date. A question about validity
("Kann ich noch …?", "Bis wann …?", "Ist … noch offen?") gets that line also for a programme that
is open, and also when the passage with the date is not among the cited ones: the programme is then
the best-ranked funding document among the hits (or another document on the same programme,
e.g. the guideline behind a Förderdatenbank entry).

The line is made from the profile's statement, which is a verbatim passage of the cited chunk, so
it is verified by construction: the date it names is the date the passage states.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from ..loaders.base import collapse_whitespace
from ..messages import Message, text
from ..programmes.dates import find_dates, format_date
from ..programmes.profiles import Profile, Statement
from ..text import asks_yes_or_no

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk
    from ..programmes.book import ProgrammeBook
    from .answer import Answer, Citation
    from .retrieval import Hit

#: Questions about whether something is still possible, open or valid, or until when.
_VALIDITY_QUESTION = re.compile(
    r"\b(?:noch|weiterhin|bis\s+wann|ab\s+wann|offen|gültig|gilt\s+bis|in\s+Kraft|abgelaufen|befristet|Fristen?|Stichtag"
    r"|still|until\s+when|open|valid|in\s+force|expired?|deadlines?)\b",
    re.IGNORECASE,
)


#: "Ist die Richtlinie im Jahr 2026 noch gültig?", "Kann ich 2027 noch einen Antrag stellen?", "Is it still open in
#: 2026?": whether something still holds, in a year the question names (not "Bis wann …?": a deadline).
_STILL_VALID_QUESTION = re.compile(
    r"\bnoch\b[^?]{0,60}?\b(?:gültig|gilt|in\s+Kraft|offen|möglich|beantrag\w*|einreich\w*|bewerb\w*|förder\w*|Antrag|laufen\w*)"
    r"|\bstill\b[^?]{0,40}?\b(?:valid|open|in\s+force|possible|running|apply|available)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def asks_about_validity(question: str) -> bool:
    """Whether ``question`` asks if a programme is (still) open or until when."""
    return bool(_VALIDITY_QUESTION.search(question))


def depends_on_today(question: str) -> bool:
    """Whether the answer to ``question`` can change with the date when a programme it rests on has expired:
    a validity question, or one answered yes or no ("Kann ein Verein … beantragen?")."""
    return asks_about_validity(question) or asks_yes_or_no(question)


@dataclass(frozen=True)
class Alert:
    """A line about validity that opens an answer (``n``: the citation that states the date)."""

    kind: str  # "expired", "not_yet", "open" or "deadline_passed"
    source: str
    date: str  # ISO date the line is about
    text: str
    quote: str  # the passage that states the date
    n: int

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "source": self.source, "date": self.date, "text": self.text, "quote": self.quote, "n": self.n}


class ValidityNotes:
    """Adds validity lines to answers. ``chunks(ids)`` returns indexed chunks (for the cited passage)."""

    def __init__(self, book: "ProgrammeBook", chunks: Callable[[Sequence[str]], Sequence["Chunk"]]) -> None:
        self.book = book
        self._chunks = chunks

    def settles_years(self, question: str, hits: Sequence["Hit"], years: Sequence[str]) -> bool:
        """Whether the validity period of the best-ranked programme among ``hits`` answers ``question`` for ``years``.

        "Ist die Richtlinie im Jahr 2026 noch gültig?" is answered by "befristet bis zum 31. Dezember 2025", which
        never names 2026: the year is the question's frame, not a detail the sources must state. Only for
        still-valid questions, whose asked details are all years, over a programme with a known period.
        """
        if not years or not all(_YEAR.fullmatch(y) for y in years) or not _STILL_VALID_QUESTION.search(question):
            return False
        for hit in hits:
            profile = self.book.profile(hit.chunk.source)
            if profile is not None:
                profile = self.book.dated(profile)
                return profile.valid_from is not None or profile.valid_until is not None
        return False

    def apply(self, answer: "Answer") -> "Answer":
        """``answer`` with its validity lines (unchanged when there are none, or it already has them)."""
        if answer.alerts or answer.refused:
            return answer
        today = self.book.today()
        language = answer.language
        asked = asks_about_validity(answer.question)
        citations = list(answer.citations)
        retrieved = list(answer.retrieved)
        alerts: list[Alert] = []
        for profile in self._programmes(answer, asked):
            found = self._alert(profile, today, language, asked, citations, retrieved)
            if found is not None:
                alerts.append(found)
        if not alerts:
            return answer
        # Each line followed by the passage that states the date, verbatim, so the reader sees the evidence.
        lines = [f"{a.text}\n- „{collapse_whitespace(a.quote)}“ [{a.n}]" for a in alerts]
        return replace(answer, text="\n".join(lines) + "\n\n" + answer.text, citations=citations, retrieved=retrieved, alerts=alerts)

    def _programmes(self, answer: "Answer", asked: bool) -> list[Profile]:
        """The programmes the answer rests on: those it cites, and for a validity question the best-ranked
        programme among the hits; each with a dated document on the same programme where it has no date."""
        chosen: list[Profile] = []
        cited = [c.source for c in answer.citations]
        ranked = [h.chunk.source for h in answer.retrieved]
        candidates = list(dict.fromkeys(cited + (ranked if asked else [])))
        for source in candidates:
            profile = self.book.profile(source)
            if profile is None:
                continue
            profile = self.book.dated(profile)
            if profile.source not in {p.source for p in chosen}:
                chosen.append(profile)
            if asked and source not in cited:
                break  # a validity question: the best-ranked programme only, beyond the cited ones
        return chosen

    def _alert(self, profile: Profile, today: dt.date, language: str, asked: bool, citations: list["Citation"],
               retrieved: list["Hit"]) -> Alert | None:
        status = profile.status(today)
        name = profile.name
        if status in ("expired", "not_yet") or (status == "open" and asked):
            statement = profile.fields["validity"].statements[0]
            when = profile.valid_until if status in ("expired", "open") else profile.valid_from
            assert when is not None
            date, on = format_date(when, language), format_date(today, language)
            lines = {
                "expired": Message("validity.expired", name=name, date=date, today=on),
                "not_yet": Message("validity.not_yet", name=name, date=date, today=on),
                "open": Message("validity.open", name=name, date=date, today=on),
            }
            line = lines[status].render(language)
            return Alert(status, profile.source, when.isoformat(), line, statement.quote, self._cite(profile, statement, citations, retrieved))
        for statement in profile.fields["deadlines"].statements:
            passed = [d.value for d in find_dates(statement.quote) if d.value < today]
            if passed:
                line = text("validity.deadline_passed", language, name=name, date=format_date(max(passed), language))
                return Alert("deadline_passed", profile.source, max(passed).isoformat(), line, statement.quote,
                             self._cite(profile, statement, citations, retrieved))
        return None

    def _cite(self, profile: Profile, statement: Statement, citations: list["Citation"], retrieved: list["Hit"]) -> int:
        """The number of the citation holding ``statement`` (added, or the quote added to the cited chunk).

        A chunk cited this way that retrieval did not return joins the answer's retrieved list (after the
        search hits, with no score): every citation points to a retrieved source, as the answer contract says.
        """
        from .answer import Citation
        from .retrieval import Hit

        chunk = next(iter(self._chunks([statement.chunk_id])), None)
        if chunk is not None and all(h.chunk.id != chunk.id for h in retrieved):
            retrieved.append(Hit(chunk, score=0.0, dense_score=0.0))
        for i, citation in enumerate(citations):
            if citation.source == profile.source and statement.quote in citation.text:
                if statement.quote not in citation.quotes:
                    citations[i] = replace(citation, quotes=(statement.quote, *citation.quotes))
                return citation.n
        body = chunk.text if chunk is not None else statement.quote
        title = chunk.title if chunk is not None else profile.name
        n = max((c.n for c in citations), default=0) + 1
        citations.append(Citation(n, profile.source, title, statement.page, statement.section, body, (statement.quote,)))
        return n
