"""The LangChain baseline over a tiny corpus, with the deterministic hash embedder and no network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from benchmarks.baseline import BaselineIndex, build_langchain_baseline
from tests.fakes import HashEmbedder
from tests.pdf_factory import make_pdf

# Distinct numbered words, so every chunk's position in the original text can be found exactly.
LONG_TEXT = " ".join(f"wort{i:04d}" for i in range(500))  # 4,499 characters


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "foerderung.md").write_text("# Förderung\n\nDas Zauberwort Quokka öffnet die Förderung.\n", encoding="utf-8")
    (corpus / "lang.md").write_text(LONG_TEXT, encoding="utf-8")
    make_pdf(
        corpus / "richtlinie.pdf",
        [["# Richtlinie", "Gefördert werden Vorhaben im Gemeinwohl."], ["Antragsfrist ist der Flamingotag im Mai."]],
    )
    (corpus / "seite.html").write_text(
        "<html><body><h1>Seite</h1><p>Die Kommune plant einen Axolotl-Wettbewerb.</p></body></html>", encoding="utf-8"
    )
    (corpus / "SOURCES.md").write_text("Quelle: Kapibara-Verzeichnis\n", encoding="utf-8")
    return corpus


@pytest.fixture
def baseline(tmp_path: Path, no_network: object) -> BaselineIndex:
    pytest.importorskip("langchain_chroma", reason="the LangChain baseline needs the bench extra")
    return build_langchain_baseline(_corpus(tmp_path), HashEmbedder(dimension=512))


def _long_chunks(index: BaselineIndex) -> list[str]:
    return [text for text in index.search("wort0000", index.chunks) if text.startswith("wort")]


def test_counts_files_pages_and_chunks(baseline: BaselineIndex) -> None:
    assert baseline.files == 4  # SOURCES.md skipped
    assert baseline.pages == 2 + 3  # PDF pages + one per other file
    long_chunks = _long_chunks(baseline)
    assert len(long_chunks) >= 5  # 4,499 characters in chunks of at most 1,000
    assert baseline.chunks == 4 + len(long_chunks)  # short md, two PDF pages, html, long text
    assert baseline.ingest_seconds > 0


def test_distinctive_word_ranks_its_chunk_first(baseline: BaselineIndex) -> None:
    assert "Quokka" in baseline.search("Quokka", 3)[0]
    assert "Flamingotag" in baseline.search("Flamingotag", 3)[0]
    assert "Axolotl" in baseline.search("Axolotl", 3)[0]
    assert "<p>" in baseline.search("Axolotl", 1)[0]  # HTML is read raw, as a naive pipeline does


def test_sources_file_is_not_indexed(baseline: BaselineIndex) -> None:
    assert not any("Kapibara" in text for text in baseline.search("Kapibara Verzeichnis", baseline.chunks))


def test_consecutive_chunks_of_a_long_text_overlap(baseline: BaselineIndex) -> None:
    spans = sorted((LONG_TEXT.index(text), LONG_TEXT.index(text) + len(text)) for text in _long_chunks(baseline))
    assert spans[0][0] == 0 and spans[-1][1] == len(LONG_TEXT)  # the whole text is covered
    for (start, end), (next_start, _) in zip(spans, spans[1:]):
        assert end - start <= 1000
        assert start < next_start < end  # the next chunk starts inside this one
        assert end - next_start <= 200


def test_search_never_asks_for_more_than_stored(baseline: BaselineIndex) -> None:
    assert len(baseline.search("Förderung", 1000)) == baseline.chunks


def test_missing_langchain_is_a_config_error_with_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_chroma", None)  # makes the import raise ImportError
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[bench\]'"):
        build_langchain_baseline(_corpus(tmp_path), HashEmbedder())
