"""Citation parsing, attribution of answer sentences to sources, the number check and renumbering."""

from __future__ import annotations

import numpy as np

from assistant.answering.citations import SupportChecker, attribute, parse_markers, strip_markers
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
    result = attribute(answer, SOURCES, _checker())
    assert result.text == (
        "Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [1]. Antragsberechtigt sind juristische Personen [2]."
    )
    assert result.sources == (2, 1)
    assert result.supported_count == 2 and result.unverified_count == 0


def test_unknown_marker_is_removed() -> None:
    result = attribute("Antragsberechtigt sind juristische Personen [1][7].", SOURCES, _checker())
    assert result.text == "Antragsberechtigt sind juristische Personen [1]."
    assert result.sentences[0].dropped == (7,)


def test_unsupported_citation_is_dropped_and_sentence_flagged() -> None:
    result = attribute("Die Förderquote beträgt 50 Prozent für Start-ups in Bayern [3].", SOURCES, _checker())
    assert "[" not in result.text.replace("(nicht belegt)", "")
    assert result.text.endswith("(nicht belegt).")
    assert result.unverified_count == 1 and result.sources == ()


def test_uncited_claims_are_attributed_by_code_and_connectives_left_alone() -> None:
    answer = "Kurz gesagt:\n- Antragsberechtigt sind juristische Personen.\n- Bienen werden mit Sensoren beobachtet [3]."
    result = attribute(answer, SOURCES, _checker(), language="de")
    assert result.text == "Kurz gesagt:\n- Antragsberechtigt sind juristische Personen [1].\n- Bienen werden mit Sensoren beobachtet [2]."
    intro, first, second = result.sentences
    assert intro.connective and not intro.claim and not intro.unverified
    assert first.attributed and first.supported == (1,) and first.model_marker_right is None
    assert not second.attributed and second.model_marker_right is True


def test_a_wrong_marker_is_replaced_by_the_supporting_source() -> None:
    result = attribute("Bienen werden mit Sensoren beobachtet [1].", SOURCES, _checker())
    check = result.sentences[0]
    assert check.supported == (3,) and check.dropped == (1,) and check.attributed
    assert check.model_marker_right is False
    assert result.text == "Bienen werden mit Sensoren beobachtet [1]." and result.sources == (3,)
    assert result.marker_stats() == {"claims": 1, "verified": 1, "model_marked": 1, "model_marked_right": 0, "attributed_by_code": 1}


def test_a_number_the_source_does_not_state_fails_the_sentence() -> None:
    # Same words as source 2, but 95 instead of 90: an invented amount is not supported, whatever the overlap.
    result = attribute("Die Zuwendung beträgt bis zu 95 Prozent der zuwendungsfähigen Ausgaben [2].", SOURCES, _checker())
    assert result.unverified_count == 1 and result.text.endswith("(nicht belegt).")
    right = attribute("Die Zuwendung beträgt bis zu 90 Prozent der zuwendungsfähigen Ausgaben [2].", SOURCES, _checker())
    assert right.supported_count == 1 and right.text.endswith("[1].")


def test_not_in_the_sources_is_a_statement_not_a_claim() -> None:
    answer = "Die Wissensbasis enthält dazu keine Angabe. Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [2]."
    result = attribute(answer, SOURCES, _checker())
    assert result.says_not_in_sources and result.unverified_count == 0
    assert result.text == "Die Wissensbasis enthält dazu keine Angabe. Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [1]."
    assert not attribute("Die Zuwendung beträgt bis zu 90 Prozent der Ausgaben [2].", SOURCES, _checker()).says_not_in_sources


def test_marker_after_the_period_belongs_to_the_sentence() -> None:
    result = attribute("Bienen werden mit Sensoren beobachtet. [3] Mehr ist nicht bekannt.", SOURCES, _checker())
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


def test_a_sentence_that_only_repeats_the_question_is_left_out() -> None:
    question = "Zu welchen Werten müssen sich Antragstellende bei der Zuwendung bekennen?"
    result = attribute("Antragstellende müssen sich bei der Zuwendung bekennen [2].", SOURCES, _checker(), question=question)
    assert result.text == "" and result.supported_count == 0  # nothing stated: the answer falls back to excerpts
    assert result.sentences[0].restatement and not result.sentences[0].claim
    # The same sentence without the question, a yes/no, and an answer that picks one option are claims.
    assert attribute("Antragstellende müssen sich bei der Zuwendung bekennen [2].", SOURCES, _checker()).text
    checker = _checker()
    assert not checker.restates("Nein, natürliche Personen sind nicht antragsberechtigt.", "Sind natürliche Personen antragsberechtigt?")
    assert not checker.restates("Antragsberechtigt sind Vereine.", "Sind Vereine, Stiftungen, Kommunen oder Unternehmen antragsberechtigt?")
    assert checker.restates("Antragsberechtigt sind Vereine, Stiftungen und Kommunen.", "Sind Vereine, Stiftungen und Kommunen antragsberechtigt?")


def test_a_yes_or_no_in_the_questions_words_is_left_out_unless_a_source_states_it() -> None:
    checker = _checker()
    rule = ["Bei einem offenen Verfahren darf der Auftraggeber von den Bietern nur Aufklärung verlangen. "
            "Verhandlungen, insbesondere über Änderungen der Angebote oder Preise, sind unzulässig."]
    question = "Darf man im offenen Verfahren mit dem Auftraggeber noch über den Preis verhandeln?"
    echo = "Ja, man kann im offenen Verfahren mit dem Auftraggeber noch über den Preis verhandeln [1]."
    result = attribute(echo, rule, checker, question=question)
    # Every word occurs in the source, the verdict does not: it is left out, and nothing is left to show.
    assert result.text == "" and result.echoed_verdict and result.supported_count == 0
    assert attribute(echo, rule, checker).text  # without the question it is an ordinary (supported) claim
    assert checker.echoes_verdict("Yes, one can negotiate the price in the open procedure.", "Can one negotiate the price in the open procedure?", rule)
    # A verdict a source sentence states with the same negation stands, and so does one in words of its own.
    stated = ["Natürliche Personen sind nicht antragsberechtigt."]
    assert not checker.echoes_verdict("Nein, natürliche Personen sind nicht antragsberechtigt.", "Sind natürliche Personen antragsberechtigt?", stated)
    assert checker.echoes_verdict("Ja, natürliche Personen sind antragsberechtigt.", "Sind natürliche Personen antragsberechtigt?", stated)
    assert not checker.echoes_verdict("Ja, bis zu 20 Prozent der Kosten.", "Darf ich den Kostenplan überziehen?", rule)
    assert not checker.echoes_verdict("Politische Parteien sind nicht antragsberechtigt.", "Kann eine politische Partei einen Antrag stellen?", rule)
    assert not checker.echoes_verdict("Ja, man kann über den Preis verhandeln.", "Wann darf man über den Preis verhandeln?", rule)  # no yes/no question


def test_uncovered_passages_are_those_the_answer_does_not_state() -> None:
    checker = _checker()
    answer = "Die Zuwendung beträgt bis zu 90 Prozent der zuwendungsfähigen Ausgaben [1]."
    assert checker.uncovered(answer, SOURCES) == [0, 2]
    assert checker.uncovered("", SOURCES) == [0, 1, 2]


def test_a_similar_sentence_covers_a_passage_only_with_its_numbers() -> None:
    def same_meaning(texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 2), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors

    checker = SupportChecker(same_meaning)
    english = "The grant covers up to 90 percent of eligible costs."
    assert checker.uncovered(english, [SOURCES[1]]) == []  # another language, same statement, same number
    assert checker.uncovered("The grant covers up to 80 percent of eligible costs.", [SOURCES[1]]) == [0]
    assert SupportChecker(None).uncovered(english, [SOURCES[1]]) == [0]
    # In the passage's own language only the words count: a similar sentence on something else covers nothing.
    assert checker.uncovered("Gefördert werden Vereine aus Beispielstadt.", [SOURCES[0]]) == [0]
    assert checker.uncovered("Legal persons under public and private law may apply.", [SOURCES[0]]) == []


def test_a_shortened_copy_does_not_cover_what_it_left_out() -> None:
    checker = _checker()
    fines = ("Bei Verstößen werden Geldbußen von bis zu 10000000 EUR oder im Fall eines Unternehmens von bis zu 2 % "
             "seines gesamten weltweit erzielten Jahresumsatzes verhängt.")
    topics = ("In vier Sessions wurden die Themen Datenmanagement, interkommunale Zusammenarbeit, technische "
              "Entwicklungen sowie rechtliche Rahmen und Datenschutz diskutiert.")
    # Most words copied, the second amount dropped; three of four topics copied, the last one dropped.
    shortened = ("Bei Verstößen werden Geldbußen von bis zu 10000000 EUR im Fall eines Unternehmens seines gesamten "
                 "weltweit erzielten Jahresumsatzes verhängt [1]. In vier Sessions wurden die Themen Datenmanagement, "
                 "interkommunale Zusammenarbeit und technische Entwicklungen diskutiert [2].")
    assert checker.uncovered(shortened, [fines, topics]) == [0, 1]
    complete = shortened.replace("10000000 EUR", "10000000 EUR oder 2 %").replace("Entwicklungen", "Entwicklungen, rechtliche Rahmen und Datenschutz")
    assert checker.uncovered(complete, [fines, topics]) == []
    assert checker.uncovered(complete.replace("2 %", "zwei Prozent"), [fines]) == []  # a value in words is stated


def test_a_sentence_needs_less_similarity_when_it_carries_a_checkable_anchor() -> None:
    def similarity(value: float):  # noqa: ANN202 - every text pair gets ``value`` as cosine
        def embed(texts: list[str]) -> np.ndarray:
            vectors = np.zeros((len(texts), 2), dtype=np.float32)
            vectors[0] = [1.0, 0.0]
            vectors[1:] = [value, (1 - value**2) ** 0.5]
            return vectors
        return embed

    source = "Anträge können spätestens bis zum 31. Oktober eines Jahres bei der Behörde Mozilla gestellt werden."
    checker = SupportChecker(similarity(0.55))
    assert checker.supports("The application must be filed by 31 October of the year.", source)  # a number
    assert checker.supports("Applications go to the Mozilla office in writing.", source)  # a name the source has
    assert not checker.supports("Applications must be filed in writing with the authority.", source)  # nothing checkable
    assert not checker.supports("Die Bewerbung ist schriftlich bei der zuständigen Stelle einzureichen.", source)  # German: 0.6
    assert not SupportChecker(similarity(0.45)).supports("The application must be filed by 31 October.", source)
    assert checker.best_source("The application must be filed by 31 October.", ["Ganz anderes Thema.", source]) == 2

    # German: a paraphrase that restates the source's figure is anchored by it, a name alone anchors nothing.
    duration = "Eine Förderung mit einer Laufzeit von maximal drei Jahren kann von Vereinen beantragt werden."
    assert checker.supports("Ein Projekt kann höchstens drei Jahre lang gefördert werden.", duration)
    assert not checker.supports("Ein Projekt kann höchstens fünf Jahre lang gefördert werden.", duration)  # not the source's count
    assert not checker.supports("Die Bewerbung geht an das Büro von Mozilla.", source)


def test_each_text_is_embedded_once_per_answer() -> None:
    embedded: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return HashEmbedder().embed_documents(texts)

    answer = "Legal entities may apply. The grant covers most costs. Bees are watched."
    attribute(answer, SOURCES, SupportChecker(embed), language="en")
    assert embedded and len(embedded) == len(set(embedded))  # every source sentence once, not once per answer sentence
