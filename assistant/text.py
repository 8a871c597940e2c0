"""Tiny language identification for German vs. English questions (no model, no dependency).

Questions are short, so we count function words, which are frequent and distinctive in both
languages; umlauts and ß tip the balance towards German. Anything undecided counts as German, the
product's default language.
"""

from __future__ import annotations

import re

_GERMAN = frozenset(
    "der die das und ist nicht ein eine einer einem einen des dem den wer wie was welche welcher welches "
    "wann warum wo gibt es zu zur zum mit für von auf im bei oder sind wird werden kann können muss "
    "soll ich wir sie nach über auch als dass durch".split()
)
_ENGLISH = frozenset(
    "the and is are not a of to for on with by what which who whom how when why where does do "
    "can could should would must may there this that these those it its be been from about".split()
)
_WORD = re.compile(r"[a-zäöüß]+")


def detect_language(text: str) -> str:
    """'de' or 'en' for a question or short text; German when in doubt."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    german = sum(w in _GERMAN for w in words) + 2 * len(re.findall(r"[äöüß]", lowered))
    english = sum(w in _ENGLISH for w in words)
    return "en" if english > german else "de"
