"""Questions that ask two things: the part questions, each searched on its own.

"Welche Projekte stellten sich auf der Data Week vor, und welche Ankerprojekte gehören zu Civic
Coding?" is embedded as one vector, and the document that answers its first half wins all five places
(tuning set: the second document's best chunk ranked 8th; for "Von wann stammen die Bekanntmachungen
der Förderrichtlinie … und der Richtlinie zu den Transformationsclustern?" 15th). Searching each part
on its own and keeping each part's best chunk among the top k gives both halves their evidence.

Two coordinations are split, both by their grammar, not by domain words:
- clauses: ", und wann …", ", und welche …", "… and how …" (a conjunction followed by a question word);
- noun phrases with an article: "der Förderrichtlinie X und der Richtlinie Y": each part keeps the
  rest of the question ("Von wann stammen die Bekanntmachungen der Richtlinie Y?").
"""

from __future__ import annotations

import re

from ..text import QUESTION_WORD, STOPWORDS, question_clauses

#: " und der Richtlinie …": a second noun phrase with its own article.
_NOUN_PHRASE = re.compile(r"\s+(?:und|sowie|bzw\.|and)\s+(der|die|das|dem|den|des|the)\s+(?=\S)", re.IGNORECASE)
_ARTICLE = re.compile(r"\b(?:der|die|das|dem|den|des|the)\s", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,}")

#: A part with fewer content words than this is no question of its own ("und wann?").
_MIN_CONTENT_WORDS = 3


def question_parts(question: str) -> list[str]:
    """The part questions of ``question`` (empty when it asks one thing).

    A part too short to be searched on its own ("…, und wann?") makes the split pointless: the
    question is then treated as one.
    """
    question = " ".join(question.split())
    parts = _clause_parts(question) or _noun_phrase_parts(question)
    if len(parts) < 2 or any(len(_content_words(part)) < _MIN_CONTENT_WORDS for part in parts):
        return []
    return parts


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and not QUESTION_WORD.fullmatch(w)]


def _clause_parts(question: str) -> list[str]:
    clauses = question_clauses(question)
    return clauses if len(clauses) >= 2 else []


def _noun_phrase_parts(question: str) -> list[str]:
    match = _NOUN_PHRASE.search(question)
    if match is None:
        return []
    # The second noun phrase runs to the next comma or the end; the first starts at the nearest article
    # of the same form before the conjunction (else the nearest article at all).
    rest = question[match.end():]
    end = match.end() + min((i for i in (rest.find(","), rest.find("?")) if i >= 0), default=len(rest))
    before = question[: match.start()]
    article = match.group(1).lower()
    starts = [m.start() for m in _ARTICLE.finditer(before) if m.group(0).strip().lower() == article]
    starts = starts or [m.start() for m in _ARTICLE.finditer(before)]
    if not starts:
        return []
    first = (question[: match.start()] + question[end:]).strip()
    second = (question[: starts[-1]] + question[match.start(1) : end] + question[end:]).strip()
    return [first, second]
