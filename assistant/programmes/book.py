"""The programme profiles of an index, read from its manifest, and their status on a given day."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..text import STOPWORDS
from .profiles import FIELDS, Profile

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk
    from ..indexing.store import DocumentRecord

log = logging.getLogger(__name__)


class ProgrammeBook:
    """Profiles by document source. ``records`` gives the index's document records (profiles live in
    them, written at ingest); ``today`` the date statuses are computed against (asked on every use, so a
    long-running UI moves into the next day)."""

    def __init__(self, records: Callable[[], Mapping[str, "DocumentRecord"]], today: Callable[[], dt.date]) -> None:
        self._records = records
        self.today = today
        self._parsed: dict[tuple[str, str], Profile | None] = {}

    def profiles(self) -> list[Profile]:
        """Every programme in the index, by name."""
        found = [p for source, record in self._records().items() if (p := self._profile(source, record)) is not None]
        return sorted(found, key=lambda p: (p.name.casefold(), p.source))

    def profile(self, source: str) -> Profile | None:
        """The profile of ``source``; None when it is no programme (or not indexed)."""
        record = self._records().get(source)
        return self._profile(source, record) if record is not None else None

    def related(self, profile: Profile) -> list[Profile]:
        """Other documents on the same programme (a Förderdatenbank entry and its guideline): names that
        share at least two content words."""
        words = name_words(profile.name)
        return [p for p in self.profiles() if p.source != profile.source and len(words & name_words(p.name)) >= 2]

    def dated(self, profile: Profile) -> Profile:
        """``profile`` if it states its validity, else a related document's profile that does (else itself)."""
        if profile.valid_from or profile.valid_until:
            return profile
        return next((p for p in self.related(profile) if p.valid_from or p.valid_until), profile)

    def _profile(self, source: str, record: "DocumentRecord") -> Profile | None:
        if not record.programme:
            return None
        key = (source, record.sha256)
        if key not in self._parsed:
            try:
                self._parsed[key] = Profile.from_json(record.programme)
            except (KeyError, TypeError, ValueError) as exc:
                # Derived data: a damaged entry hides one profile until the next ingest rewrites it.
                log.warning("Programmprofil von %s ist beschädigt (%s) und wird übergangen.", source, exc)
                self._parsed[key] = None
        return self._parsed[key]


def name_words(name: str) -> set[str]:
    """Content words of a programme name, stemmed crudely ("Künstlicher" and "Künstliche" meet)."""
    words = {w.casefold() for w in re.findall(r"[\wÄÖÜäöüß]{4,}", name)}
    return {w[:8] for w in words if w not in STOPWORDS and w not in _GENERIC}


#: Words every programme name may carry: they do not make two names the same programme.
_GENERIC = frozenset({"förderprogramm", "förderrichtlinie", "richtlinie", "förderung", "programm", "stärkung", "nutzung", "anwendung"})


@dataclass(frozen=True)
class Row:
    """One programme as the overview table and ``assistant programmes`` show it.

    ``dated_by`` is the profile whose validity the status comes from: the programme's own, or — for a
    Förderdatenbank entry that states none — the guideline on the same programme that does.
    """

    profile: Profile
    dated_by: Profile
    status: str
    status_text: str

    def to_json(self) -> dict[str, Any]:
        data = self.profile.to_json()
        data["status"] = self.status
        data["status_text"] = self.status_text
        data["status_source"] = self.dated_by.source
        if self.dated_by is not self.profile:
            data["validity_from_related"] = asdict(self.dated_by.fields["validity"].statements[0])
        return data


def overview(book: ProgrammeBook, language: str) -> list[Row]:
    """All programmes with their status on ``book.today()``."""
    today = book.today()
    return [Row(p, dated, dated.status(today), dated.status_text(today, language))
            for p in book.profiles() for dated in [book.dated(p)]]


def verify_profile(profile: Profile, chunks: Sequence["Chunk"]) -> list[str]:
    """Problems with ``profile`` against the chunks it was read from (empty: every statement is a verbatim
    passage of its chunk, and every figure and date of a value is stated in the field's passages)."""
    from ..text import number_occurs, numbers

    texts = {c.id: c.text for c in chunks}
    problems = []
    for name in FIELDS:
        field = profile.fields[name]
        for statement in field.statements:
            if statement.quote not in texts.get(statement.chunk_id, ""):
                problems.append(f"{name}: passage not in chunk {statement.chunk_id}")
        quoted = "\n".join(s.quote for s in field.statements)
        for number in numbers(field.value):
            if not number_occurs(number, quoted):
                problems.append(f"{name}: {number} not stated in its passages")
        if field.value and not field.statements:
            problems.append(f"{name}: value without a passage")
    return problems
