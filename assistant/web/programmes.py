"""The "Förderprogramme" tab's content: overview rows, filters and the side-by-side comparison (pure, escaped).

Every value links to the passage it is read from (``/quelle/<file>?chunk=…``, the document's indexed
text with that passage marked), so a consultant can check each cell in one click.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

from ..loaders.base import collapse_whitespace
from ..messages import Message, text
from ..programmes.book import Row
from ..programmes.profiles import FIELD_LABELS, FIELDS, ProfileField
from ..text import shortened
from .presentation import document_url, escape, escape_html, new_window_link

#: Status filter choices: value → label.
STATUS_FILTERS = {
    "all": Message("ui.programmes.status.all"),
    "open": Message("ui.programmes.status.open"),
    "expired": Message("ui.programmes.status.expired"),
    "unknown": Message("ui.programmes.status.unknown"),
}
#: The overview's columns besides name and status (the rest are in the comparison).
TABLE_FIELDS = ("max_amount", "funding_rate", "applicants", "funding_type")
#: Programmes compared side by side, at most (wider tables stop being readable).
MAX_COMPARED = 4
#: Characters of a long value or name shown in a table cell (the full passage is one click away; longer
#: cells push the other columns out of sight).
CELL_CHARS = 90


@dataclass(frozen=True)
class Filters:
    """What the overview shows: a status, words in "who may apply", a smallest maximum amount (EUR)."""

    status: str = "all"
    applicant: str = ""
    min_amount: float | None = None

    def keep(self, row: Row) -> bool:
        if self.status != "all" and row.status != self.status and not (self.status == "open" and row.status == "not_yet"):
            return False
        applicants = row.profile.fields["applicants"].value.casefold()
        if any(word not in applicants for word in self.applicant.casefold().split()):
            return False
        if self.min_amount:
            amount = row.profile.fields["max_amount"].number
            return amount is not None and amount >= self.min_amount
        return True


def status_choices(language: str) -> list[tuple[str, str]]:
    return [(label.render(language), value) for value, label in STATUS_FILTERS.items()]


def programme_headers(language: str) -> list[str]:
    """Column headers matching :func:`programme_rows`."""
    return [
        text("programme.field.name", language), text("programme.field.status", language),
        *(FIELD_LABELS[name].render(language) for name in TABLE_FIELDS), text("programme.field.source", language),
    ]


def programme_rows(rows: Sequence[Row], filters: Filters, language: str) -> list[list[str]]:
    """Markdown cells of the overview: each value a link to its passage; "nicht angegeben" where not stated."""
    table = []
    for row in rows:
        if not filters.keep(row):
            continue
        profile = row.profile
        validity = row.dated_by.fields["validity"]
        table.append([
            escape(shortened(profile.name, CELL_CHARS)),
            _cell(row.dated_by.source, validity, language, shown=row.status_text),
            *(_cell(profile.source, profile.fields[name], language) for name in TABLE_FIELDS),
            escape(profile.source),
        ])
    return table


def _cell(source: str, field: ProfileField, language: str, shown: str | None = None) -> str:
    if not field.statements:
        return escape(shown or text("programme.not_stated", language))
    value = shortened(shown or field.value, CELL_CHARS)
    url = document_url(source, chunk_id=field.statements[0].chunk_id)
    return f"[{escape(value)}]({url})"


def compare_choices(rows: Sequence[Row]) -> list[tuple[str, str]]:
    return [(row.profile.name, row.profile.source) for row in rows]


def comparison_html(rows: Sequence[Row], chosen: Sequence[str], language: str, today_text: str) -> str:
    """2–4 programmes side by side: every field with its value, its verbatim passage and a link to it."""
    picked = [row for source in chosen for row in rows if row.profile.source == source][:MAX_COMPARED]
    if len(picked) < 2:
        return f'<p class="compare-hint">{escape_html(text("ui.programmes.compare_hint", language, count=MAX_COMPARED))}</p>'
    head = "".join(f'<th scope="col">{escape_html(row.profile.name)}</th>' for row in picked)
    body = [f'<tr><th scope="row">{escape_html(text("programme.field.status", language))}</th>'
            + "".join(f"<td>{_status_cell(row, language)}</td>" for row in picked) + "</tr>"]
    for name in FIELDS:
        cells = "".join(f"<td>{_field_cell(row.profile.source, row.profile.fields[name], language)}</td>" for row in picked)
        body.append(f'<tr><th scope="row">{escape_html(FIELD_LABELS[name].render(language))}</th>{cells}</tr>')
    caption = escape_html(text("ui.programmes.checked_on", language, date=today_text))
    return f'<table class="compare"><caption>{caption}</caption><thead><tr><td></td>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _status_cell(row: Row, language: str) -> str:
    validity = row.dated_by.fields["validity"]
    cell = f'<strong class="status-{row.status}">{escape_html(row.status_text)}</strong>'
    return cell + (_passages(row.dated_by.source, validity, language) if validity.statements else "")


def _field_cell(source: str, field: ProfileField, language: str) -> str:
    if not field.statements:
        return f'<span class="not-stated">{escape_html(text("programme.not_stated", language))}</span>'
    passages = _passages(source, field, language)
    if len(field.statements) == 1 and field.value == collapse_whitespace(field.statements[0].quote):
        return passages  # the value is the passage itself: shown once
    return f"<strong>{escape_html(field.value)}</strong>" + passages


def _passages(source: str, field: ProfileField, language: str) -> str:
    items = []
    for statement in field.statements:
        where = text("answer.page", language, page=statement.page).lstrip(", ") if statement.page else statement.section
        link = new_window_link(document_url(source, chunk_id=statement.chunk_id), where or source, language, "passage-link")
        items.append(f'<blockquote>{html.escape(statement.quote)}</blockquote><div class="where">{link}</div>')
    return "".join(items)

