"""Keyword expansion for funding questions: everyday wording → the terms funding guidelines use.

A German funding guideline states who may apply under "Zuwendungsempfänger" / "Antragsberechtigt
sind …", what happens to a project begun early under "Vorzeitiger Maßnahmebeginn", what is excluded
under "Ausschlussgründe" or "nicht gefördert werden …". Applicants ask in their own words ("Kann ein
eingetragener Verein Partner werden?", "Fördert die DBU ein Projekt, mit dem wir schon angefangen
haben?"), which share no word with that rule, so BM25 cannot help and the dense match of the rule's
chunk is no better than that of the chunks around it (tuning set: the rule ranked 8th and 9th).

The table below maps question wordings to the standard terms of that vocabulary (the section
headings of the Bund's model guideline structure and of the DBU/EU regulations). The terms are added
to the keyword query only: the dense query stays the question itself, so a wrong expansion costs at
most a little of BM25's small weight. English questions, which BM25 cannot match at all, are
searched with the German terms alone.
"""

from __future__ import annotations

import re

#: (question wording, German guideline terms); matched case-insensitively anywhere in the question.
_EXPANSIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), terms)
    for pattern, terms in (
        # Who may apply / receive / take part.
        (r"\b(?:antragsberechtigt\w*|wer\s+(?:kann|darf)\b[^?]*\b(?:beantragen|bewerben|antr(?:a|ä)g\w*|teilnehmen|gefördert|einreichen)"
         r"|(?:kann|können|darf|dürfen)\s+(?:ein|eine|einen|unser|unsere|ich|wir|man)\b[^?]*"
         r"\b(?:beantragen|bewerben|antrag\s+stellen|partner\w*|teilnehmen|zuwendung\w*|förderung\s+(?:erhalten|bekommen)|mittel\s+(?:erhalten|bekommen)|gefördert\s+werden)"
         r"|who\s+(?:can|may|is\s+eligible\s+to)\s+apply|eligib\w+|(?:can|may)\s+(?:a|an|we|i)\b[^?]*\b(?:apply|receive\s+(?:funding|a\s+grant)|be\s+funded|take\s+part|partner))",
         "Antragsberechtigt Antragsberechtigte Zuwendungsempfänger Bewilligungsempfänger förderfähige Stellen"),
        # A project already begun, or starting before the decision.
        (r"\b(?:schon|bereits)\s+(?:\w+\s+){0,3}(?:angefangen|begonnen|gestartet|losgelegt)|\bvor\s+(?:der\s+)?(?:bewilligung|zusage|entscheidung)\b"
         r"|(?:loslegen|anfangen|beginnen|starten)\b[^?]*\b(?:während|bevor)\b|\b(?:already\s+(?:started|begun)|before\s+(?:approval|the\s+decision))",
         "vorzeitiger Maßnahmebeginn begonnener Vorhaben Projekte"),
        # What is not funded.
        (r"\bnicht\s+gefördert|\bausgeschlossen|\bausschluss\w*|\bnot\s+(?:be\s+)?funded|\bexcluded\b",
         "Ausschlussgründe nicht gefördert ausgeschlossen"),
        # Combining with other funding.
        (r"\b(?:kombinier\w*|zusätzlich\w*\s+(?:\w+\s+){0,2}förder\w*|andere\w*\s+(?:förder\w*|zuschüsse|mittel))|\bdoppelt\w*\s+förder|\bcombine\w*\b",
         "Kumulierung Mehrfachförderung kumuliert"),
        # How much: rate and amount.
        (r"\bwie\s+(?:viel|hoch)\b[^?]*\b(?:förder\w*|zuschuss\w*|zuwendung\w*|geld|finanzier\w*|kosten|ausgaben)|\bförderquote|\banteil\b"
         r"|\bhow\s+much\b[^?]*\b(?:fund\w*|grant\w*|cover\w*|money|costs?)|\bshare\s+of\b",
         "Höhe der Zuwendung Förderquote zuwendungsfähigen Ausgaben Kosten Prozent"),
        # How long a project may run.
        (r"\bwie\s+lange?\b[^?]*\b(?:gefördert|förder\w*|laufen|laufzeit)|\bhow\s+long\b[^?]*\b(?:fund\w*|run)",
         "Laufzeit Förderdauer Zuwendungszeitraum"),
        # How to apply.
        (r"\bwie\s+(?:beantrage|bewerbe|stelle)\b|\b(?:antrag|bewerbung)\s+(?:stellen|einreichen)\b|\bablauf\b[^?]*\b(?:antrag|bewerbung|verfahren)"
         r"|\bhow\s+(?:do\s+i|can\s+i|to)\s+apply|\bapplication\s+procedure",
         "Antragsverfahren Antragstellung Projektskizze Verfahren"),
        # Reporting and proof of use.
        (r"\b(?:bericht\w*|nachweis\w*|abrechn\w*)\b|\breport\w*\b|\bproof\s+of\s+use",
         "Verwendungsnachweis Zwischenbericht Schlussbericht"),
    )
)


def expansion_terms(question: str) -> str:
    """The guideline terms for the wordings in ``question`` (space-separated; empty when none match)."""
    return " ".join(terms for pattern, terms in _EXPANSIONS if pattern.search(question))
