"""German analyzer and BM25 keyword index."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import IndexStateError
from assistant.indexing.lexical import GermanAnalyzer, KeywordIndex, build_vocabulary


def test_words_fold_case_and_sharp_s_and_drop_stopwords() -> None:
    assert GermanAnalyzer().words("Die Straße und der GROSSE Zuschuss") == ["strasse", "grosse", "zuschuss"]


def test_hyphenated_compound_yields_whole_and_parts() -> None:
    words = GermanAnalyzer().words("Datenschutz-Folgenabschätzung")
    assert words == ["datenschutzfolgenabschätzung", "datenschutz", "folgenabschätzung"]


def test_compound_split_uses_corpus_vocabulary() -> None:
    analyzer = GermanAnalyzer({"richtlinie", "förderung", "schutz", "daten"})
    assert analyzer.split_compound("förderrichtlinie") == ["förder", "richtlinie"]
    assert analyzer.split_compound("datenschutz") == ["daten", "schutz"]
    assert analyzer.split_compound("zuwendung") == []


def test_inflections_and_missing_umlauts_meet() -> None:
    analyzer = GermanAnalyzer()
    assert analyzer.terms("Förderungen") == analyzer.terms("Förderung") == analyzer.terms("Forderung")
    assert analyzer.terms("Zuwendungen") == analyzer.terms("Zuwendung")


def test_vocabulary_needs_repeated_words() -> None:
    assert build_vocabulary(["Richtlinie und Richtlinie", "Förderung einmal"]) == {"richtlinie"}


CORPUS = {
    "a": "Die Förderrichtlinie regelt die Zuwendung für gemeinwohlorientierte Projekte.",
    "b": "Antragsberechtigt sind juristische Personen des öffentlichen und privaten Rechts.",
    "c": "Die Richtlinie tritt am Tag nach der Veröffentlichung in Kraft. Die Richtlinie gilt bis 2027.",
    "d": "Bienen werden mit Sensoren beobachtet.",
}


def test_bm25_finds_compound_parts_and_ranks_by_relevance() -> None:
    index = KeywordIndex.build(list(CORPUS), list(CORPUS.values()))
    ids = [cid for cid, _ in index.search("Wer ist antragsberechtigt?", 3)]
    assert ids[0] == "b"
    # "Richtlinie" matches the compound "Förderrichtlinie" via the corpus-driven decompounder.
    assert set(cid for cid, _ in index.search("Richtlinie", 4)) == {"a", "c"}
    assert index.search("Wetter morgen", 3) == []


def test_bm25_round_trips_through_disk(tmp_path: Path) -> None:
    index = KeywordIndex.build(list(CORPUS), list(CORPUS.values()))
    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded.search("Bienen", 2) == index.search("Bienen", 2)
    assert loaded.ids == index.ids


def test_empty_keyword_index_returns_nothing(tmp_path: Path) -> None:
    index = KeywordIndex.build([], [])
    assert index.search("Förderung", 5) == []
    index.save(tmp_path / "kw")
    assert KeywordIndex.load(tmp_path / "kw").search("Förderung", 5) == []


def test_corrupt_keyword_index_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "kw"
    folder.mkdir()
    (folder / "meta.json").write_text("{kaputt", encoding="utf-8")
    with pytest.raises(IndexStateError, match="assistant ingest --rebuild"):
        KeywordIndex.load(folder)
