"""The on-disk embedding cache: exact vectors back, keyed by model and input, robust to damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.app import build_app
from assistant.config import Settings
from assistant.indexing.embedding_cache import EmbeddingCache, cache_key
from assistant.errors import ConfigError
from tests.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that counts the document texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts, titles=None):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed_documents(texts, titles)


def _corpus(settings: Settings, files: dict[str, str]) -> None:
    for name, text in files.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")


TEXTS = {
    "a.md": "# Förderung\n\nDie Förderquote beträgt 50 Prozent der zuwendungsfähigen Ausgaben.\n",
    "b.md": "# Datenschutz\n\nPersonenbezogene Daten werden nur mit Einwilligung verarbeitet.\n",
}


def test_round_trip_is_exact_and_namespaced(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "e.sqlite", "model-a|max_tokens=512")
    vectors = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    cache.put(["t1", "t2", "t3"], ["x", "y", "z"], vectors)
    got = cache.get(["t2", "t1", "t9"], ["y", "x", "z"], 4)
    assert np.array_equal(got[0], vectors[1]) and np.array_equal(got[1], vectors[0]) and got[2] is None
    assert cache.get(["t1"], ["x"], 8) == [None]  # a row of another dimension is never served
    other = EmbeddingCache(tmp_path / "e.sqlite", "model-b|max_tokens=512")
    assert other.get(["t1"], ["x"], 4) == [None]
    cache.close()
    reopened = EmbeddingCache(tmp_path / "e.sqlite", "model-a|max_tokens=512")
    assert np.array_equal(reopened.get(["t3"], ["z"], 4)[0], vectors[2])


def test_key_separates_title_and_text() -> None:
    assert cache_key("m", "ab", "c") != cache_key("m", "a", "bc")
    assert cache_key("m", "a", "b") == cache_key("m", "a", "b")


def test_rebuilt_index_embeds_nothing_and_changed_text_only_itself(settings: Settings) -> None:
    _corpus(settings, TEXTS)
    embedder = CountingEmbedder()
    app = build_app(settings, embedder=embedder)
    first = app.ingestor.ingest()
    assert first.chunks_embedded == len(embedder.embedded) > 0 and first.chunks_cached == 0
    app.index.close()
    shutil.rmtree(settings.index_dir)

    embedder.embedded.clear()
    app = build_app(settings, embedder=embedder)
    again = app.ingestor.ingest()
    assert embedder.embedded == [] and again.chunks_cached == first.chunks_embedded
    assert sorted(again.added) == ["a.md", "b.md"]
    assert app.retriever.search("Förderquote Prozent", 1)[0].chunk.source == "a.md"

    (settings.corpus_dir / "b.md").write_text(TEXTS["b.md"] + "\nAuskunft erteilt die Datenschutzbeauftragte.\n", encoding="utf-8")
    changed = app.ingestor.ingest()
    assert changed.updated == ["b.md"] and changed.chunks_embedded == len(embedder.embedded) >= 1
    assert all("Datenschutzbeauftragte" in text for text in embedder.embedded)
    app.index.close()


def test_cache_can_be_switched_off(settings: Settings) -> None:
    _corpus(settings, TEXTS)
    embedder = CountingEmbedder()
    settings = settings.with_(embed_cache=False)
    app = build_app(settings, embedder=embedder)
    app.ingestor.ingest()
    app.index.close()
    assert not (settings.cache_dir / "embeddings.sqlite").exists()


def test_damaged_cache_file_is_set_aside_and_ingest_succeeds(settings: Settings) -> None:
    _corpus(settings, TEXTS)
    settings.cache_dir.mkdir(parents=True)
    (settings.cache_dir / "embeddings.sqlite").write_bytes(b"this is not an sqlite database" * 100)
    app = build_app(settings, embedder=CountingEmbedder())
    report = app.ingestor.ingest()
    app.index.close()
    assert sorted(report.added) == ["a.md", "b.md"] and not report.failed
    assert any(p.name.startswith("embeddings.sqlite.defekt-") for p in settings.cache_dir.iterdir())
    fresh = EmbeddingCache(settings.cache_dir / "embeddings.sqlite", "unused")
    assert fresh.get(["t"], ["x"], 4) == [None]  # a usable, new database took its place


def test_settings_read_the_switch_from_the_environment() -> None:
    assert Settings.from_env({"ASSISTANT_EMBED_CACHE": "0"}).embed_cache is False
    assert Settings.from_env({"ASSISTANT_EMBED_CACHE": "ja"}).embed_cache is True
    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_CACHE='vielleicht' muss 1 oder 0 sein"):
        Settings.from_env({"ASSISTANT_EMBED_CACHE": "vielleicht"})
