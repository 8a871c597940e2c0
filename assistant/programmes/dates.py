"""Dates as funding documents write them, and the validity a sentence states.

German guidelines write "31. Dezember 2025", "31.12.2025", "bis Ende 2025" or a programme period
"2021–2027"; English pages "31 December 2025" or "December 31, 2025". Only dates with a year are
read: "31. Oktober eines Jahres" is a recurring deadline, not a date, and stays a quoted statement.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# \s+ throughout: PDF text breaks a date across lines ("31.\nDezember 2025").
_DATE_PATTERNS = (
    ("dmy_word", re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)),
    ("mdy_word", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),\s+(\d{{4}})\b", re.IGNORECASE)),
    ("dmy_numeric", re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")),
    ("end_of_year", re.compile(r"\b(?:Ende|Ablauf)\s+(?:des\s+Jahres\s+)?(\d{4})\b|\bend\s+of\s+(\d{4})\b", re.IGNORECASE)),
)
#: A programme period such as "2021–2027" (not "2020/2093", a regulation number).
_PERIOD = re.compile(r"(?<![\d/])(20\d\d|19\d\d)\s*[–-]\s*(20\d\d|19\d\d)(?![\d/])")


@dataclass(frozen=True)
class FoundDate:
    """A date written in a text: its value and where it stands."""

    value: dt.date
    start: int
    end: int
    text: str


def find_dates(text: str) -> list[FoundDate]:
    """Every date with a year in ``text``, in reading order (impossible ones such as 31.02. are skipped)."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            value = _date_of(kind, match)
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end(), match.group(0)))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def _date_of(kind: str, match: re.Match[str]) -> dt.date | None:
    try:
        if kind == "dmy_word":
            return dt.date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        if kind == "mdy_word":
            return dt.date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
        if kind == "dmy_numeric":
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date(int(match.group(1) or match.group(2)), 12, 31)
    except (ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Validity:
    """When a programme or guideline is in force, as one sentence states it (either end may be open)."""

    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def known(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None


# "tritt am 15. November 2021 in Kraft", "gilt ab dem 1.1.2024", "mit Wirkung vom 1. Juli 2023".
_FROM_CUE = re.compile(r"(?:tritt\s+am|gilt\s+ab(?:\s+dem)?|mit\s+Wirkung\s+vom|in\s+force\s+(?:from|on)|from)\s*$", re.IGNORECASE)
# "befristet bis zum 31. Dezember 2025", "gilt bis 30.06.2027", "mithin bis zum 30. Juni 2027", "until 31 December 2025".
_UNTIL_CUE = re.compile(r"(?:\bbis(?:\s+(?:zum|zur|einschließlich))?|\buntil|\bexpires\s+on)\s*$", re.IGNORECASE)
# What makes a sentence speak about the validity of the programme itself (not about a project's term).
VALIDITY_CUE = re.compile(
    r"befristet|Geltungsdauer|in\s+Kraft|außer\s+Kraft|gilt\s+bis|Laufzeit\s+(?:dieser|der)\s+(?:Förder)?[Rr]ichtlinie"
    r"|Laufzeit\s+des\b[^.]{0,80}Finanzrahmens|Programmlaufzeit|in\s+force|expires?",
)


def validity_of(sentence: str) -> Validity:
    """The start and end of validity that ``sentence`` states (only when it speaks about validity at all).

    The end is the first date introduced by "bis (zum)" / "until", else "bis Ende YYYY", else the end of a
    programme period ("Finanzrahmen 2021–2027" → 31.12.2027). Later dates in the same sentence ("nicht über den
    31. Dezember 2033 hinaus") are extensions under conditions and are not read as the end.
    """
    if not VALIDITY_CUE.search(sentence):
        return Validity()
    dates = find_dates(sentence)
    valid_from = next((d.value for d in dates if _FROM_CUE.search(sentence[: d.start])), None)
    until = next((d.value for d in dates if _UNTIL_CUE.search(sentence[: d.start]) or d.text.lower().startswith(("ende", "ablauf", "end "))), None)
    period = _PERIOD.search(sentence)
    if period and until is None:
        until = dt.date(int(period.group(2)), 12, 31)
        valid_from = valid_from or dt.date(int(period.group(1)), 1, 1)
    return Validity(valid_from, until)


def format_date(value: dt.date, language: str) -> str:
    """"31.12.2025" (German) or "31 Dec 2025" (English)."""
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%d %b %Y").lstrip("0")


def parse_today(value: str) -> dt.date:
    """A YYYY-MM-DD setting as a date (ValueError with the reason otherwise)."""
    return dt.date.fromisoformat(value.strip())
