"""The project an advisory briefing is prepared for: free text plus optional fields, from YAML or the UI form.

A profile file is YAML (JSON is YAML too), German or English keys::

    name: Baumpaten-App
    beschreibung: Ein Verein entwickelt eine App, die mit KI vorhersagt, welche Stadtbäume Wasser brauchen.
    rechtsform: e.V.
    thema: Umwelt, Stadtbäume
    budget: 180000          # EUR, also "180.000 EUR"
    laufzeit_monate: 24
    personenbezogene_daten: ja
    ki_an_menschen: nein
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import InputError
from ..loaders.base import collapse_whitespace

#: A profile is a short text; a bigger file is not one (and is not read into memory).
MAX_PROFILE_BYTES = 64 * 1024
#: Characters of the free-text description (it is also the retrieval query: longer adds nothing).
MAX_DESCRIPTION_CHARS = 4000

#: Accepted keys (German and English) → field name.
_KEYS = {
    "name": "name", "projekt": "name", "titel": "name", "title": "name",
    "beschreibung": "description", "description": "description", "projektbeschreibung": "description",
    "rechtsform": "legal_form", "legal_form": "legal_form",
    "thema": "topic", "topic": "topic", "themen": "topic",
    "budget": "budget_eur", "budget_eur": "budget_eur", "kosten": "budget_eur",
    "laufzeit_monate": "duration_months", "duration_months": "duration_months", "laufzeit": "duration_months",
    "personenbezogene_daten": "personal_data", "personal_data": "personal_data",
    "ki_an_menschen": "ai_on_people", "ai_on_people": "ai_on_people",
}
_TRUE = {"ja", "yes", "true", "1", "j", "y"}
_FALSE = {"nein", "no", "false", "0", "n"}
_AMOUNT = re.compile(r"^\s*(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,\d{1,2})?\s*(?:€|EUR|Euro)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ProjectProfile:
    """What a consultant knows about a project before the session (only ``description`` is required)."""

    description: str
    name: str = ""
    legal_form: str = ""
    topic: str = ""
    budget_eur: float | None = None
    duration_months: int | None = None
    personal_data: bool | None = None
    ai_on_people: bool | None = None

    @property
    def query(self) -> str:
        """What retrieval looks for: the description and the topic."""
        return f"{self.description} {self.topic}".strip()


def load_profile(path: Path) -> ProjectProfile:
    """The profile in ``path`` (InputError with the reason when it is missing, unreadable, empty or malformed)."""
    try:
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            raise InputError("profile.too_big", path=path, kb=MAX_PROFILE_BYTES // 1024)
        raw = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("profile.missing", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("profile.unreadable", path=path, error=getattr(exc, "strerror", None) or str(exc)) from None
    import yaml

    try:
        data = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise InputError("profile.not_yaml", path=path, line=line) from None
    if data is None:
        raise InputError("profile.empty", path=path)
    if isinstance(data, str):
        data = {"beschreibung": data}  # a file with only the free text
    if not isinstance(data, Mapping):
        raise InputError("profile.not_a_mapping", path=path)
    return profile_from_fields(data, str(path))


def profile_from_fields(data: Mapping[Any, Any], where: str) -> ProjectProfile:
    """A profile from key/value pairs (the file's or the UI form's); ``where`` names them in messages."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        field = _KEYS.get(str(key).strip().casefold())
        if field is None:
            raise InputError("profile.unknown_key", where=where, key=str(key), keys=", ".join(sorted(_KEYS)))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        values[field] = _converted(field, value, where)
    description = str(values.pop("description", "")).strip()
    if not description:
        raise InputError("profile.no_description", where=where)
    return ProjectProfile(description=description[:MAX_DESCRIPTION_CHARS], **values)


def _converted(field: str, value: Any, where: str) -> Any:
    if field in ("personal_data", "ai_on_people"):
        if isinstance(value, bool):
            return value
        word = str(value).strip().casefold()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise InputError("profile.not_yes_no", where=where, field=field, value=str(value))
    if field == "budget_eur":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        match = _AMOUNT.match(str(value))
        if not match:
            raise InputError("profile.not_an_amount", where=where, value=str(value))
        return float(re.sub(r"[.\s]", "", match.group(1)))
    if field == "duration_months":
        try:
            months = int(str(value).strip().split()[0])
        except (ValueError, IndexError):
            raise InputError("profile.not_months", where=where, value=str(value)) from None
        if months < 1:
            raise InputError("profile.not_months", where=where, value=str(value))
        return months
    return collapse_whitespace(str(value))
