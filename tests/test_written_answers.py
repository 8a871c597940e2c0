"""Written answers with the real bundled models: language, citations, "not in the sources", numbers.

Slow: EmbeddingGemma indexes a small corpus and Qwen2.5-Coder-1.5B answers a handful of fixed
questions (greedy decoding, so the answers are the same on every run of the same build). Skipped
with the reason when `assistant setup` has not assembled the models.
"""

from __future__ import annotations

import pytest

from assistant.answering.answer import Answer
from assistant.app import App, build_app
from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models import resolve_embedder, resolve_llm
from assistant.text import number_occurs, numbers, prose_language

pytestmark = pytest.mark.slow

GUIDELINE = """# Förderrichtlinie Digitale Nachbarschaft

## 1 Zuwendungszweck

Das Land fördert Projekte, die mit Künstlicher Intelligenz die Nachbarschaftshilfe in Städten und Gemeinden stärken.

## 2 Antragsberechtigte

Antragsberechtigt sind gemeinnützige Vereine, Stiftungen und Kommunen mit Sitz im Land. Unternehmen sind nicht antragsberechtigt.

## 3 Art und Umfang der Zuwendung

Die Zuwendung wird als Zuschuss gewährt. Sie beträgt bis zu 80 Prozent der zuwendungsfähigen Ausgaben, höchstens 120.000 Euro je Projekt. Die Laufzeit beträgt höchstens 24 Monate.

## 4 Verfahren

Projektskizzen sind bis zum 15. März 2026 beim Landesamt für Digitales einzureichen.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    home = tmp_path_factory.mktemp("written")
    (home / "corpus").mkdir()
    (home / "corpus" / "richtlinie.md").write_text(GUIDELINE, encoding="utf-8")
    # The real cache holds the bundled models; the index is the test's own.
    settings = Settings(home=home, cache_dir=Settings().cache_dir, embed_cache=False)
    try:
        resolve_embedder(settings)
        llm = resolve_llm(settings)
    except ModelError as exc:
        pytest.skip(f"bundled models not set up (run `assistant setup`): {exc.render('en')}")
    if not llm.has_chat_template:
        pytest.skip(f"{llm.name} is not an instruct model")
    app = build_app(settings)
    app.ingestor.ingest()
    assert app.answerer.default_mode == "llm", "an instruct model makes written answers the default"
    return app


def _assert_numbers_occur_in_their_sources(answer: Answer) -> None:
    """Every number of a cited sentence is stated by the source it cites (the code's guarantee)."""
    for citation in answer.citations:
        for sentence in citation.quotes:
            for number in numbers(sentence):
                assert number_occurs(number, citation.text), f"{number} of {sentence!r} not in source [{citation.n}]"


def test_german_question_gets_a_german_cited_answer_with_the_amounts(app: App) -> None:
    answer = app.answerer.ask("Wie hoch ist die Zuwendung nach der Förderrichtlinie Digitale Nachbarschaft?")
    assert answer.mode == "llm" and not answer.refused, answer.text
    assert prose_language(answer.text) == "de"
    assert "[1]" in answer.text and answer.citations[0].source == "richtlinie.md"
    assert "80 Prozent" in answer.text or "120.000" in answer.text
    assert answer.unverified_sentences == 0, answer.text
    assert "```" not in answer.text and "<|im_" not in answer.text and not answer.text.lstrip().startswith("#")
    _assert_numbers_occur_in_their_sources(answer)


def test_english_question_gets_an_english_answer_over_german_sources(app: App) -> None:
    answer = app.answerer.ask("Who is eligible to apply under the Digitale Nachbarschaft funding guideline?")
    assert answer.mode == "llm" and not answer.refused, answer.text
    assert prose_language(answer.text) == "en", answer.text
    assert answer.citations and answer.attribution["verified"] >= 1
    _assert_numbers_occur_in_their_sources(answer)


def test_a_year_the_sources_do_not_cover_is_not_answered_from_nearby_text(app: App) -> None:
    answer = app.answerer.ask("Wie hoch ist die Zuwendung nach der Förderrichtlinie Digitale Nachbarschaft im Jahr 2031?")
    assert answer.refused and "2031" in answer.text
    assert not answer.citations


def test_a_detail_the_sources_lack_is_said_to_be_missing(app: App) -> None:
    answer = app.answerer.ask("Welche Telefonnummer hat das Landesamt für Digitales?")
    # Either retrieval refuses, or the model says the knowledge base has no such detail; a number it
    # invents could never be shown as cited.
    assert answer.refused, answer.text
    _assert_numbers_occur_in_their_sources(answer)
