"""Keyword expansion: everyday question wordings → the terms funding guidelines use."""

from __future__ import annotations

import pytest

from assistant.answering.expansion import expansion_terms


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Kann ein eingetragener Verein Partner in einem Verbund werden?", "Antragsberechtigt"),
        ("Wer darf einen Antrag stellen?", "Zuwendungsempfänger"),
        ("Können wir als gGmbH eine Zuwendung erhalten?", "Antragsberechtigt"),
        ("Who can apply for the programme?", "Antragsberechtigt"),
        ("Is a university eligible?", "Antragsberechtigt"),
        ("Fördert die DBU ein Projekt, mit dem wir schon angefangen haben?", "vorzeitiger Maßnahmebeginn"),
        ("Dürfen wir loslegen, während der Antrag geprüft wird?", "vorzeitiger Maßnahmebeginn"),
        ("Can we start before approval?", "vorzeitiger Maßnahmebeginn"),
        ("Was wird nicht gefördert?", "Ausschlussgründe"),
        ("Kann ich die Förderung mit anderen Zuschüssen kombinieren?", "Kumulierung"),
        ("Wie hoch ist die Förderung für Hochschulen?", "Förderquote"),
        ("What share of the costs is covered?", "Förderquote"),
        ("Wie lange kann ein Projekt gefördert werden?", "Laufzeit"),
        ("Wie beantrage ich die Förderung?", "Antragsverfahren"),
        ("Welche Berichte muss ich einreichen?", "Verwendungsnachweis"),
    ],
)
def test_wording_gets_the_guideline_term(question: str, term: str) -> None:
    assert term in expansion_terms(question)


@pytest.mark.parametrize(
    "question",
    [
        "Was versteht das Policy Paper unter dem Dual-Use-Risiko?",
        "Seit wann gilt die DSGVO?",
        "Which ministries are behind Civic Coding?",
        "Kann eine IP-Adresse personenbezogen sein?",  # a yes/no question that asks nothing about applying
    ],
)
def test_other_questions_are_not_expanded(question: str) -> None:
    assert expansion_terms(question) == ""
