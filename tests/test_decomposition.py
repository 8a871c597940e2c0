"""Two-part questions: split by their grammar, each part searched on its own, each part's best chunk kept."""

from __future__ import annotations

import pytest

from assistant.answering.decomposition import question_parts
from assistant.app import build_app
from assistant.config import Settings
from tests.fakes import HashEmbedder


def test_clauses_joined_by_a_question_word_are_parts() -> None:
    assert question_parts("Welche Projekte stellten sich auf der Data Week Leipzig vor, und welche Ankerprojekte gehören zu Civic Coding?") == [
        "Welche Projekte stellten sich auf der Data Week Leipzig vor?",
        "welche Ankerprojekte gehören zu Civic Coding?",
    ]
    assert question_parts("Which ministries run Civic Coding and which guideline did the family ministry issue?") == [
        "Which ministries run Civic Coding?",
        "which guideline did the family ministry issue?",
    ]


def test_coordinated_noun_phrases_keep_the_rest_of_the_question() -> None:
    question = "Von wann stammen die Bekanntmachungen der Förderrichtlinie KI für das Gemeinwohl und der Richtlinie zu den Transformationsclustern?"
    assert question_parts(question) == [
        "Von wann stammen die Bekanntmachungen der Förderrichtlinie KI für das Gemeinwohl?",
        "Von wann stammen die Bekanntmachungen der Richtlinie zu den Transformationsclustern?",
    ]
    assert question_parts("Wie bestimmen das Policy Paper und die Förderrichtlinie, wann KI dem Gemeinwohl dient?") == [
        "Wie bestimmen das Policy Paper, wann KI dem Gemeinwohl dient?",
        "Wie bestimmen die Förderrichtlinie, wann KI dem Gemeinwohl dient?",
    ]


@pytest.mark.parametrize(
    "question",
    [
        "Wer ist antragsberechtigt?",
        "Welche Ministerien und Länder fördern Civic Coding?",  # no article: one list, one question
        "Welche neun Use Cases erprobt URBAN.KI, und in welchen Städten?",  # a part too short to search alone
        "Wann beginnt und endet die Frist?",
    ],
)
def test_one_question_is_not_split(question: str) -> None:
    assert question_parts(question) == []


def test_each_part_gets_its_best_chunk_and_evidence(settings: Settings) -> None:
    week = "Auf der Data Week in Leipzig stellten sich Projekte vor: {} präsentierte ihre Arbeit in Leipzig."
    (settings.corpus_dir / "week.md").write_text(
        "# Data Week\n\n" + "\n\n".join(f"## Tag {i}\n\n" + week.format(name) for i, name in enumerate(("Reimagine", "deliberAIde", "ROOTS"), 1)),
        encoding="utf-8",
    )
    (settings.corpus_dir / "civic.md").write_text(
        "# Initiative\n\nDie Ankerprojekte von Civic Coding sind die Ideenwerkstatt und das Civic Data Lab. Dazu bietet die "
        "Initiative Beratung, Vernetzung, Schulungen, Veranstaltungen, Materialien und Austausch für Kommunen, Vereine, "
        "Verwaltungen, Stiftungen und Hochschulen bundesweit an.\n",
        encoding="utf-8",
    )
    question = "Welche Projekte stellten sich auf der Data Week in Leipzig vor, und welche Ankerprojekte gehören zu Civic Coding?"
    answers = {}
    for split in (False, True):
        app = build_app(settings.with_(min_evidence=0.1, top_k=2, split_questions=split), embedder=HashEmbedder(dimension=4096))
        app.ingestor.ingest()
        answers[split] = app.answerer.ask(question)
    assert {c.source for c in answers[False].citations} == {"week.md"}
    assert "civic.md" in {c.source for c in answers[True].citations}
    assert "Ideenwerkstatt" in answers[True].text and "Leipzig" in answers[True].text
