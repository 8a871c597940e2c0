"""Citation parsing, verification against sources and renumbering."""

from __future__ import annotations

import numpy as np

from assistant.answering.citations import SupportChecker, parse_markers, strip_markers, verify
from tests.fakes import HashEmbedder

SOURCES = [
    "Antragsberechtigt sind juristische Personen des öffentlichen und privaten Rechts.",
    "Die Zuwendung beträgt bis zu 90 Prozent der zuwendungsfähigen Ausgaben.",
    "Bienen werden mit Sensoren beobachtet.",
]


def _checker() -> SupportChecker:
    return SupportChecker(lambda texts: HashEmbedder().embed_documents(texts))


def test_parse_markers_handles_lists_ranges_and_adjacent() -> None:
    assert parse_markers("A [1]. B [2, 3]. C [4][5]. D [1-3].") == [1, 2, 3, 4, 5, 1, 2, 3]
    assert strip_markers("Gefördert werden Vereine [1] .") == "Gefördert werden Vereine."


def test_supported_citations_are_kept_and_renumbered_by_first_use() -> None:
    answer = "Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [2]. Antragsberechtigt sind juristische Personen [1]."
    result = verify(answer, SOURCES, _checker())
    assert result.text == (
        "Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [1]. Antragsberechtigt sind juristische Personen [2]."
    )
    assert result.sources == (2, 1)
    assert result.supported_count == 2 and result.unverified_count == 0


def test_unknown_marker_is_removed() -> None:
    result = verify("Antragsberechtigt sind juristische Personen [1][7].", SOURCES, _checker())
    assert result.text == "Antragsberechtigt sind juristische Personen [1]."
    assert result.sentences[0].dropped == (7,)


def test_unsupported_citation_is_dropped_and_sentence_flagged() -> None:
    result = verify("Die Förderquote beträgt 50 Prozent für Start-ups in Bayern [3].", SOURCES, _checker())
    assert "[" not in result.text.replace("(nicht belegt)", "")
    assert result.text.endswith("(nicht belegt).")
    assert result.unverified_count == 1 and result.sources == ()


def test_uncited_sentences_pass_through_unflagged_and_lines_are_kept() -> None:
    answer = "Kurz gesagt:\n- Antragsberechtigt sind juristische Personen [1].\n- Bienen werden beobachtet [3]."
    result = verify(answer, SOURCES, _checker(), language="de")
    assert result.text == "Kurz gesagt:\n- Antragsberechtigt sind juristische Personen [1].\n- Bienen werden beobachtet [2]."


def test_marker_after_the_period_belongs_to_the_sentence() -> None:
    result = verify("Bienen werden mit Sensoren beobachtet. [3] Mehr ist nicht bekannt.", SOURCES, _checker())
    assert result.text == "Bienen werden mit Sensoren beobachtet [1]. Mehr ist nicht bekannt."


def test_semantic_check_supports_paraphrase_the_lexical_check_misses() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        vectors = np.zeros((len(texts), 2), dtype=np.float32)
        vectors[:, 0] = 1.0  # every text "means" the same
        return vectors

    checker = SupportChecker(embed, semantic_threshold=0.9)
    assert checker.supports("Legal entities may apply.", SOURCES[0])
    assert calls, "the semantic check ran because no German stems overlap"
    assert not SupportChecker(None).supports("Legal entities may apply.", SOURCES[0])
